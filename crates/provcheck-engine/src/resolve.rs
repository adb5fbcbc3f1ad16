//! Finding the commit a release was built from (DESIGN.md, "Commit resolution").
//!
//! Strategies run in order and the first that yields a commit wins:
//! 1. `--ref` given by the user;
//! 2. a PEP 740 attestation naming the commit (a seam: `Resolver::attested` is empty
//!    until provenance is read);
//! 3. a tag whose version equals the release version under PEP 440; when several
//!    qualify, the one whose tree matches the artifact best. When the tag's tree does not
//!    match exactly and a neighbour's (its parent or child) does, the neighbour wins:
//!    releases built from "the commit right after the tag" are common;
//! 4. a commit id recorded inside the artifact (`hints.rs`);
//! 5. content search over the commits of all refs (`search.rs`).
//!
//! Nothing found: the release has no source. Strategies 1–3 are decided before the
//! artifact is read (their trees tell which contents to keep); 3's neighbours, 4 and 5
//! need the artifact's blob ids.

use std::collections::HashMap;

use pep440_rs::Version;
use provcheck_artifact::Artifact;
use provcheck_compare::match_score;
use provcheck_report::ResolvedBy;
use provcheck_source::{CommitInfo, DefaultBranch, SourceRepo, TagLedger, TagMove, VersionTag};
use provcheck_types::{BlobId, SourceTree};

use crate::EngineError;
use crate::hints::{Hint, commit_hints};
use crate::search::{self, Anchor, Found};

/// Content search accepts a commit only when it holds at least this share of the
/// artifact's traceable files: below it, the commit is named as the nearest, not used.
const MIN_SHARE: f64 = 0.5;

/// A commit that may be the release's source, and how it was found.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The commit.
    pub commit: CommitInfo,
    /// The tag that named it, if any.
    pub tag: Option<String>,
    /// The strategy that found it.
    pub resolved_by: ResolvedBy,
    /// For a tag: whether it is annotated, and its tagger time.
    pub tag_facts: Option<TagFacts>,
}

/// What a tag says about when it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagFacts {
    /// An annotated tag object (not a lightweight ref).
    pub annotated: bool,
    /// The tagger's time, unix seconds.
    pub tagger_time: Option<i64>,
}

/// The candidates of strategies 1–3 for one release, before any artifact is read.
pub fn candidates(
    repo: &SourceRepo,
    project: &str,
    version: &Version,
    git_ref: Option<&str>,
) -> Result<Vec<Candidate>, EngineError> {
    if let Some(rev) = git_ref {
        let commit = repo.resolve(rev)?;
        return Ok(vec![Candidate {
            commit,
            tag: None,
            resolved_by: ResolvedBy::Ref,
            tag_facts: None,
        }]);
    }
    let tags = repo.version_tags(project, version)?;
    Ok(tags.into_iter().map(tag_candidate).collect())
}

fn tag_candidate(tag: VersionTag) -> Candidate {
    Candidate {
        commit: tag.commit,
        tag: Some(tag.name),
        resolved_by: ResolvedBy::Tag,
        tag_facts: Some(TagFacts {
            annotated: tag.annotated,
            tagger_time: tag.tagger_time,
        }),
    }
}

/// The commit one artifact resolved to.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub candidate: Candidate,
    pub tree: SourceTree,
    /// How many traceable files the tree holds, of how many.
    pub matched: usize,
    pub traceable: usize,
    /// Content search: how many commits were scored.
    pub searched: Option<usize>,
    /// A tag neighbour: the commit the tag itself names.
    pub tag_commit: Option<String>,
    /// The artifact hint that named the commit.
    pub hint: Option<Hint>,
}

impl Resolved {
    pub fn is_exact(&self) -> bool {
        self.matched == self.traceable
    }
}

/// Why nothing was resolved, with the nearest commit content search saw.
#[derive(Debug, Clone, Default)]
pub(crate) struct Unresolved {
    pub nearest: Option<Found>,
    /// Hints naming commits the repository does not have.
    pub unknown_hints: Vec<Hint>,
}

/// Resolution for one release: the candidates known before reading, the repository's
/// timeline facts, and per artifact the rest of the strategies.
pub(crate) struct Resolver<'r> {
    repo: &'r SourceRepo,
    version: Version,
    pub candidates: Vec<Candidate>,
    pub trees: Vec<SourceTree>,
    /// Tags of other versions of the project, by version (for the search anchor).
    version_tags: Vec<VersionTag>,
    pub default_branch: Option<DefaultBranch>,
    /// Tags that name another commit than when the cache first saw them.
    pub moved: HashMap<String, TagMove>,
    /// Trees read for neighbours, hints and search, by commit.
    extra_trees: std::cell::RefCell<HashMap<String, SourceTree>>,
}

impl<'r> Resolver<'r> {
    pub fn new(
        repo: &'r SourceRepo,
        project: &str,
        version: &Version,
        git_ref: Option<&str>,
    ) -> Result<Resolver<'r>, EngineError> {
        let candidates = candidates(repo, project, version, git_ref)?;
        let trees = candidates
            .iter()
            .map(|c| repo.tree(&c.commit.id))
            .collect::<Result<Vec<_>, _>>()?;
        let version_tags = repo.all_version_tags(project)?;
        let mut moved = HashMap::new();
        if let Some(ledger) = TagLedger::for_cached_clone(repo.path()) {
            let seen: Vec<(String, String)> = version_tags
                .iter()
                .map(|t| (t.name.clone(), t.commit.id.clone()))
                .collect();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default();
            // The ledger is a corroborating signal: failing to keep it fails nothing.
            if let Ok(moves) = ledger.observe(&seen, now) {
                moved = moves.into_iter().map(|m| (m.tag.clone(), m)).collect();
            }
        }
        Ok(Resolver {
            repo,
            version: version.clone(),
            candidates,
            trees,
            version_tags,
            default_branch: repo.default_branch(),
            moved,
            extra_trees: Default::default(),
        })
    }

    /// The committer time of the newest commit on any ref of a repository that may be
    /// stale (one the user gave, or a cached clone used offline): a release uploaded after
    /// it may simply be newer than the clone.
    /// `None` for a clone provcheck has just fetched: that one is current by construction.
    pub fn newest_commit_time(&self) -> Option<i64> {
        if self.repo.is_freshly_fetched_clone() {
            return None;
        }
        self.repo
            .all_commits(1)
            .ok()?
            .first()
            .map(|commit| commit.time)
    }

    /// The PEP 740 seam: commits an attestation names. Empty until provenance is read.
    fn attested(&self) -> Vec<Candidate> {
        Vec::new()
    }

    /// Whether some candidate tree known before reading holds this content (the
    /// artifact reader drops such contents: they are never needed again).
    pub fn known_blob(&self, blob: &BlobId) -> bool {
        self.trees.iter().any(|t| t.contains_blob(blob))
    }

    fn tree(&self, commit: &str) -> Result<SourceTree, EngineError> {
        if let Some(i) = self.trees.iter().position(|t| t.commit == commit) {
            return Ok(self.trees[i].clone());
        }
        if let Some(tree) = self.extra_trees.borrow().get(commit) {
            return Ok(tree.clone());
        }
        let tree = self.repo.tree(commit)?;
        self.extra_trees
            .borrow_mut()
            .insert(commit.to_owned(), tree.clone());
        Ok(tree)
    }

    /// Resolves one artifact. `preferred`: commits sibling artifacts resolved to, which
    /// win ties. `upload`: the artifact's upload time (unix seconds), when known.
    pub fn resolve(
        &self,
        artifact: &Artifact,
        content: &dyn Fn(&str) -> Option<Vec<u8>>,
        upload: Option<i64>,
        preferred: &[String],
    ) -> Result<Result<Resolved, Unresolved>, EngineError> {
        let known: Vec<Candidate> = self
            .candidates
            .iter()
            .cloned()
            .chain(self.attested())
            .collect();
        if !known.is_empty() {
            return self.best_known(artifact, &known, preferred).map(Ok);
        }

        let mut unresolved = Unresolved::default();
        for hint in commit_hints(artifact, content) {
            match self.repo.resolve(&hint.commit) {
                Ok(commit) => {
                    let tree = self.tree(&commit.id)?;
                    let score = match_score(artifact, &tree);
                    return Ok(Ok(Resolved {
                        candidate: Candidate {
                            commit,
                            tag: None,
                            resolved_by: ResolvedBy::ArtifactHint,
                            tag_facts: None,
                        },
                        tree,
                        matched: score.matched,
                        traceable: score.traceable,
                        searched: None,
                        tag_commit: None,
                        hint: Some(hint),
                    }));
                }
                Err(_) => unresolved.unknown_hints.push(hint),
            }
        }

        let anchor = match upload {
            Some(at) => Anchor::Upload(at),
            None => self.tag_anchor(),
        };
        let Some(found) = search::search(self.repo, artifact, anchor, preferred)? else {
            return Ok(Err(unresolved));
        };
        if found.matched == 0 || (found.matched as f64) < MIN_SHARE * found.traceable as f64 {
            unresolved.nearest = Some(found);
            return Ok(Err(unresolved));
        }
        let tree = self.tree(&found.commit.id)?;
        Ok(Ok(Resolved {
            candidate: Candidate {
                commit: found.commit.clone(),
                tag: None,
                resolved_by: ResolvedBy::ContentSearch,
                tag_facts: None,
            },
            tree,
            matched: found.matched,
            traceable: found.traceable,
            searched: Some(found.searched),
            tag_commit: None,
            hint: None,
        }))
    }

    /// Without an upload time: from the previous version's tag forwards, else from the
    /// next version's tag backwards, else from the newest commit.
    fn tag_anchor(&self) -> Anchor {
        let previous = self
            .version_tags
            .iter()
            .filter(|t| t.version < self.version)
            .max_by(|a, b| a.version.cmp(&b.version));
        let next = self
            .version_tags
            .iter()
            .filter(|t| t.version > self.version)
            .min_by(|a, b| a.version.cmp(&b.version));
        match (previous, next) {
            (Some(tag), _) => Anchor::After(tag.commit.time),
            (None, Some(tag)) => Anchor::Before(tag.commit.time),
            (None, None) => Anchor::Newest,
        }
    }

    /// The best of the candidates known before reading (`--ref`, attestation, tags), and
    /// for a tag that does not match exactly, its neighbours.
    fn best_known(
        &self,
        artifact: &Artifact,
        known: &[Candidate],
        preferred: &[String],
    ) -> Result<Resolved, EngineError> {
        let mut scored = Vec::with_capacity(known.len());
        for candidate in known {
            let tree = self.tree(&candidate.commit.id)?;
            let score = match_score(artifact, &tree);
            scored.push((candidate, tree, score));
        }
        // Most matched wins; ties keep resolution order, unless a sibling chose one.
        let mut best = 0;
        for (i, (candidate, _, score)) in scored.iter().enumerate() {
            let (_, _, top) = &scored[best];
            let better = score.matched > top.matched
                || (score.matched == top.matched
                    && preferred.contains(&candidate.commit.id)
                    && !preferred.contains(&scored[best].0.commit.id));
            if better {
                best = i;
            }
        }
        let (candidate, tree, score) = scored.swap_remove(best);
        let mut resolved = Resolved {
            candidate: candidate.clone(),
            tree,
            matched: score.matched,
            traceable: score.traceable,
            searched: None,
            tag_commit: None,
            hint: None,
        };
        if candidate.resolved_by != ResolvedBy::Tag || score.is_exact() {
            return Ok(resolved);
        }
        // Built from the commit right after the tag (or from its parent): prefer the
        // neighbour whose files match exactly, a sibling's choice first.
        let mut neighbours = self.repo.neighbours(&candidate.commit.id)?;
        neighbours.sort_by_key(|n| !preferred.contains(&n.id));
        for neighbour in neighbours {
            let tree = self.tree(&neighbour.id)?;
            let score = match_score(artifact, &tree);
            if score.is_exact() {
                resolved.tag_commit = Some(candidate.commit.id.clone());
                resolved.candidate = Candidate {
                    commit: neighbour,
                    resolved_by: ResolvedBy::TagNeighbour,
                    ..candidate.clone()
                };
                resolved.tree = tree;
                resolved.matched = score.matched;
                resolved.traceable = score.traceable;
                break;
            }
        }
        Ok(resolved)
    }

    /// Whether the commit is on the default branch; `None` when that is unknown.
    pub fn on_default_branch(&self, commit: &str) -> Option<bool> {
        let branch = self.default_branch.as_ref()?;
        self.repo.is_reachable_from(commit, &branch.reference).ok()
    }
}
