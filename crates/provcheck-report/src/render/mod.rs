//! Renderers: pure functions from a [`Report`](crate::Report) to text.
//!
//! - [`json`]: the machine contract (`--format json`).
//! - [`text`]: the human summary (`--format text`, the default).
//! - [`table`], [`summary`]: a dependency set, one row per package, worst first.
//! - [`markdown`]: a dependency set for a pull-request comment (`--format markdown`).
//! - [`sarif`]: SARIF 2.1.0 for code scanning (`--format sarif`).

mod history;
mod json;
mod markdown;
mod sarif;
mod table;
mod text;

pub use history::{history_json, history_text, summary_line as history_summary_line};
pub use json::json;
pub use markdown::markdown;
pub use sarif::sarif;
pub use table::{summary, table};
pub use text::{TextOptions, text};
