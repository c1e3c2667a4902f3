//! The operations: what cnbcargo does, callable without clap types.
//! Each takes typed options and returns what happened; `commands/`
//! turns arguments into those options and prints the result.

pub mod audit;
pub mod delete;
pub mod doctor;
pub mod init;
pub mod list;
pub mod login;
pub mod migrate;
pub mod pipeline;
pub mod placeholder;
pub mod publish;
pub mod token_check;
pub mod versions;
pub mod wait;
pub mod yank;
