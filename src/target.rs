//! The registry a command acts on, and the token for it: resolved once,
//! from flags, cargo's config files and the environment.

use std::path::{Path, PathBuf};

use anyhow::Result;
use reqwest::blocking::Client;
use url::Url;

use crate::api::{self, CnbApi};
use crate::cargo_config::{self, ConfigStack, RegistryDef};
use crate::credentials::{Secret, keyring_store};
use crate::env;
use crate::error::UserError;
use crate::net;
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

/// The registry to act on: `--registry`, else `registry.default`, else the
/// only registry whose index looks like CNB's.
pub fn resolve_registry(requested: Option<&str>, shell: &Shell) -> Result<RegistryDef> {
    let cwd = crate::commands::current_dir()?;
    let home = cargo_config::cargo_home(&cwd)?;
    let stack = ConfigStack::discover(&cwd, &home)?;
    for file in &stack.files {
        shell.debug(format!("read `{}`", file.path.display()));
    }
    resolve_registry_in(&stack, requested, shell)
}

/// The same, from config files already read.
pub fn resolve_registry_in(
    stack: &ConfigStack,
    requested: Option<&str>,
    shell: &Shell,
) -> Result<RegistryDef> {
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

/// Where the API token came from; `-v` names it, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    CnbTokenEnv,
    Keyring,
    CargoEnv(String),
    CargoCredentials(PathBuf),
}

impl TokenSource {
    /// cargo finds this token by itself; the others must be handed to it.
    pub fn is_cargos_own(&self) -> bool {
        matches!(
            self,
            TokenSource::CargoEnv(_) | TokenSource::CargoCredentials(_)
        )
    }
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::CnbTokenEnv => write!(f, "`{}`", env::CNB_TOKEN),
            TokenSource::Keyring => f.write_str("the OS keyring (from `cnbcargo login`)"),
            TokenSource::CargoEnv(var) => write!(f, "`{var}`"),
            TokenSource::CargoCredentials(path) => write!(f, "`{}`", path.display()),
        }
    }
}

/// `CNB_TOKEN`, else the keyring copy, else cargo's own token for the
/// registry (`CARGO_REGISTRIES_<NAME>_TOKEN`, then `credentials.toml`).
pub fn find_token(
    registry: &RegistryDef,
    cargo_home: &Path,
    shell: &Shell,
) -> Result<(Secret, TokenSource)> {
    if let Some(token) = env::var_non_empty(env::CNB_TOKEN) {
        return Ok((Secret::new(token), TokenSource::CnbTokenEnv));
    }
    if keyring_store::enabled(false) {
        match keyring_store::load(&registry.index) {
            Ok(Some(token)) => return Ok((token, TokenSource::Keyring)),
            Ok(None) => {}
            Err(why) => shell.debug(format!("keyring not read: {why}")),
        }
    }
    if let Some(found) = cargo_token(registry, cargo_home, shell) {
        return Ok(found);
    }
    Err(
        UserError::new(format!("no token for registry `{}`", registry.name))
            .hint(format!(
                "run `cnbcargo login --registry {}`, or set `{}`",
                registry.name,
                env::CNB_TOKEN
            ))
            .into(),
    )
}

/// The token cargo itself would send: `CARGO_REGISTRIES_<NAME>_TOKEN`,
/// then `$CARGO_HOME/credentials.toml` (or the legacy `credentials`).
pub fn cargo_token(
    registry: &RegistryDef,
    cargo_home: &Path,
    shell: &Shell,
) -> Option<(Secret, TokenSource)> {
    let var = cargo_token_var(&registry.name);
    if let Some(token) = env::var_non_empty(&var) {
        return Some((Secret::new(token), TokenSource::CargoEnv(var)));
    }
    for file in ["credentials.toml", "credentials"] {
        let path = cargo_home.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let text = zeroize::Zeroizing::new(text);
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
            shell.warn(format!("`{}` is not valid TOML; skipped", path.display()));
            continue;
        };
        if let Some(token) = doc
            .get("registries")
            .and_then(|r| r.get(&registry.name))
            .and_then(|r| r.get("token"))
            .and_then(|t| t.as_str())
        {
            return Some((
                Secret::new(token.to_string()),
                TokenSource::CargoCredentials(path),
            ));
        }
    }
    None
}

/// `CARGO_REGISTRIES_<NAME>_TOKEN`.
pub fn cargo_token_var(registry: &str) -> String {
    format!(
        "{}{}_TOKEN",
        env::CARGO_REGISTRIES_PREFIX,
        env::registry_env_name(registry)
    )
}

/// A registry with everything needed to talk to it.
pub struct Target {
    pub registry: RegistryDef,
    pub index: IndexUrl,
    pub token: Secret,
    pub token_source: TokenSource,
    pub client: Client,
}

impl Target {
    pub fn resolve(requested: Option<&str>, shell: &Shell) -> Result<Target> {
        let cwd = crate::commands::current_dir()?;
        let home = cargo_config::cargo_home(&cwd)?;
        let stack = ConfigStack::discover(&cwd, &home)?;
        let registry = resolve_registry_in(&stack, requested, shell)?;
        let index = registry.index_url().ok_or_else(|| {
            UserError::new(format!(
                "registry `{}` has the index `{}` ({}), which is not a sparse `http(s)` index",
                registry.name, registry.index, registry.origin
            ))
            .hint("CNB registries are sparse: run `cnbcargo init` to fix the entry")
        })?;
        let (token, token_source) = find_token(&registry, &home, shell)?;
        shell.verbose(format!("using the token from {token_source}"));
        Ok(Target {
            registry,
            index,
            token,
            token_source,
            client: net::client()?,
        })
    }

    pub fn api(&self, endpoint_flag: Option<&str>, shell: &Shell) -> Result<CnbApi> {
        let base: Url = api::endpoint(endpoint_flag, &self.index)?;
        let slug = self.index.cnb_slug().ok_or_else(|| {
            UserError::new(format!(
                "the index `{}` is not a CNB registry URL (`.../<group>/<registry>/-/packages/`)",
                self.index
            ))
            .hint("CNB's API addresses registries by that path")
        })?;
        shell.verbose(format!("CNB API at `{base}`, registry `{slug}`"));
        Ok(CnbApi::new(
            self.client.clone(),
            base,
            slug,
            self.token.clone(),
        ))
    }

    /// For child cargo processes: the token through cargo's own variable
    /// (never argv), when cargo could not find this token by itself.
    pub fn cargo_env(&self) -> Option<(String, &Secret)> {
        (!self.token_source.is_cargos_own())
            .then(|| (cargo_token_var(&self.registry.name), &self.token))
    }
}
