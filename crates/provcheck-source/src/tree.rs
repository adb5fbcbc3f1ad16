//! Listing a commit's files, and resolving the symlinks among them inside the tree.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;

use git2::{Oid, Repository, Tree};
use provcheck_types::{BlobId, EntryMode, TreeEntry};

/// The most symlinks followed while resolving one path, like a kernel's `ELOOP` limit.
const MAX_HOPS: usize = 16;

/// The most directory symlinks nested inside one another's expansion.
const MAX_NESTING: usize = 16;

/// The most entries directory symlinks may add to one tree. A hostile tree can make
/// expansion exponential (folders of links to folders of links); past this budget the
/// remaining links stay listed as [`EntryMode::Symlink`].
const EXPANSION_BUDGET: usize = 1_000_000;

/// Git's file modes, as libgit2 normalizes them.
const MODE_TREE: i32 = 0o040000;
const MODE_SYMLINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;
const MODE_TYPE_MASK: i32 = 0o170000;

/// The entries of a tree, recursively, with symlinks still unresolved: path → entry, and
/// the paths of the symlinks.
pub(crate) struct RawListing {
    pub(crate) entries: BTreeMap<String, TreeEntry>,
    pub(crate) symlinks: Vec<String>,
}

/// Walks `tree` without reading any blob.
///
/// Iterative, with one reused path buffer: a hostile tree nested thousands of folders
/// deep cannot overflow the stack, and the only allocation per file is its path `String`.
pub(crate) fn list_raw<'repo>(
    repo: &'repo Repository,
    tree: Tree<'repo>,
) -> Result<RawListing, WalkError> {
    let mut listing = RawListing {
        entries: BTreeMap::new(),
        symlinks: Vec::new(),
    };
    let mut path = String::with_capacity(256);
    // (a tree, the index of its next entry, the length of its folder's path prefix)
    let mut stack: Vec<(Tree<'repo>, usize, usize)> = vec![(tree, 0, 0)];
    while let Some((tree, next, base)) = stack.last_mut() {
        let Some(entry) = tree.get(*next) else {
            stack.pop();
            continue;
        };
        *next += 1;
        path.truncate(*base);
        let name = entry.name_bytes();
        if !checks_out(name) {
            continue;
        }
        // Git does not require UTF-8 names; a lossy name still lets every other file be
        // checked.
        path.push_str(&String::from_utf8_lossy(name));
        let (id, mode) = (entry.id(), entry.filemode());
        // The entry borrows the tree on the stack, which may grow below.
        drop(entry);
        if mode & MODE_TYPE_MASK == MODE_TREE {
            let subtree = repo
                .find_tree(id)
                .map_err(|source| WalkError { tree: id, source })?;
            path.push('/');
            stack.push((subtree, 0, path.len()));
            continue;
        }
        let mode = match mode & MODE_TYPE_MASK {
            MODE_SYMLINK => EntryMode::Symlink,
            MODE_GITLINK => EntryMode::Submodule,
            // Git keeps only the owner's execute bit of a regular file.
            _ if mode & 0o100 != 0 => EntryMode::Executable,
            _ => EntryMode::File,
        };
        if mode == EntryMode::Symlink {
            listing.symlinks.push(path.clone());
        }
        listing.entries.insert(
            path.clone(),
            TreeEntry {
                blob: blob_id(id),
                mode,
                via_symlink: None,
            },
        );
    }
    Ok(listing)
}

/// Whether git would check out an entry of this name. Crafted trees can hold names that
/// would make paths ambiguous (`..`, `a/b`) or write into `.git`; no checkout, and so no
/// artifact built from one, contains them.
fn checks_out(name: &[u8]) -> bool {
    !(name.is_empty()
        || name == b"."
        || name == b".."
        || name.eq_ignore_ascii_case(b".git")
        || name.contains(&b'/')
        || name.contains(&0))
}

/// A subtree the walk could not read.
pub(crate) struct WalkError {
    pub(crate) tree: Oid,
    pub(crate) source: git2::Error,
}

/// A git object id as a [`BlobId`] (both are 20-byte SHA-1 ids).
pub(crate) fn blob_id(oid: Oid) -> BlobId {
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(oid.as_bytes());
    BlobId(bytes)
}

/// Where a symlink leads inside the tree: a real (symlink-free) path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolution {
    /// A file, executable or gitlink at this path.
    Entry(String),
    /// A directory (`""` for the root).
    Dir(String),
    /// Nowhere inside the tree: dangling, escaping, absolute, or too many hops.
    Unresolved,
}

/// Replaces the symlinks of `entries` that resolve inside the tree: a link to a file
/// becomes that file (with `via_symlink` set), a link to a directory becomes every file
/// below it, re-rooted under the link's path.
///
/// `targets` maps each readable symlink's path to its target text; links missing from
/// it, and links that lead nowhere inside the tree, stay [`EntryMode::Symlink`].
pub(crate) fn resolve_symlinks(
    entries: &mut BTreeMap<String, TreeEntry>,
    targets: &HashMap<String, String>,
) {
    if targets.is_empty() {
        return;
    }
    // Resolve every link against the unmodified tree first, then apply the changes, so
    // the result does not depend on the order links are visited in.
    let mut links: Vec<&String> = targets.keys().collect();
    links.sort();
    let resolutions: HashMap<&str, Resolution> = links
        .iter()
        .map(|link| (link.as_str(), resolve(link, entries, targets)))
        .collect();

    let mut budget = EXPANSION_BUDGET;
    let mut replaced: Vec<(String, BlobId, EntryMode)> = Vec::new();
    let mut expanded: Vec<(String, Vec<(String, TreeEntry)>)> = Vec::new();
    for link in links {
        match &resolutions[link.as_str()] {
            Resolution::Entry(real) => {
                let target = &entries[real];
                replaced.push((link.clone(), target.blob, target.mode));
            }
            Resolution::Dir(real) if !is_ancestor_or_self(real, link) => {
                let mut expansion = Expansion {
                    entries,
                    resolutions: &resolutions,
                    via: link,
                    stack: vec![real.as_str()],
                    budget,
                    out: Vec::new(),
                };
                let mut root = String::with_capacity(link.len() + 64);
                root.push_str(link);
                root.push('/');
                let complete = expansion.expand(&mut root, real);
                // A failed expansion spent the whole budget: later links are not tried,
                // so a link farm costs the budget once, not once per link.
                budget = expansion.budget;
                if complete {
                    expanded.push((link.clone(), expansion.out));
                }
            }
            // A link to its own folder or an ancestor would contain itself forever.
            Resolution::Dir(_) | Resolution::Unresolved => {}
        }
    }

    for (link, blob, mode) in replaced {
        if let Some(entry) = entries.get_mut(&link) {
            entry.blob = blob;
            entry.mode = mode;
            entry.via_symlink = Some(link);
        }
    }
    for (link, files) in expanded {
        entries.remove(&link);
        for (path, entry) in files {
            entries.entry(path).or_insert(entry);
        }
    }
}

/// Follows `link` to a real path, the way `realpath` would inside a checkout of the tree.
fn resolve(
    link: &str,
    entries: &BTreeMap<String, TreeEntry>,
    targets: &HashMap<String, String>,
) -> Resolution {
    // The link's own folder is real: listed paths never pass through a symlink.
    let mut real: Vec<&str> = link.split('/').collect();
    real.pop();
    let mut pending: VecDeque<&str> = VecDeque::new();
    let mut hops = 0;
    let mut target = targets[link].as_str();
    loop {
        hops += 1;
        // Absolute targets point outside the repository, whatever the checkout location.
        if hops > MAX_HOPS || target.is_empty() || target.starts_with('/') {
            return Resolution::Unresolved;
        }
        for part in target.rsplit('/') {
            pending.push_front(part);
        }
        let mut next = None;
        while let Some(part) = pending.pop_front() {
            match part {
                "" | "." => {}
                ".." => {
                    if real.pop().is_none() {
                        return Resolution::Unresolved;
                    }
                }
                name => {
                    real.push(name);
                    let path = real.join("/");
                    if let Some(target) = targets.get(&path) {
                        real.pop();
                        next = Some(target.as_str());
                        break;
                    }
                }
            }
        }
        match next {
            Some(next_target) => target = next_target,
            None => break,
        }
    }
    let path = real.join("/");
    match entries.get(&path) {
        // A symlink left here has no readable target.
        Some(entry) if entry.mode == EntryMode::Symlink => Resolution::Unresolved,
        Some(_) => Resolution::Entry(path),
        None if path.is_empty() || has_entries_under(entries, &path) => Resolution::Dir(path),
        None => Resolution::Unresolved,
    }
}

/// Whether any listed path lies below the folder `dir` (git has no empty folders).
fn has_entries_under(entries: &BTreeMap<String, TreeEntry>, dir: &str) -> bool {
    let prefix = format!("{dir}/");
    entries
        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        .next()
        .is_some_and(|(path, _)| path.starts_with(&prefix))
}

/// Whether the folder `dir` is `path` or contains it (`""` contains everything).
fn is_ancestor_or_self(dir: &str, path: &str) -> bool {
    dir.is_empty()
        || path == dir
        || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// The state of expanding one top-level directory symlink.
struct Expansion<'a> {
    entries: &'a BTreeMap<String, TreeEntry>,
    resolutions: &'a HashMap<&'a str, Resolution>,
    /// The top-level link every produced entry is reached through.
    via: &'a str,
    /// The real folders being expanded, outermost first; re-entering one is a cycle.
    stack: Vec<&'a str>,
    budget: usize,
    out: Vec<(String, TreeEntry)>,
}

impl<'a> Expansion<'a> {
    /// Lists every file below the real folder `dir` under `root` (which ends with `/`).
    /// Returns false when the budget ran out.
    fn expand(&mut self, root: &mut String, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        let below = self
            .entries
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(path, _)| path.starts_with(&prefix));
        for (path, entry) in below {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let start = root.len();
            root.push_str(&path[prefix.len()..]);
            let mut produced = TreeEntry {
                blob: entry.blob,
                mode: entry.mode,
                via_symlink: Some(self.via.to_owned()),
            };
            if entry.mode == EntryMode::Symlink {
                match self.resolutions.get(path.as_str()) {
                    Some(Resolution::Entry(real)) => {
                        let target = &self.entries[real];
                        produced.blob = target.blob;
                        produced.mode = target.mode;
                    }
                    Some(Resolution::Dir(real)) if !self.cycles(real, path) => {
                        self.stack.push(real);
                        root.push('/');
                        let complete = self.expand(root, real);
                        self.stack.pop();
                        root.truncate(start);
                        if !complete {
                            return false;
                        }
                        continue;
                    }
                    _ => {}
                }
            }
            self.out.push((root.clone(), produced));
            root.truncate(start);
        }
        true
    }

    /// Whether expanding `real` (the target of the link at `link`) would re-enter a folder
    /// already being expanded, or nest too deep.
    fn cycles(&self, real: &str, link: &str) -> bool {
        self.stack.len() >= MAX_NESTING
            || is_ancestor_or_self(real, link)
            || self
                .stack
                .iter()
                .any(|open| is_ancestor_or_self(real, open))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(content: &str) -> TreeEntry {
        TreeEntry {
            blob: BlobId::for_content(content.as_bytes()),
            mode: EntryMode::File,
            via_symlink: None,
        }
    }

    fn link(target: &str) -> TreeEntry {
        TreeEntry {
            blob: BlobId::for_content(target.as_bytes()),
            mode: EntryMode::Symlink,
            via_symlink: None,
        }
    }

    /// Builds a tree from `(path, Ok(file content) | Err(link target))` and resolves it.
    fn resolved(spec: &[(&str, Result<&str, &str>)]) -> BTreeMap<String, TreeEntry> {
        let mut entries = BTreeMap::new();
        let mut targets = HashMap::new();
        for (path, what) in spec {
            match what {
                Ok(content) => entries.insert(path.to_string(), file(content)),
                Err(target) => {
                    targets.insert(path.to_string(), target.to_string());
                    entries.insert(path.to_string(), link(target))
                }
            };
        }
        resolve_symlinks(&mut entries, &targets);
        entries
    }

    fn summary(entries: &BTreeMap<String, TreeEntry>) -> Vec<String> {
        entries
            .iter()
            .map(|(path, entry)| {
                let what = match entry.mode {
                    EntryMode::Symlink => "link".to_owned(),
                    _ => entry.blob.to_hex()[..7].to_owned(),
                };
                match &entry.via_symlink {
                    Some(via) => format!("{path} {what} via {via}"),
                    None => format!("{path} {what}"),
                }
            })
            .collect()
    }

    fn short(content: &str) -> String {
        BlobId::for_content(content.as_bytes()).to_hex()[..7].to_owned()
    }

    #[test]
    fn file_link_takes_the_target_content() {
        let tree = resolved(&[("a/x.py", Ok("x")), ("b/y.py", Err("../a/x.py"))]);
        let y = &tree["b/y.py"];
        assert_eq!(y.mode, EntryMode::File);
        assert_eq!(y.blob, BlobId::for_content(b"x"));
        assert_eq!(y.via_symlink.as_deref(), Some("b/y.py"));
    }

    #[test]
    fn dir_link_is_re_rooted() {
        let tree = resolved(&[
            ("src/pkg/a.py", Ok("a")),
            ("src/pkg/sub/b.py", Ok("b")),
            ("pkg", Err("./src/pkg/")),
        ]);
        assert_eq!(
            summary(&tree),
            [
                format!("pkg/a.py {} via pkg", short("a")),
                format!("pkg/sub/b.py {} via pkg", short("b")),
                format!("src/pkg/a.py {}", short("a")),
                format!("src/pkg/sub/b.py {}", short("b")),
            ]
        );
    }

    #[test]
    fn chains_and_links_inside_paths_are_followed() {
        let tree = resolved(&[
            ("real/f.txt", Ok("f")),
            ("alias", Err("real")),
            ("via_alias", Err("alias/f.txt")),
            ("one", Err("two")),
            ("two", Err("via_alias")),
        ]);
        for path in ["via_alias", "one", "two", "alias/f.txt"] {
            assert_eq!(tree[path].blob, BlobId::for_content(b"f"), "{path}");
            assert_ne!(tree[path].mode, EntryMode::Symlink, "{path}");
        }
        assert!(!tree.contains_key("alias"));
    }

    #[test]
    fn unresolvable_links_stay_symlinks() {
        let tree = resolved(&[
            ("a/f", Ok("f")),
            ("escape", Err("../outside")),
            ("deep_escape", Err("a/../../etc/passwd")),
            ("absolute", Err("/etc/passwd")),
            ("dangling", Err("a/missing")),
            ("through_file", Err("a/f/g")),
            ("loop1", Err("loop2")),
            ("loop2", Err("loop1")),
            ("self", Err("self")),
            ("empty", Err("")),
        ]);
        for path in [
            "escape",
            "deep_escape",
            "absolute",
            "dangling",
            "through_file",
            "loop1",
            "loop2",
            "self",
            "empty",
        ] {
            assert_eq!(tree[path].mode, EntryMode::Symlink, "{path}");
            assert_eq!(tree[path].via_symlink, None, "{path}");
        }
    }

    #[test]
    fn links_to_an_ancestor_stay_symlinks() {
        let tree = resolved(&[
            ("a/f", Ok("f")),
            ("a/up", Err("..")),
            ("a/here", Err(".")),
            ("root", Err(".")),
        ]);
        assert_eq!(tree.len(), 4);
        for path in ["a/up", "a/here", "root"] {
            assert_eq!(tree[path].mode, EntryMode::Symlink, "{path}");
        }
    }

    #[test]
    fn mutually_recursive_dir_links_terminate() {
        let tree = resolved(&[
            ("docs/index.md", Ok("i")),
            ("docs/src", Err("../src")),
            ("src/m.py", Ok("m")),
            ("src/back", Err("../docs")),
        ]);
        assert_eq!(
            summary(&tree),
            [
                format!("docs/index.md {}", short("i")),
                // Re-entering `docs` (being expanded) is a cycle: listed once, the link kept.
                format!("docs/src/back/index.md {} via docs/src", short("i")),
                "docs/src/back/src link via docs/src".to_owned(),
                format!("docs/src/m.py {} via docs/src", short("m")),
                format!("src/back/index.md {} via src/back", short("i")),
                "src/back/src/back link via src/back".to_owned(),
                format!("src/back/src/m.py {} via src/back", short("m")),
                format!("src/m.py {}", short("m")),
            ]
        );
    }

    #[test]
    fn exponential_link_farms_stay_bounded() {
        // Ten links per level to the level below, 8 levels: 10^8 paths if fully expanded.
        let mut spec: Vec<(String, Result<String, String>)> =
            vec![("l0/f".to_owned(), Ok("f".to_owned()))];
        for level in 1..=8 {
            for i in 0..10 {
                spec.push((format!("l{level}/d{i}"), Err(format!("../l{}", level - 1))));
            }
        }
        let spec: Vec<(&str, Result<&str, &str>)> = spec
            .iter()
            .map(|(p, w)| {
                (
                    p.as_str(),
                    w.as_ref().map(|s| s.as_str()).map_err(|s| s.as_str()),
                )
            })
            .collect();
        let tree = resolved(&spec);
        assert!(tree.len() <= EXPANSION_BUDGET + spec.len());
        assert_eq!(tree["l1/d0/f"].blob, BlobId::for_content(b"f"));
    }
}
