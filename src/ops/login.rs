//! Logging in: the token read, checked with the registry, handed to
//! cargo on its stdin, and kept in one place (cargo's store, or the OS
//! keyring where cnbcargo cannot read cargo's); and logging out.

use anyhow::Result;

use crate::cargo_config::RegistryDef;
use crate::context::Context;
use crate::credentials::{self, LoginTokenSource, Secret, keyring_store};
use crate::env;
use crate::error::UserError;
use crate::ops::token_check::{self, Report};
use crate::provider;
use crate::registry_url::IndexUrl;
use crate::settings;

/// What `login` was asked to do.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options<'a> {
    /// `--registry`, else the registry `settings::registry` picks.
    pub registry: Option<&'a str>,
    /// Read the token from standard input.
    pub token_stdin: bool,
    /// Keep no copy in the OS keyring.
    pub no_keyring: bool,
    /// `--api-endpoint`, for the token check.
    pub api_endpoint: Option<&'a str>,
}

/// A token read for a registry, not yet stored.
pub struct Login {
    pub registry: RegistryDef,
    /// The registry's index, when it is a sparse one.
    pub index: Option<IndexUrl>,
    pub token: Secret,
    pub source: LoginTokenSource,
}

/// Picks the registry and reads its token (`credentials::read_login_token`),
/// refusing an index cargo would send it to in clear.
pub fn read(opts: &Options<'_>, ctx: &Context) -> Result<Login> {
    let shell = &ctx.shell;
    let registry = ctx.registry(opts.registry)?;
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
        credentials::read_login_token(opts.token_stdin, &registry.name, allowed, || {
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
    Ok(Login {
        registry,
        index,
        token,
        source,
    })
}

/// Asks the registry about the token: its index, and CNB's API when the
/// endpoint is given or can be derived.
pub fn verify(login: &Login, opts: &Options<'_>, ctx: &Context) -> Result<Report> {
    let flag = opts.api_endpoint;
    let index = login.index.as_ref();
    let api = match index {
        Some(index) if settings::api_endpoint_known(flag, index) && index.cnb_slug().is_some() => {
            Some(ctx.api_for(index, &login.token, flag)?)
        }
        _ => None,
    };
    let registry = token_check::Registry {
        name: &login.registry.name,
        index,
        api,
    };
    token_check::check(ctx.http()?, &registry, &login.token)
}

/// Hands the token to cargo (`cargo login`), and keeps the one copy
/// cnbcargo needs: through the `cnbcargo` provider into the OS keyring
/// when that is the registry's provider, else `one_copy`.
pub fn store(login: &Login, opts: &Options<'_>, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let registry = &login.registry;
    let mode = provider::Mode::of(ctx.config()?, &registry.name);
    if let provider::Mode::Cnbcargo { program, origin } = &mode {
        return store_via_provider(login, opts, ctx, program, origin);
    }
    // The version gate runs inside, before cargo is started.
    ctx.cargo.login(&registry.name, &login.token, shell)?;
    one_copy(opts.no_keyring, ctx, registry, &login.token)?;
    shell.status(
        "Logged in",
        format!("to `{}` ({})", registry.name, registry.index_shown()),
    );
    Ok(())
}

/// `store` where cnbcargo is the registry's credential provider: cargo
/// hands it the token, which goes to the OS keyring.
fn store_via_provider(
    login: &Login,
    opts: &Options<'_>,
    ctx: &Context,
    program: &str,
    origin: &crate::cargo_config::Origin,
) -> Result<()> {
    let shell = &ctx.shell;
    let registry = &login.registry;
    // cargo runs the provider from `PATH`: a pipeline without it would
    // pass here and fail inside `cargo publish`.
    provider::check_program(program, origin)?;
    if login.source == LoginTokenSource::CnbTokenEnv {
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
    if !keyring_store::enabled(opts.no_keyring) {
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
    ctx.cargo.login(&registry.name, &login.token, shell)?;
    remove_plaintext_copy(ctx, &registry.name)?;
    shell.status(
        "Logged in",
        format!(
            "to `{}` ({}): the token is in the OS keyring, where the `cnbcargo` credential provider gives it to cargo",
            registry.name,
            registry.index_shown()
        ),
    );
    Ok(())
}

/// After `cargo login`: one copy of the token. Where cnbcargo reads the
/// token cargo stored (`credentials.toml`), that copy is the only one,
/// and a keyring copy from an earlier login goes: a second copy is one
/// that a later `cargo login` (a rotation) leaves behind. Only where
/// cargo keeps it out of cnbcargo's reach (another credential provider)
/// does the keyring keep a copy for cnbcargo's own calls.
fn one_copy(no_keyring: bool, ctx: &Context, registry: &RegistryDef, token: &Secret) -> Result<()> {
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
        None if keyring_store::enabled(no_keyring) => {
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

/// `cnbcargo logout`: cargo removes its copy (or, in the provider's mode,
/// asks the provider to remove the keyring entry); the keyring copy and
/// any plaintext copy go too.
pub fn logout(registry: Option<&str>, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    cargo.check_version(shell)?;
    let registry = ctx.registry(registry)?;
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
