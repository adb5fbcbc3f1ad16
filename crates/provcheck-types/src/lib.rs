//! Plain data shared along the provcheck pipeline.
//!
//! - [`BlobId`]: a git blob id, computed the way git does (`blob <len>\0<content>`), so
//!   that a file read from an archive can be matched against a tree without reading blobs.
//! - [`SourceTree`]: the files of one commit, path → [`TreeEntry`].
//! - [`BlobStore`]: how comparison reads the few source blobs it needs.
//! - [`normalize_name`]: PEP 503 project names.
#![deny(missing_docs)]

mod blob;
mod name;
mod tree;

pub use blob::{BlobId, FileDigests, sha256_hex};
pub use name::normalize_name;
pub use tree::{BlobStore, EntryMode, SourceTree, TreeEntry};
