mod api;
mod cargo;
mod cargo_config;
mod cli;
mod commands;
mod credentials;
mod env;
mod error;
mod index;
mod net;
mod registry_url;
mod shell;
mod spec;
mod target;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::{EXIT_FAILURE, UserError};
use crate::shell::Shell;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let shell = Shell::new(cli.global.verbosity());
    match run(&cli, &shell) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            shell.error(&err);
            let code = err
                .chain()
                .find_map(|c| c.downcast_ref::<UserError>())
                .map_or(EXIT_FAILURE, UserError::exit_code);
            ExitCode::from(code)
        }
    }
}

fn run(cli: &Cli, shell: &Shell) -> anyhow::Result<()> {
    match &cli.command {
        Command::Init(args) => commands::init::run(args, shell),
        Command::Login(args) => commands::login::login(args, shell),
        Command::Logout(args) => commands::login::logout(args, shell),
        Command::Publish(args) => commands::publish::run(args, shell),
        Command::Delete(args) => commands::delete::run(args, shell),
        Command::Yank(args) => commands::yank::run(args, shell),
        Command::List(args) => commands::list::run(args, shell),
        Command::Doctor(args) => commands::doctor::run(args, shell),
        Command::Ci(args) => commands::ci::run(args, shell),
        Command::Completions(args) => commands::completions::run(args, shell),
    }
}
