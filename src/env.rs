//! Every environment variable cnbcargo reads, in one place, and the only
//! code that reads them. `docs/environment.md` is generated from `VARS`
//! (a test fails when it is stale).

use std::ffi::OsString;

/// The cargo binary to drive; cargo sets it for its subcommands.
pub const CARGO: &str = "CARGO";
/// Where cargo keeps its global config and credentials (default `~/.cargo`).
pub const CARGO_HOME: &str = "CARGO_HOME";
/// Overrides `registry.default` from the config files.
pub const CARGO_REGISTRY_DEFAULT: &str = "CARGO_REGISTRY_DEFAULT";
/// Overrides `registry.global-credential-providers`.
pub const CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS: &str =
    "CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS";
/// `always`, `never` or `auto`, as for cargo.
pub const CARGO_TERM_COLOR: &str = "CARGO_TERM_COLOR";
/// cargo's own proxy setting (`http.proxy`).
pub const CARGO_HTTP_PROXY: &str = "CARGO_HTTP_PROXY";
/// cargo's extra CA certificates (`http.cainfo`).
pub const CARGO_HTTP_CAINFO: &str = "CARGO_HTTP_CAINFO";
/// cargo's network timeout in seconds (`http.timeout`).
pub const CARGO_HTTP_TIMEOUT: &str = "CARGO_HTTP_TIMEOUT";
/// cargo's retries of a failed request (`net.retry`).
pub const CARGO_NET_RETRY: &str = "CARGO_NET_RETRY";
/// cargo's offline switch (`net.offline`).
pub const CARGO_NET_OFFLINE: &str = "CARGO_NET_OFFLINE";
/// The system's CA bundle and directory, as OpenSSL (and so cargo) reads
/// them; the certificate loader reads them itself, `doctor` reports them.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
pub const SSL_CERT_DIR: &str = "SSL_CERT_DIR";
/// A CNB access token; in CNB pipelines it is set for every job.
pub const CNB_TOKEN: &str = "CNB_TOKEN";
/// The CNB OpenAPI base URL; CNB pipelines set it.
pub const CNB_API_ENDPOINT: &str = "CNB_API_ENDPOINT";
/// `true` in CI systems, CNB's included.
pub const CI: &str = "CI";
/// Set in CNB pipelines.
pub const CNB: &str = "CNB";
/// Set to `1` to keep tokens out of the OS keyring.
pub const CNBCARGO_NO_KEYRING: &str = "CNBCARGO_NO_KEYRING";
/// The keyring service name; only tests change it, to stay apart from real entries.
pub const CNBCARGO_KEYRING_SERVICE: &str = "CNBCARGO_KEYRING_SERVICE";
/// Seconds before an HTTP request to the registry or the API gives up (default 30).
pub const CNBCARGO_HTTP_TIMEOUT: &str = "CNBCARGO_HTTP_TIMEOUT";
/// Seconds a question to cargo (`cargo -V`, `locate-project`, `metadata`)
/// may take before cargo is stopped (default 120).
pub const CNBCARGO_CARGO_TIMEOUT: &str = "CNBCARGO_CARGO_TIMEOUT";
/// Where programs are found: cargo runs the `cnbcargo` credential
/// provider from it.
pub const PATH: &str = "PATH";
/// crates.io's sparse index, which `audit`, `doctor` and `delete` ask
/// whether crates.io has a crate name (default `https://index.crates.io/`).
pub const CNBCARGO_CRATES_IO_INDEX: &str = "CNBCARGO_CRATES_IO_INDEX";
/// The token for `migrate --from`'s source registry (never `CNB_TOKEN`,
/// which is the destination's).
pub const CNBCARGO_FROM_TOKEN: &str = "CNBCARGO_FROM_TOKEN";
/// Set by `cnbcargo login` on the `cargo login` it runs: the `cnbcargo`
/// credential provider then leaves out its note about a missing token
/// (which is the one being stored).
pub const CNBCARGO_PROVIDER_QUIET: &str = "CNBCARGO_PROVIDER_QUIET";
/// Disables colour when set to a non-empty value.
pub const NO_COLOR: &str = "NO_COLOR";
/// Set by a completion script (`CNBCARGO_COMPLETE=bash cnbcargo -- ...`)
/// to ask for candidates instead of running a command. A name of cnbcargo's
/// own, so that a `COMPLETE` meant for another program changes nothing.
pub const COMPLETE: &str = "CNBCARGO_COMPLETE";
/// Proxies, as curl (and so cargo) reads them: the lower-case name first.
pub const HTTPS_PROXY: [&str; 2] = ["https_proxy", "HTTPS_PROXY"];
pub const HTTP_PROXY: [&str; 2] = ["http_proxy", "HTTP_PROXY"];
pub const ALL_PROXY: [&str; 2] = ["all_proxy", "ALL_PROXY"];
pub const NO_PROXY: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// Developers: `1` makes `cargo test` rewrite the generated files
/// (completions, man pages, this variable's own docs page).
#[cfg(test)]
pub const CNBCARGO_BLESS: &str = "CNBCARGO_BLESS";

/// Prefix of cargo's per-registry overrides, `CARGO_REGISTRIES_<NAME>_<KEY>`.
pub const CARGO_REGISTRIES_PREFIX: &str = "CARGO_REGISTRIES_";

/// One documented variable.
#[cfg_attr(not(test), allow(dead_code, reason = "the docs generator reads it"))]
pub struct Var {
    pub name: &'static str,
    pub effect: &'static str,
}

/// What users read in `docs/environment.md`.
#[cfg_attr(not(test), allow(dead_code, reason = "the docs generator reads it"))]
pub const VARS: &[Var] = &[
    Var {
        name: CARGO,
        effect: "the cargo binary to run (default: `cargo` on `PATH`)",
    },
    Var {
        name: CARGO_HOME,
        effect: "cargo's home: `--global` edits `$CARGO_HOME/config.toml`, tokens are read from its `credentials.toml` (default `~/.cargo`)",
    },
    Var {
        name: CARGO_REGISTRY_DEFAULT,
        effect: "overrides `registry.default` when choosing the registry, as it does for cargo",
    },
    Var {
        name: CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS,
        effect: "overrides `registry.global-credential-providers`; `doctor` checks it for `cargo:token`",
    },
    Var {
        name: "CARGO_REGISTRIES_<NAME>_INDEX",
        effect: "overrides a registry's index (`<NAME>` upper-cased, `-` → `_`)",
    },
    Var {
        name: "CARGO_REGISTRIES_<NAME>_TOKEN",
        effect: "cargo's token for a registry, before `credentials.toml`; cnbcargo sends it too, as cargo does, and sets it for the cargo it runs when cargo has no token of its own (from `CNB_TOKEN` or the keyring)",
    },
    Var {
        name: CARGO_TERM_COLOR,
        effect: "`always`/`never`/`auto`, as for cargo; `--color` and `NO_COLOR` win over it",
    },
    Var {
        name: CNB_TOKEN,
        effect: "the token for `login` when `--token-stdin` is not given; for `publish`, `delete`, `yank` and `list` where cargo has no token of its own for the registry (cargo's wins, with a warning when they differ), handed to the cargo cnbcargo runs; the `cnbcargo` credential provider gives it to cargo first (no `login` needed); checked like a typed token (one word of printable ASCII)",
    },
    Var {
        name: CNB_API_ENDPOINT,
        effect: "the CNB OpenAPI base URL (CNB pipelines set it); `--api-endpoint` wins; default `https://api.<domain>` for an index on `cargo.<domain>`; `https://`, or `http://` to a loopback host only; no query, fragment or user info",
    },
    Var {
        name: "CI, CNB",
        effect: "in a pipeline, a 403 on delete also says that pipeline tokens usually lack the delete scope",
    },
    Var {
        name: "https_proxy, http_proxy, all_proxy, no_proxy",
        effect: "proxies for cnbcargo's own requests, as curl reads them (the upper-case names too); `doctor` reports them",
    },
    Var {
        name: CARGO_HTTP_PROXY,
        effect: "overrides `http.proxy`: cargo's proxy for every request (`[scheme://]host[:port]`, `http://` when no scheme is given), which wins over `https_proxy` and the like, for cnbcargo as for cargo; `doctor` reports it",
    },
    Var {
        name: CARGO_HTTP_CAINFO,
        effect: "overrides `http.cainfo`: a PEM file of CA certificates trusted on top of the system's (a relative path is taken from the current directory; in a config file, from the directory holding `.cargo`)",
    },
    Var {
        name: CARGO_HTTP_TIMEOUT,
        effect: "overrides `http.timeout`: seconds before a request gives up (default 30); `CNBCARGO_HTTP_TIMEOUT` wins over it",
    },
    Var {
        name: CARGO_NET_RETRY,
        effect: "overrides `net.retry`: how many times a failed request that may be retried is sent again (default 3)",
    },
    Var {
        name: CARGO_NET_OFFLINE,
        effect: "overrides `net.offline`: `true` makes commands that need the network fail at once, and `doctor` skip its network checks",
    },
    Var {
        name: "SSL_CERT_FILE, SSL_CERT_DIR",
        effect: "the system's CA certificates, as OpenSSL, curl and cargo read them (default: the system bundle); `doctor` says where trust came from",
    },
    Var {
        name: CNBCARGO_NO_KEYRING,
        effect: "`1` keeps tokens out of the OS keyring (the `cnbcargo` credential provider then reads only `CNB_TOKEN`)",
    },
    Var {
        name: CNBCARGO_KEYRING_SERVICE,
        effect: "the keyring service name (default `cnbcargo`); for tests",
    },
    Var {
        name: CNBCARGO_HTTP_TIMEOUT,
        effect: "seconds before a request to the registry or the API gives up (default: cargo's `http.timeout`, else 30); idempotent requests are retried `net.retry` times (default 3) on timeouts, connection errors, 429 and 5xx",
    },
    Var {
        name: CNBCARGO_CARGO_TIMEOUT,
        effect: "seconds a cargo run that only answers a question (`cargo -V`, `cargo locate-project`, `cargo metadata --no-deps`) may take before it is stopped, with everything it started, and the command fails naming it (default 120: a first run may wait for rustup to install a toolchain); cargo's builds, `publish`, `yank`, `login` and `logout` are never stopped; shell completion waits 3 s for `cargo metadata`",
    },
    Var {
        name: PATH,
        effect: "cargo runs the `cnbcargo` credential provider from it; `login` and `doctor` check that it is there",
    },
    Var {
        name: CNBCARGO_CRATES_IO_INDEX,
        effect: "crates.io's sparse index (default `https://index.crates.io/`), asked by `audit`, `doctor` and `delete` whether crates.io has a crate name; for air-gapped sites (a mirror) and tests; no token is ever sent to it",
    },
    Var {
        name: CNBCARGO_FROM_TOKEN,
        effect: "the token `migrate` sends to its source registry (its index, downloads and search API); for a registry named in cargo's config, cargo's own token for it is used when this is not set; never sent to the destination",
    },
    Var {
        name: CNBCARGO_PROVIDER_QUIET,
        effect: "set by `cnbcargo login` on the `cargo login` it runs, so that the `cnbcargo` credential provider does not print its \"no token\" note while the token is being stored; not for users",
    },
    Var {
        name: NO_COLOR,
        effect: "no colour when set and not empty; `--color` wins over it, and it wins over `CARGO_TERM_COLOR`",
    },
    Var {
        name: COMPLETE,
        effect: "set by the completion scripts (`cnbcargo completions SHELL`) to a shell's name, to ask cnbcargo for candidates; any other value is ignored; not for users",
    },
    Var {
        name: "CNBCARGO_BLESS",
        effect: "for developers: `CNBCARGO_BLESS=1 cargo test` rewrites the generated completions, man pages and this page",
    },
];

/// `docs/environment.md`, generated from `VARS`.
#[cfg(test)]
pub fn environment_md() -> String {
    let mut out = String::from(
        "# Environment variables\n\n\
         Every variable cnbcargo reads (generated from `src/env.rs`).\n\n\
         | variable | effect |\n|---|---|\n",
    );
    for var in VARS {
        let names: Vec<String> = var.name.split(", ").map(|n| format!("`{n}`")).collect();
        out.push_str(&format!("| {} | {} |\n", names.join(", "), var.effect));
    }
    out
}

/// The name part of `CARGO_REGISTRIES_<NAME>_*`: upper case, `-` becomes `_`.
pub fn registry_env_name(registry: &str) -> String {
    registry.to_ascii_uppercase().replace('-', "_")
}

/// `CARGO_REGISTRIES_<NAME>_<KEY>`.
pub fn registry_var(registry: &str, key: &str) -> String {
    format!(
        "{CARGO_REGISTRIES_PREFIX}{}_{key}",
        registry_env_name(registry)
    )
}

/// The value of a variable, treating an empty value as unset. A value
/// that is not Unicode counts as unset too; callers that must tell use `var_os`.
pub fn var_non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The raw value, empty counting as unset.
pub fn var_os(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The first of several spellings that is set, with its name.
pub fn first_of(names: &[&'static str]) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|&name| var_non_empty(name).map(|value| (name, value)))
}

/// True in a CI pipeline (`CI=true`) or in CNB's (`CNB` set).
pub fn in_ci() -> bool {
    var_non_empty(CI).is_some_and(|v| v == "true" || v == "1") || var_os(CNB).is_some()
}

/// The names of every variable set in this process, for checks that look
/// for misspellings; values are never returned.
pub fn names() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_env_name_turns_dashes_into_underscores() {
        assert_eq!(registry_env_name("cnb-cargo-repo"), "CNB_CARGO_REPO");
        assert_eq!(registry_env_name("Mixed_case-1"), "MIXED_CASE_1");
        assert_eq!(registry_var("a-b", "TOKEN"), "CARGO_REGISTRIES_A_B_TOKEN");
    }
}
