//! `provcheck verify NAME[==VERSION]`: a release from a package index, its repository
//! discovered from the project's metadata (or given), every selected file checked.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use pep440_rs::Version;
use provcheck_artifact::{ArtifactName, Limits, normalize_name, parse_filename};
use provcheck_index::{GitHubClient, IndexClient, IndexError, IndexFile, ProjectFiles, Reporter};
use provcheck_report::{ArtifactKind, Code, Finding, ReleaseReport, Report, Severity};
use provcheck_source::{AcquireOptions, GitProgress, RepoCache, RepoUrl, SourceRepo, discover};
use tokio::sync::Semaphore;

use crate::EngineError;
use crate::enrich::Enrichment;
use crate::release::{IndexFacts, Input, Settings, Source, check_release};

/// Which files of a release to verify.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only sdists or only wheels.
    pub only: Option<ArtifactKind>,
    /// Every file, platform wheels included.
    pub all_files: bool,
    /// Platform wheels whose platform tag contains one of these (`manylinux_2_17_x86_64`,
    /// `win_amd64`, `macosx`).
    pub platforms: Vec<String>,
}

/// Where the repository comes from.
#[derive(Debug, Clone)]
pub enum RepoChoice {
    /// Discover it from the project's metadata.
    Discover,
    /// A local clone, used in place.
    Path(PathBuf),
    /// A remote URL, cloned (blobless) into the cache.
    Url(String),
}

impl RepoChoice {
    /// `--repo VALUE`: an existing local path, else a URL.
    pub fn parse(value: &str) -> RepoChoice {
        let path = PathBuf::from(value);
        if path.exists() {
            RepoChoice::Path(path)
        } else {
            RepoChoice::Url(value.to_owned())
        }
    }
}

/// What `verify` needs besides the target.
pub struct VerifyOptions {
    /// The index client (and its artifact cache).
    pub index: IndexClient,
    /// The repository cache (blobless clones).
    pub repos: RepoCache,
    /// Where the repository comes from.
    pub repo: RepoChoice,
    /// A revision to compare against instead of resolving one.
    pub git_ref: Option<String>,
    /// Which files to verify.
    pub selection: Selection,
    /// Limits for reading hostile archives.
    pub limits: Limits,
    /// Record how every file was traced.
    pub explain: bool,
    /// Repositories holding the commits submodules are pinned to (`--submodule`).
    pub submodules: Vec<PathBuf>,
    /// Use only what is cached: no request, no fetch.
    pub offline: bool,
    /// How many downloads run at once.
    pub concurrency: usize,
    /// The version stamped into the report.
    pub tool_version: String,
    /// The GitHub API client for optional metadata (`GitHubClient::disabled` for none).
    pub github: GitHubClient,
}

/// Who hears about progress (the binary draws bars on a terminal; tests pass nothing).
#[derive(Clone)]
pub struct Observers {
    /// Download progress.
    pub downloads: Arc<dyn Reporter>,
    /// git's own progress lines while cloning or fetching.
    pub git: Arc<dyn GitProgress>,
    /// One line per step ("resolving", "cloning", "checking").
    pub steps: Arc<dyn Fn(&str) + Send + Sync>,
}

impl Default for Observers {
    fn default() -> Self {
        Observers {
            downloads: Arc::new(provcheck_index::NoReporter),
            git: Arc::new(provcheck_source::NoGitProgress),
            steps: Arc::new(|_| {}),
        }
    }
}

/// A `NAME` or `NAME==VERSION` target.
#[derive(Debug, Clone)]
pub struct Target {
    /// The project name as given.
    pub name: String,
    /// The pinned version, or `None` for the latest release.
    pub version: Option<Version>,
}

impl Target {
    /// Parses `NAME` or `NAME==VERSION`.
    pub fn parse(text: &str) -> Result<Target, EngineError> {
        let text = text.trim();
        let (name, version) = match text.split_once("==") {
            Some((name, version)) => (name.trim(), Some(version.trim())),
            None => (text, None),
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid_name {
            return Err(EngineError::Target {
                target: text.to_owned(),
                detail: "expected NAME or NAME==VERSION (other specifiers need a resolver; pin the version)".to_owned(),
            });
        }
        let version = version
            .map(|v| {
                v.parse::<Version>().map_err(|e| EngineError::Target {
                    target: text.to_owned(),
                    detail: format!("{v:?} is not a PEP 440 version: {e}"),
                })
            })
            .transpose()?;
        Ok(Target {
            name: name.to_owned(),
            version,
        })
    }
}

/// Verifies one release from the index.
pub async fn verify(
    target: &Target,
    options: &VerifyOptions,
    observers: &Observers,
) -> Result<Report, EngineError> {
    let session = Session::new(options, observers);
    let release = session
        .verify_release(&target.name, target.version.as_ref())
        .await?;
    Ok(Report::new(&options.tool_version, vec![release]))
}

/// One run against one index and one cache: the steps of verifying releases, each
/// usable alone (history verifies many versions of one project, dependency sets many
/// projects). Repositories are located once per URL and shared.
pub struct Session<'a> {
    options: &'a VerifyOptions,
    observers: &'a Observers,
    /// One cell per repository URL: the first caller clones or fetches while later ones
    /// for the same URL wait; different URLs proceed in parallel. A failure is kept too,
    /// so a repository that cannot be fetched is tried once per session.
    located: std::sync::Mutex<HashMap<String, Arc<LocateCell>>>,
}

impl<'a> Session<'a> {
    /// A session over these options.
    pub fn new(options: &'a VerifyOptions, observers: &'a Observers) -> Self {
        Session {
            options,
            observers,
            located: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The options the session runs with.
    pub fn options(&self) -> &VerifyOptions {
        self.options
    }

    fn step(&self, message: &str) {
        (self.observers.steps)(message);
    }

    /// Everything: files, repository, downloads, comparison.
    pub async fn verify_release(
        &self,
        project: &str,
        version: Option<&Version>,
    ) -> Result<ReleaseReport, EngineError> {
        let name = normalize_name(project);
        self.step(&format!("looking up {name} on the index"));
        let files = self.options.index.files(&name).await?;
        let version = match version {
            Some(version) => version.clone(),
            None => latest_version(&name, &files.files).ok_or_else(|| {
                EngineError::Index(IndexError::ProjectNotFound {
                    project: name.clone(),
                    index: "the index (no release with files)".to_owned(),
                })
            })?,
        };
        let selected = self.release_files(&name, &version, &files)?;
        // The repository first: discovery needs the metadata, and a clone takes longest.
        let located = self.locate(&name, &version).await?;
        self.step(&format!("downloading {} file(s)", selected.len()));
        let inputs = self.download(&selected).await;
        self.step("comparing");
        self.check(located, &name, &version, inputs).await
    }

    /// The files of one release that the selection asks for.
    pub fn release_files<'f>(
        &self,
        name: &str,
        version: &Version,
        project: &'f ProjectFiles,
    ) -> Result<Vec<&'f IndexFile>, EngineError> {
        let release_files: Vec<(&IndexFile, ArtifactName)> = project
            .files
            .iter()
            .filter_map(|file| {
                let parsed = parse_filename(&file.filename).ok()?;
                (parsed.normalized_name == name && parsed.version == *version)
                    .then_some((file, parsed))
            })
            .collect();
        if release_files.is_empty() {
            return Err(EngineError::Index(IndexError::VersionNotFound {
                project: name.to_owned(),
                version: version.to_string(),
                index: self.options.index.index_label(),
            }));
        }
        select(&release_files, &self.options.selection)
    }

    /// [`Session::release_files`] narrowed to the files whose sha256 is in `hashes` (a
    /// requirement's `--hash` options, a lockfile's locked files); no hashes: no
    /// narrowing. Also returns the hashes no file of the release has.
    pub fn release_files_pinned<'f>(
        &self,
        name: &str,
        version: &Version,
        project: &'f ProjectFiles,
        hashes: &[String],
    ) -> Result<(Vec<&'f IndexFile>, Vec<String>), EngineError> {
        if hashes.is_empty() {
            return Ok((self.release_files(name, version, project)?, Vec::new()));
        }
        let release_files: Vec<(&IndexFile, ArtifactName)> = project
            .files
            .iter()
            .filter_map(|file| {
                let parsed = parse_filename(&file.filename).ok()?;
                (parsed.normalized_name == name && parsed.version == *version)
                    .then_some((file, parsed))
            })
            .collect();
        if release_files.is_empty() {
            return Err(EngineError::Index(IndexError::VersionNotFound {
                project: name.to_owned(),
                version: version.to_string(),
                index: self.options.index.index_label(),
            }));
        }
        let pinned: Vec<(&IndexFile, ArtifactName)> = release_files
            .iter()
            .filter(|(file, _)| hashes.iter().any(|h| h.eq_ignore_ascii_case(&file.sha256)))
            .cloned()
            .collect();
        let unmatched: Vec<String> = hashes
            .iter()
            .filter(|h| {
                !release_files
                    .iter()
                    .any(|(f, _)| h.eq_ignore_ascii_case(&f.sha256))
            })
            .cloned()
            .collect();
        if pinned.is_empty() {
            return Err(EngineError::Selection {
                detail: format!(
                    "none of the {} pinned hash(es) is the sha256 of a file the index publishes for {name} {version}",
                    hashes.len()
                ),
            });
        }
        // Within the pinned files the usual selection applies (sdists, pure wheels,
        // --platform); when it leaves nothing, every pinned file is verified.
        let chosen = select(&pinned, &self.options.selection)
            .unwrap_or_else(|_| pinned.iter().map(|(file, _)| *file).collect());
        Ok((chosen, unmatched))
    }

    /// The repository of a release: given, or discovered from its metadata and cloned
    /// (or fetched) into the cache. A URL is fetched once per session.
    pub async fn locate(&self, name: &str, version: &Version) -> Result<Located, EngineError> {
        self.locate_with(name, version, &self.options.repo).await
    }

    /// [`Session::locate`] with the repository chosen per release (a dependency set maps
    /// each package to its own).
    pub async fn locate_with(
        &self,
        name: &str,
        version: &Version,
        choice: &RepoChoice,
    ) -> Result<Located, EngineError> {
        let (url, discovered_from, subdir_hint) = match choice {
            RepoChoice::Path(path) => {
                return Ok(Located::Repo {
                    path: path.clone(),
                    label: path.display().to_string(),
                    discovered_from: None,
                    subdir_hint: None,
                });
            }
            RepoChoice::Url(text) => {
                let (url, subdir) = RepoUrl::parse(text).ok_or_else(|| EngineError::Target {
                    target: text.clone(),
                    detail: "--repo is neither an existing path nor a repository URL".to_owned(),
                })?;
                (url, None, subdir)
            }
            RepoChoice::Discover => {
                self.step("finding the repository in the project's metadata");
                let metadata = self.options.index.metadata(name, Some(version)).await?;
                match discover(
                    &metadata.project_urls,
                    metadata.home_page.as_deref(),
                    metadata.description.as_deref(),
                ) {
                    Some(found) => (found.url, Some(found.from), found.subdir),
                    None => {
                        return Ok(Located::Missing {
                            reason: format!(
                                "no source repository found in the metadata of {name} (project_urls, home_page, description); name it with --repo {name}=URL|PATH"
                            ),
                        });
                    }
                }
            }
        };
        let cell = {
            let mut located = self.located.lock().unwrap_or_else(|e| e.into_inner());
            located.entry(url.cache_key()).or_default().clone()
        };
        let mut first = None;
        let acquired = cell
            .get_or_init(|| async {
                self.step(&format!("fetching {}", url.as_str()));
                let repos = self.options.repos.clone();
                let acquire_options = AcquireOptions {
                    offline: self.options.offline,
                    fetch: true,
                };
                let git = self.observers.git.clone();
                let task_url = url.clone();
                let result = tokio::task::spawn_blocking(move || {
                    repos.acquire(&task_url, &acquire_options, git.as_ref())
                })
                .await;
                match result {
                    Ok(Ok(acquired)) => Ok(acquired.path),
                    Ok(Err(error)) => {
                        let text = error.to_string();
                        first = Some(EngineError::Source(error));
                        Err(text)
                    }
                    Err(e) => Err(format!("the clone task failed: {e}")),
                }
            })
            .await;
        let path = match acquired {
            Ok(path) => path.clone(),
            // The caller that tried gets the typed error; later ones its message.
            Err(text) => {
                return Err(first.unwrap_or_else(|| EngineError::Target {
                    target: url.as_str().to_owned(),
                    detail: format!("the repository could not be fetched: {text}"),
                }));
            }
        };
        Ok(Located::Repo {
            path,
            label: url.as_str().to_owned(),
            discovered_from,
            subdir_hint,
        })
    }

    /// Downloads every file (bounded concurrency); a digest mismatch or a failed download
    /// becomes an unusable input, never a file that is read.
    pub(crate) async fn download(&self, files: &[&IndexFile]) -> Vec<Input> {
        download_all(files, self.options, self.observers).await
    }

    /// Compares the inputs with the located repository (on a blocking thread: git and
    /// archive reading are synchronous).
    pub(crate) async fn check(
        &self,
        located: Located,
        name: &str,
        version: &Version,
        inputs: Vec<Input>,
    ) -> Result<ReleaseReport, EngineError> {
        // GitHub's default branch before the comparison (it decides
        // commit-not-on-default-branch); the commit's pull request and the tag's release after.
        let enrichment = Enrichment::prepare(&self.options.github, &located).await;
        let settings = Settings {
            git_ref: self.options.git_ref.clone(),
            limits: self.options.limits.clone(),
            explain: self.options.explain,
            submodules: self.options.submodules.clone(),
            default_branch: enrichment.default_branch(),
        };
        let offline = self.options.offline;
        let task_name = name.to_owned();
        let task_version = version.clone();
        let mut release = tokio::task::spawn_blocking(move || -> Result<_, EngineError> {
            let (name, version) = (task_name, task_version);
            let opened;
            let source = match located {
                Located::Repo {
                    path,
                    label,
                    discovered_from,
                    subdir_hint,
                } => {
                    let mut repo = SourceRepo::open(&path)?;
                    // --offline: a blob missing from a blobless clone is reported, not fetched.
                    repo.set_offline(offline);
                    opened = repo;
                    Source::Repo {
                        repo: &opened,
                        label,
                        discovered_from,
                        subdir_hint,
                    }
                }
                Located::Missing { reason } => Source::Missing { reason },
            };
            check_release(&source, &name, &version, &inputs, &settings)
        })
        .await
        .map_err(|e| EngineError::Internal(format!("the comparison task failed: {e}")))??;
        enrichment.apply(&mut release, name, version).await;
        Ok(release)
    }
}

/// The outcome of cloning or fetching one repository URL: its path, or why it failed.
type LocateCell = tokio::sync::OnceCell<Result<PathBuf, String>>;

/// The highest final release with at least one file that is not yanked; pre-releases
/// only when there is nothing else.
pub(crate) fn latest_version(name: &str, files: &[IndexFile]) -> Option<Version> {
    let versions: Vec<Version> = files
        .iter()
        .filter(|f| f.yanked.is_none())
        .filter_map(|f| parse_filename(&f.filename).ok())
        .filter(|n| n.normalized_name == name)
        .map(|n| n.version)
        .collect();
    let finals = versions.iter().filter(|v| !v.any_prerelease()).max();
    finals.or(versions.iter().max()).cloned()
}

fn select<'a>(
    files: &[(&'a IndexFile, ArtifactName)],
    selection: &Selection,
) -> Result<Vec<&'a IndexFile>, EngineError> {
    let chosen: Vec<&IndexFile> = files
        .iter()
        .filter(|(_, name)| selection.only.is_none_or(|kind| kind == name.kind))
        .filter(|(_, name)| match name.kind {
            ArtifactKind::Sdist => true,
            ArtifactKind::Wheel => {
                name.is_pure()
                    || selection.all_files
                    || selection.platforms.iter().any(|p| {
                        name.platform_tag
                            .as_deref()
                            .is_some_and(|tag| tag.contains(p.as_str()))
                    })
            }
        })
        .map(|(file, _)| *file)
        .collect();
    if chosen.is_empty() {
        let available: Vec<&str> = files.iter().map(|(f, _)| f.filename.as_str()).collect();
        return Err(EngineError::Selection {
            detail: format!(
                "no file of the release matches the selection; it has: {}. Use --all-files or --platform TAG",
                available.join(", ")
            ),
        });
    }
    Ok(chosen)
}

/// A repository on disk, ready to open, or why there is none.
#[derive(Debug, Clone)]
pub enum Located {
    /// A repository to open.
    Repo {
        /// Its path (a local clone or the cached blobless clone).
        path: PathBuf,
        /// How the report names it.
        label: String,
        /// Where it was discovered, when it was.
        discovered_from: Option<String>,
        /// A monorepo folder from the discovered URL.
        subdir_hint: Option<String>,
    },
    /// No repository; the reason becomes a `no-commit` finding.
    Missing {
        /// Why, and what to do.
        reason: String,
    },
}

/// Downloads every file (bounded concurrency); a digest mismatch or a failed download
/// becomes an unusable input, never a file that is read.
async fn download_all(
    files: &[&IndexFile],
    options: &VerifyOptions,
    observers: &Observers,
) -> Vec<Input> {
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = Vec::new();
    for file in files {
        let file = (*file).clone();
        let index = options.index.clone();
        let reporter = observers.downloads.clone();
        let permits = permits.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = index.download(&file, reporter.as_ref()).await;
            (file, result)
        }));
    }
    let mut inputs = Vec::new();
    for task in tasks {
        let Ok((file, result)) = task.await else {
            continue;
        };
        let facts = IndexFacts {
            upload_time: file.upload_time.clone(),
            yanked: file.yanked.clone(),
        };
        inputs.push(match result {
            Ok(path) => Input::File { path, facts },
            Err(IndexError::DigestMismatch {
                filename,
                expected,
                actual,
            }) => Input::Unusable {
                sha256: expected.clone(),
                finding: Some(
                    Finding::new(
                        Code::DigestMismatch,
                        Severity::Critical,
                        format!(
                            "the downloaded {filename} does not have the sha256 the index published; it was not used nor cached"
                        ),
                    )
                    .with("expected_sha256", expected)
                    .with("actual_sha256", actual),
                ),
                filename,
                facts,
                error: None,
            },
            Err(error) => Input::Unusable {
                filename: file.filename.clone(),
                sha256: file.sha256.clone(),
                facts,
                finding: None,
                error: Some(error.to_string()),
            },
        });
    }
    inputs
}
