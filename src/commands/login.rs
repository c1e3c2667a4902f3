use anyhow::Result;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::context::Context;
use crate::credentials::{self, keyring_store};

pub fn login(args: &LoginArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    let registry = ctx.registry(args.registry.registry.as_deref())?;
    // cargo would send the token to this index: not over plain http to
    // another machine, whatever kind of index it is.
    crate::settings::check_index_may_carry_token(&registry)?;
    let (token, source) = credentials::read_login_token(args.token_stdin, &registry.name)?;
    shell.verbose(format!("read the token from {source}"));
    // The version gate runs inside, alongside cargo.
    cargo.login(&registry.name, &token, shell)?;

    if keyring_store::enabled(args.no_keyring) {
        match keyring_store::store(&registry.index, &token) {
            Ok(()) => shell.verbose("kept a copy of the token in the OS keyring"),
            Err(why) => shell.note(format!(
                "the token was not kept in the OS keyring: {why}; cnbcargo's API commands will read `CNB_TOKEN` or cargo's credentials instead"
            )),
        }
    } else {
        shell.verbose("not keeping a copy in the OS keyring (turned off)");
    }
    shell.status(
        "Logged in",
        format!("to `{}` ({})", registry.name, registry.index_shown()),
    );
    Ok(())
}

pub fn logout(args: &LogoutArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    cargo.check_version(shell)?;
    let registry = ctx.registry(args.registry.registry.as_deref())?;
    cargo.logout(&registry.name, shell)?;
    if keyring_store::enabled(false) {
        match keyring_store::delete(&registry.index) {
            Ok(true) => shell.status("Removed", "the token from the OS keyring"),
            Ok(false) => shell.verbose("no token in the OS keyring"),
            Err(why) => shell.note(format!("could not reach the OS keyring: {why}")),
        }
    }
    Ok(())
}
