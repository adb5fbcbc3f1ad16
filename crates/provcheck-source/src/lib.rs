//! Reads source repositories: commits, version tags and trees with blob ids.
//!
//! This is the only crate of provcheck that touches git. It reads a local repository in
//! place (bare, or a work tree) and never fetches, clones or writes.
//!
//! - [`SourceRepo`]: open a repository, resolve revisions to [`CommitInfo`], find the
//!   [`VersionTag`]s of a release, list a commit's files as a
//!   [`provcheck_types::SourceTree`] without reading blobs, and read the few blobs
//!   comparison needs (as a [`provcheck_types::BlobStore`]).
//! - [`tag_version`]: the PEP 440 version a tag name denotes for a project.
//! - [`SourceError`]: why a repository could not be read, and what to do about it.
#![deny(missing_docs)]

mod error;
mod repo;
mod tags;
mod tree;

pub use error::SourceError;
pub use repo::{CommitInfo, SourceRepo};
pub use tags::{VersionTag, tag_version};
