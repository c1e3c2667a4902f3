use anyhow::Result;

use crate::cargo::Cargo;
use crate::cli::{LoginArgs, LogoutArgs};
use crate::credentials::{self, keyring_store};
use crate::shell::Shell;
use crate::target::resolve_registry;

pub fn login(args: &LoginArgs, shell: &Shell) -> Result<()> {
    let cargo = Cargo::from_env();
    let registry = resolve_registry(args.registry.registry.as_deref(), shell)?;
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
        format!("to `{}` ({})", registry.name, registry.index),
    );
    Ok(())
}

pub fn logout(args: &LogoutArgs, shell: &Shell) -> Result<()> {
    let cargo = Cargo::from_env();
    cargo.check_version(shell)?;
    let registry = resolve_registry(args.registry.registry.as_deref(), shell)?;
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
