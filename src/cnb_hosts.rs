//! The hosts `CNB_TOKEN` may go to. The variable is set in every CNB
//! pipeline and often in developers' shells, while a cloned repository's
//! `.cargo/config.toml` can define a registry on any host with a CNB-like
//! path: with cnbcargo among cargo's global credential providers, a plain
//! `cargo fetch` there would hand the token over. So `CNB_TOKEN` goes only
//! to an index on a CNB host:
//! - CNB's own domains (`cnb.cool`, and `cnb.build` for its overseas
//!   deployment);
//! - the domain of `CNB_API_ENDPOINT` (set by CNB's pipelines, or by the
//!   user): `api.example.com` trusts `*.example.com`;
//! - the hosts of registries `cnbcargo init` wrote on this machine,
//!   recorded in cnbcargo's own config directory, out of any repository's
//!   reach: each host exactly, not its domain (a domain may have hosts a
//!   stranger controls, pages or user content).
//!
//! Anything else gets no `CNB_TOKEN`: the provider answers "not found"
//! (cargo moves on), cnbcargo's commands fall back to the other copies.

use std::path::PathBuf;

use url::Url;

use crate::env;
use crate::registry_url::IndexUrl;

/// CNB's own domains ([doc] in the reference).
pub const CNB_DOMAINS: &[&str] = &["cnb.cool", "cnb.build"];

/// The record file is a few lines; anything larger is not ours.
const MAX_RECORD_BYTES: u64 = 64 << 10;

/// Whether `CNB_TOKEN` may be sent to this index.
pub fn cnb_token_may_go_to(index: &IndexUrl) -> bool {
    index.http_url().host_str().is_some_and(host_is_trusted)
}

/// The host of an index as written in a config (with or without
/// `sparse+`), or as cargo names it to a provider.
pub fn index_host(index: &str) -> Option<String> {
    let bare = index
        .strip_prefix("sparse+")
        .or_else(|| index.strip_prefix("registry+"))
        .unwrap_or(index);
    Some(Url::parse(bare).ok()?.host_str()?.to_ascii_lowercase())
}

/// Whether `CNB_TOKEN` may go to `host`.
pub fn host_is_trusted(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    trusted_domains()
        .iter()
        .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        || recorded().contains(&host)
}

/// The domains whose hosts may get `CNB_TOKEN`: CNB's own, and
/// `CNB_API_ENDPOINT`'s.
fn trusted_domains() -> Vec<String> {
    let mut domains: Vec<String> = CNB_DOMAINS.iter().map(|d| d.to_string()).collect();
    if let Some(host) = env::var_non_empty(env::CNB_API_ENDPOINT)
        .and_then(|text| Url::parse(&text).ok())
        .and_then(|url| url.host_str().map(str::to_string))
    {
        domains.push(domain_of(&host, "api."));
    }
    domains
}

/// `api.example.com` → `example.com`; a host that would leave a bare
/// top-level domain (`api.com`), or has no such prefix, stays whole.
fn domain_of(host: &str, prefix: &str) -> String {
    let host = host.to_ascii_lowercase();
    match host.strip_prefix(prefix) {
        Some(rest) if rest.contains('.') => rest.to_string(),
        _ => host,
    }
}

/// Where `init` records the hosts it wrote registries for.
fn record_file() -> Option<PathBuf> {
    Some(dirs::config_dir()?.join("cnbcargo").join("cnb-hosts"))
}

/// The recorded hosts; an unreadable record counts as empty.
fn recorded() -> Vec<String> {
    let Some(path) = record_file() else {
        return Vec::new();
    };
    let Ok(Some(bytes)) = crate::fs::read_regular_limited(&path, MAX_RECORD_BYTES) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| {
            l.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Records the host of a registry `init` wrote, so `CNB_TOKEN` may go to
/// it. Already trusted hosts are not recorded.
pub fn record(index: &IndexUrl) -> anyhow::Result<()> {
    if cnb_token_may_go_to(index) {
        return Ok(());
    }
    let (Some(path), Some(host)) = (record_file(), index.http_url().host_str()) else {
        return Ok(());
    };
    let lock = crate::fs::write::DirLock::for_file(&path)?;
    let mut hosts = recorded();
    hosts.push(host.to_ascii_lowercase());
    let text = format!(
        "# Hosts of CNB registries that `cnbcargo init` configured: `CNB_TOKEN` may go to them.\n{}\n",
        hosts.join("\n")
    );
    crate::fs::write::write_atomic(&lock, &path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_taken_whole_or_below_a_prefix() {
        assert_eq!(domain_of("api.cnb.cool", "api."), "cnb.cool");
        assert_eq!(domain_of("API.Example.com", "api."), "example.com");
        assert_eq!(domain_of("api.com", "api."), "api.com");
        assert_eq!(domain_of("127.0.0.1", "api."), "127.0.0.1");
        assert_eq!(domain_of("api.cnb.build", "api."), "cnb.build");
    }
}
