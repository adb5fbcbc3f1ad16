//! Finding the commit a release was built from (DESIGN.md, "Commit resolution").
//!
//! Strategies run in order and the first that yields candidates wins:
//! 1. `--ref` given by the user;
//! 2. a tag whose version equals the release version under PEP 440.
//!
//! PEP 740 attestations, commit hints inside the artifact and content search slot in as
//! further strategies returning [`Candidate`]s; when every strategy comes back empty the
//! release has no source. Several candidates (e.g. `v1.2` and `pkg-1.2` in a monorepo) are
//! ranked later by how well their trees match the artifacts.

use pep440_rs::Version;
use provcheck_report::ResolvedBy;
use provcheck_source::{CommitInfo, SourceRepo};

use crate::EngineError;

/// A commit that may be the release's source, and how it was found.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The commit.
    pub commit: CommitInfo,
    /// The tag that named it, if any.
    pub tag: Option<String>,
    /// The strategy that found it.
    pub resolved_by: ResolvedBy,
}

/// The candidates for one release, from the first strategy that finds any.
pub fn candidates(
    repo: &SourceRepo,
    project: &str,
    version: &Version,
    git_ref: Option<&str>,
) -> Result<Vec<Candidate>, EngineError> {
    if let Some(rev) = git_ref {
        let commit = repo.resolve(rev)?;
        return Ok(vec![Candidate {
            commit,
            tag: None,
            resolved_by: ResolvedBy::Ref,
        }]);
    }
    let tags = repo.version_tags(project, version)?;
    Ok(tags
        .into_iter()
        .map(|tag| Candidate {
            commit: tag.commit,
            tag: Some(tag.name),
            resolved_by: ResolvedBy::Tag,
        })
        .collect())
}
