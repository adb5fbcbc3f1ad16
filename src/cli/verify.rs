use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{IndexArgs, LimitArgs, OutputArgs};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// NAME==VERSION, or NAME for the latest release. Several targets, or any of -r,
    /// --lock, --env, verify a dependency set: one table for all.
    #[arg(
        value_name = "NAME[==VERSION]",
        required_unless_present_any = ["requirements", "lock", "env"]
    )]
    pub targets: Vec<String>,

    /// Requirements files: pinned NAME==VERSION lines are verified, --hash options select
    /// exactly those files, -r includes are followed, markers evaluated. Takes every value
    /// up to the next option (put targets before it).
    #[arg(short = 'r', long = "requirement", value_name = "FILE", num_args = 1..)]
    pub requirements: Vec<PathBuf>,

    /// Lockfiles: uv.lock, poetry.lock, pylock.toml, Pipfile.lock; the locked hashes select
    /// the files verified. Takes every value up to the next option.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub lock: Vec<PathBuf>,

    /// An installed environment (a virtualenv or a site-packages folder): every installed
    /// distribution is verified, and its files are checked against its RECORD.
    #[arg(long, value_name = "PATH")]
    pub env: Vec<PathBuf>,

    /// The source repository: NAME=URL|PATH for one package (repeatable), or URL|PATH
    /// alone for a single target. A local clone is used in place, a URL cloned into the
    /// cache. Default: discovered from each project's metadata.
    #[arg(long, value_name = "[NAME=]URL|PATH")]
    pub repo: Vec<String>,

    /// Accept that these packages have no source repository (repeatable, or
    /// comma-separated): their no-source verdict does not fail the run.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub allow_no_source: Vec<String>,

    /// The least severe finding that fails the run [default: high; --strict: medium].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// The configuration file (default: provcheck.toml, else [tool.provcheck] in
    /// pyproject.toml, in the current folder).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Read no configuration file.
    #[arg(long)]
    pub no_config: bool,

    /// The Python version environment markers are evaluated for [default: the
    /// environment's (--env), else 3.13].
    #[arg(long, value_name = "X.Y")]
    pub python: Option<String>,

    /// Compare against this revision instead of the release's tag (one target only).
    #[arg(long = "ref", value_name = "REV")]
    pub git_ref: Option<String>,

    /// A repository holding the commit a submodule of the source is pinned to
    /// (repeatable): the submodule's files are then traced instead of left unverified.
    #[arg(long, value_name = "PATH")]
    pub submodule: Vec<PathBuf>,

    /// Verify only the sdist or only the wheels.
    #[arg(long, value_enum)]
    pub only: Option<OnlyKind>,

    /// Verify every file of the release, platform wheels included.
    #[arg(long)]
    pub all_files: bool,

    /// Also verify platform wheels whose platform tag contains TAG (repeatable), e.g.
    /// manylinux_2_17_x86_64, win_amd64, macosx. Environment markers are evaluated for
    /// these platforms (default: this machine's).
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only critical findings fail.
    Critical,
    /// High and critical findings (mismatch) fail: the default.
    High,
    /// Also medium findings (partial), as --strict.
    Medium,
    /// Also low findings.
    Low,
}
