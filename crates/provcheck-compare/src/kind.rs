//! What a file is, judged from its path and its first bytes. Severities follow from it:
//! a changed or added file that runs (Python, startup hooks, scripts, binaries) is a
//! contradiction of the source; a changed data file is worth a look.

use provcheck_report::Severity;

/// The role a file plays once installed or built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A `.pth` file: `site.py` executes its `import` lines at every interpreter start.
    PathConfig,
    /// `sitecustomize.py` / `usercustomize.py`: imported at every interpreter start.
    StartupModule,
    /// Build code run when an sdist is built or installed (`setup.py`, `pyproject.toml`…).
    BuildCode,
    /// Python source or bytecode.
    Python,
    /// Compiled code or an executable binary (ELF, PE, Mach-O, `.so`, `.pyd`).
    Binary,
    /// A script or code in another language (shell, batch, PowerShell, JavaScript) or a
    /// file installed as a command.
    Script,
    /// A byproduct that slips into archives by accident (caches, editor files).
    Accidental,
    /// Everything else: data, documentation, configuration.
    Data,
}

impl FileKind {
    /// The kind of the file at `path` (artifact-relative) with the given leading bytes.
    pub fn of(path: &str, executable: bool, head: &[u8]) -> FileKind {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if ext == "pth" {
            return FileKind::PathConfig;
        }
        if lower == "sitecustomize.py" || lower == "usercustomize.py" {
            return FileKind::StartupModule;
        }
        if has_binary_magic(head) {
            return FileKind::Binary;
        }
        if is_accidental(path) {
            return FileKind::Accidental;
        }
        if matches!(
            lower.as_str(),
            "setup.py"
                | "setup.cfg"
                | "pyproject.toml"
                | "build.py"
                | "hatch_build.py"
                | "meson.build"
        ) {
            return FileKind::BuildCode;
        }
        match ext {
            "py" | "pyw" | "pyc" | "pyo" | "pyx" | "pxd" => FileKind::Python,
            "so" | "pyd" | "dll" | "dylib" | "exe" | "bin" => FileKind::Binary,
            "sh" | "bash" | "zsh" | "bat" | "cmd" | "ps1" | "psm1" | "vbs" | "js" | "mjs"
            | "cjs" | "pl" | "rb" | "lua" => FileKind::Script,
            _ => {
                if path.contains(".data/scripts/") || executable || head.starts_with(b"#!") {
                    FileKind::Script
                } else {
                    FileKind::Data
                }
            }
        }
    }

    /// The severity of a file of this kind that differs from the source.
    pub fn modified_severity(self) -> Severity {
        match self {
            FileKind::PathConfig | FileKind::StartupModule => Severity::Critical,
            FileKind::BuildCode | FileKind::Python | FileKind::Binary | FileKind::Script => {
                Severity::High
            }
            FileKind::Accidental | FileKind::Data => Severity::Medium,
        }
    }

    /// The severity of a file of this kind that is in no file of the source.
    pub fn extra_severity(self) -> Severity {
        self.modified_severity()
    }

    /// A short noun for messages.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::PathConfig => "a .pth file (processed at every interpreter start)",
            FileKind::StartupModule => "a startup module (imported at every interpreter start)",
            FileKind::BuildCode => "build code (runs when the sdist is built)",
            FileKind::Python => "Python code",
            FileKind::Binary => "a binary",
            FileKind::Script => "a script",
            FileKind::Accidental => "a cache or editor file",
            FileKind::Data => "a data file",
        }
    }
}

/// ELF, PE (MZ), Mach-O (both endians, 32/64, fat) magic numbers.
pub fn has_binary_magic(head: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x7fELF",
        b"MZ",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    MAGICS.iter().any(|magic| head.starts_with(magic))
}

/// Caches, VCS droppings and editor files that get swept into archives by accident.
pub fn is_accidental(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_dir =
        |dir: &str| path.starts_with(&format!("{dir}/")) || path.contains(&format!("/{dir}/"));
    in_dir(".pytest_cache")
        || in_dir(".mypy_cache")
        || in_dir(".ruff_cache")
        || in_dir(".tox")
        || in_dir(".nox")
        || in_dir(".idea")
        || in_dir(".vscode")
        || (in_dir("__pycache__") && !path.contains(".dist-info/"))
        || in_dir(".hypothesis")
        || in_dir(".ipynb_checkpoints")
        || in_dir("htmlcov")
        || in_dir(".eggs")
        || name == ".hg_archival.txt"
        || name == ".coverage"
        || name.starts_with(".coverage.")
        || name == ".DS_Store"
        || name == "Thumbs.db"
        || name == ".git"
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".orig")
        || name.ends_with(".rej")
        || name.ends_with(".bak")
}

/// Files the packaging tools write, which no commit holds: excluded from match scores.
pub fn is_packaging_metadata(path: &str) -> bool {
    let top = path.split('/').next().unwrap_or(path);
    top.ends_with(".dist-info")
        || path == "PKG-INFO"
        || path.split('/').any(|part| part.ends_with(".egg-info"))
        || path == "setup.cfg"
}

/// Whether a `.pth` line is executed by `site.py` (it starts with `import` and a blank).
pub fn is_executable_pth_line(line: &str) -> bool {
    line.starts_with("import ") || line.starts_with("import\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(FileKind::of("a.pth", false, b""), FileKind::PathConfig);
        assert_eq!(
            FileKind::of("pkg/x.py", false, b"import os"),
            FileKind::Python
        );
        assert_eq!(
            FileKind::of("pkg/x.py", false, b"MZ\x90\0"),
            FileKind::Binary
        );
        assert_eq!(FileKind::of("pkg/data.json", false, b"{}"), FileKind::Data);
        assert_eq!(FileKind::of("bin/tool", true, b"x"), FileKind::Script);
        assert_eq!(
            FileKind::of(".pytest_cache/v/cache/x", false, b""),
            FileKind::Accidental
        );
        assert_eq!(FileKind::of("setup.py", false, b""), FileKind::BuildCode);
        assert!(is_executable_pth_line("import os; os.system('x')"));
        assert!(!is_executable_pth_line("importlib"));
        assert!(!is_executable_pth_line("/usr/lib/foo"));
    }
}
