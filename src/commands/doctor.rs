//! `cnbcargo doctor`: what is wrong with this machine's setup, and how to
//! fix it. Offline checks run in order; the network checks run in parallel,
//! each with a bounded timeout.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::cargo::{self, Cargo, Gate};
use crate::cargo_config::{self, ConfigStack, Origin, RegistryDef, edit::TOKEN_PROVIDER};
use crate::cli::DoctorArgs;
use crate::env;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::shell::Shell;
use crate::target::{self, TokenSource};

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

pub fn run(args: &DoctorArgs, shell: &Shell) -> Result<()> {
    let started = Instant::now();
    let checks = collect(args, shell)?;
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if args.json {
        let report = serde_json::json!({
            "ok": !failed,
            "checks": checks,
        });
        shell.out(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    } else {
        print(&checks, shell);
        shell.verbose(format!("doctor took {} ms", started.elapsed().as_millis()));
    }
    if failed {
        let count = checks.iter().filter(|c| c.status == Status::Fail).count();
        return Err(UserError::new(format!("{count} check(s) failed")).into());
    }
    Ok(())
}

fn print(checks: &[Check], shell: &Shell) {
    let mut out = String::new();
    for check in checks {
        let mark = match check.status {
            Status::Pass => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        };
        out.push_str(&format!("{mark} {:<18} {}", check.id, check.message));
        if let Some(source) = &check.source {
            out.push_str(&format!(" ({source})"));
        }
        out.push('\n');
        if let Some(hint) = &check.hint {
            out.push_str(&format!("  hint: {hint}\n"));
        }
    }
    shell.out(&out);
}

fn collect(args: &DoctorArgs, shell: &Shell) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    let cargo = Cargo::from_env();
    checks.extend(check_cargo(&cargo));

    let cwd = super::current_dir()?;
    let home = cargo_config::cargo_home(&cwd)?;
    checks.extend(check_config_files(&cwd, &home));
    let stack = match ConfigStack::discover(&cwd, &home) {
        Ok(stack) => stack,
        Err(err) => {
            checks.push(
                Check::fail("config.parse", format!("{err:#}"))
                    .hint("cargo cannot read this file either; fix it first"),
            );
            return Ok(checks);
        }
    };
    checks.push(check_env_names());

    let registry =
        match target::resolve_registry_in(&stack, args.registry.registry.as_deref(), shell) {
            Ok(registry) => {
                checks.push(
                    Check::pass("registry.present", format!("`{}`", registry.name))
                        .source(&registry.origin),
                );
                registry
            }
            Err(err) => {
                let hint = UserError::first_hint(&err)
                    .unwrap_or_else(|| "run `cnbcargo init <group/registry>`".into());
                checks.push(Check::fail("registry.present", format!("{err}")).hint(hint));
                return Ok(checks);
            }
        };
    let index = check_registry(&stack, &registry, &mut checks);
    checks.push(check_providers(&stack, &registry));
    checks.push(check_source_replacement(&stack, &registry));
    checks.extend(check_env_overrides(&registry));
    let (cargo_token, api_token) = check_tokens(&registry, &home, shell, &mut checks);

    if args.offline {
        checks.push(Check::pass("online", "skipped (--offline)"));
    } else if let Some(index) = index {
        checks.extend(online::checks(
            &index,
            cargo_token.or(api_token.clone()),
            api_token,
            args.api.api_endpoint.as_deref(),
            shell,
        ));
    }
    Ok(checks)
}

fn check_cargo(cargo: &Cargo) -> Vec<Check> {
    let version = match cargo.version() {
        Ok(version) => version,
        Err(err) => {
            let hint =
                UserError::first_hint(&err).unwrap_or_else(|| cargo::INSTALL_HINT.to_string());
            return vec![Check::fail("cargo.found", format!("{err}")).hint(hint)];
        }
    };
    let found = Check::pass("cargo.found", format!("cargo {version}")).source(cargo.describe());
    let gate = match cargo::gate(&version) {
        Gate::TooOld => Check::fail(
            "cargo.version",
            format!("cargo {version} is older than 1.73, which CNB needs"),
        )
        .hint("run `rustup update stable`"),
        Gate::NoProviders => Check::warn(
            "cargo.version",
            format!("cargo {version}: credential providers and `auth-required` are stable only from 1.74"),
        )
        .hint("run `rustup update stable`"),
        Gate::Ok => Check::pass("cargo.version", format!("{version} >= 1.74 (credential providers)")),
    };
    let workspace_publish = (version.major, version.minor) >= (1, 90);
    let features = if workspace_publish {
        Check::pass("cargo.features", "`publish --workspace` available (1.90+)")
    } else {
        Check::pass(
            "cargo.features",
            "no `publish --workspace` before 1.90: publish packages one by one",
        )
    };
    vec![found, gate, features]
}

fn check_config_files(cwd: &Path, home: &Path) -> Vec<Check> {
    let paths = cargo_config::config_paths(cwd, home);
    let files = if paths.is_empty() {
        Check::pass("config.files", "no cargo config files")
    } else {
        let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        Check::pass(
            "config.files",
            format!("cargo reads, deepest first: {}", list.join(", ")),
        )
    };
    // cargo prefers the legacy extensionless `config` when both exist.
    let shadowed = paths.iter().find_map(|legacy| {
        let modern = legacy.with_file_name("config.toml");
        (legacy.file_name() == Some("config".as_ref()) && modern.is_file())
            .then_some((legacy, modern))
    });
    let legacy = match shadowed {
        Some((legacy, modern)) => Check::warn(
            "config.legacy",
            format!(
                "`{}` shadows `{}`: cargo reads only the legacy file",
                legacy.display(),
                modern.display()
            ),
        )
        .hint(format!(
            "merge the two into `{}` and delete `{}`",
            modern.display(),
            legacy.display()
        )),
        None => Check::pass(
            "config.legacy",
            "no legacy `.cargo/config` shadows a `config.toml`",
        ),
    };
    vec![files, legacy]
}

fn check_registry(
    stack: &ConfigStack,
    registry: &RegistryDef,
    checks: &mut Vec<Check>,
) -> Option<IndexUrl> {
    let index = registry.index.as_str();
    let origin = registry.origin.to_string();
    let parsed = match index.strip_prefix("sparse+") {
        None => {
            checks.push(
                Check::fail(
                    "registry.index",
                    format!("`{index}` is not a sparse index (no `sparse+`)"),
                )
                .source(&origin)
                .hint("CNB registries are sparse: run `cnbcargo init` with the registry's URL"),
            );
            None
        }
        Some(url) => match IndexUrl::parse_target(url) {
            Err(err) => {
                checks.push(
                    Check::fail("registry.index", format!("`{index}`: {err}"))
                        .source(&origin)
                        .hint(
                            err.hints()
                                .first()
                                .cloned()
                                .unwrap_or_else(|| "run `cnbcargo init` again".into()),
                        ),
                );
                None
            }
            Ok(parsed) if !url.ends_with('/') => {
                checks.push(
                    Check::fail(
                        "registry.index",
                        format!("`{index}` lacks the trailing slash"),
                    )
                    .source(&origin)
                    .hint(format!(
                        "write `index = \"{parsed}\"`; cargo needs the slash"
                    )),
                );
                Some(parsed)
            }
            Ok(parsed) => {
                checks.push(Check::pass("registry.index", format!("`{index}`")).source(&origin));
                Some(parsed)
            }
        },
    };
    match stack.registry_default() {
        Some((name, source)) if name == registry.name => {
            checks.push(Check::pass("registry.default", format!("`{name}`")).source(source))
        }
        Some((name, source)) => checks.push(
            Check::warn(
                "registry.default",
                format!("`{name}`, not `{}`", registry.name),
            )
            .source(source)
            .hint(format!(
                "`cargo publish` goes to `{name}` unless given `--registry {}`",
                registry.name
            )),
        ),
        None => checks.push(
            Check::warn(
                "registry.default",
                "not set: `cargo publish` goes to crates.io",
            )
            .hint(format!(
                "run `cnbcargo init`, or pass `--registry {}` to cargo",
                registry.name
            )),
        ),
    }
    parsed
}

fn check_providers(stack: &ConfigStack, registry: &RegistryDef) -> Check {
    let own = stack.lookup(&["registries", &registry.name, "credential-provider"]);
    if let Some((item, origin)) = own.first() {
        let text = item
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| item.to_string().trim().to_string());
        return Check::pass(
            "registry.provider",
            format!("`{}` has its own provider `{text}`", registry.name),
        )
        .source(origin);
    }
    let mut providers = Vec::new();
    let mut source = None;
    if let Some(value) = env::var_non_empty("CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS") {
        providers.extend(value.split_whitespace().map(str::to_string));
        source = Some(Origin::Env(
            "CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS".into(),
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

fn check_source_replacement(stack: &ConfigStack, registry: &RegistryDef) -> Check {
    match stack
        .lookup(&["source", "crates-io", "replace-with"])
        .first()
    {
        Some((item, origin)) => {
            let with = item.as_str().unwrap_or("?");
            Check::warn(
                "source.replace",
                format!("`[source.crates-io] replace-with = \"{with}\"`: crates.io dependencies come from `{with}`"),
            )
            .source(origin)
            .hint(if with == registry.name {
                "CNB's proxy then serves crates.io crates; remove it if that is not what you want".to_string()
            } else {
                format!("make sure `{with}` really mirrors crates.io; it hides crates.io itself")
            })
        }
        None => Check::pass("source.replace", "crates.io is not replaced"),
    }
}

/// Variables that look meant for a registry but that cargo ignores: the
/// name must be upper case with `-` written as `_`.
fn check_env_names() -> Check {
    let mut wrong = Vec::new();
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
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

fn check_env_overrides(registry: &RegistryDef) -> Vec<Check> {
    let prefix = format!(
        "{}{}_",
        env::CARGO_REGISTRIES_PREFIX,
        env::registry_env_name(&registry.name)
    );
    let mut set = Vec::new();
    for (key, _) in std::env::vars() {
        if key.starts_with(&prefix)
            || key == env::CARGO_REGISTRY_DEFAULT
            || key == env::CNB_TOKEN
            || key == env::CNB_API_ENDPOINT
            || key == "CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS"
        {
            set.push(format!("`{key}`"));
        }
    }
    set.sort();
    let mut proxies: Vec<String> = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "CARGO_HTTP_PROXY",
        "NO_PROXY",
        "no_proxy",
    ]
    .iter()
    .filter(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
    .map(|k| format!("`{k}`"))
    .collect();
    proxies.dedup();
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

fn check_tokens(
    registry: &RegistryDef,
    home: &Path,
    shell: &Shell,
    checks: &mut Vec<Check>,
) -> (
    Option<crate::credentials::Secret>,
    Option<crate::credentials::Secret>,
) {
    let cargo_token = match target::cargo_token(registry, home, shell) {
        Some((token, source)) => {
            checks.push(Check::pass("token.cargo", "cargo has a token").source(source));
            Some(token)
        }
        None => {
            checks.push(
                Check::warn(
                    "token.cargo",
                    format!("cargo has no token for `{}`", registry.name),
                )
                .hint(format!("run `cnbcargo login --registry {}`", registry.name)),
            );
            None
        }
    };
    let api_token = match target::find_token(registry, home, shell) {
        Ok((token, source)) => {
            let note = match &source {
                TokenSource::CnbTokenEnv | TokenSource::Keyring => {
                    "cnbcargo's API calls have a token"
                }
                _ => "cnbcargo's API calls use cargo's token",
            };
            checks.push(Check::pass("token.api", note).source(source));
            Some(token)
        }
        Err(_) => {
            checks.push(
                Check::fail("token.api", "no token for the CNB API")
                    .hint(format!("run `cnbcargo login`, or set `{}`", env::CNB_TOKEN)),
            );
            None
        }
    };
    (cargo_token, api_token)
}

mod online {
    use super::*;
    use crate::api;
    use crate::credentials::Secret;

    fn client() -> Option<reqwest::blocking::Client> {
        reqwest::blocking::Client::builder()
            .user_agent(concat!("cnbcargo/", env!("CARGO_PKG_VERSION"), " (doctor)"))
            .connect_timeout(NETWORK_TIMEOUT)
            .timeout(NETWORK_TIMEOUT)
            .build()
            .ok()
    }

    /// Names the usual ways a request fails, so the message says what to fix.
    fn explain(err: &reqwest::Error) -> (String, String) {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        let lower = text.to_lowercase();
        if err.is_timeout() {
            (
                format!("timed out after {} s", NETWORK_TIMEOUT.as_secs()),
                "check the network, a firewall, or the proxy variables".into(),
            )
        } else if lower.contains("dns")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
        {
            (
                "the host name does not resolve (DNS)".into(),
                "check the host in the index URL and your DNS settings".into(),
            )
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            (
                format!("TLS failed: {text}"),
                "a proxy may intercept TLS; its CA must be trusted".into(),
            )
        } else if lower.contains("refused") {
            (
                "connection refused".into(),
                "is the host and port right? is a proxy needed?".into(),
            )
        } else {
            (text, "check the network".into())
        }
    }

    pub fn checks(
        index: &IndexUrl,
        index_token: Option<Secret>,
        api_token: Option<Secret>,
        endpoint_flag: Option<&str>,
        shell: &Shell,
    ) -> Vec<Check> {
        let Some(client) = client() else {
            return vec![
                Check::fail("online", "cannot build an HTTP client").hint("run with `--offline`"),
            ];
        };
        let config_url = match index.http_url().join("config.json") {
            Ok(url) => url,
            Err(e) => {
                return vec![
                    Check::fail("index.reachable", format!("bad index URL: {e}"))
                        .hint("run `cnbcargo init` with the registry's URL"),
                ];
            }
        };
        let api = api::endpoint(endpoint_flag, index);
        std::thread::scope(|scope| {
            let index_checks =
                scope.spawn(|| index_checks(&client, &config_url, index_token.as_ref()));
            let api_checks = scope.spawn(|| match (&api, &api_token, index.cnb_slug()) {
                (Err(e), _, _) => vec![
                    Check::fail("api.token", e.to_string()).hint(
                        e.hints()
                            .first()
                            .cloned()
                            .unwrap_or_else(|| format!("set `{}`", env::CNB_API_ENDPOINT)),
                    ),
                ],
                (_, None, _) => vec![
                    Check::fail("api.token", "no token to try against the CNB API")
                        .hint(format!("run `cnbcargo login`, or set `{}`", env::CNB_TOKEN)),
                ],
                (_, _, None) => vec![Check::warn(
                    "api.token",
                    "the index URL has no CNB registry path; the API cannot be checked",
                )],
                (Ok(base), Some(token), Some(slug)) => {
                    let api = api::CnbApi::new(client.clone(), base.clone(), slug, token.clone());
                    match api.probe(shell) {
                        Ok(()) => vec![
                            Check::pass(
                                "api.token",
                                format!("the CNB API accepts the token and can read `{slug}`"),
                            )
                            .source(base),
                        ],
                        Err(err) => {
                            let (message, hint) = match err.status() {
                                Some(401) => (
                                    "the CNB API refused the token (401)".to_string(),
                                    "run `cnbcargo login` again, or set `CNB_TOKEN`".to_string(),
                                ),
                                Some(403) => (
                                    format!("the token may not read `{slug}` (403)"),
                                    "the token needs the `registry-package:r` scope".to_string(),
                                ),
                                Some(404) => (
                                    format!("the CNB API does not know `{slug}` (404)"),
                                    "check the registry path in the index URL".to_string(),
                                ),
                                _ => match &err {
                                    api::ApiError::Transport { source, .. } => explain(source),
                                    other => {
                                        (other.to_string(), "check `CNB_API_ENDPOINT`".to_string())
                                    }
                                },
                            };
                            vec![Check::fail("api.token", message).source(base).hint(hint)]
                        }
                    }
                }
            });
            let mut checks = index_checks.join().unwrap_or_default();
            checks.extend(api_checks.join().unwrap_or_default());
            checks
        })
    }

    fn index_checks(
        client: &reqwest::blocking::Client,
        url: &url::Url,
        token: Option<&Secret>,
    ) -> Vec<Check> {
        let mut checks = Vec::new();
        let anonymous = match client
            .get(url.clone())
            .header("cargo-protocol", "version=1")
            .send()
        {
            Ok(response) => response,
            Err(err) => {
                let (message, hint) = explain(&err);
                return vec![
                    Check::fail("index.reachable", format!("`{url}`: {message}")).hint(hint),
                ];
            }
        };
        let status = anonymous.status().as_u16();
        let challenge = anonymous
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match status {
            200 => {
                checks.push(Check::pass("index.reachable", format!("`{url}` answers")));
                let auth_required = anonymous
                    .json::<serde_json::Value>()
                    .ok()
                    .and_then(|v| v.get("auth-required").and_then(|a| a.as_bool()))
                    .unwrap_or(false);
                checks.push(if auth_required {
                    Check::pass("index.auth", "`auth-required` is set")
                } else {
                    Check::warn(
                        "index.auth",
                        "the index is public (`auth-required` is not set)",
                    )
                });
                return checks;
            }
            401 => {
                checks.push(Check::pass(
                    "index.reachable",
                    format!("`{url}` answers (401 without a token)"),
                ));
                match challenge {
                    Some(c) if c.to_ascii_lowercase().starts_with("cargo") => {
                        checks.push(Check::pass(
                            "index.auth",
                            "authentication required, with cargo's challenge",
                        ))
                    }
                    _ => checks.push(
                        Check::warn(
                            "index.auth",
                            "401 without a `www-authenticate: Cargo` challenge",
                        )
                        .hint("cargo may not know to send its token"),
                    ),
                }
            }
            other => {
                checks.push(
                    Check::fail("index.reachable", format!("`{url}` answered {other}"))
                        .hint("check the registry path in the index URL"),
                );
                return checks;
            }
        }
        let Some(token) = token else {
            checks.push(
                Check::fail("index.token", "no token to answer the challenge with")
                    .hint("run `cnbcargo login`"),
            );
            return checks;
        };
        match client
            .get(url.clone())
            .header("cargo-protocol", "version=1")
            .header(reqwest::header::AUTHORIZATION, token.expose())
            .send()
        {
            Ok(r) if r.status().is_success() => {
                checks.push(Check::pass("index.token", "the index accepts the token"))
            }
            Ok(r) => checks.push(
                Check::fail(
                    "index.token",
                    format!("the index refused the token ({})", r.status().as_u16()),
                )
                .hint("the token is wrong or expired: run `cnbcargo login` again"),
            ),
            Err(err) => {
                let (message, hint) = explain(&err);
                checks.push(Check::fail("index.token", message).hint(hint));
            }
        }
        checks
    }
}
