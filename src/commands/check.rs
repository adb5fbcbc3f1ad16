use anyhow::Result;
use provcheck_engine::{CheckOptions, Limits, check};
use provcheck_report::ExitStatus;

use crate::cli::{CheckArgs, LimitArgs};
use crate::output;

pub fn run(args: CheckArgs) -> Result<ExitStatus> {
    let options = CheckOptions {
        repo: args.repo,
        git_ref: args.git_ref,
        limits: limits(&args.limits),
        explain: args.output.explain,
        submodules: args.submodule.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let report = check(&args.artifacts, &options)?;
    output::emit(&report, &args.output)?;
    Ok(report.exit_status(args.output.strict))
}

pub fn limits(args: &LimitArgs) -> Limits {
    let mut limits = Limits::default();
    if let Some(n) = args.max_entries {
        limits.max_entries = n;
    }
    if let Some(n) = args.max_size {
        limits.max_total_size = n;
    }
    if let Some(n) = args.max_file_size {
        limits.max_file_size = n;
    }
    if let Some(n) = args.max_ratio {
        limits.max_ratio = n;
    }
    limits
}
