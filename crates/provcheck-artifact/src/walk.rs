//! The interface between the format readers (zip, tar) and what consumes their entries.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use provcheck_report::Finding;

use crate::filename::ArchiveFormat;
use crate::limits::Meter;
use crate::{tar_reader, zip_reader};

/// What an archive entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A tar hard link to an earlier member.
    Hardlink,
    /// A device, fifo or socket, named.
    Special(&'static str),
    /// A tar member of a type Python's tarfile extracts as a regular file.
    Unknown(u8),
}

/// One archive entry, as the format reader found it.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    /// The name as decoded from the archive, before any normalization.
    pub name: &'a str,
    pub kind: EntryKind,
    /// Unix permission bits, when the archive records them.
    pub mode: Option<u32>,
    /// Where a link points, for links.
    pub link_target: Option<String>,
}

/// Consumes the entries of one archive, in archive order.
pub(crate) trait Visitor {
    /// Sees an entry; returns the artifact path under which to deliver its content, or
    /// `None` to skip it.
    fn entry(&mut self, entry: &Entry<'_>) -> Option<String>;
    /// The complete content of an entry [`Visitor::entry`] asked for.
    fn content(&mut self, entry: &Entry<'_>, path: String, content: Vec<u8>);
    /// An entry [`Visitor::entry`] asked for could not be read (a limit, an unsupported
    /// compression); a finding says why.
    fn skipped(&mut self, path: String);
    /// A finding about the archive.
    fn finding(&mut self, finding: Finding);
    /// Whether nothing more is wanted, so the reader may stop early.
    fn done(&self) -> bool {
        false
    }
}

/// Why a format reader could not go on.
#[derive(Debug)]
pub(crate) enum WalkError {
    /// Reading the file itself failed.
    Io(io::Error),
    /// The archive is damaged.
    Corrupt(String),
}

impl From<io::Error> for WalkError {
    /// Decompressors and the tar parser pass read errors of the file through unchanged and
    /// report damage as errors of their own, so an error that carries [`SourceError`] is the
    /// file's, and anything else is damage.
    fn from(e: io::Error) -> Self {
        if e.get_ref().is_some_and(|inner| inner.is::<SourceError>()) {
            let kind = e.kind();
            let inner = e
                .into_inner()
                .and_then(|b| b.downcast::<SourceError>().ok());
            return WalkError::Io(inner.map_or_else(|| io::Error::from(kind), |s| s.0));
        }
        if e.kind() == io::ErrorKind::UnexpectedEof {
            return WalkError::Corrupt("the file ends in the middle of the archive".to_owned());
        }
        WalkError::Corrupt(e.to_string())
    }
}

/// An error of the archive file itself, as opposed to damage in what it holds.
#[derive(Debug)]
pub(crate) struct SourceError(io::Error);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for SourceError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

fn mark(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::Interrupted {
        return e;
    }
    io::Error::new(e.kind(), SourceError(e))
}

/// The archive file, with its read errors marked as such (see [`WalkError::from`]).
#[derive(Clone, Copy)]
pub(crate) struct Source<'f>(pub &'f File);

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&mut &*self.0).read(buf).map_err(mark)
    }
}

impl Seek for Source<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        (&mut &*self.0).seek(pos).map_err(mark)
    }
}

/// Reads every entry of the archive in `file` (`len` bytes) into `visitor`.
pub(crate) fn walk(
    file: &File,
    len: u64,
    format: ArchiveFormat,
    meter: &mut Meter,
    visitor: &mut dyn Visitor,
) -> Result<(), WalkError> {
    Source(file).seek(SeekFrom::Start(0))?;
    match format {
        ArchiveFormat::Zip => zip_reader::walk(file, len, meter, visitor),
        ArchiveFormat::TarGz => {
            tar_reader::walk(file, tar_reader::Compression::Gzip, meter, visitor)
        }
        ArchiveFormat::TarBz2 => {
            tar_reader::walk(file, tar_reader::Compression::Bzip2, meter, visitor)
        }
        ArchiveFormat::Tar => tar_reader::walk(file, tar_reader::Compression::None, meter, visitor),
    }
}
