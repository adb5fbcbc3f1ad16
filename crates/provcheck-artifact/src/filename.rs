use std::str::FromStr;

use pep440_rs::Version;
use provcheck_report::ArtifactKind;

use crate::ArtifactError;

/// An artifact filename, parsed by the wheel and sdist naming specifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactName {
    /// Wheel or sdist.
    pub kind: ArtifactKind,
    /// The project name as spelled in the filename.
    pub name: String,
    /// The project name normalized by PEP 503 ([`normalize_name`]).
    pub normalized_name: String,
    /// The version.
    pub version: Version,
    /// The wheel build tag (`ctx-0.1.2-1-py3-none-any.whl` has build tag `1`).
    pub build_tag: Option<String>,
    /// The wheel Python tag (`py3`, `cp312`, `py2.py3`).
    pub python_tag: Option<String>,
    /// The wheel ABI tag (`none`, `abi3`, `cp312`).
    pub abi_tag: Option<String>,
    /// The wheel platform tag (`any`, `manylinux_2_17_x86_64`).
    pub platform_tag: Option<String>,
}

impl ArtifactName {
    /// Whether this is a wheel for any platform: pure Python, no compiled code expected.
    pub fn is_pure(&self) -> bool {
        self.kind == ArtifactKind::Wheel && self.platform_tag.as_deref() == Some("any")
    }
}

/// How an archive is stored, from its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArchiveFormat {
    /// A zip archive: wheels and legacy `.zip` sdists.
    Zip,
    /// A gzip-compressed tar archive.
    TarGz,
    /// A bzip2-compressed tar archive.
    TarBz2,
    /// An uncompressed tar archive.
    Tar,
}

/// Suffixes by length, longest first, so that `.tar.gz` wins over `.gz`-less `.tar`.
const SUFFIXES: &[(&str, ArtifactKind, ArchiveFormat)] = &[
    (".tar.bz2", ArtifactKind::Sdist, ArchiveFormat::TarBz2),
    (".tar.gz", ArtifactKind::Sdist, ArchiveFormat::TarGz),
    (".whl", ArtifactKind::Wheel, ArchiveFormat::Zip),
    (".tgz", ArtifactKind::Sdist, ArchiveFormat::TarGz),
    (".zip", ArtifactKind::Sdist, ArchiveFormat::Zip),
    (".tar", ArtifactKind::Sdist, ArchiveFormat::Tar),
];

/// The kind, storage format and stem (filename without suffix) of a filename.
pub(crate) fn detect_format(filename: &str) -> Option<(ArtifactKind, ArchiveFormat, &str)> {
    SUFFIXES.iter().find_map(|&(suffix, kind, format)| {
        let split = filename.len().checked_sub(suffix.len())?;
        let (stem, tail) = (filename.get(..split)?, filename.get(split..)?);
        tail.eq_ignore_ascii_case(suffix)
            .then_some((kind, format, stem))
    })
}

/// Parses an artifact filename (no folder) by the wheel and sdist specifications.
///
/// Wheels are `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, so
/// `ctx-0.1.2-1-py2.py3-none-any.whl` is version `0.1.2` with build tag `1`. Sdists are
/// `{name}-{version}.tar.gz`, where legacy names may hold dashes: the name ends at the
/// first `-` after which the rest is a PEP 440 version, so `ctx-0.1.2-1.tar.gz` is version
/// `0.1.2.post1` and `my-pkg-1.0.tar.gz` is `my-pkg` version `1.0`.
pub fn parse_filename(filename: &str) -> Result<ArtifactName, ArtifactError> {
    let (kind, _, stem) = detect_format(filename).ok_or_else(|| ArtifactError::UnknownFormat {
        file: filename.to_owned(),
    })?;
    let bad = |detail: String| ArtifactError::BadFilename {
        file: filename.to_owned(),
        detail,
    };
    match kind {
        ArtifactKind::Wheel => parse_wheel(stem).map_err(bad),
        ArtifactKind::Sdist => parse_sdist(stem).map_err(bad),
    }
}

fn parse_wheel(stem: &str) -> Result<ArtifactName, String> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, tags) = match parts.as_slice() {
        [name, version, tags @ ..] if tags.len() == 3 => (*name, *version, None, tags),
        [name, version, build, tags @ ..] if tags.len() == 3 => {
            (*name, *version, Some(*build), tags)
        }
        _ => {
            return Err(format!(
                "a wheel name has 5 or 6 dash-separated parts, this one has {}",
                parts.len()
            ));
        }
    };
    if name.is_empty() || tags.iter().any(|t| t.is_empty()) {
        return Err("a part of the wheel name is empty".to_owned());
    }
    if let Some(build) = build
        && !build.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(format!(
            "the build tag `{build}` does not start with a digit"
        ));
    }
    Ok(ArtifactName {
        kind: ArtifactKind::Wheel,
        name: name.to_owned(),
        normalized_name: normalize_name(name),
        version: parse_version(version)?,
        build_tag: build.map(str::to_owned),
        python_tag: Some(tags[0].to_owned()),
        abi_tag: Some(tags[1].to_owned()),
        platform_tag: Some(tags[2].to_owned()),
    })
}

fn parse_sdist(stem: &str) -> Result<ArtifactName, String> {
    let (name, version) = split_name_version(stem)
        .ok_or_else(|| format!("`{stem}` is not {{name}}-{{version}} with a PEP 440 version"))?;
    Ok(ArtifactName {
        kind: ArtifactKind::Sdist,
        name: name.to_owned(),
        normalized_name: normalize_name(name),
        version,
        build_tag: None,
        python_tag: None,
        abi_tag: None,
        platform_tag: None,
    })
}

/// Splits `{name}-{version}` at the first `-` after which the rest is a PEP 440 version.
///
/// Legacy names may contain dashes, and legacy versions may too (`1.0-1` is `1.0.post1`),
/// so the first split that yields a valid version wins, like pip's own fallback.
pub(crate) fn split_name_version(stem: &str) -> Option<(&str, Version)> {
    stem.match_indices('-').find_map(|(at, _)| {
        let (name, version) = (&stem[..at], &stem[at + 1..]);
        if name.is_empty() {
            return None;
        }
        Version::from_str(version).ok().map(|v| (name, v))
    })
}

fn parse_version(version: &str) -> Result<Version, String> {
    Version::from_str(version).map_err(|e| format!("`{version}` is not a PEP 440 version ({e})"))
}

pub use provcheck_types::normalize_name;

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    #[test]
    fn wheel_with_build_tag() {
        let n = parse_filename("ctx-0.1.2-1-py2.py3-none-any.whl").unwrap();
        assert_eq!(n.kind, ArtifactKind::Wheel);
        assert_eq!(n.name, "ctx");
        assert_eq!(n.version, v("0.1.2"));
        assert_eq!(n.version.to_string(), "0.1.2");
        assert_eq!(n.build_tag.as_deref(), Some("1"));
        assert_eq!(n.python_tag.as_deref(), Some("py2.py3"));
        assert_eq!(n.abi_tag.as_deref(), Some("none"));
        assert_eq!(n.platform_tag.as_deref(), Some("any"));
        assert!(n.is_pure());
    }

    #[test]
    fn platform_wheel() {
        let n = parse_filename("Foo_Bar-2.0-cp312-cp312-manylinux_2_17_x86_64.whl").unwrap();
        assert_eq!(n.name, "Foo_Bar");
        assert_eq!(n.normalized_name, "foo-bar");
        assert_eq!(n.build_tag, None);
        assert!(!n.is_pure());
    }

    #[test]
    fn sdist_legacy_post_release() {
        let n = parse_filename("ctx-0.1.2-1.tar.gz").unwrap();
        assert_eq!(n.kind, ArtifactKind::Sdist);
        assert_eq!(n.name, "ctx");
        assert_eq!(n.version, v("0.1.2.post1"));
        assert!(!n.is_pure());
    }

    #[test]
    fn sdist_dashed_name() {
        let n = parse_filename("my-pkg-1.0.tar.gz").unwrap();
        assert_eq!(n.name, "my-pkg");
        assert_eq!(n.version, v("1.0"));
        for file in [
            "my-pkg-1.0.zip",
            "my-pkg-1.0.tar.bz2",
            "my-pkg-1.0.tgz",
            "my-pkg-1.0.TAR.GZ",
        ] {
            let n = parse_filename(file).unwrap();
            assert_eq!(
                (n.name.as_str(), n.version.clone()),
                ("my-pkg", v("1.0")),
                "{file}"
            );
        }
    }

    #[test]
    fn bad_names() {
        assert!(matches!(
            parse_filename("foo-1.0.egg"),
            Err(ArtifactError::UnknownFormat { .. })
        ));
        for bad in [
            "foo.tar.gz",
            "foo-bar.tar.gz",
            "-1.0.tar.gz",
            "foo-1.0-py3-none.whl",
            "foo-1.0-x1-py3-none-any.whl",
            "foo-notaversion-py3-none-any.whl",
            "foo-1.0-1-2-py3-none-any.whl",
        ] {
            let err = parse_filename(bad).unwrap_err();
            assert!(
                matches!(err, ArtifactError::BadFilename { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn pep503() {
        assert_eq!(normalize_name("Foo.Bar__baz--Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("a"), "a");
    }
}
