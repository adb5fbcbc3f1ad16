//! The repository cache and on-demand blobs, against `file://` remotes built by the tests
//! (the `git` program does the cloning and fetching; no network).

use std::path::Path;
use std::str::FromStr;
use std::sync::{Barrier, Mutex};
use std::time::Instant;

use git2::{Oid, Repository};
use pep440_rs::Version;
use provcheck_source::{
    AcquireOptions, GitProgress, NoGitProgress, RepoCache, RepoUrl, SourceError, SourceRepo,
};
use provcheck_types::{BlobId, BlobStore, EntryMode};

use crate::source::{FILE, LINK, annotated, commit, lightweight};

/// An upstream repository served over `file://`.
struct Upstream {
    dir: tempfile::TempDir,
    repo: Repository,
    /// The commits on `main`, oldest first.
    commits: Vec<Oid>,
}

/// The files of commit `n`: a changing `version.txt`, a symlink to it, and `extra`
/// numbered files whose contents are unique to the commit.
fn files(n: usize, extra: usize) -> Vec<(String, i32, String)> {
    let mut files = vec![
        ("pkg/version.txt".to_owned(), FILE, format!("{n}\n")),
        ("pkg/link.txt".to_owned(), LINK, "version.txt".to_owned()),
        ("README".to_owned(), FILE, "readme\n".to_owned()),
    ];
    files.extend((0..extra).map(|i| (format!("data/{i}.txt"), FILE, format!("file {i} of {n}\n"))));
    files
}

impl Upstream {
    /// Three commits on `main`, tagged `v1.0.0` (lightweight), `v1.1.0` (annotated),
    /// `v1.2.0`; `extra` more files per commit.
    fn new(extra: usize) -> Upstream {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path().join("upstream.git")).unwrap();
        // A file:// server honours --filter only when told to.
        repo.config()
            .unwrap()
            .set_bool("uploadpack.allowFilter", true)
            .unwrap();
        repo.set_head("refs/heads/main").unwrap();
        let mut upstream = Upstream {
            dir,
            repo,
            commits: Vec::new(),
        };
        for _ in 0..3 {
            upstream.add_commit(extra);
        }
        lightweight(&upstream.repo, "v1.0.0", upstream.commits[0]);
        annotated(&upstream.repo, "v1.1.0", upstream.commits[1], 1_500);
        lightweight(&upstream.repo, "v1.2.0", upstream.commits[2]);
        upstream
    }

    fn add_commit(&mut self, extra: usize) -> Oid {
        let n = self.commits.len();
        let owned = files(n, extra);
        let specs: Vec<(&str, i32, &str)> = owned
            .iter()
            .map(|(path, mode, content)| (path.as_str(), *mode, content.as_str()))
            .collect();
        let parents: Vec<Oid> = self.commits.last().copied().into_iter().collect();
        let id = commit(
            &self.repo,
            Some("refs/heads/main"),
            &specs,
            &parents,
            &format!("commit {n}"),
            1_000 * (n as i64 + 1),
        );
        self.commits.push(id);
        id
    }

    fn url(&self) -> RepoUrl {
        let text = format!("file://{}", self.dir.path().join("upstream.git").display());
        RepoUrl::parse(&text).unwrap().0
    }
}

fn cache() -> (tempfile::TempDir, RepoCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = RepoCache::new(dir.path().join("cache"));
    (dir, cache)
}

fn online() -> AcquireOptions {
    AcquireOptions::default()
}

/// The blob id of `path` in the tree of `rev`, read from the clone (no blob needed).
fn blob_of(repo: &SourceRepo, rev: &str, path: &str) -> BlobId {
    repo.tree(rev).unwrap().get(path).unwrap().blob
}

fn in_odb(path: &Path, id: &BlobId) -> bool {
    let repo = Repository::open_bare(path).unwrap();
    repo.odb().unwrap().exists(Oid::from_bytes(&id.0).unwrap())
}

fn v(text: &str) -> Version {
    Version::from_str(text).unwrap()
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl GitProgress for Recorder {
    fn message(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_owned());
    }
}

#[test]
fn the_clone_is_bare_blobless_and_has_every_tag() {
    let upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let progress = Recorder::default();
    let acquired = cache
        .acquire(&upstream.url(), &online(), &progress)
        .unwrap();
    assert!(acquired.cloned);
    assert!(!acquired.fetched);
    assert_eq!(acquired.path, cache.repo_path(&upstream.url()));
    assert!(
        acquired
            .path
            .starts_with(cache.root().join("repos-v1").join("file"))
    );
    assert!(
        acquired
            .path
            .to_string_lossy()
            .ends_with("upstream.git.git")
    );
    assert!(
        !progress.0.lock().unwrap().is_empty(),
        "git's progress is reported"
    );

    let bare = Repository::open_bare(&acquired.path).unwrap();
    assert!(bare.is_bare());
    let repo = SourceRepo::open(&acquired.path).unwrap();
    assert!(repo.is_partial());
    // Trees list files whose blobs never travelled.
    let readme = blob_of(&repo, "v1.0.0", "README");
    assert!(!in_odb(&acquired.path, &readme));
    let tags = repo.all_version_tags("pkg").unwrap();
    let names: Vec<&str> = tags.iter().map(|tag| tag.name.as_str()).collect();
    assert_eq!(names, ["v1.0.0", "v1.1.0", "v1.2.0"]);
    assert!(tags[1].annotated);
    assert_eq!(
        repo.resolve("HEAD").unwrap().id,
        upstream.commits[2].to_string()
    );
    // Listing fetched one blob: the text of the symlink `pkg/link.txt`, to resolve it.
    assert_eq!(repo.blob_fetches(), 1);
}

#[test]
fn read_blob_fetches_a_missing_blob_once() {
    let upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let acquired = cache
        .acquire(&upstream.url(), &online(), &NoGitProgress)
        .unwrap();
    let mut repo = SourceRepo::open(&acquired.path).unwrap();
    let id = blob_of(&repo, "v1.1.0", "pkg/version.txt");
    assert!(!in_odb(&acquired.path, &id));
    let before = repo.blob_fetches();

    repo.set_offline(true);
    let error = repo.read_blob(&id).unwrap_err();
    assert!(error.contains("--offline"), "{error}");
    assert_eq!(repo.blob_fetches(), before);

    repo.set_offline(false);
    assert_eq!(repo.read_blob(&id).unwrap(), b"1\n");
    assert_eq!(repo.blob_fetches(), before + 1);
    assert!(in_odb(&acquired.path, &id));
    // Present now: no second fetch, and offline reads work.
    repo.set_offline(true);
    assert_eq!(repo.read_blob(&id).unwrap(), b"1\n");
    assert_eq!(repo.blob_fetches(), before + 1);
}

#[test]
fn prefetch_fetches_many_blobs_in_one_round_trip() {
    let upstream = Upstream::new(60);
    let (_dir, cache) = cache();
    let acquired = cache
        .acquire(&upstream.url(), &online(), &NoGitProgress)
        .unwrap();
    let repo = SourceRepo::open(&acquired.path).unwrap();
    let tree = repo.tree("v1.2.0").unwrap();
    let ids: Vec<BlobId> = (0..50)
        .map(|i| tree.get(&format!("data/{i}.txt")).unwrap().blob)
        .collect();
    assert!(ids.iter().all(|id| !in_odb(&acquired.path, id)));
    let fetches = repo.blob_fetches();

    repo.prefetch_blobs(&ids).unwrap();
    assert_eq!(repo.blob_fetches(), fetches + 1);
    assert!(ids.iter().all(|id| in_odb(&acquired.path, id)));
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            repo.read_blob(id).unwrap(),
            format!("file {i} of 2\n").as_bytes()
        );
    }
    // Nothing missing: no git process at all.
    repo.prefetch_blobs(&ids).unwrap();
    assert_eq!(repo.blob_fetches(), fetches + 1);
}

#[test]
fn prefetch_offline_or_of_unknown_blobs_fails_with_advice() {
    let upstream = Upstream::new(2);
    let (_dir, cache) = cache();
    let acquired = cache
        .acquire(&upstream.url(), &online(), &NoGitProgress)
        .unwrap();
    let mut repo = SourceRepo::open(&acquired.path).unwrap();
    let id = blob_of(&repo, "v1.0.0", "data/0.txt");

    repo.set_offline(true);
    let error = repo.prefetch_blobs(&[id]).unwrap_err();
    assert!(
        matches!(error, SourceError::OfflineBlobs { count: 1, .. }),
        "{error:?}"
    );

    repo.set_offline(false);
    let unknown = BlobId([0xab; 20]);
    let error = repo.prefetch_blobs(&[unknown]).unwrap_err();
    assert!(matches!(error, SourceError::GitFailed { .. }), "{error:?}");
    let error = repo.read_blob(&unknown).unwrap_err();
    assert!(error.contains(&unknown.to_string()), "{error}");
}

#[test]
fn symlink_targets_are_fetched_to_resolve_links() {
    let upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let acquired = cache
        .acquire(&upstream.url(), &online(), &NoGitProgress)
        .unwrap();

    let mut offline = SourceRepo::open(&acquired.path).unwrap();
    offline.set_offline(true);
    let tree = offline.tree("v1.0.0").unwrap();
    assert_eq!(tree.get("pkg/link.txt").unwrap().mode, EntryMode::Symlink);

    let repo = SourceRepo::open(&acquired.path).unwrap();
    let tree = repo.tree("v1.0.0").unwrap();
    let link = &tree.get("pkg/link.txt").unwrap();
    assert_eq!(link.mode, EntryMode::File);
    assert_eq!(link.blob, tree.get("pkg/version.txt").unwrap().blob);
    assert_eq!(repo.blob_fetches(), 1);
}

#[test]
fn a_second_acquire_fetches_new_commits_and_tags() {
    let mut upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let url = upstream.url();
    cache.acquire(&url, &online(), &NoGitProgress).unwrap();

    let new = upstream.add_commit(0);
    lightweight(&upstream.repo, "v2.0.0", new);
    upstream
        .repo
        .find_reference("refs/tags/v1.0.0")
        .unwrap()
        .delete()
        .unwrap();

    // Told not to fetch: the clone is used as it is.
    let as_is = AcquireOptions {
        offline: false,
        fetch: false,
    };
    let acquired = cache.acquire(&url, &as_is, &NoGitProgress).unwrap();
    assert!(!acquired.fetched && !acquired.cloned);
    let repo = SourceRepo::open(&acquired.path).unwrap();
    assert!(repo.version_tags("pkg", &v("2.0.0")).unwrap().is_empty());
    drop(repo);

    let acquired = cache.acquire(&url, &online(), &NoGitProgress).unwrap();
    assert!(acquired.fetched);
    assert!(!acquired.cloned);
    let repo = SourceRepo::open(&acquired.path).unwrap();
    let tags = repo.version_tags("pkg", &v("2.0.0")).unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].commit.id, new.to_string());
    assert_eq!(repo.resolve("main").unwrap().id, new.to_string());
    // Tags deleted upstream are pruned.
    assert!(repo.version_tags("pkg", &v("1.0.0")).unwrap().is_empty());
    // Still blobless: the new commit's files did not travel.
    let id = blob_of(&repo, "v2.0.0", "pkg/version.txt");
    assert!(!in_odb(&acquired.path, &id));
    assert_eq!(repo.read_blob(&id).unwrap(), b"3\n");
}

#[test]
fn concurrent_acquires_share_one_clone() {
    let upstream = Upstream::new(20);
    let (_dir, cache) = cache();
    let url = upstream.url();
    let runs = 4;
    let barrier = Barrier::new(runs);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..runs)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    cache.acquire(&url, &online(), &NoGitProgress)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let acquired: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(acquired.iter().filter(|a| a.cloned).count(), 1);
    assert!(acquired.iter().filter(|a| !a.cloned).all(|a| a.fetched));
    let repo = SourceRepo::open(&acquired[0].path).unwrap();
    assert_eq!(repo.tree("v1.2.0").unwrap().len(), 23);
    let status = std::process::Command::new("git")
        .args(["--git-dir"])
        .arg(&acquired[0].path)
        .args(["fsck", "--connectivity-only", "--no-progress"])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn offline_without_a_clone_says_what_to_do() {
    let upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let offline = AcquireOptions {
        offline: true,
        fetch: true,
    };
    let error = cache
        .acquire(&upstream.url(), &offline, &NoGitProgress)
        .unwrap_err();
    assert!(matches!(error, SourceError::Offline { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("without --offline"), "{message}");
    assert!(
        message.contains(&cache.repo_path(&upstream.url()).display().to_string()),
        "{message}"
    );
    assert!(!cache.root().exists(), "offline creates nothing");
}

#[test]
fn offline_with_a_clone_runs_no_git() {
    let upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let url = upstream.url();
    cache.acquire(&url, &online(), &NoGitProgress).unwrap();

    let no_git = cache.clone().with_git("/nonexistent/git");
    let offline = AcquireOptions {
        offline: true,
        fetch: true,
    };
    let acquired = no_git.acquire(&url, &offline, &NoGitProgress).unwrap();
    assert!(!acquired.fetched && !acquired.cloned);
    SourceRepo::open(&acquired.path)
        .unwrap()
        .tree("v1.0.0")
        .unwrap();

    // Online, the same cache would have run it.
    let error = no_git.acquire(&url, &online(), &NoGitProgress).unwrap_err();
    assert!(
        matches!(error, SourceError::GitNotRunnable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("install git"), "{error}");
}

#[test]
fn a_failed_clone_explains_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (_cache_dir, cache) = cache();
    let text = format!("file://{}", dir.path().join("missing").display());
    let url = RepoUrl::parse(&text).unwrap().0;
    let error = cache.acquire(&url, &online(), &NoGitProgress).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, SourceError::GitFailed { .. }), "{error:?}");
    assert!(message.starts_with("cloning file://"), "{message}");
    assert!(
        message.contains("does not appear to be a git repository"),
        "{message}"
    );
    assert!(message.contains("--repo"), "{message}");
    let path = cache.repo_path(&url);
    assert!(!path.exists());
    let parent = path.parent().unwrap();
    let left: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["missing.git.lock"]);
}

#[test]
fn a_clone_left_half_made_by_a_killed_run_is_replaced() {
    let upstream = Upstream::new(0);
    let (_dir, cache) = cache();
    let url = upstream.url();
    let path = cache.repo_path(&url);
    let partial = path.with_file_name("upstream.git.git.partial");
    std::fs::create_dir_all(partial.join("objects")).unwrap();
    std::fs::write(partial.join("junk"), b"junk").unwrap();
    let acquired = cache.acquire(&url, &online(), &NoGitProgress).unwrap();
    assert!(acquired.cloned);
    assert!(!partial.exists());
    SourceRepo::open(&acquired.path)
        .unwrap()
        .tree("v1.2.0")
        .unwrap();
}

/// What on-demand blobs cost from a `file://` promisor; run with
/// `cargo test -p provcheck-source --test tests -- --ignored --nocapture blob_fetch_cost`.
#[test]
#[ignore = "a measurement, not a check"]
fn blob_fetch_cost() {
    let upstream = Upstream::new(200);
    let (_dir, cache) = cache();
    let start = Instant::now();
    let acquired = cache
        .acquire(&upstream.url(), &online(), &NoGitProgress)
        .unwrap();
    eprintln!("clone of 3 commits x 203 files: {:?}", start.elapsed());
    let repo = SourceRepo::open(&acquired.path).unwrap();
    let tree = repo.tree("v1.2.0").unwrap();
    let id = |i: usize| tree.get(&format!("data/{i}.txt")).unwrap().blob;

    let start = Instant::now();
    repo.read_blob(&id(0)).unwrap();
    eprintln!("read_blob of 1 missing blob: {:?}", start.elapsed());

    let start = Instant::now();
    for i in 1..51 {
        repo.read_blob(&id(i)).unwrap();
    }
    eprintln!(
        "read_blob of 50 missing blobs, one by one: {:?}",
        start.elapsed()
    );

    let ids: Vec<BlobId> = (51..101).map(id).collect();
    let start = Instant::now();
    repo.prefetch_blobs(&ids).unwrap();
    for id in &ids {
        repo.read_blob(id).unwrap();
    }
    eprintln!(
        "prefetch_blobs + read_blob of 50 missing blobs: {:?}",
        start.elapsed()
    );

    let start = Instant::now();
    for id in &ids {
        repo.read_blob(id).unwrap();
    }
    eprintln!("read_blob of 50 present blobs: {:?}", start.elapsed());
}
