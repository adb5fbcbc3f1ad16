//! What a user sees, text and JSON, for a clean release and an attacked one.

use crate::common::*;

fn filtered(sandbox: &Sandbox, text: &str) -> String {
    text.replace(&sandbox.path().display().to_string(), "[TMP]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

fn scenario(sandbox: &Sandbox) -> (Repo, std::path::PathBuf, std::path::PathBuf) {
    let mut repo = Repo::init(&sandbox.join("repo"));
    let source = demo_source();
    let commit = repo.commit("Release 1.4.0", &source);
    repo.tag("v1.4.0", commit);
    let clean = Sdist::new("demo", "1.4.0", &demo_sdist_files(&source)).write(sandbox.path());
    let mut files = demo_wheel_files(&source);
    files.push(f("demo_init.pth", "import demo._boot\n"));
    replace(
        &mut files,
        "demo/core.py",
        "import base64\n\ndef greet(name):\n    exec(base64.b64decode('cHJpbnQoMSk='))\n    return f\"hello {name}\"\n\n\ndef farewell(name):\n    return f\"bye {name}\"\n",
    );
    let attacked = Wheel::new("demo", "1.4.0", &files).write(sandbox.path());
    (repo, clean, attacked)
}

#[test]
fn text_report() {
    let sandbox = Sandbox::new();
    let (repo, clean, attacked) = scenario(&sandbox);
    let run = provcheck(&[
        "check",
        attacked.to_str().unwrap(),
        clean.to_str().unwrap(),
        "--repo",
        repo.path.to_str().unwrap(),
        "--diff",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("text_report", filtered(&sandbox, &run.stdout));
}

#[test]
fn json_report() {
    let sandbox = Sandbox::new();
    let (repo, clean, attacked) = scenario(&sandbox);
    let run = check_json(&repo.path, &[&attacked, &clean], &[]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("json_report", filtered(&sandbox, &run.stdout));
}
