//! `cnbcargo login` and `logout`: the token is checked with the registry,
//! then handed to cargo on its stdin, with a copy in the OS keyring.

use anyhow::Result;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::context::Context;
use crate::credentials::{self, LoginTokenSource, Secret, keyring_store};
use crate::env;
use crate::error::UserError;
use crate::ops::token_check::{self, Report, Right};
use crate::provider;
use crate::registry_url::IndexUrl;
use crate::settings;
use crate::shell::Shell;

pub fn login(args: &LoginArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    let registry = ctx.registry(args.registry.registry.as_deref())?;
    // cargo would send the token to this index: not over plain http to
    // another machine, whatever kind of index it is.
    settings::check_index_may_carry_token(&registry)?;
    let index = IndexUrl::from_config(&registry.index).ok();
    let withheld = settings::cnb_token_withheld(&registry.index);
    if let Some((note, hint)) = &withheld {
        shell.warn(format!("{note}; {hint}"));
    }
    let allowed = withheld.is_none();
    let (token, source) =
        credentials::read_login_token(args.token_stdin, &registry.name, allowed, || {
            let page = index.as_ref().and_then(IndexUrl::token_page);
            let place = page.map_or("in your CNB account's settings".to_string(), |p| {
                format!("at {p}")
            });
            shell.note(format!(
                "create a token {place}, with {}",
                credentials::SCOPES
            ));
        })?;
    shell.verbose(format!("read the token from {source}"));

    if args.no_verify_token {
        shell.note("the token was not checked with the registry (`--no-verify-token`)");
    } else {
        let report = verify(args, ctx, &registry.name, index.as_ref(), &token)?;
        tell(&report, &registry.name, shell);
    }

    let mode = provider::Mode::of(ctx.config()?, &registry.name);
    if let provider::Mode::Cnbcargo { program, origin } = &mode {
        // cargo runs the provider from `PATH`: a pipeline without it would
        // pass here and fail inside `cargo publish`.
        provider::check_program(program, origin)?;
        if source == LoginTokenSource::CnbTokenEnv {
            // The provider answers cargo from `CNB_TOKEN` itself: storing
            // it would only leave a copy behind.
            shell.status(
                "Ready",
                format!(
                    "cargo gets `{}` for `{}` from the `cnbcargo` credential provider ({origin}): nothing to store",
                    env::CNB_TOKEN,
                    registry.name
                ),
            );
            return Ok(());
        }
        if !keyring_store::enabled(args.no_keyring) {
            return Err(UserError::new(format!(
                "registry `{}` takes its token from the `cnbcargo` credential provider ({origin}), which keeps it in the OS keyring, and the keyring is turned off",
                registry.name
            ))
            .hint(format!(
                "set `{}` where there is no keyring (the provider reads it), or run `cnbcargo init --credential-provider cargo:token` to go back to `credentials.toml`",
                env::CNB_TOKEN
            ))
            .into());
        }
        // cargo hands the token to the provider, which stores it in the
        // keyring: `credentials.toml` is not written.
        cargo.login(&registry.name, &token, shell)?;
        remove_plaintext_copy(ctx, &registry.name)?;
        shell.status(
            "Logged in",
            format!(
                "to `{}` ({}): the token is in the OS keyring, where the `cnbcargo` credential provider gives it to cargo",
                registry.name,
                registry.index_shown()
            ),
        );
        return Ok(());
    }

    // The version gate runs inside, alongside cargo.
    cargo.login(&registry.name, &token, shell)?;
    one_copy(args, ctx, &registry, &token)?;
    shell.status(
        "Logged in",
        format!("to `{}` ({})", registry.name, registry.index_shown()),
    );
    Ok(())
}

/// After `cargo login`: one copy of the token. Where cnbcargo reads the
/// token cargo stored (`credentials.toml`), that copy is the only one,
/// and a keyring copy from an earlier login goes: a second copy is one
/// that a later `cargo login` (a rotation) leaves behind. Only where
/// cargo keeps it out of cnbcargo's reach (another credential provider)
/// does the keyring keep a copy for cnbcargo's own calls.
fn one_copy(
    args: &LoginArgs,
    ctx: &Context,
    registry: &crate::cargo_config::RegistryDef,
    token: &Secret,
) -> Result<()> {
    let shell = &ctx.shell;
    let account = keyring_store::account(&registry.index);
    // cargo has stored the token by now: a copy it reads that is not a
    // token (its variable, say) is said, and does not undo the login; the
    // keyring is then left as it is.
    let cargo_copy = match settings::cargo_token(registry, ctx.cargo_home()?, shell) {
        Ok(copy) => copy,
        Err(e) => {
            shell.warn(format!("{e:#}"));
            return Ok(());
        }
    };
    match cargo_copy {
        Some((stored, source)) => {
            if !stored.same_as(token) {
                // cargo's variable wins over the file it just wrote.
                shell.warn(format!(
                    "cargo sends another token for `{}`, from {source}: the one just stored is not used, by cargo or cnbcargo",
                    registry.name
                ));
                shell.hint(match &source {
                    settings::TokenSource::CargoEnv(var) => format!("unset `{var}`"),
                    _ => format!("remove the token of `{}` from {source}", registry.name),
                });
            } else {
                shell.verbose(format!(
                    "cargo keeps the token in {source}, where cnbcargo reads it: no copy in the OS keyring"
                ));
            }
            // Any keyring copy is from an earlier login: gone, so that it
            // cannot drift from cargo's. The keyring turned off by the
            // environment is not touched at all.
            if keyring_store::enabled(false) {
                match keyring_store::delete(&account) {
                    Ok(true) => shell.status(
                        "Removed",
                        format!(
                            "the older copy of the token of `{}` from the OS keyring (cargo's {source} is the one copy)",
                            registry.name
                        ),
                    ),
                    Ok(false) => {}
                    Err(why) => shell.debug(format!("keyring not reached: {why}")),
                }
            }
        }
        None if keyring_store::enabled(args.no_keyring) => {
            match keyring_store::store(&account, token) {
                Ok(()) => shell.verbose(
                    "cargo keeps the token where cnbcargo cannot read it: kept a copy in the OS keyring for cnbcargo's API calls",
                ),
                Err(why) => shell.note(format!(
                    "the token was not kept in the OS keyring: {why}; cnbcargo's API commands will need `{}`",
                    env::CNB_TOKEN
                )),
            }
        }
        None => shell.verbose("not keeping a copy in the OS keyring (turned off)"),
    }
    Ok(())
}

/// Asks the registry about the token: its index, and CNB's API when the
/// endpoint is given or can be derived.
fn verify(
    args: &LoginArgs,
    ctx: &Context,
    name: &str,
    index: Option<&IndexUrl>,
    token: &Secret,
) -> Result<Report> {
    let flag = args.api.api_endpoint.as_deref();
    let api = match index {
        Some(index) if settings::api_endpoint_known(flag, index) && index.cnb_slug().is_some() => {
            Some(ctx.api_for(index, token, flag)?)
        }
        _ => None,
    };
    let registry = token_check::Registry { name, index, api };
    token_check::check(ctx.http()?, &registry, token)
}

/// What the registry said, as status, warnings and notes.
fn tell(report: &Report, name: &str, shell: &Shell) {
    if !report.index_checked {
        shell.note(format!(
            "`{name}` does not have a sparse index: the token could not be checked"
        ));
        return;
    }
    let granted = report.granted();
    if report.index_public {
        shell.note(format!(
            "the index of `{name}` is public: it answers any token, so only the API could check this one"
        ));
    }
    match (granted.is_empty(), report.index_public) {
        (true, true) => shell.note("nothing else answered for it: the token was not checked"),
        (true, false) => shell.status("Checked", format!("the token with the index of `{name}`")),
        (false, _) => shell.status(
            "Checked",
            format!("the token with `{name}`: it may {}", granted.join(", ")),
        ),
    }
    // Without read or publish a token is of little use: a warning; without
    // delete it is what most tokens are: a note.
    for (right, what, denied, warn) in [
        (
            &report.read,
            "read",
            format!(
                "this token may not read `{name}`: `cnbcargo list`, `publish`, `yank` and `delete` read the registry through CNB's API and will fail with 403"
            ),
            true,
        ),
        (
            &report.publish,
            "publish",
            format!(
                "this token may not publish `{name}`: `cnbcargo publish`, `cargo publish` and `cargo yank` will fail with 403"
            ),
            true,
        ),
        (
            &report.delete,
            "delete",
            format!(
                "this token may not delete from `{name}`: `cnbcargo delete` will fail (it needs `registry-package-delete:rw`)"
            ),
            false,
        ),
    ] {
        match right {
            Right::Denied if warn => {
                shell.warn(denied);
                shell.hint(format!("create a token with {}", credentials::SCOPES));
            }
            Right::Denied => shell.note(denied),
            Right::Unknown(why) => shell.note(format!(
                "could not tell whether the token may {what}: {why}"
            )),
            Right::NotAsked(why) => {
                shell.verbose(format!("not asked whether the token may {what}: {why}"))
            }
            Right::Granted => {}
        }
    }
}

pub fn logout(args: &LogoutArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    cargo.check_version(shell)?;
    let registry = ctx.registry(args.registry.registry.as_deref())?;
    let account = keyring_store::account(&registry.index);
    if ctx.via_provider(&registry)? {
        // cargo asks the provider to remove the keyring entry.
        let stored =
            keyring_store::enabled(false) && matches!(keyring_store::load(&account), Ok(Some(_)));
        cargo.logout(&registry.name, shell)?;
        if stored {
            shell.status(
                "Removed",
                format!("the token of `{}` from the OS keyring", registry.name),
            );
        }
        remove_plaintext_copy(ctx, &registry.name)?;
        return Ok(());
    }
    cargo.logout(&registry.name, shell)?;
    if keyring_store::enabled(false) {
        match keyring_store::delete(&account) {
            Ok(true) => shell.status("Removed", "the token from the OS keyring"),
            Ok(false) => shell.verbose("no token in the OS keyring"),
            Err(why) => shell.note(format!("could not reach the OS keyring: {why}")),
        }
    }
    Ok(())
}

/// In the provider's mode cargo ignores `credentials.toml`: a token left
/// there from the `cargo:token` setup is only a plaintext copy to remove.
fn remove_plaintext_copy(ctx: &Context, registry: &str) -> Result<()> {
    if let Some(path) =
        crate::cargo_config::credentials_file::remove_token(ctx.cargo_home()?, registry)?
    {
        ctx.shell.status(
            "Removed",
            format!(
                "the plaintext token of `{registry}` from `{}` (cargo no longer reads it)",
                path.display()
            ),
        );
    }
    Ok(())
}
