use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Finding, Severity};

/// The verdict on one artifact, or on a release (the worst of its artifacts).
///
/// Ordered from best to worst for aggregation: `verified < partial < error < no-source <
/// mismatch`. A mismatch is the most important thing to say about a release, so it wins
/// over an artifact that could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every file traced to the commit or explained as generated.
    Verified,
    /// Nothing contradicts the commit, but some files cannot be checked without a rebuild.
    Partial,
    /// The check could not complete; the report says why.
    Error,
    /// No commit was found to compare against.
    NoSource,
    /// A file was added or changed relative to the commit in a way no rule explains.
    Mismatch,
}

impl Verdict {
    /// The verdict the contract derives from an artifact's findings, once a commit was
    /// found: `mismatch` for any high or critical finding, `partial` for any medium one,
    /// else `verified`.
    pub fn from_findings(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::High | Severity::Critical) => Verdict::Mismatch,
            Some(Severity::Medium) => Verdict::Partial,
            _ => Verdict::Verified,
        }
    }

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Partial => "partial",
            Verdict::Error => "error",
            Verdict::NoSource => "no-source",
            Verdict::Mismatch => "mismatch",
        }
    }

    /// Whether this verdict fails a check (exit status 1); `strict` also fails `partial`.
    pub fn fails(self, strict: bool) -> bool {
        match self {
            Verdict::Verified => false,
            Verdict::Partial => strict,
            Verdict::Mismatch | Verdict::NoSource => true,
            Verdict::Error => false,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the process reports to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Every artifact `verified` or `partial` (exit 0).
    Success,
    /// Some artifact `mismatch` or `no-source`, or `partial` under `--strict` (exit 1).
    Failure,
    /// Usage or operational error, including an artifact whose check could not complete
    /// (exit 2).
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    #[test]
    fn verdict_follows_the_most_severe_finding() {
        let f = |s| Finding::new(Code::ExtraFile, s, "x");
        assert_eq!(Verdict::from_findings(&[]), Verdict::Verified);
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Info), f(Severity::Low)]),
            Verdict::Verified
        );
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Medium)]),
            Verdict::Partial
        );
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Medium), f(Severity::High)]),
            Verdict::Mismatch
        );
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Critical)]),
            Verdict::Mismatch
        );
    }

    #[test]
    fn worst_verdict_wins() {
        let mut all = [
            Verdict::Mismatch,
            Verdict::Verified,
            Verdict::NoSource,
            Verdict::Partial,
            Verdict::Error,
        ];
        all.sort();
        assert_eq!(
            all,
            [
                Verdict::Verified,
                Verdict::Partial,
                Verdict::Error,
                Verdict::NoSource,
                Verdict::Mismatch
            ]
        );
    }
}
