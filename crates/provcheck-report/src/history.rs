//! The timeline of a project's releases (`provcheck history`): one row per release, the
//! outliers marked, and the full release reports behind the rows.

use serde::{Deserialize, Serialize};

use crate::{
    Code, ExitStatus, Finding, ReleaseReport, Report, ResolvedBy, SCHEMA_VERSION, Severity, Tool,
    Verdict,
};

/// `provcheck history NAME` as data (`--format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryReport {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The normalized project name.
    pub project: String,
    /// The repository compared against, when one was found.
    pub repo: Option<String>,
    /// One row per release, oldest version first.
    pub rows: Vec<HistoryRow>,
    /// Counts over the rows.
    pub summary: HistorySummary,
    /// Things the reader should know (enrichment unavailable, releases skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The full report of every release, in row order.
    pub releases: Vec<ReleaseReport>,
}

/// One release in the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// The version.
    pub version: String,
    /// The earliest upload time of its files (RFC 3339).
    pub upload_time: Option<String>,
    /// The tag it resolved through.
    pub tag: Option<String>,
    /// The commit it was compared against.
    pub commit: Option<String>,
    /// How the commit was found.
    pub resolved_by: Option<ResolvedBy>,
    /// The release verdict.
    pub verdict: Verdict,
    /// The most severe finding (above `info`) of the release and its artifacts.
    pub finding: Option<RowFinding>,
    /// The row stands out: the release fails, is partial, or has a timeline signal (no
    /// tag, tag after upload, tag moved, commit off the default branch).
    pub outlier: bool,
    /// Why the release could not be checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The headline finding of a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowFinding {
    /// The code.
    pub code: Code,
    /// Its severity.
    pub severity: Severity,
    /// The file, when it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Counts over the timeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistorySummary {
    /// Releases in the timeline.
    pub releases: u64,
    /// By verdict.
    pub verified: u64,
    /// By verdict.
    pub partial: u64,
    /// By verdict.
    pub mismatch: u64,
    /// By verdict.
    pub no_source: u64,
    /// By verdict.
    pub error: u64,
    /// Releases no tag names (resolved otherwise, or not at all).
    pub untagged: u64,
    /// Releases for which no commit was found.
    pub no_commit: u64,
    /// Rows marked as outliers.
    pub outliers: u64,
}

const TIMELINE_CODES: &[Code] = &[
    Code::NoTag,
    Code::TagAfterUpload,
    Code::TagMoved,
    Code::CommitNotOnDefaultBranch,
];

impl HistoryRow {
    /// The row of one release report.
    pub fn of(release: &ReleaseReport) -> HistoryRow {
        let source = release
            .source
            .clone()
            .or_else(|| release.artifacts.iter().find_map(|a| a.source.clone()));
        let upload_time = release
            .artifacts
            .iter()
            .filter_map(|a| a.upload_time.clone())
            .min();
        let findings = || {
            release
                .findings
                .iter()
                .chain(release.artifacts.iter().flat_map(|a| a.findings.iter()))
        };
        // The most severe; at equal severity what the content says (a modified file)
        // before the timeline signal around it.
        let worst: Option<&Finding> =
            findings()
                .filter(|f| f.severity > Severity::Info)
                .min_by(|a, b| {
                    b.severity
                        .cmp(&a.severity)
                        .then_with(|| {
                            TIMELINE_CODES
                                .contains(&a.code)
                                .cmp(&TIMELINE_CODES.contains(&b.code))
                        })
                        .then_with(|| Finding::presentation_order(a, b))
                });
        let timeline = findings().any(|f| TIMELINE_CODES.contains(&f.code));
        let error = release.artifacts.iter().find_map(|a| a.error.clone());
        HistoryRow {
            version: release.version.clone(),
            upload_time,
            tag: source.as_ref().and_then(|s| s.tag.clone()),
            commit: source.as_ref().and_then(|s| s.commit.clone()),
            resolved_by: source.as_ref().and_then(|s| s.resolved_by),
            verdict: release.verdict,
            finding: worst.map(|f| RowFinding {
                code: f.code,
                severity: f.severity,
                path: f.path.clone(),
            }),
            outlier: release.verdict != Verdict::Verified || timeline,
            error,
        }
    }
}

impl HistoryReport {
    /// The timeline over these release reports (in the order given).
    pub fn new(
        tool_version: &str,
        project: &str,
        repo: Option<String>,
        releases: Vec<ReleaseReport>,
        notes: Vec<String>,
    ) -> HistoryReport {
        let rows: Vec<HistoryRow> = releases.iter().map(HistoryRow::of).collect();
        let mut summary = HistorySummary {
            releases: rows.len() as u64,
            ..HistorySummary::default()
        };
        for row in &rows {
            match row.verdict {
                Verdict::Verified => summary.verified += 1,
                Verdict::Partial => summary.partial += 1,
                Verdict::Mismatch => summary.mismatch += 1,
                Verdict::NoSource => summary.no_source += 1,
                Verdict::Error => summary.error += 1,
            }
            if row.tag.is_none() {
                summary.untagged += 1;
            }
            if row.commit.is_none() && row.verdict != Verdict::Error {
                summary.no_commit += 1;
            }
            if row.outlier {
                summary.outliers += 1;
            }
        }
        HistoryReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "provcheck".to_owned(),
                version: tool_version.to_owned(),
            },
            project: project.to_owned(),
            repo,
            rows,
            summary,
            notes,
            releases,
        }
    }

    /// The exit status: as for the same releases in one report (1 when any fails).
    pub fn exit_status(&self, strict: bool) -> ExitStatus {
        Report::new(&self.tool.version, self.releases.clone()).exit_status(strict)
    }
}
