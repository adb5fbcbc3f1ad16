//! Crafted zip archives: what an attacker would upload.

use provcheck_artifact::{ArtifactError, Limits};
use provcheck_report::{Code, Severity};

use crate::util::*;

const WHEEL: &str = "demo_pkg-1.0-py3-none-any.whl";

#[test]
fn zip_slip() {
    let mut files = wheel_files(
        "demo_pkg",
        "1.0",
        vec![f("demo_pkg/__init__.py", "")],
        |lines| {
            lines.push("../evil.py,,".to_owned());
            lines.push("/abs/evil.py,,".to_owned());
        },
    );
    files.insert(0, f("xx/evil.py", "import os\n"));
    files.insert(1, f("/abs/evil.py", "import os\n"));
    let mut bytes = zip_of(&files);
    assert_eq!(patch_all(&mut bytes, b"xx/evil.py", b"../evil.py"), 2);
    let artifact = read(WHEEL, &bytes);
    let slip = one(
        &artifact,
        Code::ArchiveAnomaly,
        "path-traversal",
        Severity::Critical,
    );
    assert_eq!(slip.path.as_deref(), Some("../evil.py"));
    assert_eq!(slip.evidence.get_str("entry"), Some("../evil.py"));
    assert!(slip.message.contains("zip-slip"), "{}", slip.message);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "absolute-path",
        Severity::Critical,
    );
    assert!(paths(&artifact).iter().all(|p| !p.contains("evil")));
    // RECORD lists the unsafe paths too.
    assert_eq!(
        with_reason(&artifact, Code::RecordMismatch, "unsafe-path").len(),
        2
    );
    assert!(with_reason(&artifact, Code::RecordMismatch, "missing-file").is_empty());
}

#[test]
fn duplicate_entries() {
    let mut files = simple_wheel_files();
    files.insert(0, f("demo_pkg/a.py", "good = 1\n"));
    files.insert(1, f("demo_pkg/b.py", "evil = 1\n"));
    let mut bytes = zip_of(&files);
    // Local and central names both, so only the duplication is wrong.
    assert_eq!(patch_all(&mut bytes, b"demo_pkg/b.py", b"demo_pkg/a.py"), 2);
    let artifact = read(WHEEL, &bytes);
    let dup = one(
        &artifact,
        Code::ArchiveAnomaly,
        "duplicate-entry",
        Severity::Critical,
    );
    assert_eq!(dup.path.as_deref(), Some("demo_pkg/a.py"));
    let kept: Vec<_> = artifact
        .files
        .iter()
        .filter(|f| f.path == "demo_pkg/a.py")
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].size, 9);
    assert_eq!(
        kept[0].digests,
        provcheck_types::FileDigests::of(b"good = 1\n")
    );
}

#[test]
fn case_duplicates() {
    let mut files = simple_wheel_files();
    files.insert(0, f("demo_pkg/Core.py", "other\n"));
    let artifact = read(WHEEL, &zip_of(&files));
    let finding = one(
        &artifact,
        Code::ArchiveAnomaly,
        "case-duplicate",
        Severity::High,
    );
    assert_eq!(finding.path.as_deref(), Some("demo_pkg/core.py"));
    assert_eq!(finding.evidence.get_str("first"), Some("demo_pkg/Core.py"));
}

#[test]
fn local_and_central_names_disagree() {
    let mut files = simple_wheel_files();
    files.insert(0, f("demo_pkg/evil.py", "import os\n"));
    let mut bytes = zip_of(&files);
    // The first occurrence is the local header.
    patch_first(&mut bytes, b"demo_pkg/evil.py", b"demo_pkg/good.py");
    let artifact = read(WHEEL, &bytes);
    let finding = one(
        &artifact,
        Code::ArchiveAnomaly,
        "header-mismatch",
        Severity::Critical,
    );
    assert_eq!(
        finding.evidence.get_str("local_name"),
        Some("demo_pkg/good.py")
    );
    assert_eq!(finding.path.as_deref(), Some("demo_pkg/evil.py"));
}

#[test]
fn local_and_central_sizes_disagree() {
    let mut files = simple_wheel_files();
    files.insert(0, f("demo_pkg/sized.py", "abcdefgh"));
    let mut bytes = zip_of(&files);
    // Local header fields of the first entry: crc at 14, sizes at 18 and 22.
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    bytes[22] ^= 0x01;
    let artifact = read(WHEEL, &bytes);
    let finding = one(
        &artifact,
        Code::ArchiveAnomaly,
        "header-mismatch",
        Severity::Critical,
    );
    assert!(finding.message.contains("size"), "{}", finding.message);
    // pip reads the central directory, so the file is still what it installs.
    assert!(artifact.file("demo_pkg/sized.py").is_some());
}

#[test]
fn overlapping_entries() {
    let bytes = zip_of(&simple_wheel_files());
    let (body, mut records, eocd) = split_zip(&bytes);
    // A second central record for the first local header.
    let first = records[0].clone();
    records.push(first);
    let artifact = read(WHEEL, &join_zip(&body, &records, &eocd));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "overlapping-entries",
        Severity::Critical,
    );
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "duplicate-entry",
        Severity::Critical,
    );
    assert_eq!(artifact.files.len(), 6);
}

#[test]
fn hidden_local_entry() {
    let mut files = simple_wheel_files();
    files.insert(1, f("demo_pkg/hidden.py", "import os\n"));
    let bytes = zip_of(&files);
    let (body, mut records, eocd) = split_zip(&bytes);
    records.remove(1);
    let artifact = read(WHEEL, &join_zip(&body, &records, &eocd));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "hidden-entry",
        Severity::High,
    );
    assert!(artifact.file("demo_pkg/hidden.py").is_none());
}

#[test]
fn count_in_end_record_disagrees() {
    let mut bytes = zip_of(&simple_wheel_files());
    let eocd = bytes.len() - 22;
    bytes[eocd + 10] += 1;
    bytes[eocd + 8] += 1;
    let artifact = read(WHEEL, &bytes);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "entry-count-mismatch",
        Severity::High,
    );
}

#[test]
fn prepended_bytes() {
    let mut bytes = b"#!/bin/sh\necho polyglot\n".to_vec();
    bytes.extend(zip_of(&simple_wheel_files()));
    let artifact = read(WHEEL, &bytes);
    let finding = one(
        &artifact,
        Code::ArchiveAnomaly,
        "unreferenced-bytes",
        Severity::Low,
    );
    assert_eq!(finding.evidence.get("offset").unwrap(), 0);
    assert_eq!(artifact.files.len(), 6);
}

#[test]
fn zip_bomb() {
    let zeros = vec![0u8; 50 << 20];
    let files = wheel_files(
        "demo_pkg",
        "1.0",
        vec![
            f("demo_pkg/bomb.bin", &zeros),
            f("demo_pkg/after.py", "x = 1\n"),
        ],
        |_| {},
    );
    let bytes = zip_of(&files);
    // With default limits: deflated zeros expand about 1030:1.
    let artifact = read(WHEEL, &bytes);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "compression-ratio",
        Severity::Critical,
    );
    assert!(artifact.file("demo_pkg/after.py").is_some());

    assert!(bytes.len() < 200_000, "{}", bytes.len());

    // Too large for one file: skipped, later entries still read.
    let options = options_with(Limits {
        max_file_size: 10 << 20,
        max_ratio: u64::MAX,
        ..Limits::default()
    });
    let artifact = read_with(WHEEL, &bytes, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "file-size",
        Severity::Critical,
    );
    assert!(artifact.file("demo_pkg/bomb.bin").is_none());
    assert!(artifact.file("demo_pkg/after.py").is_some());
    // Listed in RECORD but unread: not reported as absent.
    assert!(with_reason(&artifact, Code::RecordMismatch, "missing-file").is_empty());

    // A ratio beyond the limit.
    let options = options_with(Limits {
        max_ratio: 100,
        ..Limits::default()
    });
    let artifact = read_with(WHEEL, &bytes, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "compression-ratio",
        Severity::Critical,
    );
    assert!(artifact.file("demo_pkg/after.py").is_some());

    // Declared sizes lie: patch the bomb's sizes to look small, limits still hold.
    let mut lying = bytes.clone();
    let (body, mut records, eocd) = split_zip(&lying);
    records[0][24..28].copy_from_slice(&1000u32.to_le_bytes());
    lying = join_zip(&body, &records, &eocd);
    let options = options_with(Limits {
        max_file_size: 10 << 20,
        max_ratio: u64::MAX,
        ..Limits::default()
    });
    let artifact = read_with(WHEEL, &lying, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "file-size",
        Severity::Critical,
    );
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "header-mismatch",
        Severity::Critical,
    );

    // The total stops the walk.
    let options = options_with(Limits {
        max_total_size: 10 << 20,
        max_ratio: u64::MAX,
        ..Limits::default()
    });
    let artifact = read_with(WHEEL, &bytes, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "total-size",
        Severity::Critical,
    );
    assert!(artifact.files.is_empty());
}

#[test]
fn too_many_entries() {
    let options = options_with(Limits {
        max_entries: 3,
        ..Limits::default()
    });
    let artifact = read_with(WHEEL, &zip_of(&simple_wheel_files()), &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "too-many-entries",
        Severity::Critical,
    );
    assert_eq!(artifact.files.len(), 3);
}

#[test]
fn zip_symlink() {
    let mut bytes = zip_of(&simple_wheel_files());
    let (body, mut records, eocd) = split_zip(&bytes);
    // Make the first entry a unix symlink: external attributes 0o120777 << 16.
    records[0][38..42].copy_from_slice(&((0o120_777u32) << 16).to_le_bytes());
    records[0][5] = 3;
    bytes = join_zip(&body, &records, &eocd);
    let artifact = read(WHEEL, &bytes);
    let link = one(
        &artifact,
        Code::ArchiveAnomaly,
        "symlink",
        Severity::Critical,
    );
    assert_eq!(
        link.evidence.get_str("target"),
        Some("__version__ = '1.0'\\u{a}")
    );
    assert!(artifact.file("demo_pkg/__init__.py").is_none());
    assert!(with_reason(&artifact, Code::RecordMismatch, "missing-file").is_empty());
}

#[test]
fn truncated_wheel_is_corrupt() {
    let bytes = zip_of(&simple_wheel_files());
    for cut in [bytes.len() - 1, bytes.len() - 30, bytes.len() / 2, 10, 0] {
        let err = read_err(WHEEL, &bytes[..cut]);
        assert!(
            matches!(err, ArtifactError::Corrupt { .. }),
            "cut at {cut}: {err}"
        );
        assert!(err.to_string().contains("is corrupt or truncated"), "{err}");
    }
}

#[test]
fn crc_error_is_corrupt() {
    let mut files = simple_wheel_files();
    files.insert(0, f("demo_pkg/data.txt", "abcdefghijklmnop"));
    let mut bytes = zip_with(&files, zip::CompressionMethod::Stored);
    patch_first(&mut bytes, b"abcdefghijklmnop", b"abcdefghijklmnoX");
    let err = read_err(WHEEL, &bytes);
    assert!(err.to_string().contains("CRC"), "{err}");

    let mut files = simple_wheel_files();
    files.insert(0, f("demo_pkg/data.txt", "a".repeat(1000)));
    let mut bytes = zip_of(&files);
    let (_, records, _) = split_zip(&bytes);
    let size = u32::from_le_bytes(records[0][20..24].try_into().unwrap()) as usize;
    let start = 30 + "demo_pkg/data.txt".len();
    for b in &mut bytes[start..start + size] {
        *b = !*b;
    }
    let err = read_err(WHEEL, &bytes);
    assert!(matches!(err, ArtifactError::Corrupt { .. }), "{err}");
}

#[test]
fn errors_say_what_to_do() {
    let err = read_err("demo_pkg-1.0.egg", b"");
    assert!(matches!(err, ArtifactError::UnknownFormat { .. }));
    assert!(err.to_string().contains(".whl"), "{err}");
    let err = read_err("demo_pkg.whl", b"");
    assert!(matches!(err, ArtifactError::BadFilename { .. }), "{err}");
    let missing = std::path::Path::new("/nonexistent/demo_pkg-1.0-py3-none-any.whl");
    let err = provcheck_artifact::read_artifact(missing, &Default::default()).unwrap_err();
    assert!(matches!(err, ArtifactError::Io { .. }), "{err}");
}

/// Random damage never panics: every outcome is a result.
#[test]
fn mutations_never_panic() {
    let wheel = zip_of(&simple_wheel_files());
    let sdist = gzip(&tar_of("demo-pkg-1.0", &sdist_files()));
    let tar = tar_of("demo-pkg-1.0", &sdist_files());
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (filename, original) in [
        (WHEEL, &wheel),
        ("demo-pkg-1.0.tar.gz", &sdist),
        ("demo-pkg-1.0.tar", &tar),
    ] {
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..(1 + next() % 8) {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = next() as u8;
            }
            if next() % 4 == 0 {
                bytes.truncate((next() % bytes.len() as u64) as usize);
            }
            let written = write(filename, &bytes);
            let _ = provcheck_artifact::read_artifact(&written.path, &Default::default());
        }
    }
}

#[test]
fn absurdly_long_names() {
    let mut files = simple_wheel_files();
    let long = format!("demo_pkg/{}.py", "a/".repeat(3000));
    files.insert(0, f(&long, "x"));
    let artifact = read(WHEEL, &zip_of(&files));
    let finding = one(
        &artifact,
        Code::ArchiveAnomaly,
        "name-too-long",
        Severity::High,
    );
    assert!(finding.path.as_ref().unwrap().chars().count() <= 301);
    assert_eq!(artifact.files.len(), 6);
}
