//! The package index client and the artifact cache: the only crate that speaks HTTP.
//!
//! [`IndexClient`] reads a Python package index — the simple API in its PEP 691 JSON form
//! (PEP 503 HTML as a fallback) and the JSON API (`/pypi/NAME[/VERSION]/json`) — and
//! downloads files into the content-addressed [`ArtifactCache`], verifying each file's
//! sha256 before it is cached. Transient failures (connection errors, timeouts, 5xx, 429,
//! bodies cut short) are retried with backoff and jitter ([`RetryPolicy`]). Offline, it
//! answers from the caches and says exactly what is missing.
//!
//! TLS is rustls with the ring provider and the system trust store. Credentials come from
//! the index URL, `~/.netrc` or the environment, are sent only to the index's origin, and
//! never appear in any message: every URL shown goes through [`Redacted`].
//!
//! [`GitHubClient`] asks the GitHub API (octocrab over the same TLS set-up) for optional
//! metadata: a repository's default branch, a commit's pull requests, a tag's release.
//!
//! Progress goes to a [`Reporter`]; this crate never prints.
#![deny(missing_docs)]

mod cache;
mod client;
mod config;
mod credentials;
mod error;
mod github;
mod model;
mod name;
mod parse;
mod redact;
mod reporter;
mod retry;
mod tls;

pub use cache::ArtifactCache;
pub use client::{IndexClient, RequestStats};
pub use config::{IndexConfig, PYPI_SIMPLE_URL, RetryPolicy};
pub use error::IndexError;
pub use github::{
    GITHUB_API_URL, GITHUB_API_URL_VARIABLE, GITHUB_TIMEOUT, GITHUB_TOKEN_VARIABLES, GitHubClient,
    GitHubError, GitHubPull, GitHubRelease, GitHubRepo,
};
pub use model::{IndexFile, ProjectFiles, ProjectMetadata};
pub use name::normalize_project_name;
pub use redact::Redacted;
pub use reporter::{NoReporter, Reporter};
