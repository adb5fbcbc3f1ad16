//! One function per command, each returning an exit status.

mod cache;
mod check;
mod history;
mod shared;
mod verify;

use std::process::ExitCode;

use provcheck_report::ExitStatus;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> ExitCode {
    let status = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Verify(args) => verify::run(args),
        Command::History(args) => history::run(args),
        Command::Cache(args) => cache::run(args),
    };
    let status = status.unwrap_or_else(|error| {
        crate::output::error(&error);
        ExitStatus::Error
    });
    ExitCode::from(status.code() as u8)
}
