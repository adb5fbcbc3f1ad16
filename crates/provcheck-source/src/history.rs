//! History: every commit on every ref, the default branch, and reachability.

use git2::{Oid, Sort};

use crate::error::SourceError;
use crate::repo::{CommitInfo, SourceRepo};

/// The branch a repository calls its default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultBranch {
    /// The short name, e.g. `main`.
    pub name: String,
    /// The reference whose history counts as the default branch, e.g. `refs/heads/main`
    /// in a bare clone or `refs/remotes/origin/main` in a work tree.
    pub reference: String,
}

impl SourceRepo {
    /// Every commit reachable from any ref (branches, remote branches, tags) or `HEAD`,
    /// newest first by committer time, at most `limit`.
    ///
    /// Content search walks these: a release may have been built from a commit that only
    /// a feature branch or a tag reaches.
    pub fn all_commits(&self, limit: usize) -> Result<Vec<CommitInfo>, SourceError> {
        let repo = self.git();
        let walk_error = |source| self.git_error("walking history", source);
        let mut walk = repo.revwalk().map_err(walk_error)?;
        walk.set_sorting(Sort::TIME).map_err(walk_error)?;
        walk.push_glob("refs/*").map_err(walk_error)?;
        if let Some(head) = repo.head().ok().and_then(|head| head.target()) {
            walk.push(head).map_err(walk_error)?;
        }
        let mut commits = Vec::new();
        for id in walk {
            if commits.len() >= limit {
                break;
            }
            // A commit missing from a shallow or damaged clone ends nothing: skip it.
            let Ok(id) = id else { continue };
            if let Ok(commit) = repo.find_commit(id) {
                commits.push(CommitInfo::of(&commit));
            }
        }
        Ok(commits)
    }

    /// The default branch: in a bare clone (the cache's), the branch `HEAD` names, which
    /// `git clone` set to the remote's default; in a work tree, the branch
    /// `refs/remotes/origin/HEAD` names when there is one, else `HEAD`'s branch.
    /// `None` when `HEAD` is detached or unborn and no remote says.
    pub fn default_branch(&self) -> Option<DefaultBranch> {
        let repo = self.git();
        let symbolic = |name: &str| {
            repo.find_reference(name)
                .ok()
                .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned))
        };
        let reference = if repo.is_bare() {
            symbolic("HEAD")
        } else {
            symbolic("refs/remotes/origin/HEAD").or_else(|| symbolic("HEAD"))
        }?;
        // The branch must exist (an unborn HEAD names a branch that does not).
        repo.refname_to_id(&reference).ok()?;
        let name = reference
            .strip_prefix("refs/heads/")
            .or_else(|| reference.strip_prefix("refs/remotes/origin/"))
            .unwrap_or(&reference)
            .to_owned();
        Some(DefaultBranch { name, reference })
    }

    /// Whether the commit `rev` names is reachable from the reference `reference` (the
    /// commit itself counts).
    pub fn is_reachable_from(&self, rev: &str, reference: &str) -> Result<bool, SourceError> {
        let commit = self.find_commit(rev)?.id();
        let repo = self.git();
        let tip: Oid = repo
            .refname_to_id(reference)
            .map_err(|source| self.git_error("reading a branch", source))?;
        let tip = repo
            .find_object(tip, None)
            .and_then(|o| o.peel_to_commit())
            .map_err(|source| self.git_error("reading a branch", source))?
            .id();
        if tip == commit {
            return Ok(true);
        }
        repo.graph_descendant_of(tip, commit)
            .map_err(|source| self.git_error("walking history", source))
    }
}
