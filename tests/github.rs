//! Optional GitHub metadata (default branch, the pull request that merged the commit, the
//! tag's GitHub release) against a fake GitHub API on 127.0.0.1 (`PROVCHECK_GITHUB_API_URL`):
//! what it changes, that its absence is only a note, and that the token never leaks.

use std::path::PathBuf;
use std::process::Command;

use git2::Oid;
use provcheck_testkit::{FakeGitHub, FakeIndex, FakePull};

use crate::common::*;

const GITHUB_URL: &str = "https://github.com/demo-org/demo";
const FULL_NAME: &str = "demo-org/demo";
const TOKEN: &str = "ghp_TestT0kenThatMustNeverLeak";

struct World {
    _sandbox: Sandbox,
    index: FakeIndex,
    cache: PathBuf,
    /// The branch the clone's HEAD names.
    head_branch: String,
    /// 1.0: on the side branch `trunk` only, lightweight tag v1.0.
    side: Oid,
    /// When 1.0 and 1.1 were uploaded.
    uploaded_10: i64,
    uploaded_11: i64,
}

fn source_for(version: &str) -> Vec<F> {
    let mut source = demo_source();
    replace(
        &mut source,
        "pyproject.toml",
        format!(
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"demo\"\nversion = \"{version}\"\n"
        ),
    );
    source
}

/// 1.0 built from a commit only the branch `trunk` (and its lightweight tag) reaches;
/// 1.1 on HEAD's branch with an annotated tag made before its upload.
fn world() -> World {
    let sandbox = Sandbox::new();
    let remote = sandbox.join("remote");
    let mut repo = Repo::init_remote(&remote);
    let index = FakeIndex::start();
    let dist = sandbox.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let publish = |version: &str, files: &[F], uploaded: i64| {
        let wheel = Wheel::new("demo", version, &demo_wheel_files(files)).write(&dist);
        index.publish(
            "demo",
            version,
            wheel.file_name().unwrap().to_str().unwrap(),
            std::fs::read(&wheel).unwrap(),
            &rfc3339(uploaded),
        );
    };

    let base = repo.commit("Start", &source_for("0.9"));
    let side = repo.commit_detached("Release 1.0", &source_for("1.0"), base);
    repo.repo
        .branch("trunk", &repo.repo.find_commit(side).unwrap(), false)
        .unwrap();
    repo.tag("v1.0", side);
    let uploaded_10 = repo.now() + 1800;
    publish("1.0", &source_for("1.0"), uploaded_10);

    let c11 = repo.commit("Release 1.1", &source_for("1.1"));
    repo.tag_annotated("v1.1", c11);
    let uploaded_11 = repo.now() + 1800;
    publish("1.1", &source_for("1.1"), uploaded_11);

    let head_branch = repo.repo.head().unwrap().shorthand().unwrap().to_owned();
    index.set_project_info(
        "demo",
        serde_json::json!({"project_urls": {"Source": GITHUB_URL}, "home_page": null}),
    );
    let cache = sandbox.join("cache");
    seed_clone(
        &cache,
        "github.com/demo-org/demo",
        &format!("file://{}", remote.display()),
    );
    World {
        _sandbox: sandbox,
        index,
        cache,
        head_branch,
        side,
        uploaded_10,
        uploaded_11,
    }
}

/// Runs provcheck against the world, with the GitHub API at `api` and `token` (no other
/// GitHub variable leaks in from the environment).
fn run(world: &World, api: &str, token: Option<&str>, args: &[&str]) -> Run {
    let index_url = world.index.simple_url();
    let cache = world.cache.display().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_provcheck"));
    command
        .args(args)
        .args(["--index-url", &index_url, "--cache-dir", &cache])
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("PROVCHECK_GITHUB_API_URL", api);
    if let Some(token) = token {
        command.env("GITHUB_TOKEN", token);
    }
    let output = command.output().expect("run provcheck");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn verify(world: &World, github: &FakeGitHub, token: Option<&str>, target: &str) -> Run {
    run(
        world,
        &github.url(),
        token,
        &["verify", target, "--format", "json"],
    )
}

fn non_info(report: &serde_json::Value) -> Vec<String> {
    findings_of(report, 0)
        .into_iter()
        .filter(|f| !f.starts_with("info generated"))
        .collect()
}

fn notes_of(report: &serde_json::Value) -> Vec<String> {
    report["releases"][0]["notes"]
        .as_array()
        .map(|n| n.iter().map(|n| n.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn without_a_token_github_is_not_asked_and_a_note_says_so() {
    let world = world();
    let github = FakeGitHub::start();
    github.add_repo(FULL_NAME, "trunk");
    let run = verify(&world, &github, None, "demo==1.0");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    // The clone's HEAD decides: the commit is off it.
    assert_eq!(non_info(&report), ["low commit-not-on-default-branch -"]);
    let off = &findings_with_code(&report, 0, "commit-not-on-default-branch")[0];
    assert_eq!(off["evidence"]["branch"], world.head_branch.as_str());
    assert!(report["releases"][0].get("github").is_none());
    let notes = notes_of(&report);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("GITHUB_TOKEN"), "{notes:?}");
    assert!(github.requests().is_empty());
}

#[test]
fn githubs_default_branch_is_authoritative() {
    let world = world();
    let github = FakeGitHub::start();
    github.require_token(TOKEN);
    github.add_repo(FULL_NAME, "trunk");
    let run = verify(&world, &github, Some(TOKEN), "demo==1.0");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(non_info(&report), [""; 0]);
    let info = &report["releases"][0]["github"];
    assert_eq!(info["repository"], FULL_NAME);
    assert_eq!(info["default_branch"], "trunk");
    assert_eq!(info["pull_request"]["merged"], false);
    assert_eq!(info["release"]["tag"], "v1.0");
    assert_eq!(info["release"]["exists"], false);
    assert!(notes_of(&report).is_empty());
    let paths: Vec<String> = github.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/repos/demo-org/demo".to_owned(),
            format!(
                "/repos/demo-org/demo/commits/{}/pulls?per_page=100",
                world.side
            ),
            "/repos/demo-org/demo/releases/tags/v1.0".to_owned(),
        ]
    );
}

#[test]
fn a_merged_pull_request_and_a_late_github_release_are_evidence() {
    let world = world();
    let github = FakeGitHub::start();
    github.require_token(TOKEN);
    github.add_repo(FULL_NAME, &world.head_branch);
    // Squash-merged: the commit built from is not on the default branch, its PR was.
    github.set_pulls(
        FULL_NAME,
        &world.side.to_string(),
        vec![FakePull::merged(
            7,
            &world.head_branch,
            "2023-11-15T00:00:00Z",
        )],
    );
    // The release of the lightweight tag v1.0 was published two hours after the upload.
    let published = rfc3339(world.uploaded_10 + 7200);
    github.add_release(FULL_NAME, "v1.0", &published, &published);
    let run = verify(&world, &github, Some(TOKEN), "demo==1.0");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["releases"][0]["verdict"], "verified");
    assert_eq!(
        non_info(&report),
        [
            "low tag-after-upload -",
            "info commit-not-on-default-branch -"
        ]
    );
    let late = &findings_with_code(&report, 0, "tag-after-upload")[0];
    assert_eq!(late["evidence"]["source"], "github-release");
    assert_eq!(late["evidence"]["github_release_published_at"], published);
    assert!(
        late["message"].as_str().unwrap().contains("not proof"),
        "{late}"
    );
    let off = &findings_with_code(&report, 0, "commit-not-on-default-branch")[0];
    assert_eq!(off["evidence"]["pull_request"], 7);
    let info = &report["releases"][0]["github"];
    assert_eq!(info["pull_request"]["merged"], true);
    assert_eq!(info["pull_request"]["number"], 7);
    assert_eq!(info["release"]["exists"], true);
    assert_eq!(info["release"]["published_at"], published);
}

#[test]
fn a_late_github_release_of_an_annotated_tag_made_in_time_says_nothing() {
    let world = world();
    let github = FakeGitHub::start();
    github.add_repo(FULL_NAME, &world.head_branch);
    let published = rfc3339(world.uploaded_11 + 86_400);
    github.add_release(FULL_NAME, "v1.1", &published, &published);
    let run = verify(&world, &github, Some(TOKEN), "demo==1.1");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(non_info(&report), [""; 0]);
    assert_eq!(report["releases"][0]["github"]["release"]["exists"], true);
}

#[test]
fn an_unreachable_or_limited_github_is_a_note_never_a_failure() {
    let world = world();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let run = run(
        &world,
        &closed,
        Some(TOKEN),
        &["verify", "demo==1.1", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["releases"][0]["verdict"], "verified");
    let notes = notes_of(&report);
    assert!(
        notes.len() == 1 && notes[0].contains("could not be reached"),
        "{notes:?}"
    );

    let github = FakeGitHub::start();
    github.add_repo(FULL_NAME, &world.head_branch);
    github.fail_with(Some(403));
    let run = verify(&world, &github, Some(TOKEN), "demo==1.1");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let notes = notes_of(&run.json());
    assert!(notes[0].contains("rate limited"), "{notes:?}");
    // One question, then no more: the others would fail the same way.
    assert_eq!(github.requests().len(), 1);
}

#[test]
fn the_token_is_never_printed_logged_cached_or_reported() {
    let world = world();
    let github = FakeGitHub::start();
    github.require_token(TOKEN);
    github.add_repo(FULL_NAME, "trunk");
    let mut outputs = Vec::new();
    for args in [
        &["verify", "demo==1.0", "--format", "json", "-v"][..],
        &["verify", "demo==1.0", "-v"],
        &["verify", "demo==1.0", "--format", "markdown"],
        &["verify", "demo==1.0", "--format", "sarif"],
        &["history", "demo", "--format", "json"],
    ] {
        let run = run(&world, &github.url(), Some(TOKEN), args);
        outputs.push(format!("{}{}", run.stdout, run.stderr));
    }
    // A rejected token: the error path.
    let rejecting = FakeGitHub::start();
    rejecting.require_token("another");
    rejecting.add_repo(FULL_NAME, "trunk");
    let run = verify(&world, &rejecting, Some(TOKEN), "demo==1.0");
    let report = run.json();
    assert!(notes_of(&report)[0].contains("rejected"), "{report}");
    outputs.push(format!("{}{}", run.stdout, run.stderr));
    for output in &outputs {
        assert!(!output.contains(TOKEN), "{output}");
    }
    // Sent, as a header, to the API only.
    assert!(
        github
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
    // Nothing on disk holds it.
    let mut stack = vec![world.cache.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
                    "{} holds the token",
                    path.display()
                );
            }
        }
    }
}
