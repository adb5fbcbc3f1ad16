use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,

    /// The cache folder (default: the XDG cache dir, e.g. ~/.cache/provcheck).
    #[arg(long, value_name = "DIR", env = "PROVCHECK_CACHE_DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Print the cache folder.
    Dir,
    /// Delete the downloaded artifacts and the cached index answers (clones and their tag
    /// ledgers stay: delete `repos-v1/` by hand to drop them).
    Clean,
}
