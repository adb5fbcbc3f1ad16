//! The index client: metadata requests, downloads into the cache, retries, offline mode.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use pep440_rs::Version;
use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::cache::{self, ArtifactCache, TempFile};
use crate::config::{IndexConfig, RetryPolicy, with_trailing_slash};
use crate::credentials::{self, AuthTable, Netrc};
use crate::model::{IndexFile, ProjectFiles, ProjectMetadata};
use crate::name::checked_normalized;
use crate::redact::{redact, strip_credentials};
use crate::reporter::Reporter;
use crate::{IndexError, parse, retry, tls};

/// PEP 691 JSON first; HTML (PEP 503) from indexes that have nothing else.
const ACCEPT_SIMPLE: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
const ACCEPT_JSON: &str = "application/json";
/// Far above the largest real document (PyPI's biggest simple pages are a few MB), far
/// below what would hurt: a hostile index cannot make provcheck buffer without end.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;
const USER_AGENT: &str = concat!(
    "provcheck/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/provcheck/provcheck)"
);

/// A client for one package index: the simple API, the JSON API, and downloads into the
/// [`ArtifactCache`].
///
/// Cheap to clone (an `Arc` inside) and usable from many tasks at once.
#[derive(Clone)]
pub struct IndexClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: IndexConfig,
    /// The simple API base without credentials, ending in `/`.
    simple_base: Url,
    /// The JSON API base without credentials, ending in `/`.
    json_base: Url,
    /// `None` when offline: no TLS set-up, and no way to make a request by mistake.
    http: Option<reqwest::Client>,
    auth: AuthTable,
    cache: ArtifactCache,
    /// Set once a per-version JSON document answered 404 for a version that exists: this
    /// index has no per-version documents, so stop asking.
    no_per_version_json: AtomicBool,
    /// Requests sent (attempts, retries included), for `-v` and measurements.
    requests: AtomicU64,
    /// Of those, file downloads.
    downloads: AtomicU64,
}

/// What a client has sent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of those, artifact downloads.
    pub downloads: u64,
}

/// One failed attempt: worth retrying, or final.
enum Attempt {
    Retry {
        detail: String,
        status: Option<u16>,
        retry_after: Option<Duration>,
    },
    Fatal(IndexError),
}

impl From<IndexError> for Attempt {
    fn from(error: IndexError) -> Self {
        Attempt::Fatal(error)
    }
}

/// A metadata response body and how to read it.
struct Document {
    body: Vec<u8>,
    content_type: String,
    /// After redirects: relative links resolve against this.
    url: Url,
}

impl IndexClient {
    /// A client for `config`. Looks up credentials (index URL, then `$NETRC` or `~/.netrc`,
    /// then `PROVCHECK_INDEX_USERNAME`/`PROVCHECK_INDEX_PASSWORD`) and sets up TLS with the
    /// system trust store; offline, neither happens.
    pub fn new(config: IndexConfig) -> Result<IndexClient, IndexError> {
        for url in [Some(&config.index_url), config.json_api_url.as_ref()]
            .into_iter()
            .flatten()
        {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(IndexError::Setup {
                    detail: format!(
                        "{} is not an http(s) URL; pass an index URL such as https://pypi.org/simple/",
                        redact(url)
                    ),
                });
            }
        }
        let json_with_credentials = config.effective_json_api_url();
        let simple_base = with_trailing_slash(strip_credentials(&config.index_url));
        let json_base = strip_credentials(&json_with_credentials);
        let mut auth = AuthTable::default();
        let http = if config.offline {
            None
        } else {
            let netrc = Netrc::load();
            auth.add(
                &config.index_url,
                netrc.as_ref(),
                credentials::from_env().as_ref(),
            );
            // Same origin as the index: the index's credentials (already added) apply.
            auth.add(&json_with_credentials, netrc.as_ref(), None);
            let client = reqwest::Client::builder()
                .tls_backend_preconfigured(tls::client_config()?)
                .connect_timeout(config.timeout)
                .read_timeout(config.timeout)
                .user_agent(USER_AGENT)
                .build()
                .map_err(|e| IndexError::Setup {
                    detail: describe(&e),
                })?;
            Some(client)
        };
        Ok(IndexClient {
            inner: Arc::new(Inner {
                cache: ArtifactCache::new(config.cache_dir.clone()),
                config,
                simple_base,
                json_base,
                http,
                auth,
                no_per_version_json: AtomicBool::new(false),
                requests: AtomicU64::new(0),
                downloads: AtomicU64::new(0),
            }),
        })
    }

    /// How many requests this client (and its clones) has sent.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            downloads: self.inner.downloads.load(Ordering::Relaxed),
        }
    }

    /// The artifact cache this client downloads into.
    pub fn cache(&self) -> &ArtifactCache {
        &self.inner.cache
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &IndexConfig {
        &self.inner.config
    }

    /// The files of `project` from the simple API (PEP 691 JSON, or a PEP 503 HTML page
    /// from indexes without JSON). Always asks the index, unless offline.
    pub async fn files(&self, project: &str) -> Result<ProjectFiles, IndexError> {
        let name = checked_normalized(project)?;
        let base = &self.inner.simple_base;
        let cache_path = self
            .inner
            .cache
            .metadata_path(base, "simple", &format!("{name}.json"));
        if self.inner.config.offline {
            return read_cached(&cache_path)
                .await?
                .ok_or_else(|| IndexError::Offline {
                    what: format!("the file list of {project} from {}", self.index_label()),
                    path: cache_path,
                });
        }
        let url = join(base, &format!("{name}/"))?;
        let document = self
            .fetch_document(&url, ACCEPT_SIMPLE)
            .await
            .map_err(|e| self.not_found_as_project(e, project))?;
        let files =
            parse_simple(&document, &name).map_err(|detail| IndexError::InvalidResponse {
                url: redact(&url),
                detail,
            })?;
        write_cached(&cache_path, &files).await?;
        Ok(files)
    }

    /// The project's metadata from the JSON API.
    ///
    /// With a version, the per-version document (`/pypi/NAME/VERSION/json`) when the index
    /// has it; when it answers 404 the project document is used instead, after checking that
    /// the version exists ([`IndexError::VersionNotFound`] otherwise). Note that the project
    /// document describes the latest release: [`ProjectMetadata::version`] says which.
    pub async fn metadata(
        &self,
        project: &str,
        version: Option<&Version>,
    ) -> Result<ProjectMetadata, IndexError> {
        let name = checked_normalized(project)?;
        let base = &self.inner.json_base;
        let offline = self.inner.config.offline;
        if let Some(version) = version {
            let cache_path = self.inner.cache.metadata_path(
                base,
                "json-version",
                &format!("{name}/{version}.json"),
            );
            if offline {
                if let Some(metadata) = read_cached(&cache_path).await? {
                    return Ok(metadata);
                }
            } else if !self.inner.no_per_version_json.load(Ordering::Relaxed) {
                let url = join(base, &format!("{name}/{version}/json"))?;
                match self.fetch_document(&url, ACCEPT_JSON).await {
                    Ok(document) => {
                        let metadata = parse_json_api(&document)?;
                        write_cached(&cache_path, &metadata).await?;
                        return Ok(metadata);
                    }
                    Err(IndexError::Http { status: 404, .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }

        let cache_path = self
            .inner
            .cache
            .metadata_path(base, "json", &format!("{name}.json"));
        let metadata = if offline {
            read_cached(&cache_path)
                .await?
                .ok_or_else(|| IndexError::Offline {
                    what: format!(
                        "the JSON API metadata of {project} from {}",
                        self.index_label()
                    ),
                    path: cache_path,
                })?
        } else {
            let url = join(base, &format!("{name}/json"))?;
            let document = self
                .fetch_document(&url, ACCEPT_JSON)
                .await
                .map_err(|e| self.not_found_as_project(e, project))?;
            let metadata = parse_json_api(&document)?;
            write_cached(&cache_path, &metadata).await?;
            metadata
        };
        if let Some(version) = version
            && !metadata.releases.is_empty()
        {
            let known = metadata
                .releases
                .iter()
                .any(|r| Version::from_str(r).is_ok_and(|r| r == *version));
            if !known {
                return Err(IndexError::VersionNotFound {
                    project: project.to_owned(),
                    version: version.to_string(),
                    index: self.index_label(),
                });
            }
            if !offline {
                self.inner
                    .no_per_version_json
                    .store(true, Ordering::Relaxed);
            }
        }
        Ok(metadata)
    }

    /// The local path of `file`, downloading it into the cache first unless it is there.
    ///
    /// The download is streamed to a temporary file beside its cache location while its
    /// sha256 is computed; only when the digest equals [`IndexFile::sha256`] is it renamed
    /// into place. On a mismatch nothing is cached and [`IndexError::DigestMismatch`] is
    /// returned. Connection errors, timeouts, 5xx, 429 and bodies cut short are retried.
    pub async fn download(
        &self,
        file: &IndexFile,
        reporter: &dyn Reporter,
    ) -> Result<PathBuf, IndexError> {
        if file.sha256.is_empty() {
            return Err(IndexError::MissingDigest {
                filename: file.filename.clone(),
            });
        }
        let invalid = |detail: String| IndexError::InvalidResponse {
            url: redact(&file.url),
            detail,
        };
        if !cache::is_sha256_hex(&file.sha256) {
            return Err(invalid(format!(
                "the sha256 digest of {} is not 64 hex digits",
                file.filename
            )));
        }
        if !cache::is_plain_filename(&file.filename) {
            return Err(invalid(format!(
                "the file name {:?} is not a plain file name",
                file.filename
            )));
        }
        let expected = file.sha256.to_ascii_lowercase();
        let cache = &self.inner.cache;
        if let Some(path) = cache.get(&expected, &file.filename) {
            return Ok(path);
        }
        let target = cache.artifact_path(&expected, &file.filename);
        if self.inner.config.offline {
            return Err(IndexError::Offline {
                what: format!("{} (sha256 {expected})", file.filename),
                path: target,
            });
        }
        let dir = cache.artifact_dir(&expected);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| IndexError::io("create directory", &dir, e))?;

        let url = strip_credentials(&file.url);
        let mut retries = Retries::new(&self.inner.config.retries, &url);
        let (temp, actual) = loop {
            match self.download_once(&url, file, &dir, reporter).await {
                Ok(done) => break done,
                Err(failure) => retries.after(failure).await?,
            }
        };
        if actual != expected {
            drop(temp);
            return Err(IndexError::DigestMismatch {
                filename: file.filename.clone(),
                expected,
                actual,
            });
        }
        temp.persist(&target).await?;
        reporter.download_done(&file.filename);
        Ok(target)
    }

    /// One download attempt into a fresh temporary file; returns it with its sha256.
    async fn download_once(
        &self,
        url: &Url,
        file: &IndexFile,
        dir: &std::path::Path,
        reporter: &dyn Reporter,
    ) -> Result<(TempFile, String), Attempt> {
        let mut response = self.send(url, None).await?;
        // Read now: reqwest's length is a hint about what is left, 0 once the body is read.
        let announced = response.content_length();
        let total = announced.or(file.size);
        reporter.download_start(&file.filename, total);
        let temp = TempFile::new(dir, &file.filename);
        let created = tokio::fs::File::create(temp.path())
            .await
            .map_err(|e| IndexError::io("create", temp.path(), e))?;
        let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, created);
        let mut hasher = Sha256::new();
        let mut received: u64 = 0;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return Err(retry_on(&e)),
            };
            received += chunk.len() as u64;
            if let Some(size) = file.size
                && received > size
            {
                return Err(Attempt::Fatal(IndexError::InvalidResponse {
                    url: redact(url),
                    detail: format!(
                        "the download of {} is larger than the {size} bytes the index lists",
                        file.filename
                    ),
                }));
            }
            hasher.update(&chunk);
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| IndexError::io("write", temp.path(), e))?;
            reporter.download_progress(&file.filename, received);
        }
        writer
            .flush()
            .await
            .map_err(|e| IndexError::io("write", temp.path(), e))?;
        // hyper already fails a body cut short of its Content-Length; this also covers a
        // server that announced one length and then closed cleanly.
        if let Some(expected) = announced
            && expected != received
        {
            return Err(Attempt::Retry {
                detail: format!("the body ended after {received} of {expected} bytes"),
                status: None,
                retry_after: None,
            });
        }
        Ok((temp, hex::encode(hasher.finalize())))
    }

    /// GETs a metadata document, body included, with retries.
    async fn fetch_document(&self, url: &Url, accept: &str) -> Result<Document, IndexError> {
        let mut retries = Retries::new(&self.inner.config.retries, url);
        loop {
            match self.fetch_document_once(url, accept).await {
                Ok(document) => return Ok(document),
                Err(failure) => retries.after(failure).await?,
            }
        }
    }

    /// One attempt at a metadata document.
    async fn fetch_document_once(&self, url: &Url, accept: &str) -> Result<Document, Attempt> {
        let mut response = self.send(url, Some(accept)).await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let final_url = response.url().clone();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                        return Err(Attempt::Fatal(IndexError::InvalidResponse {
                            url: redact(url),
                            detail: format!(
                                "the document is larger than {} MiB",
                                MAX_DOCUMENT_BYTES >> 20
                            ),
                        }));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(retry_on(&e)),
            }
        }
        Ok(Document {
            body,
            content_type,
            url: final_url,
        })
    }

    /// Sends one GET and sorts its status into success, retry, or a final error.
    async fn send(&self, url: &Url, accept: Option<&str>) -> Result<reqwest::Response, Attempt> {
        let Some(http) = &self.inner.http else {
            // `offline` is checked before any request; this is the safety net.
            return Err(Attempt::Fatal(IndexError::Offline {
                what: redact(url),
                path: self.inner.cache.root().to_owned(),
            }));
        };
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        if accept.is_none() {
            self.inner.downloads.fetch_add(1, Ordering::Relaxed);
        }
        let mut request = http.get(url.clone());
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        // Only to the origin the credentials belong to; reqwest drops the header itself
        // when a redirect leaves that host.
        if let Some(credentials) = self.inner.auth.for_url(url) {
            request = request.basic_auth(&credentials.username, Some(&credentials.password));
        }
        let response = request.send().await.map_err(|e| retry_on(&e))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(response),
            401 => Err(Attempt::Fatal(IndexError::Unauthorized {
                url: redact(url),
            })),
            403 => Err(Attempt::Fatal(IndexError::Forbidden { url: redact(url) })),
            408 | 429 | 500..=599 => Err(Attempt::Retry {
                detail: format!("HTTP {status}"),
                status: Some(status),
                retry_after: response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(retry::parse_retry_after),
            }),
            _ => Err(Attempt::Fatal(IndexError::Http {
                url: redact(url),
                status,
                attempts: 1,
            })),
        }
    }

    /// The index URL as it may be shown: credentials replaced by `****`.
    pub fn index_label(&self) -> String {
        redact(&self.inner.config.index_url)
    }

    fn not_found_as_project(&self, error: IndexError, project: &str) -> IndexError {
        match error {
            IndexError::Http {
                status: 404 | 410, ..
            } => IndexError::ProjectNotFound {
                project: project.to_owned(),
                index: self.index_label(),
            },
            other => other,
        }
    }
}

/// Counts the attempts at one URL and waits between them.
struct Retries<'a> {
    policy: &'a RetryPolicy,
    url: &'a Url,
    attempts: u32,
}

impl<'a> Retries<'a> {
    fn new(policy: &'a RetryPolicy, url: &'a Url) -> Self {
        Retries {
            policy,
            url,
            attempts: 0,
        }
    }

    /// After a failed attempt: waits and returns `Ok` when another attempt is due, else
    /// the error to give up with.
    async fn after(&mut self, failure: Attempt) -> Result<(), IndexError> {
        self.attempts += 1;
        let (detail, status, retry_after) = match failure {
            Attempt::Fatal(error) => return Err(error),
            Attempt::Retry {
                detail,
                status,
                retry_after,
            } => (detail, status, retry_after),
        };
        if self.attempts > self.policy.max_retries {
            let url = redact(self.url);
            let attempts = self.attempts;
            return Err(match status {
                Some(status) => IndexError::Http {
                    url,
                    status,
                    attempts,
                },
                None => IndexError::Network {
                    url,
                    attempts,
                    detail,
                },
            });
        }
        tokio::time::sleep(retry::delay(self.policy, self.attempts - 1, retry_after)).await;
        Ok(())
    }
}

impl std::fmt::Debug for IndexClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Transport errors are worth a retry, except a request that cannot be built or a
/// redirect loop: those fail the same way every time.
fn retry_on(error: &reqwest::Error) -> Attempt {
    if error.is_builder() || error.is_redirect() {
        return Attempt::Fatal(IndexError::Network {
            url: error.url().map(redact).unwrap_or_default(),
            attempts: 1,
            detail: describe(error),
        });
    }
    Attempt::Retry {
        detail: describe(error),
        status: None,
        retry_after: None,
    }
}

/// What went wrong, from the error's cause chain, without the URL reqwest puts in its own
/// message (errors carry a redacted URL of their own).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response body broke off"
    } else {
        "the request failed"
    };
    let mut parts = vec![kind.to_owned()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn join(base: &Url, relative: &str) -> Result<Url, IndexError> {
    base.join(relative)
        .map_err(|e| IndexError::InvalidResponse {
            url: redact(base),
            detail: e.to_string(),
        })
}

fn parse_simple(document: &Document, name: &str) -> Result<ProjectFiles, String> {
    let looks_like_json = document.content_type.contains("json")
        || (document.content_type.is_empty()
            && document.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
    if looks_like_json {
        parse::simple_json(&document.body, &document.url)
    } else if document.content_type.contains("html") || document.content_type.is_empty() {
        parse::simple_html(&document.body, &document.url, name)
    } else {
        Err(format!(
            "unexpected content type {:?} for a simple page",
            document.content_type
        ))
    }
}

fn parse_json_api(document: &Document) -> Result<ProjectMetadata, IndexError> {
    parse::json_api(&document.body).map_err(|detail| IndexError::InvalidResponse {
        url: redact(&document.url),
        detail,
    })
}

async fn read_cached<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> Result<Option<T>, IndexError> {
    match tokio::fs::read(path).await {
        // A damaged cache entry is as good as a missing one.
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(IndexError::io("read", path, e)),
    }
}

async fn write_cached<T: serde::Serialize>(
    path: &std::path::Path,
    value: &T,
) -> Result<(), IndexError> {
    let bytes = serde_json::to_vec(value).expect("metadata always serializes");
    cache::write_atomic(path, &bytes).await
}
