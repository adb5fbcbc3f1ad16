use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::cache::ArtifactCache;
use crate::redact::Redacted;

/// Where the index is and how to talk to it.
#[derive(Clone)]
pub struct IndexConfig {
    /// The simple API base (PEP 503/691), e.g. `https://pypi.org/simple/`. May carry
    /// credentials (`https://user:pass@host/simple/`): they are sent as a header, never
    /// in the URL, and never displayed.
    pub index_url: Url,
    /// The JSON API base (`…/pypi/`); `None` derives it from [`index_url`](Self::index_url)
    /// (see [`IndexConfig::effective_json_api_url`]).
    pub json_api_url: Option<Url>,
    /// Make no request at all: metadata from the metadata cache, files from the artifact
    /// cache, and [`IndexError::Offline`](crate::IndexError::Offline) for anything missing.
    pub offline: bool,
    /// Limit for connecting, and for each wait for more data (not for a whole download:
    /// large wheels take longer than any sane total limit).
    pub timeout: Duration,
    /// How transient failures are retried.
    pub retries: RetryPolicy,
    /// The cache root (see [`ArtifactCache`]).
    pub cache_dir: PathBuf,
}

/// Exponential backoff with full jitter: before retry `n` (from 0), wait a random duration
/// in `[0, min(max_delay, base_delay * 2^n)]`, or what `Retry-After` asks, capped at four
/// times `max_delay`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` disables retrying.
    pub max_retries: u32,
    /// The backoff ceiling before the first retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
}

/// The public PyPI simple API.
pub const PYPI_SIMPLE_URL: &str = "https://pypi.org/simple/";
const PYPI_JSON_URL: &str = "https://pypi.org/pypi/";

impl Default for RetryPolicy {
    /// 4 retries (5 attempts), 250 ms doubling up to 8 s: about 4 s of waiting on average
    /// before giving up on a flaky index, enough to ride out a load-balancer hiccup.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl Default for IndexConfig {
    /// PyPI, online, 30 s timeout, default retries, the default cache root.
    fn default() -> Self {
        IndexConfig::new(
            Url::parse(PYPI_SIMPLE_URL).expect("a valid constant URL"),
            ArtifactCache::default_root(),
        )
    }
}

impl IndexConfig {
    /// An online configuration for `index_url` with the default timeout and retries, caching
    /// under `cache_dir`.
    pub fn new(index_url: Url, cache_dir: PathBuf) -> IndexConfig {
        IndexConfig {
            index_url,
            json_api_url: None,
            offline: false,
            timeout: Duration::from_secs(30),
            retries: RetryPolicy::default(),
            cache_dir,
        }
    }

    /// The JSON API base used: [`json_api_url`](Self::json_api_url) when set; for
    /// `pypi.org` `https://pypi.org/pypi/`; otherwise, warehouse/devpi style, the index URL
    /// with a last path segment `simple` replaced by `pypi`, or `<origin>/pypi/` when the
    /// index URL does not end in `simple/`.
    pub fn effective_json_api_url(&self) -> Url {
        if let Some(url) = &self.json_api_url {
            return with_trailing_slash(url.clone());
        }
        if self.index_url.host_str() == Some("pypi.org") {
            return Url::parse(PYPI_JSON_URL).expect("a valid constant URL");
        }
        let mut url = with_trailing_slash(self.index_url.clone());
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().to_owned();
        let trimmed = path.trim_end_matches('/');
        let new_path = match trimmed.rsplit_once('/') {
            Some((parent, "simple")) => format!("{parent}/pypi/"),
            _ => "/pypi/".to_owned(),
        };
        url.set_path(&new_path);
        url
    }
}

/// Relative references (`NAME/`) are resolved against a base, which must end in `/`.
pub(crate) fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

impl std::fmt::Debug for IndexConfig {
    // Hand-written so that credentials in the URLs never reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexConfig")
            .field("index_url", &Redacted(&self.index_url).to_string())
            .field(
                "json_api_url",
                &self.json_api_url.as_ref().map(|u| Redacted(u).to_string()),
            )
            .field("offline", &self.offline)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_url_for(index: &str) -> String {
        IndexConfig {
            index_url: Url::parse(index).unwrap(),
            cache_dir: PathBuf::from("/nonexistent"),
            ..IndexConfig::default()
        }
        .effective_json_api_url()
        .to_string()
    }

    #[test]
    fn json_api_url_is_derived_from_the_index_url() {
        assert_eq!(
            json_url_for("https://pypi.org/simple/"),
            "https://pypi.org/pypi/"
        );
        assert_eq!(
            json_url_for("https://pypi.org/simple"),
            "https://pypi.org/pypi/"
        );
        assert_eq!(
            json_url_for("https://test.pypi.org/simple/"),
            "https://test.pypi.org/pypi/"
        );
        assert_eq!(
            json_url_for("https://devpi.example/root/prod/simple/"),
            "https://devpi.example/root/prod/pypi/"
        );
        assert_eq!(
            json_url_for("https://u:p@mirror.example:8443/simple"),
            "https://u:p@mirror.example:8443/pypi/"
        );
        assert_eq!(
            json_url_for("https://mirror.example/repository/pypi-all/"),
            "https://mirror.example/pypi/"
        );
    }

    #[test]
    fn debug_never_shows_credentials() {
        let config = IndexConfig {
            index_url: Url::parse("https://alice:s3cret@idx.example/simple/").unwrap(),
            json_api_url: Some(Url::parse("https://bob:hunter2@idx.example/pypi/").unwrap()),
            cache_dir: PathBuf::from("/nonexistent"),
            ..IndexConfig::default()
        };
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("alice"),
            "{debug}"
        );
        assert!(
            !debug.contains("hunter2") && !debug.contains("bob"),
            "{debug}"
        );
    }
}
