//! The provcheck pipeline, end to end: artifacts and a repository in, a [`Report`] out.
//!
//! ```text
//! artifact files ─► read (provcheck-artifact) ───────────────┐
//!                                                            ├─► compare ─► findings ─► verdict
//! repository ─► resolve the commit (provcheck-source) ─► tree ┘
//! ```
//!
//! - [`check`]: `provcheck check FILES --repo PATH`: local artifacts against a local
//!   repository. Artifacts of one release form one release entry.
//! - [`verify`]: `provcheck verify NAME==VERSION`: the release's files from a package
//!   index, its repository discovered from the project's metadata and cloned blobless.
//! - [`verify_set`]: a dependency set (`verify -r`, `--lock`, `--env`): many releases in
//!   one session, a bounded number at a time, each with its own repository and pinned files.
//! - [`resolve`]: how the source commit of a release is found (in order: `--ref`, an
//!   attestation (seam), a version tag or its neighbour, a commit id recorded in the
//!   artifact, content search over all refs).
//! - [`history`]: `provcheck history NAME`: many releases of one project, one cached
//!   clone, compared concurrently, as a timeline ([`provcheck_report::history`]).
//! - `enrich`: optional GitHub metadata (default branch, the pull request that merged the
//!   commit, the tag's GitHub release), asked around the comparison, never inside it.
//!
//! [`Report`]: provcheck_report::Report
#![deny(missing_docs)]

mod check;
mod enrich;
mod error;
mod hints;
mod history;
mod release;
pub mod resolve;
mod search;
mod set;
mod submodules;
pub mod timeline;
mod verify;

pub use check::{CheckOptions, check};
pub use error::EngineError;
pub use history::{HistoryOptions, history};
pub use provcheck_artifact::Limits;
pub use set::{NoSetReporter, SetItem, SetReporter, verify_set};
pub use verify::{
    Located, Observers, RepoChoice, Selection, Session, Target, VerifyOptions, verify,
};
