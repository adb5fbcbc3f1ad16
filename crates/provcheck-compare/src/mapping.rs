//! Artifact path → source path.
//!
//! Wheels rarely mirror the repository root (`src/` layouts, `python/` for maturin,
//! monorepo sub-folders, hatch `sources`), and sdists of a monorepo package map to the
//! package's folder. Instead of guessing from names, every file whose content appears in
//! the tree votes for the folder prefix that would make its path line up; each top-level
//! name takes the prefix most of its files vote for.

use std::collections::{BTreeMap, HashMap};

use provcheck_artifact::{Artifact, ArtifactKind};
use provcheck_types::{BlobId, SourceTree};

/// Where each top-level name of an artifact lives in the source tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping {
    /// Top-level name (first component of the logical path) → source prefix (`""` or a
    /// folder ending in `/`).
    pub prefixes: BTreeMap<String, String>,
    /// The prefix most files voted for, used for names without votes of their own (for an
    /// sdist: the folder its root maps to).
    pub default_prefix: String,
}

impl Mapping {
    /// Infers the mapping by blob-id voting. `hint` is a folder the package is known to
    /// live in (from a monorepo URL); it decides only where votes are silent.
    pub fn infer(artifact: &Artifact, tree: &SourceTree, hint: Option<&str>) -> Mapping {
        let empty = BlobId::for_content(b"");
        let mut group_votes: HashMap<String, HashMap<String, usize>> = HashMap::new();
        let mut all_votes: HashMap<String, usize> = HashMap::new();
        let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for file in &artifact.files {
            let Some(logical) = logical_path(artifact.name.kind, &file.path) else {
                continue;
            };
            let group = top_level(logical).to_owned();
            groups.entry(group.clone()).or_default().push(logical);
            // Empty files (`__init__.py`, `py.typed`) are everywhere; they prove nothing.
            if file.digests.blob_id == empty {
                continue;
            }
            for source in tree.paths_with_blob(&file.digests.blob_id).iter().take(64) {
                if let Some(prefix) = prefix_for(source, logical) {
                    *group_votes
                        .entry(group.clone())
                        .or_default()
                        .entry(prefix.to_owned())
                        .or_default() += 1;
                    *all_votes.entry(prefix.to_owned()).or_default() += 1;
                }
            }
        }
        let hint = hint
            .map(|h| h.trim_matches('/'))
            .filter(|h| !h.is_empty())
            .map(|h| format!("{h}/"));
        let default_prefix = best(&all_votes)
            .or_else(|| hint.clone())
            .unwrap_or_default();
        let mut prefixes = BTreeMap::new();
        for (group, logicals) in groups {
            let prefix = match group_votes.get(&group).and_then(best) {
                Some(prefix) => prefix,
                None => prefix_by_existence(tree, &logicals, &default_prefix, hint.as_deref()),
            };
            prefixes.insert(group, prefix);
        }
        Mapping {
            prefixes,
            default_prefix,
        }
    }

    /// The source path a logical artifact path maps to.
    pub fn source_path(&self, logical: &str) -> String {
        let prefix = self
            .prefixes
            .get(top_level(logical))
            .unwrap_or(&self.default_prefix);
        format!("{prefix}{logical}")
    }

    /// The folder of the repository the artifact root maps to, when not the root.
    pub fn subdir(&self) -> Option<String> {
        (!self.default_prefix.is_empty())
            .then(|| self.default_prefix.trim_end_matches('/').to_owned())
    }
}

/// The path a file would have relative to an installation or source root: wheel data
/// folders (`name.data/purelib/…`, `platlib`, `data`, `headers`) are unwrapped; wheel
/// metadata and scripts have no source path of their own (`None`), rules handle them.
pub fn logical_path(kind: ArtifactKind, path: &str) -> Option<&str> {
    if kind == ArtifactKind::Sdist {
        return Some(path);
    }
    let (top, rest) = path.split_once('/').unwrap_or((path, ""));
    if top.ends_with(".dist-info") {
        return None;
    }
    if top.ends_with(".data") {
        let (scheme, inner) = rest.split_once('/')?;
        return match scheme {
            "purelib" | "platlib" | "data" | "headers" => Some(inner),
            _ => None,
        };
    }
    Some(path)
}

fn top_level(logical: &str) -> &str {
    logical.split('/').next().unwrap_or(logical)
}

/// The prefix that makes `source` end with `logical` on a path boundary.
fn prefix_for<'a>(source: &'a str, logical: &str) -> Option<&'a str> {
    let prefix = source.strip_suffix(logical)?;
    (prefix.is_empty() || prefix.ends_with('/')).then_some(prefix)
}

/// Most votes wins; ties go to the shorter prefix, then the alphabetically first.
fn best(votes: &HashMap<String, usize>) -> Option<String> {
    votes
        .iter()
        .max_by(|(pa, va), (pb, vb)| {
            va.cmp(vb)
                .then_with(|| pb.len().cmp(&pa.len()))
                .then_with(|| pb.cmp(pa))
        })
        .map(|(prefix, _)| prefix.clone())
}

/// For a name whose files all differ from the tree (or are empty): the common layouts,
/// tried in order, by how many of its paths exist there.
fn prefix_by_existence(
    tree: &SourceTree,
    logicals: &[&str],
    default_prefix: &str,
    hint: Option<&str>,
) -> String {
    let mut best_prefix = default_prefix.to_owned();
    let mut best_count = 0;
    let hinted_src = hint.map(|h| format!("{h}src/"));
    let candidates = [
        hint,
        hinted_src.as_deref(),
        Some(default_prefix),
        Some(""),
        Some("src/"),
        Some("python/"),
        Some("lib/"),
    ];
    for prefix in candidates.into_iter().flatten() {
        let count = logicals
            .iter()
            .filter(|logical| tree.get(&format!("{prefix}{logical}")).is_some())
            .count();
        if count > best_count {
            best_count = count;
            best_prefix = prefix.to_owned();
        }
    }
    best_prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_line_up_on_boundaries() {
        assert_eq!(prefix_for("src/pkg/a.py", "pkg/a.py"), Some("src/"));
        assert_eq!(prefix_for("pkg/a.py", "pkg/a.py"), Some(""));
        assert_eq!(prefix_for("xpkg/a.py", "pkg/a.py"), None);
    }

    #[test]
    fn wheel_logical_paths() {
        let w = ArtifactKind::Wheel;
        assert_eq!(logical_path(w, "pkg/a.py"), Some("pkg/a.py"));
        assert_eq!(logical_path(w, "pkg-1.0.dist-info/METADATA"), None);
        assert_eq!(
            logical_path(w, "pkg-1.0.data/purelib/pkg/a.py"),
            Some("pkg/a.py")
        );
        assert_eq!(logical_path(w, "pkg-1.0.data/scripts/tool"), None);
        assert_eq!(
            logical_path(ArtifactKind::Sdist, "pkg-1.0.dist-info/x"),
            Some("pkg-1.0.dist-info/x")
        );
    }
}
