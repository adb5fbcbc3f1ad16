//! Packaging metadata: wheel `.dist-info`, sdist `PKG-INFO`, setuptools `.egg-info`.

use provcheck_artifact::{ArtifactFile, CoreMetadata, normalize_name};
use provcheck_report::{Code, Finding, Severity};

use crate::classify::{Ctx, Outcome};

/// Files every wheel backend writes into `.dist-info/`.
const WHEEL_METADATA: &[&str] = &[
    "METADATA",
    "WHEEL",
    "RECORD",
    "RECORD.jws",
    "RECORD.p7s",
    "entry_points.txt",
    "top_level.txt",
    "zip-safe",
    "not-zip-safe",
    "namespace_packages.txt",
    "dependency_links.txt",
    "metadata.json",
    "pydist.json",
    "DESCRIPTION.rst",
    "REQUESTED",
    "INSTALLER",
    "direct_url.json",
    "pbr.json",
];

/// setuptools' egg-info files.
const EGG_INFO: &[&str] = &[
    "PKG-INFO",
    "SOURCES.txt",
    "requires.txt",
    "top_level.txt",
    "entry_points.txt",
    "dependency_links.txt",
    "not-zip-safe",
    "zip-safe",
    "namespace_packages.txt",
    "pbr.json",
];

/// A file inside the wheel's `.dist-info/` folder.
pub(super) fn dist_info(ctx: &Ctx<'_>, file: &ArtifactFile) -> Outcome {
    let (_, rest) = file.path.split_once('/').unwrap_or(("", &file.path));
    if WHEEL_METADATA.contains(&rest) {
        return Outcome::generated(
            file,
            "wheel-metadata",
            format!("{rest} is written by the wheel builder"),
        );
    }
    if rest.starts_with("sboms/") {
        return Outcome::generated(
            file,
            "wheel-metadata",
            "a software bill of materials written by the wheel builder",
        );
    }
    if let Some(inner) = rest.strip_prefix("licenses/") {
        return license_copy(ctx, file, Some(inner));
    }
    if !rest.contains('/') && is_license_name(rest) {
        return license_copy(ctx, file, None);
    }
    ctx.extra(
        file,
        None,
        " (an unknown file in the wheel's .dist-info folder)",
    )
}

fn is_license_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "LICEN",
        "COPYING",
        "NOTICE",
        "AUTHORS",
        "COPYRIGHT",
        "PATENTS",
    ]
    .iter()
    .any(|stem| upper.starts_with(stem))
}

/// PEP 639 `licenses/<path in the project>` or a flat legacy copy: the content must be a
/// file of the tree (the expected path first, else any file).
fn license_copy(ctx: &Ctx<'_>, file: &ArtifactFile, inner: Option<&str>) -> Outcome {
    let tree = ctx.tree();
    // PEP 639 paths are relative to the project root (where pyproject.toml is), which for
    // a src-layout wheel is not the folder most files map to.
    let expected = inner.map(|inner| format!("{}{inner}", ctx.project.root));
    let found = expected
        .as_ref()
        .filter(|path| {
            tree.get(path)
                .is_some_and(|e| e.blob == file.digests.blob_id)
        })
        .cloned()
        .or_else(|| ctx.relocated_source(file));
    match found {
        Some(source) => {
            let mut outcome = Outcome::generated(
                file,
                "license-copy",
                format!("a copy of {source} made by the wheel builder"),
            );
            outcome.findings[0]
                .evidence
                .insert("source_path", source.as_str());
            outcome.with_source(source)
        }
        None => match expected.filter(|path| tree.get(path).is_some()) {
            Some(path) => ctx.modified(file, &path, None),
            None => ctx.extra(file, None, " (a license file that is not in the source)"),
        },
    }
}

/// A file in a setuptools `*.egg-info/` folder of an sdist (at the root, under `src/`, or
/// beside the package).
pub(super) fn egg_info(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Outcome> {
    let (folder, name) = file.path.rsplit_once('/')?;
    if !folder.rsplit('/').next()?.ends_with(".egg-info") {
        return None;
    }
    if ctx.kind() != provcheck_artifact::ArtifactKind::Sdist {
        return None;
    }
    if !EGG_INFO.contains(&name) {
        return Some(ctx.extra(file, None, " (an unknown file in an .egg-info folder)"));
    }
    let mut outcome = Outcome::generated(
        file,
        "egg-info",
        format!("{name} is written by setuptools' egg_info command"),
    );
    if name == "PKG-INFO"
        && let Some(finding) = pkg_info_agrees(ctx, file)
    {
        outcome.findings.push(finding);
    }
    Some(outcome)
}

/// An egg-info `PKG-INFO` must name the same project and version as the sdist.
fn pkg_info_agrees(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Finding> {
    let content = ctx.content(file)?;
    let metadata = CoreMetadata::parse(&String::from_utf8_lossy(&content));
    let release = &ctx.input.artifact.name;
    let name_ok = metadata
        .name
        .as_deref()
        .is_none_or(|n| normalize_name(n) == release.normalized_name);
    let version_ok = metadata
        .version
        .as_deref()
        .and_then(|v| v.parse::<pep440_rs::Version>().ok())
        .is_none_or(|v| v == release.version);
    if name_ok && version_ok {
        return None;
    }
    Some(
        Finding::new(
            Code::MetadataMismatch,
            Severity::High,
            format!(
                "{} names {} {} but the sdist is {} {}",
                file.path,
                metadata.name.as_deref().unwrap_or("?"),
                metadata.version.as_deref().unwrap_or("?"),
                release.name,
                release.version
            ),
        )
        .at(&file.path),
    )
}
