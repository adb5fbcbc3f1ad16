use serde::{Deserialize, Serialize};
use url::Url;

/// The files of one project, from the simple API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFiles {
    /// The project name as the index gives it (normalized, on PyPI).
    pub name: String,
    /// Every file of every version, in the index's order.
    pub files: Vec<IndexFile>,
    /// The versions the index lists (PEP 700; empty when the index does not say).
    pub versions: Vec<String>,
}

/// One file of a release, as listed by the simple API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    /// The published file name, e.g. `flask-3.1.1-py3-none-any.whl`.
    pub filename: String,
    /// Where to download it: absolute, without credentials.
    pub url: Url,
    /// The sha256 the index advertises, lowercase hex; empty when the index gives none
    /// (then [`IndexClient::download`](crate::IndexClient::download) refuses the file).
    pub sha256: String,
    /// When it was uploaded, RFC 3339 as the index gives it.
    pub upload_time: Option<String>,
    /// `Some(reason)` when yanked; the reason may be empty.
    pub yanked: Option<String>,
    /// Size in bytes, when the index says.
    pub size: Option<u64>,
    /// The PEP 740 provenance document of the file, when the index has one.
    pub provenance: Option<Url>,
    /// The file's `Requires-Python`, when the index says.
    pub requires_python: Option<String>,
}

/// A project's metadata, from the JSON API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMetadata {
    /// `info.name`: the project name as its author spells it.
    pub name: String,
    /// `info.version`: the version this metadata describes — the one asked for when the
    /// index serves per-version documents, else the project's latest release.
    pub version: String,
    /// `info.project_urls` as `(label, url)`, in document order.
    pub project_urls: Vec<(String, String)>,
    /// `info.home_page`, when not empty.
    pub home_page: Option<String>,
    /// `info.description` (the long description), when not empty.
    pub description: Option<String>,
    /// `info.summary`, when not empty.
    pub summary: Option<String>,
    /// The versions in `releases`, in document order; empty when the document has no
    /// `releases` (per-version documents).
    pub releases: Vec<String>,
}
