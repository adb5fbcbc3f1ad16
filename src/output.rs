//! The only door to standard output and standard error: the report goes to stdout (or
//! `--output`), notes and errors to stderr.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use provcheck_report::render::{TextOptions, json, text};
use provcheck_report::{Report, Verdict};

use crate::cli::{ColorChoice, Format, OutputArgs};

/// Writes the report where the user asked, in the format asked.
pub fn emit(report: &Report, args: &OutputArgs) -> Result<()> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let rendered = match args.format {
        Format::Json => json(report),
        Format::Text => text(
            report,
            &TextOptions {
                color: use_color(args.color, to_terminal),
                diff: args.diff,
                explain: args.explain,
            },
        ),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered)
                .with_context(|| format!("could not write the report to {}", path.display()))?;
            if !args.quiet {
                // The file holds the details; a human still wants the headline.
                let summary = text(
                    report,
                    &TextOptions {
                        color: use_color(args.color, std::io::stderr().is_terminal()),
                        diff: false,
                        explain: false,
                    },
                );
                let _ = write!(std::io::stderr(), "{summary}");
                let _ = writeln!(std::io::stderr(), "report written to {}", path.display());
            }
        }
        None => write_stdout(&rendered)?,
    }
    let no_source = report
        .releases
        .iter()
        .any(|r| r.verdict == Verdict::NoSource);
    if !args.quiet && no_source {
        let _ = writeln!(
            std::io::stderr(),
            "note: releases without a tag can be compared with --ref REV"
        );
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`provcheck … | head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("could not write to standard output"),
    }
}

fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Prints an error and its causes once, with what to do.
pub fn error(error: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
}

/// One line of data on stdout (`cache dir`).
pub fn line(text: &str) -> Result<()> {
    write_stdout(&format!("{text}\n"))
}

/// A note for the human on stderr.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}
