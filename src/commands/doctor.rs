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
use crate::context::Context;
use crate::env;
use crate::error::UserError;
use crate::provider;
use crate::registry_url::IndexUrl;
use crate::settings::{self, CopyState, TokenSource};
use crate::shell::{Shell, clean_line};

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

pub fn run(args: &DoctorArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let started = Instant::now();
    let checks = collect(args, ctx)?;
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
    // `-q`: only what failed.
    for check in checks
        .iter()
        .filter(|c| !shell.is_quiet() || c.status == Status::Fail)
    {
        let mark = match check.status {
            Status::Pass => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        };
        // Messages quote config files and servers: cleaned for the terminal.
        let message = clean_line(&check.message);
        out.push_str(&format!("{mark} {:<18} {message}", check.id));
        if let Some(source) = &check.source {
            out.push_str(&format!(" ({})", clean_line(source)));
        }
        out.push('\n');
        if let Some(hint) = &check.hint {
            out.push_str(&format!("  hint: {}\n", clean_line(hint)));
        }
    }
    shell.out(&out);
}

/// Inspects the same context the commands run with: its cargo, its config
/// stack, the settings' precedence chains and its HTTP client.
fn collect(args: &DoctorArgs, ctx: &Context) -> Result<Vec<Check>> {
    let shell = &ctx.shell;
    let mut checks = Vec::new();
    checks.extend(check_cargo(&ctx.cargo));

    let cwd = ctx.cwd()?;
    let home = ctx.cargo_home()?;
    checks.extend(check_config_files(cwd, home));
    let stack = match ctx.config() {
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

    let registry = match settings::registry(stack, args.registry.registry.as_deref(), shell) {
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
    let index = check_registry(stack, &registry, &mut checks);
    let mode = provider::Mode::of(stack, &registry.name);
    checks.extend(check_providers(stack, &registry, &mode));
    checks.push(check_source_replacement(stack, &registry));
    checks.extend(check_env_overrides(&registry));
    let (cargo_token, api_token) =
        check_tokens(&registry, home, shell, mode.is_cnbcargo(), &mut checks);

    let offline = match ctx.net() {
        Ok(net) => {
            checks.extend(check_network(net, ctx));
            net.offline().map(|o| format!("`net.offline`, {o}"))
        }
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "fix the setting; cargo refuses it too".into());
            checks.push(Check::fail("net.settings", format!("{err:#}")).hint(hint));
            return Ok(checks);
        }
    };
    if args.offline {
        checks.push(Check::pass("online", "skipped (--offline)"));
    } else if let Some(origin) = offline {
        checks.push(Check::pass(
            "online",
            format!("skipped (cargo is offline: {origin})"),
        ));
    } else if let Some(index) = index {
        checks.extend(online::checks(
            ctx,
            &index,
            cargo_token.or(api_token.clone()),
            api_token,
            args.api.api_endpoint.as_deref(),
        ));
        // In a project, `cnbcargo audit`'s findings for this registry.
        match ctx.cargo.workspace_root(cwd) {
            Ok(Some(_)) => checks.extend(audit_checks(
                ctx,
                &registry,
                args.api.api_endpoint.as_deref(),
            )),
            Ok(None) => {}
            // A cargo that did not say where the project is would not
            // answer the audit's `cargo metadata` either.
            Err(err) => {
                let hint = UserError::first_hint(&err).unwrap_or_default();
                checks.push(Check::fail("audit", format!("{err:#}")).hint(hint));
            }
        }
    }
    Ok(checks)
}

/// The project's dependencies from the registry, as `cnbcargo audit` sees
/// them: a failing check for each ✗, a warning for each !.
fn audit_checks(ctx: &Context, registry: &RegistryDef, endpoint_flag: Option<&str>) -> Vec<Check> {
    let report = match crate::ops::audit::run(ctx, Some(&registry.name), endpoint_flag) {
        Ok(report) => report,
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "run `cnbcargo audit` for details".into());
            return vec![Check::fail("audit", format!("{err:#}")).hint(hint)];
        }
    };
    let mut checks = Vec::new();
    if let Some(error) = &report.crates_io.error {
        checks.push(
            Check::warn(
                "audit.crates-io",
                format!("crates.io's index could not be asked, so shadowed names are not reported: {error}"),
            )
            .hint(format!(
                "where crates.io is out of reach, point `{}` at a mirror of its sparse index",
                env::CNBCARGO_CRATES_IO_INDEX
            )),
        );
    }
    if report.findings.is_empty() {
        checks.push(Check::pass(
            "audit",
            format!(
                "{} crate name(s) from `{}`: none resolves through the crates.io proxy",
                report.summary.names, registry.name
            ),
        ));
    }
    for finding in &report.findings {
        let status = match finding.level {
            crate::ops::audit::Level::Error => Status::Fail,
            crate::ops::audit::Level::Warning => Status::Warn,
        };
        checks.push(
            Check::new(finding.kind.check_id(), status, finding.message.clone())
                .hint(finding.hint.clone()),
        );
    }
    checks
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
    let workspace_publish =
        (version.major, version.minor) >= crate::cargo::WORKSPACE_PUBLISH_VERSION;
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
    let shown = registry.index_shown();
    let origin = registry.origin.to_string();
    let parsed = match IndexUrl::from_config(&registry.index) {
        // Only an index of CNB's shape: a real git index (on a host the
        // token is not for) must not get the token in a check.
        Err(_)
            if let Some(fixed) = IndexUrl::missing_sparse_prefix(&registry.index)
                .filter(IndexUrl::looks_like_cnb) =>
        {
            checks.push(
                Check::fail(
                    "registry.index",
                    format!("`{shown}` lacks the `sparse+` prefix: cargo takes it for a git index"),
                )
                .source(&origin)
                .hint(format!("write `index = \"{fixed}\"`")),
            );
            // The network checks still run, against the index it is meant to be.
            Some(fixed)
        }
        Err(err) => {
            checks.push(
                Check::fail("registry.index", err.to_string())
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
        Ok(parsed) => {
            let check = if !registry.index.ends_with('/') {
                Check::fail(
                    "registry.index",
                    format!("`{shown}` lacks the trailing slash"),
                )
                .hint(format!(
                    "write `index = \"{parsed}\"`; cargo needs the slash"
                ))
            } else if let Err(err) = parsed.check_token_allowed() {
                Check::fail("registry.index", err.to_string()).hint(
                    err.hints()
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "use `https://`".into()),
                )
            } else {
                Check::pass("registry.index", format!("`{shown}`"))
            };
            checks.push(check.source(&origin));
            Some(parsed)
        }
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

/// Which provider gives cargo the registry's token, and, for cnbcargo's
/// own, whether it answers with one (asked as cargo asks it).
fn check_providers(
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
            checks.push(check_cnbcargo_provider(program, origin, registry));
            checks
        }
        provider::Mode::Other { provider, origin } => vec![
            Check::pass(
                "registry.provider",
                format!("`{}` has its own provider `{provider}`", registry.name),
            )
            .source(origin),
        ],
        provider::Mode::Global => vec![check_global_providers(stack)],
    }
}

fn check_cnbcargo_provider(program: &str, origin: &Origin, registry: &RegistryDef) -> Check {
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
fn check_global_providers(stack: &ConfigStack) -> Check {
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

/// cargo's network settings as cnbcargo applies them, and where its trust
/// in certificates comes from.
fn check_network(net: &settings::network::Network, ctx: &Context) -> Vec<Check> {
    let mut set = Vec::new();
    if let Some(proxy) = &net.proxy {
        set.push(if proxy.value.is_empty() {
            format!("`http.proxy` is empty: no proxy ({})", proxy.origin)
        } else {
            format!(
                "`http.proxy` = `{}` ({})",
                crate::registry_url::redact_text(&proxy.value),
                proxy.origin
            )
        });
    }
    if let Some(timeout) = &net.timeout {
        set.push(format!(
            "`http.timeout` = {} s ({})",
            timeout.value.as_secs_f64(),
            timeout.origin
        ));
    }
    if let Some(retries) = &net.retries {
        set.push(format!(
            "`net.retry` = {} ({})",
            retries.value, retries.origin
        ));
    }
    if let Some(offline) = &net.offline {
        set.push(format!(
            "`net.offline` = {} ({})",
            offline.value, offline.origin
        ));
    }
    let mut checks = vec![if set.is_empty() {
        Check::pass("net.settings", "cargo's network defaults")
    } else {
        Check::pass("net.settings", set.join("; "))
    }];
    checks.push(match ctx.http() {
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "check `http.cainfo` and `SSL_CERT_FILE`".into());
            Check::fail("tls.trust", format!("{err:#}")).hint(hint)
        }
        Ok(http) => {
            let trust = http.trust();
            if trust.system == 0 && trust.cainfo.is_none() {
                let mut check = Check::fail("tls.trust", "no CA certificate is trusted: every `https://` request will fail")
                    .hint("install the system's CA certificates (e.g. the `ca-certificates` package), or point `SSL_CERT_FILE` or `http.cainfo` at a PEM bundle");
                if let Some(error) = trust.system_errors.first() {
                    check = check.source(error);
                }
                check
            } else if let Some(error) = trust.system_errors.first() {
                Check::warn("tls.trust", trust.describe())
                    .source(error)
                    .hint("part of the system's store could not be read; check `SSL_CERT_FILE` and `SSL_CERT_DIR`")
            } else {
                Check::pass("tls.trust", trust.describe())
            }
        }
    });
    checks
}

fn check_env_overrides(registry: &RegistryDef) -> Vec<Check> {
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

fn check_tokens(
    registry: &RegistryDef,
    home: &Path,
    shell: &Shell,
    via_provider: bool,
    checks: &mut Vec<Check>,
) -> (
    Option<crate::credentials::Secret>,
    Option<crate::credentials::Secret>,
) {
    let problem = |err: &anyhow::Error| {
        UserError::first_hint(err).unwrap_or_else(|| "set the token again".into())
    };
    // In the provider's mode cargo's own store is not used: the provider
    // check above says where cargo's token comes from.
    let cargo_token = if via_provider {
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
        None
    } else {
        match settings::cargo_token(registry, home, shell) {
            Ok(Some((token, source))) => {
                checks.push(Check::pass("token.cargo", "cargo has a token").source(&source));
                checks.extend(check_unused_copies(registry, &token, &source, shell));
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
    };
    let api_token = match settings::token(registry, home, via_provider, shell) {
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
    };
    (cargo_token, api_token)
}

/// The copies of the token that cargo's own overrides: one in the OS
/// keyring that differs fails (it is what a rotation with plain `cargo
/// login` leaves behind, and it would be used again if cargo's went), one
/// in `CNB_TOKEN` that differs warns. Neither value is shown.
fn check_unused_copies(
    registry: &RegistryDef,
    cargo_token: &crate::credentials::Secret,
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

/// The network checks, through the same client and the same paths the
/// commands use; each request is bounded by `NETWORK_TIMEOUT`.
mod online {
    use super::*;
    use crate::client::cnb::CnbApi;
    use crate::client::sparse::{ConfigAnswer, SparseIndex};
    use crate::client::{self, Http};
    use crate::credentials::Secret;
    use crate::explain::{Op, explain};
    use crate::registry_url;

    /// A failed check from a client error, with the client's own hint.
    fn failure(id: &'static str, action: &str, err: client::Error) -> Check {
        let err = explain(err, action, Op::Read);
        let hint = UserError::first_hint(&err).unwrap_or_else(|| "check the network".into());
        Check::fail(id, format!("{err:#}")).hint(hint)
    }

    pub fn checks(
        ctx: &Context,
        index: &IndexUrl,
        index_token: Option<Secret>,
        api_token: Option<Secret>,
        endpoint_flag: Option<&str>,
    ) -> Vec<Check> {
        let http = match ctx.http() {
            Ok(http) => http,
            Err(err) => {
                return vec![
                    Check::fail("online", format!("cannot set up the HTTP client: {err:#}"))
                        .hint("run with `--offline`"),
                ];
            }
        };
        let timeout = Some(NETWORK_TIMEOUT.min(http.timeout()));
        let api = settings::api_endpoint(endpoint_flag, index);
        std::thread::scope(|scope| {
            let index_checks = scope.spawn(|| index_checks(http, index, index_token, timeout));
            let api_checks = scope.spawn(|| match (&api, &api_token, index.cnb_slug()) {
                (Err(e), _, _) => vec![
                    Check::fail("api.token", e.to_string()).hint(
                        UserError::first_hint(e)
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
                (Ok((base, _)), Some(token), Some(slug)) => {
                    let shown = registry_url::redact(base);
                    let api = CnbApi::new(http, base.clone(), slug, token.clone());
                    match api.probe(timeout) {
                        Ok(()) => vec![
                            Check::pass(
                                "api.token",
                                format!("the CNB API accepts the token and can read `{slug}`"),
                            )
                            .source(shown),
                        ],
                        Err(err) => {
                            let action = match err.status() {
                                Some(404) => format!("the CNB API does not know `{slug}`"),
                                _ => "the CNB API check failed".to_string(),
                            };
                            vec![failure("api.token", &action, err).source(shown)]
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
        http: &Http,
        index: &IndexUrl,
        token: Option<Secret>,
        timeout: Option<std::time::Duration>,
    ) -> Vec<Check> {
        let url = registry_url::redact(&index.join("config.json"));
        let has_token = token.is_some();
        let sparse = SparseIndex::new(http, index.clone(), token);
        let mut checks = Vec::new();
        match sparse.config(false, timeout) {
            Err(err) => {
                return vec![failure(
                    "index.reachable",
                    &format!("`{url}` is not a working registry index"),
                    err,
                )];
            }
            Ok(ConfigAnswer::Config(config)) => {
                checks.push(Check::pass(
                    "index.reachable",
                    format!("`{url}` answers with a registry config"),
                ));
                checks.push(if config.auth_required {
                    Check::pass("index.auth", "`auth-required` is set")
                } else {
                    Check::warn(
                        "index.auth",
                        "the index is public (`auth-required` is not set)",
                    )
                });
                return checks;
            }
            Ok(ConfigAnswer::Unauthorized { challenge }) => {
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
        }
        if !has_token {
            checks.push(
                Check::fail("index.token", "no token to answer the challenge with")
                    .hint("run `cnbcargo login`"),
            );
            return checks;
        }
        if let Err(e) = index.check_token_allowed() {
            checks.push(
                Check::fail("index.token", e.to_string()).hint(
                    e.hints()
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "use `https://`".into()),
                ),
            );
            return checks;
        }
        match sparse.config(true, timeout) {
            Ok(ConfigAnswer::Config(config))
                if config.api.as_deref().is_some_and(|api| {
                    url::Url::parse(api).is_ok_and(|u| !registry_url::may_carry_token(&u))
                }) =>
            {
                checks.push(
                    Check::fail(
                        "index.token",
                        format!(
                            "the index's `config.json` names the API `{}`: cargo would send the token there in clear",
                            registry_url::redact_text(config.api.as_deref().unwrap_or_default())
                        ),
                    )
                    .hint("the registry must serve its API over `https://`"),
                )
            }
            Ok(ConfigAnswer::Config(config)) if config.api.is_none() => checks.push(
                Check::warn(
                    "index.token",
                    "the index accepts the token, but its `config.json` has no `api`",
                )
                .hint("`cargo publish` and `cargo yank` need the registry's `api` URL"),
            ),
            Ok(ConfigAnswer::Config(_)) => {
                checks.push(Check::pass("index.token", "the index accepts the token"))
            }
            Ok(ConfigAnswer::Unauthorized { .. }) => checks.push(
                Check::fail("index.token", "the index refused the token (401)")
                    .hint("the token is wrong or expired: run `cnbcargo login` again"),
            ),
            Err(err) => checks.push(failure(
                "index.token",
                "the index did not accept the token",
                err,
            )),
        }
        checks
    }
}
