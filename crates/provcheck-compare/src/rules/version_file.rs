//! Version files written from git at build time (PACKAGING.md item 6): setuptools-scm
//! (`version_file`/`write_to`), hatch-vcs (`version-file`), pdm (`write_to`), versioneer.
//!
//! The rule proves three things before it explains such a file: the source configures
//! this path (or its build code names it), the content is the generator's template —
//! inert assignments, no calls — and the version it records is the release's. A
//! `+gHASH` local version names the commit the build ran on; it is recorded as evidence.

use provcheck_artifact::ArtifactFile;
use provcheck_report::{Code, Finding, Severity};

use super::literals::{is_literal_tuple, string_literal};
use crate::classify::{Ctx, Outcome};

const RULE: &str = "scm-version-file";

/// What a generated version module records.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionModule {
    /// The version it assigns to `__version__`/`version`.
    pub version: String,
    /// The commit it names: `commit_id`, versioneer's `full-revisionid`, or the hash of
    /// a `+gHASH` local version (possibly abbreviated).
    pub commit: Option<String>,
    /// Which tool's template it is.
    pub generator: &'static str,
}

/// Explains a Python file the commit does not hold (or holds with other content, for
/// versioneer) as a generated version file.
pub(super) fn explain(ctx: &Ctx<'_>, file: &ArtifactFile, source_path: &str) -> Option<Outcome> {
    if !file.path.ends_with(".py") {
        return None;
    }
    let content = ctx.content(file)?;
    let text = std::str::from_utf8(&content).ok()?;
    let module = inspect(text).ok()?;
    let configured_by = configured_by(ctx, source_path)?;
    let release = &ctx.input.artifact.name.version;
    let recorded: Option<pep440_rs::Version> = module.version.parse().ok();
    if recorded.as_ref() != Some(release) {
        let finding = Finding::new(
            Code::MetadataMismatch,
            Severity::High,
            format!(
                "the version file records version {} but the release is {release}",
                module.version
            ),
        )
        .at(&file.path)
        .with("rule", RULE)
        .with("recorded_version", module.version.as_str());
        let mut outcome = Outcome::generated(file, RULE, "a version file written at build time");
        outcome.findings.push(finding);
        return Some(outcome.with_source(source_path));
    }
    let mut outcome = Outcome::generated(
        file,
        RULE,
        format!(
            "version file written by {} at build time (configured in {configured_by}), recording version {}",
            module.generator, module.version
        ),
    );
    let evidence = &mut outcome.findings[0].evidence;
    evidence.insert("configured_by", configured_by.as_str());
    evidence.insert("version", module.version.as_str());
    evidence.insert("generator", module.generator);
    if let Some(commit) = &module.commit {
        evidence.insert("commit_hint", commit.as_str());
    }
    Some(outcome.with_source(source_path))
}

/// Whether the source configures `source_path` as a version file: then this rule alone
/// judges it, and nothing else may explain it.
pub(super) fn is_configured(ctx: &Ctx<'_>, source_path: &str) -> bool {
    source_path.ends_with(".py") && configured_by(ctx, source_path).is_some()
}

/// Where the source configures `source_path` as a version file, searching the project
/// roots above it (the folder holding `pyproject.toml`, `setup.cfg` or `setup.py`).
fn configured_by(ctx: &Ctx<'_>, source_path: &str) -> Option<String> {
    let mut roots = vec![String::new()];
    let mut folder = source_path;
    while let Some((parent, _)) = folder.rsplit_once('/') {
        roots.push(format!("{parent}/"));
        folder = parent;
    }
    for root in roots {
        let relative = &source_path[root.len()..];
        if let Some(text) = ctx.source_text(&format!("{root}pyproject.toml"))
            && let Some(key) = pyproject_configures(&text, relative)
        {
            return Some(format!("{root}pyproject.toml {key}"));
        }
        if let Some(text) = ctx.source_text(&format!("{root}setup.cfg"))
            && setup_cfg_configures(&text, relative)
        {
            return Some(format!("{root}setup.cfg [versioneer]"));
        }
        if let Some(text) = ctx.source_text(&format!("{root}setup.py"))
            && (text.contains(&format!("\"{relative}\""))
                || text.contains(&format!("'{relative}'")))
        {
            return Some(format!("{root}setup.py"));
        }
    }
    None
}

/// The pyproject key that writes `relative` (relative to the project root), if any.
fn pyproject_configures(text: &str, relative: &str) -> Option<&'static str> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    let tool = doc.get("tool")?.as_table()?;
    let get = |path: &[&str]| -> Option<String> {
        let mut value = tool.get(path[0])?;
        for key in &path[1..] {
            value = value.as_table()?.get(*key)?;
        }
        value.as_str().map(str::to_owned)
    };
    let candidates: [(&[&str], &'static str); 6] = [
        (
            &["setuptools_scm", "version_file"],
            "[tool.setuptools_scm] version_file",
        ),
        (
            &["setuptools_scm", "write_to"],
            "[tool.setuptools_scm] write_to",
        ),
        (
            &["hatch", "build", "hooks", "vcs", "version-file"],
            "[tool.hatch.build.hooks.vcs] version-file",
        ),
        (
            &["hatch", "version", "raw-options", "write_to"],
            "[tool.hatch.version.raw-options] write_to",
        ),
        (
            &["pdm", "version", "write_to"],
            "[tool.pdm.version] write_to",
        ),
        (
            &["pdm", "build", "version_file"],
            "[tool.pdm.build] version_file",
        ),
    ];
    for (path, key) in candidates {
        if let Some(configured) = get(path) {
            let configured = configured.trim_start_matches("./");
            // pdm writes relative to the package folder (`src/` when it exists).
            if configured == relative || format!("src/{configured}") == relative {
                return Some(key);
            }
        }
    }
    None
}

/// versioneer: `[versioneer] versionfile_source`/`versionfile_build` in setup.cfg.
fn setup_cfg_configures(text: &str, relative: &str) -> bool {
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[versioneer]";
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let key = key.trim();
            if (key == "versionfile_source" || key == "versionfile_build")
                && value.trim() == relative
            {
                return true;
            }
        }
    }
    false
}

/// Reads a version module, or says why it is not an inert generated one.
pub fn inspect(text: &str) -> Result<VersionModule, String> {
    if text.contains("# END VERSION_JSON") {
        return inspect_versioneer(text);
    }
    let generator = if text.contains("setuptools_scm") || text.contains("setuptools-scm") {
        "setuptools-scm"
    } else if text.contains("vcs-versioning") {
        "vcs-versioning (setuptools-scm)"
    } else if text.contains("hatch") {
        "hatch-vcs"
    } else if text.contains("pdm") {
        "pdm"
    } else {
        "a version-file generator"
    };
    let mut version = None;
    let mut commit = None;
    for (n, line) in logical_lines(text) {
        let line = line.as_str();
        if line.is_empty() || is_inert_statement(line) {
            continue;
        }
        let Some((targets, value)) = assignment(line) else {
            return Err(format!(
                "line {} is code, not a generated assignment: {line}",
                n + 1
            ));
        };
        if let Some(literal) = string_literal(value) {
            if targets
                .iter()
                .any(|t| *t == "__version__" || *t == "version")
            {
                version = Some(literal.to_owned());
            } else if targets
                .iter()
                .any(|t| *t == "commit_id" || *t == "__commit_id__")
            {
                commit = Some(literal.trim_start_matches('g').to_owned());
            }
        } else if !(is_literal_tuple(value) || value == "None" || is_type_expression(value)) {
            return Err(format!("line {} assigns a computed value: {line}", n + 1));
        }
    }
    let version = version.ok_or("no `__version__ = '…'` assignment")?;
    if commit.is_none() {
        commit = version
            .split_once("+g")
            .map(|(_, hash)| hash.split('.').next().unwrap_or(hash).to_owned());
    }
    Ok(VersionModule {
        version,
        commit,
        generator,
    })
}

fn inspect_versioneer(text: &str) -> Result<VersionModule, String> {
    let start = text
        .find("version_json = '''")
        .ok_or("no version_json block")?;
    let end = text
        .find("'''  # END VERSION_JSON")
        .ok_or("no end of version_json")?;
    let json = &text[start + "version_json = '''".len()..end];
    let code: Vec<&str> = text[..start]
        .lines()
        .chain(text[end..].lines().skip(1))
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if code
        != [
            "import json",
            "def get_versions():",
            "return json.loads(version_json)",
        ]
    {
        return Err("not versioneer's generated template".to_owned());
    }
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("version_json is not JSON: {e}"))?;
    Ok(VersionModule {
        version: value["version"].as_str().ok_or("no version")?.to_owned(),
        commit: value["full-revisionid"].as_str().map(str::to_owned),
        generator: "versioneer",
    })
}

/// The statements of a module with comments stripped, a bracketed expression spanning
/// several lines (`__all__ = [` … `]`) joined into one, numbered by their first line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut depth = 0i32;
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if depth > 0 {
            if let Some((_, joined)) = out.last_mut() {
                joined.push_str(line);
            }
        } else {
            out.push((n, line.to_owned()));
        }
        depth += line.matches(['[', '(']).count() as i32 - line.matches([']', ')']).count() as i32;
        // A line with more closing than opening brackets is not a generated template.
        depth = depth.max(0);
    }
    out
}

fn strip_comment(line: &str) -> &str {
    // Generated templates never put `#` inside strings.
    line.split('#').next().unwrap_or("")
}

/// Imports of typing names, `TYPE_CHECKING` scaffolding, `__all__` and annotations.
fn is_inert_statement(line: &str) -> bool {
    if matches!(
        line,
        "if TYPE_CHECKING:" | "else:" | "TYPE_CHECKING = False"
    ) {
        return true;
    }
    for prefix in ["from typing import ", "from __future__ import "] {
        if let Some(names) = line.strip_prefix(prefix) {
            return names
                .chars()
                .all(|c| c.is_alphanumeric() || "_, ()".contains(c));
        }
    }
    if line == "import typing" {
        return true;
    }
    if let Some(items) = line
        .strip_prefix("__all__ = [")
        .and_then(|l| l.trim_end().strip_suffix(']'))
    {
        return items
            .split(',')
            .map(str::trim)
            .all(|item| item.is_empty() || string_literal(item).is_some());
    }
    // `version: str`, `__version_tuple__: VERSION_TUPLE`
    if let Some((name, annotation)) = line.split_once(':') {
        return is_identifier(name.trim())
            && !line.contains('=')
            && is_type_expression(annotation.trim());
    }
    false
}

/// `a = b = VALUE` (targets may carry annotations) → (targets, value).
fn assignment(line: &str) -> Option<(Vec<&str>, &str)> {
    let parts: Vec<&str> = line.split(" = ").collect();
    if parts.len() < 2 {
        return None;
    }
    let (value, targets) = parts.split_last()?;
    let mut names = Vec::new();
    for target in targets {
        let name = target.split(':').next()?.trim();
        if !is_identifier(name) {
            return None;
        }
        names.push(name);
    }
    Some((names, value.trim()))
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Type expressions and constants: names, subscripts, unions; no calls.
fn is_type_expression(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "_.,[] |".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCM: &str = "# file generated by setuptools_scm\n# don't change, don't track in version control\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Tuple, Union\n    VERSION_TUPLE = Tuple[Union[int, str], ...]\nelse:\n    VERSION_TUPLE = object\n\nversion: str\n__version__: str\n__version_tuple__: VERSION_TUPLE\nversion_tuple: VERSION_TUPLE\n\n__version__ = version = '8.3.4'\n__version_tuple__ = version_tuple = (8, 3, 4)\n";

    #[test]
    fn setuptools_scm_template_is_inert() {
        let module = inspect(SCM).unwrap();
        assert_eq!(module.version, "8.3.4");
        assert_eq!(module.generator, "setuptools-scm");
        assert_eq!(module.commit, None);
    }

    #[test]
    fn newer_template_with_commit_id() {
        let text = "__all__ = [\"__version__\", \"version\", \"commit_id\"]\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Tuple\n    from typing import Union\n    VERSION_TUPLE = Tuple[Union[int, str], ...]\n    COMMIT_ID = Union[str, None]\nelse:\n    VERSION_TUPLE = object\n    COMMIT_ID = object\ncommit_id: COMMIT_ID\n__version__ = version = '1.2.dev3+g1a2b3c4'\n__version_tuple__ = version_tuple = (1, 2, 'dev3', 'g1a2b3c4')\n__commit_id__ = commit_id = 'g1a2b3c4'\n";
        let module = inspect(text).unwrap();
        assert_eq!(module.version, "1.2.dev3+g1a2b3c4");
        assert_eq!(module.commit.as_deref(), Some("1a2b3c4"));
    }

    #[test]
    fn code_in_a_version_file_is_not_explained() {
        let evil = format!("{SCM}import os\n");
        assert!(inspect(&evil).is_err());
        let evil = format!("{SCM}__version__ = version = __import__('os').system('id')\n");
        assert!(inspect(&evil).is_err());
        let evil = SCM.replace("(8, 3, 4)", "(exec('x'),)");
        assert!(inspect(&evil).is_err());
    }

    #[test]
    fn vcs_versioning_template() {
        let text = "# file generated by vcs-versioning\n# don't change, don't track in version control\nfrom __future__ import annotations\n\n__all__ = [\n    \"__version__\",\n    \"__version_tuple__\",\n    \"version\",\n    \"version_tuple\",\n    \"__commit_id__\",\n    \"commit_id\",\n]\n\nversion: str\n__version__: str\n__version_tuple__: tuple[int | str, ...]\nversion_tuple: tuple[int | str, ...]\ncommit_id: str | None\n__commit_id__: str | None\n\n__version__ = version = '9.1.1'\n__version_tuple__ = version_tuple = (9, 1, 1)\n\n__commit_id__ = commit_id = None\n";
        let module = inspect(text).unwrap();
        assert_eq!(module.version, "9.1.1");
        assert_eq!(module.commit, None);
        let evil = text.replace(
            "    \"commit_id\",\n]",
            "    \"commit_id\",\n] + [exec('x')]",
        );
        assert!(inspect(&evil).is_err());
    }

    #[test]
    fn versioneer_template() {
        let text = "\n# This file was generated by 'versioneer.py' (0.29) from\n# revision-control system data.\n\nimport json\n\nversion_json = '''\n{\n \"date\": \"2024-01-01T00:00:00+0000\",\n \"dirty\": false,\n \"error\": null,\n \"full-revisionid\": \"0123456789abcdef0123456789abcdef01234567\",\n \"version\": \"2.1.0\"\n}\n'''  # END VERSION_JSON\n\n\ndef get_versions():\n    return json.loads(version_json)\n";
        let module = inspect(text).unwrap();
        assert_eq!(module.version, "2.1.0");
        assert_eq!(module.generator, "versioneer");
        let evil = text.replace(
            "return json.loads(version_json)",
            "return exec(version_json)",
        );
        assert!(inspect(&evil).is_err());
    }

    #[test]
    fn pyproject_keys() {
        assert_eq!(
            pyproject_configures(
                "[tool.setuptools_scm]\nwrite_to = \"src/_pytest/_version.py\"\n",
                "src/_pytest/_version.py"
            ),
            Some("[tool.setuptools_scm] write_to")
        );
        assert_eq!(
            pyproject_configures(
                "[tool.hatch.build.hooks.vcs]\nversion-file = \"src/x/_v.py\"\n",
                "src/x/_v.py"
            ),
            Some("[tool.hatch.build.hooks.vcs] version-file")
        );
        assert_eq!(
            pyproject_configures("[tool.setuptools_scm]\nwrite_to = \"a.py\"\n", "b.py"),
            None
        );
    }
}
