use anyhow::{Context, Result};
use provcheck_index::ArtifactCache;
use provcheck_report::ExitStatus;

use crate::cli::{CacheAction, CacheArgs};

pub fn run(args: CacheArgs) -> Result<ExitStatus> {
    let root = args.cache_dir.unwrap_or_else(ArtifactCache::default_root);
    match args.action {
        CacheAction::Dir => crate::output::line(&root.display().to_string())?,
        CacheAction::Clean => {
            let freed = ArtifactCache::new(root.clone())
                .clean()
                .with_context(|| format!("could not clean the cache at {}", root.display()))?;
            crate::output::note(&format!(
                "removed {} from {}",
                human_bytes(freed),
                root.display()
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
