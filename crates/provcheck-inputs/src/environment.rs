//! Installed environments: the distributions in a `site-packages`, and their files
//! checked against the `RECORD` written when they were installed.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use provcheck_artifact::CoreMetadata;
use provcheck_report::{Code, Finding, Severity};
use sha2::{Digest, Sha256};

use crate::package::{normalize, parse_version};
use crate::{InputError, Inputs, Origin, Package, Pin};

/// What was read from an installed environment.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The `site-packages` folders read.
    pub site_packages: Vec<PathBuf>,
    /// The Python version from `pyvenv.cfg`, when there is one (`3.12.3`).
    pub python: Option<String>,
    /// The distributions (with their tampering findings) and the stray startup files.
    pub inputs: Inputs,
}

/// Reads a virtualenv (a folder with `pyvenv.cfg`) or a `site-packages` folder.
///
/// Every `*.dist-info` becomes a [`Package`]: [`Pin::Exact`] from its `METADATA`, or
/// [`Pin::NotFromIndex`] when its `direct_url.json` says it came from a URL, VCS or local
/// folder. Its installed files are hashed and compared with its `RECORD`: a file that
/// differs is a `record-mismatch` finding on the package. `.pth` files and
/// `sitecustomize.py`/`usercustomize.py` that no `RECORD` lists are findings on the
/// environment (`startup-hook` when they run code at interpreter start). Nothing is
/// imported or executed.
pub fn read_environment(path: &Path) -> Result<Environment, InputError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| InputError::Io { path: p, source }
    };
    let mut site_packages = Vec::new();
    let mut python = None;
    let config = path.join("pyvenv.cfg");
    if config.is_file() {
        let text = std::fs::read_to_string(&config).map_err(io(&config))?;
        python = text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            matches!(key.trim(), "version" | "version_info").then(|| {
                value
                    .trim()
                    .split('.')
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(".")
            })
        });
        for lib in ["lib", "lib64"] {
            for entry in std::fs::read_dir(path.join(lib))
                .into_iter()
                .flatten()
                .flatten()
            {
                let candidate = entry.path().join("site-packages");
                let is_python = entry.file_name().to_string_lossy().starts_with("python");
                if is_python && candidate.is_dir() {
                    site_packages.push(candidate);
                }
            }
        }
        let windows = path.join("Lib").join("site-packages");
        if windows.is_dir() {
            site_packages.push(windows);
        }
    } else if has_distributions(path) {
        site_packages.push(path.to_owned());
    }
    // lib64 is often a link to lib.
    let mut seen = HashSet::new();
    site_packages.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    site_packages.sort();
    if site_packages.is_empty() {
        return Err(InputError::NoEnvironment {
            path: path.to_owned(),
        });
    }
    let mut inputs = Inputs::default();
    for folder in &site_packages {
        read_site_packages(folder, path, &mut inputs)?;
    }
    Ok(Environment {
        site_packages,
        python,
        inputs,
    })
}

fn has_distributions(path: &Path) -> bool {
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".dist-info") || name.ends_with(".egg-info")
        })
}

fn read_site_packages(folder: &Path, root: &Path, inputs: &mut Inputs) -> Result<(), InputError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|source| InputError::Io {
            path: folder.to_owned(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    // Every file some RECORD lists, relative to site-packages, normalized.
    let mut owned: HashSet<PathBuf> = HashSet::new();
    for dist_info in entries.iter().filter(|p| {
        p.is_dir()
            && p.extension()
                .is_some_and(|e| e == "dist-info" || e == "egg-info")
    }) {
        if let Some(package) = read_distribution(folder, root, dist_info, &mut owned)? {
            inputs.packages.push(package);
        }
    }
    for file in entries.iter().filter(|p| p.is_file()) {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let relative = PathBuf::from(&name);
        if owned.contains(&relative) {
            continue;
        }
        let is_pth = name.ends_with(".pth");
        let is_customize = name == "sitecustomize.py" || name == "usercustomize.py";
        if !is_pth && !is_customize {
            continue;
        }
        let content = std::fs::read(file).map_err(|source| InputError::Io {
            path: file.clone(),
            source,
        })?;
        let sha256 = hex::encode(Sha256::digest(&content));
        let text = String::from_utf8_lossy(&content);
        let executable: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("import ") || l.starts_with("import\t"))
            .collect();
        let shown = file.display().to_string();
        let finding = if is_pth && name == "_virtualenv.pth" && text.trim() == "import _virtualenv"
        {
            // virtualenv and uv write this hook into every environment they create.
            Finding::new(
                Code::StartupHook,
                Severity::Low,
                "_virtualenv.pth (written by virtualenv/uv when the environment was created) imports _virtualenv at every interpreter start; no RECORD lists it, so its content is not verified",
            )
        } else if is_customize {
            Finding::new(
                Code::StartupHook,
                Severity::Critical,
                format!(
                    "{name} runs at every interpreter start and belongs to no installed distribution (no RECORD lists it)"
                ),
            )
        } else if let Some((line, first)) = executable.first() {
            Finding::new(
                Code::StartupHook,
                Severity::Critical,
                format!(
                    "{name} runs code at every interpreter start ({} executable line(s)) and belongs to no installed distribution (no RECORD lists it)",
                    executable.len()
                ),
            )
            .with("line", *line as u64 + 1)
            .with("first_executable_line", *first)
            .with("executable_lines", executable.len() as u64)
        } else {
            Finding::new(
                Code::ExtraFile,
                Severity::Medium,
                format!(
                    "{name} adds folders to sys.path at every interpreter start and belongs to no installed distribution (no RECORD lists it)"
                ),
            )
        };
        inputs.findings.push(
            finding
                .at(shown)
                .with("sha256", sha256)
                .with("installed", true),
        );
    }
    Ok(())
}

fn read_distribution(
    site_packages: &Path,
    root: &Path,
    dist_info: &Path,
    owned: &mut HashSet<PathBuf>,
) -> Result<Option<Package>, InputError> {
    let is_egg = dist_info.extension().is_some_and(|e| e == "egg-info");
    let metadata_path = dist_info.join(if is_egg { "PKG-INFO" } else { "METADATA" });
    let Ok(metadata) = std::fs::read_to_string(&metadata_path) else {
        return Ok(None);
    };
    let metadata = CoreMetadata::parse(&metadata);
    let (Some(name), Some(version_text)) = (metadata.name, metadata.version) else {
        return Ok(None);
    };
    let version = parse_version(&version_text);
    let origin = Origin {
        file: metadata_path.clone(),
        line: None,
        text: Some(format!("{name}=={version_text}")),
    };
    let mut findings = Vec::new();
    let record_path = dist_info.join("RECORD");
    if let Ok(record) = std::fs::read_to_string(&record_path) {
        for row in record.lines().filter(|l| !l.trim().is_empty()) {
            let fields = csv_fields(row);
            let Some(file) = fields.first().filter(|f| !f.is_empty()) else {
                continue;
            };
            let Some(relative) = normalized(Path::new(file)) else {
                continue;
            };
            owned.insert(relative.clone());
            let hash = fields.get(1).map(String::as_str).unwrap_or("");
            let Some(expected) = record_sha256(hash) else {
                continue;
            };
            let installed = site_packages.join(&relative);
            // Scripts live outside site-packages (`../../../bin/x`): checked when they
            // are still inside the environment.
            let inside = lexical(&installed)
                .is_some_and(|p| p.starts_with(lexical(root).unwrap_or_default()));
            if !inside {
                continue;
            }
            match std::fs::read(&installed) {
                Ok(content) => {
                    let actual = hex::encode(Sha256::digest(&content));
                    if actual != expected {
                        findings.push(modified(file, &content, &expected, &actual, dist_info));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => findings.push(
                    Finding::new(
                        Code::RecordMismatch,
                        Severity::Low,
                        format!("{file} is listed in the RECORD of the installed distribution but is not installed (removed after install)"),
                    )
                    .at(file.as_str())
                    .with("expected_sha256", expected)
                    .with("installed", true),
                ),
                Err(_) => {}
            }
        }
    } else if !is_egg {
        findings.push(
            Finding::new(
                Code::RecordMismatch,
                Severity::Medium,
                "the installed distribution has no RECORD: its installed files cannot be checked",
            )
            .with("installed", true),
        );
    }
    let direct_url = std::fs::read_to_string(dist_info.join("direct_url.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    let pin = match (direct_url, version) {
        (Some(direct), version) => {
            let url = direct["url"].as_str().unwrap_or("?");
            let how = if direct["dir_info"]["editable"].as_bool() == Some(true) {
                "editable install of"
            } else if direct.get("vcs_info").is_some() {
                "installed from VCS"
            } else {
                "installed from"
            };
            Pin::NotFromIndex {
                reason: format!("{how} {url} (direct_url.json)"),
                version,
            }
        }
        (None, Some(version)) => Pin::Exact {
            version,
            hashes: Vec::new(),
        },
        (None, None) => Pin::Unpinned {
            reason: format!("the installed version {version_text:?} is not a PEP 440 version"),
        },
    };
    Ok(Some(Package {
        name: normalize(&name),
        pin,
        origin,
        findings,
    }))
}

fn modified(file: &str, content: &[u8], expected: &str, actual: &str, dist_info: &Path) -> Finding {
    let is_compiled = file.ends_with(".pyc");
    let text = String::from_utf8_lossy(content);
    let runs_at_start = file.ends_with(".pth")
        && text
            .lines()
            .any(|l| l.starts_with("import ") || l.starts_with("import\t"));
    let is_code = [
        ".py", ".pth", ".so", ".pyd", ".dylib", ".dll", ".exe", ".sh",
    ]
    .iter()
    .any(|s| file.ends_with(s))
        || file.contains("/bin/")
        || file.contains("/Scripts/");
    let (severity, what) = if runs_at_start {
        (
            Severity::Critical,
            "runs code at every interpreter start and ",
        )
    } else if is_compiled {
        (
            Severity::Medium,
            "(compiled bytecode; Python may have recompiled it) ",
        )
    } else if is_code {
        (Severity::High, "")
    } else {
        (Severity::Medium, "")
    };
    let dist = dist_info
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Finding::new(
        Code::RecordMismatch,
        severity,
        format!("{file} {what}differs from the sha256 its distribution's RECORD ({dist}/RECORD) recorded at install: changed after install"),
    )
    .at(file)
    .with("expected_sha256", expected)
    .with("actual_sha256", actual)
    .with("installed", true)
}

/// `sha256=URLSAFE_B64` → lowercase hex.
fn record_sha256(hash: &str) -> Option<String> {
    let digest = hash.strip_prefix("sha256=")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(digest.trim_end_matches('='))
        .ok()?;
    (bytes.len() == 32).then(|| hex::encode(bytes))
}

/// The fields of one RECORD row (CSV: commas, double-quoted fields with `""` escapes).
fn csv_fields(row: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = row.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A RECORD path with `.` removed and `..` kept only at the start (relative).
fn normalized(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let leading = out.as_os_str().is_empty() || out.ends_with("..");
                if leading {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// An absolute path with `..` resolved lexically.
fn lexical(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_line(path: &str, content: &[u8]) -> String {
        let digest =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(content));
        format!("{path},sha256={digest},{}\n", content.len())
    }

    #[test]
    fn finds_tampered_files_and_stray_startup_hooks() {
        let venv = tempfile::tempdir().unwrap();
        std::fs::write(
            venv.path().join("pyvenv.cfg"),
            "home = /usr/bin\nversion = 3.12.3\n",
        )
        .unwrap();
        let site = venv.path().join("lib/python3.12/site-packages");
        let di = site.join("demo-1.4.0.dist-info");
        std::fs::create_dir_all(&di).unwrap();
        std::fs::create_dir_all(site.join("demo")).unwrap();
        std::fs::create_dir_all(venv.path().join("bin")).unwrap();
        let core = b"def greet():\n    return 1\n";
        let script = b"#!/venv/bin/python\nimport demo\n";
        std::fs::write(site.join("demo/core.py"), b"import os\nos.system('x')\n").unwrap();
        std::fs::write(site.join("demo/__init__.py"), b"").unwrap();
        std::fs::write(venv.path().join("bin/demo"), script).unwrap();
        std::fs::write(
            di.join("METADATA"),
            "Metadata-Version: 2.1\nName: Demo\nVersion: 1.4.0\n\n",
        )
        .unwrap();
        let record = [
            record_line("demo/core.py", core),
            record_line("demo/__init__.py", b""),
            record_line("../../../bin/demo", script),
            record_line("demo/gone.py", b"x"),
            "demo-1.4.0.dist-info/RECORD,,\n".to_owned(),
        ]
        .concat();
        std::fs::write(di.join("RECORD"), record).unwrap();
        std::fs::write(site.join("evil.pth"), "import base64;exec('1')\n").unwrap();
        std::fs::write(site.join("paths.pth"), "/opt/extra\n").unwrap();
        std::fs::write(site.join("_virtualenv.pth"), "import _virtualenv").unwrap();

        let env = read_environment(venv.path()).unwrap();
        assert_eq!(env.python.as_deref(), Some("3.12.3"));
        assert_eq!(env.site_packages, vec![site.clone()]);
        let package = &env.inputs.packages[0];
        assert_eq!(package.name, "demo");
        assert!(matches!(package.pin, Pin::Exact { .. }));
        let found: Vec<String> = package
            .findings
            .iter()
            .map(|f| format!("{} {} {}", f.severity, f.code, f.path.as_deref().unwrap()))
            .collect();
        assert_eq!(
            found,
            vec![
                "high record-mismatch demo/core.py",
                "low record-mismatch demo/gone.py"
            ]
        );
        let strays: Vec<String> = env
            .inputs
            .findings
            .iter()
            .map(|f| {
                let name = Path::new(f.path.as_deref().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                format!("{} {} {name}", f.severity, f.code)
            })
            .collect();
        assert_eq!(
            strays,
            vec![
                "low startup-hook _virtualenv.pth",
                "critical startup-hook evil.pth",
                "medium extra-file paths.pth"
            ]
        );
    }

    #[test]
    fn record_rows_and_paths() {
        assert_eq!(
            csv_fields("\"a,b.py\",sha256=x,3"),
            vec!["a,b.py", "sha256=x", "3"]
        );
        assert_eq!(normalized(Path::new("./a/../b")), Some(PathBuf::from("b")));
        assert_eq!(
            normalized(Path::new("../../bin/x")),
            Some(PathBuf::from("../../bin/x"))
        );
        assert!(read_environment(Path::new("/nonexistent-provcheck")).is_err());
    }
}
