use std::str::FromStr;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree};

/// The Python version markers are evaluated for when none is given: provcheck never runs
/// an interpreter to ask (in a compromised environment that would run its startup hooks).
pub const DEFAULT_PYTHON: &str = "3.13";

/// The environments markers are evaluated against: one Python version on one or more
/// platforms. A requirement is kept when its markers hold on any of them.
#[derive(Debug, Clone)]
pub struct MarkerContext {
    environments: Vec<MarkerEnvironment>,
    description: String,
}

impl MarkerContext {
    /// For `python` (`3.12` or `3.12.4`) on each platform (a wheel platform tag or part of
    /// one: `manylinux_2_17_x86_64`, `win_amd64`, `macosx_11_0_arm64`, `linux`, `windows`,
    /// `macos`); no platform means this machine's.
    pub fn new(python: &str, platforms: &[String]) -> Result<MarkerContext, String> {
        let python = python.trim();
        let parts: Vec<&str> = python.split('.').collect();
        let valid = (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if !valid {
            return Err(format!(
                "--python {python:?}: expected a version such as 3.12 or 3.12.4"
            ));
        }
        let short = format!("{}.{}", parts[0], parts[1]);
        let full = if parts.len() == 3 {
            python.to_owned()
        } else {
            format!("{short}.0")
        };
        let platforms: Vec<Platform> = if platforms.is_empty() {
            vec![Platform::host()]
        } else {
            platforms.iter().map(|p| Platform::from_tag(p)).collect()
        };
        let mut environments = Vec::new();
        for platform in &platforms {
            let environment = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
                implementation_name: "cpython",
                implementation_version: &full,
                os_name: platform.os_name,
                platform_machine: &platform.machine,
                platform_python_implementation: "CPython",
                platform_release: "",
                platform_system: platform.system,
                platform_version: "",
                python_full_version: &full,
                python_version: &short,
                sys_platform: platform.sys_platform,
            })
            .map_err(|e| format!("--python {python:?}: {e}"))?;
            environments.push(environment);
        }
        let names: Vec<String> = platforms
            .iter()
            .map(|p| format!("{} {}", p.sys_platform, p.machine))
            .collect();
        Ok(MarkerContext {
            environments,
            description: format!("Python {short} on {}", names.join(", ")),
        })
    }

    /// Whether markers (PEP 508 marker text) hold on any of the environments. Markers
    /// that do not parse are kept (verifying too much is safer than too little).
    pub fn holds(&self, markers: &str) -> bool {
        match MarkerTree::from_str(markers) {
            Ok(tree) => self.holds_tree(&tree),
            Err(_) => true,
        }
    }

    pub(crate) fn holds_tree(&self, tree: &MarkerTree) -> bool {
        self.environments.iter().any(|env| tree.evaluate(env, &[]))
    }

    /// `Python 3.12 on linux x86_64`.
    pub fn describe(&self) -> &str {
        &self.description
    }
}

struct Platform {
    sys_platform: &'static str,
    system: &'static str,
    os_name: &'static str,
    machine: String,
}

impl Platform {
    fn host() -> Platform {
        let os = match std::env::consts::OS {
            "windows" => "win",
            "macos" => "macosx",
            _ => "linux",
        };
        let arch = match (std::env::consts::OS, std::env::consts::ARCH) {
            ("windows", "x86_64") => "amd64",
            ("windows", "aarch64") => "arm64",
            ("macos", "aarch64") => "arm64",
            (_, arch) => arch,
        };
        Platform::from_tag(&format!("{os}_{arch}"))
    }

    /// From a wheel platform tag, or a part of one.
    fn from_tag(tag: &str) -> Platform {
        let tag = tag.to_ascii_lowercase();
        let ends = |suffix: &str| tag.ends_with(suffix);
        if tag.contains("win") {
            let machine = if ends("arm64") {
                "ARM64"
            } else if ends("win32") {
                "x86"
            } else {
                "AMD64"
            };
            Platform {
                sys_platform: "win32",
                system: "Windows",
                os_name: "nt",
                machine: machine.to_owned(),
            }
        } else if tag.contains("mac") || tag.contains("darwin") {
            Platform {
                sys_platform: "darwin",
                system: "Darwin",
                os_name: "posix",
                machine: if ends("arm64") { "arm64" } else { "x86_64" }.to_owned(),
            }
        } else {
            let machine = [
                "x86_64", "aarch64", "i686", "ppc64le", "s390x", "armv7l", "riscv64",
            ]
            .into_iter()
            .find(|m| ends(m))
            .unwrap_or("x86_64");
            Platform {
                sys_platform: "linux",
                system: "Linux",
                os_name: "posix",
                machine: machine.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_follow_python_and_platform() {
        let linux = MarkerContext::new("3.11", &["manylinux_2_17_x86_64".to_owned()]).unwrap();
        assert!(linux.holds("python_version < '3.12'"));
        assert!(!linux.holds("python_version >= '3.12'"));
        assert!(!linux.holds("sys_platform == 'win32'"));
        assert!(linux.holds("platform_machine == 'x86_64' and os_name == 'posix'"));
        let both =
            MarkerContext::new("3.12.1", &["win_amd64".to_owned(), "macosx".to_owned()]).unwrap();
        assert!(both.holds("sys_platform == 'win32'"));
        assert!(both.holds("sys_platform == 'darwin'"));
        assert!(!both.holds("sys_platform == 'linux'"));
        assert!(both.holds("python_full_version == '3.12.1'"));
        assert!(MarkerContext::new("three", &[]).is_err());
    }
}
