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
//! - [`resolve`]: how the source commit of a release is found (in order: `--ref`, a
//!   version tag; later strategies plug in there).
//!
//! [`Report`]: provcheck_report::Report
#![deny(missing_docs)]

mod check;
mod error;
mod release;
pub mod resolve;
mod verify;

pub use check::{CheckOptions, check};
pub use error::EngineError;
pub use provcheck_artifact::Limits;
pub use verify::{
    Located, Observers, RepoChoice, Selection, Session, Target, VerifyOptions, verify,
};
