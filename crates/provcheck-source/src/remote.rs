//! The repository cache: blobless bare clones made and brought up to date with the `git`
//! program, one lock per repository.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::discover::RepoUrl;
use crate::error::SourceError;
use crate::git_cli::{self, GitEnv, GitFailure, GitProgress};

/// The cache layout's folder under the root: a layout change is a new name, not a
/// migration.
pub(crate) const LAYOUT: &str = "repos-v1";

/// A file provcheck writes into every clone it makes, so that state it keeps beside its
/// clones (the tag ledger) is never written next to a repository the user owns.
pub const CLONE_MARKER: &str = "provcheck-clone";

/// Where repositories are cached: `<root>/repos-v1/<cache key>.git`, each a bare,
/// blobless clone (commits, trees and tags; file contents fetched when needed).
#[derive(Clone, Debug)]
pub struct RepoCache {
    root: PathBuf,
    git: PathBuf,
}

/// How [`RepoCache::acquire`] may use the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireOptions {
    /// Run no git process that touches the network: a cached clone is used as is, a
    /// missing one is an error.
    pub offline: bool,
    /// Bring a cached clone up to date. When false, a cached clone is used as is (only a
    /// missing one is cloned).
    pub fetch: bool,
}

impl Default for AcquireOptions {
    /// Online, fetching.
    fn default() -> AcquireOptions {
        AcquireOptions {
            offline: false,
            fetch: true,
        }
    }
}

/// A repository in the cache, ready for [`crate::SourceRepo::open`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acquired {
    /// The bare repository.
    pub path: PathBuf,
    /// An existing clone was brought up to date.
    pub fetched: bool,
    /// A new clone was made.
    pub cloned: bool,
}

impl RepoCache {
    /// A cache under `root` (created when first needed), using the `git` on `PATH`.
    pub fn new(root: PathBuf) -> RepoCache {
        RepoCache {
            root,
            git: PathBuf::from("git"),
        }
    }

    /// Uses `program` as git instead of the `git` on `PATH`.
    pub fn with_git(mut self, program: impl Into<PathBuf>) -> RepoCache {
        self.git = program.into();
        self
    }

    /// The cache's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the clone of `url` is (or would be).
    pub fn repo_path(&self, url: &RepoUrl) -> PathBuf {
        let mut path = self.root.join(LAYOUT);
        path.extend(url.cache_key().split('/'));
        with_suffix(&path, ".git")
    }

    /// Makes sure the cache holds a clone of `url` and returns where it is.
    ///
    /// The first time, `git clone --bare --filter=blob:none`: only commits, trees and
    /// tags travel, into a temporary folder renamed into place when complete, so a
    /// clone in the cache is never half made. Later, unless told not to, `git fetch`
    /// brings every branch and tag up to date (and drops those deleted upstream). Both
    /// hold an exclusive lock on `<clone>.lock`, so concurrent runs wait for each other
    /// instead of corrupting the clone; reading a clone needs no lock.
    ///
    /// git's progress lines go to `progress`. For `https://github.com/`, a token in
    /// `GITHUB_TOKEN` or `GH_TOKEN` is sent (through the environment, never written
    /// anywhere); no credential helper or prompt is ever used.
    pub fn acquire(
        &self,
        url: &RepoUrl,
        options: &AcquireOptions,
        progress: &dyn GitProgress,
    ) -> Result<Acquired, SourceError> {
        let path = self.repo_path(url);
        let cached = |fetched| Acquired {
            path: path.clone(),
            fetched,
            cloned: false,
        };
        if is_clone(&path) && (options.offline || !options.fetch) {
            return Ok(cached(false));
        }
        if options.offline {
            return Err(SourceError::Offline {
                url: url.to_string(),
                path,
            });
        }

        let parent = path.parent().expect("a repository path has a parent");
        fs::create_dir_all(parent).map_err(cache_error("create", parent))?;
        let lock_path = with_suffix(&path, ".lock");
        let lock = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(cache_error("create", &lock_path))?;
        lock.lock().map_err(cache_error("lock", &lock_path))?;

        let result = if is_clone(&path) {
            // A fetch talks to the clone's own origin: the URL it was cloned from (or a
            // mirror the user set up), restricted to the transports provcheck allows.
            let (scheme, host) = origin_transport(&path)
                .unwrap_or_else(|| (url.scheme().to_owned(), url.host().to_owned()));
            let env = GitEnv::from_process(&scheme, &host);
            // Another run may have cloned it while this one waited for the lock.
            if options.fetch {
                self.fetch(url, &path, &env, progress)
                    .map(|()| cached(true))
            } else {
                Ok(cached(false))
            }
        } else {
            let env = GitEnv::from_process(url.scheme(), url.host());
            self.clone_into(url, &path, &env, progress)
                .map(|()| Acquired {
                    path: path.clone(),
                    fetched: false,
                    cloned: true,
                })
        };
        drop(lock);
        result
    }

    fn clone_into(
        &self,
        url: &RepoUrl,
        path: &Path,
        env: &GitEnv,
        progress: &dyn GitProgress,
    ) -> Result<(), SourceError> {
        if path.exists() {
            return Err(SourceError::Cache {
                action: "use",
                path: path.to_owned(),
                source: std::io::Error::other(
                    "it exists but is not a git repository; run `provcheck cache clean`",
                ),
            });
        }
        // Left by a run killed mid-clone: this run holds the lock, so nobody else is
        // writing it.
        let partial = with_suffix(path, ".partial");
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(cache_error("remove", &partial))?;
        }
        let args = [
            OsStr::new("clone"),
            OsStr::new("--bare"),
            OsStr::new("--filter=blob:none"),
            OsStr::new("--progress"),
            OsStr::new("--"),
            OsStr::new(url.as_str()),
            partial.as_os_str(),
        ];
        if let Err(failure) = git_cli::run(&self.git, &args, env, None, progress) {
            // A failed clone leaves nothing behind (git removes what it made; this is in
            // case it could not).
            let _ = fs::remove_dir_all(&partial);
            return Err(self.failure("cloning", url, failure));
        }
        fs::write(partial.join(CLONE_MARKER), "").map_err(cache_error("mark", &partial))?;
        fs::rename(&partial, path).map_err(cache_error("move a new clone to", path))
    }

    fn fetch(
        &self,
        url: &RepoUrl,
        path: &Path,
        env: &GitEnv,
        progress: &dyn GitProgress,
    ) -> Result<(), SourceError> {
        let args = [
            OsStr::new("--git-dir"),
            path.as_os_str(),
            OsStr::new("fetch"),
            OsStr::new("--prune"),
            OsStr::new("--filter=blob:none"),
            OsStr::new("--progress"),
            OsStr::new("--no-write-fetch-head"),
            OsStr::new("origin"),
            // Branches and tags mirror the remote's; forced, since both can move.
            OsStr::new("+refs/heads/*:refs/heads/*"),
            OsStr::new("+refs/tags/*:refs/tags/*"),
        ];
        git_cli::run(&self.git, &args, env, None, progress)
            .map_err(|failure| self.failure("fetching", url, failure))
    }

    fn failure(&self, action: &'static str, url: &RepoUrl, failure: GitFailure) -> SourceError {
        git_failure(&self.git, action, url.as_str(), failure)
    }
}

/// A [`GitFailure`] as the error a user reads.
pub(crate) fn git_failure(
    program: &Path,
    action: &'static str,
    url: &str,
    failure: GitFailure,
) -> SourceError {
    match failure {
        GitFailure::Spawn(source) => SourceError::GitNotRunnable {
            program: program.display().to_string(),
            source,
        },
        GitFailure::Exit { status, tail } => {
            let output = git_cli::summary(&tail);
            SourceError::GitFailed {
                action,
                url: url.to_owned(),
                status: git_cli::describe(&status),
                hint: git_cli::hint(&output),
                output,
            }
        }
    }
}

/// Whether `path` holds a complete clone (clones are renamed into place when complete,
/// so any repository there is one).
fn is_clone(path: &Path) -> bool {
    path.join("HEAD").is_file() && path.join("objects").is_dir()
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn cache_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SourceError {
    let path = path.to_owned();
    move |source| SourceError::Cache {
        action,
        path,
        source,
    }
}

/// The transport (scheme, host) of a clone's `origin`, when it is one provcheck allows.
fn origin_transport(path: &Path) -> Option<(String, String)> {
    let repo = git2::Repository::open_bare(path).ok()?;
    let remote = repo.find_remote("origin").ok()?;
    crate::repo::transport(remote.url().ok()?)
}
