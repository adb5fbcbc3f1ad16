use std::sync::Arc;

use anyhow::{Context, Result};
use provcheck_engine::{Observers, RepoChoice, Selection, Target, VerifyOptions, verify};
use provcheck_index::{ArtifactCache, IndexClient, IndexConfig};
use provcheck_report::{ArtifactKind, ExitStatus};
use provcheck_source::RepoCache;

use crate::cli::{OnlyKind, VerifyArgs};
use crate::commands::check::limits;
use crate::{output, progress};

pub fn run(args: VerifyArgs) -> Result<ExitStatus> {
    let target = Target::parse(&args.target)?;
    let cache_root = args
        .index
        .cache_dir
        .clone()
        .unwrap_or_else(ArtifactCache::default_root);
    let index_url = url::Url::parse(&args.index.index_url)
        .map_err(|e| anyhow::anyhow!("--index-url is not a URL: {e}"))?;
    let mut config = IndexConfig::new(index_url, cache_root.clone());
    config.offline = args.index.offline;
    let index = IndexClient::new(config).context("could not set up the index client")?;
    let options = VerifyOptions {
        index,
        repos: RepoCache::new(cache_root),
        repo: args
            .repo
            .as_deref()
            .map(RepoChoice::parse)
            .unwrap_or(RepoChoice::Discover),
        git_ref: args.git_ref,
        selection: Selection {
            only: args.only.map(|only| match only {
                OnlyKind::Sdist => ArtifactKind::Sdist,
                OnlyKind::Wheel => ArtifactKind::Wheel,
            }),
            all_files: args.all_files,
            platforms: args.platform,
        },
        limits: limits(&args.limits),
        explain: args.output.explain,
        offline: args.index.offline,
        concurrency: args.index.jobs,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let display = Arc::new(progress::Display::new(
        args.output.quiet,
        args.output.verbose,
    ));
    let observers = Observers {
        downloads: display.clone(),
        git: display.clone(),
        steps: {
            let display = display.clone();
            Arc::new(move |step: &str| display.step(step))
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let result = runtime.block_on(verify(&target, &options, &observers));
    display.finish();
    if args.output.verbose {
        let stats = options.index.stats();
        output::note(&format!(
            "index: {} request(s), {} of them download(s)",
            stats.requests, stats.downloads
        ));
    }
    let report = result?;
    output::emit(&report, &args.output)?;
    Ok(report.exit_status(args.output.strict))
}
