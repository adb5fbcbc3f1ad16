//! Policy: which findings fail a run. The report carries the policy that produced its
//! exit status, so a reader (and the SARIF renderer, for suppressions) sees it.

use serde::{Deserialize, Serialize};

use crate::{Code, ExitStatus, Finding, ReleaseReport, Report, Severity, Verdict};

/// What fails a run: a severity threshold, accepted findings, accepted missing sources.
///
/// The default (`fail_on` high, nothing accepted) is the contract of
/// [`Report::exit_status`]; `fail_on` medium is `--strict`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// The least severe finding that fails the run.
    pub fail_on: Severity,
    /// Findings accepted, per code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
    /// Packages whose missing source (`no-source`) is accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_no_source: Vec<AllowNoSource>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fail_on: Severity::High,
            allow: Vec::new(),
            allow_no_source: Vec::new(),
        }
    }
}

/// Findings of one code accepted, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allow {
    /// The finding code.
    pub code: Code,
    /// Only for these packages (normalized names); every package when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// Why.
    pub reason: String,
    /// The last day it applies (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Past its expiry: kept to be reported, no longer applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

/// A package whose missing source is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowNoSource {
    /// The normalized package name.
    pub name: String,
    /// Why.
    pub reason: String,
}

impl Policy {
    /// The allow that accepts `finding` of `package`, if one does.
    pub fn allowed(&self, package: &str, finding: &Finding) -> Option<&Allow> {
        self.allow.iter().find(|a| {
            !a.expired
                && a.code == finding.code
                && (a.packages.is_empty() || a.packages.iter().any(|p| p == package))
        })
    }

    /// Why a missing source of `package` is accepted, if it is.
    pub fn allowed_no_source(&self, package: &str) -> Option<&str> {
        self.allow_no_source
            .iter()
            .find(|a| a.name == package)
            .map(|a| a.reason.as_str())
    }

    /// Why `finding` of `release` is accepted: an allow for its code, or an accepted
    /// missing source (which accepts the `no-commit`/`no-tag` findings that say so).
    pub fn accepted(&self, release: &ReleaseReport, finding: &Finding) -> Option<String> {
        if let Some(allow) = self.allowed(&release.name, finding) {
            return Some(allow.reason.clone());
        }
        let about_source = matches!(finding.code, Code::NoCommit | Code::NoTag);
        if about_source && release.verdict == Verdict::NoSource {
            return self.allowed_no_source(&release.name).map(str::to_owned);
        }
        None
    }

    /// The most severe finding of a release that is not accepted and reaches `fail_on`.
    pub fn failing_finding<'r>(&self, release: &'r ReleaseReport) -> Option<&'r Finding> {
        release
            .findings
            .iter()
            .chain(release.artifacts.iter().flat_map(|a| a.findings.iter()))
            .filter(|f| f.severity >= self.fail_on && self.accepted(release, f).is_none())
            .max_by(|a, b| Finding::presentation_order(b, a))
    }

    /// Whether a release fails the run: an unaccepted `no-source`, or an unaccepted
    /// finding at or above `fail_on`.
    pub fn fails(&self, release: &ReleaseReport) -> bool {
        if release.verdict == Verdict::NoSource && self.allowed_no_source(&release.name).is_none() {
            return true;
        }
        self.failing_finding(release).is_some()
    }

    /// The exit status of a report under this policy: `Error` when an artifact (or a
    /// release with none) could not be checked, `Failure` when a release fails or a
    /// report-level finding reaches `fail_on`, else `Success`.
    pub fn exit_status(&self, report: &Report) -> ExitStatus {
        let errors = report
            .requested
            .iter()
            .any(|r| r.status == crate::RequestStatus::Error)
            || report.releases.iter().any(|r| {
                r.artifacts.iter().any(|a| a.verdict == Verdict::Error)
                    || (r.artifacts.is_empty() && r.verdict == Verdict::Error)
            });
        let own = report
            .findings
            .iter()
            .any(|f| f.severity >= self.fail_on && self.allowed("", f).is_none());
        if errors {
            ExitStatus::Error
        } else if own || report.releases.iter().any(|r| self.fails(r)) {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArtifactKind, ArtifactReport, Stats};

    fn release(name: &str, verdict: Verdict, findings: Vec<Finding>) -> ReleaseReport {
        ReleaseReport {
            name: name.to_owned(),
            version: "1.0".to_owned(),
            verdict,
            source: None,
            findings: Vec::new(),
            artifacts: vec![ArtifactReport {
                filename: format!("{name}-1.0.tar.gz"),
                kind: ArtifactKind::Sdist,
                sha256: String::new(),
                upload_time: None,
                yanked: None,
                verdict,
                source: None,
                stats: Stats::default(),
                findings,
                error: None,
                files: None,
            }],
            github: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn threshold_allows_and_accepted_missing_sources() {
        let partial = release(
            "a",
            Verdict::Partial,
            vec![Finding::new(Code::BinaryUnverified, Severity::Medium, "x")],
        );
        let untagged = release(
            "b",
            Verdict::NoSource,
            vec![Finding::new(Code::NoTag, Severity::High, "x")],
        );
        let report = Report::new("0", vec![partial.clone(), untagged.clone()]);
        let mut policy = Policy::default();
        assert_eq!(policy.exit_status(&report), report.exit_status(false));
        assert!(!policy.fails(&partial));
        assert!(policy.fails(&untagged));
        policy.allow_no_source.push(AllowNoSource {
            name: "b".to_owned(),
            reason: "private".to_owned(),
        });
        assert_eq!(policy.exit_status(&report), ExitStatus::Success);
        policy.fail_on = Severity::Medium;
        assert_eq!(policy.exit_status(&report), ExitStatus::Failure);
        policy.allow.push(Allow {
            code: Code::BinaryUnverified,
            packages: vec!["a".to_owned()],
            reason: "compiled".to_owned(),
            expires: None,
            expired: false,
        });
        assert_eq!(policy.exit_status(&report), ExitStatus::Success);
        policy.allow[0].expired = true;
        assert_eq!(policy.exit_status(&report), ExitStatus::Failure);
    }
}
