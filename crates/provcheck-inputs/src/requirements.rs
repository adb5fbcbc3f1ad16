//! pip requirements files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::{Requirement, VersionOrUrl};

use crate::error::read;
use crate::package::{beside, normalize, sha256_of};
use crate::{InputError, Inputs, MarkerContext, Origin, Package, Pin};

/// Global options that change how pip finds packages but not which ones: ignored here.
const GLOBAL_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--require-hashes",
    "--no-binary",
    "--only-binary",
    "--use-feature",
    "--config-settings",
];

/// Reads a requirements file and the files it includes (`-r`), in order.
///
/// Pinned lines (`name==version`, with `--hash=sha256:…` options selecting the allowed
/// files) become [`Pin::Exact`]; ranges and bare names [`Pin::Unpinned`]; editable, VCS,
/// URL and path requirements [`Pin::NotFromIndex`]; lines whose markers do not hold in
/// `markers` [`Pin::Excluded`]. Constraint files (`-c`) add no package and are not read.
pub fn read_requirements(path: &Path, markers: &MarkerContext) -> Result<Inputs, InputError> {
    let mut inputs = Inputs::default();
    let mut seen = HashSet::new();
    read_file(path, None, markers, &mut inputs, &mut seen)?;
    Ok(inputs)
}

fn read_file(
    path: &Path,
    from: Option<&Path>,
    markers: &MarkerContext,
    inputs: &mut Inputs,
    seen: &mut HashSet<PathBuf>,
) -> Result<(), InputError> {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    if !seen.insert(key) {
        return match from {
            Some(from) => Err(InputError::IncludeCycle {
                from: from.to_owned(),
                path: path.to_owned(),
            }),
            None => Ok(()),
        };
    }
    let text = read(path)?;
    for (line_number, line) in logical_lines(&text) {
        let line = strip_comment(&line);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parse_error = |detail: String| InputError::Parse {
            path: path.to_owned(),
            line: Some(line_number),
            detail,
        };
        let origin = Origin {
            file: path.to_owned(),
            line: Some(line_number),
            text: Some(line.to_owned()),
        };
        if line.starts_with('-') {
            let (option, value) = split_option(line);
            match option {
                "-r" | "--requirement" => {
                    let value =
                        value.ok_or_else(|| parse_error(format!("{option} needs a file")))?;
                    let included = beside(path, value);
                    read_file(&included, Some(path), markers, inputs, seen)?;
                }
                "-c" | "--constraint" => {
                    inputs.notes.push(format!(
                        "{}:{line_number}: constraints file {} not read (constraints add no package)",
                        path.display(),
                        value.unwrap_or("")
                    ));
                }
                "-e" | "--editable" => {
                    let value = value
                        .ok_or_else(|| parse_error(format!("{option} needs a path or URL")))?;
                    inputs.packages.push(Package {
                        name: name_from_location(value),
                        pin: Pin::NotFromIndex {
                            reason: format!("editable install of {value}"),
                            version: None,
                        },
                        origin,
                        findings: Vec::new(),
                    });
                }
                option if GLOBAL_OPTIONS.contains(&option) => {}
                other => {
                    inputs.notes.push(format!(
                        "{}:{line_number}: option {other} ignored",
                        path.display()
                    ));
                }
            }
            continue;
        }
        let (requirement, options) = split_requirement_options(line);
        let mut hashes = Vec::new();
        for (option, value) in options {
            if option == "--hash" {
                let value = value.unwrap_or_default();
                match sha256_of(&value) {
                    Some(hash) => hashes.push(hash),
                    None if value.contains(':') => inputs.notes.push(format!(
                        "{}:{line_number}: --hash {value}: only sha256 hashes select files; ignored",
                        path.display()
                    )),
                    None => return Err(parse_error(format!("--hash {value:?} is not ALGORITHM:HEX"))),
                }
            }
        }
        inputs.packages.push(requirement_package(
            requirement,
            hashes,
            origin,
            markers,
            parse_error,
        )?);
    }
    Ok(())
}

fn requirement_package(
    text: &str,
    hashes: Vec<String>,
    origin: Origin,
    markers: &MarkerContext,
    parse_error: impl Fn(String) -> InputError,
) -> Result<Package, InputError> {
    let package = |name: String, pin: Pin| Package {
        name,
        pin,
        origin: origin.clone(),
        findings: Vec::new(),
    };
    // pip also takes bare URLs and paths (`./pkg`, `git+https://…#egg=name`, `x.whl`).
    if looks_like_location(text) {
        let location = text.split(';').next().unwrap_or(text).trim();
        return Ok(package(
            name_from_location(location),
            Pin::NotFromIndex {
                reason: format!("installed from {location}"),
                version: None,
            },
        ));
    }
    let requirement = Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
        .map_err(|e| parse_error(format!("not a requirement: {e}")))?;
    let name = normalize(requirement.name.as_ref());
    if !markers.holds_tree(&requirement.marker) {
        let marker = requirement
            .marker
            .try_to_string()
            .unwrap_or_else(|| "its markers".to_owned());
        return Ok(package(
            name,
            Pin::Excluded {
                reason: format!("markers `{marker}` do not hold for {}", markers.describe()),
                version: exact_version(&requirement),
            },
        ));
    }
    let pin = match &requirement.version_or_url {
        Some(VersionOrUrl::Url(url)) => Pin::NotFromIndex {
            reason: format!(
                "installed from {}",
                url.given()
                    .map(str::to_owned)
                    .unwrap_or_else(|| url.to_string())
            ),
            version: None,
        },
        None => Pin::Unpinned {
            reason: "no version given (verifying needs NAME==VERSION)".to_owned(),
        },
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => match exact_version(&requirement) {
            Some(version) => Pin::Exact { version, hashes },
            None => Pin::Unpinned {
                reason: format!(
                    "`{specifiers}` is not one exact version (no resolver here: pin it)"
                ),
            },
        },
    };
    Ok(package(name, pin))
}

/// The version of `==V` / `===V` (no wildcard), the only specifiers that pin a release.
fn exact_version(requirement: &Requirement<pep508_rs::VerbatimUrl>) -> Option<pep440_rs::Version> {
    let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &requirement.version_or_url else {
        return None;
    };
    let mut iter = specifiers.iter();
    let only = iter.next()?;
    if iter.next().is_some() {
        return None;
    }
    match only.operator() {
        pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual => {
            Some(only.version().clone())
        }
        _ => None,
    }
}

fn looks_like_location(text: &str) -> bool {
    let head = text.split(';').next().unwrap_or(text).trim();
    if head.contains(" @ ") || head.contains("@ ") {
        return false;
    }
    head.contains("://")
        || head.starts_with('.')
        || head.starts_with('/')
        || head.starts_with('~')
        || [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2"]
            .iter()
            .any(|suffix| head.ends_with(suffix))
}

/// `#egg=name` of a URL, the project of a wheel file name, else the location itself.
fn name_from_location(location: &str) -> String {
    if let Some((_, fragment)) = location.split_once('#') {
        for part in fragment.split('&') {
            if let Some(name) = part.strip_prefix("egg=") {
                return normalize(name);
            }
        }
    }
    let file = location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(location);
    if let Some(stem) = file.strip_suffix(".whl")
        && let Some((name, _)) = stem.split_once('-')
    {
        return normalize(name);
    }
    location.to_owned()
}

/// Lines with `\` continuations joined, each with the number of its first line.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut lines = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index as u32 + 1;
        let (continued, content) = match raw.trim_end().strip_suffix('\\') {
            Some(head) => (true, head),
            None => (false, raw),
        };
        let entry = current.get_or_insert_with(|| (number, String::new()));
        if !entry.1.is_empty() {
            entry.1.push(' ');
        }
        entry.1.push_str(content.trim());
        if !continued {
            lines.extend(current.take());
        }
    }
    lines.extend(current);
    lines
}

/// pip's rule: `#` starts a comment at the beginning of a line or after whitespace.
fn strip_comment(line: &str) -> String {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return line[..i].to_owned();
        }
    }
    line.to_owned()
}

/// `--opt=value`, `--opt value`, `-rfile`, `-r file`.
fn split_option(line: &str) -> (&str, Option<&str>) {
    let (head, rest) = match line.find(|c: char| c.is_whitespace() || c == '=') {
        Some(i) => (&line[..i], line[i + 1..].trim()),
        None => (line, ""),
    };
    let (head, rest) = if !head.starts_with("--") && head.len() > 2 {
        (&head[..2], line[2..].trim())
    } else {
        (head, rest)
    };
    (head, (!rest.is_empty()).then_some(rest))
}

/// The requirement text and its per-requirement options (`--hash=…`).
fn split_requirement_options(line: &str) -> (&str, Vec<(String, Option<String>)>) {
    let Some(start) = line.find(" --").or_else(|| line.find("\t--")) else {
        return (line, Vec::new());
    };
    let requirement = line[..start].trim();
    let mut options = Vec::new();
    let mut tokens = line[start..].split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        if let Some((option, value)) = token.split_once('=') {
            options.push((option.to_owned(), Some(value.to_owned())));
        } else if token.starts_with("--") {
            let value = tokens
                .next_if(|next| !next.starts_with("--"))
                .map(str::to_owned);
            options.push((token.to_owned(), value));
        }
    }
    (requirement, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MarkerContext {
        MarkerContext::new("3.12", &["linux_x86_64".to_owned()]).unwrap()
    }

    #[test]
    fn reads_pins_hashes_includes_markers_and_locations() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("req")).unwrap();
        std::fs::write(
            dir.path().join("req/base.txt"),
            "six==1.17.0 # comment\n-c constraints.txt\n",
        )
        .unwrap();
        let hash = "a".repeat(64);
        std::fs::write(
            dir.path().join("requirements.txt"),
            format!(
                "# top\n--index-url https://pypi.org/simple\n-r req/base.txt\nDemo_Pkg==1.4.0 \\\n    --hash=sha256:{hash} \\\n    --hash sha256:{}\nrequests>=2\nflask\ncolorama==0.4.6 ; sys_platform == 'win32'\nattrs==25.1.0; python_version >= '3.8'\n-e ./local\ngit+https://github.com/x/y.git@v1#egg=y-pkg\nz @ https://example.invalid/z-1.0.tar.gz\n",
                "B".repeat(64)
            ),
        )
        .unwrap();
        let inputs = read_requirements(&dir.path().join("requirements.txt"), &ctx()).unwrap();
        let got: Vec<(String, Option<u32>, String)> = inputs
            .packages
            .iter()
            .map(|p| {
                let what = match &p.pin {
                    Pin::Exact { version, hashes } => format!("=={version} {}", hashes.len()),
                    Pin::Unpinned { .. } => "unpinned".to_owned(),
                    Pin::NotFromIndex { .. } => "not-from-index".to_owned(),
                    Pin::Excluded { .. } => "excluded".to_owned(),
                };
                (p.name.clone(), p.origin.line, what)
            })
            .collect();
        let expect = |n: &str, l: u32, w: &str| (n.to_owned(), Some(l), w.to_owned());
        assert_eq!(
            got,
            vec![
                expect("six", 1, "==1.17.0 0"),
                expect("demo-pkg", 4, "==1.4.0 2"),
                expect("requests", 7, "unpinned"),
                expect("flask", 8, "unpinned"),
                expect("colorama", 9, "excluded"),
                expect("attrs", 10, "==25.1.0 0"),
                expect("./local", 11, "not-from-index"),
                expect("y-pkg", 12, "not-from-index"),
                expect("z", 13, "not-from-index"),
            ]
        );
        assert!(inputs.packages[0].origin.file.ends_with("req/base.txt"));
        let Pin::Exact { hashes, .. } = &inputs.packages[1].pin else {
            panic!()
        };
        assert_eq!(hashes[1], "b".repeat(64));
        assert_eq!(inputs.notes.len(), 1, "{:?}", inputs.notes);
    }

    #[test]
    fn include_cycles_and_bad_lines_are_errors_with_a_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "-r b.txt\n").unwrap();
        std::fs::write(dir.path().join("b.txt"), "-r a.txt\n").unwrap();
        let error = read_requirements(&dir.path().join("a.txt"), &ctx()).unwrap_err();
        assert!(matches!(error, InputError::IncludeCycle { .. }), "{error}");
        std::fs::write(dir.path().join("c.txt"), "ok==1\nnot a requirement ===\n").unwrap();
        let error = read_requirements(&dir.path().join("c.txt"), &ctx()).unwrap_err();
        assert!(error.to_string().contains("c.txt:2:"), "{error}");
    }
}
