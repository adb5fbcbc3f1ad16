use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result};
use provcheck_engine::{HistoryOptions, RepoChoice, Selection, VerifyOptions, history};
use provcheck_report::ExitStatus;
use provcheck_report::render::{history_json, history_summary_line, history_text};

use crate::cli::{ColorChoice, Format, HistoryArgs};
use crate::commands::check::limits;
use crate::commands::shared;
use crate::{output, progress};

pub fn run(args: HistoryArgs) -> Result<ExitStatus> {
    let network = shared::network(&args.index)?;
    let options = VerifyOptions {
        index: network.index,
        repos: network.repos,
        repo: args
            .repo
            .as_deref()
            .map(RepoChoice::parse)
            .unwrap_or(RepoChoice::Discover),
        git_ref: None,
        selection: Selection::default(),
        limits: limits(&args.limits),
        explain: false,
        submodules: Vec::new(),
        offline: args.index.offline,
        concurrency: args.index.jobs,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        github: network.github,
    };
    let selection = HistoryOptions {
        last: args.last,
        since: args.since.clone(),
        versions: args.versions.clone(),
        jobs: 0,
    };
    let display = Arc::new(progress::Display::new(args.quiet, args.verbose));
    let observers = shared::observers(&display);
    let runtime = shared::runtime()?;
    let result = runtime.block_on(history(&args.name, &options, &observers, &selection));
    display.finish();
    let report = result?;

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let rendered = match args.format {
        Format::Json => history_json(&report),
        Format::Text => history_text(&report, use_color(args.color, to_terminal)),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered)
                .with_context(|| format!("could not write the report to {}", path.display()))?;
            if !args.quiet {
                output::note(&history_summary_line(&report));
                output::note(&format!("report written to {}", path.display()));
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(rendered.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.context("could not write to standard output")?,
            }
            if args.format == Format::Json && !args.quiet {
                output::note(&history_summary_line(&report));
            }
        }
    }
    Ok(report.exit_status(args.strict))
}

fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}
