//! The network checks, through the same client and the same paths the
//! commands use; each request is bounded by `NETWORK_TIMEOUT`.

use std::time::Duration;

use crate::client::cnb::CnbApi;
use crate::client::sparse::{ConfigAnswer, SparseIndex};
use crate::client::{self, Http};
use crate::context::Context;
use crate::credentials::Secret;
use crate::env;
use crate::error::UserError;
use crate::explain::Op;
use crate::registry_url::IndexUrl;
use crate::settings;

use super::{Check, NETWORK_TIMEOUT};

/// A failed check from a client error, with the client's own hint.
fn failure(id: &'static str, action: &str, err: client::Error) -> Check {
    let err = crate::explain::explain(err, action, Op::Read);
    let hint = UserError::first_hint(&err).unwrap_or_else(|| "check the network".into());
    Check::fail(id, format!("{err:#}")).hint(hint)
}

/// The index's and the API's checks, side by side.
pub(super) fn checks(
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
    std::thread::scope(|scope| {
        let index_checks = scope.spawn(|| index_checks(http, index, index_token, timeout));
        let api_checks =
            scope.spawn(|| api_check(http, index, api_token.as_ref(), endpoint_flag, timeout));
        let mut checks = index_checks.join().unwrap_or_default();
        checks.extend(api_checks.join().unwrap_or_default());
        checks
    })
}

/// Whether CNB's API takes the token and knows the registry.
fn api_check(
    http: &Http,
    index: &IndexUrl,
    token: Option<&Secret>,
    endpoint_flag: Option<&str>,
    timeout: Option<Duration>,
) -> Vec<Check> {
    let api = settings::api_endpoint(endpoint_flag, index);
    match (&api, token, index.cnb_slug()) {
        (Err(e), _, _) => {
            vec![
                Check::fail("api.token", e.to_string()).hint(
                    UserError::first_hint(e)
                        .unwrap_or_else(|| format!("set `{}`", env::CNB_API_ENDPOINT)),
                ),
            ]
        }
        (_, None, _) => vec![
            Check::fail("api.token", "no token to try against the CNB API")
                .hint(format!("run `cnbcargo login`, or set `{}`", env::CNB_TOKEN)),
        ],
        (_, _, None) => vec![Check::warn(
            "api.token",
            "the index URL has no CNB registry path; the API cannot be checked",
        )],
        (Ok((base, _)), Some(token), Some(slug)) => {
            let shown = crate::registry_url::redact(base);
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
    }
}

/// The index asked without the token (is it there, does it ask for one),
/// then with it.
fn index_checks(
    http: &Http,
    index: &IndexUrl,
    token: Option<Secret>,
    timeout: Option<Duration>,
) -> Vec<Check> {
    let url = crate::registry_url::redact(&index.join("config.json"));
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
            checks.push(match challenge {
                Some(c) if c.to_ascii_lowercase().starts_with("cargo") => Check::pass(
                    "index.auth",
                    "authentication required, with cargo's challenge",
                ),
                _ => Check::warn(
                    "index.auth",
                    "401 without a `www-authenticate: Cargo` challenge",
                )
                .hint("cargo may not know to send its token"),
            });
        }
    }
    checks.push(index_token(&sparse, index, has_token, timeout));
    checks
}

/// The index asked with the token, where one may go to it.
fn index_token(
    sparse: &SparseIndex,
    index: &IndexUrl,
    has_token: bool,
    timeout: Option<Duration>,
) -> Check {
    if !has_token {
        return Check::fail("index.token", "no token to answer the challenge with")
            .hint("run `cnbcargo login`");
    }
    if let Err(e) = index.check_token_allowed() {
        return Check::fail("index.token", e.to_string()).hint(
            e.hints()
                .first()
                .cloned()
                .unwrap_or_else(|| "use `https://`".into()),
        );
    }
    match sparse.config(true, timeout) {
        Ok(ConfigAnswer::Config(config))
            if config.api.as_deref().is_some_and(|api| {
                url::Url::parse(api).is_ok_and(|u| !crate::registry_url::may_carry_token(&u))
            }) =>
        {
            Check::fail(
                "index.token",
                format!(
                    "the index's `config.json` names the API `{}`: cargo would send the token there in clear",
                    crate::registry_url::redact_text(config.api.as_deref().unwrap_or_default())
                ),
            )
            .hint("the registry must serve its API over `https://`")
        }
        Ok(ConfigAnswer::Config(config)) if config.api.is_none() => Check::warn(
            "index.token",
            "the index accepts the token, but its `config.json` has no `api`",
        )
        .hint("`cargo publish` and `cargo yank` need the registry's `api` URL"),
        Ok(ConfigAnswer::Config(_)) => Check::pass("index.token", "the index accepts the token"),
        Ok(ConfigAnswer::Unauthorized { .. }) => {
            Check::fail("index.token", "the index refused the token (401)")
                .hint("the token is wrong or expired: run `cnbcargo login` again")
        }
        Err(err) => failure("index.token", "the index did not accept the token", err),
    }
}
