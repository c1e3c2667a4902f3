use anyhow::Result;

use crate::cargo::Cargo;
use crate::cargo_config::{self, ConfigStack, RegistryDef};
use crate::cli::{LoginArgs, LogoutArgs};
use crate::credentials::{self, keyring_store};
use crate::error::UserError;
use crate::shell::Shell;

pub fn login(args: &LoginArgs, shell: &Shell) -> Result<()> {
    let cargo = Cargo::from_env();
    cargo.check_version(shell)?;
    let registry = resolve_registry(args.registry.registry.as_deref(), shell)?;
    let (token, source) = credentials::read_login_token(args.token_stdin, &registry.name)?;
    shell.verbose(format!("read the token from {source}"));
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

/// The registry to act on: `--registry`, else `registry.default`, else the
/// only registry whose index looks like CNB's.
pub fn resolve_registry(requested: Option<&str>, shell: &Shell) -> Result<RegistryDef> {
    let cwd = super::current_dir()?;
    let home = cargo_config::cargo_home(&cwd)?;
    let stack = ConfigStack::discover(&cwd, &home)?;
    for file in &stack.files {
        shell.debug(format!("read `{}`", file.path.display()));
    }
    let registries = stack.registries();
    let listing = || {
        if registries.is_empty() {
            "no registries are configured".to_string()
        } else {
            let names: Vec<String> = registries
                .iter()
                .map(|r| format!("`{}` ({}, {})", r.name, r.index, r.origin))
                .collect();
            format!("configured: {}", names.join("; "))
        }
    };
    if let Some(name) = requested {
        return registries
            .iter()
            .find(|r| r.name == name)
            .cloned()
            .ok_or_else(|| {
                UserError::new(format!(
                    "registry `{name}` is not in cargo's config ({})",
                    listing()
                ))
                .hint("run `cnbcargo init <group/registry> --name NAME` to add it")
                .into()
            });
    }
    if let Some((name, origin)) = stack.registry_default()
        && name != "crates-io"
    {
        return match registries.iter().find(|r| r.name == name) {
            Some(registry) => {
                shell.verbose(format!("using `registry.default = \"{name}\"` from {origin}"));
                Ok(registry.clone())
            }
            None => Err(UserError::new(format!(
                "`registry.default` ({origin}) names `{name}`, which has no `[registries.{name}]` index ({})",
                listing()
            ))
            .hint("run `cnbcargo init` to configure the registry, or pass `--registry NAME`")
            .into()),
        };
    }
    let cnb: Vec<&RegistryDef> = registries
        .iter()
        .filter(|r| r.index_url().is_some_and(|u| u.looks_like_cnb()))
        .collect();
    match cnb.as_slice() {
        [only] => {
            shell.verbose(format!(
                "using `{}`, the only CNB registry configured",
                only.name
            ));
            Ok((*only).clone())
        }
        [] => Err(UserError::new(format!(
            "no CNB registry is configured here ({})",
            listing()
        ))
        .hint("run `cnbcargo init <group/registry>` first, or pass `--registry NAME`")
        .into()),
        _ => Err(UserError::new(format!(
            "several CNB registries are configured and none is `registry.default` ({})",
            listing()
        ))
        .hint("pass `--registry NAME`")
        .into()),
    }
}
