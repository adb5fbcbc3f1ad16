//! Progress on standard error: bars on a terminal (never in pipes or tests), plain step
//! lines with `-v`, nothing with `-q`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use provcheck_index::Reporter;
use provcheck_source::GitProgress;

pub struct Display {
    mode: Mode,
    bars: Option<MultiProgress>,
    spinner: Option<ProgressBar>,
    downloads: Mutex<HashMap<String, ProgressBar>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Quiet,
    Lines,
    Bars,
}

impl Display {
    pub fn new(quiet: bool, verbose: bool) -> Display {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else if verbose {
            Mode::Lines
        } else {
            Mode::Quiet
        };
        let (bars, spinner) = if mode == Mode::Bars {
            let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let spinner = bars.add(ProgressBar::new_spinner());
            spinner.enable_steady_tick(Duration::from_millis(120));
            (Some(bars), Some(spinner))
        } else {
            (None, None)
        };
        Display {
            mode,
            bars,
            spinner,
            downloads: Mutex::new(HashMap::new()),
        }
    }

    pub fn step(&self, message: &str) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => crate::output::note(message),
            Mode::Bars => {
                if let Some(spinner) = &self.spinner {
                    spinner.set_message(message.to_owned());
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
        if let Some(bars) = &self.bars {
            let _ = bars.clear();
        }
    }
}

impl Reporter for Display {
    fn download_start(&self, filename: &str, total: Option<u64>) {
        let Some(bars) = &self.bars else {
            if self.mode == Mode::Lines {
                crate::output::note(&format!("downloading {filename}"));
            }
            return;
        };
        let bar = bars.add(ProgressBar::new(total.unwrap_or(0)));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:40!} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(filename.to_owned());
        if let Ok(mut downloads) = self.downloads.lock() {
            downloads.insert(filename.to_owned(), bar);
        }
    }

    fn download_progress(&self, filename: &str, bytes: u64) {
        if let Ok(downloads) = self.downloads.lock()
            && let Some(bar) = downloads.get(filename)
        {
            bar.set_position(bytes);
        }
    }

    fn download_done(&self, filename: &str) {
        if let Ok(mut downloads) = self.downloads.lock()
            && let Some(bar) = downloads.remove(filename)
        {
            bar.finish_and_clear();
        }
    }
}

impl GitProgress for Display {
    fn message(&self, line: &str) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => crate::output::note(&format!("git: {line}")),
            Mode::Bars => {
                if let Some(spinner) = &self.spinner {
                    spinner.set_message(format!("git: {line}"));
                }
            }
        }
    }
}
