use std::cell::RefCell;

use provcheck_artifact::{ArtifactKind, ReadOptions, read_artifact};
use provcheck_report::{Code, Severity};
use provcheck_types::{BlobId, FileDigests, sha256_hex};
use sha2::{Digest, Sha256};

use crate::util::*;

const WHEEL: &str = "demo_pkg-1.0-py3-none-any.whl";

#[test]
fn happy_wheel() {
    let bytes = zip_of(&simple_wheel_files());
    let artifact = read(WHEEL, &bytes);
    assert_clean(&artifact);
    assert_eq!(artifact.filename, WHEEL);
    assert_eq!(artifact.name.kind, ArtifactKind::Wheel);
    assert_eq!(artifact.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(artifact.size, bytes.len() as u64);
    assert_eq!(artifact.root, None);
    assert_eq!(
        artifact.dist_info.as_deref(),
        Some("demo_pkg-1.0.dist-info")
    );
    assert_eq!(
        paths(&artifact),
        [
            "demo_pkg/__init__.py",
            "demo_pkg/core.py",
            "demo_pkg-1.0.data/scripts/demo",
            "demo_pkg-1.0.dist-info/METADATA",
            "demo_pkg-1.0.dist-info/WHEEL",
            "demo_pkg-1.0.dist-info/RECORD",
        ]
    );
    let metadata = artifact.metadata.as_ref().unwrap();
    assert_eq!(metadata.name.as_deref(), Some("demo_pkg"));
    assert_eq!(metadata.version.as_deref(), Some("1.0"));
    assert_eq!(metadata.get_all("requires-dist"), ["requests>=2"]);

    let core = artifact.file("demo_pkg/core.py").unwrap();
    let content = b"def run():\n    return 42\n";
    assert_eq!(core.digests, FileDigests::of(content));
    assert_eq!(core.digests.blob_id, BlobId::for_content(content));
    assert_eq!(core.size, content.len() as u64);
    assert_eq!((core.mode, core.executable), (0o644, false));
    // Not asked for and not needed by the checks: not kept.
    assert_eq!(
        (core.content.is_none(), core.content_dropped),
        (true, false)
    );

    let script = artifact.file("demo_pkg-1.0.data/scripts/demo").unwrap();
    assert_eq!((script.mode, script.executable), (0o755, true));

    // Metadata files are always kept.
    let record = artifact.file("demo_pkg-1.0.dist-info/RECORD").unwrap();
    assert!(record.content.is_some());
}

#[test]
fn stored_and_bzip2_entries() {
    for method in [
        zip::CompressionMethod::Stored,
        zip::CompressionMethod::Bzip2,
    ] {
        let artifact = read(WHEEL, &zip_with(&simple_wheel_files(), method));
        assert_clean(&artifact);
        assert_eq!(artifact.files.len(), 6);
    }
}

#[test]
fn retain_callback_and_budget() {
    let asked = RefCell::new(Vec::new());
    let retain = |path: &str, _: &BlobId| {
        asked.borrow_mut().push(path.to_owned());
        path.ends_with(".py")
    };
    let options = ReadOptions {
        retain: &retain,
        ..ReadOptions::default()
    };
    let bytes = zip_of(&simple_wheel_files());
    let artifact = read_with(WHEEL, &bytes, &options);
    assert_eq!(asked.borrow().len(), 6, "called for every file");
    let core = artifact.file("demo_pkg/core.py").unwrap();
    assert_eq!(
        core.content.as_deref(),
        Some(&b"def run():\n    return 42\n"[..])
    );
    assert!(
        artifact
            .file("demo_pkg-1.0.data/scripts/demo")
            .unwrap()
            .content
            .is_none()
    );

    // A budget too small for anything: contents dropped and flagged, still readable again.
    let options = ReadOptions {
        retain: &retain,
        retain_budget: 10,
        ..ReadOptions::default()
    };
    let written = write(WHEEL, &bytes);
    let artifact = read_artifact(&written.path, &options).unwrap();
    let core = artifact.file("demo_pkg/core.py").unwrap();
    assert!(core.content.is_none() && core.content_dropped);
    // Metadata and RECORD were read again for the checks: no spurious findings.
    assert_clean(&artifact);
    assert!(artifact.metadata.is_some());

    let contents = artifact
        .read_contents(
            &written.path,
            &["demo_pkg/core.py", "demo_pkg/__init__.py", "nope.py"],
        )
        .unwrap();
    assert_eq!(contents.len(), 2);
    assert_eq!(contents["demo_pkg/core.py"], b"def run():\n    return 42\n");

    // The archive changed since: a clear error, not wrong content.
    std::fs::write(
        &written.path,
        zip_of(&wheel_files(
            "demo_pkg",
            "1.0",
            vec![f("demo_pkg/core.py", "def run():\n    return 43\n")],
            |_| {},
        )),
    )
    .unwrap();
    let err = artifact
        .read_contents(&written.path, &["demo_pkg/core.py"])
        .unwrap_err();
    assert!(err.to_string().contains("changed since"), "{err}");
}

#[test]
fn record_that_lies() {
    let files = wheel_files(
        "demo_pkg",
        "1.0",
        vec![
            f("demo_pkg/__init__.py", "x = 1\n"),
            f("demo_pkg/evil.py", "import os\n"),
        ],
        |lines| {
            // The hash of another content, and a wrong size.
            lines[0] = format!("demo_pkg/__init__.py,{},6", record_hash(b"x = 2\n"));
            lines[1] = format!("demo_pkg/evil.py,{},99", record_hash(b"import os\n"));
        },
    );
    let artifact = read(WHEEL, &zip_of(&files));
    let lie = one(
        &artifact,
        Code::RecordMismatch,
        "hash-mismatch",
        Severity::High,
    );
    assert_eq!(lie.path.as_deref(), Some("demo_pkg/__init__.py"));
    assert_eq!(
        lie.evidence.get_str("recorded_sha256"),
        Some(hex::encode(Sha256::digest(b"x = 2\n")).as_str())
    );
    assert_eq!(
        lie.evidence.get_str("actual_sha256"),
        Some(
            sha256_hex(
                &artifact
                    .file("demo_pkg/__init__.py")
                    .unwrap()
                    .digests
                    .sha256
            )
            .as_str()
        )
    );
    let size = one(
        &artifact,
        Code::RecordMismatch,
        "size-mismatch",
        Severity::High,
    );
    assert_eq!(size.path.as_deref(), Some("demo_pkg/evil.py"));
}

#[test]
fn record_missing_a_file_and_listing_an_absent_one() {
    let files = wheel_files(
        "demo_pkg",
        "1.0",
        vec![
            f("demo_pkg/__init__.py", "x = 1\n"),
            f("demo_init.pth", "import os; os.system('x')\n"),
        ],
        |lines| {
            lines.remove(1);
            lines.push(format!("demo_pkg/gone.py,{},3", record_hash(b"abc")));
            lines.push("\"demo_pkg/with,comma.py\",,".to_owned());
        },
    );
    let artifact = read(WHEEL, &zip_of(&files));
    let unlisted = one(
        &artifact,
        Code::RecordMismatch,
        "unlisted-file",
        Severity::High,
    );
    assert_eq!(unlisted.path.as_deref(), Some("demo_init.pth"));
    // Startup hooks are always kept for the rules.
    assert!(artifact.file("demo_init.pth").unwrap().content.is_some());
    let missing = with_reason(&artifact, Code::RecordMismatch, "missing-file");
    let missing: Vec<_> = missing
        .iter()
        .map(|f| (f.path.as_deref().unwrap(), f.severity))
        .collect();
    assert_eq!(
        missing,
        [
            ("demo_pkg/gone.py", Severity::Medium),
            ("demo_pkg/with,comma.py", Severity::Medium)
        ]
    );
}

#[test]
fn no_record() {
    let mut files = simple_wheel_files();
    files.retain(|f| !f.name.ends_with("RECORD"));
    let artifact = read(WHEEL, &zip_of(&files));
    let finding = one(&artifact, Code::RecordMismatch, "no-record", Severity::High);
    assert_eq!(
        finding.path.as_deref(),
        Some("demo_pkg-1.0.dist-info/RECORD")
    );
    assert_eq!(artifact.findings.len(), 1, "{:#?}", artifact.findings);
}

#[test]
fn metadata_disagrees_with_filename() {
    let metadata = "Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 1.1\n";
    let files = wheel_with_metadata(
        "demo_pkg",
        "1.0",
        metadata,
        vec![f("demo_pkg/__init__.py", "")],
        |_| {},
    );
    let artifact = read(WHEEL, &zip_of(&files));
    // `Demo.Pkg` normalizes to the filename's name: only the version disagrees.
    let finding = one(
        &artifact,
        Code::MetadataMismatch,
        "version-mismatch",
        Severity::High,
    );
    assert_eq!(
        finding.path.as_deref(),
        Some("demo_pkg-1.0.dist-info/METADATA")
    );
    assert_eq!(finding.evidence.get_str("filename"), Some("1.0"));
    assert_eq!(finding.evidence.get_str("metadata"), Some("1.1"));
    assert_eq!(artifact.findings.len(), 1, "{:#?}", artifact.findings);

    let metadata = "Name: other-pkg\n";
    let files = wheel_with_metadata("demo_pkg", "1.0", metadata, vec![], |_| {});
    let artifact = read(WHEEL, &zip_of(&files));
    one(
        &artifact,
        Code::MetadataMismatch,
        "name-mismatch",
        Severity::High,
    );
    one(
        &artifact,
        Code::MetadataMismatch,
        "no-version",
        Severity::High,
    );
}

#[test]
fn equal_versions_under_pep440() {
    // Filename 1.0, METADATA 1.0.0: the same version.
    let files = wheel_with_metadata(
        "demo_pkg",
        "1.0",
        "Name: demo-pkg\nVersion: 1.0.0\n",
        vec![],
        |_| {},
    );
    assert_clean(&read(WHEEL, &zip_of(&files)));
}

#[test]
fn two_dist_info_folders() {
    let mut files = simple_wheel_files();
    files.push(f(
        "other-2.0.dist-info/METADATA",
        "Name: other\nVersion: 2.0\n",
    ));
    let artifact = read(WHEEL, &zip_of(&files));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "multiple-dist-info",
        Severity::High,
    );
    assert_eq!(
        artifact.dist_info.as_deref(),
        Some("demo_pkg-1.0.dist-info")
    );
    one(
        &artifact,
        Code::RecordMismatch,
        "unlisted-file",
        Severity::High,
    );
}

#[test]
fn wheel_without_dist_info() {
    let artifact = read(WHEEL, &zip_of(&[f("demo_pkg/__init__.py", "")]));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "no-dist-info",
        Severity::High,
    );
    one(&artifact, Code::RecordMismatch, "no-record", Severity::High);
    assert_eq!(artifact.metadata, None);
}

#[test]
fn build_tag_wheel() {
    let files = wheel_files("ctx", "0.1.2", vec![f("ctx.py", "")], |_| {});
    let artifact = read("ctx-0.1.2-1-py2.py3-none-any.whl", &zip_of(&files));
    assert_clean(&artifact);
    assert_eq!(artifact.name.build_tag.as_deref(), Some("1"));
    assert_eq!(artifact.name.version.to_string(), "0.1.2");
}
