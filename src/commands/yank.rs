//! `cnbcargo yank`: `cargo yank` for each selected version (the work is
//! `crate::ops::yank`).

use anyhow::Result;

use crate::cli::YankArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ops::yank;
use crate::shell::plural;

pub fn run(args: &YankArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let specs = args.specs.parse(args.all)?;
    ctx.cargo.check_version(shell)?;
    let target = ctx.target(args.registry.registry.as_deref())?;
    let api = ctx.api(&target, args.api.api_endpoint.as_deref())?;
    let versions = yank::select(&api, &specs, &target.registry.name, shell)?;

    let verb = if args.undo { "unyank" } else { "yank" };
    if args.dry_run {
        let shown = if args.undo {
            "Would unyank"
        } else {
            "Would yank"
        };
        for version in &versions {
            shell.status(shown, version);
        }
        shell.note(format!(
            "dry run: nothing was {verb}ed ({} selected)",
            plural(versions.len(), "version", "versions")
        ));
        return Ok(());
    }

    let failed = yank::run(&ctx.cargo, &target, &versions, args.undo, shell)?;
    if !failed.is_empty() {
        let of = if versions.len() == 1 {
            String::new()
        } else {
            format!("{} of {} versions: ", failed.len(), versions.len())
        };
        return Err(
            UserError::new(format!("could not {verb} {of}{}", failed.join(", ")))
                .hint("cargo's own messages are above")
                .into(),
        );
    }
    Ok(())
}
