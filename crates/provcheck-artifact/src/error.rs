use std::io;
use std::path::PathBuf;

/// Why an artifact could not be read at all.
///
/// Problems *inside* a readable archive are findings on the
/// [`Artifact`](crate::Artifact), never errors.
#[derive(thiserror::Error, Debug)]
pub enum ArtifactError {
    /// The file could not be opened or read.
    #[error("cannot read {}: check that the file exists and is readable", path.display())]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The file name has no suffix of a known artifact format.
    #[error(
        "{file}: not a known artifact format; provcheck reads wheels (.whl) and sdists \
         (.tar.gz, .tgz, .zip, .tar.bz2, .tar), and needs the file's published name to tell them apart"
    )]
    UnknownFormat {
        /// The file name.
        file: String,
    },
    /// The file name does not follow the wheel or sdist naming specification.
    #[error(
        "{file}: {detail}; wheels are named {{name}}-{{version}}(-{{build}})?-{{python}}-{{abi}}-{{platform}}.whl \
         and sdists {{name}}-{{version}}.tar.gz; pass the file under its published name"
    )]
    BadFilename {
        /// The file name.
        file: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The archive is damaged: a bad compressed stream, a truncated file, a broken zip
    /// central directory, a checksum that does not match.
    #[error("{file} is corrupt or truncated: {detail}; download it again")]
    Corrupt {
        /// The file name.
        file: String,
        /// What is damaged.
        detail: String,
    },
}
