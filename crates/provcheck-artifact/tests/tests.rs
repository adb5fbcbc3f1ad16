//! Integration tests: archives built in memory, written to a temporary folder, read back.

mod hostile;
mod sdist;
mod util;
mod wheel;
