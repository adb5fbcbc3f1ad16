//! The tag ledger: which commit each tag named when a cached clone last saw it, so a tag
//! that is later force-moved to another commit is noticed (`tag-moved`).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::SourceError;

/// A ledger file, `<clone>.tags.json` next to a cached clone.
///
/// For each tag it keeps the commit it named when first seen and when last seen. Reads
/// and writes hold an exclusive lock on `<clone>.tags.lock`, and the file is replaced
/// atomically, so concurrent runs never corrupt it.
#[derive(Clone, Debug)]
pub struct TagLedger {
    path: PathBuf,
}

/// A tag that names another commit than when it was first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagMove {
    /// The tag's short name.
    pub tag: String,
    /// The commit it named when first seen.
    pub first: String,
    /// The commit it names now.
    pub now: String,
    /// When it was first seen (unix seconds).
    pub first_seen: i64,
}

#[derive(Default, Serialize, Deserialize)]
struct LedgerFile {
    version: u32,
    tags: BTreeMap<String, Seen>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Seen {
    first: String,
    first_seen: i64,
    last: String,
    last_seen: i64,
}

impl TagLedger {
    /// The ledger at `path`.
    pub fn at(path: PathBuf) -> TagLedger {
        TagLedger { path }
    }

    /// The ledger of the repository at `repo`, when it is a clone the cache made
    /// ([`crate::RepoCache`], marked with [`crate::CLONE_MARKER`]): `<clone>.tags.json`. A repository the user owns gets no
    /// ledger: nothing is written next to it.
    pub fn for_cached_clone(repo: &Path) -> Option<TagLedger> {
        let in_cache = repo
            .components()
            .any(|c| c.as_os_str() == crate::remote::LAYOUT);
        let name = repo.file_name()?.to_str()?;
        let ours = repo.join(crate::remote::CLONE_MARKER).is_file();
        if !in_cache || !ours || !name.ends_with(".git") {
            return None;
        }
        Some(TagLedger::at(
            repo.with_file_name(format!("{name}.tags.json")),
        ))
    }

    /// The ledger file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records that each `(tag, commit)` is seen now (`now`, unix seconds) and returns the
    /// tags that named another commit when first seen. A tag keeps its first commit for
    /// good: a moved tag stays reported until the ledger is deleted.
    pub fn observe(
        &self,
        tags: &[(String, String)],
        now: i64,
    ) -> Result<Vec<TagMove>, SourceError> {
        let lock_path = self.path.with_extension("lock");
        let cache_error = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| SourceError::Cache {
                action,
                path,
                source,
            }
        };
        let lock = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(cache_error("create", &lock_path))?;
        lock.lock().map_err(cache_error("lock", &lock_path))?;
        // A damaged ledger starts over rather than failing every run.
        let mut ledger: LedgerFile = fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        ledger.version = 1;
        let mut moves = Vec::new();
        let mut changed = false;
        for (tag, commit) in tags {
            match ledger.tags.get_mut(tag) {
                Some(seen) => {
                    if seen.first != *commit {
                        moves.push(TagMove {
                            tag: tag.clone(),
                            first: seen.first.clone(),
                            now: commit.clone(),
                            first_seen: seen.first_seen,
                        });
                    }
                    if seen.last != *commit {
                        seen.last = commit.clone();
                        seen.last_seen = now;
                        changed = true;
                    }
                }
                None => {
                    ledger.tags.insert(
                        tag.clone(),
                        Seen {
                            first: commit.clone(),
                            first_seen: now,
                            last: commit.clone(),
                            last_seen: now,
                        },
                    );
                    changed = true;
                }
            }
        }
        if changed {
            let temp = self.path.with_extension("json.tmp");
            let bytes = serde_json::to_vec_pretty(&ledger).expect("the ledger serializes");
            fs::write(&temp, bytes).map_err(cache_error("write", &temp))?;
            fs::rename(&temp, &self.path).map_err(cache_error("write", &self.path))?;
        }
        Ok(moves)
    }
}

#[cfg(test)]
mod placement_tests {
    use super::TagLedger;

    /// Nothing is ever written next to a repository the user owns, even one whose path
    /// looks like the cache's.
    #[test]
    fn only_marked_clones_in_the_cache_get_a_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let clone = dir.path().join("repos-v1/github.com/a/b.git");
        std::fs::create_dir_all(&clone).unwrap();
        assert!(TagLedger::for_cached_clone(&clone).is_none(), "no mark yet");
        std::fs::write(clone.join(crate::CLONE_MARKER), "").unwrap();
        let ledger = TagLedger::for_cached_clone(&clone).expect("a marked clone");
        assert!(
            ledger
                .path()
                .ends_with("repos-v1/github.com/a/b.git.tags.json")
        );

        let elsewhere = dir.path().join("src/b.git");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join(crate::CLONE_MARKER), "").unwrap();
        assert!(
            TagLedger::for_cached_clone(&elsewhere).is_none(),
            "not in the cache"
        );
    }
}
