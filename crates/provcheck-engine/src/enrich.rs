//! Optional GitHub metadata for a release whose repository is on GitHub: the default
//! branch (asked before the comparison: it decides `commit-not-on-default-branch`), then,
//! for the resolved commit and tag, the pull request that merged the commit and the tag's
//! GitHub release (asked after it).
//!
//! Corroboration only: without a token, offline, or when the API fails, each missing
//! answer becomes a note on the release, never a finding or a failure. What the answers
//! change is bounded: a `commit-not-on-default-branch` whose commit a merged pull request
//! brought into the default branch (squash and rebase merges) is lowered, and a GitHub
//! release published after the upload is reported as a `low` `tag-after-upload` for a
//! lightweight tag (which records no time of its own). A release can be created long
//! after its tag, so that is evidence, never proof.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use pep440_rs::Version;
use provcheck_index::{GitHubClient, GitHubPull, GitHubRelease, GitHubRepo};
use provcheck_report::{
    Code, Finding, GitHubInfo, GitHubReleaseInfo, PullRequestInfo, ReleaseReport, Severity,
    SourceInfo, Verdict,
};
use provcheck_source::{DefaultBranch, SourceRepo};

use crate::Located;
use crate::resolve::Resolver;
use crate::timeline::{format_time, parse_time};

/// Points the resolver's default branch at the branch GitHub names, when the clone has
/// it (`refs/heads/NAME` in the cache's bare clones, `refs/remotes/origin/NAME` in a work
/// tree); otherwise the clone's own `HEAD` stays.
pub(crate) fn use_default_branch(resolver: &mut Resolver<'_>, repo: &SourceRepo, name: &str) {
    if !is_branch_name(name) {
        return;
    }
    for reference in [
        format!("refs/remotes/origin/{name}"),
        format!("refs/heads/{name}"),
    ] {
        if repo.resolve(&reference).is_ok() {
            resolver.default_branch = Some(DefaultBranch {
                name: name.to_owned(),
                reference,
            });
            return;
        }
    }
}

/// A branch name that is safe to put in a revision (no revision syntax in it).
fn is_branch_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.contains("..")
        && !name.contains("@{")
        && !name.contains("//")
        && name
            .chars()
            .all(|c| !c.is_control() && !" ~^:?*[\\".contains(c))
}

/// The GitHub facts of one repository, gathered for one or more of its releases.
#[derive(Clone, Default)]
pub(crate) struct Enrichment {
    target: Option<(GitHubClient, GitHubRepo)>,
    /// The clone, for whether a tag is annotated.
    repo_path: Option<PathBuf>,
    default_branch: Option<String>,
    notes: Vec<String>,
}

impl Enrichment {
    /// Asks for the default branch of the located repository when it is on GitHub.
    /// Nothing for other repositories; a note when GitHub cannot be asked.
    pub async fn prepare(client: &GitHubClient, located: &Located) -> Enrichment {
        let Located::Repo { path, label, .. } = located else {
            return Enrichment::default();
        };
        let Some(repo) = client.repository_of(label) else {
            return Enrichment::default();
        };
        let mut enrichment = Enrichment {
            repo_path: Some(path.clone()),
            ..Enrichment::default()
        };
        if let Some(reason) = client.unavailable() {
            enrichment.notes.push(reason.to_owned());
            return enrichment;
        }
        match client.default_branch(&repo).await {
            Ok(branch) => {
                enrichment.default_branch = Some(branch);
                enrichment.target = Some((client.clone(), repo));
            }
            // Unreachable, rate limited, a rejected token, no access: the other questions
            // would fail the same way, so they are not asked.
            Err(error) => enrichment
                .notes
                .push(format!("GitHub: {error}; no GitHub metadata was used")),
        }
        enrichment
    }

    /// The default branch GitHub names, for the comparison.
    pub fn default_branch(&self) -> Option<String> {
        self.default_branch.clone()
    }

    /// Asks about the release's commit(s) and tag(s), records the answers in
    /// `release.github`, adjusts the timeline findings they bear on, and adds the notes.
    pub async fn apply(&self, release: &mut ReleaseReport, name: &str, version: &Version) {
        release.notes.extend(self.notes.iter().cloned());
        let Some((client, repo)) = &self.target else {
            return;
        };
        let mut info = GitHubInfo {
            repository: repo.full_name(),
            default_branch: self.default_branch.clone(),
            ..GitHubInfo::default()
        };
        // The sources the artifacts were compared against (one, unless they disagree).
        let sources: Vec<Option<SourceInfo>> = release
            .artifacts
            .iter()
            .map(|a| a.source.clone().or_else(|| release.source.clone()))
            .collect();
        let commits: BTreeSet<String> = sources
            .iter()
            .flatten()
            .filter_map(|s| s.commit.clone())
            .collect();
        let tags: BTreeSet<String> = sources
            .iter()
            .flatten()
            .filter_map(|s| s.tag.clone())
            .collect();

        let mut merged: HashMap<String, PullRequestInfo> = HashMap::new();
        for commit in &commits {
            match client.pull_requests(repo, commit).await {
                Ok(pulls) => {
                    merged.insert(
                        commit.clone(),
                        pull_request_info(commit, &pulls, self.default_branch.as_deref()),
                    );
                }
                Err(error) => release.notes.push(format!("GitHub: {error}")),
            }
        }
        let mut releases: HashMap<String, Option<GitHubRelease>> = HashMap::new();
        for tag in &tags {
            match client.release(repo, tag).await {
                Ok(found) => {
                    releases.insert(tag.clone(), found);
                }
                Err(error) => release.notes.push(format!("GitHub: {error}")),
            }
        }

        let lightweight = self.lightweight_tags(name, version, &releases).await;
        for (artifact, source) in release.artifacts.iter_mut().zip(&sources) {
            let Some(source) = source else { continue };
            if matches!(artifact.verdict, Verdict::NoSource | Verdict::Error) {
                continue;
            }
            let mut changed = false;
            if let Some(pull) = source.commit.as_ref().and_then(|c| merged.get(c))
                && pull.merged
                && self.default_branch.is_some()
            {
                changed |= lower_off_branch(&mut artifact.findings, pull);
            }
            if let Some(tag) = &source.tag
                && lightweight.contains(tag)
                && let Some(Some(published)) = releases.get(tag)
                && let Some(finding) =
                    release_after_upload(tag, published, artifact.upload_time.as_deref())
                && !artifact
                    .findings
                    .iter()
                    .any(|f| f.code == Code::TagAfterUpload)
            {
                artifact.findings.push(finding);
                changed = true;
            }
            if changed {
                artifact.findings.sort_by(Finding::presentation_order);
                artifact.verdict = Verdict::from_findings(&artifact.findings);
            }
        }
        release.aggregate_verdict();

        // The release's own source (the first artifact's when they disagree).
        let main = release
            .source
            .clone()
            .or_else(|| sources.iter().flatten().next().cloned());
        if let Some(main) = main {
            info.pull_request = main.commit.as_ref().and_then(|c| merged.remove(c));
            info.release = main.tag.as_ref().and_then(|tag| {
                releases.get(tag).map(|found| match found {
                    Some(r) => GitHubReleaseInfo {
                        tag: tag.clone(),
                        exists: true,
                        published_at: r.published_at.clone(),
                        url: r.url.clone(),
                    },
                    None => GitHubReleaseInfo {
                        tag: tag.clone(),
                        exists: false,
                        published_at: None,
                        url: None,
                    },
                })
            });
        }
        release.github = Some(info);
    }

    /// Of the tags with a GitHub release, the lightweight ones (an annotated tag's own
    /// tagger time already says when it was made). Read from the clone off the runtime.
    async fn lightweight_tags(
        &self,
        name: &str,
        version: &Version,
        releases: &HashMap<String, Option<GitHubRelease>>,
    ) -> BTreeSet<String> {
        let wanted: BTreeSet<String> = releases
            .iter()
            .filter(|(_, r)| r.is_some())
            .map(|(tag, _)| tag.clone())
            .collect();
        let Some(path) = self.repo_path.clone() else {
            return BTreeSet::new();
        };
        if wanted.is_empty() {
            return BTreeSet::new();
        }
        let name = name.to_owned();
        let version = version.clone();
        tokio::task::spawn_blocking(move || {
            let Ok(repo) = SourceRepo::open(&path) else {
                return BTreeSet::new();
            };
            repo.version_tags(&name, &version)
                .unwrap_or_default()
                .into_iter()
                .filter(|t| !t.annotated && wanted.contains(&t.name))
                .map(|t| t.name)
                .collect()
        })
        .await
        .unwrap_or_default()
    }
}

/// What the pull requests of a commit say: the earliest one merged into the default
/// branch (into any branch when the default branch is unknown), and the open ones.
fn pull_request_info(
    commit: &str,
    pulls: &[GitHubPull],
    default_branch: Option<&str>,
) -> PullRequestInfo {
    let merged = pulls
        .iter()
        .filter(|p| p.merged_at.is_some())
        .filter(|p| default_branch.is_none_or(|b| p.base == b))
        .min_by_key(|p| p.merged_at.as_deref().and_then(parse_time));
    PullRequestInfo {
        commit: commit.to_owned(),
        merged: merged.is_some(),
        number: merged.map(|p| p.number),
        url: merged.and_then(|p| p.url.clone()),
        merged_at: merged.and_then(|p| p.merged_at.clone()),
        open: pulls
            .iter()
            .filter(|p| p.state == "open")
            .map(|p| p.number)
            .collect(),
    }
}

/// A commit off the default branch that a merged pull request brought into it (a squash
/// or rebase merge rewrites it): one step lower, and the pull request named.
fn lower_off_branch(findings: &mut [Finding], pull: &PullRequestInfo) -> bool {
    let mut changed = false;
    for finding in findings
        .iter_mut()
        .filter(|f| f.code == Code::CommitNotOnDefaultBranch)
    {
        let number = pull.number.unwrap_or_default();
        finding.severity = match finding.severity {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        };
        finding.message.push_str(&format!(
            "; GitHub says pull request #{number} containing it was merged into the default branch{} (a squash or rebase merge)",
            pull.merged_at
                .as_deref()
                .map(|t| format!(" on {t}"))
                .unwrap_or_default()
        ));
        finding.evidence.insert("pull_request", number);
        if let Some(url) = &pull.url {
            finding.evidence.insert("pull_request_url", url.as_str());
        }
        if let Some(at) = &pull.merged_at {
            finding.evidence.insert("merged_at", at.as_str());
        }
        changed = true;
    }
    changed
}

/// `tag-after-upload` (low) when the tag's GitHub release was published after the file
/// was uploaded.
fn release_after_upload(
    tag: &str,
    release: &GitHubRelease,
    upload_time: Option<&str>,
) -> Option<Finding> {
    let upload = parse_time(upload_time?)?;
    let published = parse_time(release.published_at.as_deref()?)?;
    if published <= upload {
        return None;
    }
    let hours = (published - upload) as f64 / 3600.0;
    let mut finding = Finding::new(
        Code::TagAfterUpload,
        Severity::Low,
        format!(
            "the GitHub release of the lightweight tag {tag} was published {hours:.1} hour(s) after this file was uploaded; the tag itself records no time, and a release can be created long after its tag, so this is evidence that the tag came late, not proof"
        ),
    )
    .with("tag", tag)
    .with("source", "github-release")
    .with("github_release_published_at", format_time(published))
    .with("upload_time", format_time(upload));
    if let Some(url) = &release.url {
        finding = finding.with("github_release_url", url.as_str());
    }
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(number: u64, base: &str, merged_at: Option<&str>, state: &str) -> GitHubPull {
        GitHubPull {
            number,
            state: state.to_owned(),
            url: None,
            merged_at: merged_at.map(str::to_owned),
            base: base.to_owned(),
        }
    }

    #[test]
    fn the_earliest_pull_request_merged_into_the_default_branch_counts() {
        let pulls = [
            pull(3, "release", Some("2026-01-01T00:00:00Z"), "closed"),
            pull(5, "main", Some("2026-01-03T00:00:00Z"), "closed"),
            pull(4, "main", Some("2026-01-02T00:00:00Z"), "closed"),
            pull(6, "main", None, "open"),
        ];
        let info = pull_request_info("abc", &pulls, Some("main"));
        assert!(info.merged);
        assert_eq!(info.number, Some(4));
        assert_eq!(info.open, [6]);
        let info = pull_request_info("abc", &pulls[3..], Some("main"));
        assert!(!info.merged);
    }

    #[test]
    fn a_release_published_before_the_upload_says_nothing() {
        let release = GitHubRelease {
            tag: "v1".to_owned(),
            url: None,
            draft: false,
            prerelease: false,
            created_at: None,
            published_at: Some("2026-01-02T00:00:00Z".to_owned()),
        };
        assert!(release_after_upload("v1", &release, Some("2026-01-02T01:00:00Z")).is_none());
        let late = release_after_upload("v1", &release, Some("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!(late.severity, Severity::Low);
        assert!(late.message.contains("not proof"));
    }

    #[test]
    fn branch_names_with_revision_syntax_are_refused() {
        assert!(is_branch_name("main"));
        assert!(is_branch_name("release/2.x"));
        for bad in ["", "a..b", "HEAD@{1}", "x^", "-x", "a b", "x~1", "a:b"] {
            assert!(!is_branch_name(bad), "{bad}");
        }
    }
}
