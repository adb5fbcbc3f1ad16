use std::collections::HashMap;

use provcheck_report::{Code, Finding, Severity};

use crate::paths::display;

/// How many findings of one code and reason are listed individually; beyond it they are
/// counted, so that a hostile archive of 200,000 bad entries yields a readable report.
const LISTED_PER_REASON: u64 = 50;

/// An `archive-anomaly` finding about one entry, located at the entry's raw name
/// (sanitized for display), with evidence `entry` and `reason`.
pub(crate) fn anomaly(
    severity: Severity,
    reason: &'static str,
    entry: &str,
    message: impl Into<String>,
) -> Finding {
    let shown = display(entry);
    Finding::new(Code::ArchiveAnomaly, severity, message)
        .at(shown.clone())
        .with("entry", shown)
        .with("reason", reason)
}

/// Collects findings, listing at most [`LISTED_PER_REASON`] per (code, reason).
#[derive(Default)]
pub(crate) struct Findings {
    listed: Vec<Finding>,
    seen: HashMap<(Code, String), (Severity, u64)>,
}

impl Findings {
    pub fn push(&mut self, finding: Finding) {
        let reason = finding.evidence.get_str("reason").unwrap_or("").to_owned();
        let (severity, count) = self
            .seen
            .entry((finding.code, reason))
            .or_insert((finding.severity, 0));
        *count += 1;
        *severity = (*severity).max(finding.severity);
        if *count <= LISTED_PER_REASON {
            self.listed.push(finding);
        }
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for finding in findings {
            self.push(finding);
        }
    }

    /// The listed findings, then one summary per reason that had more.
    pub fn finish(self) -> Vec<Finding> {
        let mut out = self.listed;
        let mut more: Vec<_> = self
            .seen
            .into_iter()
            .filter(|(_, (_, count))| *count > LISTED_PER_REASON)
            .collect();
        more.sort_by(|a, b| a.0.cmp(&b.0));
        for ((code, reason), (severity, count)) in more {
            let hidden = count - LISTED_PER_REASON;
            out.push(
                Finding::new(
                    code,
                    severity,
                    format!(
                        "{hidden} more {code} findings ({}) were not listed one by one",
                        if reason.is_empty() {
                            "unspecified"
                        } else {
                            &reason
                        }
                    ),
                )
                .with("reason", reason)
                .with("count", count),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_reason() {
        let mut sink = Findings::default();
        for i in 0..120 {
            sink.push(anomaly(Severity::High, "symlink", &format!("l{i}"), "x"));
        }
        sink.push(anomaly(Severity::Critical, "duplicate", "d", "x"));
        let all = sink.finish();
        assert_eq!(all.len(), 50 + 1 + 1);
        let summary = all.last().unwrap();
        assert_eq!(summary.evidence.get_str("reason"), Some("symlink"));
        assert_eq!(summary.evidence.get("count").unwrap(), 120);
        assert_eq!(summary.severity, Severity::High);
    }
}
