//! Reads Python artifacts — wheels and sdists — as hostile input, in one streaming pass.
//!
//! [`read_artifact`] opens a `.whl`, `.tar.gz`, `.tgz`, `.zip`, `.tar.bz2` or `.tar` and, for
//! every regular file, computes its sha256 and git blob id ([`ArtifactFile`]) without
//! extracting anything to disk. Memory stays bounded by the largest single file plus what
//! the caller asks to keep ([`ReadOptions`]).
//!
//! Structural problems of the archive (unsafe paths, duplicate entries, links, bombs, zip
//! headers that disagree) and disagreements with the wheel's `RECORD` or the metadata are
//! [`Finding`](provcheck_report::Finding)s on the returned [`Artifact`]: they are facts about
//! the artifact, not errors. Only an archive that cannot be read at all (missing, corrupt,
//! truncated, of an unknown format) is an [`ArtifactError`].
//!
//! - [`parse_filename`], [`normalize_name`]: artifact filenames, by the packaging specs.
//! - [`Limits`], [`ReadOptions`]: bounds for hostile archives, and what to keep in memory.
//! - [`CoreMetadata`]: the headers of `METADATA` / `PKG-INFO`.
#![deny(missing_docs)]

mod artifact;
mod collect;
mod error;
mod filename;
mod findings;
mod limits;
mod metadata;
mod paths;
mod record;
mod select;
mod tar_reader;
mod walk;
mod zip_reader;

pub use artifact::{Artifact, ArtifactFile, read_artifact};
pub use error::ArtifactError;
pub use filename::{ArtifactName, normalize_name, parse_filename};
pub use limits::{Limits, ReadOptions};
pub use metadata::CoreMetadata;
pub use provcheck_report::ArtifactKind;
