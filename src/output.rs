//! The only door to standard output and standard error: the report goes to stdout (or
//! `--output`), notes and errors to stderr.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use provcheck_report::render::{TextOptions, json, markdown, sarif, summary, table, text};
use provcheck_report::{Report, Verdict};

use crate::cli::{ColorChoice, OutputArgs, ReportFormat};

/// Writes the report of one target (or of `check`) where the user asked, in the format
/// asked.
pub fn emit(report: &Report, args: &OutputArgs) -> Result<()> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let rendered = match args.format {
        ReportFormat::Json => json(report),
        ReportFormat::Sarif => sarif(report),
        ReportFormat::Markdown => markdown(report),
        ReportFormat::Text => text(
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
            write_file(path, &rendered)?;
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

/// Writes the report of a dependency set: as text, the details of the packages that fail
/// (or mismatch), then the table and the summary line; the machine formats as asked. A
/// human gets the table on stderr when the report goes to a file, the summary line when a
/// machine format goes to stdout.
pub fn emit_set(report: &Report, args: &OutputArgs) -> Result<()> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let rendered = match args.format {
        ReportFormat::Json => json(report),
        ReportFormat::Sarif => sarif(report),
        ReportFormat::Markdown => markdown(report),
        ReportFormat::Text => set_text(report, args, use_color(args.color, to_terminal)),
    };
    match &args.output {
        Some(path) => {
            write_file(path, &rendered)?;
            if !args.quiet {
                let _ = write!(std::io::stderr(), "{}", table(report));
                let _ = writeln!(std::io::stderr(), "report written to {}", path.display());
            }
        }
        None => {
            write_stdout(&rendered)?;
            if !args.quiet && args.format != ReportFormat::Text {
                let _ = writeln!(std::io::stderr(), "{}", summary(report));
            }
        }
    }
    let no_source = report
        .releases
        .iter()
        .any(|r| r.verdict == Verdict::NoSource);
    if !args.quiet && no_source {
        let _ = writeln!(
            std::io::stderr(),
            "note: --repo NAME=URL|PATH names a package's repository; --allow-no-source NAME accepts one that has none"
        );
    }
    Ok(())
}

fn set_text(report: &Report, args: &OutputArgs, color: bool) -> String {
    let policy = report.policy.clone().unwrap_or_default();
    let detailed: Vec<_> = report
        .releases
        .iter()
        .filter(|r| policy.fails(r) || r.verdict == Verdict::Mismatch || args.explain)
        .cloned()
        .collect();
    let mut out = String::new();
    if !detailed.is_empty() {
        let mut sub = Report::new(&report.tool.version, detailed);
        sub.policy = report.policy.clone();
        let details = text(
            &sub,
            &TextOptions {
                color,
                diff: args.diff,
                explain: args.explain,
            },
        );
        // Without its own summary line: the set's comes last.
        let body = details
            .trim_end_matches('\n')
            .rsplit_once('\n')
            .map(|(body, _)| body)
            .unwrap_or("");
        out.push_str(body.trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&table(report));
    out
}

fn write_file(path: &std::path::Path, rendered: &str) -> Result<()> {
    std::fs::write(path, rendered)
        .with_context(|| format!("could not write the report to {}", path.display()))
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
