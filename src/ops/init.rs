//! Configuring cargo for a CNB registry (`cnbcargo init`): CNB's block
//! spliced into the project's (or `$CARGO_HOME`'s) cargo config, the
//! registry's host recorded as CNB's, and in cnbcargo's provider mode the
//! plaintext token moved into the OS keyring.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cargo_config::cnb_block::{self, CNBCARGO_PROVIDER, Change, CnbBlock, ProviderSetup};
use crate::cargo_config::credentials_file;
use crate::context::Context;
use crate::credentials::keyring_store;
use crate::error::UserError;
use crate::fs::edit::{self, Outcome};
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

/// What `init` is asked for.
#[derive(Debug)]
pub struct Options<'a> {
    /// The name cargo is to know the registry by.
    pub name: &'a str,
    pub index: &'a IndexUrl,
    /// `$CARGO_HOME`'s config rather than the project's.
    pub global: bool,
    /// Make it `registry.default`.
    pub set_default: bool,
    pub provider: ProviderSetup,
    /// Print the change as a diff and write nothing.
    pub dry_run: bool,
}

/// Writes (or shows, on a dry run) CNB's block in the cargo config, then
/// records the host and moves a plaintext token as the mode asks. Says
/// what it does as it goes.
pub fn run(ctx: &Context, options: &Options<'_>) -> Result<Outcome> {
    let shell = &ctx.shell;
    // The command checks it before asking for the target; other callers
    // get the same check here.
    validate_registry_name(options.name)?;
    let path = config_path(options.global, ctx)?;
    shell.verbose(format!("editing `{}`", path.display()));
    let (outcome, name) = edit_config(ctx, options, &path)?;
    if options.dry_run {
        return Ok(outcome);
    }
    // `CNB_TOKEN` may then go to this registry's host (see `cnb_hosts`).
    if let Err(err) = crate::cnb_hosts::record(options.index) {
        shell.warn(format!(
            "could not record `{}` as a CNB host: `CNB_TOKEN` will not be sent there ({err:#})",
            options.index.http_url().host_str().unwrap_or_default()
        ));
    }
    if options.provider == ProviderSetup::Cnbcargo {
        move_plaintext_token(ctx, &name, options.index)?;
    }
    Ok(outcome)
}

/// The edit itself, and what it changed said; returns the registry's name
/// in effect (the requested one, or the existing name of the same index).
fn edit_config(ctx: &Context, options: &Options<'_>, path: &Path) -> Result<(Outcome, String)> {
    let shell = &ctx.shell;
    let block = CnbBlock {
        name: options.name,
        index: options.index,
        set_default: options.set_default,
        provider: options.provider,
    };
    let (outcome, edited) = edit::edit_file(path, options.dry_run, shell, |original| {
        let edited = cnb_block::add_cnb_block(original, &block).map_err(|e| edit::Refusal {
            at: Some((e.line, e.column)),
            why: e.message,
            hint: "the file was not changed; fix it and run `cnbcargo init` again".into(),
        })?;
        Ok((edited.text.clone(), edited))
    })?;
    let index = options.index;
    match outcome {
        Outcome::Unchanged => shell.status(
            "Fresh",
            format!(
                "`{}` already configures `{}` ({index})",
                path.display(),
                edited.name
            ),
        ),
        Outcome::Shown => outside_package(ctx, options, path)?,
        Outcome::Created | Outcome::Updated => {
            print_changes(shell, &edited.changes, index);
            outside_package(ctx, options, path)?;
            login_hints(shell, options.provider, &edited.name);
        }
    }
    Ok((outcome, edited.name))
}

/// The config file to edit: the workspace root's `.cargo/config.toml` (or
/// its legacy `config`), else the current directory's; with `global`,
/// `$CARGO_HOME`'s.
fn config_path(global: bool, ctx: &Context) -> Result<PathBuf> {
    let cargo_dir = if global {
        ctx.cargo_home()?.to_path_buf()
    } else {
        ctx.workspace_root()?.join(".cargo")
    };
    Ok(crate::cargo_config::config_file_in_cargo_dir(&cargo_dir))
}

/// A project's config written where there is no project: cargo reads it
/// only when run in that directory or below it, which a newcomer who ran
/// `init` in the wrong place would not guess.
fn outside_package(ctx: &Context, options: &Options<'_>, path: &Path) -> Result<()> {
    if options.global || in_a_package(ctx.cwd()?) {
        return Ok(());
    }
    let dir = path
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    ctx.shell.note(format!(
        "no `Cargo.toml` here or above: cargo reads this file only for projects under `{}`",
        dir.display()
    ));
    ctx.shell.hint(
        "run `cnbcargo init` in a project's directory to configure that project, or pass `--global` to configure every project",
    );
    Ok(())
}

/// Whether `dir` or a directory above it holds a `Cargo.toml`.
fn in_a_package(dir: &Path) -> bool {
    dir.ancestors().any(|d| d.join("Cargo.toml").is_file())
}

/// What to do next: give cargo the token (in cnbcargo's mode, also find
/// the provider on `PATH`).
fn login_hints(shell: &Shell, provider: ProviderSetup, name: &str) {
    if provider != ProviderSetup::Cnbcargo {
        shell.hint(format!(
            "run `cnbcargo login --registry {name}` to give cargo your CNB token"
        ));
        return;
    }
    if crate::provider::find_program(CNBCARGO_PROVIDER).is_none() {
        shell.warn(format!(
            "cargo runs `{CNBCARGO_PROVIDER}` from `PATH`, and it is not there"
        ));
        shell.hint(
            "install cnbcargo with `cargo install` (into `~/.cargo/bin`), or add its directory to `PATH`",
        );
    }
    shell.hint(format!(
        "run `cnbcargo login --registry {name}` to keep your CNB token in the OS keyring; in CI, `CNB_TOKEN` is enough"
    ));
}

fn print_changes(shell: &Shell, changes: &[Change], index: &IndexUrl) {
    for change in changes {
        match change {
            Change::AddedRegistry { name } => {
                shell.status("Added", format!("registry `{name}` with index `{index}`"))
            }
            Change::ReusedRegistry { name, requested } => shell.note(format!(
                "this index is already configured as `{name}`; using that name instead of `{requested}`"
            )),
            Change::ReplacedIndex { name, old } => shell.warn(format!(
                "registry `{name}` pointed at `{old}`; it now points at `{index}`"
            )),
            Change::SetDefault { name, previous: None } => {
                shell.status("Added", format!("`registry.default = \"{name}\"`"))
            }
            Change::SetDefault {
                name,
                previous: Some(previous),
            } => shell.warn(format!(
                "replaced `registry.default = \"{previous}\"` with `\"{name}\"`; pass `--no-default` to keep `{previous}`"
            )),
            Change::SetOwnProvider {
                name,
                provider,
                previous,
            } => print_own_provider(shell, name, provider, previous.as_deref()),
            Change::AddedProvider { existing } if existing.is_empty() => shell.status(
                "Added",
                "`cargo:token` to `registry.global-credential-providers`",
            ),
            Change::AddedProvider { existing } => shell.status(
                "Added",
                format!(
                    "`cargo:token` to `registry.global-credential-providers` after `{}`: later entries take precedence, so cargo asks `cargo:token` first",
                    existing.join("`, `")
                ),
            ),
        }
    }
}

fn print_own_provider(shell: &Shell, name: &str, provider: &str, previous: Option<&str>) {
    let what = if provider == CNBCARGO_PROVIDER {
        "cargo asks cnbcargo for the token: `CNB_TOKEN`, else the OS keyring"
    } else {
        "cargo keeps the token in `credentials.toml`"
    };
    match previous {
        None => shell.status(
            "Added",
            format!("`credential-provider = \"{provider}\"` to `{name}`: {what}"),
        ),
        Some(previous) => shell.warn(format!(
            "replaced `credential-provider = {previous}` of `{name}` with `\"{provider}\"`: {what}"
        )),
    }
}

/// A registry switched to the `cnbcargo` provider: cargo no longer reads
/// its token in `credentials.toml`, so the token moves to the OS keyring
/// (where the provider reads it) and the plaintext copy goes.
fn move_plaintext_token(ctx: &Context, name: &str, index: &IndexUrl) -> Result<()> {
    let shell = &ctx.shell;
    let home = ctx.cargo_home()?;
    let Some((token, source)) = crate::settings::credentials_file_token(name, home, shell)? else {
        return Ok(());
    };
    let stored = if keyring_store::enabled(false) {
        keyring_store::store(&keyring_store::account(&index.config_value()), &token)
    } else {
        Err(format!(
            "it is turned off (`{}`)",
            crate::env::CNBCARGO_NO_KEYRING
        ))
    };
    match stored {
        Ok(()) => {
            credentials_file::remove_token(home, name)?;
            shell.status(
                "Moved",
                format!("the token of `{name}` from {source} into the OS keyring"),
            );
        }
        Err(why) => {
            shell.warn(format!(
                "{source} still holds the token of `{name}`, which cargo no longer reads, and the OS keyring cannot take it: {why}"
            ));
            shell.hint(format!(
                "set `{}` (the provider reads it); `cnbcargo logout --registry {name}` removes the plaintext copy",
                crate::env::CNB_TOKEN
            ));
        }
    }
    Ok(())
}

/// Cargo accepts registry names of letters, digits, `-` and `_`.
pub fn validate_registry_name(name: &str) -> Result<(), UserError> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(
            UserError::usage(format!("`{name}` is not a valid registry name")).hint(
                "use letters, digits, `-` and `_`, starting with a letter, e.g. `cnb-cargo-repo`",
            ),
        );
    }
    if name == "crates-io" {
        return Err(UserError::usage("`crates-io` is reserved for crates.io")
            .hint("pick another name, e.g. `cnb-cargo-repo`"));
    }
    Ok(())
}

/// The TARGET as an index URL. A registry path becomes a URL that is
/// derived, not read from CNB (whose docs name no cargo host): said, with
/// where the real one is.
pub fn parse_target(target: &str, domain: Option<&str>, shell: &Shell) -> Result<IndexUrl> {
    let index = IndexUrl::parse_target_in(target, domain)?;
    if IndexUrl::is_shorthand(target) {
        shell.note(format!(
            "`{}` was expanded to `{}`, an address derived from the path, not read from CNB",
            target.trim(),
            index.http_url()
        ));
        let other_domain = if domain.is_none() {
            " (for CNB on another domain, add `--domain`, e.g. `--domain cnb.build`)"
        } else {
            ""
        };
        shell.hint(format!(
            "the registry's page on CNB (Artifacts, then the registry) shows its address: if it differs, pass that URL to `cnbcargo init` instead{other_domain}"
        ));
    }
    Ok(index)
}
