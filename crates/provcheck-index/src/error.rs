use std::io;
use std::path::PathBuf;

/// Why the index could not answer, or a download could not be used.
///
/// Every URL in here is already redacted ([`Redacted`](crate::Redacted)): neither
/// `Display` nor `Debug` of an error ever shows a credential.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum IndexError {
    /// The index has no project of that name.
    #[error(
        "project '{project}' was not found on {index}; check the spelling of the name, or pass \
         --index-url when it lives on another index"
    )]
    ProjectNotFound {
        /// The name as asked for.
        project: String,
        /// The index asked (redacted).
        index: String,
    },
    /// The project exists but has no release of that version.
    #[error(
        "{project} has no version {version} on {index}; check the version against the \
         project's release list (a release the index deleted, e.g. as malicious, is no longer \
         listed: verify its files with `provcheck check` if you have them)"
    )]
    VersionNotFound {
        /// The project name as asked for.
        project: String,
        /// The version as asked for.
        version: String,
        /// The index asked (redacted).
        index: String,
    },
    /// The index refused the request.
    #[error(
        "{url} answered 403 Forbidden: some indexes answer this for files or versions removed \
         as malicious; check the project's page and security advisories, and if the index is \
         private, that your credentials may read it"
    )]
    Forbidden {
        /// The URL refused (redacted).
        url: String,
    },
    /// The index wants credentials, or rejected the ones sent.
    #[error(
        "{url} answered 401 Unauthorized: the index needs credentials; give them in the index \
         URL (https://USER:PASSWORD@host/...), in ~/.netrc, or in PROVCHECK_INDEX_USERNAME and \
         PROVCHECK_INDEX_PASSWORD"
    )]
    Unauthorized {
        /// The URL refused (redacted).
        url: String,
    },
    /// An HTTP status that is neither success nor one of the cases above, or a transient
    /// status (5xx, 429) that lasted through every retry.
    #[error(
        "{url} answered HTTP {status} (after {attempts} attempt(s)); check --index-url, or try \
         again later if the index is having trouble"
    )]
    Http {
        /// The URL requested (redacted).
        url: String,
        /// The last status received.
        status: u16,
        /// How many requests were made.
        attempts: u32,
    },
    /// The connection failed, timed out or broke off, through every retry.
    #[error(
        "cannot fetch {url} after {attempts} attempt(s): {detail}; check the network \
         connection, proxy settings and --index-url, or use --offline with a warm cache"
    )]
    Network {
        /// The URL requested (redacted).
        url: String,
        /// How many requests were made.
        attempts: u32,
        /// What went wrong the last time.
        detail: String,
    },
    /// The downloaded bytes do not hash to the digest the index advertises.
    #[error(
        "{filename}: the downloaded file has sha256 {actual} but the index advertises \
         {expected}; the file was discarded and not cached. Do not install it: the index, the \
         file or something in between (a proxy) has altered it"
    )]
    DigestMismatch {
        /// The published file name.
        filename: String,
        /// The digest the index advertises.
        expected: String,
        /// The digest of what was received.
        actual: String,
    },
    /// The index lists the file without a sha256 digest, so a download cannot be verified.
    #[error(
        "{filename}: the index gives no sha256 digest for it, so a download cannot be verified; \
         use an index that publishes sha256 digests (PEP 503/691)"
    )]
    MissingDigest {
        /// The published file name.
        filename: String,
    },
    /// `offline` is set and what is needed is not cached.
    #[error("--offline: {what} is not in the cache at {}; run once without --offline", path.display())]
    Offline {
        /// What was needed, e.g. "the file list of flask from `https://pypi.org/simple/`".
        what: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The project name cannot be a Python project name.
    #[error(
        "'{project}' is not a valid project name: names have only letters, digits, '.', '-' \
         and '_', and start and end with a letter or digit"
    )]
    InvalidName {
        /// The name as given.
        project: String,
    },
    /// Reading or writing the cache failed.
    #[error(
        "cannot {action} {}: check permissions and free space, or choose another cache \
         directory (--cache-dir or PROVCHECK_CACHE_DIR)",
        path.display()
    )]
    Io {
        /// What was being done ("write", "create directory", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The index answered something that is not a document provcheck can read.
    #[error(
        "{url} sent a response provcheck cannot use: {detail}; check that --index-url points \
         at a simple API (PEP 503/691) and its JSON API"
    )]
    InvalidResponse {
        /// The URL requested (redacted).
        url: String,
        /// What is wrong with the response.
        detail: String,
    },
    /// The HTTP client could not be built (TLS set-up with the system trust store).
    #[error("cannot set up the HTTPS client: {detail}; check the system's certificate store")]
    Setup {
        /// What failed.
        detail: String,
    },
}

impl IndexError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        IndexError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
