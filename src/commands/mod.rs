//! One module per subcommand: turn arguments into typed values, call the
//! work, report.

pub mod ci;
pub mod completions;
pub mod delete;
pub mod doctor;
pub mod init;
pub mod list;
pub mod login;
pub mod publish;
pub mod yank;

use std::path::PathBuf;

use anyhow::{Context, Result};

pub fn current_dir() -> Result<PathBuf> {
    std::env::current_dir().context("cannot read the current directory")
}
