use provcheck_artifact::Artifact;
use provcheck_types::SourceTree;

use crate::kind::is_packaging_metadata;

/// How many of an artifact's traceable files a tree contains by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct MatchScore {
    /// Files whose blob id is somewhere in the tree.
    pub matched: usize,
    /// Files that could match at all (packaging metadata excluded).
    pub traceable: usize,
}

impl MatchScore {
    /// Whether every traceable file matched.
    pub fn is_exact(&self) -> bool {
        self.matched == self.traceable
    }
}

/// Scores a candidate tree against an artifact: cheap (one hash lookup per file), used to
/// pick the best of several tags and, later, commits.
pub fn match_score(artifact: &Artifact, tree: &SourceTree) -> MatchScore {
    let mut score = MatchScore::default();
    for file in &artifact.files {
        if is_packaging_metadata(&file.path) {
            continue;
        }
        score.traceable += 1;
        if tree.contains_blob(&file.digests.blob_id) {
            score.matched += 1;
        }
    }
    score
}
