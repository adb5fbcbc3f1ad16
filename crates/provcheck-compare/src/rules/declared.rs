//! Metadata consistency (PACKAGING.md item 1, rule `declared-metadata`): the
//! dependencies and entry points a built artifact advertises must be those the source
//! declares. An added `Requires-Dist` or console script is how a tampered release pulls in
//! or runs code without touching a single module.
//!
//! Declarations are read statically from the project's `pyproject.toml` (`[project]`,
//! `[tool.poetry]` by name only, legacy `[tool.flit.metadata]`) or `setup.cfg`
//! (`[options]`); what `setup.py` or `dynamic` computes cannot be checked, and that is
//! said with an `info` finding. Requirements are compared semantically (PEP 503 names,
//! PEP 685 extras, parsed specifiers and markers), never as strings.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep508_rs::marker::{MarkerExpression, MarkerTree, MarkerValueExtra};
use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};
use provcheck_artifact::{ArtifactFile, ArtifactKind};
use provcheck_report::{Code, Finding, Severity};

use super::project::{Project, tool};
use crate::classify::Ctx;

const RULE: &str = "declared-metadata";

/// A declaration read from the source, or why it could not be.
#[derive(Debug, Clone)]
enum Decl<T> {
    Static(T),
    Dynamic(String),
}

/// Requirements by extra (`None`: the base dependencies), as written in the source.
type Groups = BTreeMap<Option<ExtraName>, Vec<String>>;
/// Entry points: group → name → object reference.
type EntryPoints = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug)]
struct Declared {
    /// Where the declarations were read (`pyproject.toml [project]`).
    at: String,
    base: Decl<Vec<String>>,
    extras: Decl<Groups>,
    entry_points: Decl<EntryPoints>,
    /// Whether only dependency names can be compared (poetry's own constraint syntax).
    names_only: bool,
    version: Option<String>,
}

/// The consistency findings for one artifact.
pub(crate) fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    let project = ctx.project;
    let Some(declared) = declared(project) else {
        return Vec::new();
    };
    let artifact = ctx.input.artifact;
    let mut findings = Vec::new();
    let (metadata_path, metadata) = match ctx.kind() {
        ArtifactKind::Wheel => match &artifact.dist_info {
            Some(dist) => (format!("{dist}/METADATA"), artifact.metadata.as_ref()),
            None => return findings,
        },
        ArtifactKind::Sdist => ("PKG-INFO".to_owned(), artifact.metadata.as_ref()),
    };
    if let Some(metadata) = metadata {
        let requirements: Vec<&str> = metadata.get_all("Requires-Dist");
        // An sdist's PKG-INFO may leave dependencies out; only what it lists is checked.
        let complete = ctx.kind() == ArtifactKind::Wheel;
        findings.extend(compare_requirements(
            &declared,
            &requirements,
            &metadata_path,
            "Requires-Dist",
            complete,
        ));
        if let (Some(static_version), Some(version)) = (&declared.version, &metadata.version)
            && static_version.parse::<pep440_rs::Version>().ok()
                != version.parse::<pep440_rs::Version>().ok()
        {
            // The artifact's own name and version are checked against its file name; this
            // says the commit is probably not the one the build ran on (a tag placed before
            // the version bump), which content comparison judges on its own.
            findings.push(
                Finding::new(
                    Code::MetadataMismatch,
                    Severity::Low,
                    format!(
                        "{metadata_path} says version {version} but {} at this commit declares version {static_version}; the build probably ran on another commit",
                        declared.at
                    ),
                )
                .at(&metadata_path)
                .with("rule", RULE)
                .with("field", "Version")
                .with("declared_in", declared.at.as_str())
                .with("declared", static_version.as_str())
                .with("shipped", version.as_str()),
            );
        }
    }
    // Entry points: the wheel's, or setuptools' egg-info copy in an sdist.
    let entry_files: Vec<&ArtifactFile> = artifact
        .files
        .iter()
        .filter(|file| match ctx.kind() {
            ArtifactKind::Wheel => artifact
                .dist_info
                .as_ref()
                .is_some_and(|dist| file.path == format!("{dist}/entry_points.txt")),
            ArtifactKind::Sdist => file.path.ends_with(".egg-info/entry_points.txt"),
        })
        .collect();
    for file in entry_files {
        let Some(content) = ctx.content(file) else {
            continue;
        };
        let shipped = parse_entry_points(&String::from_utf8_lossy(&content));
        findings.extend(compare_entry_points(&declared, &shipped, &file.path));
    }
    // setuptools' requires.txt in an sdist: the same requirements in its own format.
    if ctx.kind() == ArtifactKind::Sdist {
        for file in artifact
            .files
            .iter()
            .filter(|f| f.path.ends_with(".egg-info/requires.txt"))
        {
            let Some(content) = ctx.content(file) else {
                continue;
            };
            let requirements = parse_requires_txt(&String::from_utf8_lossy(&content));
            let refs: Vec<&str> = requirements.iter().map(String::as_str).collect();
            findings.extend(compare_requirements(
                &declared,
                &refs,
                &file.path,
                "requires.txt",
                false,
            ));
        }
    }
    findings
}

/// What the project declares statically, or `None` when it has no configuration at all.
fn declared(project: &Project) -> Option<Declared> {
    if let Some(doc) = &project.pyproject {
        if let Some(table) = doc.get("project").and_then(|p| p.as_table()) {
            return Some(from_pep621(table, &project.path("pyproject.toml")));
        }
        if let Some(poetry) = tool(doc, &["poetry"]).and_then(|p| p.as_table())
            && poetry.contains_key("name")
        {
            return Some(from_poetry(poetry, &project.path("pyproject.toml")));
        }
        if let Some(flit) = tool(doc, &["flit", "metadata"]).and_then(|p| p.as_table()) {
            return Some(from_flit(doc, flit, &project.path("pyproject.toml")));
        }
    }
    if let Some(ini) = &project.setup_cfg
        && (ini.contains_key("metadata") || ini.contains_key("options"))
    {
        return Some(from_setup_cfg(
            ini,
            project.setup_py.as_deref(),
            &project.path("setup.cfg"),
        ));
    }
    if project.setup_py.is_some() {
        let why = format!(
            "declared by {}, which provcheck does not run",
            project.path("setup.py")
        );
        return Some(Declared {
            at: project.path("setup.py"),
            base: Decl::Dynamic(why.clone()),
            extras: Decl::Dynamic(why.clone()),
            entry_points: Decl::Dynamic(why),
            names_only: false,
            version: None,
        });
    }
    None
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn string_table(value: Option<&toml::Value>) -> BTreeMap<String, String> {
    value
        .and_then(|v| v.as_table())
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn extra_name(name: &str) -> Option<ExtraName> {
    ExtraName::from_str(name.trim()).ok()
}

/// PEP 621 `[project]`.
fn from_pep621(project: &toml::Table, path: &str) -> Declared {
    let at = format!("{path} [project]");
    let dynamic = strings(project.get("dynamic"));
    let is_dynamic = |field: &str| dynamic.iter().any(|d| d == field);
    let why = |field: &str| format!("{field} is listed in `dynamic` in {path}");
    let base = if is_dynamic("dependencies") {
        Decl::Dynamic(why("dependencies"))
    } else {
        Decl::Static(strings(project.get("dependencies")))
    };
    let extras = if is_dynamic("optional-dependencies") {
        Decl::Dynamic(why("optional-dependencies"))
    } else {
        let mut groups = Groups::new();
        if let Some(table) = project
            .get("optional-dependencies")
            .and_then(|v| v.as_table())
        {
            for (extra, reqs) in table {
                groups.insert(extra_name(extra), strings(Some(reqs)));
            }
        }
        Decl::Static(groups)
    };
    let entry_points = match ["scripts", "gui-scripts", "entry-points"]
        .into_iter()
        .find(|f| is_dynamic(f))
    {
        Some(field) => Decl::Dynamic(why(field)),
        None => {
            let mut groups = EntryPoints::new();
            groups.insert(
                "console_scripts".into(),
                string_table(project.get("scripts")),
            );
            groups.insert(
                "gui_scripts".into(),
                string_table(project.get("gui-scripts")),
            );
            if let Some(table) = project.get("entry-points").and_then(|v| v.as_table()) {
                for (group, entries) in table {
                    groups.insert(group.clone(), string_table(Some(entries)));
                }
            }
            Decl::Static(groups)
        }
    };
    let version = (!is_dynamic("version"))
        .then(|| project.get("version")?.as_str().map(str::to_owned))
        .flatten();
    Declared {
        at,
        base,
        extras,
        entry_points,
        names_only: false,
        version,
    }
}

/// poetry's `[tool.poetry]`: its constraint syntax (`^1.2`) is not PEP 508, so only the
/// names of dependencies are compared.
fn from_poetry(poetry: &toml::Table, path: &str) -> Declared {
    let at = format!("{path} [tool.poetry]");
    let mut base = Vec::new();
    let mut optional = BTreeSet::new();
    if let Some(deps) = poetry.get("dependencies").and_then(|d| d.as_table()) {
        for (name, spec) in deps {
            if name == "python" {
                continue;
            }
            let is_optional = spec
                .as_table()
                .and_then(|t| t.get("optional"))
                .and_then(|o| o.as_bool())
                .unwrap_or(false)
                || spec.as_array().is_some_and(|alternatives| {
                    alternatives
                        .iter()
                        .any(|a| a.get("optional").and_then(|o| o.as_bool()).unwrap_or(false))
                });
            if is_optional {
                optional.insert(name.clone());
            } else {
                base.push(name.clone());
            }
        }
    }
    let mut extras = Groups::new();
    if let Some(table) = poetry.get("extras").and_then(|e| e.as_table()) {
        for (extra, names) in table {
            extras.insert(extra_name(extra), strings(Some(names)));
        }
    }
    let mut groups = EntryPoints::new();
    if let Some(scripts) = poetry.get("scripts").and_then(|s| s.as_table()) {
        let console = groups.entry("console_scripts".into()).or_default();
        for (name, target) in scripts {
            let reference = match target {
                toml::Value::String(s) => Some(s.clone()),
                toml::Value::Table(t) if t.get("type").and_then(|v| v.as_str()) != Some("file") => {
                    t.get("reference")
                        .or_else(|| t.get("callable"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                }
                _ => None,
            };
            if let Some(reference) = reference {
                console.insert(name.clone(), reference);
            }
        }
    }
    if let Some(plugins) = poetry.get("plugins").and_then(|p| p.as_table()) {
        for (group, entries) in plugins {
            groups.insert(group.clone(), string_table(Some(entries)));
        }
    }
    Declared {
        at,
        base: Decl::Static(base),
        extras: Decl::Static(extras),
        entry_points: Decl::Static(groups),
        names_only: true,
        version: None,
    }
}

/// flit's legacy `[tool.flit.metadata]`.
fn from_flit(doc: &toml::Table, flit: &toml::Table, path: &str) -> Declared {
    let mut extras = Groups::new();
    if let Some(table) = flit.get("requires-extra").and_then(|v| v.as_table()) {
        for (extra, reqs) in table {
            extras.insert(extra_name(extra), strings(Some(reqs)));
        }
    }
    let mut groups = EntryPoints::new();
    groups.insert(
        "console_scripts".into(),
        string_table(tool(doc, &["flit", "scripts"])),
    );
    if let Some(table) = tool(doc, &["flit", "entrypoints"]).and_then(|v| v.as_table()) {
        for (group, entries) in table {
            groups.insert(group.clone(), string_table(Some(entries)));
        }
    }
    Declared {
        at: format!("{path} [tool.flit.metadata]"),
        base: Decl::Static(strings(flit.get("requires"))),
        extras: Decl::Static(extras),
        entry_points: Decl::Static(groups),
        names_only: false,
        version: None,
    }
}

/// setuptools' declarative `setup.cfg`; a `setup.py` that passes the same keyword
/// overrides it, so then the field is dynamic.
fn from_setup_cfg(ini: &super::setup_cfg::Ini, setup_py: Option<&str>, path: &str) -> Declared {
    let options = ini.get("options");
    let in_setup_py = |keyword: &str| setup_py.is_some_and(|text| text.contains(keyword));
    fn dynamic<T>(keyword: &str, why: &str) -> Decl<T> {
        Decl::Dynamic(format!("{keyword} {why}"))
    }
    let base = match options.and_then(|o| o.get("install_requires")) {
        _ if in_setup_py("install_requires") => {
            dynamic("install_requires", "is passed to setup() in setup.py")
        }
        Some(value) if value.trim_start().starts_with("file:") => {
            dynamic("install_requires", &format!("is read from a file ({path})"))
        }
        Some(value) => Decl::Static(cfg_list(value)),
        None => Decl::Static(Vec::new()),
    };
    let extras = if in_setup_py("extras_require") {
        dynamic("extras_require", "is passed to setup() in setup.py")
    } else {
        let mut groups = Groups::new();
        for (key, value) in ini.get("options.extras_require").into_iter().flatten() {
            // `extra:marker` keys add a marker to every requirement of the extra.
            let (extra, marker) = key.split_once(':').unwrap_or((key, ""));
            let group = (!extra.trim().is_empty())
                .then(|| extra_name(extra))
                .flatten();
            let reqs = cfg_list(value).into_iter().map(|req| {
                if marker.trim().is_empty() {
                    req
                } else if req.contains(';') {
                    format!("{req} and ({marker})")
                } else {
                    format!("{req}; {marker}")
                }
            });
            groups.entry(group).or_default().extend(reqs);
        }
        Decl::Static(groups)
    };
    let entry_points = if in_setup_py("entry_points") {
        dynamic("entry_points", "is passed to setup() in setup.py")
    } else if options
        .and_then(|o| o.get("entry_points"))
        .is_some_and(|v| v.trim_start().starts_with("file:"))
    {
        dynamic("entry_points", &format!("is read from a file ({path})"))
    } else {
        let mut groups = EntryPoints::new();
        for (group, value) in ini.get("options.entry_points").into_iter().flatten() {
            let entries = groups.entry(group.clone()).or_default();
            for line in value.lines() {
                if let Some((name, target)) = line.split_once('=') {
                    entries.insert(name.trim().to_owned(), target.trim().to_owned());
                }
            }
        }
        Decl::Static(groups)
    };
    let version = ini
        .get("metadata")
        .and_then(|m| m.get("version"))
        .filter(|v| !v.contains(':') && !in_setup_py("version="))
        .cloned();
    // Requirements of extras declared in setup.cfg with markers (`extra:marker`) can have
    // an empty extra name meaning "base dependencies with a marker".
    let (base, extras) = match (base, extras) {
        (Decl::Static(mut base), Decl::Static(mut extras)) => {
            if let Some(more) = extras.remove(&None) {
                base.extend(more);
            }
            (Decl::Static(base), Decl::Static(extras))
        }
        other => other,
    };
    Declared {
        at: format!("{path} [options]"),
        base,
        extras,
        entry_points,
        names_only: false,
        version,
    }
}

/// setuptools' list syntax: one item per line, or `;`-separated on one line.
fn cfg_list(value: &str) -> Vec<String> {
    let items: Vec<&str> = if value.contains('\n') {
        value.lines().collect()
    } else {
        value.split(';').collect()
    };
    items
        .into_iter()
        .map(str::trim)
        .filter(|i| !i.is_empty() && !i.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// A requirement reduced to what decides what gets installed.
#[derive(Debug, Clone, PartialEq)]
struct Req {
    name: PackageName,
    extras: BTreeSet<ExtraName>,
    version: String,
    marker: MarkerTree,
}

fn parse_req(text: &str) -> Option<Requirement> {
    Requirement::from_str(text.trim()).ok()
}

fn reduce(requirement: &Requirement, marker: MarkerTree) -> Req {
    let version = match &requirement.version_or_url {
        None => String::new(),
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            let mut parts: Vec<String> = specifiers.iter().map(|s| s.to_string()).collect();
            parts.sort();
            parts.join(",")
        }
        Some(VersionOrUrl::Url(url)) => url.to_string(),
    };
    Req {
        name: requirement.name.clone(),
        extras: requirement.extras.iter().cloned().collect(),
        version,
        marker,
    }
}

/// The extra a shipped requirement belongs to (its marker's top-level `extra == "x"`),
/// and its marker without that clause.
fn split_extra(requirement: &Requirement) -> (Option<ExtraName>, MarkerTree) {
    match requirement.marker.top_level_extra() {
        Some(MarkerExpression::Extra {
            name: MarkerValueExtra::Extra(extra),
            ..
        }) => {
            let marker = requirement
                .marker
                .clone()
                .simplify_extras_with(|e| e == &extra);
            (Some(extra), marker)
        }
        _ => (None, requirement.marker.clone()),
    }
}

fn compare_requirements(
    declared: &Declared,
    shipped: &[&str],
    path: &str,
    field: &str,
    complete: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut unchecked: BTreeSet<String> = BTreeSet::new();
    // Source requirements per group, parsed once.
    let group_of = |extra: &Option<ExtraName>| -> Result<Vec<(String, Option<Req>)>, String> {
        let texts: Vec<String> = match (extra, &declared.base, &declared.extras) {
            (None, Decl::Static(base), _) => base.clone(),
            (None, Decl::Dynamic(why), _) => return Err(why.clone()),
            (Some(extra), _, Decl::Static(groups)) => groups
                .get(&Some(extra.clone()))
                .cloned()
                .unwrap_or_default(),
            (Some(_), _, Decl::Dynamic(why)) => return Err(why.clone()),
        };
        Ok(texts
            .into_iter()
            .map(|text| {
                let req = parse_req(&text).map(|r| {
                    let marker = r.marker.clone();
                    reduce(&r, marker)
                });
                (text, req)
            })
            .collect())
    };
    let mut matched_source: BTreeSet<(Option<ExtraName>, String)> = BTreeSet::new();
    for text in shipped {
        let Some(requirement) = parse_req(text) else {
            findings.push(
                Finding::new(
                    Code::MetadataMismatch,
                    Severity::High,
                    format!("{path} lists a {field} that is not a valid requirement: {text}"),
                )
                .at(path)
                .with("rule", RULE)
                .with("field", field)
                .with("requirement", *text),
            );
            continue;
        };
        let (extra, marker) = split_extra(&requirement);
        let declared_group = match group_of(&extra) {
            Ok(group) => group,
            Err(why) => {
                unchecked.insert(why);
                continue;
            }
        };
        let shipped_req = reduce(&requirement, marker);
        let same_name: Vec<&(String, Option<Req>)> = declared_group
            .iter()
            .filter(|(source_text, req)| match req {
                Some(req) => req.name == shipped_req.name,
                // poetry names, or requirements provcheck cannot parse: compare names.
                None => PackageName::from_str(
                    source_text
                        .split(|c: char| !(c.is_alphanumeric() || "-_.".contains(c)))
                        .next()
                        .unwrap_or(""),
                )
                .is_ok_and(|n| n == shipped_req.name),
            })
            .collect();
        let where_ = match &extra {
            Some(extra) => format!("{} optional-dependencies `{extra}`", declared.at),
            None => declared.at.clone(),
        };
        if same_name.is_empty() {
            let declared_list: Vec<&str> = declared_group.iter().map(|(t, _)| t.as_str()).collect();
            let mut finding = Finding::new(
                Code::MetadataMismatch,
                Severity::High,
                format!(
                    "{path} requires `{text}`{}, which {where_} does not declare",
                    extra
                        .as_ref()
                        .map(|e| format!(" for extra `{e}`"))
                        .unwrap_or_default()
                ),
            )
            .at(path)
            .with("rule", RULE)
            .with("field", field)
            .with("change", "added")
            .with("requirement", *text)
            .with("declared_in", declared.at.as_str())
            .with("declared", declared_list);
            if let Some(extra) = &extra {
                finding.evidence.insert("extra", extra.to_string());
            }
            findings.push(finding);
            continue;
        }
        for (source_text, _) in &same_name {
            matched_source.insert((extra.clone(), source_text.clone()));
        }
        let equal = declared.names_only
            || same_name
                .iter()
                .any(|(_, req)| req.as_ref().is_none_or(|req| *req == shipped_req));
        if !equal {
            let mut finding = Finding::new(
                Code::MetadataMismatch,
                Severity::High,
                format!(
                    "{path} requires `{text}` but {where_} declares `{}`",
                    same_name[0].0
                ),
            )
            .at(path)
            .with("rule", RULE)
            .with("field", field)
            .with("change", "changed")
            .with("requirement", *text)
            .with("declared_in", declared.at.as_str())
            .with("declared", same_name[0].0.as_str());
            if let Some(extra) = &extra {
                finding.evidence.insert("extra", extra.to_string());
            }
            findings.push(finding);
        }
    }
    if complete && !declared.names_only {
        let mut missing = Vec::new();
        let mut groups: Vec<Option<ExtraName>> = vec![None];
        if let Decl::Static(extras) = &declared.extras {
            groups.extend(extras.keys().filter(|k| k.is_some()).cloned());
        }
        for extra in groups {
            if let Ok(group) = group_of(&extra) {
                for (text, _) in group {
                    if !matched_source.contains(&(extra.clone(), text.clone())) {
                        missing.push(match &extra {
                            Some(e) => format!("{text} (extra `{e}`)"),
                            None => text,
                        });
                    }
                }
            }
        }
        if !missing.is_empty() {
            findings.push(
                Finding::new(
                    Code::MetadataMismatch,
                    Severity::Low,
                    format!(
                        "{path} leaves out {} requirement{} that {} declares: {}",
                        missing.len(),
                        if missing.len() == 1 { "" } else { "s" },
                        declared.at,
                        missing.join(", ")
                    ),
                )
                .at(path)
                .with("rule", RULE)
                .with("field", field)
                .with("change", "removed")
                .with("declared_in", declared.at.as_str())
                .with("missing", missing),
            );
        }
    }
    if !unchecked.is_empty() && !shipped.is_empty() {
        findings.push(unchecked_finding(path, field, unchecked));
    }
    findings
}

fn unchecked_finding(path: &str, field: &str, reasons: BTreeSet<String>) -> Finding {
    let reasons: Vec<String> = reasons.into_iter().collect();
    Finding::new(
        Code::MetadataMismatch,
        Severity::Info,
        format!(
            "{field} in {path} could not be checked against the source: {}",
            reasons.join("; ")
        ),
    )
    .at(path)
    .with("rule", RULE)
    .with("field", field)
    .with("checked", false)
    .with("reason", reasons.join("; "))
}

/// entry_points.txt: INI sections (groups) of `name = object.reference [extras]`.
fn parse_entry_points(text: &str) -> EntryPoints {
    let mut groups = EntryPoints::new();
    let mut group: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = Some(name.trim().to_owned());
            groups.entry(name.trim().to_owned()).or_default();
            continue;
        }
        if let (Some(group), Some((name, value))) = (&group, line.split_once('=')) {
            groups
                .entry(group.clone())
                .or_default()
                .insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
    groups
}

/// Object references compare without whitespace (`a.b:c [x]` = `a.b:c[x]`).
fn same_reference(a: &str, b: &str) -> bool {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    squash(a) == squash(b)
}

fn compare_entry_points(declared: &Declared, shipped: &EntryPoints, path: &str) -> Vec<Finding> {
    let source = match &declared.entry_points {
        Decl::Static(source) => source,
        Decl::Dynamic(why) => {
            if shipped.values().all(|g| g.is_empty()) {
                return Vec::new();
            }
            return vec![unchecked_finding(
                path,
                "entry points",
                BTreeSet::from([why.clone()]),
            )];
        }
    };
    let mut findings = Vec::new();
    for (group, entries) in shipped {
        for (name, reference) in entries {
            let declared_ref = source.get(group).and_then(|g| g.get(name));
            let (change, message) = match declared_ref {
                None => (
                    "added",
                    format!(
                        "{path} adds entry point `{name} = {reference}` in [{group}], which {} does not declare",
                        declared.at
                    ),
                ),
                Some(declared_ref) if !same_reference(declared_ref, reference) => (
                    "changed",
                    format!(
                        "{path} points entry point `{name}` in [{group}] at `{reference}` but {} declares `{declared_ref}`",
                        declared.at
                    ),
                ),
                Some(_) => continue,
            };
            let mut finding = Finding::new(Code::MetadataMismatch, Severity::High, message)
                .at(path)
                .with("rule", RULE)
                .with("field", "entry points")
                .with("change", change)
                .with("group", group.as_str())
                .with("name", name.as_str())
                .with("reference", reference.as_str())
                .with("declared_in", declared.at.as_str());
            if let Some(declared_ref) = declared_ref {
                finding.evidence.insert("declared", declared_ref.as_str());
            }
            findings.push(finding);
        }
    }
    let missing: Vec<String> = source
        .iter()
        .flat_map(|(group, entries)| {
            entries
                .keys()
                .filter(move |name| shipped.get(group).is_none_or(|g| !g.contains_key(*name)))
                .map(move |name| format!("[{group}] {name}"))
        })
        .collect();
    if !missing.is_empty() {
        findings.push(
            Finding::new(
                Code::MetadataMismatch,
                Severity::Low,
                format!(
                    "{path} leaves out entry points that {} declares: {}",
                    declared.at,
                    missing.join(", ")
                ),
            )
            .at(path)
            .with("rule", RULE)
            .with("field", "entry points")
            .with("change", "removed")
            .with("missing", missing),
        );
    }
    findings
}

/// setuptools' `requires.txt`: base requirements, then `[extra]`, `[extra:marker]` or
/// `[:marker]` sections; returned as PEP 508 requirements with `extra ==` markers.
fn parse_requires_txt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut extra = String::new();
    let mut marker = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (e, m) = section.split_once(':').unwrap_or((section, ""));
            extra = e.trim().to_owned();
            marker = m.trim().to_owned();
            continue;
        }
        let mut clauses = Vec::new();
        if !marker.is_empty() {
            clauses.push(format!("({marker})"));
        }
        if !extra.is_empty() {
            clauses.push(format!("extra == \"{extra}\""));
        }
        if clauses.is_empty() {
            out.push(line.to_owned());
        } else {
            out.push(format!("{line}; {}", clauses.join(" and ")));
        }
    }
    out
}

/// The `Requires-Dist` of core metadata (for tests).
#[cfg(test)]
fn requires(metadata: &str) -> Vec<String> {
    provcheck_artifact::CoreMetadata::parse(metadata)
        .get_all("Requires-Dist")
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pep621(text: &str) -> Declared {
        let doc: toml::Table = toml::from_str(text).unwrap();
        from_pep621(doc["project"].as_table().unwrap(), "pyproject.toml")
    }

    fn codes(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f.severity,
                    f.evidence.get_str("change").unwrap_or("-")
                )
            })
            .collect()
    }

    #[test]
    fn requirements_compare_semantically() {
        let declared = pep621(
            "[project]\nname='x'\ndependencies=['Requests >= 2.21, <3', \"importlib_metadata; python_version<'3.10'\"]\n[project.optional-dependencies]\nSocks=['PySocks>=1.5.6,!=1.5.7']\n",
        );
        let shipped = requires(
            "Name: x\nRequires-Dist: requests<3,>=2.21\nRequires-Dist: importlib-metadata ; python_version < \"3.10\"\nRequires-Dist: pysocks!=1.5.7,>=1.5.6; extra == \"socks\"\n\n",
        );
        let refs: Vec<&str> = shipped.iter().map(String::as_str).collect();
        assert!(compare_requirements(&declared, &refs, "M", "Requires-Dist", true).is_empty());
    }

    #[test]
    fn added_changed_and_missing_requirements() {
        let declared = pep621("[project]\nname='x'\ndependencies=['requests>=2', 'idna']\n");
        let findings = compare_requirements(
            &declared,
            &["requests>=1", "evil-helper", "evil2; extra == \"x\""],
            "M",
            "Requires-Dist",
            true,
        );
        assert_eq!(
            codes(&findings),
            ["high changed", "high added", "high added", "low removed"]
        );
        assert_eq!(
            findings[1].evidence.get_str("requirement"),
            Some("evil-helper")
        );
    }

    #[test]
    fn dynamic_dependencies_are_unchecked() {
        let declared = pep621("[project]\nname='x'\ndynamic=['dependencies']\n");
        let findings = compare_requirements(&declared, &["anything"], "M", "Requires-Dist", true);
        assert_eq!(codes(&findings), ["info -"]);
        assert_eq!(findings[0].evidence.get("checked"), Some(&false.into()));
    }

    #[test]
    fn setup_cfg_declarations() {
        let ini = super::super::setup_cfg::parse(
            "[metadata]\nname = x\nversion = 1.0\n[options]\ninstall_requires =\n    requests>=2\n[options.extras_require]\nsocks = PySocks>=1.5\nwin =\n    pywin32; sys_platform=='win32'\n[options.entry_points]\nconsole_scripts =\n    x = x.cli:main\n",
        );
        let declared = from_setup_cfg(
            &ini,
            Some("from setuptools import setup\nsetup()\n"),
            "setup.cfg",
        );
        assert_eq!(declared.version.as_deref(), Some("1.0"));
        let findings = compare_requirements(
            &declared,
            &[
                "requests>=2",
                "PySocks>=1.5; extra == 'socks'",
                "pywin32; sys_platform == 'win32' and extra == 'win'",
            ],
            "M",
            "Requires-Dist",
            true,
        );
        assert!(findings.is_empty(), "{findings:#?}");
        let shipped = parse_entry_points("[console_scripts]\nx = x.cli:main\nevil = x.evil:run\n");
        assert_eq!(
            codes(&compare_entry_points(&declared, &shipped, "E")),
            ["high added"]
        );
        let dynamic = from_setup_cfg(&ini, Some("setup(entry_points={})"), "setup.cfg");
        assert_eq!(
            codes(&compare_entry_points(&dynamic, &shipped, "E")),
            ["info -"]
        );
    }

    #[test]
    fn entry_points_from_pep621() {
        let declared = pep621(
            "[project]\nname='x'\n[project.scripts]\nx='x.cli:main'\n[project.entry-points.'pytest11']\nplug='x.plugin'\n",
        );
        let same = parse_entry_points(
            "[console_scripts]\nx = x.cli:main\n\n[pytest11]\nplug = x.plugin\n",
        );
        assert!(compare_entry_points(&declared, &same, "E").is_empty());
        let changed =
            parse_entry_points("[console_scripts]\nx = x.evil:main\n[pytest11]\nplug = x.plugin\n");
        assert_eq!(
            codes(&compare_entry_points(&declared, &changed, "E")),
            ["high changed"]
        );
    }

    #[test]
    fn poetry_compares_names() {
        let doc: toml::Table = toml::from_str(
            "[tool.poetry]\nname='x'\n[tool.poetry.dependencies]\npython='^3.8'\nrequests='^2.0'\nrich={version='^13', optional=true}\n[tool.poetry.extras]\nfancy=['rich']\n[tool.poetry.scripts]\nx='x.cli:main'\n",
        )
        .unwrap();
        let declared = from_poetry(tool(&doc, &["poetry"]).unwrap().as_table().unwrap(), "p");
        let ok = compare_requirements(
            &declared,
            &[
                "requests (>=2.0,<3.0)",
                "rich (>=13,<14) ; extra == \"fancy\"",
            ],
            "M",
            "Requires-Dist",
            true,
        );
        assert!(ok.is_empty(), "{ok:#?}");
        let bad = compare_requirements(&declared, &["requestz>=2"], "M", "Requires-Dist", true);
        assert_eq!(codes(&bad), ["high added"]);
    }

    #[test]
    fn requires_txt_sections() {
        assert_eq!(
            parse_requires_txt("a>=1\n\n[:python_version < \"3.8\"]\nb\n\n[socks]\nc\n"),
            [
                "a>=1",
                "b; (python_version < \"3.8\")",
                "c; extra == \"socks\""
            ]
        );
    }
}
