use std::path::PathBuf;

/// Why the source repository could not be read.
///
/// Each message names what went wrong and what the user can do about it.
#[derive(thiserror::Error, Debug)]
pub enum SourceError {
    /// The path given does not exist.
    #[error("{} does not exist: pass --repo with the path of a clone", path.display())]
    NoSuchPath {
        /// The path as given.
        path: PathBuf,
    },

    /// Neither the path nor any folder above it is a git repository.
    #[error("no git repository at {}: pass --repo with the path of a clone", path.display())]
    NotARepository {
        /// The path as given.
        path: PathBuf,
        /// What libgit2 said.
        #[source]
        source: git2::Error,
    },

    /// git's `safe.directory` check refuses a repository owned by another user.
    #[error(
        "git refuses to read {} because another user owns it: if you trust it, run \
         `git config --global --add safe.directory {}`",
        path.display(),
        path.display()
    )]
    NotOwned {
        /// The path as given.
        path: PathBuf,
    },

    /// A revision names nothing in the repository.
    #[error(
        "no commit `{rev}` in {repo}: check the tag, branch or commit id, or fetch it \
         (`git fetch --tags origin`)"
    )]
    RevisionNotFound {
        /// The revision as given.
        rev: String,
        /// The repository, for the message.
        repo: String,
    },

    /// A short commit id matches several objects.
    #[error("`{rev}` matches several objects in {repo}: use more digits of the commit id")]
    AmbiguousRevision {
        /// The revision as given.
        rev: String,
        /// The repository, for the message.
        repo: String,
    },

    /// A revision names an object that is not (and does not peel to) a commit.
    #[error("`{rev}` names a {kind} in {repo}, not a commit: pass a commit id, tag or branch")]
    NotACommit {
        /// The revision as given.
        rev: String,
        /// The object's kind (`tree`, `blob`...).
        kind: String,
        /// The repository, for the message.
        repo: String,
    },

    /// An object the operation needs is not in the object database.
    #[error(
        "the {what} {id} is missing from {repo}: the clone is incomplete (shallow or \
         partial); fetch the full history (`git fetch --unshallow`) and retry"
    )]
    MissingObject {
        /// What kind of object (`tree`, `commit`...).
        what: &'static str,
        /// The object id, 40 hex digits.
        id: String,
        /// The repository, for the message.
        repo: String,
    },

    /// Any other libgit2 failure.
    #[error("reading {repo} failed while {action}: {source}; check the clone with `git fsck`")]
    Git {
        /// What was being done, e.g. "listing tags".
        action: &'static str,
        /// The repository, for the message.
        repo: String,
        /// What libgit2 said.
        #[source]
        source: git2::Error,
    },
}
