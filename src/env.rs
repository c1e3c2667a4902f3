//! Every environment variable cnbcargo reads, in one place. `docs/environment.md`
//! describes each of them for users.

/// The cargo binary to drive; cargo sets it for its subcommands.
pub const CARGO: &str = "CARGO";
/// Where cargo keeps its global config and credentials (default `~/.cargo`).
pub const CARGO_HOME: &str = "CARGO_HOME";
/// Overrides `registry.default` from the config files.
pub const CARGO_REGISTRY_DEFAULT: &str = "CARGO_REGISTRY_DEFAULT";
/// `always`, `never` or `auto`, as for cargo.
pub const CARGO_TERM_COLOR: &str = "CARGO_TERM_COLOR";
/// A CNB access token; in CNB pipelines it is set for every job.
pub const CNB_TOKEN: &str = "CNB_TOKEN";
/// The CNB OpenAPI base URL; CNB pipelines set it.
pub const CNB_API_ENDPOINT: &str = "CNB_API_ENDPOINT";
/// Set to `1` to keep tokens out of the OS keyring.
pub const CNBCARGO_NO_KEYRING: &str = "CNBCARGO_NO_KEYRING";
/// The keyring service name; only tests change it, to stay apart from real entries.
pub const CNBCARGO_KEYRING_SERVICE: &str = "CNBCARGO_KEYRING_SERVICE";
/// Seconds before an HTTP request to the registry or the API gives up (default 30).
pub const CNBCARGO_HTTP_TIMEOUT: &str = "CNBCARGO_HTTP_TIMEOUT";
/// Disables colour when set to a non-empty value.
pub const NO_COLOR: &str = "NO_COLOR";

/// Prefix of cargo's per-registry overrides, `CARGO_REGISTRIES_<NAME>_<KEY>`.
pub const CARGO_REGISTRIES_PREFIX: &str = "CARGO_REGISTRIES_";

/// The name part of `CARGO_REGISTRIES_<NAME>_*`: upper case, `-` becomes `_`.
pub fn registry_env_name(registry: &str) -> String {
    registry.to_ascii_uppercase().replace('-', "_")
}

/// The value of a variable, treating an empty value as unset.
pub fn var_non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_env_name_turns_dashes_into_underscores() {
        assert_eq!(registry_env_name("cnb-cargo-repo"), "CNB_CARGO_REPO");
        assert_eq!(registry_env_name("Mixed_case-1"), "MIXED_CASE_1");
    }
}
