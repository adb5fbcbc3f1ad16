//! Optional GitHub metadata for a repository on github.com (or a GitHub Enterprise host):
//! its default branch, the pull requests a commit belongs to, the release of a tag.
//!
//! Requests go through octocrab on a reqwest client of this crate: rustls with the ring
//! provider and the platform verifier, like the index client. Nothing is cached.
//!
//! The token (`GITHUB_TOKEN`, else `GH_TOKEN`) is sent only to the API origin, as an
//! `Authorization` header, and never appears in a message: errors are described without
//! it, and any text the server echoes has it masked. Without a token, offline, or when the
//! API cannot be reached, the client says why ([`GitHubClient::unavailable`],
//! [`GitHubError`]); callers turn that into a note, never a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::redact::redact;
use crate::tls;

/// The public GitHub API.
pub const GITHUB_API_URL: &str = "https://api.github.com/";
/// The environment variable that points the client at another API: GitHub Enterprise
/// (`https://HOST/api/v3/`), or a fake one in tests.
pub const GITHUB_API_URL_VARIABLE: &str = "PROVCHECK_GITHUB_API_URL";
/// The connect and read timeout the command line uses: the metadata is optional, so a
/// GitHub that does not answer costs little.
pub const GITHUB_TIMEOUT: Duration = Duration::from_secs(10);
/// Where the token is looked for, in order.
pub const GITHUB_TOKEN_VARIABLES: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];

const USER_AGENT: &str = concat!(
    "provcheck/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/provcheck/provcheck)"
);

/// A repository on a GitHub host: `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitHubRepo {
    /// The owner (user or organisation).
    pub owner: String,
    /// The repository name, without `.git`.
    pub name: String,
}

impl GitHubRepo {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// A pull request associated with a commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubPull {
    /// The pull request number.
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// Its web page.
    pub url: Option<String>,
    /// When it was merged (RFC 3339); `None` when it was not.
    pub merged_at: Option<String>,
    /// The branch it targets.
    pub base: String,
}

/// A GitHub release (`GET /repos/{o}/{r}/releases/tags/{tag}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubRelease {
    /// The tag it is for.
    pub tag: String,
    /// Its web page.
    pub url: Option<String>,
    /// A draft (never published).
    pub draft: bool,
    /// Marked as a pre-release.
    pub prerelease: bool,
    /// When the release was created (RFC 3339).
    pub created_at: Option<String>,
    /// When it was published (RFC 3339); `None` for drafts.
    pub published_at: Option<String>,
}

/// Why a GitHub question got no answer. Never contains the token.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{what}: {detail}")]
pub struct GitHubError {
    /// What was asked, e.g. `the default branch of owner/name`.
    pub what: String,
    /// What went wrong.
    pub detail: String,
    /// The HTTP status, when the API answered one.
    pub status: Option<u16>,
}

/// The token, never shown.
#[derive(Clone)]
struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

enum Mode {
    /// No request will be made: the reason.
    Unavailable(String),
    Ready {
        token: Token,
        http: reqwest::Client,
        /// Built on first use: octocrab spawns its worker on the runtime it is built in.
        crab: tokio::sync::OnceCell<Result<octocrab::Octocrab, String>>,
    },
}

/// A client for the GitHub REST API. Cheap to clone.
#[derive(Clone)]
pub struct GitHubClient {
    inner: Arc<Inner>,
}

struct Inner {
    api_url: Url,
    mode: Mode,
    requests: AtomicU64,
}

impl GitHubClient {
    /// A client configured from the environment: the API from
    /// [`GITHUB_API_URL_VARIABLE`] (default [`GITHUB_API_URL`]), the token from
    /// [`GITHUB_TOKEN_VARIABLES`]. Offline, or without a token, it makes no request and
    /// [`GitHubClient::unavailable`] says why.
    pub fn from_env(offline: bool, timeout: Duration) -> GitHubClient {
        GitHubClient::with_lookup(|name| std::env::var(name).ok(), offline, timeout)
    }

    /// [`GitHubClient::from_env`] with the variables read through `lookup`.
    pub fn with_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        offline: bool,
        timeout: Duration,
    ) -> GitHubClient {
        let default_api = || Url::parse(GITHUB_API_URL).expect("a valid constant URL");
        let configured = lookup(GITHUB_API_URL_VARIABLE).filter(|v| !v.trim().is_empty());
        let (api_url, problem) = match configured {
            None => (default_api(), None),
            Some(text) => match check_api_url(text.trim()) {
                Ok(url) => (url, None),
                Err(problem) => (default_api(), Some(problem)),
            },
        };
        let token = GITHUB_TOKEN_VARIABLES
            .iter()
            .filter_map(|name| lookup(name))
            .map(|value| value.trim().to_owned())
            .find(|value| !value.is_empty());
        let mode = if let Some(problem) = problem {
            Mode::Unavailable(problem)
        } else if offline {
            Mode::Unavailable("--offline: GitHub metadata was not fetched".to_owned())
        } else {
            match token {
                None => Mode::Unavailable(
                    "no GitHub token (set GITHUB_TOKEN or GH_TOKEN): GitHub metadata was not fetched"
                        .to_owned(),
                ),
                Some(token) => match build_http(timeout) {
                    Ok(http) => Mode::Ready {
                        token: Token(token),
                        http,
                        crab: tokio::sync::OnceCell::new(),
                    },
                    Err(problem) => Mode::Unavailable(problem),
                },
            }
        };
        GitHubClient {
            inner: Arc::new(Inner {
                api_url,
                mode,
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// A client that makes no request, for `reason`.
    pub fn disabled(reason: &str) -> GitHubClient {
        GitHubClient {
            inner: Arc::new(Inner {
                api_url: Url::parse(GITHUB_API_URL).expect("a valid constant URL"),
                mode: Mode::Unavailable(reason.to_owned()),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// Why no request will be made, when none will.
    pub fn unavailable(&self) -> Option<&str> {
        match &self.inner.mode {
            Mode::Unavailable(reason) => Some(reason),
            Mode::Ready { .. } => None,
        }
    }

    /// The API base URL.
    pub fn api_url(&self) -> &Url {
        &self.inner.api_url
    }

    /// How many requests this client has sent.
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The repository a URL names, when it is on github.com (or, with a GitHub Enterprise
    /// API configured, on that API's host): `https://github.com/owner/name[.git]`.
    pub fn repository_of(&self, url: &str) -> Option<GitHubRepo> {
        let url = Url::parse(url).ok()?;
        if !matches!(url.scheme(), "https" | "http" | "ssh" | "git") {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let api_host = self.inner.api_url.host_str().map(str::to_ascii_lowercase);
        let enterprise = api_host
            .as_deref()
            .is_some_and(|h| h != "api.github.com" && h == host && !is_loopback(h));
        if host != "github.com" && host != "www.github.com" && !enterprise {
            return None;
        }
        let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
        let owner = segments.next()?;
        let name = segments.next()?;
        let name = name.strip_suffix(".git").unwrap_or(name);
        if segments.next().is_some() || !is_name(owner) || !is_name(name) {
            return None;
        }
        Some(GitHubRepo {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The repository's default branch (`GET /repos/{owner}/{repo}`).
    pub async fn default_branch(&self, repo: &GitHubRepo) -> Result<String, GitHubError> {
        #[derive(Deserialize)]
        struct Wire {
            default_branch: Option<String>,
        }
        let what = format!("the default branch of {}", repo.full_name());
        let route = format!("/repos/{}/{}", repo.owner, repo.name);
        let wire: Wire = self.get(&what, &route).await?;
        wire.default_branch
            .filter(|b| !b.is_empty())
            .ok_or_else(|| GitHubError {
                what,
                detail: "the answer names no default branch".to_owned(),
                status: None,
            })
    }

    /// The pull requests associated with a commit (`GET
    /// /repos/{owner}/{repo}/commits/{sha}/pulls`): merged ones that brought it into a
    /// branch, or open ones that contain it.
    pub async fn pull_requests(
        &self,
        repo: &GitHubRepo,
        sha: &str,
    ) -> Result<Vec<GitHubPull>, GitHubError> {
        #[derive(Deserialize)]
        struct Base {
            #[serde(rename = "ref")]
            reference: String,
        }
        #[derive(Deserialize)]
        struct Wire {
            number: u64,
            #[serde(default)]
            state: String,
            html_url: Option<String>,
            merged_at: Option<String>,
            base: Base,
        }
        let what = format!(
            "the pull requests of commit {} in {}",
            &sha[..sha.len().min(12)],
            repo.full_name()
        );
        if sha.len() < 7 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(GitHubError {
                what,
                detail: "not a commit id".to_owned(),
                status: None,
            });
        }
        let route = format!(
            "/repos/{}/{}/commits/{sha}/pulls?per_page=100",
            repo.owner, repo.name
        );
        let wire: Vec<Wire> = self.get(&what, &route).await?;
        Ok(wire
            .into_iter()
            .map(|w| GitHubPull {
                number: w.number,
                state: w.state,
                url: w.html_url,
                merged_at: w.merged_at,
                base: w.base.reference,
            })
            .collect())
    }

    /// The release of a tag (`GET /repos/{owner}/{repo}/releases/tags/{tag}`); `None`
    /// when the tag has no release.
    pub async fn release(
        &self,
        repo: &GitHubRepo,
        tag: &str,
    ) -> Result<Option<GitHubRelease>, GitHubError> {
        #[derive(Deserialize)]
        struct Wire {
            tag_name: String,
            html_url: Option<String>,
            #[serde(default)]
            draft: bool,
            #[serde(default)]
            prerelease: bool,
            created_at: Option<String>,
            published_at: Option<String>,
        }
        let what = format!("the GitHub release of tag {tag} in {}", repo.full_name());
        let route = format!(
            "/repos/{}/{}/releases/tags/{}",
            repo.owner,
            repo.name,
            encode_segment(tag)
        );
        match self.get::<Wire>(&what, &route).await {
            Ok(w) => Ok(Some(GitHubRelease {
                tag: w.tag_name,
                url: w.html_url,
                draft: w.draft,
                prerelease: w.prerelease,
                created_at: w.created_at,
                published_at: w.published_at,
            })),
            Err(GitHubError {
                status: Some(404), ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        route: &str,
    ) -> Result<T, GitHubError> {
        let fail = |detail: String, status: Option<u16>| GitHubError {
            what: what.to_owned(),
            detail: self.scrub(&detail),
            status,
        };
        let (token, http, crab) = match &self.inner.mode {
            Mode::Unavailable(reason) => return Err(fail(reason.clone(), None)),
            Mode::Ready { token, http, crab } => (token, http, crab),
        };
        let crab = crab
            .get_or_init(|| async { self.build(token, http) })
            .await
            .as_ref()
            .map_err(|e| fail(e.clone(), None))?;
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        crab.get::<T, _, ()>(route, None).await.map_err(|e| {
            let (detail, status) = describe(&e);
            fail(detail, status)
        })
    }

    fn build(&self, token: &Token, http: &reqwest::Client) -> Result<octocrab::Octocrab, String> {
        let base = self.inner.api_url.as_str().trim_end_matches('/').to_owned();
        octocrab::OctocrabBuilder::new()
            .personal_token(token.0.clone())
            .base_uri(base.as_str())
            .and_then(|b| b.upload_uri(base.as_str()))
            .and_then(|b| b.build_with_reqwest(http.clone()))
            .map_err(|_| {
                format!(
                    "cannot set up the GitHub client for {} (is the token a single line?)",
                    redact(&self.inner.api_url)
                )
            })
    }

    /// `text` with the token masked: a server (or a proxy) may echo what it received.
    fn scrub(&self, text: &str) -> String {
        match &self.inner.mode {
            Mode::Ready { token, .. } if !token.0.is_empty() => text.replace(&token.0, "****"),
            _ => text.to_owned(),
        }
    }
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("api_url", &redact(&self.inner.api_url))
            .field("unavailable", &self.unavailable())
            .finish_non_exhaustive()
    }
}

fn build_http(timeout: Duration) -> Result<reqwest::Client, String> {
    let config = tls::client_config().map_err(|e| e.to_string())?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| format!("cannot set up the HTTPS client for GitHub: {e}"))
}

/// The API URL from the environment: https, or http to a loopback address (tests), with
/// no credentials in it.
fn check_api_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| {
        format!("{GITHUB_API_URL_VARIABLE} is not a URL ({e}): GitHub metadata was not fetched")
    })?;
    let loopback = url.host_str().is_some_and(is_loopback);
    let allowed = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !allowed {
        return Err(format!(
            "{GITHUB_API_URL_VARIABLE} must be an https URL (http only for 127.0.0.1 or localhost), so the token is never sent in clear: GitHub metadata was not fetched"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{GITHUB_API_URL_VARIABLE} must not carry credentials (the token comes from GITHUB_TOKEN or GH_TOKEN): GitHub metadata was not fetched"
        ));
    }
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

/// GitHub owner and repository names: letters, digits, `-`, `_`, `.`.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text != "."
        && text != ".."
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Percent-encodes everything but unreserved characters (tags may hold `/`).
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What went wrong, briefly, and the HTTP status when there was one.
fn describe(error: &octocrab::Error) -> (String, Option<u16>) {
    if let octocrab::Error::GitHub { source, .. } = error {
        let status = source.status_code.as_u16();
        let remaining = source
            .headers
            .as_ref()
            .and_then(|h| h.get("x-ratelimit-remaining"))
            .and_then(|v| v.to_str().ok());
        let message: String = source.message.chars().take(200).collect();
        let detail = match status {
            401 => format!("the token was rejected (401: {message})"),
            403 | 429 if remaining == Some("0") => {
                let reset = source
                    .rate_limit_reset
                    .map(|t| format!("; the limit resets at unix time {t}"))
                    .unwrap_or_default();
                format!("rate limited ({status}){reset}")
            }
            _ => format!("HTTP {status}: {message}"),
        };
        return (detail, Some(status));
    }
    // Transport errors: the cause chain, first lines only (snafu may append a backtrace).
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(error);
    while let Some(cause) = current {
        let text = cause.to_string();
        let line = text.lines().next().unwrap_or("").trim().to_owned();
        if !line.is_empty() && !parts.iter().any(|p| p.contains(&line)) {
            parts.push(line);
        }
        current = cause.source();
    }
    (
        format!("the GitHub API could not be reached: {}", parts.join(": ")),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use provcheck_testkit::{FakeGitHub, FakePull};

    const TOKEN: &str = "ghp_s3cretT0kenValue";

    fn client_for(fake: &FakeGitHub, token: Option<&str>) -> GitHubClient {
        let url = fake.url();
        let token = token.map(str::to_owned);
        GitHubClient::with_lookup(
            move |name| match name {
                GITHUB_API_URL_VARIABLE => Some(url.clone()),
                "GITHUB_TOKEN" => token.clone(),
                _ => None,
            },
            false,
            Duration::from_secs(5),
        )
    }

    fn demo() -> GitHubRepo {
        GitHubRepo {
            owner: "demo-org".to_owned(),
            name: "demo".to_owned(),
        }
    }

    #[tokio::test]
    async fn the_three_questions_are_answered() {
        let fake = FakeGitHub::start();
        fake.require_token(TOKEN);
        fake.add_repo("demo-org/demo", "trunk");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        fake.set_pulls(
            "demo-org/demo",
            sha,
            vec![FakePull::merged(12, "trunk", "2026-01-02T03:04:05Z")],
        );
        fake.add_release(
            "demo-org/demo",
            "demo/v1.0",
            "2026-01-03T00:00:00Z",
            "2026-01-04T00:00:00Z",
        );
        let client = client_for(&fake, Some(TOKEN));
        assert_eq!(client.unavailable(), None);
        assert_eq!(client.default_branch(&demo()).await.unwrap(), "trunk");
        let pulls = client.pull_requests(&demo(), sha).await.unwrap();
        assert_eq!(pulls.len(), 1);
        assert_eq!(pulls[0].number, 12);
        assert_eq!(pulls[0].base, "trunk");
        assert_eq!(pulls[0].merged_at.as_deref(), Some("2026-01-02T03:04:05Z"));
        let release = client.release(&demo(), "demo/v1.0").await.unwrap().unwrap();
        assert_eq!(
            release.published_at.as_deref(),
            Some("2026-01-04T00:00:00Z")
        );
        assert_eq!(client.release(&demo(), "v9").await.unwrap(), None);
        let requests = fake.requests();
        assert!(
            requests
                .iter()
                .any(|r| r.path == "/repos/demo-org/demo/releases/tags/demo%2Fv1.0"),
            "{requests:?}"
        );
        assert!(
            requests
                .iter()
                .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))),
            "{requests:?}"
        );
        assert_eq!(client.requests(), 4);
    }

    #[tokio::test]
    async fn without_a_token_or_offline_nothing_is_asked() {
        let fake = FakeGitHub::start();
        fake.add_repo("demo-org/demo", "main");
        let client = client_for(&fake, None);
        assert!(client.unavailable().unwrap().contains("GITHUB_TOKEN"));
        let error = client.default_branch(&demo()).await.unwrap_err();
        assert!(error.to_string().contains("no GitHub token"), "{error}");
        let offline = GitHubClient::with_lookup(
            |name| (name == "GITHUB_TOKEN").then(|| TOKEN.to_owned()),
            true,
            Duration::from_secs(5),
        );
        assert!(offline.unavailable().unwrap().contains("--offline"));
        assert!(fake.requests().is_empty());
    }

    #[tokio::test]
    async fn errors_never_show_the_token() {
        let fake = FakeGitHub::start();
        fake.require_token("another-token");
        fake.add_repo("demo-org/demo", "main");
        let client = client_for(&fake, Some(TOKEN));
        let error = client.default_branch(&demo()).await.unwrap_err();
        assert_eq!(error.status, Some(401));
        assert!(error.detail.contains("rejected"), "{error}");
        fake.fail_with(Some(403));
        let error = client.default_branch(&demo()).await.unwrap_err();
        assert!(error.detail.contains("rate limited"), "{error}");
        let debug = format!("{client:?} {error:?}");
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(!error.to_string().contains(TOKEN));

        // Unreachable: a port nothing listens on.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let client = GitHubClient::with_lookup(
            |name| match name {
                GITHUB_API_URL_VARIABLE => Some(format!("http://{closed}/")),
                "GH_TOKEN" => Some(TOKEN.to_owned()),
                _ => None,
            },
            false,
            Duration::from_secs(2),
        );
        let error = client.default_branch(&demo()).await.unwrap_err();
        assert!(error.detail.contains("could not be reached"), "{error}");
        assert!(!format!("{error} {error:?}").contains(TOKEN));
    }

    #[test]
    fn the_api_url_must_not_send_the_token_in_clear() {
        let lookup = |url: &'static str| {
            move |name: &str| match name {
                GITHUB_API_URL_VARIABLE => Some(url.to_owned()),
                "GITHUB_TOKEN" => Some(TOKEN.to_owned()),
                _ => None,
            }
        };
        let timeout = Duration::from_secs(1);
        let plain = GitHubClient::with_lookup(lookup("http://ghe.example/api/v3"), false, timeout);
        assert!(plain.unavailable().unwrap().contains("https"));
        let ghe = GitHubClient::with_lookup(lookup("https://ghe.example/api/v3/"), false, timeout);
        assert_eq!(ghe.unavailable(), None);
        assert!(ghe.repository_of("https://ghe.example/team/tool").is_some());
        assert!(!format!("{plain:?}{ghe:?}").contains(TOKEN));
    }

    #[test]
    fn repositories_on_github() {
        let client = GitHubClient::disabled("test");
        let repo = |url: &str| client.repository_of(url).map(|r| r.full_name());
        assert_eq!(
            repo("https://github.com/BerriAI/litellm").as_deref(),
            Some("BerriAI/litellm")
        );
        assert_eq!(
            repo("https://github.com/pallets/flask.git").as_deref(),
            Some("pallets/flask")
        );
        assert_eq!(repo("https://gitlab.com/a/b"), None);
        assert_eq!(repo("https://github.com/a/b/tree/main"), None);
        assert_eq!(repo("https://github.com/a"), None);
        assert_eq!(repo("/home/me/clone"), None);
        assert_eq!(repo("https://github.com.evil.example/a/b"), None);
    }
}
