//! Renderers: pure functions from a [`Report`](crate::Report) to text.
//!
//! - [`json`]: the machine contract (`--format json`).
//! - [`text`]: the human summary (`--format text`, the default).

mod json;
mod text;

pub use json::json;
pub use text::{TextOptions, text};
