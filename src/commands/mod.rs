//! One function per command, each returning an exit status.

mod check;

use std::process::ExitCode;

use provcheck_report::ExitStatus;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> ExitCode {
    let status = match cli.command {
        Command::Check(args) => check::run(args),
    };
    let status = status.unwrap_or_else(|error| {
        crate::output::error(&error);
        ExitStatus::Error
    });
    ExitCode::from(status.code() as u8)
}
