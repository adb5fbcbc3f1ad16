//! Submodules (PACKAGING.md item 11): an sdist ships the checkout of every gitlink of its
//! tree. When the user gives repositories that hold the pinned commits (`--submodule`),
//! their trees are grafted into the source tree at the gitlink's path, so those files are
//! traced like any other; otherwise they stay "unverified", never "extra".

use std::collections::BTreeMap;
use std::path::PathBuf;

use provcheck_source::SourceRepo;
use provcheck_types::{BlobId, BlobStore, SourceTree, TreeEntry};

use crate::EngineError;

/// The repositories given for submodules, opened.
pub(crate) struct SubmoduleRepos {
    repos: Vec<SourceRepo>,
}

impl SubmoduleRepos {
    /// Opens every path; a path that is not a repository is an error the user must fix.
    pub fn open(paths: &[PathBuf]) -> Result<SubmoduleRepos, EngineError> {
        let repos = paths
            .iter()
            .map(|path| SourceRepo::open(path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SubmoduleRepos { repos })
    }

    /// Whether no repository was given.
    pub fn is_empty(&self) -> bool {
        self.repos.is_empty()
    }

    /// `tree` with every gitlink whose pinned commit one of the repositories holds
    /// replaced by that commit's files, and the number of gitlinks grafted.
    pub fn graft(&self, tree: &SourceTree) -> (SourceTree, usize) {
        let gitlinks: Vec<(String, BlobId)> = tree
            .submodules()
            .map(|(path, commit)| (path.clone(), *commit))
            .collect();
        if gitlinks.is_empty() || self.repos.is_empty() {
            return (tree.clone(), 0);
        }
        let mut entries: BTreeMap<String, TreeEntry> = tree
            .entries()
            .map(|(path, entry)| (path.clone(), entry.clone()))
            .collect();
        let mut grafted = 0;
        for (path, commit) in gitlinks {
            let Some(sub_tree) = self
                .repos
                .iter()
                .find_map(|repo| repo.tree(&commit.to_hex()).ok())
            else {
                continue;
            };
            entries.remove(&path);
            for (inner, entry) in sub_tree.entries() {
                entries.insert(format!("{path}/{inner}"), entry.clone());
            }
            grafted += 1;
        }
        (
            SourceTree::new(tree.commit.clone(), tree.tree_id.clone(), entries),
            grafted,
        )
    }
}

/// Reads blobs from the main repository, then from the submodules' repositories.
pub(crate) struct ChainedBlobs<'a> {
    pub main: &'a SourceRepo,
    pub submodules: &'a SubmoduleRepos,
}

impl BlobStore for ChainedBlobs<'_> {
    fn read_blob(&self, id: &BlobId) -> Result<Vec<u8>, String> {
        let first = self.main.read_blob(id);
        if first.is_ok() || self.submodules.is_empty() {
            return first;
        }
        self.submodules
            .repos
            .iter()
            .find_map(|repo| repo.read_blob(id).ok())
            .ok_or_else(|| first.err().unwrap_or_default())
    }
}
