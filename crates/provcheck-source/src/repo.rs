//! Opening a repository and reading commits, tags and trees from it.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use git2::{Commit, ErrorCode, Object, Oid, Repository, RepositoryOpenFlags};
use pep440_rs::Version;
use provcheck_types::{BlobId, BlobStore, SourceTree};

use crate::error::SourceError;
use crate::git_cli::{self, GitEnv, NoGitProgress};
use crate::remote::git_failure;
use crate::tags::{VersionTag, tag_version};
use crate::tree::{list_raw, resolve_symlinks};

/// The longest symlink target read: Linux's `PATH_MAX`.
const MAX_LINK_TARGET: usize = 4096;

/// A commit's identity and timeline facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit id, 40 lowercase hex digits.
    pub id: String,
    /// The committer time, unix seconds.
    pub time: i64,
    /// The first line of the message (lossy UTF-8).
    pub summary: String,
}

impl CommitInfo {
    pub(crate) fn of(commit: &Commit<'_>) -> CommitInfo {
        CommitInfo {
            id: commit.id().to_string(),
            time: commit.time().seconds(),
            summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
        }
    }
}

/// A local git repository, read in place and never modified, with one exception: the
/// blobs a partial clone lacks (a blobless clone from [`crate::RepoCache`], or any
/// `git clone --filter`) are fetched from its promisor remote when read, as git itself
/// would, unless [`SourceRepo::set_offline`] forbids it.
///
/// `Send` but not `Sync` (as `git2::Repository`): open one per thread.
pub struct SourceRepo {
    repo: Repository,
    path: PathBuf,
    /// The remote missing blobs come from, when this is a partial clone.
    promisor: Option<Promisor>,
    offline: bool,
    /// How many times blobs were fetched (git processes run).
    fetches: Cell<usize>,
    /// A best-effort fetch (of symlink targets) failed: do not retry it for every tree.
    gave_up: Cell<bool>,
}

/// The remote of a partial clone that promises its missing objects.
struct Promisor {
    /// The remote's name (checked to be a plain name, not an option).
    name: String,
    /// Its URL; may hold credentials, so it is never shown.
    url: String,
}

impl std::fmt::Debug for SourceRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceRepo")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SourceRepo {
    /// Opens the repository at `path`: a bare repository, a work tree, or any folder
    /// inside a work tree (the repository is searched for upwards, within one file
    /// system). `GIT_DIR` and other git environment variables are ignored, so the
    /// result depends only on `path`.
    pub fn open(path: &Path) -> Result<SourceRepo, SourceError> {
        if !path.exists() {
            return Err(SourceError::NoSuchPath {
                path: path.to_owned(),
            });
        }
        let repo = Repository::open_ext(path, RepositoryOpenFlags::empty(), &[] as &[&OsStr])
            .map_err(|source| match source.code() {
                ErrorCode::Owner => SourceError::NotOwned {
                    path: path.to_owned(),
                },
                _ => SourceError::NotARepository {
                    path: path.to_owned(),
                    source,
                },
            })?;
        let promisor = promisor(&repo);
        Ok(SourceRepo {
            repo,
            path: path.to_owned(),
            promisor,
            offline: false,
            fetches: Cell::new(0),
            gave_up: Cell::new(false),
        })
    }

    /// Forbids (or allows again) fetching missing blobs: offline, a blob a partial clone
    /// lacks is an error that says so.
    pub fn set_offline(&mut self, offline: bool) {
        self.offline = offline;
    }

    /// Whether this is a clone the cache made and fetched in this run (not offline): its
    /// refs are as current as the remote's. A repository the user gives may be stale.
    pub fn is_freshly_fetched_clone(&self) -> bool {
        !self.offline && self.path().join(crate::remote::CLONE_MARKER).is_file()
    }

    /// Whether this is a partial clone: some blobs may be missing, and are fetched from
    /// its promisor remote when needed.
    pub fn is_partial(&self) -> bool {
        self.promisor.is_some()
    }

    /// How many times missing blobs were fetched since the repository was opened (each
    /// is one git process and one round trip to the remote, however many blobs).
    pub fn blob_fetches(&self) -> usize {
        self.fetches.get()
    }

    /// Fetches, in one round trip, those of `ids` that a partial clone lacks, so that
    /// reading them next costs no network. Does nothing when the repository is not a
    /// partial clone or already holds them all.
    ///
    /// Comparison calls this with every blob it is about to read: one fetch for fifty
    /// blobs instead of fifty. Every id must name an object the remote has; one unknown
    /// id fails the whole fetch.
    pub fn prefetch_blobs(&self, ids: &[BlobId]) -> Result<(), SourceError> {
        let oids: Vec<Oid> = ids
            .iter()
            .filter_map(|id| Oid::from_bytes(&id.0).ok())
            .collect();
        self.fetch_missing(&oids)
    }

    /// Fetches those of `oids` missing from the object database, from the promisor.
    fn fetch_missing(&self, oids: &[Oid]) -> Result<(), SourceError> {
        let Some(promisor) = &self.promisor else {
            return Ok(());
        };
        let odb = self
            .repo
            .odb()
            .map_err(|source| self.git_error("fetching blobs", source))?;
        let mut missing: Vec<Oid> = oids
            .iter()
            .copied()
            .filter(|oid| !odb.exists(*oid))
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        if self.offline {
            return Err(SourceError::OfflineBlobs {
                count: missing.len(),
                repo: self.display_path(),
            });
        }
        let (scheme, host) =
            transport(&promisor.url).ok_or_else(|| SourceError::UnsupportedRemote {
                repo: self.display_path(),
                remote: promisor.name.clone(),
                scheme: scheme_name(&promisor.url),
            })?;
        let mut env = GitEnv::from_process(&scheme, &host);
        // What git does for a lazy fetch: ask for exactly these objects, without
        // negotiating history, tags or submodules.
        env.config("fetch.negotiationAlgorithm", "noop");
        if let Ok(url) = url::Url::parse(&promisor.url) {
            env.secret(url.username());
            if let Some(password) = url.password() {
                env.secret(password);
            }
        }
        let stdin: String = missing.iter().map(|oid| format!("{oid}\n")).collect();
        let git_dir = self.repo.path();
        let args = [
            OsStr::new("--git-dir"),
            git_dir.as_os_str(),
            OsStr::new("fetch"),
            OsStr::new("--quiet"),
            OsStr::new("--no-tags"),
            OsStr::new("--no-write-fetch-head"),
            OsStr::new("--recurse-submodules=no"),
            OsStr::new("--no-auto-gc"),
            OsStr::new("--filter=blob:none"),
            // The repository's own config may name another upload-pack program; for a
            // --repo PATH that config is not ours to trust.
            OsStr::new("--upload-pack=git-upload-pack"),
            OsStr::new("--stdin"),
            OsStr::new(&promisor.name),
        ];
        let program = Path::new("git");
        self.fetches.set(self.fetches.get() + 1);
        git_cli::run(program, &args, &env, Some(stdin.as_bytes()), &NoGitProgress).map_err(
            |failure| {
                git_failure(
                    program,
                    "fetching blobs from the remote of",
                    &self.display_path(),
                    failure,
                )
            },
        )
    }

    /// The git2 repository, for the other modules of this crate.
    pub(crate) fn git(&self) -> &Repository {
        &self.repo
    }

    /// The path the repository was opened at (as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path the repository was opened at (as given), for reports.
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    /// Resolves a revision (a full or short commit id, a tag, a branch, `HEAD~1`, any
    /// `git rev-parse` syntax) to a commit, peeling annotated tags.
    pub fn resolve(&self, rev: &str) -> Result<CommitInfo, SourceError> {
        self.find_commit(rev).map(|commit| CommitInfo::of(&commit))
    }

    /// Every tag whose name denotes `version` for `project` (see [`tag_version`]),
    /// compared under PEP 440, so a release `1.2.0` finds the tag `v1.2`.
    ///
    /// Annotated tags are peeled to their commit; tags that point at something other
    /// than a commit, or at an object missing from the clone, are skipped. Sorted by name.
    pub fn version_tags(
        &self,
        project: &str,
        version: &Version,
    ) -> Result<Vec<VersionTag>, SourceError> {
        self.tags_where(project, |found| found == version)
    }

    /// Every tag that denotes some version of `project`, under the same rules as
    /// [`SourceRepo::version_tags`]. Sorted by version, then name.
    pub fn all_version_tags(&self, project: &str) -> Result<Vec<VersionTag>, SourceError> {
        let mut tags = self.tags_where(project, |_| true)?;
        tags.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.name.cmp(&b.name)));
        Ok(tags)
    }

    /// The files of the commit `rev` names, with blob ids and modes.
    ///
    /// No file blob is read, only the targets of symlinks, which are resolved inside the
    /// tree as [`SourceTree`] describes: the entry's `via_symlink` names the outermost
    /// link it was reached through. In a partial clone, missing link targets are fetched
    /// first, in one round trip. Links that lead outside the tree, dangle, loop, or whose
    /// target blob is absent (offline, or the fetch failed) stay
    /// [`provcheck_types::EntryMode::Symlink`].
    /// Submodules are listed with the pinned commit id as their blob.
    pub fn tree(&self, rev: &str) -> Result<SourceTree, SourceError> {
        let commit = self.find_commit(rev)?;
        let tree = commit.tree().map_err(|source| {
            self.object_error("tree", commit.tree_id(), source, "listing a tree")
        })?;
        let tree_id = tree.id();
        let listing = list_raw(&self.repo, tree).map_err(|failure| {
            self.object_error("tree", failure.tree, failure.source, "listing a tree")
        })?;
        let mut entries = listing.entries;
        let mut targets = HashMap::with_capacity(listing.symlinks.len());
        if !listing.symlinks.is_empty() {
            let odb = self
                .repo
                .odb()
                .map_err(|source| self.git_error("listing a tree", source))?;
            if self.promisor.is_some() && !self.offline && !self.gave_up.get() {
                let targets: Vec<Oid> = listing
                    .symlinks
                    .iter()
                    .map(|link| Oid::from_bytes(&entries[link].blob.0).expect("20-byte id"))
                    .collect();
                // Best effort: a link whose target cannot be fetched stays a link.
                if self.fetch_missing(&targets).is_err() {
                    self.gave_up.set(true);
                }
            }
            for link in listing.symlinks {
                let id = Oid::from_bytes(&entries[&link].blob.0).expect("20-byte id");
                // A hostile tree can give a huge blob the symlink mode; no checkout would
                // accept a target longer than a path, so such a link stays unresolved.
                match odb.read_header(id) {
                    Ok((size, _)) if size <= MAX_LINK_TARGET => {}
                    _ => continue,
                }
                if let Ok(blob) = self.repo.find_blob(id) {
                    targets.insert(link, String::from_utf8_lossy(blob.content()).into_owned());
                }
            }
        }
        resolve_symlinks(&mut entries, &targets);
        Ok(SourceTree::new(
            commit.id().to_string(),
            tree_id.to_string(),
            entries,
        ))
    }

    /// The commits next to the commit `rev` names: first its parents (in parent order),
    /// then its children, the commits reachable from any ref (or `HEAD`) that have it as
    /// a parent, oldest first.
    ///
    /// This is where a release built from "the commit right after its tag" is found.
    /// Parents missing from a shallow clone are left out.
    pub fn neighbours(&self, rev: &str) -> Result<Vec<CommitInfo>, SourceError> {
        let commit = self.find_commit(rev)?;
        let id = commit.id();
        let mut found: Vec<CommitInfo> = commit
            .parent_ids()
            .filter_map(|parent| self.repo.find_commit(parent).ok())
            .map(|parent| CommitInfo::of(&parent))
            .collect();

        let walk_error = |source| self.git_error("walking history", source);
        let mut walk = self.repo.revwalk().map_err(walk_error)?;
        // Globs skip refs that do not point at commits. `HEAD` adds a detached checkout;
        // an unborn or broken `HEAD` adds nothing.
        walk.push_glob("refs/*").map_err(walk_error)?;
        if let Some(head) = self.repo.head().ok().and_then(|head| head.target()) {
            walk.push(head).map_err(walk_error)?;
        }
        // Children are never ancestors of the commit, so hiding those prunes the walk to
        // the commits that could be children.
        walk.hide(id).map_err(walk_error)?;
        let mut children = Vec::new();
        for candidate in walk {
            let candidate = candidate.map_err(walk_error)?;
            let candidate = self.repo.find_commit(candidate).map_err(|source| {
                self.object_error("commit", candidate, source, "walking history")
            })?;
            if candidate.parent_ids().any(|parent| parent == id) {
                children.push(CommitInfo::of(&candidate));
            }
        }
        children.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
        found.extend(children);
        Ok(found)
    }

    pub(crate) fn find_commit(&self, rev: &str) -> Result<Commit<'_>, SourceError> {
        let object = self
            .repo
            .revparse_single(rev)
            .map_err(|source| match source.code() {
                ErrorCode::Ambiguous => SourceError::AmbiguousRevision {
                    rev: rev.to_owned(),
                    repo: self.display_path(),
                },
                ErrorCode::NotFound | ErrorCode::InvalidSpec => SourceError::RevisionNotFound {
                    rev: rev.to_owned(),
                    repo: self.display_path(),
                },
                _ => self.git_error("resolving a revision", source),
            })?;
        object
            .peel_to_commit()
            .map_err(|source| match source.code() {
                // An annotated tag whose commit is not in the clone.
                ErrorCode::NotFound => SourceError::RevisionNotFound {
                    rev: rev.to_owned(),
                    repo: self.display_path(),
                },
                _ => SourceError::NotACommit {
                    rev: rev.to_owned(),
                    kind: kind_name(&object),
                    repo: self.display_path(),
                },
            })
    }

    /// The tags whose name denotes a version of `project` accepted by `keep`.
    fn tags_where(
        &self,
        project: &str,
        keep: impl Fn(&Version) -> bool,
    ) -> Result<Vec<VersionTag>, SourceError> {
        let mut tags = Vec::new();
        let references = self
            .repo
            .references_glob("refs/tags/*")
            .map_err(|source| self.git_error("listing tags", source))?;
        for reference in references {
            let reference = reference.map_err(|source| self.git_error("listing tags", source))?;
            // Non-UTF-8 tag names cannot spell a PEP 440 version.
            let Ok(full_name) = reference.name() else {
                continue;
            };
            let name = full_name.strip_prefix("refs/tags/").unwrap_or(full_name);
            // The name decides before any object is read: most tags of a big repository
            // are rejected by name alone.
            let Some(version) = tag_version(name, project).filter(|version| keep(version)) else {
                continue;
            };
            // Not `Reference::peel`, which would skip past the tag object of an annotated
            // tag. A dangling symbolic ref, or an object missing from the clone, is skipped.
            let Some(object) = reference
                .resolve()
                .ok()
                .and_then(|direct| direct.target())
                .and_then(|id| self.repo.find_object(id, None).ok())
            else {
                continue;
            };
            let (annotated, tagger_time) = match object.as_tag() {
                Some(tag) => (true, tag.tagger().map(|tagger| tagger.when().seconds())),
                None => (false, None),
            };
            let Ok(commit) = object.peel_to_commit() else {
                continue;
            };
            tags.push(VersionTag {
                name: name.to_owned(),
                version,
                commit: CommitInfo::of(&commit),
                annotated,
                tagger_time,
            });
        }
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tags)
    }

    pub(crate) fn git_error(&self, action: &'static str, source: git2::Error) -> SourceError {
        SourceError::Git {
            action,
            repo: self.display_path(),
            source,
        }
    }

    fn object_error(
        &self,
        what: &'static str,
        id: Oid,
        source: git2::Error,
        action: &'static str,
    ) -> SourceError {
        if source.code() == ErrorCode::NotFound {
            SourceError::MissingObject {
                what,
                id: id.to_string(),
                repo: self.display_path(),
            }
        } else {
            self.git_error(action, source)
        }
    }
}

fn kind_name(object: &Object<'_>) -> String {
    object
        .kind()
        .map_or("unknown object", |kind| kind.str())
        .to_owned()
}

/// The promisor remote of a partial clone, from the repository's own config: the remote
/// `extensions.partialClone` names, else the first with `remote.<name>.promisor` set.
fn promisor(repo: &Repository) -> Option<Promisor> {
    let config = repo
        .config()
        .ok()?
        .open_level(git2::ConfigLevel::Local)
        .ok()?;
    let named = config.get_string("extensions.partialclone").ok();
    let name = named.or_else(|| {
        let remotes = repo.remotes().ok()?;
        remotes
            .iter()
            .filter_map(|name| name.ok().flatten())
            .find(|name| {
                config
                    .get_bool(&format!("remote.{name}.promisor"))
                    .unwrap_or(false)
            })
            .map(str::to_owned)
    })?;
    // The name goes on git's command line: it must not read as an option.
    let plain = !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !plain {
        return None;
    }
    let url = config.get_string(&format!("remote.{name}.url")).ok()?;
    Some(Promisor { name, url })
}

/// The scheme and host git would use for `url`, when it is one blobs may be fetched
/// over: https, http, or a local repository (a `file://` URL or an absolute path).
pub(crate) fn transport(url: &str) -> Option<(String, String)> {
    if Path::new(url).is_absolute() {
        return Some(("file".to_owned(), String::new()));
    }
    let parsed = url::Url::parse(url).ok()?;
    match parsed.scheme() {
        "https" | "http" | "file" => Some((
            parsed.scheme().to_owned(),
            parsed.host_str().unwrap_or_default().to_ascii_lowercase(),
        )),
        _ => None,
    }
}

/// How a remote URL's transport is named in a message (never the URL itself, which
/// may hold credentials).
fn scheme_name(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.scheme().to_owned(),
        Err(_) => "an scp-style (ssh) address".to_owned(),
    }
}

impl BlobStore for SourceRepo {
    /// Reads a blob; in a partial clone that lacks it, fetches it first (one round trip:
    /// use [`SourceRepo::prefetch_blobs`] to fetch many at once).
    fn read_blob(&self, id: &BlobId) -> Result<Vec<u8>, String> {
        let oid = Oid::from_bytes(&id.0).map_err(|error| error.message().to_owned())?;
        if self.promisor.is_some() {
            // An object that exists but is not a blob must not be fetched again.
            let present = self.repo.odb().is_ok_and(|odb| odb.exists(oid));
            if !present {
                self.fetch_missing(&[oid])
                    .map_err(|error| format!("could not read blob {id}: {error}"))?;
            }
        }
        match self.repo.find_blob(oid) {
            Ok(blob) => Ok(blob.content().to_vec()),
            Err(error) if error.code() == ErrorCode::NotFound && self.promisor.is_some() => {
                Err(format!(
                    "blob {id} is neither in {} nor in its remote: it is not a file of this \
                     repository",
                    self.display_path()
                ))
            }
            Err(error) if error.code() == ErrorCode::NotFound => Err(format!(
                "blob {id} is not in {}: the clone is partial or the blob is not a file of it; \
                 fetch the blob and retry",
                self.display_path()
            )),
            Err(error) => Err(format!(
                "reading blob {id} from {} failed: {}",
                self.display_path(),
                error.message()
            )),
        }
    }
}
