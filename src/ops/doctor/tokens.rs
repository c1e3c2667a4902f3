//! The registry's tokens: cargo's own, the one cnbcargo uses for the API,
//! and copies that differ from cargo's.

use std::path::Path;

use crate::cargo_config::RegistryDef;
use crate::credentials::Secret;
use crate::env;
use crate::error::UserError;
use crate::settings::{self, CopyState, TokenSource};
use crate::shell::Shell;

use super::Check;

/// The tokens found: cargo's own, and the one cnbcargo uses for the API.
pub(super) struct Tokens {
    pub cargo: Option<Secret>,
    pub api: Option<Secret>,
}

pub(super) fn checks(
    registry: &RegistryDef,
    home: &Path,
    shell: &Shell,
    via_provider: bool,
    checks: &mut Vec<Check>,
) -> Tokens {
    Tokens {
        cargo: cargo_token(registry, home, shell, via_provider, checks),
        api: api_token(registry, home, shell, via_provider, checks),
    }
}

fn problem(err: &anyhow::Error) -> String {
    UserError::first_hint(err).unwrap_or_else(|| "set the token again".into())
}

fn cargo_token(
    registry: &RegistryDef,
    home: &Path,
    shell: &Shell,
    via_provider: bool,
    checks: &mut Vec<Check>,
) -> Option<Secret> {
    // In the provider's mode cargo's own store is not used: the provider
    // check above says where cargo's token comes from.
    if via_provider {
        if let Ok(Some((_, source))) = settings::token_store(registry, home, shell) {
            checks.push(
                Check::warn(
                    "token.cargo",
                    format!(
                        "cargo ignores the token for `{}` in {source}: the registry's provider is cnbcargo",
                        registry.name
                    ),
                )
                .hint(format!(
                    "run `cnbcargo login --registry {}`: it keeps the token in the OS keyring and removes this copy",
                    registry.name
                )),
            );
        }
        return None;
    }
    match settings::cargo_token(registry, home, shell) {
        Ok(Some((token, source))) => {
            checks.push(Check::pass("token.cargo", "cargo has a token").source(&source));
            checks.extend(unused_copies(registry, &token, &source, shell));
            Some(token)
        }
        Ok(None) => {
            checks.push(
                Check::warn(
                    "token.cargo",
                    format!("cargo has no token for `{}`", registry.name),
                )
                .hint(format!("run `cnbcargo login --registry {}`", registry.name)),
            );
            None
        }
        Err(err) => {
            checks.push(Check::fail("token.cargo", format!("{err:#}")).hint(problem(&err)));
            None
        }
    }
}

fn api_token(
    registry: &RegistryDef,
    home: &Path,
    shell: &Shell,
    via_provider: bool,
    checks: &mut Vec<Check>,
) -> Option<Secret> {
    match settings::token(registry, home, via_provider, shell) {
        Ok(Some((token, source))) => {
            let note = if via_provider {
                "cnbcargo uses the token its provider gives cargo".to_string()
            } else if source.is_cargos_own() {
                "cnbcargo uses cargo's own token".to_string()
            } else {
                format!(
                    "cnbcargo uses this token and gives it to the cargo it runs (through `{}`): cargo has none of its own",
                    env::registry_var(&registry.name, "TOKEN")
                )
            };
            checks.push(Check::pass("token.api", note).source(source));
            Some(token)
        }
        Ok(None) => {
            checks.push(
                Check::fail("token.api", "no token for the CNB API")
                    .hint(format!("run `cnbcargo login`, or set `{}`", env::CNB_TOKEN)),
            );
            None
        }
        Err(err) => {
            checks.push(Check::fail("token.api", format!("{err:#}")).hint(problem(&err)));
            None
        }
    }
}

/// The copies of the token that cargo's own overrides: one in the OS
/// keyring that differs fails (it is what a rotation with plain `cargo
/// login` leaves behind, and it would be used again if cargo's went), one
/// in `CNB_TOKEN` that differs warns. Neither value is shown.
fn unused_copies(
    registry: &RegistryDef,
    cargo_token: &Secret,
    source: &TokenSource,
    shell: &Shell,
) -> Vec<Check> {
    let name = &registry.name;
    let mut checks = Vec::new();
    for copy in settings::unused_copies(registry, cargo_token, source, shell) {
        let env_hint = || match source {
            TokenSource::CargoEnv(var) => format!("unset `{var}` to use `{}`", env::CNB_TOKEN),
            _ => format!(
                "to use `{}`, run `cnbcargo login --registry {name}` (it gives cargo that token); else unset it",
                env::CNB_TOKEN
            ),
        };
        checks.push(match (&copy.source, copy.state) {
            (TokenSource::Keyring, CopyState::Same) => Check::pass(
                "token.keyring",
                "the OS keyring's copy is the same token as cargo's",
            ),
            (TokenSource::Keyring, _) => Check::fail(
                "token.keyring",
                format!(
                    "the OS keyring holds another token for `{name}` than cargo's ({source}): cargo and cnbcargo send cargo's, and the keyring's comes back if cargo's goes"
                ),
            )
            .hint(format!(
                "run `cnbcargo login --registry {name}` with the token to use: cargo gets it and the keyring copy goes (or `cnbcargo logout --registry {name}`, then `cnbcargo login`)"
            )),
            (_, CopyState::Same) => Check::pass(
                "token.env",
                format!("`{}` holds the same token as cargo's", env::CNB_TOKEN),
            ),
            (_, CopyState::Other) => Check::warn(
                "token.env",
                format!(
                    "`{}` holds another token than cargo's ({source}), which cargo and cnbcargo send instead",
                    env::CNB_TOKEN
                ),
            )
            .hint(env_hint()),
            (_, CopyState::Invalid(why)) => Check::warn(
                "token.env",
                format!("{why}; cargo and cnbcargo send cargo's own token ({source})"),
            )
            .hint(format!(
                "set `{}` to the token CNB shows, or unset it",
                env::CNB_TOKEN
            )),
        });
    }
    checks
}
