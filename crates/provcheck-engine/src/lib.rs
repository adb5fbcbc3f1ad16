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
//! - [`resolve`]: how the source commit of a release is found (in order: `--ref`, a
//!   version tag; later strategies plug in there).
//!
//! [`Report`]: provcheck_report::Report
#![deny(missing_docs)]

mod check;
mod error;
pub mod resolve;

pub use check::{CheckOptions, check};
pub use error::EngineError;
pub use provcheck_artifact::Limits;
