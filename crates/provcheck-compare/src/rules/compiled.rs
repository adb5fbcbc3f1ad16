//! Compiled code cannot be verified by comparison; what can be checked is that each
//! compiled module has a source counterpart (PACKAGING.md item 8).

use provcheck_artifact::ArtifactFile;
use provcheck_report::Severity;

use crate::classify::{Ctx, Outcome};
use crate::mapping::logical_path;

const SOURCE_EXTENSIONS: &[&str] = &["py", "pyx", "pxd", "c", "cc", "cpp", "cxx", "rs", "f90"];

fn is_compiled(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".so")
        || lower.ends_with(".pyd")
        || lower.ends_with(".dylib")
        || lower.ends_with(".dll")
        || lower.contains(".so.")
}

/// Shared libraries bundled by auditwheel (`<pkg>.libs/`) or delocate (`.dylibs/`).
pub(super) fn vendored_library(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Outcome> {
    let top = file.path.split('/').next()?;
    let vendored =
        (top.ends_with(".libs") && file.path.len() > top.len()) || file.path.contains("/.dylibs/");
    if !vendored || ctx.tree().contains_blob(&file.digests.blob_id) {
        return None;
    }
    Some(Outcome::unverified(
        file,
        "vendored-shared-library",
        Severity::Medium,
        "a shared library bundled into the wheel by its build (auditwheel/delocate); it cannot be verified against the source",
    ))
}

/// A `.so`/`.pyd` module: unverified; with a source counterpart `medium`, without `high`.
pub(super) fn compiled_module(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Outcome> {
    let name = file.path.rsplit('/').next()?;
    if !is_compiled(name) || ctx.tree().contains_blob(&file.digests.blob_id) {
        return None;
    }
    let stem = name.split('.').next().unwrap_or(name);
    let logical = logical_path(ctx.kind(), &file.path).unwrap_or(&file.path);
    let source = ctx.mapping.source_path(logical);
    let folder = source
        .rsplit_once('/')
        .map(|(f, _)| format!("{f}/"))
        .unwrap_or_default();
    match counterpart(ctx, &folder, stem) {
        Some(counterpart) => Some(
            Outcome::unverified(
                file,
                "compiled-module",
                Severity::Medium,
                format!("compiled from {counterpart}; compiled code cannot be verified without a rebuild"),
            )
            .with_source(counterpart),
        ),
        None => Some(Outcome::unverified(
            file,
            "compiled-module",
            Severity::High,
            format!("a compiled module with no source counterpart ({stem}.pyx/.c/.py/… or a Rust crate) in the tree"),
        )),
    }
}

/// The source a compiled module was built from: a same-named source file beside its
/// mapped location, a same-named C/Cython file anywhere, or a declared Rust extension.
fn counterpart(ctx: &Ctx<'_>, folder: &str, stem: &str) -> Option<String> {
    let tree = ctx.tree();
    let stems = [
        stem,
        stem.trim_start_matches('_'),
        stem.trim_start_matches("lib"),
    ];
    for stem in stems {
        for ext in SOURCE_EXTENSIONS {
            let candidate = format!("{folder}{stem}.{ext}");
            if tree.get(&candidate).is_some() {
                return Some(candidate);
            }
        }
    }
    // A Rust extension: the crate maturin builds, or one setuptools-rust declares.
    if ctx.project.is_maturin() {
        let manifest = ctx.project.cargo_manifest();
        if tree.get(&manifest).is_some() {
            return Some(manifest);
        }
    }
    let rust_declared = ["setup.py", "pyproject.toml", "setup.cfg"]
        .iter()
        .any(|name| {
            ctx.project
                .text(name)
                .is_some_and(|t| t.contains("setuptools_rust") || t.contains("setuptools-rust"))
        });
    let mut cargo = None;
    for (path, _) in tree.entries() {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Some((base, ext)) = name.rsplit_once('.')
            && stems.contains(&base)
            && SOURCE_EXTENSIONS[1..].contains(&ext)
        {
            return Some(path.clone());
        }
        if name == "Cargo.toml" && cargo.is_none() {
            // A crate named like the module, or any crate of a project that declares
            // setuptools-rust; an unrelated Cargo.toml elsewhere explains nothing.
            let folder = path
                .strip_suffix("Cargo.toml")
                .unwrap_or("")
                .trim_end_matches('/');
            let folder_name = folder.rsplit('/').next().unwrap_or(folder);
            let named = stems
                .iter()
                .any(|s| !s.is_empty() && folder_name.replace('-', "_") == s.replace('-', "_"));
            if named || rust_declared {
                cargo = Some(path.clone());
            }
        }
    }
    // mypyc's shared runtime module (`<hash>__mypyc`) has no source file of its own.
    if stem.ends_with("__mypyc") {
        return tree
            .entries()
            .find(|(p, _)| p.ends_with(".py"))
            .map(|_| "mypyc runtime (compiled from the package's Python modules)".to_owned());
    }
    cargo
}
