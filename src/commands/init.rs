//! `cnbcargo init`: configures cargo for a CNB registry. The work is
//! `crate::ops::init`; here the target is asked for when not given.

use anyhow::{Context as _, Result};

use crate::cargo_config::cnb_block::ProviderSetup;
use crate::cli::{InitArgs, ProviderChoice};
use crate::context::Context;
use crate::error::UserError;
use crate::ops::init::{self, Options};
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

pub fn run(args: &InitArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    init::validate_registry_name(&args.name)?;
    let domain = args.domain.as_deref();
    let index = match &args.target {
        Some(target) => init::parse_target(target, domain, shell)?,
        None => ask_target(domain, shell)?,
    };
    let options = Options {
        name: &args.name,
        index: &index,
        global: args.global,
        set_default: !args.no_default,
        provider: match args.credential_provider {
            None => ProviderSetup::Global,
            Some(ProviderChoice::CargoToken) => ProviderSetup::CargoToken,
            Some(ProviderChoice::Cnbcargo) => ProviderSetup::Cnbcargo,
        },
        dry_run: args.dry_run,
    };
    init::run(ctx, &options)?;
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
        match init::parse_target(answer, domain, shell) {
            Ok(index) => return Ok(index),
            Err(err) => shell.error(&err),
        }
    }
}
