//! `provcheck history NAME`: many releases of one project verified against one cached
//! clone, concurrently (bounded), as a timeline.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use provcheck_artifact::{normalize_name, parse_filename};
use provcheck_index::{IndexError, IndexFile};
use provcheck_report::history::HistoryReport;
use provcheck_report::{ReleaseReport, Verdict};
use provcheck_source::SourceRepo;
use tokio::sync::Semaphore;

use crate::enrich::Enrichment;
use crate::release::{Input, Settings, Source, check_release, file_name};
use crate::timeline::parse_time;
use crate::{EngineError, Located, Observers, Session, VerifyOptions};

/// Which releases `history` covers.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Only the N highest versions (after the other filters).
    pub last: Option<usize>,
    /// Only releases first uploaded on or after this date (`YYYY-MM-DD` or RFC 3339).
    pub since: Option<String>,
    /// Only versions matching this PEP 440 specifier set, e.g. `>=2.0,<3`.
    pub versions: Option<String>,
    /// How many releases are compared at once (0: one per CPU).
    pub jobs: usize,
}

/// The versions of a project on the index, with their earliest upload time.
fn versions_of(name: &str, files: &[IndexFile]) -> BTreeMap<Version, Option<i64>> {
    let mut versions: BTreeMap<Version, Option<i64>> = BTreeMap::new();
    for file in files {
        let Ok(parsed) = parse_filename(&file.filename) else {
            continue;
        };
        if parsed.normalized_name != name {
            continue;
        }
        let uploaded = file.upload_time.as_deref().and_then(parse_time);
        let entry = versions.entry(parsed.version).or_insert(uploaded);
        *entry = match (*entry, uploaded) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    versions
}

/// Verifies the selected releases of `project` and builds the timeline.
pub async fn history(
    project: &str,
    options: &VerifyOptions,
    observers: &Observers,
    selection: &HistoryOptions,
) -> Result<HistoryReport, EngineError> {
    let since = selection
        .since
        .as_deref()
        .map(|text| {
            parse_time(text).ok_or_else(|| EngineError::Target {
                target: text.to_owned(),
                detail: "--since expects a date, YYYY-MM-DD or RFC 3339".to_owned(),
            })
        })
        .transpose()?;
    let specifiers = selection
        .versions
        .as_deref()
        .map(|text| {
            VersionSpecifiers::from_str(text).map_err(|e| EngineError::Target {
                target: text.to_owned(),
                detail: format!("--versions expects PEP 440 specifiers like '>=2.0,<3': {e}"),
            })
        })
        .transpose()?;

    let session = Session::new(options, observers);
    let name = normalize_name(project);
    (observers.steps)(&format!("looking up {name} on the index"));
    let files = options.index.files(&name).await?;
    let mut versions: Vec<Version> = versions_of(&name, &files.files)
        .into_iter()
        .filter(|(_, uploaded)| since.is_none_or(|s| uploaded.is_some_and(|u| u >= s)))
        .filter(|(v, _)| specifiers.as_ref().is_none_or(|spec| spec.contains(v)))
        .map(|(v, _)| v)
        .collect();
    if let Some(last) = selection.last {
        let skip = versions.len().saturating_sub(last);
        versions.drain(..skip);
    }
    let Some(latest) = versions.last().cloned() else {
        return Err(EngineError::Index(IndexError::ProjectNotFound {
            project: name.clone(),
            index: "the index (no release matches the selection)".to_owned(),
        }));
    };

    // One repository for the whole timeline, located from the latest release.
    let located = session.locate(&name, &latest).await?;
    let repo_label = match &located {
        Located::Repo { label, .. } => Some(label.clone()),
        Located::Missing { .. } => None,
    };

    let mut notes = Vec::new();
    let mut chosen: Vec<(Version, Result<Vec<&IndexFile>, EngineError>)> = Vec::new();
    for version in &versions {
        chosen.push((
            version.clone(),
            session.release_files(&name, version, &files),
        ));
    }
    let all: Vec<&IndexFile> = chosen
        .iter()
        .filter_map(|(_, files)| files.as_ref().ok())
        .flatten()
        .copied()
        .collect();
    (observers.steps)(&format!(
        "downloading {} file(s) of {} release(s)",
        all.len(),
        versions.len()
    ));
    let mut inputs: HashMap<String, Input> = session
        .download(&all)
        .await
        .into_iter()
        .map(|input| (input_name(&input), input))
        .collect();

    (observers.steps)("comparing");
    let permits = Arc::new(Semaphore::new(if selection.jobs == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        selection.jobs
    }));
    // GitHub metadata: the default branch once for the timeline, each release's pull
    // request and GitHub release after its comparison.
    let enrichment = Enrichment::prepare(&options.github, &located).await;
    let settings = Settings {
        git_ref: None,
        limits: options.limits.clone(),
        explain: options.explain,
        submodules: options.submodules.clone(),
        default_branch: enrichment.default_branch(),
    };
    let mut tasks = Vec::new();
    for (version, files) in chosen {
        let files = match files {
            Ok(files) => files,
            Err(error) => {
                notes.push(format!("{name} {version}: {error}"));
                tasks.push(Task::Done(Box::new(error_release(&name, &version))));
                continue;
            }
        };
        let release_inputs: Vec<Input> = files
            .iter()
            .filter_map(|f| inputs.remove(&f.filename))
            .collect();
        let permits = permits.clone();
        let located = located.clone();
        let settings = settings.clone();
        let offline = options.offline;
        let task_name = name.clone();
        let enrichment = enrichment.clone();
        tasks.push(Task::Running(
            version.clone(),
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let (blocking_name, blocking_version) = (task_name.clone(), version.clone());
                let compared = tokio::task::spawn_blocking(move || {
                    compare_one(
                        located,
                        offline,
                        &blocking_name,
                        &blocking_version,
                        &release_inputs,
                        &settings,
                    )
                })
                .await;
                match compared {
                    Ok(Ok(mut release)) => {
                        enrichment.apply(&mut release, &task_name, &version).await;
                        Ok(Ok(release))
                    }
                    other => other,
                }
            }),
        ));
    }
    let mut releases = Vec::new();
    for task in tasks {
        match task {
            Task::Done(release) => releases.push(*release),
            Task::Running(version, handle) => match handle.await {
                Ok(Ok(Ok(release))) => releases.push(release),
                Ok(Ok(Err(error))) => {
                    notes.push(format!("{name} {version}: {error}"));
                    releases.push(error_release(&name, &version));
                }
                _ => {
                    notes.push(format!("{name} {version}: the comparison task failed"));
                    releases.push(error_release(&name, &version));
                }
            },
        }
    }
    Ok(HistoryReport::new(
        &options.tool_version,
        &name,
        repo_label,
        releases,
        notes,
    ))
}

enum Task {
    Done(Box<ReleaseReport>),
    Running(
        Version,
        tokio::task::JoinHandle<Result<Result<ReleaseReport, EngineError>, tokio::task::JoinError>>,
    ),
}

fn input_name(input: &Input) -> String {
    match input {
        Input::File { path, .. } => file_name(path),
        Input::Unusable { filename, .. } => filename.clone(),
    }
}

/// A release that could not be checked at all.
fn error_release(name: &str, version: &Version) -> ReleaseReport {
    ReleaseReport {
        name: name.to_owned(),
        version: version.to_string(),
        verdict: Verdict::Error,
        source: None,
        findings: Vec::new(),
        artifacts: Vec::new(),
        github: None,
        notes: Vec::new(),
    }
}

/// One release against the located repository, on a blocking thread (each opens its own
/// `SourceRepo`: git2 repositories are not shared between threads).
fn compare_one(
    located: Located,
    offline: bool,
    name: &str,
    version: &Version,
    inputs: &[Input],
    settings: &Settings,
) -> Result<ReleaseReport, EngineError> {
    match located {
        Located::Repo {
            path,
            label,
            discovered_from,
            subdir_hint,
        } => {
            let mut repo = SourceRepo::open(&path)?;
            repo.set_offline(offline);
            let source = Source::Repo {
                repo: &repo,
                label,
                discovered_from,
                subdir_hint,
            };
            check_release(&source, name, version, inputs, settings)
        }
        Located::Missing { reason } => {
            check_release(&Source::Missing { reason }, name, version, inputs, settings)
        }
    }
}
