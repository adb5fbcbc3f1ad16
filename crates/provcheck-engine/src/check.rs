//! `provcheck check`: local artifacts against a local repository.

use std::path::{Path, PathBuf};

use pep440_rs::Version;
use provcheck_artifact::{
    Artifact, ArtifactName, Limits, ReadOptions, parse_filename, read_artifact,
};
use provcheck_compare::{
    CompareInput, ContentSource, DiffLimits, compare, intrinsic_findings, match_score,
};
use provcheck_report::{
    ArtifactReport, Code, Finding, ReleaseReport, Report, Severity, SourceInfo, Stats, Verdict,
};
use provcheck_source::SourceRepo;
use provcheck_types::{BlobId, SourceTree};

use crate::EngineError;
use crate::resolve::{self, Candidate};

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
    /// The version stamped into the report.
    pub tool_version: String,
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
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = parse_filename(&filename).map_err(|source| EngineError::ArtifactName {
            path: path.clone(),
            source,
        })?;
        match groups
            .iter_mut()
            .find(|g| g.name == name.normalized_name && g.version == name.version)
        {
            Some(group) => group.members.push((path.clone(), name)),
            None => groups.push(ReleaseGroup {
                name: name.normalized_name.clone(),
                version: name.version.clone(),
                members: vec![(path.clone(), name)],
            }),
        }
    }
    let repo = SourceRepo::open(&options.repo)?;
    let mut releases = Vec::new();
    for group in &groups {
        releases.push(check_release(
            &repo,
            &group.name,
            &group.version,
            &group.members,
            options,
        )?);
    }
    Ok(Report::new(&options.tool_version, releases))
}

/// The artifacts given for one (name, version).
struct ReleaseGroup {
    name: String,
    version: Version,
    members: Vec<(PathBuf, ArtifactName)>,
}

fn check_release(
    repo: &SourceRepo,
    name: &str,
    version: &Version,
    members: &[(PathBuf, ArtifactName)],
    options: &CheckOptions,
) -> Result<ReleaseReport, EngineError> {
    let candidates = resolve::candidates(repo, name, version, options.git_ref.as_deref())?;
    let trees = candidates
        .iter()
        .map(|c| repo.tree(&c.commit.id))
        .collect::<Result<Vec<_>, _>>()?;
    let repo_label = repo.display_path();

    let mut artifacts = Vec::new();
    let mut sources: Vec<Option<SourceInfo>> = Vec::new();
    for (path, _) in members {
        let (report, source) = check_artifact(
            repo,
            &repo_label,
            path,
            version,
            &candidates,
            &trees,
            options,
        );
        artifacts.push(report);
        sources.push(source);
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
            .or_else(|| {
                Some(SourceInfo {
                    repo: repo_label.clone(),
                    commit: None,
                    tag: None,
                    resolved_by: None,
                    subdir: None,
                })
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
    repo: &SourceRepo,
    repo_label: &str,
    path: &Path,
    version: &Version,
    candidates: &[Candidate],
    trees: &[SourceTree],
    options: &CheckOptions,
) -> (ArtifactReport, Option<SourceInfo>) {
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Contents that some candidate tree holds are never needed again: match by blob id.
    let retain = |_: &str, blob: &BlobId| !trees.iter().any(|t| t.contains_blob(blob));
    let read_options = ReadOptions {
        limits: options.limits.clone(),
        retain: &retain,
        ..ReadOptions::default()
    };
    let artifact = match read_artifact(path, &read_options) {
        Ok(artifact) => artifact,
        Err(error) => return (error_report(path, filename, &error.to_string()), None),
    };
    let contents = ArchiveContents {
        archive: path,
        artifact: &artifact,
    };
    let mut report = ArtifactReport {
        filename,
        kind: artifact.name.kind,
        sha256: artifact.sha256.clone(),
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
        report.findings.push(no_tag_finding(version, options));
        sort_findings(&mut report.findings);
        report.verdict = Verdict::NoSource;
        return (report, None);
    };
    let candidate = &candidates[index];
    let tree = &trees[index];
    let comparison = compare(&CompareInput {
        artifact: &artifact,
        tree,
        blobs: repo,
        contents: &contents,
        diff_limits: DiffLimits::default(),
    });
    report.stats = comparison.stats;
    report.findings.extend(comparison.findings);
    sort_findings(&mut report.findings);
    report.verdict = Verdict::from_findings(&report.findings);
    if options.explain {
        report.files = Some(comparison.files);
    }
    let subdir = match artifact.name.kind {
        provcheck_report::ArtifactKind::Sdist => comparison.mapping.subdir(),
        provcheck_report::ArtifactKind::Wheel => None,
    };
    let source = SourceInfo {
        repo: repo_label.to_owned(),
        commit: Some(candidate.commit.id.clone()),
        tag: candidate.tag.clone(),
        resolved_by: Some(candidate.resolved_by),
        subdir,
    };
    (report, Some(source))
}

fn no_tag_finding(version: &Version, options: &CheckOptions) -> Finding {
    Finding::new(
        Code::NoTag,
        Severity::High,
        format!(
            "no tag in the repository names version {version}, so there is no commit to compare with; \
             if the release was built from an untagged commit, name it with --ref"
        ),
    )
    .with("version", version.to_string())
    .with("repo", options.repo.display().to_string())
}

fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(Finding::presentation_order);
}

fn error_report(path: &Path, filename: String, message: &str) -> ArtifactReport {
    let kind = parse_filename(&filename)
        .map(|n| n.kind)
        .unwrap_or(provcheck_report::ArtifactKind::Sdist);
    ArtifactReport {
        filename,
        kind,
        sha256: file_sha256(path).unwrap_or_default(),
        verdict: Verdict::Error,
        source: None,
        stats: Stats::default(),
        findings: Vec::new(),
        error: Some(message.to_owned()),
        files: None,
    }
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
