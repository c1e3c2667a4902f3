use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::cargo_config::edit::{self, Change, CnbBlock, ProviderSetup};
use crate::cargo_config::{self, write};
use crate::cli::{InitArgs, ProviderChoice};
use crate::context::Context;
use crate::credentials::keyring_store;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

pub fn run(args: &InitArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    validate_registry_name(&args.name)?;
    let domain = args.domain.as_deref();
    let index = match &args.target {
        Some(target) => parse_target(target, domain, shell)?,
        None => ask_target(domain, shell)?,
    };
    let path = config_path(args.global, ctx)?;
    shell.verbose(format!("editing `{}`", path.display()));

    // Concurrent runs take turns on the directory of the file written
    // (made first when missing, so that they all lock the same one); a dry
    // run changes nothing and needs no lock (nor the directory).
    let lock = if args.dry_run {
        None
    } else {
        Some(write::DirLock::for_file(&path)?)
    };
    let name = edit_and_write(args, &path, &index, lock.as_ref(), shell)?;
    drop(lock);
    if !args.dry_run {
        // `CNB_TOKEN` may then go to this registry's host (see `cnb_hosts`).
        if let Err(err) = crate::cnb_hosts::record(&index) {
            shell.warn(format!(
                "could not record `{}` as a CNB host: `CNB_TOKEN` will not be sent there ({err:#})",
                index.http_url().host_str().unwrap_or_default()
            ));
        }
    }
    if args.credential_provider == Some(ProviderChoice::Cnbcargo) && !args.dry_run {
        move_plaintext_token(ctx, &name, &index)?;
    }
    Ok(())
}

/// The TARGET as an index URL. A registry path becomes a URL that is
/// derived, not read from CNB (whose docs name no cargo host): said, with
/// where the real one is.
fn parse_target(target: &str, domain: Option<&str>, shell: &Shell) -> Result<IndexUrl> {
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
            crate::cargo_config::credentials_file::remove_token(home, name)?;
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

/// The registry's name in effect (the requested one, or the existing name
/// of the same index).
fn edit_and_write(
    args: &InitArgs,
    path: &Path,
    index: &IndexUrl,
    lock: Option<&write::DirLock>,
    shell: &Shell,
) -> Result<String> {
    let original = read_config(path)?;
    let block = CnbBlock {
        name: &args.name,
        index,
        set_default: !args.no_default,
        provider: match args.credential_provider {
            None => ProviderSetup::Global,
            Some(ProviderChoice::CargoToken) => ProviderSetup::CargoToken,
            Some(ProviderChoice::Cnbcargo) => ProviderSetup::Cnbcargo,
        },
    };
    let edited = edit::add_cnb_block(&original, &block).map_err(|e| {
        UserError::new(format!(
            "`{}:{}:{}`: {}",
            path.display(),
            e.line,
            e.column,
            e.message
        ))
        .hint("the file was not changed; fix it and run `cnbcargo init` again")
    })?;

    if edited.text == original {
        shell.status(
            "Fresh",
            format!(
                "`{}` already configures `{}` ({index})",
                path.display(),
                edited.name
            ),
        );
        return Ok(edited.name);
    }
    let Some(lock) = lock else {
        shell.out(&unified_diff(path, &original, &edited.text));
        shell.note("dry run: nothing was written");
        return Ok(edited.name);
    };
    let created = !path.exists();
    write::write_atomic(lock, path, edited.text.as_bytes())?;
    shell.status(
        if created { "Created" } else { "Updated" },
        path.display().to_string(),
    );
    report(shell, &edited.changes, index);
    if block.provider == ProviderSetup::Cnbcargo {
        if crate::provider::find_program(edit::CNBCARGO_PROVIDER).is_none() {
            shell.warn(format!(
                "cargo runs `{}` from `PATH`, and it is not there",
                edit::CNBCARGO_PROVIDER
            ));
            shell.hint("install cnbcargo with `cargo install` (into `~/.cargo/bin`), or add its directory to `PATH`");
        }
        shell.hint(format!(
            "run `cnbcargo login --registry {}` to keep your CNB token in the OS keyring; in CI, `CNB_TOKEN` is enough",
            edited.name
        ));
    } else {
        shell.hint(format!(
            "run `cnbcargo login --registry {}` to give cargo your CNB token",
            edited.name
        ));
    }
    Ok(edited.name)
}

fn report(shell: &Shell, changes: &[Change], index: &IndexUrl) {
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
            } => {
                let what = if provider == edit::CNBCARGO_PROVIDER {
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

/// Cargo accepts registry names of letters, digits, `-` and `_`.
fn validate_registry_name(name: &str) -> Result<(), UserError> {
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

/// Asks for the registry on a terminal, again after an answer that is not
/// one (saying why); end of input gives up.
fn ask_target(domain: Option<&str>, shell: &Shell) -> Result<IndexUrl> {
    let missing = || {
        UserError::usage("missing the registry to configure").hint(
            "pass `cnbcargo init group/registry`, or the index URL CNB shows for the registry",
        )
    };
    if !shell.is_interactive() {
        return Err(missing().into());
    }
    loop {
        let Some(answer) = shell
            .ask("CNB registry (index URL or group/registry): ")
            .context("failed to read the registry")?
        else {
            return Err(missing().into());
        };
        let answer = answer.as_str();
        if answer.is_empty() {
            continue;
        }
        match parse_target(answer, domain, shell) {
            Ok(index) => return Ok(index),
            Err(err) => shell.error(&err),
        }
    }
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
    Ok(cargo_config::config_file_in_cargo_dir(&cargo_dir))
}

fn read_config(path: &Path) -> Result<String> {
    match crate::fs::read_regular(path)? {
        Some(bytes) => String::from_utf8(bytes).map_err(|e| {
            let (line, column) = {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let valid = std::str::from_utf8(valid).unwrap_or_default();
                edit::line_col(valid, valid.len())
            };
            UserError::new(format!(
                "`{}:{line}:{column}`: the file is not valid UTF-8",
                path.display()
            ))
            .hint("cargo config files are UTF-8 TOML; the file was not changed")
            .into()
        }),
        None => Ok(String::new()),
    }
}

fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}
