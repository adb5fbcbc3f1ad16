//! Rules that prove a difference is legitimate (PACKAGING.md), each with a stable name
//! recorded in the evidence of what it explains.
//!
//! | rule | explains |
//! |---|---|
//! | `wheel-metadata` | `*.dist-info/{METADATA,WHEEL,RECORD,…}` |
//! | `license-copy` | license/notice/authors files copied into `*.dist-info/` |
//! | `sdist-pkg-info` | the sdist's `PKG-INFO` |
//! | `egg-info` | setuptools' `*.egg-info/` folder in sdists |
//! | `setup-cfg-egg-info` | setuptools' rewritten `setup.cfg` (only `[egg_info]` may differ) |
//! | `compiled-module` | `.so`/`.pyd` with a source counterpart (unverified) |
//! | `vendored-shared-library` | libraries bundled by auditwheel/delocate (unverified) |
//! | `scm-version-file` | version files written by setuptools-scm, hatch-vcs, pdm, versioneer |
//! | `submodule` | files inside a submodule whose repository is not available |
//! | `declared-metadata` | checks `Requires-Dist`/entry points against the source's declarations |
//! | `version-substitution` | a tracked file in which only the version was substituted |
//! | `script-shebang` | `*.data/scripts/*` whose first line was rewritten |
//! | `gzip-copy` | `X.gz` whose decompressed content is the tree's `X` |
//! | `maturin-init` | the `__init__.py` maturin writes for a pure-Rust module |
//! | `cython-output` | Cython's C output beside its `.pyx` (unverified) |
//! | `build-generated` | a file the project's build code names (`low`) |
//! | `tree-symlink` | a file matched through a symlink of the tree |
//!
//! [`suspicious`] scans what the rules could not prove (added lines, extra files).

mod build;
mod compiled;
pub(crate) mod declared;
mod literals;
mod metadata;
pub(crate) mod project;
pub(crate) mod scripts;
mod setup_cfg;
mod substitution;
pub(crate) mod suspicious;
mod version_file;

pub use version_file::{VersionModule, inspect as inspect_version_module};

use provcheck_artifact::{ArtifactFile, ArtifactKind};
use provcheck_report::Severity;

use crate::classify::{Ctx, Outcome};

/// Rules that apply by path, before any comparison with the tree.
pub(crate) fn explain(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Outcome> {
    let path = file.path.as_str();
    let top = path.split('/').next().unwrap_or(path);
    match ctx.kind() {
        ArtifactKind::Wheel => {
            if top.ends_with(".dist-info") {
                return Some(metadata::dist_info(ctx, file));
            }
            if let Some(outcome) = scripts::data_script(ctx, file) {
                return Some(outcome);
            }
            if let Some(outcome) = compiled::vendored_library(ctx, file) {
                return Some(outcome);
            }
        }
        ArtifactKind::Sdist => {
            if path == "PKG-INFO" {
                return Some(Outcome::generated(
                    file,
                    "sdist-pkg-info",
                    "PKG-INFO is written by the build backend from the project metadata",
                ));
            }
            // A submodule's checkout carries a `.git` file pointing at the parent's
            // `.git/modules/`: swept in by accident, in no commit.
            if path.rsplit('/').next() == Some(".git")
                && !ctx.tree().contains_blob(&file.digests.blob_id)
            {
                return Some(ctx.extra(
                    file,
                    None,
                    " (a submodule's .git pointer file, swept in by accident)",
                ));
            }
        }
    }
    if let Some(outcome) = metadata::egg_info(ctx, file) {
        return Some(outcome);
    }
    compiled::compiled_module(ctx, file)
}

/// Rules for a file whose mapped source path exists with other content.
pub(crate) fn explain_difference(
    ctx: &Ctx<'_>,
    file: &ArtifactFile,
    source_path: &str,
) -> Option<Outcome> {
    if ctx.kind() == ArtifactKind::Sdist && file.path == "setup.cfg" {
        return Some(setup_cfg::rewritten(ctx, file, source_path));
    }
    // versioneer keeps a template `_version.py` in the tree and rewrites it in builds.
    if let Some(outcome) = version_file::explain(ctx, file, source_path) {
        return Some(outcome);
    }
    substitution::explain(ctx, file, source_path)
}

/// Rules for a file whose mapped source path does not exist and whose content is in no
/// file of the tree.
pub(crate) fn explain_addition(
    ctx: &Ctx<'_>,
    file: &ArtifactFile,
    source_path: &str,
) -> Option<Outcome> {
    if ctx.kind() == ArtifactKind::Sdist && file.path == "setup.cfg" {
        return setup_cfg::added(ctx, file);
    }
    if let Some(outcome) = version_file::explain(ctx, file, source_path) {
        return Some(outcome);
    }
    if let Some(outcome) = build::gzip_copy(ctx, file, source_path) {
        return Some(outcome);
    }
    if let Some(outcome) = build::maturin_init(ctx, file) {
        return Some(outcome);
    }
    if let Some(outcome) = build::cython_output(ctx, file, source_path) {
        return Some(outcome);
    }
    // Inside a submodule: the tree holds a gitlink at some parent folder.
    let mut folder = source_path;
    while let Some((parent, _)) = folder.rsplit_once('/') {
        if let Some(entry) = ctx.tree().get(parent)
            && entry.mode == provcheck_types::EntryMode::Submodule
        {
            return Some(submodule_file(file, parent));
        }
        folder = parent;
    }
    if version_file::is_configured(ctx, source_path) {
        return None;
    }
    build::build_generated(ctx, file, source_path)
}

/// A file inside a submodule whose repository is not available: unverified, not extra.
pub(crate) fn submodule_file(file: &ArtifactFile, submodule: &str) -> Outcome {
    Outcome::unverified(
        file,
        "submodule",
        Severity::Medium,
        format!(
            "inside submodule {submodule}, whose repository was not available to compare (pass it with --submodule PATH)"
        ),
    )
    .with_source(submodule)
    .with_evidence("submodule", submodule)
}
