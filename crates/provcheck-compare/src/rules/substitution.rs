//! Version substituted into a tracked file (PACKAGING.md item 7, rule
//! `version-substitution`): a build replaces a version expression with the literal
//! release version (`__version__ = "1.4.0"`), or pdm-backend writes the resolved dynamic
//! version into the sdist's `pyproject.toml` (`dynamic = ["version"]` →
//! `version = "1.4.0"`) and re-serialises the file. The rule is a semantic diff in which
//! only the version changes: TOML documents are compared as values once the version and
//! its `dynamic` entry are set aside; Python files line by line, where every changed line
//! must be an assignment of a version name and every new one a literal of the release's
//! version. Anything else changed is a modification.

use provcheck_artifact::ArtifactFile;
use provcheck_report::TraceStatus;
use provcheck_report::{Code, Finding, Severity};
use provcheck_types::sha256_hex;
use similar::{ChangeTag, TextDiff};

use super::literals::{is_literal_tuple, string_literal};
use crate::classify::{Ctx, Outcome};

const RULE: &str = "version-substitution";

const VERSION_NAMES: &[&str] = &[
    "__version__",
    "version",
    "VERSION",
    "__VERSION__",
    "_version",
    "__version_info__",
    "version_info",
    "VERSION_INFO",
    "__version_tuple__",
    "version_tuple",
];

/// A file whose mapped source path exists with other content.
pub(super) fn explain(ctx: &Ctx<'_>, file: &ArtifactFile, source_path: &str) -> Option<Outcome> {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    if name == "pyproject.toml" {
        return pyproject(ctx, file, source_path);
    }
    if name.ends_with(".py") {
        return python(ctx, file, source_path);
    }
    None
}

fn substituted(file: &ArtifactFile, source_path: &str, message: String, version: &str) -> Outcome {
    Outcome {
        status: TraceStatus::Generated,
        source_path: Some(source_path.to_owned()),
        rule: Some(RULE),
        findings: vec![
            Finding::new(Code::VersionSubstitution, Severity::Info, message)
                .at(&file.path)
                .with("rule", RULE)
                .with("source_path", source_path)
                .with("version", version)
                .with("sha256", sha256_hex(&file.digests.sha256)),
        ],
    }
}

fn pyproject(ctx: &Ctx<'_>, file: &ArtifactFile, source_path: &str) -> Option<Outcome> {
    let shipped = ctx.content(file)?;
    let source = ctx.source_content(source_path)?;
    let mut shipped: toml::Table = toml::from_str(std::str::from_utf8(&shipped).ok()?).ok()?;
    let mut source: toml::Table = toml::from_str(std::str::from_utf8(&source).ok()?).ok()?;
    let release = &ctx.input.artifact.name.version;
    let shipped_version = project_version(&shipped)?;
    let source_version = project_version(&source);
    let source_dynamic = dynamic_has_version(&source);
    // Only a version the source leaves open (or declares differently) was substituted.
    if source_version.as_deref() == Some(shipped_version.as_str()) && !source_dynamic {
        return None;
    }
    if shipped_version.parse::<pep440_rs::Version>().ok().as_ref() != Some(release) {
        return Some(ctx.modified(
            file,
            source_path,
            Some(&format!(
                "[project] version is {shipped_version}, not the release's {release}"
            )),
        ));
    }
    strip_version(&mut shipped);
    strip_version(&mut source);
    if shipped == source {
        return Some(substituted(
            file,
            source_path,
            format!(
                "the build wrote version {shipped_version} into {source_path}'s [project] table; nothing else changed"
            ),
            &shipped_version,
        ));
    }
    let reason = first_difference(
        &toml::Value::Table(source),
        &toml::Value::Table(shipped),
        "",
    )
    .map(|key| format!("besides the version, `{key}` changed"))
    .unwrap_or_else(|| "besides the version, the document changed".to_owned());
    Some(ctx.modified(file, source_path, Some(&reason)))
}

fn project_version(doc: &toml::Table) -> Option<String> {
    doc.get("project")?
        .get("version")?
        .as_str()
        .map(str::to_owned)
}

fn dynamic_has_version(doc: &toml::Table) -> bool {
    doc.get("project")
        .and_then(|p| p.get("dynamic"))
        .and_then(|d| d.as_array())
        .is_some_and(|d| d.iter().any(|v| v.as_str() == Some("version")))
}

/// Removes `[project] version` and `"version"` from `dynamic` (and an empty `dynamic`).
fn strip_version(doc: &mut toml::Table) {
    let Some(project) = doc.get_mut("project").and_then(|p| p.as_table_mut()) else {
        return;
    };
    project.remove("version");
    if let Some(dynamic) = project.get_mut("dynamic").and_then(|d| d.as_array_mut()) {
        dynamic.retain(|v| v.as_str() != Some("version"));
        if dynamic.is_empty() {
            project.remove("dynamic");
        }
    }
}

/// The dotted key of the first difference between two TOML values.
fn first_difference(a: &toml::Value, b: &toml::Value, at: &str) -> Option<String> {
    match (a, b) {
        (toml::Value::Table(a), toml::Value::Table(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(found) = first_difference(x, y, &path) {
                            return Some(found);
                        }
                    }
                    _ => return Some(path),
                }
            }
            None
        }
        _ => (a != b).then(|| at.to_owned()),
    }
}

fn python(ctx: &Ctx<'_>, file: &ArtifactFile, source_path: &str) -> Option<Outcome> {
    let shipped = ctx.content(file)?;
    let source = ctx.source_content(source_path)?;
    let shipped = std::str::from_utf8(&shipped).ok()?;
    let source = std::str::from_utf8(&source).ok()?;
    let release = &ctx.input.artifact.name.version;
    let diff = TextDiff::from_lines(source, shipped);
    let mut added = 0;
    let mut version = None;
    for change in diff.iter_all_changes() {
        let line = change.value().trim();
        match change.tag() {
            ChangeTag::Equal => {}
            ChangeTag::Delete => {
                // Blank lines may go with the expression; anything else must assign a version.
                if !line.is_empty() && assigned_names(line).is_none() {
                    return None;
                }
            }
            ChangeTag::Insert => {
                if line.is_empty() {
                    continue;
                }
                added += 1;
                let (_, value) = assigned_names(line)?;
                if let Some(literal) = string_literal(value) {
                    if literal.parse::<pep440_rs::Version>().ok().as_ref() != Some(release) {
                        return None;
                    }
                    version = Some(literal.to_owned());
                } else if !is_literal_tuple(value) {
                    return None;
                }
            }
        }
    }
    let version = version?;
    if added == 0 {
        return None;
    }
    Some(substituted(
        file,
        source_path,
        format!(
            "the build replaced the version expression in {source_path} with the literal {version}"
        ),
        &version,
    ))
}

/// `__version__ = version = VALUE` → (targets, value) when every target is a version name.
fn assigned_names(line: &str) -> Option<(Vec<&str>, &str)> {
    let parts: Vec<&str> = line.split('=').collect();
    if parts.len() < 2 || line.contains("==") {
        return None;
    }
    let (value, targets) = parts.split_last()?;
    let mut names = Vec::new();
    for target in targets {
        let name = target.split(':').next()?.trim();
        if !VERSION_NAMES.contains(&name) {
            return None;
        }
        names.push(name);
    }
    Some((names, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_assignments() {
        assert_eq!(
            assigned_names("__version__ = version = '1.0'"),
            Some((vec!["__version__", "version"], "'1.0'"))
        );
        assert!(assigned_names("x = 1").is_none());
        assert!(assigned_names("if __version__ == '1'").is_none());
        assert!(is_literal_tuple("(1, 4, 0)"));
        assert!(!is_literal_tuple("(exec('x'),)"));
    }

    #[test]
    fn pyproject_difference_paths() {
        let mut a: toml::Table =
            toml::from_str("[project]\nname='x'\ndynamic=['version']\ndependencies=['a']\n")
                .unwrap();
        let mut b: toml::Table = toml::from_str(
            "[project]\nname = \"x\"\nversion = \"1.0\"\ndependencies = [\n  \"a\",\n]\n",
        )
        .unwrap();
        strip_version(&mut a);
        strip_version(&mut b);
        assert_eq!(a, b);
        let c: toml::Table =
            toml::from_str("[project]\nname='x'\ndependencies=['a', 'evil']\n").unwrap();
        assert_eq!(
            first_difference(&toml::Value::Table(a), &toml::Value::Table(c), ""),
            Some("project.dependencies".to_owned())
        );
    }
}
