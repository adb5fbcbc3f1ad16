//! Test harness for provcheck: a fake Python package index served on 127.0.0.1.
//!
//! [`FakeIndex`] is a small, synchronous HTTP/1.1 server on a background thread that speaks
//! the parts of PyPI provcheck uses:
//!
//! - the simple API (`/simple/NAME/`), as PEP 691 JSON when the `Accept` header asks for
//!   `application/vnd.pypi.simple.v1+json`, else as a PEP 503 HTML page;
//! - the JSON API (`/pypi/NAME/json`, and `/pypi/NAME/VERSION/json` when switched on);
//! - the files themselves (`/files/FILENAME`) and PEP 740 provenance documents.
//!
//! Tests publish files, yank versions, and switch on faults ([`Fault`]: error statuses,
//! rate limiting, dropped connections, truncated bodies), 403s for removed versions, wrong
//! digests and basic authentication; every request is logged ([`Request`]) so tests can
//! assert what was (or was not) asked. The server stops when the [`FakeIndex`] is dropped.
//!
//! [`FakeGitHub`] serves the few GitHub REST endpoints provcheck's optional enrichment asks
//! (repository, a commit's pull requests, a tag's release).
//!
//! Tests only: it trusts its caller, keeps everything in memory and answers one request per
//! connection (`Connection: close`).
#![deny(missing_docs)]

mod documents;
mod github;
mod http;
mod index;
mod name;

pub use github::{FakeGitHub, FakePull};
pub use index::{FakeIndex, Fault, Request};
pub use name::normalize;
