//! The project an artifact was built from: its folder in the tree and its build
//! configuration (`pyproject.toml`, `setup.cfg`, `setup.py`, build hooks), read once per
//! comparison so that every rule sees the same project.

use std::collections::BTreeSet;

use provcheck_artifact::normalize_name;
use provcheck_types::{BlobStore, SourceTree};

use super::setup_cfg::{Ini, parse as parse_ini};
use crate::mapping::Mapping;

/// Build files read at a project root. Their names are what rules search for evidence.
pub(crate) const BUILD_FILES: &[&str] = &[
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "hatch_build.py",
    "build.py",
    "MANIFEST.in",
    "Cargo.toml",
];

/// Build code whose text may name the files a build writes (PACKAGING.md item 12).
pub(crate) const BUILD_CODE: &[&str] = &[
    "setup.py",
    "hatch_build.py",
    "build.py",
    "MANIFEST.in",
    "pyproject.toml",
];

/// The project folder and its build configuration at the commit.
#[derive(Debug, Default)]
pub(crate) struct Project {
    /// The project folder: `""` or a folder ending in `/`.
    pub root: String,
    /// `pyproject.toml`, parsed.
    pub pyproject: Option<toml::Table>,
    /// `setup.cfg`, parsed as configparser would.
    pub setup_cfg: Option<Ini>,
    /// `setup.py`'s text.
    pub setup_py: Option<String>,
    /// (tree path, text) of every build file found at the root.
    pub build_code: Vec<(String, String)>,
}

impl Project {
    /// The text of a build file at the root (`setup.py`, `MANIFEST.in`…).
    pub fn text(&self, name: &str) -> Option<&str> {
        let path = format!("{}{name}", self.root);
        self.build_code
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.as_str())
    }

    /// The path of a root file, for messages.
    pub fn path(&self, name: &str) -> String {
        format!("{}{name}", self.root)
    }

    /// Whether the project builds with maturin (a Rust extension).
    pub fn is_maturin(&self) -> bool {
        let Some(doc) = &self.pyproject else {
            return false;
        };
        let backend = doc
            .get("build-system")
            .and_then(|b| b.get("build-backend"))
            .and_then(|b| b.as_str())
            .unwrap_or("");
        backend.starts_with("maturin") || tool(doc, &["maturin"]).is_some()
    }

    /// `[tool.maturin] manifest-path`, relative to the tree root, or the root's Cargo.toml.
    pub fn cargo_manifest(&self) -> String {
        let configured = self
            .pyproject
            .as_ref()
            .and_then(|doc| tool(doc, &["maturin", "manifest-path"]))
            .and_then(|v| v.as_str())
            .map(|p| p.trim_start_matches("./").to_owned());
        match configured {
            Some(path) => normalize_relative(&self.root, &path),
            None => self.path("Cargo.toml"),
        }
    }
}

/// `tool.<path…>` of a pyproject document.
pub(crate) fn tool<'a>(doc: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let mut value = doc.get("tool")?;
    for key in path {
        value = value.as_table()?.get(*key)?;
    }
    Some(value)
}

/// `root` + a relative path with `..` resolved.
fn normalize_relative(root: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = root.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Folders that may hold the project: every mapped prefix and its ancestors, deepest first.
pub(crate) fn candidate_roots(mapping: &Mapping, hint: Option<&str>) -> Vec<String> {
    let mut folders = BTreeSet::new();
    let hint = hint
        .map(|h| h.trim_matches('/'))
        .filter(|h| !h.is_empty())
        .map(|h| format!("{h}/"));
    let prefixes = mapping
        .prefixes
        .values()
        .chain(std::iter::once(&mapping.default_prefix))
        .chain(hint.iter());
    for prefix in prefixes {
        let mut folder = prefix.trim_end_matches('/');
        folders.insert(String::new());
        while !folder.is_empty() {
            folders.insert(format!("{folder}/"));
            folder = folder.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        }
    }
    let mut folders: Vec<String> = folders.into_iter().collect();
    folders.sort_by_key(|f| std::cmp::Reverse(f.matches('/').count()));
    folders
}

/// Finds the project: the deepest candidate folder with build configuration that names
/// the release's project, else the sdist root (or the deepest with any configuration).
pub(crate) fn locate(
    tree: &SourceTree,
    blobs: &dyn BlobStore,
    mapping: &Mapping,
    hint: Option<&str>,
    release_name: &str,
    sdist: bool,
) -> Project {
    let roots = candidate_roots(mapping, hint);
    let configured: Vec<&String> = roots
        .iter()
        .filter(|root| {
            ["pyproject.toml", "setup.cfg", "setup.py"]
                .iter()
                .any(|name| tree.get(&format!("{root}{name}")).is_some())
        })
        .collect();
    let mut fallback = None;
    for root in &configured {
        let project = read(tree, blobs, root);
        if project_name(&project).is_some_and(|name| normalize_name(&name) == release_name) {
            return project;
        }
        let preferred = sdist && **root == mapping.default_prefix;
        if fallback.is_none() || preferred {
            fallback = Some(project);
        }
    }
    fallback.unwrap_or_default()
}

fn read(tree: &SourceTree, blobs: &dyn BlobStore, root: &str) -> Project {
    let mut project = Project {
        root: root.to_owned(),
        ..Project::default()
    };
    for name in BUILD_FILES {
        let path = format!("{root}{name}");
        let Some(entry) = tree.get(&path) else {
            continue;
        };
        let Ok(bytes) = blobs.read_blob(&entry.blob) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match *name {
            "pyproject.toml" => project.pyproject = toml::from_str(&text).ok(),
            "setup.cfg" => project.setup_cfg = Some(parse_ini(&text)),
            "setup.py" => project.setup_py = Some(text.clone()),
            _ => {}
        }
        project.build_code.push((path, text));
    }
    project
}

/// The project name the configuration declares.
fn project_name(project: &Project) -> Option<String> {
    if let Some(doc) = &project.pyproject {
        let name = doc
            .get("project")
            .and_then(|p| p.get("name"))
            .or_else(|| tool(doc, &["poetry", "name"]))
            .or_else(|| tool(doc, &["flit", "metadata", "dist-name"]))
            .or_else(|| tool(doc, &["flit", "metadata", "module"]))
            .and_then(|n| n.as_str());
        if let Some(name) = name {
            return Some(name.to_owned());
        }
    }
    if let Some(name) = project
        .setup_cfg
        .as_ref()
        .and_then(|ini| ini.get("metadata")?.get("name"))
    {
        return Some(name.clone());
    }
    project.setup_py.as_deref().and_then(setup_py_name)
}

/// `name="x"` / `name='x'` in a `setup()` call, when written as a literal.
fn setup_py_name(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(at) = rest.find("name") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + 4..].trim_start();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        for quote in ['"', '\''] {
            if let Some(inner) = value.strip_prefix(quote)
                && let Some(end) = inner.find(quote)
            {
                return Some(inner[..end].to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_ancestors_deepest_first() {
        let mut mapping = Mapping::default();
        mapping
            .prefixes
            .insert("demo".into(), "packages/demo/src/".into());
        assert_eq!(
            candidate_roots(&mapping, None),
            ["packages/demo/src/", "packages/demo/", "packages/", ""]
        );
    }

    #[test]
    fn setup_py_literal_name() {
        assert_eq!(
            setup_py_name("setup(\n    name='six',\n    version=1)").as_deref(),
            Some("six")
        );
        assert_eq!(setup_py_name("setup(name=NAME)"), None);
        assert_eq!(
            normalize_relative("py/", "../rust/Cargo.toml"),
            "rust/Cargo.toml"
        );
    }
}
