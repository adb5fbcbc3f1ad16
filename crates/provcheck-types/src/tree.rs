use std::collections::{BTreeMap, HashMap};

use crate::BlobId;

/// The kind of a tree entry, from its git file mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryMode {
    /// A regular file (`100644`).
    File,
    /// An executable file (`100755`).
    Executable,
    /// A symbolic link (`120000`) that could not be resolved inside the tree; its blob
    /// holds the link target.
    Symlink,
    /// A submodule (`160000`); the id is the pinned commit, not a blob.
    Submodule,
}

/// One file of a source tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// The blob id (for a submodule: the pinned commit id).
    pub blob: BlobId,
    /// The entry's kind.
    pub mode: EntryMode,
    /// When this entry was reached through a symlink in the tree: the path of the link.
    pub via_symlink: Option<String>,
}

/// The files of one commit: path → entry, with an index from blob id to paths.
///
/// Paths use `/` and are relative to the repository root. Symlinks that resolve inside
/// the tree appear as the files they point to (sdists ship dereferenced copies), with
/// [`TreeEntry::via_symlink`] set; directory symlinks contribute every file below them.
#[derive(Debug, Clone, Default)]
pub struct SourceTree {
    /// The commit id, 40 hex digits.
    pub commit: String,
    /// The root tree id, 40 hex digits (memoization key for content search).
    pub tree_id: String,
    entries: BTreeMap<String, TreeEntry>,
    by_blob: HashMap<BlobId, Vec<String>>,
}

impl SourceTree {
    /// Builds a tree from its entries.
    pub fn new(
        commit: impl Into<String>,
        tree_id: impl Into<String>,
        entries: BTreeMap<String, TreeEntry>,
    ) -> Self {
        let mut by_blob: HashMap<BlobId, Vec<String>> = HashMap::with_capacity(entries.len());
        for (path, entry) in &entries {
            if entry.mode != EntryMode::Submodule {
                by_blob.entry(entry.blob).or_default().push(path.clone());
            }
        }
        SourceTree {
            commit: commit.into(),
            tree_id: tree_id.into(),
            entries,
            by_blob,
        }
    }

    /// The entry at `path`, if any.
    pub fn get(&self, path: &str) -> Option<&TreeEntry> {
        self.entries.get(path)
    }

    /// Every path whose content has this blob id (in path order).
    pub fn paths_with_blob(&self, blob: &BlobId) -> &[String] {
        self.by_blob.get(blob).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether any file of the tree has this content.
    pub fn contains_blob(&self, blob: &BlobId) -> bool {
        self.by_blob.contains_key(blob)
    }

    /// All entries in path order.
    pub fn entries(&self) -> impl Iterator<Item = (&String, &TreeEntry)> {
        self.entries.iter()
    }

    /// Entries below a folder (`prefix` ends with `/`, or is empty for the root).
    pub fn entries_under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a TreeEntry)> + 'a {
        self.entries
            .range(prefix.to_owned()..)
            .take_while(move |(path, _)| path.starts_with(prefix))
    }

    /// The submodules (gitlinks) of the tree: path → pinned commit.
    pub fn submodules(&self) -> impl Iterator<Item = (&String, &BlobId)> {
        self.entries
            .iter()
            .filter(|(_, e)| e.mode == EntryMode::Submodule)
            .map(|(p, e)| (p, &e.blob))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the tree has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Reads blob contents from wherever the source lives (a repository, a cache).
pub trait BlobStore {
    /// The content of one blob, or why it could not be read.
    fn read_blob(&self, id: &BlobId) -> Result<Vec<u8>, String>;
}
