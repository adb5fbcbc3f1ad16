//! `provcheck`: does what a Python project published match its source repository?

mod cli;
mod commands;
mod output;
mod progress;

fn main() -> std::process::ExitCode {
    commands::run(cli::parse())
}
