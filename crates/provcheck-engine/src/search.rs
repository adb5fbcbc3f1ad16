//! Content search (DESIGN.md, resolution step 5): candidate commits on all refs, in order
//! of distance from the upload (or from the release's neighbouring version tags), scored
//! by how many of the artifact's traceable files their trees hold by blob id.

use provcheck_artifact::Artifact;
use provcheck_compare::kind::is_packaging_metadata;
use provcheck_source::{CommitInfo, ContentScorer, SourceRepo};

use crate::EngineError;

/// The most commits listed from the repository.
const MAX_LISTED: usize = 200_000;

/// The most commits scored for one artifact.
pub(crate) const MAX_SCORED: usize = 50_000;

/// Where the search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The upload time: commits at or before it, newest first, then those after it,
    /// oldest first.
    Upload(i64),
    /// The commit time of the previous version's tag: commits from then on, oldest first
    /// (the first commit that holds the release's files), then older ones, newest first.
    After(i64),
    /// The commit time of the next version's tag: commits up to it, newest first, then
    /// newer ones, oldest first.
    Before(i64),
    /// Nothing known: newest first.
    Newest,
}

/// The best commit content search found.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub commit: CommitInfo,
    pub matched: usize,
    pub traceable: usize,
    pub searched: usize,
}

impl Found {
    pub fn is_exact(&self) -> bool {
        self.matched == self.traceable
    }
}

/// The artifact files content search scores (packaging metadata cannot match).
pub(crate) fn traceable_blobs(artifact: &Artifact) -> Vec<provcheck_types::BlobId> {
    artifact
        .files
        .iter()
        .filter(|f| !is_packaging_metadata(&f.path))
        .map(|f| f.digests.blob_id)
        .collect()
}

/// Orders commits (given newest first) by distance from the anchor.
pub(crate) fn order(commits: Vec<CommitInfo>, anchor: Anchor) -> Vec<CommitInfo> {
    let split = |commits: Vec<CommitInfo>, at: i64, inclusive_before: bool| {
        let (before, mut after): (Vec<_>, Vec<_>) = commits
            .into_iter()
            .partition(|c| c.time < at || (inclusive_before && c.time == at));
        after.reverse();
        (before, after)
    };
    match anchor {
        Anchor::Newest => commits,
        Anchor::Upload(at) | Anchor::Before(at) => {
            let (mut before, after) = split(commits, at, true);
            before.extend(after);
            before
        }
        Anchor::After(at) => {
            let (before, mut after) = split(commits, at, false);
            after.extend(before);
            after
        }
    }
}

/// Scores commits in anchor order and returns the best (ties: the first in order; a
/// `preferred` commit, one a sibling artifact resolved to, wins any tie it is part of).
/// Stops at the first exact match.
pub(crate) fn search(
    repo: &SourceRepo,
    artifact: &Artifact,
    anchor: Anchor,
    preferred: &[String],
) -> Result<Option<Found>, EngineError> {
    let blobs = traceable_blobs(artifact);
    if blobs.is_empty() {
        return Ok(None);
    }
    let mut scorer = ContentScorer::new(blobs);
    let traceable = scorer.files();
    let commits = order(repo.all_commits(MAX_LISTED)?, anchor);
    let mut best: Option<Found> = None;
    let mut searched = 0;
    for id in preferred {
        let Some(commit) = commits.iter().find(|c| c.id == *id) else {
            continue;
        };
        searched += 1;
        let matched = scorer.score(repo, &commit.id)?;
        if best.as_ref().is_none_or(|b| matched > b.matched) {
            best = Some(Found {
                commit: commit.clone(),
                matched,
                traceable,
                searched,
            });
        }
    }
    if best.as_ref().is_some_and(Found::is_exact) {
        let mut found = best.expect("checked");
        found.searched = searched;
        return Ok(Some(found));
    }
    for commit in commits.iter().take(MAX_SCORED) {
        searched += 1;
        let matched = scorer.score(repo, &commit.id)?;
        if best.as_ref().is_none_or(|b| matched > b.matched) {
            best = Some(Found {
                commit: commit.clone(),
                matched,
                traceable,
                searched,
            });
            if matched == traceable {
                break;
            }
        }
    }
    Ok(best.map(|mut found| {
        found.searched = searched;
        found
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, time: i64) -> CommitInfo {
        CommitInfo {
            id: id.to_owned(),
            time,
            summary: String::new(),
        }
    }

    fn ids(commits: &[CommitInfo]) -> Vec<&str> {
        commits.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn anchors_order_by_distance() {
        let newest_first = vec![c("e", 50), c("d", 40), c("c", 30), c("b", 20), c("a", 10)];
        assert_eq!(
            ids(&order(newest_first.clone(), Anchor::Upload(30))),
            ["c", "b", "a", "d", "e"]
        );
        assert_eq!(
            ids(&order(newest_first.clone(), Anchor::After(20))),
            ["b", "c", "d", "e", "a"]
        );
        assert_eq!(
            ids(&order(newest_first.clone(), Anchor::Before(35))),
            ["c", "b", "a", "d", "e"]
        );
        assert_eq!(
            ids(&order(newest_first, Anchor::Newest)),
            ["e", "d", "c", "b", "a"]
        );
    }
}
