mod cargo;
mod cargo_config;
mod cli;
mod client;
mod commands;
mod context;
mod credentials;
mod env;
mod error;
mod fs;
mod registry_url;
mod settings;
mod shell;
mod spec;
mod workspace;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::{EXIT_FAILURE, UserError};
use crate::shell::Shell;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Context::new(Shell::new(cli.global.verbosity()));
    match run(&cli, &ctx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            ctx.shell.error(&err);
            let code = err
                .chain()
                .find_map(|c| c.downcast_ref::<UserError>())
                .map_or(EXIT_FAILURE, UserError::exit_code);
            ExitCode::from(code)
        }
    }
}

fn run(cli: &Cli, ctx: &Context) -> anyhow::Result<()> {
    match &cli.command {
        Command::Init(args) => commands::init::run(args, ctx),
        Command::Login(args) => commands::login::login(args, ctx),
        Command::Logout(args) => commands::login::logout(args, ctx),
        Command::Publish(args) => commands::publish::run(args, ctx),
        Command::Delete(args) => commands::delete::run(args, ctx),
        Command::Yank(args) => commands::yank::run(args, ctx),
        Command::List(args) => commands::list::run(args, ctx),
        Command::Doctor(args) => commands::doctor::run(args, ctx),
        Command::Ci(args) => commands::ci::run(args, ctx),
        Command::Completions(args) => commands::completions::run(args, ctx),
    }
}
