use provcheck_artifact::ArtifactKind;
use provcheck_report::{Code, Severity};

use crate::util::*;

fn check_happy(filename: &str, bytes: &[u8]) {
    let artifact = read(filename, bytes);
    assert_clean(&artifact);
    assert_eq!(artifact.name.kind, ArtifactKind::Sdist);
    assert_eq!(artifact.root.as_deref(), Some("demo-pkg-1.0"));
    assert_eq!(
        paths(&artifact),
        [
            "PKG-INFO",
            "setup.py",
            "pyproject.toml",
            "src/demo_pkg/__init__.py",
            "bin/tool"
        ],
        "{filename}"
    );
    let metadata = artifact.metadata.as_ref().unwrap();
    assert_eq!(metadata.name.as_deref(), Some("demo-pkg"));
    assert_eq!(metadata.version.as_deref(), Some("1.0"));
    assert_eq!(artifact.dist_info, None);
    for needed in ["PKG-INFO", "setup.py", "pyproject.toml"] {
        assert!(
            artifact.file(needed).unwrap().content.is_some(),
            "{needed} kept"
        );
    }
    let init = artifact.file("src/demo_pkg/__init__.py").unwrap();
    assert!(init.content.is_none());
    assert_eq!(init.size, 6);
    let tool = artifact.file("bin/tool").unwrap();
    assert_eq!((tool.mode, tool.executable), (0o755, true));
}

#[test]
fn happy_tar_gz() {
    let tar = tar_of("demo-pkg-1.0", &sdist_files());
    check_happy("demo-pkg-1.0.tar.gz", &gzip(&tar));
    check_happy("demo-pkg-1.0.tgz", &gzip(&tar));
    check_happy("demo-pkg-1.0.tar", &tar);
}

#[test]
fn happy_tar_bz2() {
    check_happy(
        "demo-pkg-1.0.tar.bz2",
        &bzip2(&tar_of("demo-pkg-1.0", &sdist_files())),
    );
}

#[test]
fn happy_zip() {
    let mut files = vec![f("demo-pkg-1.0/", "")];
    files.extend(sdist_files().into_iter().map(|mut file| {
        file.name = format!("demo-pkg-1.0/{}", file.name);
        file
    }));
    check_happy("demo-pkg-1.0.zip", &zip_of(&files));
}

#[test]
fn legacy_names() {
    let tar = tar_of(
        "ctx-0.1.2-1",
        &[pkg_info("ctx", "0.1.2-1"), f("ctx.py", "")],
    );
    let artifact = read("ctx-0.1.2-1.tar.gz", &gzip(&tar));
    assert_clean(&artifact);
    assert_eq!(artifact.name.version.to_string(), "0.1.2.post1");

    let tar = tar_of("my-pkg-1.0", &[pkg_info("my_pkg", "1.0")]);
    let artifact = read("my-pkg-1.0.tar.gz", &gzip(&tar));
    assert_clean(&artifact);
    assert_eq!(artifact.name.name, "my-pkg");
}

#[test]
fn pkg_info_disagrees() {
    let tar = tar_of("demo-pkg-1.0", &[pkg_info("demo-pkg", "1.0.1")]);
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&tar));
    let finding = one(
        &artifact,
        Code::MetadataMismatch,
        "version-mismatch",
        Severity::High,
    );
    assert_eq!(finding.path.as_deref(), Some("PKG-INFO"));

    let tar = tar_of("demo-pkg-1.0", &[f("setup.py", "")]);
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&tar));
    one(
        &artifact,
        Code::MetadataMismatch,
        "no-metadata",
        Severity::Medium,
    );
    assert_eq!(artifact.metadata, None);
}

#[test]
fn entries_outside_the_top_folder() {
    let mut tar = tar::Builder::new(Vec::new());
    let bytes = tar_of("demo-pkg-1.0", &[pkg_info("demo-pkg", "1.0")]);
    // Append a second tree: take the first archive's entries, then add more.
    let mut archive = tar::Archive::new(bytes.as_slice());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header().clone();
        tar.append(&header, &mut entry).unwrap();
    }
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    tar.append_data(&mut header, "other/evil.py", &b"x=1\n"[..])
        .unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    tar.append_data(&mut header, "toplevel.py", &b"x=1\n"[..])
        .unwrap();
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&tar.into_inner().unwrap()));
    let outside = with_reason(&artifact, Code::ArchiveAnomaly, "outside-root");
    let outside: Vec<_> = outside
        .iter()
        .map(|f| (f.path.as_deref().unwrap(), f.severity))
        .collect();
    assert_eq!(
        outside,
        [
            ("other/evil.py", Severity::High),
            ("toplevel.py", Severity::High)
        ]
    );
    assert_eq!(paths(&artifact), ["PKG-INFO"]);
}

#[test]
fn tar_links_are_reported_not_followed() {
    let mut builder = tar::Builder::new(Vec::new());
    let pkg = pkg_info("demo-pkg", "1.0");
    let mut header = tar::Header::new_gnu();
    header.set_size(pkg.data.len() as u64);
    builder
        .append_data(&mut header, "demo-pkg-1.0/PKG-INFO", pkg.data.as_slice())
        .unwrap();
    let link = raw_tar_header(
        "demo-pkg-1.0/passwd",
        tar::EntryType::Symlink,
        0,
        Some("/etc/passwd"),
    );
    builder.append(&link, std::io::empty()).unwrap();
    let hard = raw_tar_header(
        "demo-pkg-1.0/copy",
        tar::EntryType::Link,
        0,
        Some("demo-pkg-1.0/PKG-INFO"),
    );
    builder.append(&hard, std::io::empty()).unwrap();
    let fifo = raw_tar_header("demo-pkg-1.0/pipe", tar::EntryType::Fifo, 0, None);
    builder.append(&fifo, std::io::empty()).unwrap();
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&builder.into_inner().unwrap()));

    let symlink = one(
        &artifact,
        Code::ArchiveAnomaly,
        "symlink",
        Severity::Critical,
    );
    assert_eq!(symlink.evidence.get_str("target"), Some("/etc/passwd"));
    assert_eq!(symlink.path.as_deref(), Some("demo-pkg-1.0/passwd"));
    // A hard link to another member is tolerated (low); one leaving the archive is not.
    let hardlink = one(&artifact, Code::ArchiveAnomaly, "hardlink", Severity::Low);
    assert_eq!(
        hardlink.evidence.get_str("target"),
        Some("demo-pkg-1.0/PKG-INFO")
    );
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "special-file",
        Severity::High,
    );
    assert_eq!(paths(&artifact), ["PKG-INFO"]);
}

#[test]
fn tar_path_traversal() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(0);
    builder
        .append_data(&mut header, "demo-pkg-1.0/PKG-INFO", &b""[..])
        .unwrap();
    for name in [
        "demo-pkg-1.0/../../evil.py",
        "/abs.py",
        "demo-pkg-1.0/a\\b.py",
    ] {
        let header = raw_tar_header(name, tar::EntryType::Regular, 3, None);
        builder.append(&header, &b"x=1"[..]).unwrap();
    }
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&builder.into_inner().unwrap()));
    let traversal = one(
        &artifact,
        Code::ArchiveAnomaly,
        "path-traversal",
        Severity::Critical,
    );
    assert_eq!(
        traversal.path.as_deref(),
        Some("demo-pkg-1.0/../../evil.py")
    );
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "absolute-path",
        Severity::Critical,
    );
    one(&artifact, Code::ArchiveAnomaly, "backslash", Severity::High);
    assert_eq!(paths(&artifact), ["PKG-INFO"]);
}

#[test]
fn tar_duplicates() {
    let files = [
        pkg_info("demo-pkg", "1.0"),
        f("pkg/a.py", "first"),
        f("pkg/a.py", "second"),
        f("pkg/A.py", "case"),
    ];
    let artifact = read(
        "demo-pkg-1.0.tar.gz",
        &gzip(&tar_of("demo-pkg-1.0", &files)),
    );
    let dup = one(
        &artifact,
        Code::ArchiveAnomaly,
        "duplicate-entry",
        Severity::Critical,
    );
    assert_eq!(dup.path.as_deref(), Some("pkg/a.py"));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "case-duplicate",
        Severity::High,
    );
    assert_eq!(paths(&artifact), ["PKG-INFO", "pkg/a.py", "pkg/A.py"]);
    assert_eq!(
        artifact.file("pkg/a.py").unwrap().size,
        5,
        "the first copy is kept"
    );
}

#[test]
fn truncated_tar_gz_is_corrupt() {
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let bytes = gzip(&tar_of(
        "demo-pkg-1.0",
        &[pkg_info("demo-pkg", "1.0"), f("data.bin", &big)],
    ));
    for cut in [bytes.len() / 2, bytes.len() - 4, 30] {
        let err = read_err("demo-pkg-1.0.tar.gz", &bytes[..cut]);
        let text = err.to_string();
        assert!(
            matches!(err, provcheck_artifact::ArtifactError::Corrupt { .. }),
            "cut at {cut}: {text}"
        );
        assert!(text.contains("download it again"), "{text}");
    }
    let err = read_err("demo-pkg-1.0.tar.gz", b"not gzip at all");
    assert!(
        matches!(err, provcheck_artifact::ArtifactError::Corrupt { .. }),
        "{err}"
    );
}

#[test]
fn tar_entry_limits() {
    let files: Vec<F> = (0..10).map(|i| f(&format!("f{i}.py"), "")).collect();
    let bytes = gzip(&tar_of("demo-pkg-1.0", &files));
    let options = options_with(provcheck_artifact::Limits {
        max_entries: 5,
        ..Default::default()
    });
    let artifact = read_with("demo-pkg-1.0.tar.gz", &bytes, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "too-many-entries",
        Severity::Critical,
    );
    assert_eq!(artifact.files.len(), 4, "the folder entry counts too");
}

#[test]
fn tar_bomb() {
    let zeros = vec![0u8; 50 << 20];
    let files = [
        pkg_info("demo-pkg", "1.0"),
        f("bomb.bin", &zeros),
        f("after.py", "x"),
    ];
    let bytes = gzip(&tar_of("demo-pkg-1.0", &files));
    assert!(bytes.len() < 200_000);
    let options = options_with(provcheck_artifact::Limits {
        max_file_size: 10 << 20,
        max_ratio: u64::MAX,
        ..Default::default()
    });
    let artifact = read_with("demo-pkg-1.0.tar.gz", &bytes, &options);
    let finding = with_reason(&artifact, Code::ArchiveAnomaly, "file-size");
    assert_eq!(finding.len(), 1, "{:#?}", artifact.findings);
    assert_eq!(finding[0].severity, Severity::Critical);
    assert!(artifact.file("bomb.bin").is_none());
    // Drained under the other limits, then reading went on.
    assert!(artifact.file("after.py").is_some());

    // The total limit stops the walk.
    let options = options_with(provcheck_artifact::Limits {
        max_total_size: 10 << 20,
        max_ratio: u64::MAX,
        ..Default::default()
    });
    let artifact = read_with("demo-pkg-1.0.tar.gz", &bytes, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "total-size",
        Severity::Critical,
    );
    assert_eq!(paths(&artifact), ["PKG-INFO"]);

    // The ratio limit too (gzip of zeros is about 1000:1).
    let options = options_with(provcheck_artifact::Limits {
        max_ratio: 100,
        ..Default::default()
    });
    let artifact = read_with("demo-pkg-1.0.tar.gz", &bytes, &options);
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "compression-ratio",
        Severity::Critical,
    );
    assert!(artifact.file("bomb.bin").is_none());
}

#[test]
fn data_after_the_end_marker() {
    let mut tar = tar_of("demo-pkg-1.0", &[pkg_info("demo-pkg", "1.0")]);
    tar.extend(tar_of("demo-pkg-1.0", &[f("hidden.py", "import os\n")]));
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&tar));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "trailing-data",
        Severity::Medium,
    );
    assert_eq!(paths(&artifact), ["PKG-INFO"]);
}

#[test]
fn oversized_long_name_record() {
    let mut builder = tar::Builder::new(Vec::new());
    let name = vec![b'a'; 20 << 20];
    let header = raw_tar_header(
        "././@LongLink",
        tar::EntryType::GNULongName,
        name.len() as u64,
        None,
    );
    builder.append(&header, name.as_slice()).unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_size(1);
    builder
        .append_data(&mut header, "demo-pkg-1.0/x.py", &b"x"[..])
        .unwrap();
    let artifact = read("demo-pkg-1.0.tar.gz", &gzip(&builder.into_inner().unwrap()));
    one(
        &artifact,
        Code::ArchiveAnomaly,
        "oversized-header",
        Severity::Critical,
    );
    assert!(artifact.files.is_empty());
}
