//! A wheel's `RECORD`: every file with its sha256 and size, checked against the wheel.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use provcheck_report::{Code, Finding, Severity};
use provcheck_types::sha256_hex;

use crate::ArtifactFile;
use crate::paths::{components, display};

/// Parses CSV as Python's `csv` module writes it: `,` separated, `"` quoted with `""` for a
/// quote, quoted fields may hold commas and newlines, rows end with `\n` or `\r\n`.
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            // A quote opens a quoted field only at the start of the field.
            '"' if field_start => {
                quoted = true;
                field_start = false;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                field_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                field_start = true;
            }
            _ => {
                field.push(c);
                field_start = false;
            }
        }
    }
    if !field.is_empty() || !row.is_empty() || quoted {
        row.push(field);
        rows.push(row);
    }
    rows
}

struct Listed {
    path: String,
    hash: String,
    size: String,
}

fn record_finding(
    severity: Severity,
    reason: &'static str,
    path: &str,
    message: String,
) -> Finding {
    Finding::new(Code::RecordMismatch, severity, message)
        .at(display(path))
        .with("reason", reason)
}

/// Compares `RECORD` (`None`: absent) with the wheel's files.
///
/// `unread` holds paths of entries that exist but whose content was not read (limits,
/// links): they are reported as archive anomalies already, not as absent.
pub(crate) fn check_record(
    dist_info: Option<&str>,
    record: Option<&[u8]>,
    files: &[ArtifactFile],
    unread: &HashSet<String>,
) -> Vec<Finding> {
    let record_path = dist_info.map(|d| format!("{d}/RECORD"));
    let Some(record) = record else {
        let mut finding = Finding::new(
            Code::RecordMismatch,
            Severity::High,
            "the wheel has no RECORD, so nothing vouches for its files; every wheel installer writes one",
        )
        .with("reason", "no-record");
        if let Some(path) = &record_path {
            finding = finding.at(path.clone());
        }
        return vec![finding];
    };
    let record_path = record_path.unwrap_or_default();
    let exempt = [
        record_path.clone(),
        format!("{record_path}.jws"),
        format!("{record_path}.p7s"),
    ];

    let mut findings = Vec::new();
    let mut listed: Vec<Listed> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in parse_csv(&String::from_utf8_lossy(record)) {
        let raw = row.first().map(String::as_str).unwrap_or("");
        if raw.is_empty() || raw.ends_with('/') {
            continue;
        }
        let path = match components(raw) {
            Ok(parts) if !parts.is_empty() => parts.join("/"),
            Ok(_) => continue,
            Err(why) => {
                findings.push(
                    record_finding(
                        Severity::High,
                        "unsafe-path",
                        raw,
                        format!(
                            "RECORD lists `{}`, an unsafe path ({}) that an installer could write outside its folder",
                            display(raw),
                            why.reason()
                        ),
                    )
                    .with("entry", display(raw)),
                );
                continue;
            }
        };
        if index.contains_key(&path) {
            continue;
        }
        index.insert(path.clone(), listed.len());
        listed.push(Listed {
            path,
            hash: row.get(1).cloned().unwrap_or_default(),
            size: row.get(2).cloned().unwrap_or_default(),
        });
    }

    let mut present = HashSet::with_capacity(files.len());
    for file in files {
        present.insert(file.path.as_str());
        if exempt.contains(&file.path) {
            continue;
        }
        let Some(&at) = index.get(&file.path) else {
            findings.push(record_finding(
                Severity::High,
                "unlisted-file",
                &file.path,
                format!(
                    "`{}` is in the wheel but not in its RECORD: added after the wheel was built",
                    display(&file.path)
                ),
            ));
            continue;
        };
        findings.extend(check_row(&listed[at], file));
    }
    for row in &listed {
        if !present.contains(row.path.as_str())
            && !unread.contains(&row.path)
            && !exempt.contains(&row.path)
        {
            findings.push(record_finding(
                Severity::Medium,
                "missing-file",
                &row.path,
                format!(
                    "RECORD lists `{}` but the wheel does not contain it",
                    display(&row.path)
                ),
            ));
        }
    }
    findings
}

fn check_row(row: &Listed, file: &ArtifactFile) -> Vec<Finding> {
    let mut findings = Vec::new();
    let shown = display(&file.path);
    let actual = sha256_hex(&file.digests.sha256);
    match row.hash.split_once('=') {
        _ if row.hash.is_empty() => findings.push(record_finding(
            Severity::High,
            "missing-hash",
            &file.path,
            format!("RECORD lists `{shown}` without a hash, so nothing vouches for its content"),
        )),
        Some(("sha256", digest)) => match decode_digest(digest) {
            Some(recorded) if recorded == file.digests.sha256 => {}
            Some(recorded) => findings.push(
                record_finding(
                    Severity::High,
                    "hash-mismatch",
                    &file.path,
                    format!(
                        "`{shown}` differs from the sha256 its RECORD gives: the file was changed after the wheel was built"
                    ),
                )
                .with("recorded_sha256", hex::encode(recorded))
                .with("actual_sha256", actual),
            ),
            None => findings.push(
                record_finding(
                    Severity::High,
                    "bad-hash",
                    &file.path,
                    format!("RECORD gives `{shown}` a hash that is not valid base64"),
                )
                .with("recorded", row.hash.clone())
                .with("actual_sha256", actual),
            ),
        },
        Some((algorithm, _)) => findings.push(
            record_finding(
                Severity::Medium,
                "unchecked-hash",
                &file.path,
                format!(
                    "RECORD gives `{shown}` a {} hash, which provcheck does not check",
                    display(algorithm)
                ),
            )
            .with("algorithm", display(algorithm)),
        ),
        None => findings.push(
            record_finding(
                Severity::High,
                "bad-hash",
                &file.path,
                format!("RECORD gives `{shown}` a hash without an algorithm"),
            )
            .with("recorded", row.hash.clone()),
        ),
    }
    if !row.size.is_empty() {
        match row.size.trim().parse::<u64>() {
            Ok(size) if size == file.size => {}
            Ok(size) => findings.push(
                record_finding(
                    Severity::High,
                    "size-mismatch",
                    &file.path,
                    format!(
                        "`{shown}` holds {} bytes where its RECORD says {size}",
                        file.size
                    ),
                )
                .with("recorded_size", size)
                .with("actual_size", file.size),
            ),
            Err(_) => findings.push(
                record_finding(
                    Severity::High,
                    "bad-size",
                    &file.path,
                    format!("RECORD gives `{shown}` a size that is not a number"),
                )
                .with("recorded", row.size.clone()),
            ),
        }
    }
    findings
}

/// RECORD digests are urlsafe base64 without padding; tolerate padding and the standard
/// alphabet, which some old tools wrote.
fn decode_digest(digest: &str) -> Option<[u8; 32]> {
    let digest = digest.trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD
        .decode(digest)
        .or_else(|_| STANDARD_NO_PAD.decode(digest))
        .ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_like_python() {
        let rows = parse_csv("a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\n\"multi\nline\",1,2\nlast");
        assert_eq!(
            rows,
            vec![
                vec!["a", "b", "c"],
                vec!["x,y", "say \"hi\"", ""],
                vec!["multi\nline", "1", "2"],
                vec!["last"],
            ]
        );
        assert!(parse_csv("").is_empty());
        assert_eq!(parse_csv("a\"b,c\n"), vec![vec!["a\"b", "c"]]);
    }

    #[test]
    fn digests() {
        let d = [0xfbu8; 32];
        let url = URL_SAFE_NO_PAD.encode(d);
        assert_eq!(decode_digest(&url), Some(d));
        assert_eq!(decode_digest(&format!("{url}=")), Some(d));
        assert_eq!(
            decode_digest(&base64::engine::general_purpose::STANDARD.encode(d)),
            Some(d)
        );
        assert_eq!(decode_digest("abc"), None);
    }
}
