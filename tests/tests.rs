//! Integration tests: every scenario builds its repository and artifacts in a temporary
//! folder and runs the real `provcheck` binary.

mod common;

mod archive;
mod check;
mod deps;
mod github;
mod history;
mod rules;
mod snapshots;
mod verify;
