//! Turns the entries of one archive into artifact files and archive-anomaly findings.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use provcheck_report::{ArtifactKind, Severity};
use provcheck_types::FileDigests;

use crate::ArtifactFile;
use crate::findings::{Findings, anomaly};
use crate::limits::ReadOptions;
use crate::paths::{Mapped, RootMapper, checks_need, display};
use crate::walk::{Entry, EntryKind, Visitor};

/// Files the checks need are kept whatever the caller asked, up to this size each.
const NEEDED_MAX: u64 = 4 << 20;

/// Maps an entry to its artifact path. Every visitor maps every entry it sees, in order,
/// so that the sdist root is found the same way on every read of an archive.
pub(crate) fn map_entry(mapper: &mut RootMapper, entry: &Entry<'_>) -> Mapped {
    mapper.map(entry.name, entry.kind == EntryKind::Directory)
}

/// Whether an entry's content is read as a file: regular files, and tar members of types
/// Python's tarfile extracts as regular files.
pub(crate) fn is_file(kind: EntryKind) -> bool {
    matches!(kind, EntryKind::File | EntryKind::Unknown(_))
}

/// The files and findings of one archive.
pub(crate) struct Collected {
    pub files: Vec<ArtifactFile>,
    pub findings: Findings,
    /// Paths of entries that exist but whose content was not read (limits, links).
    pub unread: HashSet<String>,
    /// The sdist top folder.
    pub root: Option<String>,
}

/// The [`Visitor`] of a full read.
pub(crate) struct Collector<'o, 'r> {
    options: &'o ReadOptions<'r>,
    mapper: RootMapper,
    findings: Findings,
    files: Vec<ArtifactFile>,
    /// Every file path seen, read or not, to find duplicates.
    seen: HashSet<String>,
    /// Lowercased path → first path with it.
    folded: HashMap<String, String>,
    unread: HashSet<String>,
    retained: u64,
    /// Links to other members are tolerated in sdists (tars carry a tree's symlinks);
    /// a wheel has no business holding links at all.
    sdist: bool,
}

impl<'o, 'r> Collector<'o, 'r> {
    pub fn new(kind: ArtifactKind, options: &'o ReadOptions<'r>) -> Self {
        Collector {
            options,
            mapper: RootMapper::new(kind == ArtifactKind::Sdist),
            findings: Findings::default(),
            files: Vec::new(),
            seen: HashSet::new(),
            folded: HashMap::new(),
            unread: HashSet::new(),
            retained: 0,
            sdist: kind == ArtifactKind::Sdist,
        }
    }

    pub fn finish(mut self) -> Collected {
        self.report_file_folder_conflicts();
        Collected {
            root: self.mapper.root().map(str::to_owned),
            files: self.files,
            findings: self.findings,
            unread: self.unread,
        }
    }

    /// A file whose path is also a folder of another file: only one of them can be
    /// extracted, and which depends on the tool.
    fn report_file_folder_conflicts(&mut self) {
        let paths: HashSet<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let mut conflicts = Vec::new();
        for file in &self.files {
            for (at, _) in file.path.match_indices('/') {
                let folder = &file.path[..at];
                if paths.contains(folder) {
                    conflicts.push((folder.to_owned(), file.path.clone()));
                }
            }
        }
        for (folder, below) in conflicts {
            self.findings.push(
                anomaly(
                    Severity::High,
                    "file-folder-conflict",
                    &folder,
                    format!(
                        "`{}` is both a file and the folder of `{}`: only one can be extracted, and which depends on the tool",
                        display(&folder),
                        display(&below)
                    ),
                )
                .with("below", display(&below)),
            );
        }
    }

    fn report_link(&mut self, entry: &Entry<'_>) {
        let shown = display(entry.name);
        let target = entry
            .link_target
            .as_deref()
            .map(display)
            .unwrap_or_default();
        let inside = self.sdist
            && entry.link_target.as_deref().is_some_and(|target| {
                link_stays_inside(entry.name, target, entry.kind == EntryKind::Symlink)
            });
        let link = |reason: &'static str, noun: &str, danger: &str| {
            // A link to another member of the archive is how some sdists ship a tree's
            // symlinks (pdm-backend's test fixtures): worth a note, not an alarm. A link
            // that leaves the archive is how extraction attacks work.
            let (severity, message) = if inside {
                (
                    Severity::Low,
                    format!(
                        "entry `{shown}` is {noun} to `{target}`, another member of the archive; \
                         it was not followed, the member it names is checked on its own"
                    ),
                )
            } else {
                (
                    Severity::Critical,
                    format!(
                        "entry `{shown}` is {noun} to `{target}`, outside the archive: unpacked, \
                         {danger}; it was not followed"
                    ),
                )
            };
            anomaly(severity, reason, entry.name, message)
                .with("target", target.as_str())
                .with("inside_archive", inside)
        };
        let finding = match entry.kind {
            EntryKind::Symlink => link(
                "symlink",
                "a symbolic link",
                "it can redirect later files outside the folder or expose files of the installing machine",
            ),
            EntryKind::Hardlink => link(
                "hardlink",
                "a hard link",
                "it takes the content of a file of the installing machine",
            ),
            EntryKind::Special(what) => anomaly(
                Severity::High,
                "special-file",
                entry.name,
                format!("entry `{shown}` is a {what}, which no package needs; it was not read"),
            )
            .with("type", what),
            _ => return,
        };
        self.findings.push(finding);
    }

    /// Checks a file path for duplicates; `false` when it must not be read.
    fn admit(&mut self, entry: &Entry<'_>, path: &str) -> bool {
        if !self.seen.insert(path.to_owned()) {
            self.findings.push(
                anomaly(
                    Severity::Critical,
                    "duplicate-entry",
                    entry.name,
                    format!(
                        "`{}` appears more than once in the archive: installers and checkers can pick \
                         different copies; the first was read, this one was not",
                        display(path)
                    ),
                )
                .at(display(path)),
            );
            return false;
        }
        let folded = path.to_lowercase();
        match self.folded.get(&folded) {
            Some(first) => {
                let first = display(first);
                self.findings.push(
                    anomaly(
                        Severity::High,
                        "case-duplicate",
                        entry.name,
                        format!(
                            "`{}` and `{first}` differ only in case: on case-insensitive filesystems \
                             (macOS, Windows) one overwrites the other",
                            display(path)
                        ),
                    )
                    .at(display(path))
                    .with("first", first),
                );
            }
            None => {
                self.folded.insert(folded, path.to_owned());
            }
        }
        if path.chars().any(char::is_control) {
            self.findings.push(
                anomaly(
                    Severity::Medium,
                    "control-characters",
                    entry.name,
                    format!(
                        "`{}` contains control characters, which can hide its real name on a terminal",
                        display(path)
                    ),
                )
                .at(display(path)),
            );
        }
        true
    }
}

impl Visitor for Collector<'_, '_> {
    fn entry(&mut self, entry: &Entry<'_>) -> Option<String> {
        let mapped = map_entry(&mut self.mapper, entry);
        let shown = display(entry.name);
        if let Mapped::Unsafe(why) = mapped {
            self.findings.push(anomaly(
                why.severity(),
                why.reason(),
                entry.name,
                format!("entry `{shown}` {}", why.explain()),
            ));
            return None;
        }
        match entry.kind {
            EntryKind::Directory => return None,
            EntryKind::Symlink | EntryKind::Hardlink | EntryKind::Special(_) => {
                self.report_link(entry);
                if let Mapped::Path(path) = mapped {
                    self.unread.insert(path);
                }
                return None;
            }
            EntryKind::Unknown(type_byte) => self.findings.push(
                anomaly(
                    Severity::Medium,
                    "unknown-entry-type",
                    entry.name,
                    format!(
                        "entry `{shown}` has tar type {:?}, which Python's tarfile extracts as a regular file",
                        char::from(type_byte)
                    ),
                )
                .with("type", char::from(type_byte).to_string()),
            ),
            EntryKind::File => {}
        }
        match mapped {
            Mapped::Path(path) => self.admit(entry, &path).then_some(path),
            Mapped::Outside => {
                let root = self.mapper.root().map(display).unwrap_or_default();
                self.findings.push(
                    anomaly(
                        Severity::High,
                        "outside-root",
                        entry.name,
                        format!(
                            "entry `{shown}` is not under the sdist's top folder `{root}`: an sdist holds one \
                             folder, and a file beside it lands outside the project when unpacked; it was not read"
                        ),
                    )
                    .with("root", root),
                );
                None
            }
            Mapped::Nothing | Mapped::Unsafe(_) => None,
        }
    }

    fn content(&mut self, entry: &Entry<'_>, path: String, content: Vec<u8>) {
        let digests = FileDigests::of(&content);
        let size = content.len() as u64;
        let needed = checks_need(&path) && size <= NEEDED_MAX;
        let asked = (self.options.retain)(&path, &digests.blob_id);
        // Files the caller asks for may use three quarters of the budget, so that the files
        // the checks need, which may come last, still fit.
        let budget = self.options.retain_budget;
        let cap = if needed { budget } else { budget - budget / 4 };
        let (content, content_dropped) = if !(needed || asked) {
            (None, false)
        } else if self.retained.saturating_add(size) <= cap {
            self.retained += size;
            (Some(Arc::<[u8]>::from(content)), false)
        } else {
            (None, true)
        };
        let mode = entry.mode.unwrap_or(0o644);
        self.files.push(ArtifactFile {
            path,
            size,
            mode,
            executable: mode & 0o111 != 0,
            digests,
            content,
            content_dropped,
        });
    }

    fn skipped(&mut self, path: String) {
        self.unread.insert(path);
    }

    fn finding(&mut self, finding: provcheck_report::Finding) {
        self.findings.push(finding);
    }
}

/// Whether a link's target names a path inside the archive (inside the sdist's top
/// folder when the link sits in one). Symlink targets are relative to the link's folder,
/// hard-link targets to the archive root.
fn link_stays_inside(name: &str, target: &str, relative_to_link: bool) -> bool {
    if target.is_empty()
        || target.starts_with('/')
        || target.contains('\\')
        || target.chars().any(char::is_control)
        || target.as_bytes().get(1) == Some(&b':')
    {
        return false;
    }
    let name_parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
    let mut resolved: Vec<&str> = if relative_to_link {
        name_parts[..name_parts.len().saturating_sub(1)].to_vec()
    } else {
        Vec::new()
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if resolved.pop().is_none() {
                    return false;
                }
            }
            part => resolved.push(part),
        }
    }
    match (name_parts.first(), resolved.first()) {
        // The sdist's `name-version/` folder must not be left either.
        (Some(top), Some(first)) if name_parts.len() > 1 => top == first && resolved.len() > 1,
        (_, Some(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod link_tests {
    use super::link_stays_inside;

    #[test]
    fn links_inside_and_outside() {
        assert!(link_stays_inside(
            "pkg-1.0/tests/a.toml",
            "../pyproject.toml",
            true
        ));
        assert!(link_stays_inside("pkg-1.0/a", "b", true));
        assert!(!link_stays_inside("pkg-1.0/a", "../../etc/passwd", true));
        assert!(!link_stays_inside("pkg-1.0/a", "../other-1.0/x", true));
        assert!(!link_stays_inside("pkg-1.0/a", "/etc/passwd", true));
        assert!(link_stays_inside("pkg-1.0/a", "pkg-1.0/b", false));
        assert!(!link_stays_inside("pkg-1.0/a", "../x", false));
        assert!(!link_stays_inside("a", "../x", true));
    }
}
