use std::io;
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

    /// The repository is not in the cache, and `--offline` forbids fetching it.
    #[error(
        "{url} is not in the cache at {}: run once without --offline, or pass --repo with \
         the path of a clone",
        path.display()
    )]
    Offline {
        /// The repository.
        url: String,
        /// Where the clone would be.
        path: PathBuf,
    },

    /// Blobs a comparison needs are missing from a partial clone, and fetching is off.
    #[error(
        "{count} file(s) needed from {repo} are not in its partial clone and --offline \
         forbids fetching them: run once without --offline"
    )]
    OfflineBlobs {
        /// How many blobs are missing.
        count: usize,
        /// The repository, for the message.
        repo: String,
    },

    /// The `git` program could not be run.
    #[error(
        "could not run `{program}`: {source}; install git (2.31 or newer) or pass --repo \
         with the path of a clone"
    )]
    GitNotRunnable {
        /// The program, as given.
        program: String,
        /// Why it could not be started.
        #[source]
        source: io::Error,
    },

    /// `git` ran and failed. `output` is what git said, scrubbed of credentials.
    #[error("{action} {url} failed ({status}): {output}; {hint}")]
    GitFailed {
        /// What was being done, e.g. "cloning".
        action: &'static str,
        /// The repository (never with credentials).
        url: String,
        /// git's exit status.
        status: String,
        /// git's last error lines, scrubbed of credentials.
        output: String,
        /// What the user can do.
        hint: &'static str,
    },

    /// A remote that blobs cannot be fetched from safely (ssh, a remote helper...).
    #[error(
        "{repo} is a partial clone whose remote `{remote}` uses {scheme}, which provcheck does \
         not fetch from: fetch the missing blobs yourself (`git -C {repo} fetch {remote}`), \
         or clone over https"
    )]
    UnsupportedRemote {
        /// The repository, for the message.
        repo: String,
        /// The remote's name.
        remote: String,
        /// The remote URL's scheme (or "an scp-style address").
        scheme: String,
    },

    /// The cache could not be written.
    #[error(
        "could not {action} {}: {source}; check its permissions, or choose another cache \
         directory (--cache-dir)",
        path.display()
    )]
    Cache {
        /// What was being done, e.g. "create".
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
}
