//! Content search: how many of an artifact's files a commit's tree holds, by blob id,
//! memoized per tree id so that a subtree unchanged across commits is scored once.

use std::collections::HashMap;
use std::sync::Arc;

use git2::{Oid, Repository, Tree};
use provcheck_types::BlobId;

use crate::error::SourceError;
use crate::repo::SourceRepo;

const MODE_TYPE_MASK: i32 = 0o170000;
const MODE_TREE: i32 = 0o040000;
const MODE_BLOB: i32 = 0o100000;

/// Which of the wanted blobs a tree holds (a bit per distinct blob); `None` for none.
type Bits = Option<Arc<Vec<u64>>>;

/// Scores commits by how many of a set of files (given by blob id) their trees hold
/// anywhere, reading each distinct tree object once.
///
/// A tree's answer is a bit set over the distinct wanted blobs, the union of its
/// entries'; it is remembered per tree id, so the next commit, which shares all but the
/// few folders on the path of what changed, costs a hash lookup per unchanged folder.
/// Symlinks and submodules are not followed.
pub struct ContentScorer {
    wanted: HashMap<Oid, u32>,
    /// Per bit: how many of the scored files have that blob.
    weights: Vec<u32>,
    files: usize,
    memo: HashMap<Oid, Bits>,
    trees_read: usize,
}

impl ContentScorer {
    /// A scorer for these files' blob ids (one per file; duplicates count once each).
    pub fn new(blobs: impl IntoIterator<Item = BlobId>) -> ContentScorer {
        let mut wanted = HashMap::new();
        let mut weights: Vec<u32> = Vec::new();
        let mut files = 0;
        for blob in blobs {
            files += 1;
            let Ok(oid) = Oid::from_bytes(&blob.0) else {
                continue;
            };
            let next = weights.len() as u32;
            let bit = *wanted.entry(oid).or_insert(next);
            if bit == next {
                weights.push(0);
            }
            weights[bit as usize] += 1;
        }
        ContentScorer {
            wanted,
            weights,
            files,
            memo: HashMap::new(),
            trees_read: 0,
        }
    }

    /// How many files are scored (the best possible score).
    pub fn files(&self) -> usize {
        self.files
    }

    /// How many tree objects were read so far (the rest came from the memo).
    pub fn trees_read(&self) -> usize {
        self.trees_read
    }

    /// How many of the files the tree of the commit `rev` holds somewhere.
    pub fn score(&mut self, repo: &SourceRepo, rev: &str) -> Result<usize, SourceError> {
        let commit = repo.find_commit(rev)?;
        let tree = commit.tree_id();
        let bits = self
            .bits_of(repo.git(), tree)
            .map_err(|source| repo.git_error("scoring a tree", source))?;
        Ok(self.weigh(&bits))
    }

    fn weigh(&self, bits: &Bits) -> usize {
        let Some(words) = bits else { return 0 };
        let mut total = 0usize;
        for (w, word) in words.iter().enumerate() {
            let mut word = *word;
            while word != 0 {
                let bit = word.trailing_zeros() as usize;
                total += self.weights[w * 64 + bit] as usize;
                word &= word - 1;
            }
        }
        total
    }

    /// The bits of a tree, walking (iteratively: hostile trees nest deep) only the
    /// subtrees the memo does not know.
    fn bits_of(&mut self, repo: &Repository, root: Oid) -> Result<Bits, git2::Error> {
        if let Some(bits) = self.memo.get(&root) {
            return Ok(bits.clone());
        }
        struct Frame<'r> {
            id: Oid,
            tree: Tree<'r>,
            next: usize,
            acc: Bits,
        }
        let words = self.weights.len().div_ceil(64);
        self.trees_read += 1;
        let mut stack = vec![Frame {
            id: root,
            tree: repo.find_tree(root)?,
            next: 0,
            acc: None,
        }];
        loop {
            let frame = stack.last_mut().expect("the stack is never empty here");
            let entry = frame
                .tree
                .get(frame.next)
                .map(|entry| (entry.id(), entry.filemode() & MODE_TYPE_MASK));
            match entry {
                Some((id, mode)) => {
                    frame.next += 1;
                    if mode == MODE_TREE {
                        if let Some(bits) = self.memo.get(&id) {
                            union(&mut frame.acc, bits);
                        } else {
                            self.trees_read += 1;
                            let tree = repo.find_tree(id)?;
                            stack.push(Frame {
                                id,
                                tree,
                                next: 0,
                                acc: None,
                            });
                        }
                    } else if mode == MODE_BLOB
                        && let Some(&bit) = self.wanted.get(&id)
                    {
                        let words_vec = Arc::make_mut(
                            frame.acc.get_or_insert_with(|| Arc::new(vec![0; words])),
                        );
                        words_vec[bit as usize / 64] |= 1 << (bit % 64);
                    }
                }
                None => {
                    let done = stack.pop().expect("the stack is never empty here");
                    self.memo.insert(done.id, done.acc.clone());
                    match stack.last_mut() {
                        Some(parent) => union(&mut parent.acc, &done.acc),
                        None => return Ok(done.acc),
                    }
                }
            }
        }
    }
}

/// `acc |= other`, sharing `other` when `acc` is empty.
fn union(acc: &mut Bits, other: &Bits) {
    let Some(other) = other else { return };
    match acc {
        None => *acc = Some(other.clone()),
        Some(mine) if Arc::ptr_eq(mine, other) => {}
        Some(mine) => {
            let mine = Arc::make_mut(mine);
            for (a, b) in mine.iter_mut().zip(other.iter()) {
                *a |= *b;
            }
        }
    }
}
