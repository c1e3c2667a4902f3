//! Which credential provider gives cargo the registry's token.

use crate::cargo_config::{ConfigStack, Origin, RegistryDef, cnb_block::TOKEN_PROVIDER};
use crate::env;
use crate::provider;
use crate::settings;

use super::Check;

/// Which provider gives cargo the registry's token, and, for cnbcargo's
/// own, whether it answers with one (asked as cargo asks it).
pub(super) fn checks(
    stack: &ConfigStack,
    registry: &RegistryDef,
    mode: &provider::Mode,
) -> Vec<Check> {
    match mode {
        provider::Mode::Cnbcargo { program, origin } => {
            let mut checks = vec![
                Check::pass(
                    "registry.provider",
                    format!(
                        "cargo gets the token for `{}` from the `cnbcargo` credential provider",
                        registry.name
                    ),
                )
                .source(origin),
            ];
            checks.push(cnbcargo_provider(program, origin, registry));
            checks
        }
        provider::Mode::Other { provider, origin } => vec![
            Check::pass(
                "registry.provider",
                format!("`{}` has its own provider `{provider}`", registry.name),
            )
            .source(origin),
        ],
        provider::Mode::Global => vec![global_providers(stack)],
    }
}

fn cnbcargo_provider(program: &str, origin: &Origin, registry: &RegistryDef) -> Check {
    let path = match provider::check_program(program, origin) {
        Ok(path) => path,
        Err(err) => {
            let hint = err.hints().first().cloned().unwrap_or_default();
            return Check::fail("provider.token", err.to_string()).hint(hint);
        }
    };
    let at = path.display();
    match provider::ask(&path, &registry.index, &registry.name) {
        provider::Answer::Token => {
            let from = match settings::provider_token(&registry.index, |_| {}) {
                Ok(Some((_, source))) => format!(" from {source}"),
                _ => String::new(),
            };
            Check::pass(
                "provider.token",
                format!("`{at}` answers cargo with the token{from}"),
            )
        }
        provider::Answer::NotFound => Check::fail(
            "provider.token",
            format!(
                "`{at}` has no token for `{}`: `{}` is not set and the OS keyring holds none",
                registry.name,
                env::CNB_TOKEN
            ),
        )
        .hint(format!(
            "run `cnbcargo login --registry {}`, or set `{}` (CI)",
            registry.name,
            env::CNB_TOKEN
        )),
        provider::Answer::Failed(why) => Check::fail(
            "provider.token",
            format!("`{at}` did not answer cargo's request for the token: {why}"),
        )
        .hint("run `cnbcargo doctor -v` with the `cnbcargo` that cargo finds on `PATH`"),
    }
}

/// `registry.global-credential-providers` must hold `cargo:token`.
fn global_providers(stack: &ConfigStack) -> Check {
    let mut providers = Vec::new();
    let mut source = None;
    if let Some(value) = env::var_non_empty(env::CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS) {
        providers.extend(value.split_whitespace().map(str::to_string));
        source = Some(Origin::Env(
            env::CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS.into(),
        ));
    }
    for (item, origin) in stack.lookup(&["registry", "global-credential-providers"]) {
        if let Some(array) = item.as_array() {
            providers.extend(array.iter().filter_map(|v| v.as_str().map(str::to_string)));
            if providers
                .iter()
                .any(|p| p.split_whitespace().next() == Some(TOKEN_PROVIDER))
                && source.is_none()
            {
                source = Some(origin);
            }
        }
    }
    if providers
        .iter()
        .any(|p| p.split_whitespace().next() == Some(TOKEN_PROVIDER))
    {
        let check = Check::pass(
            "registry.provider",
            format!("`{TOKEN_PROVIDER}` is a credential provider"),
        );
        match source {
            Some(source) => check.source(source),
            None => check,
        }
    } else {
        Check::fail(
            "registry.provider",
            format!("`{TOKEN_PROVIDER}` is not in `registry.global-credential-providers`: cargo 1.74+ will not send a token to an authenticated registry"),
        )
        .hint("run `cnbcargo init`, which adds it")
    }
}
