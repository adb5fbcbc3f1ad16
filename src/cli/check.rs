use std::path::PathBuf;

use clap::Args;

use super::{LimitArgs, OutputArgs};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Wheels (.whl) and sdists (.tar.gz, .zip, .tar.bz2); artifacts of one release form
    /// one release entry.
    #[arg(required = true, value_name = "ARTIFACT")]
    pub artifacts: Vec<PathBuf>,

    /// The source repository: a clone (bare or with a work tree), used in place.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Compare against this revision (commit, tag, branch) instead of the release's tag.
    #[arg(long = "ref", value_name = "REV")]
    pub git_ref: Option<String>,

    /// A repository holding the commit a submodule of the source is pinned to
    /// (repeatable): the submodule's files are then traced instead of left unverified.
    #[arg(long, value_name = "PATH")]
    pub submodule: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}
