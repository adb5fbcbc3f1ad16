//! Zip archives (wheels, legacy sdists), read the way pip's `zipfile` reads them — from the
//! central directory — with every local header cross-checked, because streaming unzippers
//! read the local headers instead and an attacker can make the two disagree.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use provcheck_report::{Code, Finding, Severity};

use crate::findings::anomaly;
use crate::limits::{Exceeded, Meter, Pumped, RATIO_FLOOR};
use crate::paths::display;
use crate::walk::{Entry, EntryKind, Source, Visitor, WalkError};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const LOCATOR_SIG: u32 = 0x0706_4b50;
const LOCATOR_LEN: u64 = 20;
const EOCD64_SIG: u32 = 0x0606_4b50;
const EOCD64_LEN: u64 = 56;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
const LOCAL_SIG: u32 = 0x0403_4b50;
const LOCAL_LEN: usize = 30;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;

const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;

const ZIP64_EXTRA: u16 = 0x0001;
const UNICODE_PATH_EXTRA: u16 = 0x7075;
const MAX32: u64 = 0xFFFF_FFFF;

const STORED: u16 = 0;
const DEFLATED: u16 = 8;
const BZIP2: u16 = 12;

/// Symlink targets are only shown, so longer ones are cut.
const MAX_LINK_TARGET: u64 = 4096;
/// Bytes of unreferenced gaps scanned for hidden local headers, at most.
const GAP_SCAN_BUDGET: u64 = 64 << 20;
/// Entries are pre-allocated up to this size; larger ones grow as they are read.
const MAX_PREALLOC: u64 = 16 << 20;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

fn corrupt(detail: impl Into<String>) -> WalkError {
    WalkError::Corrupt(detail.into())
}

/// Maps an end of file in the middle of a structure to `detail`.
fn short(detail: impl Into<String>) -> impl FnOnce(io::Error) -> WalkError {
    move |e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            corrupt(detail)
        } else {
            WalkError::from(e)
        }
    }
}

fn read_exact_at(src: &mut Source<'_>, at: u64, buf: &mut [u8]) -> io::Result<()> {
    src.seek(SeekFrom::Start(at))?;
    src.read_exact(buf)
}

/// Where the central directory is.
struct Directory {
    /// File offset of its first entry.
    start: u64,
    /// Its length in bytes.
    size: u64,
    /// Entries the end record declares.
    declared_entries: u64,
    /// Bytes found before the archive proper (added to every recorded offset).
    concat: u64,
}

/// One central directory entry.
struct Central {
    raw_name: Vec<u8>,
    name: String,
    /// False when the name is flagged UTF-8 but is not.
    name_valid: bool,
    /// The Info-ZIP Unicode Path field, when present.
    unicode_path: Option<String>,
    made_by: u16,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    header_start: u64,
    external: u32,
}

impl Central {
    fn made_on_unix(&self) -> bool {
        self.made_by >> 8 == 3
    }

    /// Like `zipfile`, only a trailing `/` makes a folder; other file types come from unix
    /// mode bits, which extractors such as Info-ZIP honour.
    fn kind(&self) -> EntryKind {
        if self.name.ends_with('/') {
            return EntryKind::Directory;
        }
        if !self.made_on_unix() {
            return EntryKind::File;
        }
        match (self.external >> 16) & 0o170_000 {
            0o120_000 => EntryKind::Symlink,
            0o010_000 => EntryKind::Special("fifo"),
            0o020_000 => EntryKind::Special("character device"),
            0o060_000 => EntryKind::Special("block device"),
            0o140_000 => EntryKind::Special("socket"),
            _ => EntryKind::File,
        }
    }

    fn mode(&self) -> Option<u32> {
        let mode = (self.external >> 16) & 0o7777;
        (self.made_on_unix() && mode != 0).then_some(mode)
    }
}

/// Where an entry's data is, from its local header.
struct Located {
    data_start: u64,
    /// End of the data and of its data descriptor.
    span_end: u64,
    /// Shares bytes with another entry: not read.
    overlapping: bool,
}

/// Reads every entry of a zip archive into `visitor`, in central directory order.
pub(crate) fn walk(
    file: &File,
    len: u64,
    meter: &mut Meter,
    visitor: &mut dyn Visitor,
) -> Result<(), WalkError> {
    let mut src = Source(file);
    let dir = find_directory(&mut src, len)?;
    let entries = read_central(&mut src, &dir, meter, visitor)?;
    let mut located = locate(&mut src, len, &entries, visitor)?;
    check_layout(&mut src, &dir, &entries, &mut located, visitor)?;

    for (central, located) in entries.iter().zip(&located) {
        if !read_entry(&mut src, central, located, meter, visitor)? || visitor.done() {
            break;
        }
    }
    Ok(())
}

/// Finds the end of central directory record the way `zipfile` does: the last signature
/// in the final 64 KiB, the zip64 record right before its locator, and the directory
/// right before the end record, whatever offset the record states (the difference is
/// data prepended to the archive).
fn find_directory(src: &mut Source<'_>, len: u64) -> Result<Directory, WalkError> {
    let not_zip =
        "no end of central directory record: this is not a zip archive, or it was cut short";
    if len < EOCD_LEN as u64 {
        return Err(corrupt(not_zip));
    }
    let tail_len = len.min(EOCD_LEN as u64 + 0xFFFF);
    let tail_start = len - tail_len;
    let mut tail = vec![0; tail_len as usize];
    read_exact_at(src, tail_start, &mut tail)?;
    let at = (0..=tail.len() - EOCD_LEN)
        .rev()
        .find(|&i| u32_at(&tail, i) == EOCD_SIG)
        .ok_or_else(|| corrupt(not_zip))?;
    let eocd = &tail[at..at + EOCD_LEN];
    let eocd_pos = tail_start + at as u64;
    if u16_at(eocd, 4) != 0 || u16_at(eocd, 6) != 0 {
        return Err(corrupt("the archive claims to span several disks"));
    }
    let mut declared_entries = u64::from(u16_at(eocd, 10));
    let mut size = u64::from(u32_at(eocd, 12));
    let mut offset = u64::from(u32_at(eocd, 16));
    let mut end = eocd_pos;

    if eocd_pos >= LOCATOR_LEN {
        let mut locator = [0; LOCATOR_LEN as usize];
        read_exact_at(src, eocd_pos - LOCATOR_LEN, &mut locator)?;
        if u32_at(&locator, 0) == LOCATOR_SIG {
            let record_pos = (eocd_pos - LOCATOR_LEN)
                .checked_sub(EOCD64_LEN)
                .ok_or_else(|| corrupt("the zip64 end of central directory record is missing"))?;
            let mut record = [0; EOCD64_LEN as usize];
            read_exact_at(src, record_pos, &mut record)?;
            if u32_at(&record, 0) != EOCD64_SIG {
                return Err(corrupt(
                    "the zip64 end of central directory record is missing",
                ));
            }
            if u32_at(&record, 16) != 0 || u32_at(&record, 20) != 0 {
                return Err(corrupt("the archive claims to span several disks"));
            }
            declared_entries = u64_at(&record, 32);
            size = u64_at(&record, 40);
            offset = u64_at(&record, 48);
            end = record_pos;
        }
    }
    let start = end
        .checked_sub(size)
        .ok_or_else(|| corrupt("the central directory is said to be larger than the file"))?;
    let concat = start
        .checked_sub(offset)
        .ok_or_else(|| corrupt("the central directory offset points past the directory"))?;
    Ok(Directory {
        start,
        size,
        declared_entries,
        concat,
    })
}

/// The (id, data) extra fields; malformed lists are rejected as `zipfile` rejects them.
fn extra_fields(mut extra: &[u8]) -> Result<Vec<(u16, &[u8])>, String> {
    let mut fields = Vec::new();
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let data = extra
            .get(4..4 + len)
            .ok_or_else(|| format!("extra field {id:#06x} runs past its header"))?;
        fields.push((id, data));
        extra = &extra[4 + len..];
    }
    Ok(fields)
}

/// Replaces the 32-bit fields that overflowed (`0xFFFFFFFF`) by their zip64 values, in the
/// order the format defines.
fn apply_zip64(mut data: &[u8], fields: &mut [&mut u64]) -> Result<(), String> {
    for field in fields.iter_mut().filter(|f| ***f == MAX32) {
        let value = data.get(..8).ok_or("a zip64 extra field is too short")?;
        **field = u64_at(value, 0);
        data = &data[8..];
    }
    Ok(())
}

/// Code page 437, the zip default for names not flagged UTF-8 (as `zipfile` decodes them).
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

fn decode_name(raw: &[u8], flags: u16) -> (String, bool) {
    if flags & FLAG_UTF8 != 0 {
        return match std::str::from_utf8(raw) {
            Ok(name) => (name.to_owned(), true),
            Err(_) => (String::from_utf8_lossy(raw).into_owned(), false),
        };
    }
    let name = raw
        .iter()
        .map(|&b| match b {
            0..=0x7f => char::from(b),
            _ => CP437_HIGH
                .chars()
                .nth(usize::from(b - 0x80))
                .unwrap_or(char::REPLACEMENT_CHARACTER),
        })
        .collect();
    (name, true)
}

/// Reads the central directory, entry by entry, up to `max_entries`.
fn read_central(
    src: &mut Source<'_>,
    dir: &Directory,
    meter: &Meter,
    visitor: &mut dyn Visitor,
) -> Result<Vec<Central>, WalkError> {
    src.seek(SeekFrom::Start(dir.start))?;
    let mut reader = BufReader::new(src.take(dir.size));
    let mut entries = Vec::new();
    let mut consumed = 0u64;
    let truncated = "the central directory ends in the middle of an entry";
    // Like `zipfile`, read entries for as long as the directory's size says, whatever the
    // declared count; a disagreement is reported below.
    while consumed < dir.size {
        if entries.len() as u64 >= meter.limits.max_entries {
            visitor.finding(meter.too_many_entries());
            return Ok(entries);
        }
        let mut head = [0; CENTRAL_LEN];
        reader.read_exact(&mut head).map_err(short(truncated))?;
        if u32_at(&head, 0) != CENTRAL_SIG {
            return Err(corrupt(format!(
                "central directory entry {} has a bad signature",
                entries.len() + 1
            )));
        }
        let name_len = usize::from(u16_at(&head, 28));
        let extra_len = usize::from(u16_at(&head, 30));
        let comment_len = u64::from(u16_at(&head, 32));
        let mut raw_name = vec![0; name_len];
        reader.read_exact(&mut raw_name).map_err(short(truncated))?;
        let mut extra = vec![0; extra_len];
        reader.read_exact(&mut extra).map_err(short(truncated))?;
        let skipped = io::copy(&mut (&mut reader).take(comment_len), &mut io::sink())?;
        if skipped != comment_len {
            return Err(corrupt(truncated));
        }
        consumed += (CENTRAL_LEN + name_len + extra_len) as u64 + comment_len;

        let flags = u16_at(&head, 8);
        let (name, name_valid) = decode_name(&raw_name, flags);
        let mut size = u64::from(u32_at(&head, 24));
        let mut compressed = u64::from(u32_at(&head, 20));
        let mut offset = u64::from(u32_at(&head, 42));
        let mut unicode_path = None;
        let bad_extra = |detail: String| corrupt(format!("entry `{}`: {detail}", display(&name)));
        for (id, data) in extra_fields(&extra).map_err(bad_extra)? {
            match id {
                ZIP64_EXTRA => apply_zip64(data, &mut [&mut size, &mut compressed, &mut offset])
                    .map_err(|d| corrupt(format!("entry `{}`: {d}", display(&name))))?,
                UNICODE_PATH_EXTRA if data.len() > 5 => {
                    unicode_path = Some(String::from_utf8_lossy(&data[5..]).into_owned());
                }
                _ => {}
            }
        }
        let header_start = offset.checked_add(dir.concat).ok_or_else(|| {
            corrupt(format!(
                "entry `{}` has an impossible offset",
                display(&name)
            ))
        })?;
        entries.push(Central {
            raw_name,
            name,
            name_valid,
            unicode_path,
            made_by: u16_at(&head, 4),
            flags,
            method: u16_at(&head, 10),
            crc: u32_at(&head, 16),
            compressed,
            size,
            header_start,
            external: u32_at(&head, 38),
        });
    }
    if entries.len() as u64 != dir.declared_entries {
        visitor.finding(
            Finding::new(
                Code::ArchiveAnomaly,
                Severity::High,
                format!(
                    "the central directory holds {} entries but its end record declares {}: \
                     tools that trust the count see a different set of files",
                    entries.len(),
                    dir.declared_entries
                ),
            )
            .with("reason", "entry-count-mismatch")
            .with("declared", dir.declared_entries)
            .with("found", entries.len()),
        );
    }
    Ok(entries)
}

/// Reads each entry's local header, reports every disagreement with the central
/// directory, and finds where the data lies.
fn locate(
    src: &mut Source<'_>,
    len: u64,
    entries: &[Central],
    visitor: &mut dyn Visitor,
) -> Result<Vec<Located>, WalkError> {
    let mut located = Vec::with_capacity(entries.len());
    for c in entries {
        let shown = display(&c.name);
        let mut head = [0; LOCAL_LEN];
        read_exact_at(src, c.header_start, &mut head).map_err(short(format!(
            "entry `{shown}`: its local header lies past the end of the file"
        )))?;
        if u32_at(&head, 0) != LOCAL_SIG {
            return Err(corrupt(format!(
                "entry `{shown}`: there is no local header where the central directory says"
            )));
        }
        let flags = u16_at(&head, 6);
        let method = u16_at(&head, 8);
        let crc = u32_at(&head, 14);
        let mut compressed = u64::from(u32_at(&head, 18));
        let mut size = u64::from(u32_at(&head, 22));
        let name_len = u16_at(&head, 26);
        let extra_len = u16_at(&head, 28);
        let mut name = vec![0; usize::from(name_len)];
        let mut extra = vec![0; usize::from(extra_len)];
        let cut = || short(format!("entry `{shown}`: its local header is cut short"));
        src.read_exact(&mut name).map_err(cut())?;
        src.read_exact(&mut extra).map_err(cut())?;

        // `zipfile` ignores the local extra field beyond its length, so a malformed one is
        // not an error; a zip64 field there only matters to compare sizes.
        let mut zip64 = false;
        for (id, data) in extra_fields(&extra).unwrap_or_default() {
            if id == ZIP64_EXTRA {
                zip64 = true;
                // Order: size, then compressed size.
                let _ = apply_zip64(data, &mut [&mut size, &mut compressed]);
            }
        }

        let mut differs: Vec<&str> = Vec::new();
        if name != c.raw_name {
            differs.push("name");
        }
        if method != c.method {
            differs.push("compression method");
        }
        if flags & FLAG_ENCRYPTED != c.flags & FLAG_ENCRYPTED {
            differs.push("encryption");
        }
        if flags & FLAG_DESCRIPTOR == 0 {
            if crc != c.crc {
                differs.push("crc32");
            }
            if compressed != c.compressed {
                differs.push("compressed size");
            }
            if size != c.size {
                differs.push("size");
            }
        }
        if !differs.is_empty() {
            let local_name = String::from_utf8_lossy(&name);
            let mut finding = anomaly(
                Severity::Critical,
                "header-mismatch",
                &c.name,
                format!(
                    "entry `{shown}`: the local header and the central directory disagree on {}: \
                     streaming unzippers read the local header, pip reads the central directory, \
                     so they can install different files",
                    differs.join(", ")
                ),
            )
            .with("fields", differs.clone());
            if differs.contains(&"name") {
                finding = finding.with("local_name", display(&local_name));
            }
            visitor.finding(finding);
        }

        let data_start =
            c.header_start + (LOCAL_LEN as u64) + u64::from(name_len) + u64::from(extra_len);
        let data_end = data_start
            .checked_add(c.compressed)
            .filter(|&end| end <= len)
            .ok_or_else(|| {
                corrupt(format!(
                    "entry `{shown}`: its data runs past the end of the file"
                ))
            })?;
        let mut span_end = data_end;
        if flags & FLAG_DESCRIPTOR != 0 {
            let wide = zip64 || c.size >= MAX32 || c.compressed >= MAX32;
            let mut sig = [0; 4];
            let signed =
                read_exact_at(src, data_end, &mut sig).is_ok() && u32_at(&sig, 0) == DESCRIPTOR_SIG;
            let body = if wide { 20 } else { 12 };
            span_end = (data_end + body + if signed { 4 } else { 0 }).min(len);
        }
        located.push(Located {
            data_start,
            span_end,
            overlapping: false,
        });
    }
    Ok(located)
}

/// Finds entries that share bytes (the overlapping-entries zip bomb, or two names for one
/// content) and bytes no entry accounts for (where a hidden entry can sit).
fn check_layout(
    src: &mut Source<'_>,
    dir: &Directory,
    entries: &[Central],
    located: &mut [Located],
    visitor: &mut dyn Visitor,
) -> Result<(), WalkError> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| (entries[i].header_start, i));
    let mut gaps = Vec::new();
    let mut pos = 0u64;
    let mut owner: Option<usize> = None;
    for &i in &order {
        let start = entries[i].header_start;
        if start < pos {
            located[i].overlapping = true;
            let other = owner.map(|o| display(&entries[o].name)).unwrap_or_default();
            visitor.finding(
                anomaly(
                    Severity::Critical,
                    "overlapping-entries",
                    &entries[i].name,
                    format!(
                        "entry `{}` shares bytes with entry `{other}`: overlapping entries are how \
                         the most compact zip bombs work, and let one content appear under two names; \
                         it was not read",
                        display(&entries[i].name)
                    ),
                )
                .with("overlaps", other),
            );
        } else if start > pos {
            gaps.push((pos, start));
        }
        if located[i].span_end > pos {
            pos = located[i].span_end;
            owner = Some(i);
        }
    }
    if dir.start < pos {
        if let Some(o) = owner.filter(|&o| !located[o].overlapping) {
            located[o].overlapping = true;
            visitor.finding(anomaly(
                Severity::Critical,
                "overlapping-entries",
                &entries[o].name,
                format!(
                    "entry `{}` runs into the central directory: a crafted archive; it was not read",
                    display(&entries[o].name)
                ),
            ));
        }
    } else if dir.start > pos {
        gaps.push((pos, dir.start));
    }

    let mut budget = GAP_SCAN_BUDGET;
    for (from, to) in gaps {
        let finding = match find_local_header(src, from, to, &mut budget)? {
            Some(at) => Finding::new(
                Code::ArchiveAnomaly,
                Severity::High,
                format!(
                    "a local file header at offset {at} belongs to no central directory entry: \
                     streaming unzippers would extract a file that pip never sees"
                ),
            )
            .with("reason", "hidden-entry")
            .with("offset", at),
            None => Finding::new(
                Code::ArchiveAnomaly,
                Severity::Low,
                format!(
                    "{} bytes at offset {from} belong to no entry (data prepended to the archive, \
                     or left between entries)",
                    to - from
                ),
            )
            .with("reason", "unreferenced-bytes")
            .with("offset", from)
            .with("length", to - from),
        };
        visitor.finding(finding);
    }
    Ok(())
}

/// The offset of the first local header signature in `from..to`, scanning at most
/// `budget` bytes overall.
fn find_local_header(
    src: &mut Source<'_>,
    from: u64,
    to: u64,
    budget: &mut u64,
) -> Result<Option<u64>, WalkError> {
    let to = to.min(from.saturating_add(*budget));
    *budget -= to - from;
    src.seek(SeekFrom::Start(from))?;
    let mut reader = BufReader::new(src.take(to - from));
    let sig = LOCAL_SIG.to_le_bytes();
    let mut window = [0u8; 4];
    let mut pos = from;
    let mut byte = [0u8; 1];
    let mut filled = 0;
    while reader.read(&mut byte)? == 1 {
        window = [window[1], window[2], window[3], byte[0]];
        filled += 1;
        if filled >= 4 && window == sig {
            return Ok(Some(pos - 3));
        }
        pos += 1;
    }
    Ok(None)
}

/// Reads one entry into the visitor; `false` when reading must stop.
fn read_entry(
    src: &mut Source<'_>,
    c: &Central,
    located: &Located,
    meter: &mut Meter,
    visitor: &mut dyn Visitor,
) -> Result<bool, WalkError> {
    let shown = display(&c.name);
    if !c.name_valid {
        visitor.finding(anomaly(
            Severity::High,
            "invalid-name",
            &c.name,
            format!("entry `{shown}` is flagged UTF-8 but is not, so tools decode its name differently; it was not read"),
        ));
        return Ok(true);
    }
    if let Some(unicode) = c.unicode_path.as_deref().filter(|u| *u != c.name) {
        visitor.finding(
            anomaly(
                Severity::High,
                "unicode-path-mismatch",
                &c.name,
                format!(
                    "entry `{shown}` carries a second name `{}` in an Info-ZIP Unicode Path field: \
                     some unzippers use one name and some the other",
                    display(unicode)
                ),
            )
            .with("unicode_path", display(unicode)),
        );
    }
    let readable = !located.overlapping
        && c.flags & FLAG_ENCRYPTED == 0
        && matches!(c.method, STORED | DEFLATED | BZIP2);
    let kind = c.kind();
    let link_target = if kind == EntryKind::Symlink && readable {
        read_link_target(src, c, located)
    } else {
        None
    };
    let entry = Entry {
        name: &c.name,
        kind,
        mode: c.mode(),
        link_target,
    };
    let Some(path) = visitor.entry(&entry) else {
        return Ok(true);
    };
    if !readable {
        if c.flags & FLAG_ENCRYPTED != 0 {
            visitor.finding(anomaly(
                Severity::High,
                "encrypted",
                &c.name,
                format!("entry `{shown}` is encrypted, so its content cannot be checked"),
            ));
        } else if !located.overlapping {
            visitor.finding(
                anomaly(
                    Severity::High,
                    "unsupported-compression",
                    &c.name,
                    format!(
                        "entry `{shown}` uses compression method {}, which provcheck cannot read, \
                         so its content cannot be checked",
                        c.method
                    ),
                )
                .with("method", c.method),
            );
        }
        visitor.skipped(path);
        return Ok(true);
    }
    // Declared sizes can lie, so they only ever refuse early; the meter enforces the limits
    // on what is actually decompressed.
    let limits = &meter.limits;
    let declared = if c.size > limits.max_file_size {
        Some(Exceeded::FileSize)
    } else if c.size > RATIO_FLOOR && c.size > c.compressed.max(1).saturating_mul(limits.max_ratio)
    {
        Some(Exceeded::Ratio)
    } else {
        None
    };
    if let Some(exceeded) = declared {
        visitor.finding(meter.finding(exceeded, &c.name, false));
        visitor.skipped(path);
        return Ok(true);
    }

    let mut content = Vec::with_capacity(c.size.min(MAX_PREALLOC) as usize);
    let file_limit = meter.limits.max_file_size;
    match read_data(src, c, located, meter, Some(&mut content), file_limit)? {
        Ok(Pumped { size, crc }) => {
            if size != c.size {
                return Err(corrupt(format!(
                    "entry `{shown}` holds {size} bytes where the central directory says {}",
                    c.size
                )));
            }
            if crc != c.crc {
                return Err(corrupt(format!("entry `{shown}` fails its CRC-32 check")));
            }
            visitor.content(&entry, path, content);
            Ok(true)
        }
        Err(exceeded) => {
            let stop = exceeded == Exceeded::Total;
            visitor.finding(meter.finding(exceeded, &c.name, stop));
            visitor.skipped(path);
            Ok(!stop)
        }
    }
}

/// A decompressing reader over an entry's data.
fn decoder<'a>(
    src: &mut Source<'a>,
    c: &Central,
    located: &Located,
) -> io::Result<Box<dyn Read + 'a>> {
    src.seek(SeekFrom::Start(located.data_start))?;
    let raw = (*src).take(c.compressed);
    Ok(match c.method {
        DEFLATED => Box::new(flate2::read::DeflateDecoder::new(raw)),
        BZIP2 => Box::new(bzip2::read::BzDecoder::new(raw)),
        _ => Box::new(raw),
    })
}

fn read_data(
    src: &mut Source<'_>,
    c: &Central,
    located: &Located,
    meter: &mut Meter,
    keep: Option<&mut Vec<u8>>,
    file_limit: u64,
) -> Result<Result<Pumped, Exceeded>, WalkError> {
    let in_entry = |e: WalkError| match e {
        WalkError::Corrupt(detail) => corrupt(format!("entry `{}`: {detail}", display(&c.name))),
        io => io,
    };
    let mut reader = decoder(src, c, located).map_err(|e| in_entry(e.into()))?;
    let compressed = c.compressed;
    meter
        .pump(&mut reader, keep, file_limit, &|| compressed)
        .map_err(|e| in_entry(e.into()))
}

/// A symlink's target, only for showing it; `None` when it cannot be read.
fn read_link_target(src: &mut Source<'_>, c: &Central, located: &Located) -> Option<String> {
    let mut target = Vec::new();
    decoder(src, c, located)
        .ok()?
        .take(MAX_LINK_TARGET)
        .read_to_end(&mut target)
        .ok()?;
    Some(String::from_utf8_lossy(&target).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_table_is_complete() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(decode_name(b"caf\x82", 0).0, "café");
        assert_eq!(
            decode_name("café".as_bytes(), FLAG_UTF8),
            ("café".to_owned(), true)
        );
        assert!(!decode_name(b"caf\x82", FLAG_UTF8).1);
    }

    #[test]
    fn extra_fields_are_bounded() {
        assert!(extra_fields(&[1, 0, 9, 0, 1]).is_err());
        assert_eq!(
            extra_fields(&[1, 0, 1, 0, 7, 0xff]).unwrap(),
            vec![(1, &[7u8][..])]
        );
        let mut size = MAX32;
        let mut compressed = 5;
        apply_zip64(&42u64.to_le_bytes(), &mut [&mut size, &mut compressed]).unwrap();
        assert_eq!((size, compressed), (42, 5));
        let mut offset = MAX32;
        assert!(apply_zip64(&[1, 2], &mut [&mut offset]).is_err());
    }
}
