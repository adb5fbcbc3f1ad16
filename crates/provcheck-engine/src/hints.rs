//! Commit ids an artifact records about its own build (DESIGN.md, resolution step 4):
//! setuptools-scm / hatch-vcs version files (`+gHASH` local versions, `commit_id`),
//! versioneer's `full-revisionid`, `.git_archival.txt` (`node:`), and a `+gHASH` in the
//! release version itself.

use provcheck_artifact::Artifact;
use provcheck_compare::inspect_version_module;

/// Version files and archival files larger than this are not generated ones.
const MAX_HINT_FILE: u64 = 64 * 1024;

/// A commit id found inside an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hint {
    /// Hex digits, possibly abbreviated (at least 7).
    pub commit: String,
    /// The file that recorded it (or `version` for the release version).
    pub path: String,
    /// What recorded it: the generator, `git-archival` or `local-version`.
    pub how: String,
}

/// Whether a file may hold a commit hint (its content is then kept while reading).
pub(crate) fn is_hint_file(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    base == ".git_archival.txt"
        || (base.ends_with(".py") && base.to_ascii_lowercase().contains("version"))
}

/// The commit hints of an artifact, most specific first, deduplicated. `content` reads a
/// file's content (kept in memory or read again from the archive).
pub(crate) fn commit_hints(
    artifact: &Artifact,
    content: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<Hint> {
    let mut hints: Vec<Hint> = Vec::new();
    let mut push = |hint: Hint| {
        if !hints.iter().any(|h| h.commit == hint.commit) {
            hints.push(hint);
        }
    };
    for file in &artifact.files {
        if !is_hint_file(&file.path) || file.size > MAX_HINT_FILE {
            continue;
        }
        let Some(bytes) = file
            .content
            .as_ref()
            .map(|c| c.to_vec())
            .or_else(|| content(&file.path))
        else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if file.path.ends_with(".git_archival.txt") {
            if let Some(node) = archival_node(text) {
                push(Hint {
                    commit: node,
                    path: file.path.clone(),
                    how: "git-archival".to_owned(),
                });
            }
            continue;
        }
        if let Ok(module) = inspect_version_module(text)
            && let Some(commit) = module.commit.filter(|c| is_commit_id(c))
        {
            push(Hint {
                commit: commit.to_ascii_lowercase(),
                path: file.path.clone(),
                how: module.generator.to_owned(),
            });
        }
    }
    if let Some(commit) = local_version_hash(&artifact.name.version.to_string()) {
        push(Hint {
            commit,
            path: "version".to_owned(),
            how: "local-version".to_owned(),
        });
    }
    hints
}

/// `node: <40 hex>` of an expanded `.git_archival.txt` (`$Format:%H$` when unexpanded).
fn archival_node(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("node:"))
        .map(str::trim)
        .find(|node| is_commit_id(node))
        .map(str::to_ascii_lowercase)
}

/// The `HASH` of a `…+gHASH` (or `….gHASH` inside the local label) version.
fn local_version_hash(version: &str) -> Option<String> {
    let (_, local) = version.split_once('+')?;
    local
        .split(['.', '-', '_'])
        .filter_map(|part| part.strip_prefix('g'))
        .find(|hash| is_commit_id(hash))
        .map(str::to_ascii_lowercase)
}

/// 7 to 40 hex digits.
fn is_commit_id(text: &str) -> bool {
    (7..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_sources() {
        assert!(is_hint_file("pkg/_version.py"));
        assert!(is_hint_file("src/pkg/version.py"));
        assert!(is_hint_file(".git_archival.txt"));
        assert!(!is_hint_file("pkg/core.py"));
        assert_eq!(
            archival_node("node: 0123456789abcdef0123456789abcdef01234567\nnode-date: x\n"),
            Some("0123456789abcdef0123456789abcdef01234567".to_owned())
        );
        assert_eq!(archival_node("node: $Format:%H$\n"), None);
        assert_eq!(
            local_version_hash("1.6.dev3+g1234abc"),
            Some("1234abc".to_owned())
        );
        assert_eq!(
            local_version_hash("1.6.dev3+g1234abc.d20260101"),
            Some("1234abc".to_owned())
        );
        assert_eq!(local_version_hash("1.6"), None);
        assert_eq!(local_version_hash("1.6+local"), None);
    }
}
