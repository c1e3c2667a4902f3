//! The files cnbcargo reads, writes and edits: plain files only, read
//! bounded, written atomically under a directory lock, edited with a diff
//! on a dry run.

pub mod edit;
mod read;
pub mod write;

pub use read::{check_regular, read_regular, read_regular_limited};
