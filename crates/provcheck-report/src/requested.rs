use serde::{Deserialize, Serialize};

/// One package of a dependency set (`verify -r`, `--lock`, `--env`), as requested: where,
/// and what became of it. Verified packages also have a release entry (same name and
/// version) in [`Report::releases`](crate::Report::releases).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requested {
    /// The normalized project name.
    pub name: String,
    /// The version, when the input names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What became of it.
    pub status: RequestStatus,
    /// Why it was not verified, or why verifying failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The input file that requested it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The 1-based line in that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The requirement as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
}

/// What became of a requested package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    /// Verified: see its release entry.
    Checked,
    /// Could not be verified (not on the index, no file matches its hashes): `reason`.
    Error,
    /// Not an exact version: verifying needs a resolver.
    Unpinned,
    /// Editable, VCS, URL or local path: not from an index.
    NotFromIndex,
    /// Its environment markers exclude it on the target platform.
    Excluded,
    /// Ignored by the configuration.
    Ignored,
}

impl RequestStatus {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Checked => "checked",
            RequestStatus::Error => "error",
            RequestStatus::Unpinned => "unpinned",
            RequestStatus::NotFromIndex => "not-from-index",
            RequestStatus::Excluded => "excluded",
            RequestStatus::Ignored => "ignored",
        }
    }

    /// How a table shows a package that was not verified.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Checked => "checked",
            RequestStatus::Error => "error",
            RequestStatus::Unpinned => "skipped: unpinned",
            RequestStatus::NotFromIndex => "skipped: not from an index",
            RequestStatus::Excluded => "skipped: markers",
            RequestStatus::Ignored => "skipped: ignored",
        }
    }
}
