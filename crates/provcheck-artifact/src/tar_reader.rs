//! Tar archives (sdists), gzip- or bzip2-compressed, read as one stream.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use provcheck_report::{Code, Finding, Severity};

use crate::limits::{Exceeded, Meter, Pumped};
use crate::paths::display;
use crate::walk::{Entry, EntryKind, Source, Visitor, WalkError};

/// How the tar stream is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Bzip2,
    None,
}

/// Bytes the tar parser may read between two entries' contents: headers, long names and
/// pax records. The parser buffers those whole, so without this bound a hostile long-name
/// record could make it allocate gigabytes before any entry is seen.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Entries are pre-allocated up to this size; larger ones grow as they are read.
const MAX_PREALLOC: u64 = 16 << 20;

/// Counts the compressed bytes read from the file, for compression ratios.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Shared between [`HeaderGuard`] and the walk: whether entry content is being read, and
/// how much the parser read on its own since the last entry.
#[derive(Default)]
struct GuardState {
    in_content: Cell<bool>,
    header_bytes: Cell<u64>,
    tripped: Cell<bool>,
}

/// Fails reads the tar parser makes on its own once they exceed [`MAX_HEADER_BYTES`].
struct HeaderGuard<R> {
    inner: R,
    state: Rc<GuardState>,
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let state = &self.state;
        if !state.in_content.get() && state.header_bytes.get() > MAX_HEADER_BYTES {
            state.tripped.set(true);
            return Err(io::Error::other("tar header records too large"));
        }
        let n = self.inner.read(buf)?;
        if !state.in_content.get() {
            state.header_bytes.set(state.header_bytes.get() + n as u64);
        }
        Ok(n)
    }
}

/// Reads every entry of a tar stream into `visitor`, in archive order.
pub(crate) fn walk(
    file: &File,
    compression: Compression,
    meter: &mut Meter,
    visitor: &mut dyn Visitor,
) -> Result<(), WalkError> {
    let compressed = Rc::new(Cell::new(0u64));
    let counting = Counting {
        inner: Source(file),
        count: compressed.clone(),
    };
    // Multi-member streams, as Python's gzip and bz2 modules read them.
    let decoded: Box<dyn Read + '_> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counting)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counting)),
        Compression::None => Box::new(BufReader::new(counting)),
    };
    let guard = Rc::new(GuardState::default());
    let mut archive = tar::Archive::new(HeaderGuard {
        inner: decoded,
        state: guard.clone(),
    });
    if read_entries(&mut archive, &guard, &compressed, meter, visitor)? == End::Marker {
        // Nothing more is needed, but reading on to the end of the compressed stream is
        // what verifies its checksum, so a truncated download does not pass for complete.
        guard.in_content.set(true);
        check_trailer(archive.into_inner(), visitor)?;
    }
    Ok(())
}

/// How the entries ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// At the end-of-archive marker (or the end of the stream).
    Marker,
    /// Early: a limit, or the visitor has all it wants.
    Stopped,
}

/// Bytes after the end-of-archive marker that are decompressed to verify the stream; the
/// padding writers add is at most a few KiB.
const MAX_TRAILER: u64 = 64 << 20;

fn check_trailer(mut rest: impl Read, visitor: &mut dyn Visitor) -> Result<(), WalkError> {
    let mut buf = vec![0; 64 * 1024];
    let mut total = 0u64;
    let mut data = false;
    while total <= MAX_TRAILER {
        let n = match rest.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(WalkError::from(e)),
        };
        total += n as u64;
        data |= buf[..n].iter().any(|&b| b != 0);
    }
    if data {
        visitor.finding(
            Finding::new(
                Code::ArchiveAnomaly,
                Severity::Medium,
                "data follows the end-of-archive marker: tools that read past it (`tar --ignore-zeros`) \
                 see entries that pip does not",
            )
            .with("reason", "trailing-data"),
        );
    }
    Ok(())
}

fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    guard: &GuardState,
    compressed: &Cell<u64>,
    meter: &mut Meter,
    visitor: &mut dyn Visitor,
) -> Result<End, WalkError> {
    let mut entries = archive.entries()?;
    let mut count = 0u64;
    loop {
        guard.header_bytes.set(0);
        let mut entry = match entries.next() {
            None => return Ok(End::Marker),
            Some(Ok(entry)) => entry,
            Some(Err(_)) if guard.tripped.get() => {
                visitor.finding(
                    Finding::new(
                        Code::ArchiveAnomaly,
                        Severity::Critical,
                        format!(
                            "a tar header record (long name or pax attributes) is larger than \
                             {MAX_HEADER_BYTES} bytes, a parser attack; reading stopped here, so \
                             later files were not checked"
                        ),
                    )
                    .with("reason", "oversized-header"),
                );
                return Ok(End::Stopped);
            }
            Some(Err(e)) => return Err(e.into()),
        };
        if meter.account(guard.header_bytes.get()).is_err() {
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            visitor.finding(meter.finding(Exceeded::Total, &name, true));
            return Ok(End::Stopped);
        }
        count += 1;
        if count > meter.limits.max_entries {
            visitor.finding(meter.too_many_entries());
            return Ok(End::Stopped);
        }

        let raw_name = entry.path_bytes().into_owned();
        let (name, name_valid) = match String::from_utf8(raw_name) {
            Ok(name) => (name, true),
            Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
        };
        let type_byte = entry.header().entry_type().as_byte();
        let kind = match type_byte {
            b'0' | b'\0' | b'7' | b'S' if name.ends_with('/') => EntryKind::Directory,
            b'0' | b'\0' | b'7' | b'S' => EntryKind::File,
            b'5' => EntryKind::Directory,
            b'1' => EntryKind::Hardlink,
            b'2' => EntryKind::Symlink,
            b'3' => EntryKind::Special("character device"),
            b'4' => EntryKind::Special("block device"),
            b'6' => EntryKind::Special("fifo"),
            // Global pax attributes (`git archive` writes one) describe no file: skipped below.
            b'g' => EntryKind::Directory,
            other => EntryKind::Unknown(other),
        };
        let link_target = entry
            .link_name_bytes()
            .map(|target| String::from_utf8_lossy(&target).into_owned());
        let mode = entry.header().mode().ok().map(|m| m & 0o7777);
        let declared = entry.size();
        let shown = display(&name);

        let info = Entry {
            name: &name,
            kind,
            mode,
            link_target,
        };
        let path = if type_byte == b'g' {
            None
        } else if !name_valid {
            visitor.finding(crate::findings::anomaly(
                Severity::High,
                "invalid-name",
                &name,
                format!("entry `{shown}` has a name that is not UTF-8, so tools decode it differently; it was not read"),
            ));
            None
        } else {
            visitor.entry(&info)
        };

        let start = compressed.get();
        let used = || compressed.get().saturating_sub(start);
        guard.in_content.set(true);
        let outcome = match &path {
            Some(_) if declared > meter.limits.max_file_size => {
                visitor.finding(meter.finding(Exceeded::FileSize, &name, false));
                // The stream must be decompressed through it anyway: drain it under the
                // total and ratio limits.
                meter
                    .pump(&mut entry, None, u64::MAX, &used)
                    .map(|r| r.map(|_| None))
            }
            Some(_) => {
                let mut content = Vec::with_capacity(declared.min(MAX_PREALLOC) as usize);
                let file_limit = meter.limits.max_file_size;
                meter
                    .pump(&mut entry, Some(&mut content), file_limit, &used)
                    .map(|r| r.map(|pumped| Some((pumped, content))))
            }
            None => meter
                .pump(&mut entry, None, u64::MAX, &used)
                .map(|r| r.map(|_| None)),
        };
        guard.in_content.set(false);
        let outcome = outcome.map_err(|e| match WalkError::from(e) {
            WalkError::Corrupt(detail) => WalkError::Corrupt(format!("entry `{shown}`: {detail}")),
            io => io,
        })?;

        match (outcome, path) {
            (Ok(Some((Pumped { size, .. }, content))), Some(path)) => {
                if size != declared {
                    return Err(WalkError::Corrupt(format!(
                        "entry `{shown}` holds {size} bytes where its header says {declared}"
                    )));
                }
                visitor.content(&info, path, content);
            }
            (Ok(_), Some(path)) => visitor.skipped(path),
            (Ok(_), None) => {}
            (Err(exceeded), path) => {
                // A tar stream cannot skip an entry without decompressing it, so any crossed
                // limit ends the walk rather than risk decompressing a bomb.
                visitor.finding(meter.finding(exceeded, &name, true));
                if let Some(path) = path {
                    visitor.skipped(path);
                }
                return Ok(End::Stopped);
            }
        }
        if visitor.done() {
            return Ok(End::Stopped);
        }
    }
}
