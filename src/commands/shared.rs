//! What `verify` and `history` both set up: the index client, the caches, GitHub, progress
//! observers and the async runtime.

use std::sync::Arc;

use anyhow::{Context, Result};
use provcheck_engine::Observers;
use provcheck_index::{ArtifactCache, GITHUB_TIMEOUT, GitHubClient, IndexClient, IndexConfig};
use provcheck_source::RepoCache;

use crate::cli::IndexArgs;
use crate::progress::Display;

/// The clients and caches of one run.
pub struct Network {
    pub index: IndexClient,
    pub repos: RepoCache,
    pub github: GitHubClient,
}

/// Builds the clients from `--index-url`, `--cache-dir` and `--offline`.
pub fn network(args: &IndexArgs) -> Result<Network> {
    let cache_root = args
        .cache_dir
        .clone()
        .unwrap_or_else(ArtifactCache::default_root);
    let index_url = url::Url::parse(&args.index_url)
        .map_err(|e| anyhow::anyhow!("--index-url is not a URL: {e}"))?;
    let mut config = IndexConfig::new(index_url, cache_root.clone());
    config.offline = args.offline;
    let index = IndexClient::new(config).context("could not set up the index client")?;
    Ok(Network {
        index,
        repos: RepoCache::new(cache_root),
        // Optional metadata; without a token or offline, a note in the report.
        github: GitHubClient::from_env(args.offline, GITHUB_TIMEOUT),
    })
}

/// Progress observers that draw on `display`.
pub fn observers(display: &Arc<Display>) -> Observers {
    let steps = display.clone();
    Observers {
        downloads: display.clone(),
        git: display.clone(),
        steps: Arc::new(move |step: &str| steps.step(step)),
    }
}

/// The async runtime network work runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}
