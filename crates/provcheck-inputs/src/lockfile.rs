//! Lockfiles: uv.lock, poetry.lock, pylock.toml (PEP 751), Pipfile.lock.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::error::read;
use crate::package::{line_of, normalize, parse_version, sha256_of};
use crate::{InputError, Inputs, MarkerContext, Origin, Package, Pin};

/// The lockfile formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// `uv.lock`.
    Uv,
    /// `poetry.lock`.
    Poetry,
    /// `pylock.toml` / `pylock.NAME.toml` (PEP 751).
    Pylock,
    /// `Pipfile.lock`.
    Pipfile,
}

impl LockKind {
    /// The format of a lockfile, from its file name.
    pub fn of(path: &Path) -> Option<LockKind> {
        let name = path.file_name()?.to_str()?;
        match name {
            "uv.lock" => Some(LockKind::Uv),
            "poetry.lock" => Some(LockKind::Poetry),
            "Pipfile.lock" => Some(LockKind::Pipfile),
            _ if name.starts_with("pylock.") && name.ends_with(".toml") => Some(LockKind::Pylock),
            _ => None,
        }
    }
}

/// Reads a lockfile; the locked files' sha256 hashes select the artifacts verified.
///
/// Packages locked from an index become [`Pin::Exact`]; from git, a URL, a path or the
/// project itself [`Pin::NotFromIndex`]; packages whose markers (or, in uv.lock, the
/// markers of every path to them from the project) do not hold [`Pin::Excluded`].
pub fn read_lockfile(path: &Path, markers: &MarkerContext) -> Result<Inputs, InputError> {
    let kind = LockKind::of(path).ok_or_else(|| InputError::UnknownLockfile {
        path: path.to_owned(),
    })?;
    let text = read(path)?;
    let parse_error = |detail: String| InputError::Parse {
        path: path.to_owned(),
        line: None,
        detail,
    };
    let packages = match kind {
        LockKind::Uv => uv(path, &text, markers).map_err(parse_error)?,
        LockKind::Poetry => poetry(path, &text, markers).map_err(parse_error)?,
        LockKind::Pylock => pylock(path, &text, markers).map_err(parse_error)?,
        LockKind::Pipfile => pipfile(path, &text, markers).map_err(parse_error)?,
    };
    Ok(Inputs {
        packages,
        ..Inputs::default()
    })
}

fn origin(path: &Path, text: &str, offset: Option<usize>) -> Origin {
    let line = offset.map(|o| line_of(text, o));
    Origin {
        file: path.to_owned(),
        line,
        text: line.and_then(|l| {
            text.lines()
                .nth(l as usize - 1)
                .map(|s| s.trim().to_owned())
        }),
    }
}

fn package(name: &str, pin: Pin, origin: Origin) -> Package {
    Package {
        name: normalize(name),
        pin,
        origin,
        findings: Vec::new(),
    }
}

fn pinned(version: Option<&str>, hashes: Vec<String>) -> Pin {
    match version.and_then(parse_version) {
        Some(version) => Pin::Exact { version, hashes },
        None => Pin::Unpinned {
            reason: format!(
                "the lockfile has no valid version ({})",
                version.unwrap_or("none")
            ),
        },
    }
}

// ---- uv.lock ------------------------------------------------------------------------

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: Spanned<String>,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    sdist: Option<UvFile>,
    #[serde(default)]
    wheels: Vec<UvFile>,
    #[serde(default)]
    dependencies: Vec<UvDependency>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<UvDependency>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDependency>>,
}

#[derive(Deserialize)]
struct UvFile {
    hash: Option<String>,
}

#[derive(Deserialize)]
struct UvDependency {
    name: String,
    version: Option<String>,
    marker: Option<String>,
}

fn uv(path: &Path, text: &str, markers: &MarkerContext) -> Result<Vec<Package>, String> {
    let lock: UvLock = toml::from_str(text).map_err(|e| e.to_string())?;
    let by_name: HashMap<String, Vec<usize>> =
        lock.package
            .iter()
            .enumerate()
            .fold(HashMap::new(), |mut map, (i, p)| {
                map.entry(normalize(p.name.get_ref())).or_default().push(i);
                map
            });
    // The project itself (editable/virtual members) is the root; what its dependency
    // edges reach under the markers is what would be installed (all extras and groups).
    let is_member =
        |p: &UvPackage| p.source.contains_key("editable") || p.source.contains_key("virtual");
    let mut reached = vec![false; lock.package.len()];
    let mut stack: Vec<usize> = (0..lock.package.len())
        .filter(|i| is_member(&lock.package[*i]))
        .collect();
    let have_roots = !stack.is_empty();
    for i in &stack {
        reached[*i] = true;
    }
    while let Some(i) = stack.pop() {
        let p = &lock.package[i];
        let edges = p
            .dependencies
            .iter()
            .chain(p.optional_dependencies.values().flatten())
            .chain(p.dev_dependencies.values().flatten());
        for edge in edges {
            if edge.marker.as_deref().is_some_and(|m| !markers.holds(m)) {
                continue;
            }
            for &j in by_name.get(&normalize(&edge.name)).into_iter().flatten() {
                let version_matches = edge
                    .version
                    .as_deref()
                    .is_none_or(|v| lock.package[j].version.as_deref() == Some(v));
                if version_matches && !reached[j] {
                    reached[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    let mut packages = Vec::new();
    for (i, p) in lock.package.iter().enumerate() {
        let name = p.name.get_ref();
        let origin = origin(path, text, Some(p.name.span().start));
        let version = p.version.as_deref();
        let pin = if let Some(kind) = ["git", "url", "path", "directory", "editable", "virtual"]
            .into_iter()
            .find(|k| p.source.contains_key(*k))
        {
            let location = p.source.get(kind).and_then(|v| v.as_str()).unwrap_or("?");
            Pin::NotFromIndex {
                reason: format!("locked from {kind} {location}"),
                version: version.and_then(parse_version),
            }
        } else if have_roots && !reached[i] {
            Pin::Excluded {
                reason: format!(
                    "no dependency path to it holds for {} (markers)",
                    markers.describe()
                ),
                version: version.and_then(parse_version),
            }
        } else {
            let hashes = p
                .sdist
                .iter()
                .chain(&p.wheels)
                .filter_map(|f| f.hash.as_deref().and_then(sha256_of))
                .collect();
            pinned(version, hashes)
        };
        packages.push(package(name, pin, origin));
    }
    Ok(packages)
}

// ---- poetry.lock --------------------------------------------------------------------

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
    #[serde(default)]
    metadata: PoetryMetadata,
}

#[derive(Deserialize, Default)]
struct PoetryMetadata {
    /// Poetry 1.0–1.4 kept the hashes here, per package.
    #[serde(default)]
    files: BTreeMap<String, Vec<PoetryFile>>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: Spanned<String>,
    version: Option<String>,
    #[serde(default)]
    files: Vec<PoetryFile>,
    source: Option<PoetrySource>,
    markers: Option<toml::Value>,
}

#[derive(Deserialize)]
struct PoetryFile {
    hash: String,
}

#[derive(Deserialize)]
struct PoetrySource {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
}

fn poetry(path: &Path, text: &str, markers: &MarkerContext) -> Result<Vec<Package>, String> {
    let lock: PoetryLock = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut packages = Vec::new();
    for p in &lock.package {
        let name = p.name.get_ref();
        let origin = origin(path, text, Some(p.name.span().start));
        let version = p.version.as_deref();
        // `markers` is a string, or (Poetry 1.x) one per dependency group.
        let marker_texts: Vec<&str> = match &p.markers {
            Some(toml::Value::String(m)) => vec![m.as_str()],
            Some(toml::Value::Table(groups)) => {
                groups.values().filter_map(|v| v.as_str()).collect()
            }
            _ => Vec::new(),
        };
        let pin = if let Some(source) = p.source.as_ref().filter(|s| s.kind != "pypi") {
            let location = source.url.as_deref().unwrap_or("?");
            let reason = match source.kind.as_str() {
                "legacy" | "explicit" | "supplemental" | "primary" => {
                    format!("locked from another index ({location}); pass --index-url to verify it")
                }
                kind => format!("locked from {kind} {location}"),
            };
            Pin::NotFromIndex {
                reason,
                version: version.and_then(parse_version),
            }
        } else if !marker_texts.is_empty() && !marker_texts.iter().any(|m| markers.holds(m)) {
            Pin::Excluded {
                reason: format!(
                    "markers `{}` do not hold for {}",
                    marker_texts.join("` / `"),
                    markers.describe()
                ),
                version: version.and_then(parse_version),
            }
        } else {
            let files = if p.files.is_empty() {
                lock.metadata
                    .files
                    .get(name.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
            } else {
                p.files.as_slice()
            };
            pinned(
                version,
                files.iter().filter_map(|f| sha256_of(&f.hash)).collect(),
            )
        };
        packages.push(package(name, pin, origin));
    }
    Ok(packages)
}

// ---- pylock.toml (PEP 751) ----------------------------------------------------------

#[derive(Deserialize)]
struct Pylock {
    #[serde(rename = "lock-version")]
    lock_version: String,
    #[serde(default)]
    packages: Vec<PylockPackage>,
}

#[derive(Deserialize)]
struct PylockPackage {
    name: Spanned<String>,
    version: Option<String>,
    marker: Option<String>,
    vcs: Option<toml::Value>,
    directory: Option<toml::Value>,
    archive: Option<toml::Value>,
    sdist: Option<PylockFile>,
    #[serde(default)]
    wheels: Vec<PylockFile>,
}

#[derive(Deserialize)]
struct PylockFile {
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

fn pylock(path: &Path, text: &str, markers: &MarkerContext) -> Result<Vec<Package>, String> {
    let lock: Pylock = toml::from_str(text).map_err(|e| e.to_string())?;
    if !lock.lock_version.starts_with("1.") && lock.lock_version != "1" {
        return Err(format!(
            "lock-version {} is not supported (1.x is)",
            lock.lock_version
        ));
    }
    let mut packages = Vec::new();
    for p in &lock.packages {
        let name = p.name.get_ref();
        let origin = origin(path, text, Some(p.name.span().start));
        let version = p.version.as_deref();
        let location = [
            ("vcs", &p.vcs),
            ("directory", &p.directory),
            ("archive", &p.archive),
        ]
        .into_iter()
        .find_map(|(kind, value)| value.as_ref().map(|v| (kind, v)));
        let pin = if let Some((kind, value)) = location {
            let place = value
                .get("url")
                .or_else(|| value.get("path"))
                .and_then(|v| v.as_str())
                .unwrap_or("?");
            Pin::NotFromIndex {
                reason: format!("locked from {kind} {place}"),
                version: version.and_then(parse_version),
            }
        } else if p.marker.as_deref().is_some_and(|m| !markers.holds(m)) {
            Pin::Excluded {
                reason: format!(
                    "marker `{}` does not hold for {}",
                    p.marker.as_deref().unwrap_or_default(),
                    markers.describe()
                ),
                version: version.and_then(parse_version),
            }
        } else {
            let hashes = p
                .sdist
                .iter()
                .chain(&p.wheels)
                .filter_map(|f| f.hashes.get("sha256"))
                .filter_map(|h| sha256_of(&format!("sha256:{h}")))
                .collect();
            pinned(version, hashes)
        };
        packages.push(package(name, pin, origin));
    }
    Ok(packages)
}

// ---- Pipfile.lock -------------------------------------------------------------------

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    markers: Option<String>,
    git: Option<String>,
    path: Option<String>,
    file: Option<String>,
    #[serde(default)]
    editable: bool,
}

fn pipfile(path: &Path, text: &str, markers: &MarkerContext) -> Result<Vec<Package>, String> {
    let lock: PipfileLock = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut packages = Vec::new();
    for (section, entries) in [("default", &lock.default), ("develop", &lock.develop)] {
        // serde_json keeps no positions: find `"name": {` after the section's key.
        let section_start = text.find(&format!("\"{section}\"")).unwrap_or(0);
        for (name, entry) in entries {
            let offset = text[section_start..]
                .find(&format!("\"{name}\""))
                .map(|o| o + section_start);
            let origin = origin(path, text, offset);
            let version = entry.version.as_deref().map(|v| v.trim_start_matches('='));
            let location = [
                ("git", &entry.git),
                ("path", &entry.path),
                ("file", &entry.file),
            ]
            .into_iter()
            .find_map(|(kind, value)| value.as_ref().map(|v| (kind, v)));
            let pin = if let Some((kind, place)) = location {
                let editable = if entry.editable { "editable " } else { "" };
                Pin::NotFromIndex {
                    reason: format!("locked from {editable}{kind} {place}"),
                    version: version.and_then(parse_version),
                }
            } else if entry.markers.as_deref().is_some_and(|m| !markers.holds(m)) {
                Pin::Excluded {
                    reason: format!(
                        "markers `{}` do not hold for {}",
                        entry.markers.as_deref().unwrap_or_default(),
                        markers.describe()
                    ),
                    version: version.and_then(parse_version),
                }
            } else {
                pinned(
                    version,
                    entry.hashes.iter().filter_map(|h| sha256_of(h)).collect(),
                )
            };
            packages.push(package(name, pin, origin));
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixtures of testdata/lockfiles, placeholders filled.
    fn fixture(dir: &Path, name: &str) -> std::path::PathBuf {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/lockfiles")
            .join(name);
        let text = std::fs::read_to_string(source)
            .unwrap()
            .replace("@DEMO_WHEEL_SHA256@", &"a".repeat(64))
            .replace("@DEMO_SDIST_SHA256@", &"b".repeat(64));
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn summary(inputs: &Inputs) -> Vec<String> {
        inputs
            .packages
            .iter()
            .map(|p| {
                let what = match &p.pin {
                    Pin::Exact { version, hashes } => {
                        format!("=={version} hashes={}", hashes.len())
                    }
                    Pin::Unpinned { reason } => format!("unpinned: {reason}"),
                    Pin::NotFromIndex { .. } => "not-from-index".to_owned(),
                    Pin::Excluded { .. } => "excluded".to_owned(),
                };
                format!("{}:{} {what}", p.name, p.origin.line.unwrap_or(0))
            })
            .collect()
    }

    #[test]
    fn every_lockfile_format_reads_the_same_set() {
        let dir = tempfile::tempdir().unwrap();
        let linux = MarkerContext::new("3.12", &["manylinux_2_17_x86_64".to_owned()]).unwrap();
        let windows = MarkerContext::new("3.12", &["win_amd64".to_owned()]).unwrap();
        let uv_lock = fixture(dir.path(), "uv.lock");
        assert_eq!(
            summary(&read_lockfile(&uv_lock, &linux).unwrap()),
            vec![
                "colorama:6 excluded",
                "demo:15 ==1.4.0 hashes=2",
                "internal-tools:27 not-from-index",
                "myapp:32 not-from-index",
            ]
        );
        assert_eq!(
            summary(&read_lockfile(&uv_lock, &windows).unwrap())[0],
            "colorama:6 ==0.4.6 hashes=2"
        );
        assert_eq!(
            summary(&read_lockfile(&fixture(dir.path(), "poetry.lock"), &linux).unwrap()),
            vec![
                "colorama:4 excluded",
                "demo:17 ==1.4.0 hashes=2",
                "internal-tools:32 not-from-index",
            ]
        );
        assert_eq!(
            summary(&read_lockfile(&fixture(dir.path(), "pylock.toml"), &linux).unwrap()),
            vec![
                "colorama:8 excluded",
                "demo:16 ==1.4.0 hashes=1",
                "internal-tools:22 not-from-index",
                "myapp:26 not-from-index",
            ]
        );
        assert_eq!(
            summary(&read_lockfile(&fixture(dir.path(), "Pipfile.lock"), &linux).unwrap()),
            vec![
                "colorama:19 excluded",
                "demo:28 ==1.4.0 hashes=2",
                "internal-tools:37 not-from-index",
                "myapp:43 not-from-index",
            ]
        );
        let other = dir.path().join("deps.lock");
        std::fs::write(&other, "").unwrap();
        assert!(matches!(
            read_lockfile(&other, &linux),
            Err(InputError::UnknownLockfile { .. })
        ));
    }
}
