use std::str::FromStr;

use pep440_rs::Version;

use crate::CommitInfo;

/// A tag whose name denotes a version.
#[derive(Clone, Debug)]
pub struct VersionTag {
    /// The short tag name, e.g. `v1.2.3` (without `refs/tags/`).
    pub name: String,
    /// The version the name denotes, parsed under PEP 440.
    pub version: Version,
    /// The commit the tag points at, annotated tags peeled.
    pub commit: CommitInfo,
    /// Whether the tag is an annotated tag object (as opposed to a lightweight ref).
    pub annotated: bool,
    /// The tagger's time (unix seconds) of an annotated tag that records one.
    pub tagger_time: Option<i64>,
}

/// Prefixes that say "a release of this repository" without naming a project.
///
/// `py`/`python` cover repositories that release several languages' packages, where the
/// Python one is tagged `py-1.2.3` (polars) or `python-v1.2.3` (tokenizers).
const GENERIC_PREFIXES: &[&str] = &["release", "releases", "version", "py", "python"];

/// What may stand between a prefix and the version. `==` and `@` come from monorepo tools
/// that reuse requirement syntax in tag names.
const SEPARATORS: &[&str] = &["-", "_", "/", "==", "@"];

/// The version a tag name denotes for `project`, or `None` when the tag is not a release
/// tag of this project.
///
/// Accepted shapes: a bare version (`1.2.3`, `v1.2.3`, `2026.07.22`), or a prefix, a
/// separator (`-`, `_`, `/`, `==`, `@`) and a version, where the prefix is the project's
/// name (compared PEP 503-normalized, so `my_pkg-1.0` is a tag of `my-pkg`) or one of
/// `release`, `releases`, `version`, `py`, `python`. A prefix naming another project does
/// not match, and neither does a remainder that PEP 440 rejects (`1.2.3-stable`).
/// A leading `refs/tags/` is ignored.
pub fn tag_version(tag: &str, project: &str) -> Option<Version> {
    let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    // pep440_rs accepts a leading `v`/`V` and normalizes `07` to `7` by itself.
    if let Some(version) = parse_version(tag) {
        return Some(version);
    }
    let project = normalize_name(project);
    // The project name may itself contain separators (`my-pkg-1.0`), so try every split
    // point rather than the first or last one.
    for (at, _) in tag.char_indices() {
        let rest = &tag[at..];
        let Some(separator) = SEPARATORS.iter().find(|s| rest.starts_with(**s)) else {
            continue;
        };
        let prefix = normalize_name(&tag[..at]);
        if prefix.is_empty() {
            continue;
        }
        if prefix != project && !GENERIC_PREFIXES.contains(&prefix.as_str()) {
            continue;
        }
        if let Some(version) = parse_version(&rest[separator.len()..]) {
            return Some(version);
        }
    }
    None
}

/// PEP 440 parsing of a tag's version part. pep440_rs trims surrounding whitespace, which
/// no git ref name holds; refusing it keeps `mypkg- 1.0` from passing as a tag shape.
fn parse_version(text: &str) -> Option<Version> {
    if text.is_empty() || text.contains(|c: char| c.is_whitespace()) {
        return None;
    }
    Version::from_str(text).ok()
}

pub(crate) use provcheck_types::normalize_name;

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn accepted_tag_shapes() {
        let cases = [
            ("1.2.3", "mypkg", "1.2.3"),
            ("v1.2.3", "mypkg", "1.2.3"),
            ("V1.2.3", "mypkg", "1.2.3"),
            ("mypkg-1.2.3", "mypkg", "1.2.3"),
            ("mypkg_1.2.3", "mypkg", "1.2.3"),
            ("mypkg-v1.2.3", "mypkg", "1.2.3"),
            ("mypkg/v1.2.3", "mypkg", "1.2.3"),
            ("mypkg/1.2.3", "mypkg", "1.2.3"),
            ("mypkg==1.2.3", "mypkg", "1.2.3"),
            ("mypkg@1.2.3", "mypkg", "1.2.3"),
            ("release-1.2.3", "mypkg", "1.2.3"),
            ("release/1.2.3", "mypkg", "1.2.3"),
            ("release/v1.2.3", "mypkg", "1.2.3"),
            ("version-1.2.3", "mypkg", "1.2.3"),
            ("Release-1.2.3", "mypkg", "1.2.3"),
            ("py-1.2.3", "polars", "1.2.3"),
            ("python-v0.13.2", "tokenizers", "0.13.2"),
            ("2026.07.22", "mypkg", "2026.7.22"),
            ("v2026.07.22", "mypkg", "2026.7.22"),
            ("my_pkg-1.0", "my-pkg", "1.0"),
            ("My.Pkg-1.0", "my-pkg", "1.0"),
            ("my-pkg-1.0", "my_pkg", "1.0"),
            ("my--pkg-1.0", "my-pkg", "1.0"),
            ("zope.interface-5.0", "zope-interface", "5.0"),
            ("v1.2.3rc1", "mypkg", "1.2.3rc1"),
            ("v1.2.3-rc.1", "mypkg", "1.2.3rc1"),
            ("1.2.3.dev4", "mypkg", "1.2.3.dev4"),
            ("1.2.3.post1", "mypkg", "1.2.3.post1"),
            ("1.2.3+local.7", "mypkg", "1.2.3+local.7"),
            ("1!2.0", "mypkg", "1!2.0"),
            ("refs/tags/v1.2.3", "mypkg", "1.2.3"),
        ];
        for (tag, project, want) in cases {
            assert_eq!(
                tag_version(tag, project),
                Some(v(want)),
                "tag {tag} of {project}"
            );
        }
    }

    #[test]
    fn rejected_tags() {
        let cases = [
            ("otherpkg-1.0", "mypkg"),
            ("otherpkg/v1.0", "mypkg"),
            ("mypkg-extra-1.0", "mypkg"),
            ("mypkg", "mypkg"),
            ("mypkg-", "mypkg"),
            ("-1.0", "mypkg"),
            ("1.2.3-stable", "mypkg"),
            ("v1.2.3-stable", "mypkg"),
            ("stable", "mypkg"),
            ("latest", "mypkg"),
            ("v", "mypkg"),
            ("nightly-2024-01-01", "mypkg"),
            ("mypkg-1.0-stable", "mypkg"),
            ("release-candidate", "mypkg"),
            ("", "mypkg"),
            ("mypkg- 1.0", "mypkg"),
            (" 1.0", "mypkg"),
        ];
        for (tag, project) in cases {
            assert_eq!(tag_version(tag, project), None, "tag {tag} of {project}");
        }
    }

    /// The contract `version_tags` relies on: pep440_rs equality pads releases with zeros
    /// (both for its small and its full representation), and keeps local labels apart.
    #[test]
    fn pep440_equality() {
        assert_eq!(v("1.2"), v("1.2.0"));
        assert_eq!(v("1.2"), v("1.2.0.0.0"));
        assert_eq!(v("1.2rc1"), v("1.2.0rc1"));
        assert_eq!(v("1.2+abc"), v("1.2.0+abc"));
        assert_eq!(v("2026.07.22"), v("2026.7.22"));
        assert_eq!(v("1.0-1"), v("1.0.post1"));
        assert_ne!(v("1.2+abc"), v("1.2"));
        assert_ne!(v("1.2.1"), v("1.2"));
        assert_ne!(v("1.2.dev0"), v("1.2"));
        assert_eq!(tag_version("v1.2", "mypkg"), Some(v("1.2.0")));
    }

    #[test]
    fn names_normalize_per_pep_503() {
        assert_eq!(normalize_name("My_Pkg.-Name"), "my-pkg-name");
        assert_eq!(normalize_name("a"), "a");
    }
}
