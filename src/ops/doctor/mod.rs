//! `cnbcargo doctor`'s checks: what is wrong with this machine's setup,
//! and how to fix it. They inspect the same context the commands run
//! with (its cargo, its config stack, the settings' precedence chains and
//! its HTTP client). Offline checks run in order; the network checks run
//! in parallel, each with a bounded timeout. One file per subject.

mod audit;
mod cargo;
mod config;
mod env;
mod network;
mod online;
mod provider;
mod registry;
mod tokens;

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::cargo_config::{ConfigStack, RegistryDef};
use crate::context::Context;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::settings;

const NETWORK_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    fn new(id: &'static str, status: Status, message: impl Into<String>) -> Check {
        Check {
            id,
            status,
            message: message.into(),
            source: None,
            hint: None,
        }
    }
    fn pass(id: &'static str, message: impl Into<String>) -> Check {
        Check::new(id, Status::Pass, message)
    }
    fn warn(id: &'static str, message: impl Into<String>) -> Check {
        Check::new(id, Status::Warn, message)
    }
    fn fail(id: &'static str, message: impl Into<String>) -> Check {
        Check::new(id, Status::Fail, message)
    }
    fn source(mut self, source: impl ToString) -> Check {
        self.source = Some(source.to_string());
        self
    }
    fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = Some(hint.into());
        self
    }
}

/// What to check, as `cnbcargo doctor`'s flags say.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--registry`: else the one the commands would pick.
    pub registry: Option<String>,
    /// `--api-endpoint`.
    pub api_endpoint: Option<String>,
    /// `--offline`: skip the checks that use the network.
    pub offline: bool,
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    /// No check failed (warnings allowed).
    pub ok: bool,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count()
    }
}

/// Runs the checks. A failed check is in the report, not an error; an
/// error is what stops doctor itself (no working directory, say).
pub fn run(ctx: &Context, options: &Options) -> Result<Report> {
    let mut checks = Vec::new();
    collect(ctx, options, &mut checks)?;
    let ok = checks.iter().all(|c| c.status != Status::Fail);
    Ok(Report { checks, ok })
}

/// The checks in order; one whose failure leaves the rest meaningless
/// (an unreadable config, no registry) ends the list.
fn collect(ctx: &Context, options: &Options, checks: &mut Vec<Check>) -> Result<()> {
    checks.extend(cargo::checks(&ctx.cargo));
    let cwd = ctx.cwd()?;
    let home = ctx.cargo_home()?;
    checks.extend(config::files(cwd, home));
    let stack = match ctx.config() {
        Ok(stack) => stack,
        Err(err) => {
            checks.push(
                Check::fail("config.parse", format!("{err:#}"))
                    .hint("cargo cannot read this file either; fix it first"),
            );
            return Ok(());
        }
    };
    checks.push(env::names());
    let registry = match settings::registry(stack, options.registry.as_deref(), &ctx.shell) {
        Ok(registry) => registry,
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "run `cnbcargo init <group/registry>`".into());
            checks.push(Check::fail("registry.present", format!("{err}")).hint(hint));
            return Ok(());
        }
    };
    checks.push(
        Check::pass("registry.present", format!("`{}`", registry.name)).source(&registry.origin),
    );
    let index = registry::index(&registry, checks);
    checks.push(registry::default(stack, &registry));
    let tokens = setup(ctx, stack, &registry, home, checks);
    let offline = match ctx.net() {
        Ok(net) => {
            checks.extend(network::checks(net, ctx));
            net.offline().map(|o| format!("`net.offline`, {o}"))
        }
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "fix the setting; cargo refuses it too".into());
            checks.push(Check::fail("net.settings", format!("{err:#}")).hint(hint));
            return Ok(());
        }
    };
    if options.offline {
        checks.push(Check::pass("online", "skipped (--offline)"));
    } else if let Some(origin) = offline {
        checks.push(Check::pass(
            "online",
            format!("skipped (cargo is offline: {origin})"),
        ));
    } else if let Some(index) = index {
        online(ctx, options, cwd, &registry, &index, tokens, checks);
    }
    Ok(())
}

/// How cargo and cnbcargo get the registry's token, and what else in the
/// config and the environment bears on it.
fn setup(
    ctx: &Context,
    stack: &ConfigStack,
    registry: &RegistryDef,
    home: &Path,
    checks: &mut Vec<Check>,
) -> tokens::Tokens {
    let mode = crate::provider::Mode::of(stack, &registry.name);
    checks.extend(provider::checks(stack, registry, &mode));
    checks.push(config::source_replacement(stack, registry));
    checks.extend(env::overrides(registry));
    tokens::checks(registry, home, &ctx.shell, mode.is_cnbcargo(), checks)
}

/// The registry's index and API, then, in a project, `cnbcargo audit`'s
/// findings for the registry.
fn online(
    ctx: &Context,
    options: &Options,
    cwd: &Path,
    registry: &RegistryDef,
    index: &IndexUrl,
    tokens: tokens::Tokens,
    checks: &mut Vec<Check>,
) {
    let endpoint = options.api_endpoint.as_deref();
    checks.extend(online::checks(
        ctx,
        index,
        tokens.cargo.or(tokens.api.clone()),
        tokens.api,
        endpoint,
    ));
    checks.extend(audit::checks(ctx, cwd, registry, endpoint));
}
