use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use pep440_rs::Version;
use provcheck_report::{ArtifactKind, Code, Finding, Severity};
use provcheck_types::FileDigests;
use sha2::{Digest, Sha256};

use crate::collect::Collector;
use crate::filename::{ArchiveFormat, detect_format, split_name_version};
use crate::findings::Findings;
use crate::limits::Meter;
use crate::paths::display;
use crate::record::check_record;
use crate::select::read_selected;
use crate::walk::{WalkError, walk};
use crate::{
    ArtifactError, ArtifactName, CoreMetadata, ReadOptions, normalize_name, parse_filename,
};

/// One regular file of an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactFile {
    /// Normalized, `/`-separated, relative to the artifact root (sdists: without their
    /// `name-version/` top folder).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Unix permission bits when the archive records them (`0o644` style, file type bits
    /// stripped), else `0o644`.
    pub mode: u32,
    /// Whether any execute bit is set.
    pub executable: bool,
    /// sha256 and git blob id of the content.
    pub digests: FileDigests,
    /// The content, when it was kept ([`ReadOptions::retain`]).
    pub content: Option<Arc<[u8]>>,
    /// Whether the content was to be kept but did not fit the budget
    /// ([`ReadOptions::retain_budget`]); [`Artifact::read_contents`] reads it again.
    pub content_dropped: bool,
}

/// A wheel or sdist, read: its files, digests, metadata and findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// The file name of the archive.
    pub filename: String,
    /// The file name, parsed.
    pub name: ArtifactName,
    /// sha256 of the archive file itself, lowercase hex.
    pub sha256: String,
    /// Size of the archive file in bytes.
    pub size: u64,
    /// The sdist top-level folder that was stripped from paths.
    pub root: Option<String>,
    /// Regular files only, in archive order.
    pub files: Vec<ArtifactFile>,
    /// `archive-anomaly`, `record-mismatch` and `metadata-mismatch` findings.
    pub findings: Vec<Finding>,
    /// Wheel: `<dist-info>/METADATA`; sdist: `PKG-INFO` at the root.
    pub metadata: Option<CoreMetadata>,
    /// Wheel: the `.dist-info` folder name.
    pub dist_info: Option<String>,
}

impl Artifact {
    /// The file at `path` (normalized, as in [`ArtifactFile::path`]).
    ///
    /// A linear search: build a map from [`Artifact::files`] for many lookups.
    pub fn file(&self, path: &str) -> Option<&ArtifactFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Reads the contents of the named files again from the archive at `archive` (for
    /// files whose content was not kept), checking each against its digests.
    ///
    /// Paths that are not among [`Artifact::files`] are left out of the result. Limits
    /// follow from the first read: each file is bounded by its known size.
    pub fn read_contents(
        &self,
        archive: &Path,
        paths: &[&str],
    ) -> Result<HashMap<String, Vec<u8>>, ArtifactError> {
        let (_, format, _) =
            detect_format(&self.filename).ok_or_else(|| ArtifactError::UnknownFormat {
                file: self.filename.clone(),
            })?;
        let io_error = |source| ArtifactError::Io {
            path: archive.to_owned(),
            source,
        };
        let file = File::open(archive).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        read_selected(&file, len, format, self.name.kind, &self.files, paths)
            .map_err(|e| walk_error(e, archive, &self.filename))
    }
}

/// Reads the artifact at `archive` in one streaming pass, nothing written to disk.
///
/// The file name must be the artifact's published name: it tells the format, the project
/// name and the version.
pub fn read_artifact(archive: &Path, options: &ReadOptions) -> Result<Artifact, ArtifactError> {
    let filename = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (kind, format, _) =
        detect_format(&filename).ok_or_else(|| ArtifactError::UnknownFormat {
            file: filename.clone(),
        })?;
    let name = parse_filename(&filename)?;
    let io_error = |source| ArtifactError::Io {
        path: archive.to_owned(),
        source,
    };
    let file = File::open(archive).map_err(io_error)?;
    let (sha256, size) = hash_file(&file).map_err(io_error)?;

    let mut collector = Collector::new(kind, options);
    let mut meter = Meter::new(options.limits.clone());
    walk(&file, size, format, &mut meter, &mut collector)
        .map_err(|e| walk_error(e, archive, &filename))?;
    let collected = collector.finish();
    let mut findings = collected.findings;

    let dist_info = match kind {
        ArtifactKind::Wheel => choose_dist_info(&collected.files, &name, &mut findings),
        ArtifactKind::Sdist => None,
    };
    let metadata_path = match (kind, &dist_info) {
        (ArtifactKind::Wheel, Some(dist)) => Some(format!("{dist}/METADATA")),
        (ArtifactKind::Wheel, None) => None,
        (ArtifactKind::Sdist, _) => Some("PKG-INFO".to_owned()),
    };
    let record_path = dist_info.as_ref().map(|dist| format!("{dist}/RECORD"));
    let wanted: Vec<&str> = [&metadata_path, &record_path]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let contents = contents_of(&file, size, format, kind, &collected.files, &wanted)
        .map_err(|e| walk_error(e, archive, &filename))?;

    let metadata = metadata_path
        .as_deref()
        .and_then(|p| contents.get(p))
        .map(|bytes| CoreMetadata::parse(&String::from_utf8_lossy(bytes)));
    findings.extend(check_metadata(
        &name,
        kind,
        metadata_path.as_deref(),
        metadata.as_ref(),
    ));
    if kind == ArtifactKind::Wheel {
        let record = record_path.as_deref().and_then(|p| contents.get(p));
        findings.extend(check_record(
            dist_info.as_deref(),
            record.map(Vec::as_slice),
            &collected.files,
            &collected.unread,
        ));
    }

    Ok(Artifact {
        filename,
        name,
        sha256,
        size,
        root: collected.root,
        files: collected.files,
        findings: findings.finish(),
        metadata,
        dist_info,
    })
}

fn walk_error(error: WalkError, archive: &Path, filename: &str) -> ArtifactError {
    match error {
        WalkError::Io(source) => ArtifactError::Io {
            path: archive.to_owned(),
            source,
        },
        WalkError::Corrupt(detail) => ArtifactError::Corrupt {
            file: filename.to_owned(),
            detail,
        },
    }
}

/// sha256 and length of the whole file.
fn hash_file(mut file: &File) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// The contents of `paths`: kept ones from memory, the others read again.
fn contents_of(
    file: &File,
    len: u64,
    format: ArchiveFormat,
    kind: ArtifactKind,
    files: &[ArtifactFile],
    paths: &[&str],
) -> Result<HashMap<String, Vec<u8>>, WalkError> {
    let mut contents = HashMap::new();
    let mut missing = Vec::new();
    for &path in paths {
        match files.iter().find(|f| f.path == path) {
            Some(ArtifactFile {
                content: Some(content),
                ..
            }) => {
                contents.insert(path.to_owned(), content.to_vec());
            }
            Some(_) => missing.push(path),
            None => {}
        }
    }
    if !missing.is_empty() {
        contents.extend(read_selected(file, len, format, kind, files, &missing)?);
    }
    Ok(contents)
}

/// The wheel's `.dist-info` folder: the only one, or the one named after the project.
fn choose_dist_info(
    files: &[ArtifactFile],
    name: &ArtifactName,
    findings: &mut Findings,
) -> Option<String> {
    let mut folders: Vec<&str> = Vec::new();
    for file in files {
        if let Some((top, _)) = file.path.split_once('/')
            && top.ends_with(".dist-info")
            && !folders.contains(&top)
        {
            folders.push(top);
        }
    }
    let named = |folder: &str| {
        folder
            .strip_suffix(".dist-info")
            .and_then(split_name_version)
            .is_some_and(|(n, _)| normalize_name(n) == name.normalized_name)
    };
    let chosen = match folders.as_slice() {
        [] => {
            findings.push(
                Finding::new(
                    Code::ArchiveAnomaly,
                    Severity::High,
                    "the wheel has no .dist-info folder: it is not a valid wheel, and nothing describes its contents",
                )
                .with("reason", "no-dist-info"),
            );
            return None;
        }
        [only] => *only,
        several => {
            let chosen = several
                .iter()
                .copied()
                .find(|f| named(f))
                .unwrap_or(several[0]);
            findings.push(
                Finding::new(
                    Code::ArchiveAnomaly,
                    Severity::High,
                    format!(
                        "the wheel has {} .dist-info folders: installers refuse it or pick one, and a second \
                         set of metadata can hide dependencies or entry points; `{}` was used",
                        several.len(),
                        display(chosen)
                    ),
                )
                .with("reason", "multiple-dist-info")
                .with("folders", several.iter().map(|f| display(f)).collect::<Vec<_>>()),
            );
            chosen
        }
    };
    match chosen
        .strip_suffix(".dist-info")
        .and_then(split_name_version)
    {
        Some((folder_name, version)) => {
            if normalize_name(folder_name) != name.normalized_name {
                findings.push(mismatch(
                    chosen,
                    "name",
                    &name.name,
                    folder_name,
                    "the .dist-info folder",
                ));
            } else if version != name.version {
                findings.push(mismatch(
                    chosen,
                    "version",
                    &name.version.to_string(),
                    &version.to_string(),
                    "the .dist-info folder",
                ));
            }
        }
        None => findings.push(
            Finding::new(
                Code::MetadataMismatch,
                Severity::High,
                format!(
                    "the folder `{}` is not named {{name}}-{{version}}.dist-info",
                    display(chosen)
                ),
            )
            .at(display(chosen))
            .with("reason", "dist-info-name")
            .with("field", "dist-info"),
        ),
    }
    Some(chosen.to_owned())
}

fn mismatch(path: &str, field: &str, filename: &str, found: &str, source: &str) -> Finding {
    Finding::new(
        Code::MetadataMismatch,
        Severity::High,
        format!(
            "{source} gives the {field} `{}` but the filename says `{}`: the artifact was renamed, or built from something else",
            display(found),
            display(filename)
        ),
    )
    .at(display(path))
    .with("reason", format!("{field}-mismatch"))
    .with("field", field)
    .with("filename", display(filename))
    .with("metadata", display(found))
}

/// Name and version of the metadata against the filename.
fn check_metadata(
    name: &ArtifactName,
    kind: ArtifactKind,
    path: Option<&str>,
    metadata: Option<&CoreMetadata>,
) -> Vec<Finding> {
    let (Some(path), Some(metadata)) = (path, metadata) else {
        // A wheel without .dist-info is reported already.
        return match (kind, path) {
            (ArtifactKind::Wheel, None) => vec![],
            (ArtifactKind::Wheel, Some(path)) => vec![
                Finding::new(
                    Code::MetadataMismatch,
                    Severity::High,
                    "the wheel has no METADATA, so its name, version and dependencies cannot be checked",
                )
                .at(display(path))
                .with("reason", "no-metadata")
                .with("field", "metadata"),
            ],
            (ArtifactKind::Sdist, _) => vec![
                Finding::new(
                    Code::MetadataMismatch,
                    Severity::Medium,
                    "the sdist has no PKG-INFO at its root, so its name and version cannot be checked",
                )
                .at("PKG-INFO")
                .with("reason", "no-metadata")
                .with("field", "metadata"),
            ],
        };
    };
    let source = path.rsplit('/').next().unwrap_or(path);
    let mut findings = Vec::new();
    match metadata.name.as_deref() {
        Some(found) if normalize_name(found) == name.normalized_name => {}
        Some(found) => findings.push(mismatch(path, "name", &name.name, found, source)),
        None => findings.push(
            Finding::new(
                Code::MetadataMismatch,
                Severity::High,
                format!("{source} has no Name"),
            )
            .at(display(path))
            .with("reason", "no-name")
            .with("field", "name"),
        ),
    }
    let filename_version = name.version.to_string();
    match metadata
        .version
        .as_deref()
        .map(|v| (v, Version::from_str(v)))
    {
        Some((_, Ok(found))) if found == name.version => {}
        Some((found, Ok(_))) => {
            findings.push(mismatch(path, "version", &filename_version, found, source))
        }
        Some((found, Err(_))) => findings.push(
            Finding::new(
                Code::MetadataMismatch,
                Severity::High,
                format!(
                    "{source} gives the version `{}`, which is not a PEP 440 version",
                    display(found)
                ),
            )
            .at(display(path))
            .with("reason", "bad-version")
            .with("field", "version")
            .with("metadata", display(found)),
        ),
        None => findings.push(
            Finding::new(
                Code::MetadataMismatch,
                Severity::High,
                format!("{source} has no Version"),
            )
            .at(display(path))
            .with("reason", "no-version")
            .with("field", "version"),
        ),
    }
    findings
}
