//! Comparison: traces every file of an artifact to a source tree and explains the rest.
//!
//! Pure: no I/O of its own. The source's blobs and the artifact's contents that were not
//! kept in memory come in through [`BlobStore`](provcheck_types::BlobStore) and
//! [`ContentSource`].
//!
//! - [`mapping`]: artifact path → source path, by blob-id voting per top-level name.
//! - [`compare`]: classifies every file (matched, generated, modified, extra, unverified)
//!   and turns the differences into findings with evidence.
//! - [`match_score`]: how well a tree matches an artifact, to choose between candidate
//!   commits.
//! - [`kind`]: what a file is (code, startup hook, binary, data), which sets severities.
#![deny(missing_docs)]

mod classify;
mod diff;
pub mod kind;
pub mod mapping;
mod rules;
mod score;

pub use classify::{
    CompareInput, Comparison, ContentSource, NoContent, blobs_needed, compare, intrinsic_findings,
};
pub use diff::{DiffLimits, unified_diff};
pub use mapping::Mapping;
pub use rules::{VersionModule, inspect_version_module};
pub use score::{MatchScore, match_score};
