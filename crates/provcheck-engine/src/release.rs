//! Checking one release: its artifact files against a repository (or against nothing,
//! when no repository or commit was found). Shared by `check` and `verify`.

use std::path::{Path, PathBuf};

use pep440_rs::Version;
use provcheck_artifact::{Artifact, Limits, ReadOptions, parse_filename, read_artifact};
use provcheck_compare::{
    CompareInput, ContentSource, DiffLimits, blobs_needed, compare, intrinsic_findings, match_score,
};
use provcheck_report::{
    ArtifactKind, ArtifactReport, Code, Finding, ReleaseReport, Severity, SourceInfo, Stats,
    Verdict,
};
use provcheck_source::SourceRepo;
use provcheck_types::{BlobId, SourceTree};

use crate::EngineError;
use crate::resolve::{self, Candidate};

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
}

/// Checks every artifact of one release and assembles its entry.
pub(crate) fn check_release(
    source: &Source<'_>,
    name: &str,
    version: &Version,
    inputs: &[Input],
    settings: &Settings,
) -> Result<ReleaseReport, EngineError> {
    let (candidates, trees) = match source {
        Source::Repo { repo, .. } => {
            let candidates = resolve::candidates(repo, name, version, settings.git_ref.as_deref())?;
            let trees = candidates
                .iter()
                .map(|c| repo.tree(&c.commit.id))
                .collect::<Result<Vec<_>, _>>()?;
            (candidates, trees)
        }
        Source::Missing { .. } => (Vec::new(), Vec::new()),
    };

    let mut artifacts = Vec::new();
    let mut sources: Vec<Option<SourceInfo>> = Vec::new();
    for input in inputs {
        let (report, found) = match input {
            Input::File { path, facts } => {
                check_artifact(source, path, version, &candidates, &trees, settings, facts)
            }
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
        artifacts.push(report);
        sources.push(found);
    }

    let mut release = ReleaseReport {
        name: name.to_owned(),
        version: version.to_string(),
        verdict: Verdict::Verified,
        source: None,
        findings: Vec::new(),
        artifacts,
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

/// Reads one artifact, picks the candidate whose tree matches it best, and compares.
fn check_artifact(
    source: &Source<'_>,
    path: &Path,
    version: &Version,
    candidates: &[Candidate],
    trees: &[SourceTree],
    settings: &Settings,
    facts: &IndexFacts,
) -> (ArtifactReport, Option<SourceInfo>) {
    let filename = file_name(path);
    // Contents that some candidate tree holds are never needed again: match by blob id.
    let retain = |_: &str, blob: &BlobId| !trees.iter().any(|t| t.contains_blob(blob));
    let read_options = ReadOptions {
        limits: settings.limits.clone(),
        retain: &retain,
        ..ReadOptions::default()
    };
    let artifact = match read_artifact(path, &read_options) {
        Ok(artifact) => artifact,
        Err(error) => {
            let sha256 = file_sha256(path).unwrap_or_default();
            return (
                unusable_report(&filename, &sha256, facts, None, Some(error.to_string())),
                None,
            );
        }
    };
    let contents = ArchiveContents {
        archive: path,
        artifact: &artifact,
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

    let Source::Repo {
        repo,
        label,
        discovered_from,
        subdir_hint,
    } = source
    else {
        let Source::Missing { reason } = source else {
            unreachable!()
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
        return (report, None);
    };

    // The best-matching candidate; ties keep resolution order.
    let best = trees
        .iter()
        .enumerate()
        .map(|(i, tree)| (i, match_score(&artifact, tree)))
        .max_by(|(ia, a), (ib, b)| a.matched.cmp(&b.matched).then(ib.cmp(ia)));
    let Some((index, _score)) = best else {
        report
            .findings
            .extend(intrinsic_findings(&artifact, &contents));
        report.findings.push(no_tag_finding(version, label));
        sort_findings(&mut report.findings);
        report.verdict = Verdict::NoSource;
        return (report, None);
    };
    let candidate = &candidates[index];
    let tree = &trees[index];
    let input = CompareInput {
        artifact: &artifact,
        tree,
        blobs: *repo,
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
    sort_findings(&mut report.findings);
    report.verdict = Verdict::from_findings(&report.findings);
    if settings.explain {
        report.files = Some(comparison.files);
    }
    let subdir = match artifact.name.kind {
        ArtifactKind::Sdist => comparison.mapping.subdir(),
        ArtifactKind::Wheel => None,
    };
    let info = SourceInfo {
        repo: label.clone(),
        commit: Some(candidate.commit.id.clone()),
        tag: candidate.tag.clone(),
        resolved_by: Some(candidate.resolved_by),
        subdir,
        discovered_from: discovered_from.clone(),
    };
    (report, Some(info))
}

fn no_tag_finding(version: &Version, repo: &str) -> Finding {
    Finding::new(
        Code::NoTag,
        Severity::High,
        format!(
            "no tag in the repository names version {version}, so there is no commit to compare with; \
             if the release was built from an untagged commit, name it with --ref"
        ),
    )
    .with("version", version.to_string())
    .with("repo", repo)
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
