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
    /// Packages of a dependency set: done / total.
    packages: Mutex<Option<(ProgressBar, u64, u64)>>,
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
            packages: Mutex::new(None),
        }
    }

    /// Starts counting the packages of a dependency set.
    pub fn packages(&self, total: u64) {
        let bar = match &self.bars {
            Some(bars) => {
                let bar = bars.insert(0, ProgressBar::new(total));
                bar.set_style(
                    ProgressStyle::with_template("{pos:>3}/{len} packages {bar:30} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar
            }
            None => ProgressBar::hidden(),
        };
        if let Ok(mut packages) = self.packages.lock() {
            *packages = Some((bar, 0, total));
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
        if let Ok(mut packages) = self.packages.lock()
            && let Some((bar, _, _)) = packages.take()
        {
            bar.finish_and_clear();
        }
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

impl provcheck_engine::SetReporter for Display {
    fn finished(&self, name: &str) {
        let Ok(mut packages) = self.packages.lock() else {
            return;
        };
        let Some((bar, done, total)) = packages.as_mut() else {
            return;
        };
        *done += 1;
        bar.set_position(*done);
        bar.set_message(name.to_owned());
        if self.mode == Mode::Lines {
            crate::output::note(&format!("[{done}/{total}] {name} done"));
        }
    }
}
