//! Checking one release: its artifact files against a repository (or against nothing,
//! when no repository or commit was found). Shared by `check` and `verify`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use pep440_rs::Version;
use provcheck_artifact::{Artifact, Limits, ReadOptions, parse_filename, read_artifact};
use provcheck_compare::{
    CompareInput, ContentSource, DiffLimits, blobs_needed, compare, intrinsic_findings,
};
use provcheck_report::{
    ArtifactKind, ArtifactReport, Code, ContentScore, Finding, ReleaseReport, ResolvedBy, Severity,
    SourceInfo, Stats, Verdict,
};
use provcheck_source::SourceRepo;
use provcheck_types::{BlobId, SourceTree};

use crate::EngineError;
use crate::hints::is_hint_file;
use crate::resolve::{Resolved, Resolver, Unresolved};
use crate::submodules::{ChainedBlobs, SubmoduleRepos};
use crate::timeline::{format_time, parse_time};

/// The repository a release is compared against, or why there is none.
pub(crate) enum Source<'a> {
    /// A repository, opened.
    Repo {
        repo: &'a SourceRepo,
        /// How the report names it (a URL or a path).
        label: String,
        /// Where it was discovered, when it was.
        discovered_from: Option<String>,
        /// A folder of the repository the package lives in, from the discovered URL.
        subdir_hint: Option<String>,
    },
    /// No repository: the message says why (becomes a `no-commit` finding).
    Missing { reason: String },
}

/// Facts the index knows about an artifact.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexFacts {
    pub upload_time: Option<String>,
    pub yanked: Option<String>,
}

/// One artifact of a release, as the check receives it.
pub(crate) enum Input {
    /// A file on disk (given by the user, or downloaded and digest-checked).
    File { path: PathBuf, facts: IndexFacts },
    /// A file that must not be read: its report is already decided (digest mismatch,
    /// download failure).
    Unusable {
        filename: String,
        sha256: String,
        facts: IndexFacts,
        finding: Option<Finding>,
        error: Option<String>,
    },
}

/// How to check.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub git_ref: Option<String>,
    pub limits: Limits,
    pub explain: bool,
    /// Repositories holding the commits submodules are pinned to (`--submodule`).
    pub submodules: Vec<PathBuf>,
    /// The default branch as the forge's API names it (GitHub), over the clone's `HEAD`.
    pub default_branch: Option<String>,
}

/// Checks every artifact of one release and assembles its entry.
pub(crate) fn check_release(
    source: &Source<'_>,
    name: &str,
    version: &Version,
    inputs: &[Input],
    settings: &Settings,
) -> Result<ReleaseReport, EngineError> {
    let resolver = match source {
        Source::Repo { repo, .. } => {
            let mut resolver = Resolver::new(repo, name, version, settings.git_ref.as_deref())?;
            if let Some(branch) = settings.default_branch.as_deref() {
                crate::enrich::use_default_branch(&mut resolver, repo, branch);
            }
            Some(resolver)
        }
        Source::Missing { .. } => None,
    };
    let submodules = SubmoduleRepos::open(&settings.submodules)?;

    // Sdists first: they ship the most files, so their commit is the most certain, and
    // the wheels then prefer it over commits that match them equally well.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| !is_sdist(&inputs[i]));
    let mut results: Vec<Option<(ArtifactReport, Option<SourceInfo>)>> =
        (0..inputs.len()).map(|_| None).collect();
    let mut preferred: Vec<String> = Vec::new();
    for i in order {
        let result = match &inputs[i] {
            Input::File { path, facts } => check_artifact(
                &Against {
                    source,
                    resolver: resolver.as_ref(),
                    submodules: &submodules,
                    version,
                    settings,
                },
                path,
                facts,
                &preferred,
            )?,
            Input::Unusable {
                filename,
                sha256,
                facts,
                finding,
                error,
            } => (
                unusable_report(filename, sha256, facts, finding.clone(), error.clone()),
                None,
            ),
        };
        if let Some(commit) = result.1.as_ref().and_then(|s| s.commit.clone())
            && !preferred.contains(&commit)
        {
            preferred.push(commit);
        }
        results[i] = Some(result);
    }
    let (artifacts, sources): (Vec<ArtifactReport>, Vec<Option<SourceInfo>>) =
        results.into_iter().flatten().unzip();

    let mut release = ReleaseReport {
        name: name.to_owned(),
        version: version.to_string(),
        verdict: Verdict::Verified,
        source: None,
        findings: Vec::new(),
        artifacts,
        github: None,
        notes: Vec::new(),
    };
    let found: Vec<&SourceInfo> = sources.iter().flatten().collect();
    let same_commit = found.windows(2).all(|w| w[0].commit == w[1].commit);
    if same_commit {
        // The sdist's folder is the one that tells a monorepo package apart.
        release.source = found
            .iter()
            .find(|s| s.subdir.is_some())
            .or(found.first())
            .map(|s| (*s).clone())
            .or_else(|| match source {
                Source::Repo {
                    label,
                    discovered_from,
                    ..
                } => Some(SourceInfo {
                    repo: label.clone(),
                    commit: None,
                    tag: None,
                    resolved_by: None,
                    subdir: None,
                    discovered_from: discovered_from.clone(),
                    score: None,
                    tag_commit: None,
                }),
                Source::Missing { .. } => None,
            });
    } else {
        for (artifact, source) in release.artifacts.iter_mut().zip(&sources) {
            artifact.source = source.clone();
        }
        let commits: Vec<String> = found
            .iter()
            .map(|s| {
                format!(
                    "{} ({})",
                    s.commit.as_deref().unwrap_or("?"),
                    s.tag.as_deref().unwrap_or("untagged")
                )
            })
            .collect();
        release.findings.push(
            Finding::new(
                Code::ArtifactsDisagree,
                Severity::Medium,
                format!(
                    "the artifacts of this release match different commits: {}",
                    commits.join(", ")
                ),
            )
            .with("commits", commits),
        );
    }
    release.aggregate_verdict();
    Ok(release)
}

/// Reads one artifact, resolves the commit it was built from, and compares.
/// What every artifact of a release is checked against.
struct Against<'a> {
    source: &'a Source<'a>,
    resolver: Option<&'a Resolver<'a>>,
    submodules: &'a SubmoduleRepos,
    version: &'a Version,
    settings: &'a Settings,
}

fn check_artifact(
    against: &Against<'_>,
    path: &Path,
    facts: &IndexFacts,
    preferred: &[String],
) -> Result<(ArtifactReport, Option<SourceInfo>), EngineError> {
    let Against {
        source,
        resolver,
        submodules,
        version,
        settings,
    } = *against;
    let filename = file_name(path);
    // Contents that a tree known before reading holds are never needed again: match by
    // blob id. Without such a tree (no tag), only possible commit hints are kept; the
    // few files that differ from the resolved commit are read again, in one pass.
    let retain = |path: &str, blob: &BlobId| {
        is_hint_file(path) || resolver.is_some_and(|r| !r.trees.is_empty() && !r.known_blob(blob))
    };
    let read_options = ReadOptions {
        limits: settings.limits.clone(),
        retain: &retain,
        ..ReadOptions::default()
    };
    let mut artifact = match read_artifact(path, &read_options) {
        Ok(artifact) => artifact,
        Err(error) => {
            let sha256 = file_sha256(path).unwrap_or_default();
            return Ok((
                unusable_report(&filename, &sha256, facts, None, Some(error.to_string())),
                None,
            ));
        }
    };
    let mut report = ArtifactReport {
        filename,
        kind: artifact.name.kind,
        sha256: artifact.sha256.clone(),
        upload_time: facts.upload_time.clone(),
        yanked: facts.yanked.clone(),
        verdict: Verdict::Verified,
        source: None,
        stats: Stats {
            files: artifact.files.len() as u64,
            ..Stats::default()
        },
        findings: artifact.findings.clone(),
        error: None,
        files: None,
    };

    let (
        Source::Repo {
            repo,
            label,
            discovered_from,
            subdir_hint,
        },
        Some(resolver),
    ) = (source, resolver)
    else {
        let reason = match source {
            Source::Missing { reason } => reason.clone(),
            Source::Repo { .. } => "no repository".to_owned(),
        };
        let contents = ArchiveContents {
            archive: path,
            artifact: &artifact,
        };
        report
            .findings
            .extend(intrinsic_findings(&artifact, &contents));
        report.findings.push(
            Finding::new(Code::NoCommit, Severity::High, reason.clone())
                .with("reason", reason.as_str()),
        );
        sort_findings(&mut report.findings);
        report.verdict = Verdict::NoSource;
        return Ok((report, None));
    };

    let upload = facts.upload_time.as_deref().and_then(parse_time);
    let resolution = {
        let contents = ArchiveContents {
            archive: path,
            artifact: &artifact,
        };
        let content = |p: &str| contents.content(p);
        resolver.resolve(&artifact, &content, upload, preferred)?
    };
    let resolved = match resolution {
        Ok(resolved) => resolved,
        Err(unresolved) => {
            let contents = ArchiveContents {
                archive: path,
                artifact: &artifact,
            };
            report
                .findings
                .extend(intrinsic_findings(&artifact, &contents));
            report
                .findings
                .push(unresolved_finding(version, label, &unresolved));
            sort_findings(&mut report.findings);
            report.verdict = Verdict::NoSource;
            return Ok((report, None));
        }
    };

    // Submodule checkouts are traced against their own repositories when given.
    let (grafted, _) = submodules.graft(&resolved.tree);
    reload_differing(path, &mut artifact, &grafted);
    let contents = ArchiveContents {
        archive: path,
        artifact: &artifact,
    };
    let tree = &grafted;
    let blobs = ChainedBlobs {
        main: repo,
        submodules,
    };
    let input = CompareInput {
        artifact: &artifact,
        tree,
        blobs: &blobs,
        contents: &contents,
        diff_limits: DiffLimits::default(),
        subdir_hint: subdir_hint.as_deref(),
    };
    // In a blobless clone every blob read is a fetch: ask for all of them at once.
    let needed = blobs_needed(&input);
    if !needed.is_empty() {
        // A failure here only means the diffs will say the blob could not be read.
        let _ = repo.prefetch_blobs(&needed);
    }
    let comparison = compare(&input);
    report.stats = comparison.stats;
    report.findings.extend(comparison.findings);
    // Content is the ground truth; timeline signals are weighed by it.
    // Clean means nothing contradicts the commit: unverifiable binaries and accidental
    // extras (medium) do not, so they do not turn a timeline note into a warning.
    let clean = report.findings.iter().all(|f| f.severity < Severity::High);
    report.findings.extend(timeline_findings(
        resolver, &resolved, version, upload, clean,
    ));
    sort_findings(&mut report.findings);
    report.verdict = Verdict::from_findings(&report.findings);
    if settings.explain {
        report.files = Some(comparison.files);
    }
    let subdir = match artifact.name.kind {
        ArtifactKind::Sdist => comparison.mapping.subdir(),
        ArtifactKind::Wheel => None,
    };
    let candidate = &resolved.candidate;
    let score = match candidate.resolved_by {
        ResolvedBy::Ref | ResolvedBy::Tag | ResolvedBy::Attestation => None,
        _ => Some(ContentScore {
            matched: resolved.matched as u64,
            traceable: resolved.traceable as u64,
            exact: resolved.is_exact(),
            commits_searched: resolved.searched.map(|n| n as u64),
        }),
    };
    let info = SourceInfo {
        repo: label.clone(),
        commit: Some(candidate.commit.id.clone()),
        tag: candidate.tag.clone(),
        resolved_by: Some(candidate.resolved_by),
        subdir,
        discovered_from: discovered_from.clone(),
        score,
        tag_commit: resolved.tag_commit.clone(),
    };
    Ok((report, Some(info)))
}

/// The most bytes read again, in one pass, for files that differ from the resolved tree;
/// beyond it the comparison reads each file when it needs it.
const RELOAD_BUDGET: u64 = 64 * 1024 * 1024;

/// Reads again the contents of the files the resolved tree does not hold by blob id and
/// that were not kept while reading (the commit was not known then).
fn reload_differing(path: &Path, artifact: &mut Artifact, tree: &SourceTree) {
    let mut budget = RELOAD_BUDGET;
    let wanted: Vec<String> = artifact
        .files
        .iter()
        .filter(|f| f.content.is_none() && !tree.contains_blob(&f.digests.blob_id))
        .filter(|f| {
            let fits = f.size <= budget;
            budget = budget.saturating_sub(f.size);
            fits
        })
        .map(|f| f.path.clone())
        .collect();
    if wanted.is_empty() {
        return;
    }
    let paths: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let Ok(mut read) = artifact.read_contents(path, &paths) else {
        return;
    };
    for file in &mut artifact.files {
        if let Some(content) = read.remove(&file.path) {
            file.content = Some(content.into());
        }
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// `no-tag` when nothing was resolved: high, naming the nearest commit when there is one.
fn unresolved_finding(version: &Version, repo: &str, unresolved: &Unresolved) -> Finding {
    let mut message = format!(
        "no tag in the repository names version {version}, and no commit holds most of its files, \
         so there is no commit to compare with"
    );
    if let Some(nearest) = &unresolved.nearest {
        let _ = write!(
            message,
            "; the nearest commit, {} (\"{}\"), holds only {} of its {} files",
            short(&nearest.commit.id),
            nearest.commit.summary,
            nearest.matched,
            nearest.traceable
        );
    }
    message.push_str("; if the release was built from an untagged commit, name it with --ref");
    let mut finding = Finding::new(Code::NoTag, Severity::High, message)
        .with("version", version.to_string())
        .with("repo", repo);
    if let Some(nearest) = &unresolved.nearest {
        finding = finding
            .with("nearest_commit", nearest.commit.id.as_str())
            .with("matched", nearest.matched as u64)
            .with("traceable", nearest.traceable as u64)
            .with("commits_searched", nearest.searched as u64);
    }
    if !unresolved.unknown_hints.is_empty() {
        let hints: Vec<String> = unresolved
            .unknown_hints
            .iter()
            .map(|h| format!("{} ({})", h.commit, h.path))
            .collect();
        finding = finding.with("unknown_commit_hints", hints);
    }
    finding
}

/// The timeline findings of a resolved artifact (`no-tag`, `tag-after-upload`,
/// `tag-moved`, `commit-not-on-default-branch`): at most `low` when the content traces
/// cleanly, raised when it does not.
fn timeline_findings(
    resolver: &Resolver<'_>,
    resolved: &Resolved,
    version: &Version,
    upload: Option<i64>,
    clean: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let candidate = &resolved.candidate;
    let commit = &candidate.commit;
    if candidate.resolved_by == ResolvedBy::Ref {
        return findings;
    }
    let raised = if clean {
        Severity::Low
    } else {
        Severity::Medium
    };

    if matches!(
        candidate.resolved_by,
        ResolvedBy::ContentSearch | ResolvedBy::ArtifactHint
    ) {
        let how = match (&resolved.hint, resolved.searched) {
            (Some(hint), _) => format!("the artifact records it in {} ({})", hint.path, hint.how),
            (None, Some(n)) => format!("found by content search over {n} commit(s)"),
            (None, None) => "found by content search".to_owned(),
        };
        let message = if clean {
            format!(
                "no tag names version {version}; its files match commit {} (\"{}\") exactly ({how})",
                short(&commit.id),
                commit.summary
            )
        } else {
            format!(
                "no tag names version {version}; the nearest commit is {} (\"{}\"), which holds {} of its {} files ({how}); the differences are reported against it",
                short(&commit.id),
                commit.summary,
                resolved.matched,
                resolved.traceable
            )
        };
        let mut finding = Finding::new(
            Code::NoTag,
            if clean { Severity::Low } else { Severity::High },
            message,
        )
        .with("version", version.to_string())
        .with("commit", commit.id.as_str())
        .with("commit_summary", commit.summary.as_str())
        .with("commit_time", format_time(commit.time))
        .with("resolved_by", candidate.resolved_by.as_str())
        .with("matched", resolved.matched as u64)
        .with("traceable", resolved.traceable as u64);
        if let Some(n) = resolved.searched {
            finding = finding.with("commits_searched", n as u64);
        }
        if let Some(hint) = &resolved.hint {
            finding = finding
                .with("hint_path", hint.path.as_str())
                .with("hint_source", hint.how.as_str());
        }
        // A stale local clone looks exactly like an untagged, modified release: say so when
        // the upload is newer than everything the repository holds.
        if !clean
            && let (Some(upload), Some(newest)) = (upload, resolver.newest_commit_time())
            && upload > newest
        {
            finding.message.push_str(&format!(
                "; note that the repository's newest commit ({}) is older than the upload ({}): \
                 if the clone is out of date, fetch it and check again",
                format_time(newest),
                format_time(upload)
            ));
            finding
                .evidence
                .insert("newest_commit_time", format_time(newest));
        }
        findings.push(finding);
    }

    if let Some(tag) = &candidate.tag {
        if let (Some(facts), Some(upload)) = (candidate.tag_facts, upload)
            && let Some(tagged) = facts.tagger_time.filter(|t| *t > upload)
        {
            let hours = (tagged - upload) as f64 / 3600.0;
            findings.push(
                Finding::new(
                    Code::TagAfterUpload,
                    raised,
                    format!(
                        "tag {tag} was created {hours:.1} hour(s) after this file was uploaded{}",
                        if clean {
                            "; the files match the tagged commit, so the tag was most likely pushed late"
                        } else {
                            "; the files differ from the tagged commit"
                        }
                    ),
                )
                .with("tag", tag.as_str())
                .with("tagger_time", format_time(tagged))
                .with("upload_time", format_time(upload)),
            );
        }
        if let Some(moved) = resolver.moved.get(tag) {
            findings.push(
                Finding::new(
                    Code::TagMoved,
                    Severity::High,
                    format!(
                        "tag {tag} names commit {} now, but named {} when this cache first saw it on {}: the tag was moved",
                        short(&moved.now),
                        short(&moved.first),
                        format_time(moved.first_seen)
                    ),
                )
                .with("tag", tag.as_str())
                .with("first_commit", moved.first.as_str())
                .with("commit", moved.now.as_str())
                .with("first_seen", format_time(moved.first_seen)),
            );
        }
    }

    if resolver.on_default_branch(&commit.id) == Some(false) {
        let branch = resolver
            .default_branch
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default();
        findings.push(
            Finding::new(
                Code::CommitNotOnDefaultBranch,
                raised,
                format!(
                    "commit {} is not on the default branch {branch}",
                    short(&commit.id)
                ),
            )
            .with("commit", commit.id.as_str())
            .with("branch", branch),
        );
    }
    findings
}

fn is_sdist(input: &Input) -> bool {
    let name = match input {
        Input::File { path, .. } => file_name(path),
        Input::Unusable { filename, .. } => filename.clone(),
    };
    parse_filename(&name).is_ok_and(|n| n.kind == ArtifactKind::Sdist)
}

fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(Finding::presentation_order);
}

fn unusable_report(
    filename: &str,
    sha256: &str,
    facts: &IndexFacts,
    finding: Option<Finding>,
    error: Option<String>,
) -> ArtifactReport {
    let kind = parse_filename(filename)
        .map(|n| n.kind)
        .unwrap_or(ArtifactKind::Sdist);
    let findings: Vec<Finding> = finding.into_iter().collect();
    let verdict = if error.is_some() {
        Verdict::Error
    } else {
        Verdict::from_findings(&findings)
    };
    ArtifactReport {
        filename: filename.to_owned(),
        kind,
        sha256: sha256.to_owned(),
        upload_time: facts.upload_time.clone(),
        yanked: facts.yanked.clone(),
        verdict,
        source: None,
        stats: Stats::default(),
        findings,
        error,
        files: None,
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn file_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Re-reads from the archive the contents that were not kept in memory.
struct ArchiveContents<'a> {
    archive: &'a Path,
    artifact: &'a Artifact,
}

impl ContentSource for ArchiveContents<'_> {
    fn content(&self, path: &str) -> Option<Vec<u8>> {
        self.artifact
            .read_contents(self.archive, &[path])
            .ok()?
            .remove(path)
    }
}
