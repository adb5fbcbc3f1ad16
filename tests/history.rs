//! Resolution beyond tags (artifact hints, content search, tag neighbours), timeline
//! findings, and `provcheck history`, against a fake index and a generated repository:
//! tags v1.0–v1.5, releases 1.0–1.7 on the index.

use std::collections::BTreeMap;
use std::path::PathBuf;

use git2::Oid;
use provcheck_testkit::FakeIndex;

use crate::common::*;

const GITHUB_URL: &str = "https://github.com/demo-org/demo";

/// What 1.7 adds to `core.py`: a change in no commit (kept plain, so that the finding is
/// about resolution, not about what the code does).
const PAYLOAD: &str = "TELEMETRY_ENDPOINT = 'collector'\n";

/// The demo project as of `version`: `pyproject.toml` and `__init__.py` record the
/// version (and the wheels' METADATA agrees with what `pyproject.toml` declares).
fn source_for(version: &str) -> Vec<F> {
    let mut source = demo_source();
    replace(
        &mut source,
        "pyproject.toml",
        format!(
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"demo\"\nversion = \"{version}\"\n"
        ),
    );
    replace(
        &mut source,
        "src/demo/__init__.py",
        format!("from .core import greet\n\n__all__ = [\"greet\"]\n__version__ = \"{version}\"\n"),
    );
    source
}

struct World {
    sandbox: Sandbox,
    index: FakeIndex,
    repo: Repo,
    cache: PathBuf,
    /// The commit each release was built from.
    built_from: BTreeMap<&'static str, Oid>,
    /// The commits tags point at (where they differ from `built_from`).
    tagged: BTreeMap<&'static str, Oid>,
}

fn world() -> World {
    let sandbox = Sandbox::new();
    let remote = sandbox.join("remote");
    let mut repo = Repo::init_remote(&remote);
    let index = FakeIndex::start();
    let dist = sandbox.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let publish = |version: &str, files: &[F], uploaded: i64| {
        let wheel = Wheel::new("demo", version, &demo_wheel_files(files)).write(&dist);
        let sdist = Sdist::new("demo", version, &demo_sdist_files(files)).write(&dist);
        for path in [&sdist, &wheel] {
            index.publish(
                "demo",
                version,
                path.file_name().unwrap().to_str().unwrap(),
                std::fs::read(path).unwrap(),
                &rfc3339(uploaded),
            );
        }
    };

    let mut built_from = BTreeMap::new();
    let mut tagged = BTreeMap::new();
    let mut c4 = None;
    for version in ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"] {
        let source = source_for(version);
        let commit = repo.commit(&format!("Release {version}"), &source);
        let mut uploaded = repo.now() + 1800;
        let mut files = source;
        match version {
            // Built from the commit right after the tag ("New release" bumps).
            "1.3" => {
                repo.tag("v1.3", commit);
                tagged.insert(version, commit);
                replace(
                    &mut files,
                    "src/demo/data/words.txt",
                    "alpha\nbeta\ngamma\n",
                );
                let bump = repo.commit("Bump words after 1.3", &files);
                uploaded = repo.now() + 1800;
                built_from.insert(version, bump);
            }
            // Tagged (annotated) only after 1.5's commit: hours after the upload.
            "1.4" => {
                c4 = Some(commit);
                built_from.insert(version, commit);
            }
            _ => {
                repo.tag(&format!("v{version}"), commit);
                built_from.insert(version, commit);
            }
        }
        publish(version, &files, uploaded);
    }
    repo.tag_annotated("v1.4", c4.unwrap());

    // 1.6: an untagged commit whose files the release holds exactly.
    let source = source_for("1.6");
    let c6 = repo.commit("Prepare 1.6", &source);
    built_from.insert("1.6", c6);
    publish("1.6", &source, repo.now() + 1800);

    // 1.7: uploaded without a tag, one module changed (the LiteLLM 1.82.7 signal).
    let source = source_for("1.7");
    let c7 = repo.commit("Work towards 1.7", &source);
    built_from.insert("1.7", c7);
    let mut attacked = source.clone();
    let core = demo_source()
        .into_iter()
        .find(|f| f.path == "src/demo/core.py")
        .unwrap();
    replace(
        &mut attacked,
        "src/demo/core.py",
        format!("{PAYLOAD}{}", String::from_utf8(core.content).unwrap()),
    );
    publish("1.7", &attacked, repo.now() + 1800);

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
        sandbox,
        index,
        repo,
        cache,
        built_from,
        tagged,
    }
}

fn run_pc(world: &World, args: &[&str]) -> Run {
    let index_url = world.index.simple_url();
    let cache = world.cache.display().to_string();
    let mut all = args.to_vec();
    all.extend(["--index-url", &index_url, "--cache-dir", &cache]);
    provcheck(&all)
}

fn verify(world: &World, target: &str) -> Run {
    run_pc(world, &["verify", target, "--format", "json"])
}

fn all_findings(report: &serde_json::Value) -> Vec<Vec<String>> {
    let count = report["releases"][0]["artifacts"].as_array().unwrap().len();
    // Generated files (info) aside.
    (0..count)
        .map(|i| {
            findings_of(report, i)
                .into_iter()
                .filter(|f| !f.starts_with("info "))
                .collect()
        })
        .collect()
}

fn artifact<'a>(report: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    report["releases"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == kind)
        .unwrap()
}

#[test]
fn an_untagged_release_that_matches_a_commit_exactly_is_verified_with_a_low_no_tag() {
    let world = world();
    let run = verify(&world, "demo==1.6");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let release = &report["releases"][0];
    assert_eq!(release["verdict"], "verified");
    assert_eq!(release["source"]["resolved_by"], "content-search");
    assert_eq!(
        release["source"]["commit"],
        world.built_from["1.6"].to_string()
    );
    assert!(release["source"]["tag"].is_null());
    assert_eq!(release["source"]["score"]["exact"], true);
    assert_eq!(all_findings(&report), [["low no-tag -"], ["low no-tag -"]]);
    let no_tag = &artifact(&report, "wheel")["findings"][0];
    assert_eq!(
        no_tag["evidence"]["commit"],
        world.built_from["1.6"].to_string()
    );
    assert!(
        no_tag["message"].as_str().unwrap().contains("Prepare 1.6"),
        "{no_tag}"
    );
}

#[test]
fn an_untagged_release_with_a_modified_module_is_a_mismatch_against_the_nearest_commit() {
    let world = world();
    let run = verify(&world, "demo==1.7");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let release = &report["releases"][0];
    assert_eq!(release["verdict"], "mismatch");
    assert_eq!(release["source"]["resolved_by"], "content-search");
    assert_eq!(
        release["source"]["commit"],
        world.built_from["1.7"].to_string()
    );
    assert_eq!(release["source"]["score"]["exact"], false);
    assert_eq!(
        all_findings(&report),
        [
            ["high no-tag -", "high modified-file src/demo/core.py"],
            ["high no-tag -", "high modified-file demo/core.py"],
        ]
    );
    let wheel = artifact(&report, "wheel");
    let modified = &wheel["findings"][1];
    let diff = modified["evidence"]["diff"].as_str().unwrap();
    assert!(diff.contains("+TELEMETRY_ENDPOINT = 'collector'"), "{diff}");
    let no_tag = &wheel["findings"][0];
    assert!(
        no_tag["message"]
            .as_str()
            .unwrap()
            .contains("the nearest commit is"),
        "{no_tag}"
    );
}

#[test]
fn a_release_built_from_the_commit_after_its_tag_verifies() {
    let world = world();
    let run = verify(&world, "demo==1.3");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let source = &report["releases"][0]["source"];
    assert_eq!(report["releases"][0]["verdict"], "verified");
    assert_eq!(source["resolved_by"], "tag-neighbour");
    assert_eq!(source["tag"], "v1.3");
    assert_eq!(source["commit"], world.built_from["1.3"].to_string());
    assert_eq!(source["tag_commit"], world.tagged["1.3"].to_string());
    assert_eq!(all_findings(&report), [[""; 0], [""; 0]]);
}

#[test]
fn a_tag_created_after_the_upload_is_reported_low_when_the_files_match() {
    let world = world();
    let run = verify(&world, "demo==1.4");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["releases"][0]["verdict"], "verified");
    assert_eq!(report["releases"][0]["source"]["resolved_by"], "tag");
    assert_eq!(
        all_findings(&report),
        [["low tag-after-upload -"], ["low tag-after-upload -"]]
    );
}

#[test]
fn a_tag_moved_between_two_runs_is_high() {
    let mut world = world();
    let run = verify(&world, "demo==1.5");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(all_findings(&run.json()), [[""; 0], [""; 0]]);

    // Force-push v1.5 to a commit only the tag reaches, with the same files.
    let c5 = world.built_from["1.5"];
    let side = world
        .repo
        .commit_detached("Re-release 1.5", &source_for("1.5"), c5);
    world.repo.force_tag("v1.5", side);
    let run = verify(&world, "demo==1.5");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["releases"][0]["source"]["commit"], side.to_string());
    assert_eq!(
        all_findings(&report),
        [
            ["high tag-moved -", "low commit-not-on-default-branch -"],
            ["high tag-moved -", "low commit-not-on-default-branch -"],
        ]
    );
    let moved = &artifact(&report, "wheel")["findings"][0];
    assert_eq!(moved["evidence"]["first_commit"], c5.to_string());
}

#[test]
fn history_flags_exactly_the_bad_rows() {
    let world = world();
    let run = run_pc(&world, &["history", "demo", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let rows: Vec<String> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            format!(
                "{} {} {} {}",
                row["version"].as_str().unwrap(),
                row["verdict"].as_str().unwrap(),
                row["resolved_by"].as_str().unwrap_or("-"),
                if row["outlier"] == true {
                    "outlier"
                } else {
                    "ok"
                }
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "1.0 verified tag ok",
            "1.1 verified tag ok",
            "1.2 verified tag ok",
            "1.3 verified tag-neighbour ok",
            "1.4 verified tag outlier",
            "1.5 verified tag ok",
            "1.6 verified content-search outlier",
            "1.7 mismatch content-search outlier",
        ]
    );
    assert_eq!(report["summary"]["untagged"], 2);
    assert_eq!(report["summary"]["mismatch"], 1);
    assert_eq!(report["releases"].as_array().unwrap().len(), 8);

    let text = run_text(&world, &["history", "demo"]);
    insta::assert_snapshot!("history_table", text);

    // Selections.
    let versions = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["history", "demo", "--format", "json"];
        all.extend_from_slice(args);
        let run = run_pc(&world, &all);
        run.json()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["version"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(versions(&["--last", "2"]), ["1.6", "1.7"]);
    assert_eq!(versions(&["--versions", ">=1.2,<1.4"]), ["1.2", "1.3"]);
    let since = rfc3339(world.repo.now());
    assert_eq!(versions(&["--since", &since]), ["1.7"]);
    assert!(
        world
            .sandbox
            .path()
            .join("cache")
            .join("repos-v1/github.com/demo-org/demo.git.tags.json")
            .exists()
    );
}

fn run_text(world: &World, args: &[&str]) -> String {
    let run = run_pc(world, args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run.stdout
}

#[test]
fn check_resolves_a_commit_recorded_in_the_version_file() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let mut source = demo_source();
    replace(
        &mut source,
        "pyproject.toml",
        "[build-system]\nrequires = [\"setuptools\", \"setuptools-scm\"]\n\n[project]\nname = \"demo\"\ndynamic = [\"version\"]\n\n[tool.setuptools_scm]\nversion_file = \"src/demo/_version.py\"\n",
    );
    let built = repo.commit("Build me", &source);
    // A later commit that holds the same wheel files: content search alone would pick it.
    let mut later = source.clone();
    replace(&mut later, "README.md", "# demo\n\nNewer docs.\n");
    repo.commit("Docs", &later);
    let short = &built.to_string()[..10];
    let mut files = demo_wheel_files(&source);
    files.push(f(
        "demo/_version.py",
        format!(
            "# file generated by setuptools_scm\n# don't change, don't track in version control\n__version__ = version = '1.4.0'\n__version_tuple__ = version_tuple = (1, 4, 0)\n__commit_id__ = commit_id = 'g{short}'\n"
        ),
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let source_info = &report["releases"][0]["source"];
    assert_eq!(source_info["resolved_by"], "artifact-hint");
    assert_eq!(source_info["commit"], built.to_string());
    let findings = findings_of(&report, 0);
    assert!(
        findings.contains(&"low no-tag -".to_owned()),
        "{findings:?}"
    );
}
