use std::path::PathBuf;

use pep440_rs::Version;
use provcheck_report::Finding;

/// Everything read from the inputs, in input order.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// One entry per requested package.
    pub packages: Vec<Package>,
    /// Findings about the inputs themselves, not about one package (an installed
    /// environment's startup files that belong to no distribution).
    pub findings: Vec<Finding>,
    /// Things worth telling the user (options that were ignored).
    pub notes: Vec<String>,
}

impl Inputs {
    /// Appends another input's entries.
    pub fn extend(&mut self, other: Inputs) {
        self.packages.extend(other.packages);
        self.findings.extend(other.findings);
        self.notes.extend(other.notes);
    }
}

/// One requested package.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The PEP 503 normalized name.
    pub name: String,
    /// What can be verified.
    pub pin: Pin,
    /// Where it was requested.
    pub origin: Origin,
    /// Findings about it that come from the input (an installed file that differs from
    /// its `RECORD`).
    pub findings: Vec<Finding>,
}

/// What can be verified about a requested package.
#[derive(Debug, Clone, PartialEq)]
pub enum Pin {
    /// An exact version from the index. `hashes` (lowercase sha256 hex) select exactly
    /// those files of the release; empty means any file.
    Exact {
        /// The version.
        version: Version,
        /// The sha256 digests of the allowed files.
        hashes: Vec<String>,
    },
    /// A range or no version at all: verifying it needs a resolver.
    Unpinned {
        /// Why, e.g. `>=2.0 is not an exact version`.
        reason: String,
    },
    /// Installed from somewhere else than an index: editable, VCS, URL or local path.
    NotFromIndex {
        /// What it is installed from.
        reason: String,
        /// The version, when the input says it.
        version: Option<Version>,
    },
    /// The environment markers exclude it on the target platform.
    Excluded {
        /// The markers, or why it is not installed there.
        reason: String,
        /// The version, when the input says it.
        version: Option<Version>,
    },
}

impl Pin {
    /// The version, when the input names one.
    pub fn version(&self) -> Option<&Version> {
        match self {
            Pin::Exact { version, .. } => Some(version),
            Pin::Unpinned { .. } => None,
            Pin::NotFromIndex { version, .. } | Pin::Excluded { version, .. } => version.as_ref(),
        }
    }
}

/// Where a package was requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (as given, includes joined to the including file's folder).
    pub file: PathBuf,
    /// The 1-based line, when the format has one for the package.
    pub line: Option<u32>,
    /// The requirement as written (one line, options included), when there is one.
    pub text: Option<String>,
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u32
        + 1
}

/// The lowercase hex sha256 from `sha256:HEX` / `sha256=HEX`, if the algorithm is sha256.
pub(crate) fn sha256_of(hash: &str) -> Option<String> {
    let (algorithm, digest) = hash.split_once([':', '='])?;
    let digest = digest.trim().to_ascii_lowercase();
    (algorithm.trim().eq_ignore_ascii_case("sha256")
        && digest.len() == 64
        && digest.chars().all(|c| c.is_ascii_hexdigit()))
    .then_some(digest)
}

/// PEP 503 normalization.
pub(crate) fn normalize(name: &str) -> String {
    provcheck_artifact::normalize_name(name)
}

pub(crate) fn parse_version(text: &str) -> Option<Version> {
    text.trim().parse().ok()
}

/// Joins an include to the folder of the including file.
pub(crate) fn beside(file: &std::path::Path, relative: &str) -> PathBuf {
    let relative = PathBuf::from(relative);
    if relative.is_absolute() {
        return relative;
    }
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(relative),
        _ => relative,
    }
}
