use std::path::PathBuf;

/// Why an input could not be read. Problems with single packages are not errors: they
/// become [`Pin`](crate::Pin)s that say why the package is not verified.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file could not be read.
    #[error("could not read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line or document is not in the expected format.
    #[error("{}{}: {detail}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, when known.
        line: Option<u32>,
        /// What is wrong and what to do.
        detail: String,
    },
    /// A requirements file includes itself, directly or not.
    #[error("{}: -r includes {} again (a cycle)", from.display(), path.display())]
    IncludeCycle {
        /// The including file.
        from: PathBuf,
        /// The file included again.
        path: PathBuf,
    },
    /// The file name is not a lockfile this crate reads.
    #[error(
        "{}: not a known lockfile; expected uv.lock, poetry.lock, pylock.toml (or pylock.NAME.toml) or Pipfile.lock",
        path.display()
    )]
    UnknownLockfile {
        /// The file.
        path: PathBuf,
    },
    /// No installed distribution was found.
    #[error(
        "{}: no site-packages with installed distributions (*.dist-info) found; pass a virtualenv or a site-packages folder",
        path.display()
    )]
    NoEnvironment {
        /// The folder given.
        path: PathBuf,
    },
    /// The configuration is invalid.
    #[error("{}: {detail}", path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

pub(crate) fn read(path: &std::path::Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|source| InputError::Io {
        path: path.to_owned(),
        source,
    })
}
