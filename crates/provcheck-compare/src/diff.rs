use similar::TextDiff;

/// Bounds on the diffs carried in evidence, so a 7,000-line payload stays readable.
#[derive(Debug, Clone, Copy)]
pub struct DiffLimits {
    /// Most diff lines kept.
    pub max_lines: usize,
    /// Most bytes kept.
    pub max_bytes: usize,
}

impl Default for DiffLimits {
    fn default() -> Self {
        DiffLimits {
            max_lines: 400,
            max_bytes: 32 * 1024,
        }
    }
}

/// The result of diffing two texts.
#[derive(Debug, Clone)]
pub struct TextChange {
    /// The unified diff, possibly truncated (a last line says so).
    pub diff: String,
    /// Lines only in the artifact.
    pub added: usize,
    /// Lines only in the source.
    pub removed: usize,
}

/// A unified diff from the source (`a/`) to the artifact (`b/`), when both are text.
///
/// Returns `None` when either side is not UTF-8 or contains NUL bytes: binary content is
/// described by its hashes instead.
pub fn unified_diff(
    source: &[u8],
    artifact: &[u8],
    source_path: &str,
    artifact_path: &str,
    limits: DiffLimits,
) -> Option<TextChange> {
    let old = text(source)?;
    let new = text(artifact)?;
    let diff = TextDiff::from_lines(old, new);
    let mut added = 0;
    let mut removed = 0;
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let full = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{source_path}"), &format!("b/{artifact_path}"))
        .to_string();
    Some(TextChange {
        diff: truncate(&full, limits),
        added,
        removed,
    })
}

fn text(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

fn truncate(full: &str, limits: DiffLimits) -> String {
    let mut out = String::new();
    let total_lines = full.lines().count();
    for (n, line) in full.lines().enumerate() {
        // Lines of minified or obfuscated payloads can be megabytes long.
        let line = if line.len() > 1000 {
            let mut cut = 1000;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}… ({} more bytes)", &line[..cut], line.len() - cut)
        } else {
            line.to_owned()
        };
        if n >= limits.max_lines || out.len() + line.len() > limits.max_bytes {
            out.push_str(&format!(
                "… diff truncated: {} more lines\n",
                total_lines - n
            ));
            break;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_counts_and_truncates() {
        let old = "a\nb\nc\n";
        let new = "a\nB\nc\nd\n";
        let change = unified_diff(
            old.as_bytes(),
            new.as_bytes(),
            "x.py",
            "x.py",
            DiffLimits::default(),
        )
        .unwrap();
        assert_eq!((change.added, change.removed), (2, 1));
        assert!(change.diff.contains("+B"));
        assert!(change.diff.starts_with("--- a/x.py"));

        let big: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let change = unified_diff(b"", big.as_bytes(), "x", "x", DiffLimits::default()).unwrap();
        assert!(change.diff.contains("diff truncated"));
        assert!(change.diff.lines().count() <= 401);
        assert!(unified_diff(b"\0", b"x", "x", "x", DiffLimits::default()).is_none());
    }
}
