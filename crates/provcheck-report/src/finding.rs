use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Code, Evidence};

/// How much a finding matters. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only.
    Info,
    /// Worth knowing; never fails a check by itself.
    Low,
    /// Cannot be verified or looks accidental: the verdict becomes `partial`.
    Medium,
    /// Contradicts the source: the verdict becomes `mismatch`.
    High,
    /// Contradicts the source in a way attackers use (startup hooks, ambiguous archives).
    Critical,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase severity name.
    pub fn parse(name: &str) -> Option<Severity> {
        [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One fact about an artifact: a code, a severity, where, what, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// How much it matters.
    pub severity: Severity,
    /// The file it concerns, relative to the artifact root (sdists without their
    /// `name-version/` folder); `None` for findings about the whole release.
    pub path: Option<String>,
    /// One or two sentences for a human.
    pub message: String,
    /// The facts behind it.
    #[serde(default, skip_serializing_if = "Evidence::is_empty")]
    pub evidence: Evidence,
}

impl Finding {
    /// A finding without evidence.
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity,
            path: None,
            message: message.into(),
            evidence: Evidence::new(),
        }
    }

    /// Sets the path.
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Replaces the evidence.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = evidence;
        self
    }

    /// Adds one fact to the evidence.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.evidence.insert(key, value);
        self
    }

    /// The order findings are presented in: most severe first, then by path and code.
    pub fn presentation_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.message.cmp(&b.message))
    }
}
