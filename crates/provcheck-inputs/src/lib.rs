//! What a project depends on, read from files: no network, no resolver, no package code run.
//!
//! - [`read_requirements`]: pip requirements files (`-r` includes, `--hash` options,
//!   environment markers, editable/VCS/URL lines).
//! - [`read_lockfile`]: `uv.lock`, `poetry.lock`, `pylock.toml` (PEP 751), `Pipfile.lock`,
//!   with the locked file hashes.
//! - [`read_environment`]: an installed environment (a virtualenv or a `site-packages`):
//!   every distribution's `METADATA`, and its installed files checked against its `RECORD`
//!   (post-install tampering, stray `.pth` files).
//! - [`Config`]: `[tool.provcheck]` in `pyproject.toml`, or `provcheck.toml`.
//!
//! Every reader returns [`Package`]s, each with where it was requested ([`Origin`]: file and
//! line) and what can be verified ([`Pin`]): an exact version from an index (with the file
//! hashes that select its artifacts), or why not (unpinned, not from an index, excluded by
//! markers).
#![deny(missing_docs)]

mod config;
mod environment;
mod error;
mod lockfile;
mod markers;
mod package;
mod requirements;

pub use config::{AllowEntry, Config, ConfigFile, find_config, load_config};
pub use environment::{Environment, read_environment};
pub use error::InputError;
pub use lockfile::{LockKind, read_lockfile};
pub use markers::{DEFAULT_PYTHON, MarkerContext};
pub use package::{Inputs, Origin, Package, Pin};
pub use requirements::read_requirements;
