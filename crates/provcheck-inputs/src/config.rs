//! provcheck's configuration: `[tool.provcheck]` in `pyproject.toml`, or `provcheck.toml`
//! (the same keys at the top level).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use provcheck_report::{Allow, AllowNoSource, Code, Policy, Severity};
use serde::Deserialize;

use crate::InputError;
use crate::error::read;
use crate::package::normalize;

/// The configuration keys. Unknown keys are errors.
///
/// ```toml
/// [tool.provcheck]
/// fail-on = "high"                 # critical | high | medium | low
/// ignore = ["internal-tool"]       # packages never verified
/// repos = { mypkg = "https://github.com/me/mypkg", other = "../other" }
///
/// [tool.provcheck.allow-no-source]
/// vendored-thing = "published from a private repository"
///
/// [[tool.provcheck.allow]]
/// code = "no-tag"
/// packages = ["legacy-lib"]        # optional: every package when absent
/// reason = "tags releases as release/X.Y, which we checked by hand"
/// expires = 2026-12-31             # optional
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// The least severe finding that fails the run (default `high`, `medium` = `--strict`).
    pub fail_on: Option<String>,
    /// Findings accepted, per code, with a reason.
    #[serde(default)]
    pub allow: Vec<AllowEntry>,
    /// Packages whose missing source is accepted: name → reason.
    #[serde(default)]
    pub allow_no_source: BTreeMap<String, String>,
    /// Repository per package: a URL, or a path relative to the configuration file.
    #[serde(default)]
    pub repos: BTreeMap<String, String>,
    /// Packages never verified.
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// One accepted finding code.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// The finding code (`no-tag`, `binary-unverified`, …).
    pub code: String,
    /// Why it is accepted (required).
    pub reason: String,
    /// Only for these packages; every package when empty.
    #[serde(default)]
    pub packages: Vec<String>,
    /// The last day it applies: a TOML date or `"YYYY-MM-DD"`.
    pub expires: Option<toml::Value>,
}

/// A configuration read and checked.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The least severe finding that fails the run.
    pub fail_on: Option<Severity>,
    /// Accepted findings (codes parsed, dates checked).
    pub allow: Vec<Allow>,
    /// Accepted missing sources.
    pub allow_no_source: Vec<AllowNoSource>,
    /// Repository per normalized package name, relative paths resolved.
    pub repos: BTreeMap<String, String>,
    /// Ignored packages, normalized.
    pub ignore: Vec<String>,
}

impl ConfigFile {
    /// The policy this configuration asks for on `today` (`YYYY-MM-DD`): allows past
    /// their expiry are kept, marked expired, and no longer apply.
    pub fn policy(&self, today: &str) -> Policy {
        let mut policy = Policy {
            fail_on: self.fail_on.unwrap_or(Severity::High),
            allow: self.allow.clone(),
            allow_no_source: self.allow_no_source.clone(),
        };
        for allow in &mut policy.allow {
            allow.expired = allow.expires.as_deref().is_some_and(|e| e < today);
        }
        policy
    }
}

/// The configuration in `dir`: `provcheck.toml`, else `pyproject.toml` when it has a
/// `[tool.provcheck]` table.
pub fn find_config(dir: &Path) -> Result<Option<ConfigFile>, InputError> {
    let own = dir.join("provcheck.toml");
    if own.is_file() {
        return load_config(&own).map(Some);
    }
    let pyproject = dir.join("pyproject.toml");
    if pyproject.is_file() {
        let text = read(&pyproject)?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| InputError::Config {
            path: pyproject.clone(),
            detail: e.to_string(),
        })?;
        if table.get("tool").and_then(|t| t.get("provcheck")).is_some() {
            return load_config(&pyproject).map(Some);
        }
    }
    Ok(None)
}

/// Reads a configuration file: `pyproject.toml` (its `[tool.provcheck]`) or any other
/// TOML file (the keys at the top level).
pub fn load_config(path: &Path) -> Result<ConfigFile, InputError> {
    let error = |detail: String| InputError::Config {
        path: path.to_owned(),
        detail,
    };
    let text = read(path)?;
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let config: Config = if is_pyproject {
        let table: toml::Table = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
        match table.get("tool").and_then(|t| t.get("provcheck")) {
            Some(value) => value
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| error(format!("[tool.provcheck]: {e}")))?,
            None => Config::default(),
        }
    } else {
        toml::from_str(&text).map_err(|e| error(e.to_string()))?
    };
    let fail_on = config
        .fail_on
        .as_deref()
        .map(|s| {
            Severity::parse(s)
                .filter(|s| *s != Severity::Info)
                .ok_or_else(|| {
                    error(format!(
                        "fail-on = {s:?}: expected critical, high, medium or low"
                    ))
                })
        })
        .transpose()?;
    let mut allow = Vec::new();
    for entry in &config.allow {
        let code = Code::parse(&entry.code).ok_or_else(|| {
            let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            error(format!(
                "allow: unknown code {:?}; codes are: {}",
                entry.code,
                known.join(", ")
            ))
        })?;
        if entry.reason.trim().is_empty() {
            return Err(error(format!(
                "allow {}: the reason must not be empty",
                entry.code
            )));
        }
        let expires = entry
            .expires
            .as_ref()
            .map(|value| {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Datetime(d) => d.to_string(),
                    other => format!("{other:?}"),
                };
                valid_date(&text).then_some(text.clone()).ok_or_else(|| {
                    error(format!(
                        "allow {}: expires = {text}: expected a date YYYY-MM-DD",
                        entry.code
                    ))
                })
            })
            .transpose()?;
        allow.push(Allow {
            code,
            packages: entry.packages.iter().map(|p| normalize(p)).collect(),
            reason: entry.reason.trim().to_owned(),
            expires,
            expired: false,
        });
    }
    let mut allow_no_source = Vec::new();
    for (name, reason) in &config.allow_no_source {
        if reason.trim().is_empty() {
            return Err(error(format!(
                "allow-no-source {name}: the reason must not be empty"
            )));
        }
        allow_no_source.push(AllowNoSource {
            name: normalize(name),
            reason: reason.trim().to_owned(),
        });
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::path::absolute(parent).unwrap_or_else(|_| parent.to_owned());
    let repos = config
        .repos
        .iter()
        .map(|(name, value)| {
            let is_url = value.contains("://") || value.starts_with("git@");
            let resolved = if is_url || Path::new(value).is_absolute() {
                value.clone()
            } else {
                dir.join(value).display().to_string()
            };
            (normalize(name), resolved)
        })
        .collect();
    Ok(ConfigFile {
        path: path.to_owned(),
        fail_on,
        allow,
        allow_no_source,
        repos,
        ignore: config.ignore.iter().map(|p| normalize(p)).collect(),
    })
}

fn valid_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(len, p)| p.len() == *len && p.chars().all(|c| c.is_ascii_digit()))
        && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pyproject_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n\n[tool.provcheck]\nfail-on = \"medium\"\nignore = [\"Internal_Tool\"]\nrepos = { demo = \"../demo\", six = \"https://github.com/benjaminp/six\" }\n\n[tool.provcheck.allow-no-source]\nvendored = \"private repository\"\n\n[[tool.provcheck.allow]]\ncode = \"no-tag\"\npackages = [\"legacy\"]\nreason = \"checked by hand\"\nexpires = 2026-01-31\n",
        )
        .unwrap();
        let config = find_config(dir.path()).unwrap().unwrap();
        assert_eq!(config.fail_on, Some(Severity::Medium));
        assert_eq!(config.ignore, vec!["internal-tool"]);
        assert_eq!(config.repos["six"], "https://github.com/benjaminp/six");
        assert!(config.repos["demo"].ends_with("/../demo"));
        assert!(Path::new(&config.repos["demo"]).is_absolute());
        assert_eq!(config.allow[0].expires.as_deref(), Some("2026-01-31"));
        let policy = config.policy("2026-02-01");
        assert!(policy.allow[0].expired);
        assert!(!config.policy("2026-01-31").allow[0].expired);

        std::fs::write(
            dir.path().join("provcheck.toml"),
            "fail-on = \"high\"\nrepo = {}\n",
        )
        .unwrap();
        let error = find_config(dir.path()).unwrap_err().to_string();
        assert!(error.contains("unknown field `repo`"), "{error}");
        std::fs::write(
            dir.path().join("provcheck.toml"),
            "[[allow]]\ncode = \"no-tag\"\nreason = \" \"\n",
        )
        .unwrap();
        let error = find_config(dir.path()).unwrap_err().to_string();
        assert!(error.contains("reason must not be empty"), "{error}");
        std::fs::write(
            dir.path().join("provcheck.toml"),
            "[[allow]]\ncode = \"no-tags\"\nreason = \"x\"\n",
        )
        .unwrap();
        let error = find_config(dir.path()).unwrap_err().to_string();
        assert!(error.contains("unknown code \"no-tags\""), "{error}");
    }
}
