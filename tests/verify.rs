//! `provcheck verify` against a fake index on 127.0.0.1 and git remotes as local
//! `file://` repositories: the whole path a release takes, with faults.

use std::path::{Path, PathBuf};

use provcheck_testkit::{FakeIndex, Fault};

use crate::common::*;

const GITHUB_URL: &str = "https://github.com/demo-org/demo";

/// A tagged demo repository that allows blobless clones, its URL, and the index with
/// demo 1.4.0 (wheel + sdist) published and pointing at it.
struct World {
    sandbox: Sandbox,
    index: FakeIndex,
    remote_url: String,
    cache: PathBuf,
}

fn world() -> World {
    let sandbox = Sandbox::new();
    let remote = sandbox.join("remote");
    let mut repo = Repo::init_remote(&remote);
    let source = demo_source();
    let commit = repo.commit("Release 1.4.0", &source);
    repo.tag("v1.4.0", commit);
    let remote_url = format!("file://{}", remote.display());

    let index = FakeIndex::start();
    let dist = sandbox.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(&dist);
    let sdist = Sdist::new("demo", "1.4.0", &demo_sdist_files(&source)).write(&dist);
    for path in [&wheel, &sdist] {
        index.publish(
            "demo",
            "1.4.0",
            path.file_name().unwrap().to_str().unwrap(),
            std::fs::read(path).unwrap(),
            "2026-03-24T10:00:00Z",
        );
    }
    // Metadata names the repository on GitHub, which is unreachable here: the cache is
    // seeded with a blobless clone whose origin is the local remote, so discovery, the
    // incremental fetch and blobs on demand all run for real.
    index.set_project_info(
        "demo",
        serde_json::json!({
            "project_urls": {"Documentation": "https://demo.readthedocs.io", "Source": GITHUB_URL},
            "home_page": null,
        }),
    );
    let cache = sandbox.join("cache");
    seed_clone(&cache, "github.com/demo-org/demo", &remote_url);
    World {
        sandbox,
        index,
        remote_url,
        cache,
    }
}

fn verify(world: &World, args: &[&str]) -> Run {
    let index_url = world.index.simple_url();
    let cache = world.cache.display().to_string();
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.extend([
        "--index-url",
        &index_url,
        "--cache-dir",
        &cache,
        "--format",
        "json",
    ]);
    provcheck(&all)
}

fn downloads(index: &FakeIndex) -> usize {
    index
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/files/"))
        .count()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn verifies_a_release_end_to_end_with_the_repository_from_metadata() {
    let world = world();
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let release = &report["releases"][0];
    assert_eq!(release["verdict"], "verified");
    assert_eq!(release["source"]["repo"], GITHUB_URL);
    assert_eq!(release["source"]["tag"], "v1.4.0");
    assert_eq!(release["source"]["discovered_from"], "project_urls[Source]");
    let artifacts = release["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2, "the sdist and the pure wheel");
    assert_eq!(artifacts[0]["upload_time"], "2026-03-24T10:00:00Z");

    // A second run downloads nothing: only index metadata is asked for.
    world.index.clear_requests();
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        downloads(&world.index),
        0,
        "{:?}",
        world
            .index
            .requests()
            .iter()
            .map(|r| r.path.clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_repository_url_is_cloned_blobless_into_the_cache() {
    let world = world();
    let run = verify(&world, &["demo==1.4.0", "--repo", &world.remote_url]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["releases"][0]["source"]["repo"],
        world.remote_url
    );
    let clones: Vec<String> = files_in(&world.cache.join("repos-v1"))
        .into_iter()
        .filter(|f| f.ends_with("/HEAD"))
        .collect();
    assert_eq!(
        clones.len(),
        2,
        "the seeded clone and the new one: {clones:?}"
    );
    let config = files_in(&world.cache.join("repos-v1"))
        .into_iter()
        .filter(|f| f.ends_with("/config"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>();
    assert!(
        config.iter().all(|c| c.contains("promisor = true")),
        "{config:?}"
    );
}

#[test]
fn a_monorepo_link_maps_to_the_package_folder() {
    let world = world();
    let mono = world.sandbox.join("mono");
    let mut repo = Repo::init_remote(&mono);
    let mut files: Vec<F> = demo_source()
        .into_iter()
        .map(|file| F {
            path: format!("packages/demo/{}", file.path),
            ..file
        })
        .collect();
    files.push(f("packages/other/README.md", "other\n"));
    let commit = repo.commit("Release", &files);
    repo.tag("demo-v1.4.0", commit);
    seed_clone(
        &world.cache,
        "github.com/demo-org/mono",
        &format!("file://{}", mono.display()),
    );
    world.index.set_project_info(
        "demo",
        serde_json::json!({"project_urls": {"Source": "https://github.com/demo-org/mono/tree/main/packages/demo"}}),
    );
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let source = &run.json()["releases"][0]["source"];
    assert_eq!(source["repo"], "https://github.com/demo-org/mono");
    assert_eq!(source["tag"], "demo-v1.4.0");
    assert_eq!(source["subdir"], "packages/demo");
}

#[test]
fn latest_release_and_only_wheel() {
    let world = world();
    let run = verify(&world, &["demo", "--only", "wheel"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["releases"][0]["version"], "1.4.0");
    let artifacts = report["releases"][0]["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1);
    assert_eq!(artifacts[0]["kind"], "wheel");
}

#[test]
fn a_local_repo_path_is_used_in_place() {
    let world = world();
    let remote = world.sandbox.join("remote");
    let run = verify(&world, &["demo==1.4.0", "--repo", remote.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(
        report["releases"][0]["source"]["repo"],
        remote.display().to_string()
    );
    assert!(report["releases"][0]["source"]["discovered_from"].is_null());
    let clones = files_in(&world.cache.join("repos-v1"))
        .into_iter()
        .filter(|f| f.ends_with("/HEAD"))
        .count();
    assert_eq!(
        clones, 1,
        "only the seeded clone: a local path is never cloned"
    );
}

#[test]
fn a_digest_mismatch_is_critical_and_never_used_or_cached() {
    let world = world();
    world.index.corrupt_digest("demo-1.4.0-py3-none-any.whl");
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let wheel = report["releases"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "wheel")
        .unwrap()
        .clone();
    assert_eq!(wheel["verdict"], "mismatch");
    assert_eq!(wheel["findings"][0]["code"], "digest-mismatch");
    assert_eq!(wheel["findings"][0]["severity"], "critical");
    assert!(
        !files_in(&world.cache).iter().any(|f| f.ends_with(".whl")),
        "{:?}",
        files_in(&world.cache)
    );
}

#[test]
fn transient_faults_are_retried() {
    let world = world();
    world.index.fault("/files/", Fault::Status(500), 1);
    world.index.fault(
        "/simple/",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    world
        .index
        .fault("/files/demo-1.4.0.tar.gz", Fault::DropConnection, 1);
    world
        .index
        .fault("/files/demo-1.4.0-py3", Fault::TruncateBody, 1);
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["releases"][0]["verdict"], "verified");
}

#[test]
fn offline_uses_only_the_cache() {
    let world = world();
    let run = verify(&world, &["demo==1.4.0", "--offline"]);
    assert_eq!(run.code, 2, "nothing cached yet: {}", run.stdout);
    assert!(run.stderr.contains("offline"), "{}", run.stderr);

    assert_eq!(verify(&world, &["demo==1.4.0"]).code, 0);
    world.index.clear_requests();
    let run = verify(&world, &["demo==1.4.0", "--offline"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(world.index.requests().is_empty(), "offline made requests");
}

#[test]
fn unknown_version_and_removed_files_are_explained() {
    let world = world();
    let run = verify(&world, &["demo==9.9"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("9.9"), "{}", run.stderr);

    world.index.forbid("/files/");
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("malicious"), "{}", run.stdout);
}

#[test]
fn yanked_releases_are_verified_and_marked() {
    let world = world();
    world.index.yank("demo", "1.4.0", "broken build");
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(
        report["releases"][0]["artifacts"][0]["yanked"],
        "broken build"
    );
}

#[test]
fn no_repository_in_metadata_is_no_source() {
    let world = world();
    world.index.set_project_info(
        "demo",
        serde_json::json!({"project_urls": {"Documentation": "https://demo.readthedocs.io"}, "home_page": null}),
    );
    let run = verify(&world, &["demo==1.4.0"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["releases"][0]["verdict"], "no-source");
    assert_eq!(
        report["releases"][0]["artifacts"][0]["findings"][0]["code"],
        "no-commit"
    );
}

#[test]
fn credentials_never_appear_in_output() {
    let world = world();
    world.index.require_basic_auth("alice", "s3cr3t-pw");
    let url = world
        .index
        .simple_url()
        .replace("http://", "http://alice:s3cr3t-pw@");
    let report_file = world.sandbox.join("report.json");
    let cache = world.cache.display().to_string();
    for extra in [
        vec!["-v"],
        vec!["--format", "json"],
        vec!["--output", report_file.to_str().unwrap()],
    ] {
        let mut args = vec![
            "verify",
            "demo==1.4.0",
            "--index-url",
            &url,
            "--cache-dir",
            &cache,
        ];
        args.extend(extra);
        let run = provcheck(&args);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains("s3cr3t"), "{}", run.stdout);
        assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
    }
    assert!(
        !std::fs::read_to_string(&report_file)
            .unwrap()
            .contains("s3cr3t")
    );
    for file in files_in(&world.cache) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"s3cr3t-pw"),
            "{file} holds the password"
        );
    }
    // A failing request must not leak it either.
    let bad = url.replace("/simple/", "/nothing-here/");
    let run = provcheck(&[
        "verify",
        "demo==1.4.0",
        "--index-url",
        &bad,
        "--cache-dir",
        &cache,
    ]);
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
}

/// Talks to the real PyPI; only with PROVCHECK_NETWORK_TESTS=1.
#[test]
fn real_pypi_smoke() {
    if std::env::var("PROVCHECK_NETWORK_TESTS").as_deref() != Ok("1") {
        return;
    }
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    repo.commit("unrelated", &[f("README", "x\n")]);
    let cache = sandbox.join("cache");
    let run = provcheck(&[
        "verify",
        "six==1.17.0",
        "--repo",
        repo.path.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // Downloaded and digest-checked; no tag in this repository, so no source.
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["releases"][0]["verdict"], "no-source");
}

/// An untagged, modified release looks the same whether it was uploaded with a stolen
/// token or the local clone is simply older than the release: when the repository is the
/// user's (not a clone provcheck just fetched) and older than the upload, the finding says
/// so.
#[test]
fn an_old_local_clone_is_named_as_a_possible_cause() {
    let world = world();
    let mut files = demo_wheel_files(&demo_source());
    replace(
        &mut files,
        "demo/core.py",
        "def greet(name):\n    return 'hi'\n",
    );
    let wheel = Wheel::new("demo", "1.4.1", &files);
    let dist = world.sandbox.join("dist2");
    std::fs::create_dir_all(&dist).unwrap();
    let path = wheel.write(&dist);
    world.index.publish(
        "demo",
        "1.4.1",
        &wheel.filename(),
        std::fs::read(&path).unwrap(),
        "2026-11-06T17:36:59Z",
    );
    let no_tag = |run: &Run| -> serde_json::Value {
        run.json()["releases"][0]["artifacts"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "no-tag")
            .cloned()
            .unwrap_or_else(|| panic!("no no-tag finding: {}", run.stdout))
    };

    let local = world.sandbox.join("remote");
    let run = verify(&world, &["demo==1.4.1", "--repo", local.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let finding = no_tag(&run);
    assert_eq!(finding["severity"], "high");
    assert!(
        finding["evidence"]["newest_commit_time"].is_string(),
        "{finding:#}"
    );
    assert!(finding["message"].as_str().unwrap().contains("out of date"));

    // The clone provcheck fetched itself is current: no such note.
    let run = verify(&world, &["demo==1.4.1"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let finding = no_tag(&run);
    assert!(
        finding["evidence"]["newest_commit_time"].is_null(),
        "{finding:#}"
    );
}
