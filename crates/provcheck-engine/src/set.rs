//! A dependency set: many releases verified in one [`Session`] (shared index client,
//! artifact cache and repository clones), a bounded number at a time.

use futures_util::StreamExt;
use pep440_rs::Version;
use provcheck_report::{Code, Finding, ReleaseReport, Severity};

use crate::EngineError;
use crate::verify::{Located, RepoChoice, Session};

/// One release of a set to verify.
#[derive(Debug, Clone)]
pub struct SetItem {
    /// The project name (normalized or not).
    pub name: String,
    /// The exact version; `None` for the latest release.
    pub version: Option<Version>,
    /// sha256 digests (lowercase hex) that select the files to verify; empty: the usual
    /// selection.
    pub hashes: Vec<String>,
    /// Where its repository comes from.
    pub repo: RepoChoice,
    /// Findings the input already has about it (an installed file that differs from its
    /// RECORD); added to the release's findings.
    pub findings: Vec<Finding>,
}

/// Hears about packages as they finish (the binary's progress bar).
pub trait SetReporter: Send + Sync {
    /// A package is being verified.
    fn started(&self, _name: &str) {}
    /// A package is done (verified or failed).
    fn finished(&self, _name: &str) {}
}

/// A reporter that says nothing.
pub struct NoSetReporter;

impl SetReporter for NoSetReporter {}

/// Verifies every item, at most `concurrency` at once; results in item order. A
/// repository that cannot be found or fetched makes that release `no-source` with the
/// reason; an item that cannot be verified at all (not on the index, no file matches its
/// hashes) is an `Err` for that item only.
pub async fn verify_set(
    session: &Session<'_>,
    items: &[SetItem],
    concurrency: usize,
    reporter: &dyn SetReporter,
) -> Vec<Result<ReleaseReport, EngineError>> {
    futures_util::stream::iter(items)
        .map(|item| async move {
            reporter.started(&item.name);
            let result = verify_item(session, item).await;
            reporter.finished(&item.name);
            result
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

async fn verify_item(session: &Session<'_>, item: &SetItem) -> Result<ReleaseReport, EngineError> {
    let name = provcheck_artifact::normalize_name(&item.name);
    let files = session.options().index.files(&name).await?;
    let version = match &item.version {
        Some(version) => version.clone(),
        None => crate::verify::latest_version(&name, &files.files).ok_or_else(|| {
            EngineError::Selection {
                detail: format!("{name} has no release with files on the index"),
            }
        })?,
    };
    let (selected, unmatched) =
        session.release_files_pinned(&name, &version, &files, &item.hashes)?;
    let located = match session.locate_with(&name, &version, &item.repo).await {
        Ok(located) => located,
        // One package's repository failing must not stop the set: it has no source.
        Err(error) => Located::Missing {
            reason: format!("its repository could not be used: {error}"),
        },
    };
    let inputs = session.download(&selected).await;
    let mut release = session.check(located, &name, &version, inputs).await?;
    if !unmatched.is_empty() {
        release.findings.push(
            Finding::new(
                Code::DigestMismatch,
                Severity::Medium,
                format!(
                    "{} pinned hash(es) match no file the index publishes for this release; the files they pin were not verified",
                    unmatched.len()
                ),
            )
            .with("unmatched_sha256", unmatched),
        );
    }
    release.findings.extend(item.findings.iter().cloned());
    release.findings.sort_by(Finding::presentation_order);
    release.aggregate_verdict();
    Ok(release)
}
