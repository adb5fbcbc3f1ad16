use provcheck_report::Severity;

/// Why an entry name cannot be trusted as a path inside the installation folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unsafe {
    /// A NUL byte: tools written in C see a shorter name than Python does.
    Nul,
    /// Starts at the filesystem root.
    Absolute,
    /// A Windows drive prefix (`C:`).
    DriveLetter,
    /// A `..` component.
    Traversal,
    /// A backslash, a path separator on Windows only.
    Backslash,
    /// Longer than any filesystem accepts.
    TooLong,
}

/// Linux's `PATH_MAX`: no installer can create a longer path, and keeping such names
/// would let a hostile archive fill memory with names alone.
pub(crate) const MAX_NAME_BYTES: usize = 4096;

impl Unsafe {
    pub fn severity(self) -> Severity {
        match self {
            Unsafe::Absolute | Unsafe::DriveLetter | Unsafe::Traversal => Severity::Critical,
            Unsafe::Nul | Unsafe::Backslash | Unsafe::TooLong => Severity::High,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Unsafe::Nul => "nul-in-name",
            Unsafe::Absolute => "absolute-path",
            Unsafe::DriveLetter => "drive-letter",
            Unsafe::Traversal => "path-traversal",
            Unsafe::Backslash => "backslash",
            Unsafe::TooLong => "name-too-long",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Unsafe::Nul => "contains a NUL byte, so tools disagree on its name; it was not read",
            Unsafe::Absolute => {
                "is an absolute path: an extracting tool could write outside its folder (zip-slip); it was not read"
            }
            Unsafe::DriveLetter => {
                "starts with a drive letter: on Windows an extracting tool could write outside its folder (zip-slip); it was not read"
            }
            Unsafe::Traversal => {
                "has a `..` component: an extracting tool could write outside its folder (zip-slip); it was not read"
            }
            Unsafe::Backslash => {
                "contains a backslash, a folder separator on Windows only, so the file lands at different paths on different systems; it was not read"
            }
            Unsafe::TooLong => {
                "is longer than any filesystem allows, so no installer can create it; it was not read"
            }
        }
    }
}

/// The components of an entry name, without empty and `.` components, or why the name is
/// unsafe.
pub(crate) fn components(raw: &str) -> Result<Vec<&str>, Unsafe> {
    if raw.len() > MAX_NAME_BYTES {
        return Err(Unsafe::TooLong);
    }
    if raw.contains('\0') {
        return Err(Unsafe::Nul);
    }
    if raw.starts_with(['/', '\\']) {
        return Err(Unsafe::Absolute);
    }
    let bytes = raw.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(Unsafe::DriveLetter);
    }
    if raw.contains('\\') {
        let climbs = raw.split(['/', '\\']).any(|c| c == "..");
        return Err(if climbs {
            Unsafe::Traversal
        } else {
            Unsafe::Backslash
        });
    }
    let parts: Vec<&str> = raw
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(Unsafe::Traversal);
    }
    Ok(parts)
}

/// Where an entry lands relative to the artifact root.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Mapped {
    /// A normalized, `/`-separated path relative to the artifact root.
    Path(String),
    /// Nothing: the sdist's top folder itself, or an empty name.
    Nothing,
    /// Outside the sdist's single top folder.
    Outside,
    /// An unsafe name.
    Unsafe(Unsafe),
}

/// Maps entry names to artifact paths; for sdists, finds and strips the single top folder.
///
/// The top folder is the first component of the first entry that has one (a folder entry,
/// or a file below a folder): sdists are written folder first, and a streaming reader
/// cannot look ahead.
#[derive(Debug)]
pub(crate) struct RootMapper {
    strip_root: bool,
    root: Option<String>,
}

impl RootMapper {
    pub fn new(strip_root: bool) -> Self {
        RootMapper {
            strip_root,
            root: None,
        }
    }

    /// The top folder found so far.
    pub fn root(&self) -> Option<&str> {
        self.root.as_deref()
    }

    pub fn map(&mut self, raw: &str, is_dir: bool) -> Mapped {
        let parts = match components(raw) {
            Ok(parts) => parts,
            Err(why) => return Mapped::Unsafe(why),
        };
        let Some(&top) = parts.first() else {
            return Mapped::Nothing;
        };
        if !self.strip_root {
            return Mapped::Path(parts.join("/"));
        }
        match &self.root {
            None if parts.len() >= 2 || is_dir => self.root = Some(top.to_owned()),
            None => return Mapped::Outside,
            Some(root) if root != top => return Mapped::Outside,
            Some(_) => {}
        }
        match parts.len() {
            1 if is_dir => Mapped::Nothing,
            1 => Mapped::Outside,
            _ => Mapped::Path(parts[1..].join("/")),
        }
    }
}

/// An entry name made safe to show: control and bidirectional-override characters escaped
/// (they can hide or reorder text on a terminal), cut at 300 characters.
pub(crate) fn display(raw: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut out = String::with_capacity(raw.len().min(MAX_CHARS * 4));
    for (i, c) in raw.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        let spoofing = matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        );
        if c.is_control() || spoofing {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the checks need this file's content whatever the caller asked: packaging
/// metadata, build configuration, and files Python runs at startup.
pub(crate) fn checks_need(path: &str) -> bool {
    let (dirs, base) = match path.rsplit_once('/') {
        Some((dirs, base)) => (dirs, base),
        None => ("", path),
    };
    let in_metadata_dir = !dirs.is_empty()
        && dirs
            .split('/')
            .any(|d| d.ends_with(".dist-info") || d.ends_with(".egg-info"));
    let lower = base.to_ascii_lowercase();
    in_metadata_dir
        || matches!(
            base,
            "PKG-INFO"
                | "setup.cfg"
                | "pyproject.toml"
                | "setup.py"
                | "sitecustomize.py"
                | "usercustomize.py"
        )
        || lower.ends_with(".pth")
        || lower.ends_with(".egg-info")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names() {
        assert_eq!(components("../evil.py"), Err(Unsafe::Traversal));
        assert_eq!(components("a/../../b"), Err(Unsafe::Traversal));
        assert_eq!(components("a/..\\b"), Err(Unsafe::Traversal));
        assert_eq!(components("/etc/passwd"), Err(Unsafe::Absolute));
        assert_eq!(components("\\x"), Err(Unsafe::Absolute));
        assert_eq!(components("C:/x"), Err(Unsafe::DriveLetter));
        assert_eq!(components("a\\b.py"), Err(Unsafe::Backslash));
        assert_eq!(components("a\0b"), Err(Unsafe::Nul));
        assert_eq!(components("./a//b/./c"), Ok(vec!["a", "b", "c"]));
        assert_eq!(components("..foo/bar"), Ok(vec!["..foo", "bar"]));
        assert_eq!(components(&"a/".repeat(3000)), Err(Unsafe::TooLong));
    }

    #[test]
    fn strips_the_sdist_root() {
        let mut m = RootMapper::new(true);
        assert_eq!(m.map("pkg-1.0/", true), Mapped::Nothing);
        assert_eq!(m.root(), Some("pkg-1.0"));
        assert_eq!(
            m.map("pkg-1.0/setup.py", false),
            Mapped::Path("setup.py".into())
        );
        assert_eq!(
            m.map("./pkg-1.0/a/b.py", false),
            Mapped::Path("a/b.py".into())
        );
        assert_eq!(m.map("other/x.py", false), Mapped::Outside);
        assert_eq!(m.map("pkg-1.0", false), Mapped::Outside);

        let mut m = RootMapper::new(true);
        assert_eq!(m.map("stray.py", false), Mapped::Outside);
        assert_eq!(
            m.map("pkg/PKG-INFO", false),
            Mapped::Path("PKG-INFO".into())
        );
        assert_eq!(m.root(), Some("pkg"));

        let mut wheel = RootMapper::new(false);
        assert_eq!(
            wheel.map("pkg/__init__.py", false),
            Mapped::Path("pkg/__init__.py".into())
        );
        assert_eq!(wheel.map("../x", false), Mapped::Unsafe(Unsafe::Traversal));
    }

    #[test]
    fn display_escapes_spoofing() {
        assert_eq!(display("a\nb"), "a\\u{a}b");
        assert_eq!(display("x\u{202e}yp.exe"), "x\\u{202e}yp.exe");
        assert_eq!(display(&"a".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn needed_files() {
        for p in [
            "pkg-1.0.dist-info/METADATA",
            "pkg-1.0.dist-info/licenses/LICENSE",
            "src/pkg.egg-info/SOURCES.txt",
            "PKG-INFO",
            "sub/PKG-INFO",
            "setup.cfg",
            "pyproject.toml",
            "setup.py",
            "evil_init.PTH",
            "sitecustomize.py",
            "usercustomize.py",
        ] {
            assert!(checks_need(p), "{p}");
        }
        for p in ["pkg/__init__.py", "README.md", "dist-info", "x.pthx"] {
            assert!(!checks_need(p), "{p}");
        }
    }
}
