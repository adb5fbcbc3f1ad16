//! The provcheck report: what was checked, what was found, and the verdicts.
//!
//! Everything here is plain data and pure functions. The pipeline crates produce
//! [`Finding`]s; the engine assembles them into a [`Report`]; the renderers in [`render`]
//! turn one report into text for humans or JSON for machines. Nothing in this crate does
//! I/O.
//!
//! The JSON form of [`Report`] is a public contract (`schema_version` [`SCHEMA_VERSION`]):
//! fields may be added, never renamed or removed. `docs/report-schema.md` describes it.
#![deny(missing_docs)]

mod code;
mod evidence;
mod finding;
pub mod history;
mod model;
mod policy;
pub mod render;
mod requested;
mod verdict;

pub use code::Code;
pub use evidence::Evidence;
pub use finding::{Finding, Severity};
pub use model::{
    ArtifactKind, ArtifactReport, ContentScore, FileTrace, GitHubInfo, GitHubReleaseInfo,
    PullRequestInfo, ReleaseReport, Report, ResolvedBy, SCHEMA_VERSION, SourceInfo, Stats, Tool,
    TraceStatus,
};
pub use policy::{Allow, AllowNoSource, Policy};
pub use requested::{RequestStatus, Requested};
pub use verdict::{ExitStatus, Verdict};
