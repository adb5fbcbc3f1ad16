use std::io::{Cursor, Write};
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provcheck_artifact::{Artifact, ArtifactError, Limits, ReadOptions, read_artifact};
use provcheck_report::{Code, Finding, Severity};
use sha2::{Digest, Sha256};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// One file to put in a test archive.
pub struct F {
    pub name: String,
    pub data: Vec<u8>,
    pub mode: u32,
}

pub fn f(name: &str, data: impl AsRef<[u8]>) -> F {
    F {
        name: name.to_owned(),
        data: data.as_ref().to_vec(),
        mode: 0o644,
    }
}

pub fn exe(name: &str, data: impl AsRef<[u8]>) -> F {
    F {
        mode: 0o755,
        ..f(name, data)
    }
}

/// A zip archive of `files`, deflated.
pub fn zip_of(files: &[F]) -> Vec<u8> {
    zip_with(files, CompressionMethod::Deflated)
}

pub fn zip_with(files: &[F], method: CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for file in files {
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .unix_permissions(file.mode);
        if file.name.ends_with('/') {
            writer.add_directory(file.name.as_str(), options).unwrap();
        } else {
            writer.start_file(file.name.as_str(), options).unwrap();
            writer.write_all(&file.data).unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

pub fn record_hash(data: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(Sha256::digest(data)))
}

/// The files of a well-formed wheel `name-version`: `files`, then METADATA, WHEEL and a
/// RECORD listing everything; `edit_record` may change the RECORD lines.
pub fn wheel_files(
    name: &str,
    version: &str,
    files: Vec<F>,
    edit_record: impl FnOnce(&mut Vec<String>),
) -> Vec<F> {
    let metadata = format!(
        "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Dist: requests>=2\n\nA description.\n"
    );
    wheel_with_metadata(name, version, &metadata, files, edit_record)
}

/// Like [`wheel_files`], with the given METADATA text.
pub fn wheel_with_metadata(
    name: &str,
    version: &str,
    metadata: &str,
    mut files: Vec<F>,
    edit_record: impl FnOnce(&mut Vec<String>),
) -> Vec<F> {
    let dist = format!("{name}-{version}.dist-info");
    files.push(f(&format!("{dist}/METADATA"), metadata));
    files.push(f(
        &format!("{dist}/WHEEL"),
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    ));
    let mut lines: Vec<String> = files
        .iter()
        .map(|file| {
            let path = if file.name.contains(',') {
                format!("\"{}\"", file.name)
            } else {
                file.name.clone()
            };
            format!("{path},{},{}", record_hash(&file.data), file.data.len())
        })
        .collect();
    lines.push(format!("{dist}/RECORD,,"));
    edit_record(&mut lines);
    files.push(f(&format!("{dist}/RECORD"), lines.join("\n") + "\n"));
    files
}

pub fn simple_wheel_files() -> Vec<F> {
    wheel_files(
        "demo_pkg",
        "1.0",
        vec![
            f("demo_pkg/__init__.py", "__version__ = '1.0'\n"),
            f("demo_pkg/core.py", "def run():\n    return 42\n"),
            exe("demo_pkg-1.0.data/scripts/demo", "#!python\nprint('hi')\n"),
        ],
        |_| {},
    )
}

/// A tar archive of `files` under `root/` (with a folder entry first).
pub fn tar_of(root: &str, files: &[F]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_path(format!("{root}/")).unwrap();
    dir.set_mode(0o755);
    dir.set_size(0);
    dir.set_cksum();
    builder.append(&dir, std::io::empty()).unwrap();
    for file in files {
        let mut header = tar::Header::new_gnu();
        header.set_mode(file.mode);
        header.set_size(file.data.len() as u64);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(
                &mut header,
                format!("{root}/{}", file.name),
                file.data.as_slice(),
            )
            .unwrap();
    }
    builder.into_inner().unwrap()
}

pub fn pkg_info(name: &str, version: &str) -> F {
    f(
        "PKG-INFO",
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: demo\n"),
    )
}

pub fn sdist_files() -> Vec<F> {
    vec![
        pkg_info("demo-pkg", "1.0"),
        f("setup.py", "from setuptools import setup\nsetup()\n"),
        f(
            "pyproject.toml",
            "[build-system]\nrequires = ['setuptools']\n",
        ),
        f("src/demo_pkg/__init__.py", "x = 1\n"),
        exe("bin/tool", "#!/bin/sh\necho hi\n"),
    ]
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Writes `bytes` as `filename` in a fresh temporary folder.
pub struct Written {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn write(filename: &str, bytes: &[u8]) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(filename);
    std::fs::write(&path, bytes).unwrap();
    Written { _dir: dir, path }
}

pub fn read(filename: &str, bytes: &[u8]) -> Artifact {
    read_with(filename, bytes, &ReadOptions::default())
}

pub fn read_with(filename: &str, bytes: &[u8], options: &ReadOptions) -> Artifact {
    let written = write(filename, bytes);
    read_artifact(&written.path, options).unwrap_or_else(|e| panic!("{filename}: {e}"))
}

pub fn read_err(filename: &str, bytes: &[u8]) -> ArtifactError {
    let written = write(filename, bytes);
    match read_artifact(&written.path, &ReadOptions::default()) {
        Ok(a) => panic!("{filename} read without error: {:#?}", a.findings),
        Err(e) => e,
    }
}

pub fn options_with(limits: Limits) -> ReadOptions<'static> {
    ReadOptions {
        limits,
        ..ReadOptions::default()
    }
}

/// The findings with this code and evidence `reason`.
pub fn with_reason<'a>(artifact: &'a Artifact, code: Code, reason: &str) -> Vec<&'a Finding> {
    artifact
        .findings
        .iter()
        .filter(|f| f.code == code && f.evidence.get_str("reason") == Some(reason))
        .collect()
}

/// The single finding with this code and reason, at this severity.
pub fn one<'a>(
    artifact: &'a Artifact,
    code: Code,
    reason: &str,
    severity: Severity,
) -> &'a Finding {
    let found = with_reason(artifact, code, reason);
    assert_eq!(
        found.len(),
        1,
        "expected one {code}/{reason} finding, got: {:#?}",
        artifact.findings
    );
    assert_eq!(found[0].severity, severity, "{:#?}", found[0]);
    found[0]
}

pub fn paths(artifact: &Artifact) -> Vec<&str> {
    artifact.files.iter().map(|f| f.path.as_str()).collect()
}

/// Replaces every occurrence of `from` by `to` (same length) in `bytes`.
pub fn patch_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut count = 0;
    let mut at = 0;
    while let Some(pos) = find(&bytes[at..], from) {
        bytes[at + pos..at + pos + to.len()].copy_from_slice(to);
        at += pos + to.len();
        count += 1;
    }
    count
}

/// Replaces the first occurrence of `from` by `to` (same length).
pub fn patch_first(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    let pos = find(bytes, from).expect("pattern present");
    bytes[pos..pos + to.len()].copy_from_slice(to);
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// The parts of a small zip: (entries before the directory, central records, end record).
pub fn split_zip(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>, Vec<u8>) {
    let eocd = bytes.len() - 22;
    assert_eq!(
        &bytes[eocd..eocd + 4],
        b"PK\x05\x06",
        "test zips have no comment"
    );
    let cd_size = u32_at(bytes, eocd + 12);
    let cd_start = u32_at(bytes, eocd + 16);
    let mut records = Vec::new();
    let mut at = cd_start;
    while at < cd_start + cd_size {
        let len = 46 + u16_at(bytes, at + 28) + u16_at(bytes, at + 30) + u16_at(bytes, at + 32);
        records.push(bytes[at..at + len].to_vec());
        at += len;
    }
    (bytes[..cd_start].to_vec(), records, bytes[eocd..].to_vec())
}

/// Reassembles a zip from its parts, fixing the end record.
pub fn join_zip(body: &[u8], records: &[Vec<u8>], eocd: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    let cd_start = out.len() as u32;
    let mut cd_size = 0u32;
    for record in records {
        out.extend_from_slice(record);
        cd_size += record.len() as u32;
    }
    let mut end = eocd.to_vec();
    let count = records.len() as u16;
    end[8..10].copy_from_slice(&count.to_le_bytes());
    end[10..12].copy_from_slice(&count.to_le_bytes());
    end[12..16].copy_from_slice(&cd_size.to_le_bytes());
    end[16..20].copy_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&end);
    out
}

/// A tar header for `name` with the name bytes written raw, bypassing the builder's
/// path checks (which refuse `..`).
pub fn raw_tar_header(
    name: &str,
    kind: tar::EntryType,
    size: u64,
    link: Option<&str>,
) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o644);
    let bytes = header.as_mut_bytes();
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    if let Some(link) = link {
        bytes[157..157 + link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_cksum();
    header
}

pub fn assert_clean(artifact: &Artifact) {
    assert!(
        artifact.findings.is_empty(),
        "unexpected findings: {:#?}",
        artifact.findings
    );
}
