//! Every setting with more than one source has its precedence chain here,
//! written once: the registry, its token and the CNB API endpoint. The
//! functions take what they need (the config stack, the flag) and read
//! the environment through `env`; `Context` calls them once per run.

pub mod network;
pub mod provider;

use std::path::{Path, PathBuf};

use anyhow::Result;
use url::Url;

use crate::cargo_config::{CargoStore, ConfigStack, RegistryDef};
use crate::credentials::{self, Secret, keyring_store};
use crate::env;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

/// The registry to act on: `--registry`, else `registry.default`
/// (`CARGO_REGISTRY_DEFAULT`, then the config files), else the only
/// registry whose index looks like CNB's.
pub fn registry(
    stack: &ConfigStack,
    requested: Option<&str>,
    shell: &Shell,
) -> Result<RegistryDef> {
    let registries = stack.registries();
    if let Some(name) = requested {
        return registries
            .iter()
            .find(|r| r.name == name)
            .cloned()
            .ok_or_else(|| {
                UserError::new(format!(
                    "registry `{name}` is not in cargo's config ({})",
                    listing(&registries)
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
                listing(&registries)
            ))
            .hint("run `cnbcargo init` to configure the registry, or pass `--registry NAME`")
            .into()),
        };
    }
    only_cnb_registry(&registries, shell)
}

/// The configured registries, for messages.
fn listing(registries: &[RegistryDef]) -> String {
    if registries.is_empty() {
        "no registries are configured".to_string()
    } else {
        let names: Vec<String> = registries
            .iter()
            .map(|r| format!("`{}` ({}, {})", r.name, r.index_shown(), r.origin))
            .collect();
        format!("configured: {}", names.join("; "))
    }
}

/// With neither `--registry` nor `registry.default`: the one registry
/// whose index looks like CNB's, else an error saying why there is none.
fn only_cnb_registry(registries: &[RegistryDef], shell: &Shell) -> Result<RegistryDef> {
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
        [] => Err(no_cnb_registry(registries)),
        _ => Err(UserError::new(format!(
            "several CNB registries are configured and none is `registry.default` ({})",
            listing(registries)
        ))
        .hint("pass `--registry NAME`")
        .into()),
    }
}

/// Why none of `registries` (cargo's config) is a CNB registry, and the
/// way to make one: what every command that needs one says (one written
/// without `sparse+`, which cargo takes for a git index, else none at all).
pub fn no_cnb_registry(registries: &[RegistryDef]) -> anyhow::Error {
    // A CNB registry written without `sparse+` is not one to cargo:
    // that, not a missing registry, is the problem to name.
    let unprefixed = registries.iter().find_map(|r| {
        IndexUrl::missing_sparse_prefix(&r.index)
            .filter(IndexUrl::looks_like_cnb)
            .map(|fixed| (r, fixed))
    });
    if let Some((r, fixed)) = unprefixed {
        return UserError::new(format!(
            "registry `{}` ({}) looks like a CNB registry, but its index `{}` lacks the `sparse+` prefix: cargo takes it for a git index",
            r.name,
            r.origin,
            r.index_shown()
        ))
        .hint(format!("write `index = \"{fixed}\"`, or run `cnbcargo init {} --name {}`", crate::registry_url::redact(fixed.http_url()), r.name))
        .into();
    }
    UserError::new(format!(
        "no CNB registry is configured here ({})",
        listing(registries)
    ))
    .hint("run `cnbcargo init <group/registry>` first, or pass `--registry NAME`")
    .into()
}

/// The index a registry's token may be used with: a sparse `http(s)`
/// index, and plain http only on this machine.
pub fn index_for_token(registry: &RegistryDef) -> Result<IndexUrl> {
    let index = registry_index(registry, "be used")?;
    index.check_token_allowed()?;
    Ok(index)
}

/// The registry's index, to talk to; else an error saying the registry
/// `cannot <purpose>` (`be used`, `be audited`, `be a source`) and why.
pub fn registry_index(registry: &RegistryDef, purpose: &str) -> Result<IndexUrl> {
    IndexUrl::from_config(&registry.index).map_err(|e| {
        UserError::new(format!(
            "registry `{}` ({}) cannot {purpose}",
            registry.name, registry.origin
        ))
        .caused_by(e)
        .into()
    })
}

/// The source registry's token for `migrate`: `--from-token-stdin`, else
/// `CNBCARGO_FROM_TOKEN`, else, for a source that is a registry in cargo's
/// config (`cargos`: it and `$CARGO_HOME`), the token cargo would send it.
pub fn source_token(
    from_stdin: bool,
    cargos: Option<(&RegistryDef, &Path)>,
    shell: &Shell,
) -> Result<Option<Secret>> {
    let fallback = match cargos {
        Some((registry, cargo_home)) => cargo_token(registry, cargo_home, shell)?.map(|(t, _)| t),
        None => None,
    };
    Ok(credentials::read_source_token(from_stdin)?.or(fallback))
}

/// Refuses a registry whose index (sparse or not) is plain `http://` to a
/// host that is not this machine: cargo would send the token there.
pub fn check_index_may_carry_token(registry: &RegistryDef) -> Result<()> {
    let text = registry.index.as_str();
    let bare = text
        .strip_prefix("sparse+")
        .or_else(|| text.strip_prefix("registry+"))
        .unwrap_or(text);
    match Url::parse(bare) {
        Ok(url) if url.scheme() == "http" && !crate::registry_url::is_loopback(&url) => Err(UserError::new(
            format!(
                "refusing to give cargo a token for registry `{}`: its index `{}` ({}) is plain `http://` to a host that is not this machine",
                registry.name,
                registry.index_shown(),
                registry.origin
            ),
        )
        .hint("use the registry's `https://` URL (`cnbcargo init` rewrites the entry); plain http is only for loopback hosts")
        .into()),
        _ => Ok(()),
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

/// The token cnbcargo sends for a registry: the one cargo itself would
/// send, so that cnbcargo and cargo never act with different tokens.
///
/// - cnbcargo is the registry's credential provider: what the provider
///   gives cargo (`CNB_TOKEN`, else the OS keyring); cargo ignores its own
///   store then.
/// - Otherwise cargo's own token wins where cargo has one
///   (`CARGO_REGISTRIES_<NAME>_TOKEN`, then `credentials.toml`): that is
///   what `cargo publish` or `cargo yank` send, whoever runs them.
/// - Where cargo has none, `CNB_TOKEN`, else the OS keyring copy; the
///   cargo that cnbcargo runs gets it through `CARGO_REGISTRIES_<NAME>_TOKEN`
///   (`Target::cargo_env`), so it sends the same.
///
/// `Ok(None)` when there is none; a token that is not one is an error
/// naming where it came from.
pub fn token(
    registry: &RegistryDef,
    cargo_home: &Path,
    via_provider: bool,
    shell: &Shell,
) -> Result<Option<(Secret, TokenSource)>> {
    let unreadable = |why| shell.debug(format!("keyring not read: {why}"));
    if via_provider {
        return provider_token(&registry.index, unreadable);
    }
    // cargo asks cnbcargo before its own store: cnbcargo's copy is what
    // it sends when there is one.
    if registry.cargo_store == CargoStore::ReadAfterCnbcargo
        && let Some(found) = provider_token(&registry.index, unreadable)?
    {
        return Ok(Some(found));
    }
    if let Some(found) = cargo_token(registry, cargo_home, shell)? {
        return Ok(Some(found));
    }
    provider_token(&registry.index, |why| {
        shell.debug(format!("keyring not read: {why}"))
    })
}

/// A copy of the registry's token that cnbcargo's own sources hold but
/// that is not used, because cargo's own token wins.
#[derive(Debug)]
pub struct UnusedCopy {
    pub source: TokenSource,
    pub state: CopyState,
}

/// How an unused copy compares with the token used (by digest).
#[derive(Debug, PartialEq, Eq)]
pub enum CopyState {
    Same,
    Other,
    /// Not a token at all: why (never the value).
    Invalid(String),
}

/// The copies in `CNB_TOKEN` and the OS keyring that cargo's own token
/// `used` (from `source`) overrides: none unless `source` is cargo's own.
/// A keyring that cannot be read is left out (`-vv` says why).
pub fn unused_copies(
    registry: &RegistryDef,
    used: &Secret,
    source: &TokenSource,
    shell: &Shell,
) -> Vec<UnusedCopy> {
    let mut copies = Vec::new();
    if !source.is_cargos_own() {
        return copies;
    }
    let state = |token: &Secret| {
        if token.same_as(used) {
            CopyState::Same
        } else {
            CopyState::Other
        }
    };
    // A `CNB_TOKEN` kept from this host is no copy of its token.
    match credentials::cnb_token_env().map(|t| t.filter(|_| cnb_token_applies(&registry.index))) {
        Ok(Some(token)) => copies.push(UnusedCopy {
            source: TokenSource::CnbTokenEnv,
            state: state(&token),
        }),
        Ok(None) => {}
        Err(e) => copies.push(UnusedCopy {
            source: TokenSource::CnbTokenEnv,
            state: CopyState::Invalid(e.to_string()),
        }),
    }
    if keyring_store::enabled(false) {
        match keyring_store::load(&keyring_store::account(&registry.index)) {
            Ok(Some(token)) => copies.push(UnusedCopy {
                source: TokenSource::Keyring,
                state: state(&token),
            }),
            Ok(None) => {}
            Err(why) => shell.debug(format!("keyring not read: {why}")),
        }
    }
    copies
}

/// The token of cnbcargo's own sources for the registry at `index` (as
/// written in the config, or as cargo names it to a credential provider):
/// `CNB_TOKEN`, else the keyring entry. The keyring being unreachable is
/// not an error: `unreadable` hears why.
pub fn provider_token(
    index: &str,
    unreadable: impl FnOnce(String),
) -> Result<Option<(Secret, TokenSource)>> {
    if let Some(token) = credentials::cnb_token_env()?
        && cnb_token_applies(index)
    {
        return Ok(Some((token, TokenSource::CnbTokenEnv)));
    }
    if keyring_store::enabled(false) {
        match keyring_store::load(&keyring_store::account(index)) {
            Ok(Some(token)) => {
                let token = credentials::validate_token(
                    zeroize::Zeroizing::new(token.expose().to_string()),
                    &TokenSource::Keyring,
                )?;
                return Ok(Some((token, TokenSource::Keyring)));
            }
            Ok(None) => {}
            Err(why) => unreadable(why),
        }
    }
    Ok(None)
}

/// Whether `CNB_TOKEN` may go to the registry at `index` (a CNB host the
/// user chose: see `cnb_hosts`).
pub fn cnb_token_applies(index: &str) -> bool {
    crate::cnb_hosts::index_host(index).is_some_and(|h| crate::cnb_hosts::host_is_trusted(&h))
}

/// What to say when `CNB_TOKEN` is set but kept from `index`'s host.
pub fn cnb_token_withheld(index: &str) -> Option<(String, String)> {
    if env::var_os(env::CNB_TOKEN).is_none() || cnb_token_applies(index) {
        return None;
    }
    let host = crate::cnb_hosts::index_host(index).unwrap_or_default();
    Some((
        format!(
            "`{}` is set, but not sent to `{}`: it is not a CNB host cnbcargo knows",
            env::CNB_TOKEN,
            crate::shell::clean_line(&host)
        ),
        format!(
            "if this registry is yours, run `cnbcargo init <its index URL>` (which records its host), or set `{}` to this CNB's API",
            env::CNB_API_ENDPOINT
        ),
    ))
}

/// `token`, required.
pub fn require_token(
    registry: &RegistryDef,
    cargo_home: &Path,
    via_provider: bool,
    shell: &Shell,
) -> Result<(Secret, TokenSource)> {
    token(registry, cargo_home, via_provider, shell)?.ok_or_else(|| {
        let whose = if via_provider {
            format!(
                " (cargo asks cnbcargo for it, which reads `{}` or the OS keyring)",
                env::CNB_TOKEN
            )
        } else {
            String::new()
        };
        let error = UserError::new(format!("no token for registry `{}`{whose}", registry.name));
        match cnb_token_withheld(&registry.index) {
            Some((note, hint)) => error.hint(format!("{note}; {hint}")),
            None => error.hint(format!(
                "run `cnbcargo login --registry {}`, or set `{}`",
                registry.name,
                env::CNB_TOKEN
            )),
        }
        .into()
    })
}

/// The token cargo itself would send: `CARGO_REGISTRIES_<NAME>_TOKEN`,
/// then `$CARGO_HOME/credentials.toml` (or the legacy `credentials`).
pub fn cargo_token(
    registry: &RegistryDef,
    cargo_home: &Path,
    shell: &Shell,
) -> Result<Option<(Secret, TokenSource)>> {
    // Another provider answers cargo for this registry: these copies are
    // not what cargo sends, and not "cargo's own".
    if registry.cargo_store == CargoStore::NotRead {
        shell.verbose(format!(
            "cargo's token store is not read for `{}`: its credential provider is not `cargo:token`",
            registry.name
        ));
        return Ok(None);
    }
    token_store(registry, cargo_home, shell)
}

/// What cargo's `cargo:token` store holds for the registry
/// (`CARGO_REGISTRIES_<NAME>_TOKEN`, then `credentials.toml`), whether or
/// not cargo reads it for this registry.
pub fn token_store(
    registry: &RegistryDef,
    cargo_home: &Path,
    shell: &Shell,
) -> Result<Option<(Secret, TokenSource)>> {
    let var = env::registry_var(&registry.name, "TOKEN");
    if let Some(token) = env::var_non_empty(&var) {
        let source = TokenSource::CargoEnv(var);
        let token = credentials::validate_token(zeroize::Zeroizing::new(token), &source)?;
        return Ok(Some((token, source)));
    }
    credentials_file_token(&registry.name, cargo_home, shell)
}

/// The registry's token in `$CARGO_HOME/credentials.toml` (or the legacy
/// `credentials`), where the `cargo:token` provider keeps it.
pub fn credentials_file_token(
    name: &str,
    cargo_home: &Path,
    shell: &Shell,
) -> Result<Option<(Secret, TokenSource)>> {
    for file in ["credentials.toml", "credentials"] {
        let path = cargo_home.join(file);
        let Some(bytes) = crate::fs::read_regular(&path)? else {
            continue;
        };
        let text = zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
            shell.warn(format!("`{}` is not valid TOML; skipped", path.display()));
            continue;
        };
        if let Some(token) = doc
            .get("registries")
            .and_then(|r| r.get(name))
            .and_then(|r| r.get("token"))
            .and_then(|t| t.as_str())
        {
            let source = TokenSource::CargoCredentials(path);
            let token =
                credentials::validate_token(zeroize::Zeroizing::new(token.to_string()), &source)?;
            return Ok(Some((token, source)));
        }
    }
    Ok(None)
}

/// Where the API endpoint came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    Flag,
    Env,
    Derived,
}

/// `--api-endpoint`, else `CNB_API_ENDPOINT`, else `https://api.<domain>`
/// for an index on `cargo.<domain>`; checked by `client::check_endpoint`.
pub fn api_endpoint(flag: Option<&str>, index: &IndexUrl) -> Result<(Url, EndpointSource)> {
    api_endpoint_from(flag, env::var_non_empty(env::CNB_API_ENDPOINT), index)
}

/// Whether an API endpoint is given or can be derived: a registry that is
/// not CNB has none, and is published to with cargo alone.
pub fn api_endpoint_known(flag: Option<&str>, index: &IndexUrl) -> bool {
    flag.is_some()
        || env::var_non_empty(env::CNB_API_ENDPOINT).is_some()
        || index
            .http_url()
            .host_str()
            .and_then(|h| h.strip_prefix("cargo."))
            .is_some_and(|d| !d.is_empty())
}

/// `api_endpoint` with the environment variable's value passed in.
fn api_endpoint_from(
    flag: Option<&str>,
    from_env: Option<String>,
    index: &IndexUrl,
) -> Result<(Url, EndpointSource)> {
    let (text, what, source) = match (flag, from_env) {
        (Some(text), _) => (
            text.to_string(),
            "the API endpoint from `--api-endpoint`".to_string(),
            EndpointSource::Flag,
        ),
        (None, Some(text)) => (
            text,
            format!("the API endpoint from `{}`", env::CNB_API_ENDPOINT),
            EndpointSource::Env,
        ),
        (None, None) => {
            let host = index.http_url().host_str().unwrap_or_default();
            return match host.strip_prefix("cargo.") {
                Some(domain) if !domain.is_empty() => Ok((
                    crate::registry_url::check_endpoint(
                        &format!("https://api.{domain}/"),
                        "the API endpoint",
                    )?,
                    EndpointSource::Derived,
                )),
                _ => Err(UserError::new(format!(
                    "cannot tell the CNB API endpoint for the index on `{host}`"
                ))
                .hint(format!(
                    "pass `--api-endpoint https://api.<domain>` or set `{}`",
                    env::CNB_API_ENDPOINT
                ))
                .into()),
            };
        }
    };
    Ok((crate::registry_url::check_endpoint(&text, &what)?, source))
}

impl std::fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndpointSource::Flag => f.write_str("`--api-endpoint`"),
            EndpointSource::Env => write!(f, "`{}`", env::CNB_API_ENDPOINT),
            EndpointSource::Derived => f.write_str("derived from the index host"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_is_derived_from_the_index_host() {
        let index = IndexUrl::parse_target("acme/crates").unwrap();
        let url = |flag: Option<&str>, from_env: Option<&str>| {
            api_endpoint_from(flag, from_env.map(str::to_string), &index)
                .map(|(u, _)| u.to_string())
        };
        assert_eq!(url(None, None).unwrap(), "https://api.cnb.cool/");
        assert_eq!(
            url(Some("http://127.0.0.1:9"), Some("https://ignored/")).unwrap(),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            url(None, Some("https://api.example.com")).unwrap(),
            "https://api.example.com/"
        );
        assert!(url(None, Some("ftp://x")).is_err());
        let err = url(None, Some("http://api.example.com"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`CNB_API_ENDPOINT`") && err.contains("in clear"),
            "{err}"
        );
        // Any CNB domain: `cargo.<domain>` → `api.<domain>`, port dropped.
        for (index, api) in [
            ("acme/crates", "https://api.cnb.cool/"),
            (
                "https://cargo.cnb.build/acme/crates/-/packages/",
                "https://api.cnb.build/",
            ),
            (
                "https://CARGO.cnb.build:8443/a/b/-/packages/",
                "https://api.cnb.build/",
            ),
        ] {
            let index = IndexUrl::parse_target(index).unwrap();
            assert!(api_endpoint_known(None, &index));
            let (url, source) = api_endpoint_from(None, None, &index).unwrap();
            assert_eq!((url.as_str(), source), (api, EndpointSource::Derived));
        }
        // Not on `cargo.<domain>`: nothing is guessed, the way is said,
        // and an override still serves.
        let other = IndexUrl::parse_target("https://registry.example.com/x/").unwrap();
        assert_eq!(
            api_endpoint_from(None, Some("https://api.example.com".into()), &other)
                .unwrap()
                .0
                .as_str(),
            "https://api.example.com/"
        );
        let bare = IndexUrl::parse_target("https://cargo./x/").unwrap();
        assert!(api_endpoint_from(None, None, &bare).is_err());
        let err = api_endpoint_from(None, None, &other).unwrap_err();
        assert!(
            UserError::first_hint(&err)
                .unwrap()
                .contains("--api-endpoint")
        );
    }
}
