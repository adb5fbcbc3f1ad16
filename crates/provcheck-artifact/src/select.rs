//! Reading the contents of chosen files again, for those whose content was not kept.

use std::collections::{HashMap, HashSet};
use std::fs::File;

use provcheck_report::{ArtifactKind, Finding};
use provcheck_types::FileDigests;

use crate::ArtifactFile;
use crate::collect::{is_file, map_entry};
use crate::filename::ArchiveFormat;
use crate::limits::{Limits, Meter};
use crate::paths::{Mapped, RootMapper, display};
use crate::walk::{Entry, Visitor, WalkError, walk};

/// The [`Visitor`] of a selective read: maps entries exactly as a full read does, and
/// keeps the first copy of each wanted path.
struct Selector {
    mapper: RootMapper,
    wanted: HashSet<String>,
    seen: HashSet<String>,
    found: HashMap<String, Vec<u8>>,
}

impl Visitor for Selector {
    fn entry(&mut self, entry: &Entry<'_>) -> Option<String> {
        let Mapped::Path(path) = map_entry(&mut self.mapper, entry) else {
            return None;
        };
        if !is_file(entry.kind) || !self.seen.insert(path.clone()) {
            return None;
        }
        self.wanted.contains(&path).then_some(path)
    }

    fn content(&mut self, _: &Entry<'_>, path: String, content: Vec<u8>) {
        self.found.insert(path, content);
    }

    fn skipped(&mut self, _: String) {}

    fn finding(&mut self, _: Finding) {}

    fn done(&self) -> bool {
        self.found.len() == self.wanted.len()
    }
}

/// Reads the contents of `paths` (paths of `files`; others are ignored) from the archive,
/// checking each against the digests of the first read.
pub(crate) fn read_selected(
    file: &File,
    len: u64,
    format: ArchiveFormat,
    kind: ArtifactKind,
    files: &[ArtifactFile],
    paths: &[&str],
) -> Result<HashMap<String, Vec<u8>>, WalkError> {
    let by_path: HashMap<&str, &ArtifactFile> =
        files.iter().map(|f| (f.path.as_str(), f)).collect();
    let wanted: HashSet<String> = paths
        .iter()
        .filter(|p| by_path.contains_key(*p))
        .map(|p| (*p).to_owned())
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    // Every wanted file was read within the caller's limits once; its known size bounds
    // it now. The totals only guard against the file having changed since.
    let largest = wanted
        .iter()
        .map(|p| by_path[p.as_str()].size)
        .max()
        .unwrap_or(0);
    let sum: u64 = files.iter().map(|f| f.size).sum();
    let defaults = Limits::default();
    let mut meter = Meter::new(Limits {
        max_entries: u64::MAX,
        max_total_size: defaults.max_total_size.max(sum.saturating_mul(2)),
        max_file_size: largest,
        max_ratio: u64::MAX,
    });
    let mut selector = Selector {
        mapper: RootMapper::new(kind == ArtifactKind::Sdist),
        wanted,
        seen: HashSet::new(),
        found: HashMap::new(),
    };
    walk(file, len, format, &mut meter, &mut selector)?;
    for (path, content) in &selector.found {
        if FileDigests::of(content) != by_path[path.as_str()].digests {
            return Err(WalkError::Corrupt(format!(
                "`{}` changed since the archive was first read",
                display(path)
            )));
        }
    }
    Ok(selector.found)
}
