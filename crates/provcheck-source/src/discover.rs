//! Finding a project's repository in its package metadata, and normalizing repository
//! URLs so one repository has one name (and one place in the cache).
//!
//! Pure: no I/O. The metadata is hostile input, so every URL that comes out of here is
//! `https` (or a `file` URL given by the user), and its cache key cannot name a path
//! outside the cache.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use url::Url;

/// The forges whose URL layout is known: the repository is the first path segments, the
/// rest is a page of it (`/issues`, `/tree/main/src`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Forge {
    GitHub,
    GitLab,
    Codeberg,
    Bitbucket,
}

impl Forge {
    fn of(host: &str) -> Option<Forge> {
        match host.strip_prefix("www.").unwrap_or(host) {
            "github.com" => Some(Forge::GitHub),
            "gitlab.com" => Some(Forge::GitLab),
            "codeberg.org" => Some(Forge::Codeberg),
            "bitbucket.org" => Some(Forge::Bitbucket),
            _ => None,
        }
    }

    fn host(self) -> &'static str {
        match self {
            Forge::GitHub => "github.com",
            Forge::GitLab => "gitlab.com",
            Forge::Codeberg => "codeberg.org",
            Forge::Bitbucket => "bitbucket.org",
        }
    }

    /// First path segments that are site pages, not users or groups.
    fn reserved(self) -> &'static [&'static str] {
        match self {
            Forge::GitHub => &[
                "about",
                "apps",
                "collections",
                "contact",
                "customer-stories",
                "enterprise",
                "events",
                "explore",
                "features",
                "github-copilot",
                "join",
                "login",
                "marketplace",
                "new",
                "notifications",
                "orgs",
                "organizations",
                "pricing",
                "pulls",
                "issues",
                "readme",
                "search",
                "security",
                "settings",
                "site",
                "sponsors",
                "team",
                "topics",
                "trending",
                "user-attachments",
                "users",
            ],
            Forge::GitLab => &[
                "-",
                "admin",
                "api",
                "dashboard",
                "explore",
                "groups",
                "help",
                "projects",
                "search",
                "users",
            ],
            Forge::Codeberg => &["-", "api", "assets", "explore", "org", "user"],
            Forge::Bitbucket => &[
                "account",
                "dashboard",
                "product",
                "repo",
                "site",
                "snippets",
            ],
        }
    }
}

/// What kind of place a [`RepoUrl`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A repository on a known forge: `https://HOST/OWNER/NAME`.
    Forge,
    /// Any other `https` server.
    Other,
    /// A `file://` URL, given by the user (never taken from metadata).
    Local,
}

/// A normalized repository URL.
///
/// - Scheme `https` (from `http`, `git`, `git+https`, `ssh` and `git@host:` forms of a
///   known forge), or `file` for a local repository named by the user.
/// - Lowercase host, no user info, no query or fragment, no trailing slash.
/// - On GitHub, GitLab, Codeberg and Bitbucket: only the repository (owner and name; on
///   GitLab every nested group), without `.git`. A link into a folder
///   (`/tree/REF/DIR`, GitLab's `/-/tree/REF/DIR`, Codeberg's `/src/branch/REF/DIR`,
///   Bitbucket's `/src/REF/DIR`) yields DIR as a sub-folder hint; any other page
///   (`/issues`, `/blob/REF/FILE`...) yields the repository alone. REF is taken to be one
///   path segment: a branch name with a slash shifts the hint.
/// - Other hosts keep their path as given, `.git` included (some servers need it).
///
/// The display form keeps the case it was written in; equality, hashing and the
/// [`cache_key`](RepoUrl::cache_key) ignore case on forges, whose names are
/// case-insensitive.
#[derive(Clone, Debug)]
pub struct RepoUrl {
    url: String,
    host: String,
    key: String,
    kind: Kind,
}

impl PartialEq for RepoUrl {
    fn eq(&self, other: &RepoUrl) -> bool {
        self.key == other.key
    }
}

impl Eq for RepoUrl {}

impl Hash for RepoUrl {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl fmt::Display for RepoUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl RepoUrl {
    /// Normalizes a repository URL, returning it with the sub-folder hint its path
    /// carries. `None` when the text is not a repository URL: not a URL, a scheme
    /// other than https/http/git/ssh/file, a forge page that is not a repository
    /// (`https://github.com/sponsors/x`, a user page `https://github.com/x`), or ssh and
    /// git URLs of unknown hosts (they might not serve https).
    pub fn parse(text: &str) -> Option<(RepoUrl, Option<String>)> {
        let text = text.trim();
        let text = text.strip_prefix("git+").unwrap_or(text);
        let url = match Url::parse(text) {
            Ok(url) => url,
            Err(_) => Url::parse(&scp_to_url(text)?).ok()?,
        };
        match url.scheme() {
            "file" => local(&url).map(|repo| (repo, None)),
            "https" | "http" | "git" | "ssh" => remote(&url),
            _ => None,
        }
    }

    /// The URL, in its display form.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host, lowercase, with `:PORT` when not the default; empty for a `file` URL.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Where the repository lives in a cache, as `/`-separated segments: `host/owner/name`
    /// (lowercase on forges; `file/…` for local repositories). Bytes other than ASCII
    /// letters, digits, `-`, `_` and `.` are percent-encoded, and so are dots in the
    /// segments between the host and the name, so no segment is `..`, none holds a path
    /// separator, and no folder of one key collides with the `NAME.git` of another.
    pub fn cache_key(&self) -> String {
        self.key.clone()
    }

    /// Whether this names a repository on a forge whose layout is known.
    pub fn is_forge(&self) -> bool {
        self.kind == Kind::Forge
    }

    /// `https` or `file`.
    pub(crate) fn scheme(&self) -> &'static str {
        match self.kind {
            Kind::Local => "file",
            Kind::Forge | Kind::Other => "https",
        }
    }
}

/// `git@github.com:owner/name.git` as `ssh://git@github.com/owner/name.git`, and a
/// scheme-less `github.com/owner/name` as `https://…`.
fn scp_to_url(text: &str) -> Option<String> {
    if let Some((authority, path)) = text.split_once(':')
        && let Some((_, host)) = authority.split_once('@')
        && !authority.contains('/')
        && !path.starts_with("//")
    {
        return Some(format!("ssh://git@{host}/{path}"));
    }
    let host = text.split('/').next()?;
    Forge::of(&host.to_ascii_lowercase()).map(|_| format!("https://{text}"))
}

/// The percent-decoded, non-empty segments of a URL path; `None` when one is `.`, `..`
/// or decodes to something a path segment cannot hold.
fn segments(url: &Url) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for segment in url.path_segments()?.filter(|segment| !segment.is_empty()) {
        let decoded = percent_decode(segment)?;
        if decoded == "."
            || decoded == ".."
            || decoded
                .chars()
                .any(|c| c == '/' || c == '\\' || c.is_control())
        {
            return None;
        }
        out.push(decoded);
    }
    Some(out)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One cache-key segment: safe bytes kept, the rest percent-encoded; dots too unless
/// `dots` (see [`RepoUrl::cache_key`]).
fn key_segment(segment: &str, dots: bool) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        let safe = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
        if safe || (byte == b'.' && dots) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The cache key of a repository: `parts` are the host (or `file`) and at least one path
/// segment. Only the first level of the cache holds hosts and only deeper levels hold
/// repositories, so the host keeps its dots; so does the last segment, to which the
/// cache appends `.git`.
fn key(parts: &[&str]) -> String {
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| key_segment(part, index == 0 || index == last))
        .collect::<Vec<_>>()
        .join("/")
}

fn local(url: &Url) -> Option<RepoUrl> {
    if !matches!(url.host_str(), None | Some("") | Some("localhost")) {
        return None;
    }
    let segments = segments(url)?;
    if segments.is_empty() {
        return None;
    }
    let mut display = url.clone();
    display.set_query(None);
    display.set_fragment(None);
    let display = display.as_str().trim_end_matches('/').to_owned();
    let mut parts = vec!["file"];
    parts.extend(segments.iter().map(String::as_str));
    Some(RepoUrl {
        url: display,
        host: String::new(),
        key: key(&parts),
        kind: Kind::Local,
    })
}

fn remote(url: &Url) -> Option<(RepoUrl, Option<String>)> {
    let host = url.host_str()?.to_ascii_lowercase();
    let segments = segments(url)?;
    if let Some(forge) = Forge::of(&host) {
        return forge_repo(forge, &segments);
    }
    // ssh and git servers may not serve https; only forges are known to.
    if !matches!(url.scheme(), "https" | "http") || host.is_empty() || segments.is_empty() {
        return None;
    }
    let host = match url.port() {
        Some(port) if port != 443 => format!("{host}:{port}"),
        _ => host,
    };
    // The path as written (percent-encoded), for git; the decoded segments, for the key.
    let path = url.path().trim_matches('/');
    let mut parts = vec![host.as_str()];
    parts.extend(segments.iter().map(String::as_str));
    Some((
        RepoUrl {
            url: format!("https://{host}/{path}"),
            key: key(&parts),
            host,
            kind: Kind::Other,
        },
        None,
    ))
}

/// Characters forges allow in owner, group and repository names.
fn forge_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn forge_repo(forge: Forge, segments: &[String]) -> Option<(RepoUrl, Option<String>)> {
    let first = segments.first()?;
    if forge
        .reserved()
        .iter()
        .any(|reserved| first.eq_ignore_ascii_case(reserved))
    {
        return None;
    }
    // How many segments name the repository, and where a folder hint starts.
    let (length, subdir_from) = match forge {
        Forge::GitHub => (
            2,
            (segments.get(2).map(String::as_str) == Some("tree")).then_some(4),
        ),
        Forge::Bitbucket => (
            2,
            (segments.get(2).map(String::as_str) == Some("src")).then_some(4),
        ),
        Forge::Codeberg => (
            2,
            (segments.get(2).map(String::as_str) == Some("src")
                && matches!(
                    segments.get(3).map(String::as_str),
                    Some("branch" | "tag" | "commit")
                ))
            .then_some(5),
        ),
        Forge::GitLab => gitlab_layout(segments),
    };
    if segments.len() < length || length < 2 {
        return None;
    }
    let mut repo: Vec<&str> = segments[..length].iter().map(String::as_str).collect();
    let name = repo[length - 1];
    let name = name.strip_suffix(".git").unwrap_or(name);
    repo[length - 1] = name;
    if !repo.iter().all(|part| forge_name(part)) {
        return None;
    }
    let subdir = subdir_from
        .filter(|&from| segments.len() > from)
        .map(|from| segments[from..].join("/"));
    let host = forge.host();
    let path = repo.join("/");
    let lower = path.to_ascii_lowercase();
    let mut parts = vec![host];
    parts.extend(lower.split('/'));
    Some((
        RepoUrl {
            url: format!("https://{host}/{path}"),
            host: host.to_owned(),
            key: key(&parts),
            kind: Kind::Forge,
        },
        subdir,
    ))
}

/// GitLab nests groups, so the repository ends where its pages begin: at the `-`
/// segment (`/group/sub/name/-/tree/main/dir`), or, in old-style links without it, at
/// the first page name after the second segment.
fn gitlab_layout(segments: &[String]) -> (usize, Option<usize>) {
    const PAGES: &[&str] = &[
        "tree",
        "blob",
        "issues",
        "merge_requests",
        "wikis",
        "commits",
        "commit",
        "tags",
        "releases",
        "pipelines",
        "raw",
    ];
    let end = match segments.iter().position(|segment| segment == "-") {
        Some(end) => end,
        None => segments
            .iter()
            .skip(2)
            .position(|segment| PAGES.contains(&segment.as_str()))
            .map_or(segments.len(), |position| position + 2),
    };
    let page = end + usize::from(segments.get(end).map(String::as_str) == Some("-"));
    let subdir = (segments.get(page).map(String::as_str) == Some("tree")).then_some(page + 2);
    (end, subdir)
}

/// Where a repository URL came from, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The repository.
    pub url: RepoUrl,
    /// A sub-folder hint from a `/tree/REF/DIR` link: where a monorepo keeps the
    /// package. Never taken from the description, whose folder links are mostly docs
    /// and examples.
    pub subdir: Option<String>,
    /// Which metadata field named it: `project_urls[LABEL]`, `home_page` or
    /// `description`.
    pub from: String,
}

/// `project_urls` labels that name the repository, best first, normalized as PyPI
/// normalizes them (lowercase, alphanumerics only). `true`: the label is trusted to name
/// a repository on any host; `false`: only a known forge's repository URL counts.
const LABELS: &[(&str, bool)] = &[
    ("source", true),
    ("sourcecode", true),
    ("repository", true),
    ("sourcerepository", true),
    ("repo", true),
    ("code", true),
    ("github", false),
    ("gitlab", false),
    ("codeberg", false),
    ("bitbucket", false),
    ("git", false),
    ("homepage", false),
    ("home", false),
];

/// Hosts that serve documentation or packages, never a repository, whatever the label.
const NOT_REPOSITORY_HOSTS: &[&str] = &[
    "readthedocs.io",
    "readthedocs.org",
    "rtfd.io",
    "github.io",
    "gitlab.io",
    "pypi.org",
    "pypi.python.org",
    "python.org",
];

/// PyPI's label normalization: lowercase, alphanumerics only.
fn normalize_label(label: &str) -> String {
    label
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether an `https` URL on an unknown host looks like a git repository: a path of
/// two or more segments (`/owner/name`, `/pub/scm/name.git`) or ending in `.git`, on a
/// host that is not a documentation or package site.
fn looks_like_repository(repo: &RepoUrl) -> bool {
    let host = repo.host.split(':').next().unwrap_or_default();
    if NOT_REPOSITORY_HOSTS
        .iter()
        .any(|bad| host == *bad || host.ends_with(&format!(".{bad}")))
    {
        return false;
    }
    let path = repo
        .url
        .strip_prefix("https://")
        .and_then(|rest| rest.split_once('/'))
        .map_or("", |(_, path)| path);
    path.ends_with(".git") || path.split('/').count() >= 2
}

/// A metadata value safe to show in a report: no control characters, bounded length.
fn printable(text: &str) -> String {
    text.chars()
        .take(100)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Finds the repository a package's metadata names, best source first:
///
/// 1. `project_urls`, by label (normalized: `Source Code` is `sourcecode`): `source`,
///    `sourcecode`, `repository`, `sourcerepository`, `repo`, `code`, then `github`,
///    `gitlab`, `codeberg`, `bitbucket`, `git`, then `homepage`, `home`; then any other
///    label whose URL is a forge repository (`Issues` on GitHub names the repository
///    too). Among equals, metadata order. The `source`…`code` labels may name a
///    repository on any `https` host when its URL looks like one (two or more path
///    segments, or ending in `.git`; documentation hosts never count); every other
///    label must name a repository on a known forge.
/// 2. `home_page`, when it is a forge repository URL.
/// 3. The description: the forge repository it links to most often (the project's own
///    badges and links usually outnumber links to other projects; ties go to the
///    earliest). Images are skipped; page links (`/issues`, `/actions`, `/releases`)
///    count for their repository.
///
/// Only `https` URLs come out: metadata cannot point provcheck at a local path or
/// another transport.
pub fn discover(
    project_urls: &[(String, String)],
    home_page: Option<&str>,
    description: Option<&str>,
) -> Option<Discovered> {
    let mut best: Option<((usize, usize), Discovered)> = None;
    for (index, (label, text)) in project_urls.iter().enumerate() {
        let Some((repo, subdir)) = RepoUrl::parse(text) else {
            continue;
        };
        let normalized = normalize_label(label);
        let rank = LABELS.iter().position(|(known, _)| *known == normalized);
        let any_host = rank.is_some_and(|rank| LABELS[rank].1);
        let acceptable = match repo.kind {
            Kind::Forge => true,
            Kind::Other => any_host && looks_like_repository(&repo),
            Kind::Local => false,
        };
        if !acceptable {
            continue;
        }
        let order = (rank.unwrap_or(LABELS.len()), index);
        if best.as_ref().is_none_or(|(seen, _)| order < *seen) {
            best = Some((
                order,
                Discovered {
                    url: repo,
                    subdir,
                    from: format!("project_urls[{}]", printable(label)),
                },
            ));
        }
    }
    if let Some((_, found)) = best {
        return Some(found);
    }
    if let Some((repo, subdir)) = home_page.and_then(RepoUrl::parse)
        && repo.is_forge()
    {
        return Some(Discovered {
            url: repo,
            subdir,
            from: "home_page".to_owned(),
        });
    }
    description
        .and_then(from_description)
        .map(|url| Discovered {
            url,
            subdir: None,
            from: "description".to_owned(),
        })
}

/// The forge repository a text links to most often; ties go to the earliest.
fn from_description(text: &str) -> Option<RepoUrl> {
    // key -> (count, first position, url)
    let mut seen: HashMap<String, (usize, usize, RepoUrl)> = HashMap::new();
    for (position, link) in links(text).enumerate() {
        if is_image(link) {
            continue;
        }
        let Some((repo, _)) = RepoUrl::parse(link) else {
            continue;
        };
        if !repo.is_forge() {
            continue;
        }
        seen.entry(repo.key.clone())
            .or_insert((0, position, repo))
            .0 += 1;
    }
    seen.into_values()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, _, repo)| repo)
}

/// The `http(s)://` links in a text (Markdown, reStructuredText, HTML or plain), with
/// the punctuation that surrounds links in prose trimmed off.
fn links(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find("http")?;
            let candidate = &rest[start..];
            let is_link = candidate.starts_with("https://") || candidate.starts_with("http://");
            if !is_link {
                rest = &candidate[4..];
                continue;
            }
            let end = candidate
                .find(|c: char| {
                    c.is_whitespace()
                        || matches!(
                            c,
                            '<' | '>'
                                | '"'
                                | '\''
                                | '`'
                                | '('
                                | ')'
                                | '['
                                | ']'
                                | '{'
                                | '}'
                                | '|'
                                | '\\'
                                | '^'
                        )
                })
                .unwrap_or(candidate.len());
            rest = &candidate[end..];
            let link = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
            return Some(link);
        }
    })
}

/// Whether a link is an image (a badge, a logo, a screenshot), not a page.
fn is_image(link: &str) -> bool {
    let path = link
        .split(['?', '#'])
        .next()
        .unwrap_or(link)
        .to_ascii_lowercase();
    [".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"]
        .iter()
        .any(|extension| path.ends_with(extension))
        || path.contains("/badge")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, display URL, cache key, sub-folder); `None` display: not a repository.
    const PARSE: &[(&str, Option<&str>, &str, Option<&str>)] = &[
        (
            "https://github.com/pallets/click/",
            Some("https://github.com/pallets/click"),
            "github.com/pallets/click",
            None,
        ),
        (
            "https://github.com/psf/requests.git",
            Some("https://github.com/psf/requests"),
            "github.com/psf/requests",
            None,
        ),
        (
            "git+https://github.com/a/b",
            Some("https://github.com/a/b"),
            "github.com/a/b",
            None,
        ),
        (
            "https://github.com/huggingface/transformers/tree/main/src",
            Some("https://github.com/huggingface/transformers"),
            "github.com/huggingface/transformers",
            Some("src"),
        ),
        (
            "https://github.com/aws/aws-sdk-python/blob/develop/README.md",
            Some("https://github.com/aws/aws-sdk-python"),
            "github.com/aws/aws-sdk-python",
            None,
        ),
        (
            "http://github.com/A/B",
            Some("https://github.com/A/B"),
            "github.com/a/b",
            None,
        ),
        (
            "https://www.GitHub.com/Owner/Repo.git/",
            Some("https://github.com/Owner/Repo"),
            "github.com/owner/repo",
            None,
        ),
        (
            "https://user:pass@github.com/a/b?tab=readme#readme",
            Some("https://github.com/a/b"),
            "github.com/a/b",
            None,
        ),
        (
            "git@github.com:pypa/pip.git",
            Some("https://github.com/pypa/pip"),
            "github.com/pypa/pip",
            None,
        ),
        (
            "git://github.com/pypa/pip",
            Some("https://github.com/pypa/pip"),
            "github.com/pypa/pip",
            None,
        ),
        (
            "github.com/pypa/pip",
            Some("https://github.com/pypa/pip"),
            "github.com/pypa/pip",
            None,
        ),
        (
            "https://github.com/apache/airflow/tree/main/providers/amazon/src",
            Some("https://github.com/apache/airflow"),
            "github.com/apache/airflow",
            Some("providers/amazon/src"),
        ),
        (
            "https://github.com/a/b/tree/main",
            Some("https://github.com/a/b"),
            "github.com/a/b",
            None,
        ),
        (
            "https://github.com/BerriAI/litellm/issues",
            Some("https://github.com/BerriAI/litellm"),
            "github.com/berriai/litellm",
            None,
        ),
        ("https://github.com/sponsors/someone", None, "", None),
        ("https://github.com/orgs/pallets", None, "", None),
        ("https://github.com/pallets", None, "", None),
        ("https://github.com/", None, "", None),
        ("https://github.com/a/..", None, "", None),
        ("https://github.com/a/b%2Fc", None, "", None),
        ("https://github.com/a/b)", None, "", None),
        (
            "https://gitlab.com/group/sub/project/-/tree/main/pkg/dir",
            Some("https://gitlab.com/group/sub/project"),
            "gitlab.com/group/sub/project",
            Some("pkg/dir"),
        ),
        (
            "https://gitlab.com/group/project/-/issues",
            Some("https://gitlab.com/group/project"),
            "gitlab.com/group/project",
            None,
        ),
        (
            "https://gitlab.com/group/project/tree/master/lib",
            Some("https://gitlab.com/group/project"),
            "gitlab.com/group/project",
            Some("lib"),
        ),
        (
            "https://gitlab.com/Group.Name/sub/Proj.git",
            Some("https://gitlab.com/Group.Name/sub/Proj"),
            "gitlab.com/group%2Ename/sub/proj",
            None,
        ),
        ("https://gitlab.com/explore/projects", None, "", None),
        (
            "https://codeberg.org/forgejo/forgejo/src/branch/forgejo/docs",
            Some("https://codeberg.org/forgejo/forgejo"),
            "codeberg.org/forgejo/forgejo",
            Some("docs"),
        ),
        (
            "https://bitbucket.org/owner/repo/src/master/python/",
            Some("https://bitbucket.org/owner/repo"),
            "bitbucket.org/owner/repo",
            Some("python"),
        ),
        (
            "https://git.example.org/pub/scm/tool.git",
            Some("https://git.example.org/pub/scm/tool.git"),
            "git.example.org/pub/scm/tool.git",
            None,
        ),
        (
            "http://hg.Example.org:8443/Proj/Name/",
            Some("https://hg.example.org:8443/Proj/Name"),
            "hg.example.org%3A8443/Proj/Name",
            None,
        ),
        (
            "https://example.org/a.git/b",
            Some("https://example.org/a.git/b"),
            "example.org/a%2Egit/b",
            None,
        ),
        ("ssh://git@example.org/a/b", None, "", None),
        ("ftp://github.com/a/b", None, "", None),
        ("ext::sh -c touch% /tmp/pwned", None, "", None),
        ("not a url", None, "", None),
        (
            "file:///srv/git/my%20repo.git/",
            Some("file:///srv/git/my%20repo.git"),
            "file/srv/git/my%20repo.git",
            None,
        ),
    ];

    #[test]
    fn parse_normalizes_real_world_shapes() {
        for (input, display, key, subdir) in PARSE {
            let parsed = RepoUrl::parse(input);
            match display {
                None => assert!(parsed.is_none(), "{input} -> {parsed:?}"),
                Some(display) => {
                    let (repo, hint) = parsed.unwrap_or_else(|| panic!("{input} rejected"));
                    assert_eq!(repo.as_str(), *display, "{input}");
                    assert_eq!(repo.cache_key(), *key, "{input}");
                    assert_eq!(hint.as_deref(), *subdir, "{input}");
                }
            }
        }
    }

    #[test]
    fn forge_urls_compare_without_case() {
        let (a, _) = RepoUrl::parse("https://github.com/Pallets/Click").unwrap();
        let (b, _) = RepoUrl::parse("git@github.com:pallets/click.git").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "https://github.com/Pallets/Click");
        assert_eq!(a.host(), "github.com");
        let (c, _) = RepoUrl::parse("https://example.org/Pallets/Click").unwrap();
        let (d, _) = RepoUrl::parse("https://example.org/pallets/click").unwrap();
        assert_ne!(c, d);
    }

    #[test]
    fn cache_keys_stay_inside_the_cache() {
        for input in [
            "https://example.org/%2E%2E/%2E%2E/etc",
            "https://example.org/a/%2e%2e",
            "https://example.org/../../x/y",
            "file:///../../x",
            "https://example.org/a%5Cb/c",
            "https://example.org/.hidden/..x",
        ] {
            if let Some((repo, _)) = RepoUrl::parse(input) {
                let key = repo.cache_key();
                assert!(
                    key.split('/').all(|part| !part.is_empty()
                        && part != "."
                        && part != ".."
                        && !part.contains('\\')),
                    "{input} -> {key}"
                );
                // Only the host and the last segment may hold a dot.
                let parts: Vec<&str> = key.split('/').collect();
                assert!(
                    parts[1..parts.len() - 1].iter().all(|p| !p.contains('.')),
                    "{key}"
                );
            }
        }
    }

    fn urls(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(label, url)| ((*label).to_owned(), (*url).to_owned()))
            .collect()
    }

    /// (project_urls, home_page, description, expected URL, expected from, subdir)
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
    );

    const DISCOVER: &[Case<'static>] = &[
        // Source beats Homepage, whatever the order.
        (
            &[
                ("Homepage", "https://github.com/org/website"),
                ("Source Code", "https://github.com/org/project"),
            ],
            None,
            None,
            Some("https://github.com/org/project"),
            "project_urls[Source Code]",
            None,
        ),
        // A documentation Homepage is skipped; a forge link under any label counts.
        (
            &[
                ("Documentation", "https://project.readthedocs.io/"),
                ("Homepage", "https://project.example.org"),
                ("Bug Tracker", "https://github.com/org/project/issues"),
            ],
            None,
            None,
            Some("https://github.com/org/project"),
            "project_urls[Bug Tracker]",
            None,
        ),
        // Funding pages are not repositories.
        (
            &[
                ("Funding", "https://github.com/sponsors/someone"),
                ("Repository", "https://github.com/someone/thing.git"),
            ],
            None,
            None,
            Some("https://github.com/someone/thing"),
            "project_urls[Repository]",
            None,
        ),
        // Unknown hosts only under a Source-like label, and only when repository-shaped.
        (
            &[
                ("Homepage", "https://git.example.org/team/tool"),
                ("Source", "https://sr.example.org/~me/tool"),
            ],
            None,
            None,
            Some("https://sr.example.org/~me/tool"),
            "project_urls[Source]",
            None,
        ),
        (
            &[("Source", "https://example.org/")],
            None,
            None,
            None,
            "",
            None,
        ),
        (
            &[("Source", "https://docs.example.readthedocs.io/en/latest")],
            None,
            None,
            None,
            "",
            None,
        ),
        // Monorepo hint.
        (
            &[(
                "Source",
                "https://github.com/aws/aws-cdk/tree/main/packages/aws-cdk-lib",
            )],
            None,
            None,
            Some("https://github.com/aws/aws-cdk"),
            "project_urls[Source]",
            Some("packages/aws-cdk-lib"),
        ),
        // Metadata cannot name a local path or another transport.
        (
            &[
                ("Source", "file:///home/me/.ssh"),
                ("Code", "ssh://git@example.org/x/y"),
            ],
            None,
            None,
            None,
            "",
            None,
        ),
        // home_page, only when a forge repository.
        (
            &[],
            Some("https://github.com/psf/requests"),
            None,
            Some("https://github.com/psf/requests"),
            "home_page",
            None,
        ),
        (
            &[],
            Some("https://requests.readthedocs.io"),
            None,
            None,
            "",
            None,
        ),
        // The description: badges skipped, the most-linked repository wins.
        (
            &[],
            Some("https://example.org"),
            Some(
                "[![CI](https://github.com/me/proj/actions/workflows/ci.yml/badge.svg)]\
                 (https://github.com/me/proj/actions)\n\
                 ![logo](https://github.com/other/logo/raw/main/logo.png)\n\
                 Built on [lib](https://github.com/dep/lib).\n\
                 Report bugs at <https://github.com/me/proj/issues>.",
            ),
            Some("https://github.com/me/proj"),
            "description",
            None,
        ),
        (
            &[],
            None,
            Some(
                ".. image:: https://img.shields.io/pypi/v/x.svg\n\
                 See https://gitlab.com/grp/proj/-/tree/main/docs, or https://example.org.",
            ),
            Some("https://gitlab.com/grp/proj"),
            "description",
            None,
        ),
        (
            &[],
            None,
            Some("no links at all; http and https"),
            None,
            "",
            None,
        ),
    ];

    #[test]
    fn discover_ranks_metadata() {
        for (index, (project_urls, home_page, description, url, from, subdir)) in
            DISCOVER.iter().enumerate()
        {
            let found = discover(&urls(project_urls), *home_page, *description);
            match url {
                None => assert!(found.is_none(), "case {index}: {found:?}"),
                Some(url) => {
                    let found = found.unwrap_or_else(|| panic!("case {index}: nothing found"));
                    assert_eq!(found.url.as_str(), *url, "case {index}");
                    assert_eq!(found.from, *from, "case {index}");
                    assert_eq!(found.subdir.as_deref(), *subdir, "case {index}");
                }
            }
        }
    }

    #[test]
    fn labels_are_normalized_like_pypi() {
        assert_eq!(normalize_label("Source Code"), "sourcecode");
        assert_eq!(normalize_label("source-code"), "sourcecode");
        assert_eq!(normalize_label("Home_Page"), "homepage");
        assert_eq!(normalize_label("GitHub:"), "github");
    }

    #[test]
    fn hostile_labels_are_printable() {
        let found = discover(
            &urls(&[("Source\n\u{1b}[31m", "https://github.com/a/b")]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(found.from, "project_urls[Source??[31m]");
    }
}
