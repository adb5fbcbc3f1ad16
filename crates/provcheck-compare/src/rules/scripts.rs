//! Scripts with rewritten shebangs (PACKAGING.md item 10, rule `script-shebang`): a
//! wheel's `<name>.data/scripts/tool` holds the project's `bin/tool` (or `scripts/tool`,
//! or a file of that name anywhere) with its first line rewritten to `#!python`.
//! Everything after the first line must be identical.

use provcheck_artifact::ArtifactFile;
use provcheck_types::SourceTree;

use crate::classify::{Ctx, Outcome};

const RULE: &str = "script-shebang";
/// Candidates read at most per script.
const MAX_CANDIDATES: usize = 16;

/// The script name of a wheel path `<name>.data/scripts/<script>`.
pub(crate) fn script_name(path: &str) -> Option<&str> {
    let (top, rest) = path.split_once('/')?;
    if !top.ends_with(".data") {
        return None;
    }
    let script = rest.strip_prefix("scripts/")?;
    (!script.is_empty()).then_some(script)
}

/// Tree files that could be the source of `script`: `bin/`, `scripts/` first, then any
/// file with that name.
pub(crate) fn candidates(tree: &SourceTree, script: &str, root: &str) -> Vec<String> {
    let name = script.rsplit('/').next().unwrap_or(script);
    let preferred = [
        format!("{root}bin/{script}"),
        format!("{root}scripts/{script}"),
        format!("{root}{script}"),
    ];
    let mut found: Vec<String> = preferred
        .into_iter()
        .filter(|p| tree.get(p).is_some())
        .collect();
    for (path, _) in tree.entries() {
        if found.len() >= MAX_CANDIDATES {
            break;
        }
        if path.rsplit('/').next() == Some(name) && !found.contains(path) {
            found.push(path.clone());
        }
    }
    found
}

/// A file of the wheel's `scripts` scheme.
pub(super) fn data_script(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Outcome> {
    let script = script_name(&file.path)?;
    if let Some(found) = ctx.relocated_source(file) {
        return Some(Outcome::matched(found));
    }
    let candidates = candidates(ctx.tree(), script, &ctx.project.root);
    let content = ctx.content(file)?;
    let (shebang, rest) = split_first_line(&content);
    if shebang.starts_with(b"#!") {
        for candidate in &candidates {
            let Some(source) = ctx.source_content(candidate) else {
                continue;
            };
            let (source_shebang, source_rest) = split_first_line(&source);
            if source_shebang.starts_with(b"#!") && same_body(source_rest, rest) {
                let mut outcome = Outcome::generated(
                    file,
                    RULE,
                    format!(
                        "{candidate} with its first line rewritten by the wheel builder; the rest is identical"
                    ),
                );
                let evidence = &mut outcome.findings[0].evidence;
                evidence.insert("source_path", candidate.as_str());
                evidence.insert(
                    "source_shebang",
                    String::from_utf8_lossy(source_shebang)
                        .trim_end()
                        .to_owned(),
                );
                evidence.insert(
                    "shebang",
                    String::from_utf8_lossy(shebang).trim_end().to_owned(),
                );
                return Some(outcome.with_source(candidate.clone()));
            }
        }
    }
    Some(match candidates.first() {
        Some(candidate) => ctx.modified(
            file,
            candidate,
            Some("differs beyond its first (shebang) line"),
        ),
        None => ctx.extra(file, None, " (a script the source does not hold)"),
    })
}

fn split_first_line(content: &[u8]) -> (&[u8], &[u8]) {
    match content.iter().position(|&b| b == b'\n') {
        Some(at) => (&content[..at + 1], &content[at + 1..]),
        None => (content, &[]),
    }
}

/// Bodies compare equal, also when the wheel builder normalised CRLF line endings.
fn same_body(source: &[u8], shipped: &[u8]) -> bool {
    if source == shipped {
        return true;
    }
    let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().filter(|&c| c != b'\r').collect() };
    strip(source) == strip(shipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_paths() {
        assert_eq!(script_name("demo-1.0.data/scripts/tool"), Some("tool"));
        assert_eq!(script_name("demo-1.0.data/purelib/x.py"), None);
        assert_eq!(script_name("demo/scripts/tool"), None);
        assert_eq!(
            split_first_line(b"#!python\nx\n"),
            (&b"#!python\n"[..], &b"x\n"[..])
        );
        assert!(same_body(b"a\r\nb\r\n", b"a\nb\n"));
    }
}
