use std::path::PathBuf;

use clap::Args;

use super::{ColorChoice, Format, IndexArgs, LimitArgs};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The project name.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Only the N highest versions (after --since and --versions).
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,

    /// Only releases first uploaded on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only versions matching these PEP 440 specifiers, e.g. '>=2.0,<3'.
    #[arg(long, value_name = "SPEC")]
    pub versions: Option<String>,

    /// The source repository: a local clone (used in place) or a URL (cloned into the
    /// cache). Default: discovered from the project's metadata.
    #[arg(long, value_name = "URL|PATH")]
    pub repo: Option<String>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also fail (exit 1) when a release is only partially verified.
    #[arg(long)]
    pub strict: bool,

    /// When to use colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only the report: no progress, no notes on standard error.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say what is happening on standard error, also when it is not a terminal.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}
