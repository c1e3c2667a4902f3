//! cnbcargo, a companion to cargo for CNB's Cargo registry. Two binaries
//! share this one implementation: `cnbcargo`, and `cargo-cnb`, which
//! cargo runs for `cargo cnb <command>` (its plugin convention).

mod cargo;
mod cargo_config;
mod cli;
mod client;
mod cnb_hosts;
mod commands;
mod context;
mod credentials;
mod env;
mod error;
mod explain;
mod fs;
mod ops;
mod origin;
mod parallel;
mod provider;
mod registry_url;
mod settings;
mod shell;
mod spec;
mod workspace;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::{EXIT_FAILURE, UserError};
use crate::shell::Shell;

/// The program, for both binaries.
pub fn main() -> ExitCode {
    let args = plugin_args(std::env::args_os().collect());
    // cargo asking for a registry's token speaks JSON on stdin/stdout.
    if provider::requested(&args) {
        provider::serve();
        return ExitCode::SUCCESS;
    }
    // A shell asking for completions (`CNBCARGO_COMPLETE=bash cnbcargo -- ...`) is
    // answered here, before any parsing or output.
    cli::complete_if_asked(&args);
    let cli = match cli::parse(&args) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    let ctx = Context::new(Shell::new(cli.global.verbosity(), cli.global.color));
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

/// cargo runs a plugin as `cargo-cnb cnb <args>`: the repeated subcommand
/// name is dropped, so both binaries parse the same arguments.
fn plugin_args(mut args: Vec<OsString>) -> Vec<OsString> {
    if cli::invoked_as_plugin(&args) && args.get(1).is_some_and(|a| a == "cnb") {
        args.remove(1);
    }
    args
}

fn run(cli: &Cli, ctx: &Context) -> anyhow::Result<()> {
    // Commands that cannot do without the network stop before any work
    // when cargo is set offline; the others (init, ci, doctor's offline
    // checks...) go on.
    let needs_network = match &cli.command {
        Command::Login(args) => Some(("login", !args.no_verify_token, None)),
        Command::Publish(args) => Some((
            "publish",
            true,
            if args.cargo.offline {
                Some("--offline")
            } else if args.cargo.frozen {
                Some("--frozen")
            } else {
                None
            },
        )),
        Command::Delete(_) => Some(("delete", true, None)),
        Command::Migrate(_) => Some(("migrate", true, None)),
        Command::Yank(_) => Some(("yank", true, None)),
        Command::List(_) => Some(("list", true, None)),
        Command::Audit(_) => Some(("audit", true, None)),
        _ => None,
    };
    if let Some((name, true, flag)) = needs_network {
        ctx.require_online(name, flag)?;
    }
    match &cli.command {
        Command::Init(args) => commands::init::run(args, ctx),
        Command::Login(args) => commands::login::login(args, ctx),
        Command::Logout(args) => commands::login::logout(args, ctx),
        Command::Publish(args) => commands::publish::run(args, ctx),
        Command::Delete(args) => commands::delete::run(args, ctx),
        Command::Migrate(args) => commands::migrate::run(args, ctx),
        Command::Yank(args) => commands::yank::run(args, ctx),
        Command::List(args) => commands::list::run(args, ctx),
        Command::Doctor(args) => commands::doctor::run(args, ctx),
        Command::Audit(args) => commands::audit::run(args, ctx),
        Command::Ci(args) => commands::ci::run(args, ctx),
        Command::Completions(args) => commands::completions::run(args, ctx),
    }
}
