//! Finds, clones and reads source repositories: commits, version tags and trees with
//! blob ids.
//!
//! This is the only crate of provcheck that touches git: git2 reads repositories in
//! place; the `git` program makes and updates the blobless clones of the cache (libgit2
//! cannot make partial clones) and fetches the few blobs a comparison needs.
//!
//! - [`discover`]: the repository a package's metadata names, as a normalized
//!   [`RepoUrl`] with a sub-folder hint and where it came from ([`Discovered`]).
//! - [`RepoCache`]: blobless bare clones keyed by normalized URL, cloned once and
//!   fetched incrementally ([`RepoCache::acquire`], [`AcquireOptions`], [`Acquired`]),
//!   reporting git's progress through a [`GitProgress`].
//! - [`SourceRepo`]: open a repository, resolve revisions to [`CommitInfo`], find the
//!   [`VersionTag`]s of a release, list a commit's files as a
//!   [`provcheck_types::SourceTree`] without reading blobs, and read the few blobs
//!   comparison needs (as a [`provcheck_types::BlobStore`]), fetching those a partial
//!   clone lacks ([`SourceRepo::prefetch_blobs`] batches them).
//! - History ([`SourceRepo::all_commits`], [`SourceRepo::default_branch`],
//!   [`SourceRepo::is_reachable_from`]) and [`ContentScorer`]: content search over commits,
//!   memoized per tree id.
//! - [`TagLedger`]: which commit each tag named when a cached clone first saw it
//!   ([`TagMove`] when it names another now).
//! - [`tag_version`]: the PEP 440 version a tag name denotes for a project.
//! - [`SourceError`]: why a repository could not be found, fetched or read, and what to
//!   do about it.
//!
//! Credentials (`GITHUB_TOKEN`, `GH_TOKEN`) reach git only through its environment and
//! are scrubbed from everything git prints; nothing here prints.
#![deny(missing_docs)]

mod discover;
mod error;
mod git_cli;
mod history;
mod ledger;
mod remote;
mod repo;
mod search;
mod tags;
mod tree;

pub use discover::{Discovered, RepoUrl, discover};
pub use error::SourceError;
pub use git_cli::{GitProgress, NoGitProgress};
pub use history::DefaultBranch;
pub use ledger::{TagLedger, TagMove};
pub use remote::{AcquireOptions, Acquired, CLONE_MARKER, RepoCache};
pub use repo::{CommitInfo, SourceRepo};
pub use search::ContentScorer;
pub use tags::{VersionTag, tag_version};
