//! Opening a repository and reading commits, tags and trees from it.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use git2::{Commit, ErrorCode, Object, Oid, Repository, RepositoryOpenFlags};
use pep440_rs::Version;
use provcheck_types::{BlobId, BlobStore, SourceTree};

use crate::error::SourceError;
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
    fn of(commit: &Commit<'_>) -> CommitInfo {
        CommitInfo {
            id: commit.id().to_string(),
            time: commit.time().seconds(),
            summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
        }
    }
}

/// A local git repository, read in place: never cloned, fetched or modified.
///
/// `Send` but not `Sync` (as `git2::Repository`): open one per thread.
pub struct SourceRepo {
    repo: Repository,
    path: PathBuf,
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
        Ok(SourceRepo {
            repo,
            path: path.to_owned(),
        })
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
    /// link it was reached through. Links that lead outside the tree, dangle, loop, or
    /// whose target blob is absent (a partial clone) stay [`provcheck_types::EntryMode::Symlink`].
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

    fn find_commit(&self, rev: &str) -> Result<Commit<'_>, SourceError> {
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

    fn git_error(&self, action: &'static str, source: git2::Error) -> SourceError {
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

impl BlobStore for SourceRepo {
    fn read_blob(&self, id: &BlobId) -> Result<Vec<u8>, String> {
        let oid = Oid::from_bytes(&id.0).map_err(|error| error.message().to_owned())?;
        match self.repo.find_blob(oid) {
            Ok(blob) => Ok(blob.content().to_vec()),
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
