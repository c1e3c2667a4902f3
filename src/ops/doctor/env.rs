//! Environment variables: misnamed ones cargo ignores, overrides of the
//! registry's settings, proxies.

use crate::cargo_config::RegistryDef;
use crate::env;

use super::Check;

/// Variables that look meant for a registry but that cargo ignores: the
/// name must be upper case with `-` written as `_`.
pub(super) fn names() -> Check {
    let mut wrong = Vec::new();
    for key in env::names() {
        let Some(rest) = key.strip_prefix(env::CARGO_REGISTRIES_PREFIX) else {
            continue;
        };
        if rest.contains('-') || rest.chars().any(|c| c.is_ascii_lowercase()) {
            let fixed = format!(
                "{}{}",
                env::CARGO_REGISTRIES_PREFIX,
                rest.to_ascii_uppercase().replace('-', "_")
            );
            wrong.push(format!("`{key}` (cargo reads `{fixed}`)"));
        }
    }
    if wrong.is_empty() {
        Check::pass("env.names", "no misnamed `CARGO_REGISTRIES_*` variables")
    } else {
        Check::fail("env.names", format!("cargo ignores {}", wrong.join(", ")))
            .hint("upper-case the registry name and write `-` as `_`")
    }
}

pub(super) fn overrides(registry: &RegistryDef) -> Vec<Check> {
    let prefix = format!(
        "{}{}_",
        env::CARGO_REGISTRIES_PREFIX,
        env::registry_env_name(&registry.name)
    );
    let mut set = Vec::new();
    for key in env::names() {
        if key.starts_with(&prefix)
            || key == env::CARGO_REGISTRY_DEFAULT
            || key == env::CNB_TOKEN
            || key == env::CNB_API_ENDPOINT
            || key == env::CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS
        {
            set.push(format!("`{key}`"));
        }
    }
    set.sort();
    let proxies: Vec<String> = env::HTTPS_PROXY
        .iter()
        .chain(&env::HTTP_PROXY)
        .chain(&env::ALL_PROXY)
        .chain(&[env::CARGO_HTTP_PROXY])
        .chain(&env::NO_PROXY)
        .filter(|k| env::var_os(k).is_some())
        .map(|k| format!("`{k}`"))
        .collect();
    let mut checks = vec![if set.is_empty() {
        Check::pass(
            "env.overrides",
            "no environment variables override the registry settings",
        )
    } else {
        Check::pass(
            "env.overrides",
            format!("set: {} (values not shown)", set.join(", ")),
        )
    }];
    checks.push(if proxies.is_empty() {
        Check::pass("env.proxy", "no HTTP proxy variables")
    } else {
        Check::warn(
            "env.proxy",
            format!("proxy variables set: {}", proxies.join(", ")),
        )
        .hint("requests to the registry go through the proxy unless `NO_PROXY` lists its host")
    });
    checks
}
