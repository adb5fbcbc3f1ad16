use clap::{Args, ValueEnum};

use super::{IndexArgs, LimitArgs, OutputArgs};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// NAME==VERSION, or NAME for the latest release.
    #[arg(value_name = "NAME[==VERSION]")]
    pub target: String,

    /// The source repository: a local clone (used in place) or a URL (cloned into the
    /// cache). Default: discovered from the project's metadata.
    #[arg(long, value_name = "URL|PATH")]
    pub repo: Option<String>,

    /// Compare against this revision instead of the release's tag.
    #[arg(long = "ref", value_name = "REV")]
    pub git_ref: Option<String>,

    /// Verify only the sdist or only the wheels.
    #[arg(long, value_enum)]
    pub only: Option<OnlyKind>,

    /// Verify every file of the release, platform wheels included.
    #[arg(long)]
    pub all_files: bool,

    /// Also verify platform wheels whose platform tag contains TAG (repeatable), e.g.
    /// manylinux_2_17_x86_64, win_amd64, macosx.
    #[arg(long, value_name = "TAG")]
    pub platform: Vec<String>,

    #[command(flatten)]
    pub index: IndexArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnlyKind {
    /// Only the sdist.
    Sdist,
    /// Only the wheels.
    Wheel,
}
