//! The command line, as data: one module per command, shared options in `shared`.

mod cache;
mod check;
mod history;
mod shared;
mod verify;

use clap::{Parser, Subcommand};

pub use cache::{CacheAction, CacheArgs};
pub use check::CheckArgs;
pub use history::HistoryArgs;
pub use shared::{ColorChoice, Format, IndexArgs, LimitArgs, OutputArgs, ReportFormat};
pub use verify::{FailOn, OnlyKind, VerifyArgs};

/// Verify that what a Python project published is what is in its source repository.
///
/// Exit status: 0 every artifact verified or partial; 1 any mismatch or no-source
/// (--strict: also partial); 2 usage or operational error.
#[derive(Debug, Parser)]
#[command(name = "provcheck", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check local wheels and sdists against a git repository.
    ///
    /// Example: provcheck check dist/* --repo .
    Check(check::CheckArgs),
    /// Verify a release from a package index against its source repository.
    ///
    /// The repository is found in the project's metadata (project_urls, home page) and
    /// cloned without file contents into the cache; --repo names it instead.
    ///
    /// Examples: provcheck verify litellm==1.82.8; provcheck verify requests
    Verify(verify::VerifyArgs),
    /// Verify many releases of a project and show them as a timeline.
    ///
    /// Examples: provcheck history litellm --last 30; provcheck history mypkg --since 2024-11-01
    History(history::HistoryArgs),
    /// Inspect or clear the cache of downloads, index metadata and repositories.
    Cache(cache::CacheArgs),
}

pub fn parse() -> Cli {
    Cli::parse()
}
