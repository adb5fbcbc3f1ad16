//! `SourceRepo` against repositories built by the tests with git2 (no `git` binary).

use std::collections::BTreeMap;
use std::str::FromStr;

use git2::{Oid, Repository, Signature, Time};
use pep440_rs::Version;
use provcheck_source::{SourceError, SourceRepo};
use provcheck_types::{BlobId, BlobStore, EntryMode};

pub(crate) const FILE: i32 = 0o100644;
const EXEC: i32 = 0o100755;
pub(crate) const LINK: i32 = 0o120000;
const GITLINK: i32 = 0o160000;

/// A file to put in a tree: path, mode, and content (for a gitlink: the pinned commit id).
type Spec<'a> = (&'a str, i32, &'a str);

fn signature(time: i64) -> Signature<'static> {
    Signature::new("Test", "test@example.com", &Time::new(time, 0)).unwrap()
}

/// Writes a tree (with subtrees) holding `files`.
fn write_tree(repo: &Repository, files: &[Spec<'_>]) -> Oid {
    let mut entries: BTreeMap<String, (Oid, i32)> = BTreeMap::new();
    for (path, mode, content) in files {
        let id = match *mode {
            GITLINK => Oid::from_str(content).unwrap(),
            _ => repo.blob(content.as_bytes()).unwrap(),
        };
        entries.insert(path.to_string(), (id, *mode));
    }
    write_dir(repo, &entries, "")
}

fn write_dir(repo: &Repository, entries: &BTreeMap<String, (Oid, i32)>, prefix: &str) -> Oid {
    let mut builder = repo.treebuilder(None).unwrap();
    let mut subdirs = Vec::new();
    for (path, (id, mode)) in entries.range(prefix.to_owned()..) {
        let Some(rest) = path.strip_prefix(prefix) else {
            break;
        };
        match rest.split_once('/') {
            Some((dir, _)) => {
                if subdirs.last() != Some(&dir.to_owned()) {
                    subdirs.push(dir.to_owned());
                }
            }
            None => {
                builder.insert(rest, *id, *mode).unwrap();
            }
        }
    }
    for dir in subdirs {
        let id = write_dir(repo, entries, &format!("{prefix}{dir}/"));
        builder.insert(&dir, id, 0o040000).unwrap();
    }
    builder.write().unwrap()
}

/// Writes a commit; `reference` (e.g. `refs/heads/main`) is moved to it when given.
pub(crate) fn commit(
    repo: &Repository,
    reference: Option<&str>,
    files: &[Spec<'_>],
    parents: &[Oid],
    message: &str,
    time: i64,
) -> Oid {
    let tree = repo.find_tree(write_tree(repo, files)).unwrap();
    let parents: Vec<_> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let parents: Vec<_> = parents.iter().collect();
    let who = signature(time);
    repo.commit(reference, &who, &who, message, &tree, &parents)
        .unwrap()
}

pub(crate) fn lightweight(repo: &Repository, name: &str, target: Oid) {
    let object = repo.find_object(target, None).unwrap();
    repo.tag_lightweight(name, &object, false).unwrap();
}

pub(crate) fn annotated(repo: &Repository, name: &str, target: Oid, time: i64) -> Oid {
    let object = repo.find_object(target, None).unwrap();
    repo.tag(name, &object, &signature(time), "release", false)
        .unwrap()
}

fn v(text: &str) -> Version {
    Version::from_str(text).unwrap()
}

/// A work-tree repository with three commits on `main`, tagged in every supported way.
struct Tagged {
    dir: tempfile::TempDir,
    commits: [Oid; 3],
}

fn tagged() -> Tagged {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let main = Some("refs/heads/main");
    let c1 = commit(&repo, main, &[("a.txt", FILE, "1\n")], &[], "first", 1_000);
    let c2 = commit(
        &repo,
        main,
        &[("a.txt", FILE, "2\n")],
        &[c1],
        "second",
        2_000,
    );
    let c3 = commit(
        &repo,
        main,
        &[("a.txt", FILE, "3\n")],
        &[c2],
        "third",
        3_000,
    );
    repo.set_head("refs/heads/main").unwrap();
    lightweight(&repo, "v1.0.0", c1);
    lightweight(&repo, "otherpkg-1.0.0", c2);
    annotated(&repo, "mypkg-1.1.0", c2, 2_500);
    lightweight(&repo, "my_pkg/v1.2.0", c3);
    lightweight(&repo, "2026.07.22", c3);
    lightweight(&repo, "v1.3", c3);
    lightweight(&repo, "release-2.0", c3);
    lightweight(&repo, "1.2.3-stable", c3);
    lightweight(&repo, "nightly", c3);
    // A tag of a tag: peeled through both.
    let inner = annotated(&repo, "inner-tag", c1, 1_500);
    annotated(&repo, "V0.9", inner, 1_600);
    // Version-named tags that do not lead to a commit.
    let tree = repo.find_commit(c1).unwrap().tree_id();
    annotated(&repo, "v5.0", tree, 1_700);
    let blob = repo.blob(b"notes").unwrap();
    lightweight(&repo, "v6.0", blob);
    Tagged {
        dir,
        commits: [c1, c2, c3],
    }
}

#[test]
fn lightweight_tag_with_v_prefix() {
    let fixture = tagged();
    let repo = SourceRepo::open(fixture.dir.path()).unwrap();
    let tags = repo.version_tags("my-pkg", &v("1.0.0")).unwrap();
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0].name, "v1.0.0");
    assert_eq!(tags[0].commit.id, fixture.commits[0].to_string());
    assert_eq!(tags[0].commit.time, 1_000);
    assert_eq!(tags[0].commit.summary, "first");
    assert!(!tags[0].annotated);
    assert_eq!(tags[0].tagger_time, None);
}

#[test]
fn annotated_tag_is_peeled() {
    let fixture = tagged();
    let repo = SourceRepo::open(fixture.dir.path()).unwrap();
    let tags = repo.version_tags("mypkg", &v("1.1")).unwrap();
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0].name, "mypkg-1.1.0");
    assert_eq!(tags[0].commit.id, fixture.commits[1].to_string());
    assert!(tags[0].annotated);
    assert_eq!(tags[0].tagger_time, Some(2_500));

    let nested = repo.version_tags("mypkg", &v("0.9")).unwrap();
    assert_eq!(nested.len(), 1, "{nested:?}");
    assert_eq!(nested[0].commit.id, fixture.commits[0].to_string());
    assert_eq!(nested[0].tagger_time, Some(1_600));
}

#[test]
fn prefixed_date_and_short_tags() {
    let fixture = tagged();
    let repo = SourceRepo::open(fixture.dir.path()).unwrap();
    let c3 = fixture.commits[2].to_string();
    for (version, name) in [
        ("1.2.0", "my_pkg/v1.2.0"),
        ("2026.7.22", "2026.07.22"),
        ("1.3.0", "v1.3"),
        ("2.0", "release-2.0"),
    ] {
        let tags = repo.version_tags("my-pkg", &v(version)).unwrap();
        let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, [name], "version {version}");
        assert_eq!(tags[0].commit.id, c3);
    }
}

#[test]
fn other_projects_and_non_commits_are_not_tags() {
    let fixture = tagged();
    let repo = SourceRepo::open(fixture.dir.path()).unwrap();
    assert!(repo.version_tags("mypkg", &v("5.0")).unwrap().is_empty());
    assert!(repo.version_tags("mypkg", &v("6.0")).unwrap().is_empty());
    let names: Vec<_> = repo
        .all_version_tags("mypkg")
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        names,
        [
            "V0.9",
            "v1.0.0",
            "mypkg-1.1.0",
            "v1.3",
            "release-2.0",
            "2026.07.22"
        ]
    );
    // `my_pkg` is `my-pkg`, another project than `mypkg`.
    assert!(repo.version_tags("mypkg", &v("1.2")).unwrap().is_empty());
    // The same tag is another project's when that project asks.
    let other = repo.version_tags("otherpkg", &v("1.0")).unwrap();
    let names: Vec<_> = other.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["otherpkg-1.0.0", "v1.0.0"]);
}

#[test]
fn resolve_revisions() {
    let fixture = tagged();
    let repo = SourceRepo::open(fixture.dir.path()).unwrap();
    let [c1, c2, c3] = fixture.commits.map(|c| c.to_string());
    assert_eq!(repo.resolve(&c1).unwrap().id, c1);
    assert_eq!(repo.resolve(&c2[..8]).unwrap().id, c2);
    assert_eq!(repo.resolve("mypkg-1.1.0").unwrap().id, c2);
    assert_eq!(repo.resolve("refs/tags/V0.9").unwrap().id, c1);
    assert_eq!(repo.resolve("main").unwrap().id, c3);
    assert_eq!(repo.resolve("main~2").unwrap().id, c1);
    let third = repo.resolve("v1.3").unwrap();
    assert_eq!((third.time, third.summary.as_str()), (3_000, "third"));

    assert!(matches!(
        repo.resolve("v404"),
        Err(SourceError::RevisionNotFound { .. })
    ));
    assert!(matches!(
        repo.resolve("deadbeef"),
        Err(SourceError::RevisionNotFound { .. })
    ));
    let not_commit = repo.resolve("v6.0").unwrap_err();
    assert!(matches!(not_commit, SourceError::NotACommit { ref kind, .. } if kind == "blob"));
    assert!(not_commit.to_string().contains("not a commit"));
}

#[test]
fn open_a_subdirectory_of_a_work_tree() {
    let fixture = tagged();
    let sub = fixture.dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let repo = SourceRepo::open(&sub).unwrap();
    assert_eq!(repo.display_path(), sub.display().to_string());
    assert_eq!(
        repo.resolve("HEAD").unwrap().id,
        fixture.commits[2].to_string()
    );
}

#[test]
fn open_a_bare_repository() {
    let dir = tempfile::tempdir().unwrap();
    let git = Repository::init_bare(dir.path()).unwrap();
    let id = commit(
        &git,
        Some("refs/heads/main"),
        &[("f", FILE, "x")],
        &[],
        "only",
        10,
    );
    lightweight(&git, "v0.1", id);
    let repo = SourceRepo::open(dir.path()).unwrap();
    assert_eq!(repo.resolve("v0.1").unwrap().id, id.to_string());
    let tree = repo.tree("main").unwrap();
    assert_eq!(tree.len(), 1);
}

#[test]
fn open_reports_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let error = SourceRepo::open(dir.path()).unwrap_err();
    assert!(
        matches!(error, SourceError::NotARepository { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("pass --repo"), "{error}");

    let missing = dir.path().join("nope");
    let error = SourceRepo::open(&missing).unwrap_err();
    assert!(matches!(error, SourceError::NoSuchPath { .. }), "{error:?}");
}

const PINNED: &str = "0123456789abcdef0123456789abcdef01234567";

fn tree_fixture() -> (tempfile::TempDir, Oid) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let id = commit(
        &repo,
        Some("refs/heads/main"),
        &[
            ("README.md", FILE, "readme\n"),
            ("bin/tool", EXEC, "#!/bin/sh\n"),
            ("src/pkg/__init__.py", FILE, "init\n"),
            ("src/pkg/data/x.txt", FILE, "x\n"),
            ("pkg", LINK, "src/pkg"),
            ("docs/README.md", LINK, "../README.md"),
            ("escape", LINK, "../../etc/passwd"),
            ("dangling", LINK, "src/nothing"),
            ("vendor/lib", GITLINK, PINNED),
        ],
        &[],
        "tree",
        100,
    );
    (dir, id)
}

#[test]
fn tree_lists_modes_symlinks_and_submodules() {
    let (dir, id) = tree_fixture();
    let repo = SourceRepo::open(dir.path()).unwrap();
    let tree = repo.tree(&id.to_string()).unwrap();
    let git = Repository::open(dir.path()).unwrap();
    assert_eq!(tree.commit, id.to_string());
    assert_eq!(
        tree.tree_id,
        git.find_commit(id).unwrap().tree_id().to_string()
    );

    let paths: Vec<_> = tree.entries().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "bin/tool",
            "dangling",
            "docs/README.md",
            "escape",
            "pkg/__init__.py",
            "pkg/data/x.txt",
            "src/pkg/__init__.py",
            "src/pkg/data/x.txt",
            "vendor/lib",
        ]
    );
    let entry = |path: &str| tree.get(path).unwrap();
    assert_eq!(entry("README.md").blob, BlobId::for_content(b"readme\n"));
    assert_eq!(entry("README.md").mode, EntryMode::File);
    assert_eq!(entry("bin/tool").mode, EntryMode::Executable);

    let linked = entry("docs/README.md");
    assert_eq!(linked.blob, BlobId::for_content(b"readme\n"));
    assert_eq!(linked.mode, EntryMode::File);
    assert_eq!(linked.via_symlink.as_deref(), Some("docs/README.md"));

    let through_dir = entry("pkg/data/x.txt");
    assert_eq!(through_dir.blob, BlobId::for_content(b"x\n"));
    assert_eq!(through_dir.via_symlink.as_deref(), Some("pkg"));
    assert_eq!(entry("src/pkg/data/x.txt").via_symlink, None);

    for kept in ["escape", "dangling"] {
        assert_eq!(entry(kept).mode, EntryMode::Symlink, "{kept}");
        assert_eq!(entry(kept).via_symlink, None, "{kept}");
    }
    assert_eq!(
        entry("escape").blob,
        BlobId::for_content(b"../../etc/passwd")
    );

    let submodules: Vec<_> = tree.submodules().collect();
    assert_eq!(submodules.len(), 1);
    assert_eq!(submodules[0].0, "vendor/lib");
    assert_eq!(submodules[0].1.to_hex(), PINNED);
    assert_eq!(tree.paths_with_blob(&BlobId::for_content(b"x\n")).len(), 2);
}

#[test]
fn read_blob_reads_contents() {
    let (dir, id) = tree_fixture();
    let repo = SourceRepo::open(dir.path()).unwrap();
    let tree = repo.tree("main").unwrap();
    assert_eq!(tree.commit, id.to_string());
    let blob = tree.get("bin/tool").unwrap().blob;
    assert_eq!(repo.read_blob(&blob).unwrap(), b"#!/bin/sh\n");
    let missing = repo
        .read_blob(&BlobId::for_content(b"not here"))
        .unwrap_err();
    assert!(missing.contains("not in"), "{missing}");
}

#[test]
fn tree_of_a_non_commit_is_an_error() {
    let (dir, id) = tree_fixture();
    let repo = SourceRepo::open(dir.path()).unwrap();
    let git = Repository::open(dir.path()).unwrap();
    let tree_id = git.find_commit(id).unwrap().tree_id().to_string();
    assert!(matches!(
        repo.tree(&tree_id),
        Err(SourceError::NotACommit { ref kind, .. }) if kind == "tree"
    ));
}

#[test]
fn neighbours_are_parents_then_children_on_any_ref() {
    let dir = tempfile::tempdir().unwrap();
    let git = Repository::init_bare(dir.path()).unwrap();
    let main = Some("refs/heads/main");
    let c1 = commit(&git, main, &[("f", FILE, "1")], &[], "one", 100);
    let tag = commit(&git, main, &[("f", FILE, "2")], &[c1], "release 1.0", 200);
    let bump = commit(&git, main, &[("f", FILE, "3")], &[tag], "bump", 400);
    commit(&git, main, &[("f", FILE, "4")], &[bump], "later", 500);
    let side = commit(
        &git,
        Some("refs/heads/fix"),
        &[("f", FILE, "5")],
        &[tag],
        "fix",
        300,
    );
    // On no ref: invisible.
    commit(&git, None, &[("f", FILE, "6")], &[tag], "orphaned", 350);
    // Reachable only from a tag, through a merge whose second parent is `tag`.
    let merge = commit(&git, None, &[("f", FILE, "7")], &[c1, tag], "merge", 600);
    lightweight(&git, "v9", merge);

    let repo = SourceRepo::open(dir.path()).unwrap();
    let found = repo.neighbours(&tag.to_string()).unwrap();
    let ids: Vec<_> = found.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, [c1, side, bump, merge].map(|c| c.to_string()));
    assert_eq!(found[2].summary, "bump");

    let root = repo.neighbours(&c1.to_string()).unwrap();
    let ids: Vec<_> = root.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, [tag, merge].map(|c| c.to_string()));
}

#[test]
fn a_large_tree_lists_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let git = Repository::init_bare(dir.path()).unwrap();
    let paths: Vec<String> = (0..10_000)
        .map(|i| format!("pkg/m{}/n{}/file{i}.py", i % 100, i % 7))
        .collect();
    let contents: Vec<String> = (0..10_000).map(|i| format!("{}\n", i % 500)).collect();
    let files: Vec<Spec<'_>> = paths
        .iter()
        .zip(&contents)
        .map(|(p, c)| (p.as_str(), FILE, c.as_str()))
        .collect();
    let id = commit(&git, Some("refs/heads/main"), &files, &[], "big", 1);
    let repo = SourceRepo::open(dir.path()).unwrap();
    let start = std::time::Instant::now();
    let tree = repo.tree(&id.to_string()).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(tree.len(), 10_000);
    // Generous for unoptimized builds; an optimized build takes a few milliseconds.
    assert!(elapsed.as_millis() < 2_000, "{elapsed:?}");
}

#[test]
fn source_repo_is_send() {
    fn send<T: Send>() {}
    send::<SourceRepo>();
}
