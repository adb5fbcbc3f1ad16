use std::fmt;
use std::io::{self, Read};

use provcheck_report::{Finding, Severity};
use provcheck_types::BlobId;

use crate::findings::anomaly;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Bounds for reading hostile archives.
///
/// Crossing a limit is an `archive-anomaly` finding, never an error: the entry is skipped,
/// or reading stops when going on would mean decompressing an unbounded amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Entries (files, folders, links) read at most; reading stops after this many.
    pub max_entries: u64,
    /// Decompressed bytes read at most, over all entries; reading stops beyond.
    pub max_total_size: u64,
    /// Decompressed bytes of one entry at most; a larger entry is skipped.
    pub max_file_size: u64,
    /// Largest decompressed-to-compressed ratio of one entry, checked for entries above
    /// 1 MiB decompressed; a zip entry beyond it is skipped, a tar stream stops.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// 200,000 entries, 8 GiB in total, 2 GiB per file, a ratio of 1000:1.
    ///
    /// The largest wheels on PyPI (GPU builds of torch) hold about 800 MB compressed and
    /// a few GiB decompressed, in tens of thousands of files; deflate cannot exceed
    /// about 1032:1, so only degenerate content (one byte repeated) reaches 1000:1.
    fn default() -> Self {
        Limits {
            max_entries: 200_000,
            max_total_size: 8 * GIB,
            max_file_size: 2 * GIB,
            max_ratio: 1000,
        }
    }
}

/// How to read an artifact: the limits, and which file contents to keep in memory.
#[derive(Clone)]
pub struct ReadOptions<'a> {
    /// Bounds for hostile archives.
    pub limits: Limits,
    /// Called with (normalized path, blob id) for each file after hashing; `true` keeps
    /// its content in memory ([`ArtifactFile::content`](crate::ArtifactFile::content)).
    ///
    /// Files the checks always need (metadata, `RECORD`, `*.pth`, `setup.py`,
    /// `pyproject.toml`… up to 4 MiB each) are kept whatever this returns.
    pub retain: &'a dyn Fn(&str, &BlobId) -> bool,
    /// Bytes of content kept at most. Files asked for by `retain` may use three quarters
    /// of it, so that the files the checks need still fit; beyond it contents are dropped
    /// (`content: None`, `content_dropped: true`) and can be read again with
    /// [`Artifact::read_contents`](crate::Artifact::read_contents).
    pub retain_budget: u64,
}

fn retain_nothing(_: &str, _: &BlobId) -> bool {
    false
}

impl Default for ReadOptions<'_> {
    /// Default limits, keeping only the files the checks need, within 256 MiB.
    fn default() -> Self {
        ReadOptions {
            limits: Limits::default(),
            retain: &retain_nothing,
            retain_budget: 256 * MIB,
        }
    }
}

impl fmt::Debug for ReadOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("limits", &self.limits)
            .field("retain_budget", &self.retain_budget)
            .finish_non_exhaustive()
    }
}

/// Ratios are only meaningful, and only dangerous, for entries this large.
pub(crate) const RATIO_FLOOR: u64 = MIB;

/// Read size while decompressing: large enough to keep syscalls and hashing efficient.
const CHUNK: usize = 64 * 1024;

/// Which limit an entry crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// The entry alone is larger than `max_file_size`.
    FileSize,
    /// The entry expands more than `max_ratio`.
    Ratio,
    /// All entries together are larger than `max_total_size`.
    Total,
}

/// What a completed read of one entry produced.
pub(crate) struct Pumped {
    /// Decompressed bytes.
    pub size: u64,
    /// CRC-32 of the decompressed bytes (zip entries are checked against it).
    pub crc: u32,
}

/// Reads entries while enforcing the limits on what is actually decompressed: declared
/// sizes are hints an attacker controls.
pub(crate) struct Meter {
    pub limits: Limits,
    total: u64,
    buf: Box<[u8]>,
}

impl Meter {
    pub fn new(limits: Limits) -> Self {
        Meter {
            limits,
            total: 0,
            buf: vec![0; CHUNK].into_boxed_slice(),
        }
    }

    /// Reads `reader` to its end, appending to `keep` when given, and stops as soon as a
    /// limit is crossed. `compressed` tells how many compressed bytes the entry has used so
    /// far (for the ratio).
    pub fn pump(
        &mut self,
        reader: &mut dyn Read,
        mut keep: Option<&mut Vec<u8>>,
        file_limit: u64,
        compressed: &dyn Fn() -> u64,
    ) -> io::Result<Result<Pumped, Exceeded>> {
        let mut crc = flate2::Crc::new();
        let mut size = 0u64;
        loop {
            let n = match reader.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let chunk = &self.buf[..n];
            size += n as u64;
            self.total += n as u64;
            if size > file_limit {
                return Ok(Err(Exceeded::FileSize));
            }
            if size > RATIO_FLOOR
                && size > compressed().max(1).saturating_mul(self.limits.max_ratio)
            {
                return Ok(Err(Exceeded::Ratio));
            }
            if self.total > self.limits.max_total_size {
                return Ok(Err(Exceeded::Total));
            }
            crc.update(chunk);
            if let Some(keep) = keep.as_deref_mut() {
                keep.extend_from_slice(chunk);
            }
        }
        Ok(Ok(Pumped {
            size,
            crc: crc.sum(),
        }))
    }

    /// Counts `bytes` decompressed outside any entry's content (tar header records)
    /// towards the total.
    pub fn account(&mut self, bytes: u64) -> Result<(), Exceeded> {
        self.total = self.total.saturating_add(bytes);
        if self.total > self.limits.max_total_size {
            return Err(Exceeded::Total);
        }
        Ok(())
    }

    /// The finding for an entry that crossed a limit; `stopped` says reading stopped there
    /// rather than skipping just this entry.
    pub fn finding(&self, exceeded: Exceeded, entry: &str, stopped: bool) -> Finding {
        let limits = &self.limits;
        let then = if stopped {
            "reading stopped here, so later files were not checked"
        } else {
            "the entry was skipped"
        };
        let (reason, what, limit) = match exceeded {
            Exceeded::FileSize => (
                "file-size",
                format!(
                    "decompresses to more than {} bytes, a decompression bomb or an implausibly large file",
                    limits.max_file_size
                ),
                limits.max_file_size,
            ),
            Exceeded::Ratio => (
                "compression-ratio",
                format!(
                    "expands more than {}:1, the signature of a decompression bomb",
                    limits.max_ratio
                ),
                limits.max_ratio,
            ),
            Exceeded::Total => (
                "total-size",
                format!(
                    "brings the archive past {} decompressed bytes in all, a decompression bomb or an implausibly large artifact",
                    limits.max_total_size
                ),
                limits.max_total_size,
            ),
        };
        anomaly(
            Severity::Critical,
            reason,
            entry,
            format!("entry `{}` {what}; {then}", crate::paths::display(entry)),
        )
        .with("limit", limit)
    }

    /// The finding for an archive with more entries than `max_entries`.
    pub fn too_many_entries(&self) -> Finding {
        Finding::new(
            provcheck_report::Code::ArchiveAnomaly,
            Severity::Critical,
            format!(
                "the archive has more than {} entries, far more than any real package; \
                 reading stopped there, so later files were not checked",
                self.limits.max_entries
            ),
        )
        .with("reason", "too-many-entries")
        .with("limit", self.limits.max_entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pump_stops_at_the_first_limit() {
        let limits = Limits {
            max_entries: 10,
            max_total_size: 10 * MIB,
            max_file_size: 3 * MIB,
            max_ratio: 1000,
        };
        let mut meter = Meter::new(limits);
        let data = vec![7u8; 4 * MIB as usize];
        let mut keep = Vec::new();
        let r = meter
            .pump(&mut data.as_slice(), Some(&mut keep), 3 * MIB, &|| 4 * MIB)
            .unwrap();
        assert_eq!(r.err(), Some(Exceeded::FileSize));
        assert!(keep.len() as u64 <= 3 * MIB);

        let r = meter
            .pump(&mut &data[..2 * MIB as usize], None, u64::MAX, &|| 1)
            .unwrap();
        assert_eq!(r.err(), Some(Exceeded::Ratio));

        let ok = meter
            .pump(&mut &b"hello"[..], None, u64::MAX, &|| 5)
            .unwrap()
            .ok()
            .unwrap();
        assert_eq!(ok.size, 5);
        assert_eq!(ok.crc, 0x3610_a686);
    }
}
