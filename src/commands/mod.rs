//! One module per subcommand: turn arguments into typed values, call the
//! work, report.

pub mod audit;
pub mod ci;
pub mod completions;
pub mod delete;
pub mod doctor;
pub mod init;
pub mod list;
pub mod login;
pub mod migrate;
pub mod publish;
pub mod yank;
