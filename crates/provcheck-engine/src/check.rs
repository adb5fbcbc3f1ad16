//! `provcheck check`: local artifacts against a local repository.

use std::path::PathBuf;

use pep440_rs::Version;
use provcheck_artifact::{Limits, parse_filename};
use provcheck_report::Report;
use provcheck_source::SourceRepo;

use crate::EngineError;
use crate::release::{IndexFacts, Input, Settings, Source, check_release, file_name};

/// What `check` needs besides the artifacts.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The repository: a clone (bare or not) or a folder inside one. Used in place.
    pub repo: PathBuf,
    /// A revision to compare against instead of resolving one (`--ref`).
    pub git_ref: Option<String>,
    /// Limits for reading hostile archives.
    pub limits: Limits,
    /// Record how every file was traced (`files` in the report).
    pub explain: bool,
    /// Repositories holding the commits submodules are pinned to.
    pub submodules: Vec<PathBuf>,
    /// The version stamped into the report.
    pub tool_version: String,
}

/// The artifacts given for one (name, version), in the order given.
struct ReleaseGroup {
    name: String,
    version: Version,
    inputs: Vec<Input>,
}

/// Checks artifacts against a repository. Artifacts of one (name, version) form one
/// release entry, in the order first given. Problems with one artifact (a corrupt archive)
/// become its `error` verdict; only problems with the whole run are `Err`.
pub fn check(paths: &[PathBuf], options: &CheckOptions) -> Result<Report, EngineError> {
    if paths.is_empty() {
        return Err(EngineError::NoArtifacts);
    }
    let mut groups: Vec<ReleaseGroup> = Vec::new();
    for path in paths {
        let name =
            parse_filename(&file_name(path)).map_err(|source| EngineError::ArtifactName {
                path: path.clone(),
                source,
            })?;
        let input = Input::File {
            path: path.clone(),
            facts: IndexFacts::default(),
        };
        match groups
            .iter_mut()
            .find(|g| g.name == name.normalized_name && g.version == name.version)
        {
            Some(group) => group.inputs.push(input),
            None => groups.push(ReleaseGroup {
                name: name.normalized_name.clone(),
                version: name.version.clone(),
                inputs: vec![input],
            }),
        }
    }
    let repo = SourceRepo::open(&options.repo)?;
    let source = Source::Repo {
        repo: &repo,
        label: repo.display_path(),
        discovered_from: None,
        subdir_hint: None,
    };
    let settings = Settings {
        git_ref: options.git_ref.clone(),
        limits: options.limits.clone(),
        explain: options.explain,
        submodules: options.submodules.clone(),
        default_branch: None,
    };
    let mut releases = Vec::new();
    for group in &groups {
        releases.push(check_release(
            &source,
            &group.name,
            &group.version,
            &group.inputs,
            &settings,
        )?);
    }
    Ok(Report::new(&options.tool_version, releases))
}
