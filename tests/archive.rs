//! Hostile archives: each becomes a finding or a clear error, never a crash or a write.

use std::path::{Path, PathBuf};

use crate::common::*;

fn tagged_demo(sandbox: &Sandbox) -> Repo {
    let mut repo = Repo::init(&sandbox.join("repo"));
    let commit = repo.commit("Release", &demo_source());
    repo.tag("v1.4.0", commit);
    repo
}

/// Writes a wheel, then replaces every occurrence of `from` by `to` (same length) in the
/// raw bytes: the way to make names a zip writer refuses to write.
fn patched_wheel(dir: &Path, files: &[F], from: &str, to: &str) -> PathBuf {
    assert_eq!(from.len(), to.len());
    let wheel = Wheel::new("demo", "1.4.0", files);
    let path = wheel.write(dir);
    let mut bytes = std::fs::read(&path).unwrap();
    let mut i = 0;
    let mut replaced = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from.as_bytes() {
            bytes[i..i + from.len()].copy_from_slice(to.as_bytes());
            replaced += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(replaced >= 2, "local and central names patched");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn duplicate_zip_entry_is_a_critical_anomaly() {
    let sandbox = Sandbox::new();
    let repo = tagged_demo(&sandbox);
    let mut files = demo_wheel_files(&demo_source());
    files.push(f("demo/corx.py", "import os; os.system('id')\n"));
    let wheel = patched_wheel(sandbox.path(), &files, "demo/corx.py", "demo/core.py");
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let findings = findings_of(&run.json(), 0);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("critical archive-anomaly")),
        "{findings:?}"
    );
}

#[test]
fn zip_slip_path_is_reported_and_nothing_is_written() {
    let sandbox = Sandbox::new();
    let repo = tagged_demo(&sandbox);
    let mut files = demo_wheel_files(&demo_source());
    files.push(f("aa/evil.py", "print('escaped')\n"));
    let dir = sandbox.join("deep");
    std::fs::create_dir_all(&dir).unwrap();
    let wheel = patched_wheel(&dir, &files, "aa/evil.py", "../evil.py");
    let run = check_json(&repo.path, &[&wheel], &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let findings = findings_of(&run.json(), 0);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("critical archive-anomaly")),
        "{findings:?}"
    );
    assert!(!sandbox.join("evil.py").exists());
}

#[test]
fn zip_bomb_is_stopped_by_the_ratio_limit() {
    let sandbox = Sandbox::new();
    let repo = tagged_demo(&sandbox);
    let mut files = demo_wheel_files(&demo_source());
    files.push(f("demo/data/zeros.bin", vec![0u8; 16 << 20]));
    let wheel = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    let run = check_json(&repo.path, &[&wheel], &["--max-ratio", "100"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let findings = findings_of(&run.json(), 0);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("critical archive-anomaly demo/data/zeros.bin")),
        "{findings:?}"
    );
}

#[test]
fn truncated_archives_are_operational_errors() {
    let sandbox = Sandbox::new();
    let repo = tagged_demo(&sandbox);
    let source = demo_source();
    let wheel = Wheel::new("demo", "1.4.0", &demo_wheel_files(&source)).write(sandbox.path());
    let sdist = Sdist::new("demo", "1.4.0", &demo_sdist_files(&source)).write(sandbox.path());
    for path in [&wheel, &sdist] {
        let bytes = std::fs::read(path).unwrap();
        std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
        let run = check_json(&repo.path, &[path], &[]);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        let report = run.json();
        let artifact = &report["releases"][0]["artifacts"][0];
        assert_eq!(artifact["verdict"], "error");
        let error = artifact["error"].as_str().unwrap();
        assert!(
            error.contains("corrupt") || error.contains("truncated"),
            "{error}"
        );
    }
}

#[test]
fn not_an_artifact_name_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let repo = tagged_demo(&sandbox);
    let path = sandbox.join("notes.txt");
    std::fs::write(&path, "hello").unwrap();
    let run = check_json(&repo.path, &[&path], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
}
