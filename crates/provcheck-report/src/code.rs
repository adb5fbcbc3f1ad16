use std::fmt;

use serde::{Deserialize, Serialize};

/// A stable finding code. Codes are part of the public contract: extend, never rename.
///
/// The kebab-case string ([`Code::as_str`]) is what appears in reports, configuration
/// and SARIF rule ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A file in the artifact that is in no file of the source commit.
    ExtraFile,
    /// A file whose path exists in the source commit with different content.
    ModifiedFile,
    /// A source file the artifact does not ship (counted in stats, rarely reported).
    MissingFile,
    /// A file the build generates, explained by a named rule.
    GeneratedFile,
    /// A tracked file in which the build substituted only the version.
    VersionSubstitution,
    /// A compiled or binary file that cannot be verified without a rebuild.
    BinaryUnverified,
    /// A `.pth` file with an executable line, or `sitecustomize.py`/`usercustomize.py`.
    StartupHook,
    /// Code patterns typical of malware in added or modified code.
    SuspiciousCode,
    /// The release has no tag in the repository.
    NoTag,
    /// No commit could be found for the release.
    NoCommit,
    /// The resolved commit is not reachable from the default branch.
    CommitNotOnDefaultBranch,
    /// A tag points at a different commit than when it was last seen.
    TagMoved,
    /// The release's tag was created after the artifact was uploaded.
    TagAfterUpload,
    /// Metadata (name, version, dependencies, entry points) disagrees with the source.
    MetadataMismatch,
    /// A wheel's RECORD disagrees with the wheel's contents.
    RecordMismatch,
    /// A structural problem of the archive itself: unsafe paths, duplicates, links, bombs.
    ArchiveAnomaly,
    /// The downloaded file differs from the digest the index published.
    DigestMismatch,
    /// The release has no provenance where earlier releases had one.
    ProvenanceMissing,
    /// The provenance names a different repository or commit.
    ProvenanceMismatch,
    /// Artifacts of one release were built from different commits.
    ArtifactsDisagree,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: &'static [Code] = &[
        Code::ExtraFile,
        Code::ModifiedFile,
        Code::MissingFile,
        Code::GeneratedFile,
        Code::VersionSubstitution,
        Code::BinaryUnverified,
        Code::StartupHook,
        Code::SuspiciousCode,
        Code::NoTag,
        Code::NoCommit,
        Code::CommitNotOnDefaultBranch,
        Code::TagMoved,
        Code::TagAfterUpload,
        Code::MetadataMismatch,
        Code::RecordMismatch,
        Code::ArchiveAnomaly,
        Code::DigestMismatch,
        Code::ProvenanceMissing,
        Code::ProvenanceMismatch,
        Code::ArtifactsDisagree,
    ];

    /// The stable kebab-case name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ExtraFile => "extra-file",
            Code::ModifiedFile => "modified-file",
            Code::MissingFile => "missing-file",
            Code::GeneratedFile => "generated-file",
            Code::VersionSubstitution => "version-substitution",
            Code::BinaryUnverified => "binary-unverified",
            Code::StartupHook => "startup-hook",
            Code::SuspiciousCode => "suspicious-code",
            Code::NoTag => "no-tag",
            Code::NoCommit => "no-commit",
            Code::CommitNotOnDefaultBranch => "commit-not-on-default-branch",
            Code::TagMoved => "tag-moved",
            Code::TagAfterUpload => "tag-after-upload",
            Code::MetadataMismatch => "metadata-mismatch",
            Code::RecordMismatch => "record-mismatch",
            Code::ArchiveAnomaly => "archive-anomaly",
            Code::DigestMismatch => "digest-mismatch",
            Code::ProvenanceMissing => "provenance-missing",
            Code::ProvenanceMismatch => "provenance-mismatch",
            Code::ArtifactsDisagree => "artifacts-disagree",
        }
    }

    /// A one-sentence description, used as help text (SARIF rules, `--help`).
    pub fn summary(self) -> &'static str {
        match self {
            Code::ExtraFile => "A file in the artifact that is in no file of the source commit.",
            Code::ModifiedFile => {
                "A file whose path exists in the source commit with different content."
            }
            Code::MissingFile => "A source file that the artifact does not ship.",
            Code::GeneratedFile => "A file the build generates, explained by a named rule.",
            Code::VersionSubstitution => {
                "A tracked file in which the build substituted only the version."
            }
            Code::BinaryUnverified => {
                "A compiled or binary file that cannot be verified without a rebuild."
            }
            Code::StartupHook => {
                "A file Python executes at interpreter start: a .pth with an executable line, sitecustomize.py or usercustomize.py."
            }
            Code::SuspiciousCode => "Code patterns typical of malware in added or modified code.",
            Code::NoTag => "The release has no tag in the repository.",
            Code::NoCommit => "No commit could be found for the release.",
            Code::CommitNotOnDefaultBranch => {
                "The resolved commit is not reachable from the default branch."
            }
            Code::TagMoved => "A tag points at a different commit than when it was last seen.",
            Code::TagAfterUpload => "The release's tag was created after the upload.",
            Code::MetadataMismatch => {
                "Package metadata (name, version, dependencies, entry points) disagrees with the source."
            }
            Code::RecordMismatch => "A wheel's RECORD disagrees with the wheel's contents.",
            Code::ArchiveAnomaly => {
                "A structural problem of the archive: unsafe paths, duplicate entries, links, bombs, header disagreement."
            }
            Code::DigestMismatch => "The downloaded file differs from the index's sha256.",
            Code::ProvenanceMissing => {
                "The release has no provenance where earlier releases had one."
            }
            Code::ProvenanceMismatch => "The provenance names a different repository or commit.",
            Code::ArtifactsDisagree => {
                "Artifacts of one release were built from different commits."
            }
        }
    }

    /// Parses a kebab-case code name.
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let names: HashSet<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use super::Code;

    /// docs/findings.md is the user's reference: every code needs its section.
    #[test]
    fn every_code_is_documented() {
        let docs = include_str!("../../../docs/findings.md");
        for code in Code::ALL {
            assert!(
                docs.contains(&format!("\n## {}\n", code.as_str())),
                "docs/findings.md has no section for {code}"
            );
        }
    }
}
