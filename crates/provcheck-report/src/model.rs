use serde::{Deserialize, Serialize};

use crate::{ExitStatus, Finding, Verdict};

/// The version of the JSON report layout. Bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// One run's report: every release checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Layout version of this document ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The releases, in the order they were given.
    pub releases: Vec<ReleaseReport>,
    /// A dependency set's packages as requested (`verify -r/--lock/--env`), in input
    /// order, verified or not; absent for a single target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested: Vec<crate::Requested>,
    /// Findings about the inputs rather than one release (an installed environment's
    /// startup files that belong to no distribution).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// The policy the exit status was decided by, when it is not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::Policy>,
}

impl Report {
    /// A report over the given releases, stamped with this tool's name and version.
    pub fn new(tool_version: &str, releases: Vec<ReleaseReport>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "provcheck".to_owned(),
                version: tool_version.to_owned(),
            },
            releases,
            requested: Vec::new(),
            findings: Vec::new(),
            policy: None,
        }
    }

    /// The exit status the contract assigns to this report.
    ///
    /// `Error` when any artifact could not be checked, else `Failure` when any artifact
    /// fails (see [`Verdict::fails`]), else `Success`.
    pub fn exit_status(&self, strict: bool) -> ExitStatus {
        let artifacts = || self.releases.iter().flat_map(|r| r.artifacts.iter());
        if artifacts().any(|a| a.verdict == Verdict::Error)
            || self
                .releases
                .iter()
                .any(|r| r.artifacts.is_empty() && r.verdict == Verdict::Error)
        {
            ExitStatus::Error
        } else if self.releases.iter().any(|r| r.verdict.fails(strict))
            || artifacts().any(|a| a.verdict.fails(strict))
        {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        }
    }
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `provcheck`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

/// One release: a (name, version) and the artifacts checked for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseReport {
    /// The normalized project name (PEP 503).
    pub name: String,
    /// The version, as published.
    pub version: String,
    /// The worst verdict of the artifacts.
    pub verdict: Verdict,
    /// Where the artifacts were compared against, when they agree on it.
    pub source: Option<SourceInfo>,
    /// Findings about the release as a whole (no tag, artifacts that disagree).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// One entry per artifact.
    pub artifacts: Vec<ArtifactReport>,
    /// What the GitHub API says about the repository, the commit and the tag, when the
    /// repository is on GitHub and the API could be asked (optional enrichment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GitHubInfo>,
    /// Optional steps that did not happen, and why (no GitHub token, `--offline`, the API
    /// unreachable). Information only: a note never changes a verdict or the exit status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Facts from the GitHub API about a release's repository, commit and tag. Each part is
/// absent when it was not asked or could not be answered (a note says why).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GitHubInfo {
    /// `owner/name`.
    pub repository: String,
    /// The repository's default branch as GitHub names it (authoritative over the clone's
    /// `HEAD` for `commit-not-on-default-branch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    /// Whether the resolved commit reached the default branch through a merged pull
    /// request (`commits/{sha}/pulls`), and which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequestInfo>,
    /// The GitHub release of the release's tag, if the tag has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<GitHubReleaseInfo>,
}

/// How the resolved commit relates to the pull requests of its repository.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullRequestInfo {
    /// The commit asked about.
    pub commit: String,
    /// A pull request merged into the default branch contains the commit.
    pub merged: bool,
    /// That pull request's number (the earliest merged one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    /// Its web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it was merged (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_at: Option<String>,
    /// Numbers of open pull requests that contain the commit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<u64>,
}

/// Whether a tag has a GitHub release, and when it was published.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GitHubReleaseInfo {
    /// The tag asked about.
    pub tag: String,
    /// GitHub has a release for the tag.
    pub exists: bool,
    /// When it was published (RFC 3339); absent for drafts and missing releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// Its web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl ReleaseReport {
    /// Recomputes the release verdict: the worst of its artifacts' verdicts and of the
    /// verdict its own findings (artifacts that disagree) imply.
    pub fn aggregate_verdict(&mut self) {
        let own = Verdict::from_findings(&self.findings);
        self.verdict = self
            .artifacts
            .iter()
            .map(|a| a.verdict)
            .chain([own])
            .max()
            .unwrap_or(own);
    }
}

/// How the source commit of a release was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolvedBy {
    /// The user named the revision (`--ref`).
    Ref,
    /// A PEP 740 attestation named the commit.
    Attestation,
    /// A tag whose version equals the release version.
    Tag,
    /// A commit id recorded inside the artifact.
    ArtifactHint,
    /// The commit whose tree best matches the artifact's files.
    ContentSearch,
    /// A commit next to the release's tag (its parent or child) whose files match the
    /// artifact exactly where the tag's own commit does not.
    TagNeighbour,
}

impl ResolvedBy {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolvedBy::Ref => "ref",
            ResolvedBy::Attestation => "attestation",
            ResolvedBy::Tag => "tag",
            ResolvedBy::ArtifactHint => "artifact-hint",
            ResolvedBy::ContentSearch => "content-search",
            ResolvedBy::TagNeighbour => "tag-neighbour",
        }
    }
}

/// The source an artifact was compared against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The repository, as given or discovered (a URL or a local path).
    pub repo: String,
    /// The full commit id, when one was found.
    pub commit: Option<String>,
    /// The tag, when the commit was found through one.
    pub tag: Option<String>,
    /// How the commit was found.
    pub resolved_by: Option<ResolvedBy>,
    /// The folder of the repository the artifact's root maps to, when not the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
    /// Where the repository came from when it was discovered (e.g.
    /// `project_urls[Source]`); absent when the user named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered_from: Option<String>,
    /// How well the commit's files match the artifact's (content search, tag neighbours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<ContentScore>,
    /// The commit the tag names, when the artifact was matched to a neighbour of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_commit: Option<String>,
}

/// How many of an artifact's traceable files (packaging metadata aside) a commit holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentScore {
    /// Files whose content is somewhere in the commit.
    pub matched: u64,
    /// Files that could match at all.
    pub traceable: u64,
    /// Every traceable file matched.
    pub exact: bool,
    /// How many commits content search scored to find this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commits_searched: Option<u64>,
}

/// What kind of artifact a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A built distribution (`.whl`).
    Wheel,
    /// A source distribution (`.tar.gz`, `.zip`, `.tar.bz2`).
    Sdist,
}

impl ArtifactKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Wheel => "wheel",
            ArtifactKind::Sdist => "sdist",
        }
    }
}

/// Counts of how the artifact's files were traced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Regular files in the artifact.
    pub files: u64,
    /// Files identical to a file of the commit.
    pub matched: u64,
    /// Files explained by a rule (metadata, version files, license copies…).
    pub generated: u64,
    /// Files in no file of the commit.
    pub extra: u64,
    /// Files that differ from the commit's file at the same path.
    pub modified: u64,
    /// Files that cannot be verified without a rebuild (compiled code).
    pub unverified: u64,
    /// Files of the mapped source folders that the artifact does not ship.
    pub missing: u64,
}

/// How one file of an artifact was traced (the `files` section, `--explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileTrace {
    /// Path inside the artifact.
    pub path: String,
    /// The outcome.
    pub status: TraceStatus,
    /// The source path it was compared with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
    /// The rule that explained it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The outcome of tracing one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TraceStatus {
    /// Identical to a source file.
    Matched,
    /// Explained by a rule.
    Generated,
    /// Differs from the source file at the same path.
    Modified,
    /// In no file of the commit.
    Extra,
    /// Cannot be verified without a rebuild.
    Unverified,
}

/// One artifact's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactReport {
    /// The file name of the artifact.
    pub filename: String,
    /// Wheel or sdist.
    pub kind: ArtifactKind,
    /// The sha256 of the artifact file, lowercase hex.
    pub sha256: String,
    /// When the index says the file was uploaded (RFC 3339), for artifacts from an index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<String>,
    /// The yank reason (possibly empty) when the index marks the file yanked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The source this artifact was compared against, when it differs from the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceInfo>,
    /// Counts of how the files were traced.
    pub stats: Stats,
    /// What was found, most severe first.
    pub findings: Vec<Finding>,
    /// Why the check could not complete (verdict `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How every file was traced, when asked for (`--explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FileTrace>>,
}
