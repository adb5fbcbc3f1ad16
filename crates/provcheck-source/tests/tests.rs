//! The integration tests of provcheck-source: one binary, one module per topic.

mod remote;
mod source;
