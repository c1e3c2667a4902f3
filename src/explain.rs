//! Client errors made into user errors: what failed, in the caller's
//! words, and what the user can do about it. The one place that explains
//! HTTP failures (401, 403, 404, timeouts, TLS): the client only reports
//! them.

use crate::client::cnb::CnbApi;
use crate::client::{Error, TransportKind};
use crate::env;
use crate::error::UserError;

/// What a request is for, so a refusal gets the right hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Reading the index or the API: lists, versions, `config.json`.
    Read,
    /// Checking a token before it is stored (`login`).
    Check,
    /// Uploading a crate (a placeholder, a copied version).
    Upload,
    /// Yanking a version.
    Yank,
    /// Deleting a package version through CNB's API.
    Delete,
}

/// Turns a client error into a message saying what failed and what the
/// user can do. The one place that explains HTTP failures.
pub fn explain(err: Error, action: impl Into<String>, op: Op) -> anyhow::Error {
    let action = action.into();
    let hinted = match (&err, err.status()) {
        (_, Some(401)) => UserError::new(format!("{action}: the server refused the token (401)")).hint(
            format!(
                "the token is missing, expired or wrong: run `cnbcargo login` again, or set `{}`",
                env::CNB_TOKEN
            ),
        ),
        (_, Some(403)) if op == Op::Delete => {
            let mut e = UserError::new(format!("{action}: the token may not delete packages (403)"))
                .hint("deleting needs a token with the `registry-package-delete:rw` scope and the Administrator role on the registry");
            if env::in_ci() {
                e = e.hint(
                    "a pipeline's `CNB_TOKEN` usually lacks that scope: use a personal access token",
                );
            }
            e
        }
        (_, Some(403)) => UserError::new(format!("{action}: the token lacks a scope or role for this (403)"))
            .hint("reading needs `registry-package:r`, publishing `registry-package:rw`; check the token's scopes and your role"),
        (Error::Status { url, .. }, Some(404)) if url.ends_with("/config.json") => {
            UserError::new(format!("{action}: no registry answers there (404)")).hint(
                "check the index URL's registry path: the registry's page on CNB shows its address",
            )
        }
        (_, Some(404)) => UserError::new(format!("{action}: not found (404)"))
            .hint("check the crate name and version, and the registry path in the index URL"),
        (_, Some(status)) if status >= 500 => UserError::new(action)
            .hint("the server failed; try again later"),
        (Error::Insecure { .. }, _) => UserError::new(action).hint(
            "use the registry's `https://` URL; plain `http://` is only for loopback hosts (127.0.0.1, ::1, localhost)",
        ),
        (Error::TooLarge { .. }, _) => UserError::new(action)
            .hint("no registry answer is that large: check that the URL points at the registry"),
        (Error::Redirect { .. }, _) => UserError::new(action).hint(
            "if you trust the new location, use it directly (in the index URL, `--api-endpoint` or `CNB_API_ENDPOINT`)",
        ),
        (Error::TooManyPages { .. }, _) => UserError::new(action)
            .hint("the server may ignore the `page` parameter; check that the URL points at CNB's API"),
        (Error::RepeatedItem { .. }, _) => UserError::new(action)
            .hint("the list may have changed while it was read: try again; if it happens again, the server ignores the `page` parameter"),
        (Error::Input(_), _) => UserError::new(action),
        (Error::Decode { .. }, _) => UserError::new(action)
            .hint("check that the URL points at the registry (and `CNB_API_ENDPOINT` at CNB's API)"),
        (Error::Transport { kind: TransportKind::Timeout, .. }, _) => UserError::new(action).hint(format!(
            "the server is slow or unreachable; `http.timeout` in cargo's config (or `{}`) sets the timeout in seconds",
            env::CNBCARGO_HTTP_TIMEOUT,
        )),
        (Error::Transport { kind: TransportKind::UntrustedIssuer, .. }, _) => UserError::new(action)
            .hint("if a proxy inspects HTTPS on this network, trust its CA as cargo does: `http.cainfo = \"/path/to/ca.pem\"` under `[http]` in cargo's config (`.cargo/config.toml`), `CARGO_HTTP_CAINFO`, or `SSL_CERT_FILE`; `cnbcargo doctor` shows what is trusted"),
        (Error::Transport { kind: TransportKind::WrongName, .. }, _) => UserError::new(action)
            .hint("check the host in the URL; a proxy that inspects HTTPS may also present its own certificate"),
        (Error::Transport { kind: TransportKind::Tls, .. }, _) => UserError::new(action)
            .hint("a proxy may intercept TLS, and its CA must then be trusted (`http.cainfo` in cargo's config, or `SSL_CERT_FILE`); or the server does not speak https"),
        (Error::Transport { kind: TransportKind::Offline, .. }, _) => UserError::new(action)
            .hint("cargo's `net.offline` is set (or `--offline` was passed): unset it to use the network"),
        (Error::Transport { kind: TransportKind::Refused, .. }, _) => UserError::new(action)
            .hint("nothing answers there: are the host and port right? is a proxy needed?"),
        (Error::Transport { kind: TransportKind::Dns, .. }, _) => UserError::new(action)
            .hint("check the host in the URL and your DNS settings"),
        (Error::Transport { .. }, _) => UserError::new(action)
            .hint("check the network, the proxy variables (`cnbcargo doctor` lists them) and the URL"),
        (Error::Status { .. }, _) => UserError::new(action),
    };
    hinted.caused_by(err).into()
}

/// An index that answered `config.json` with 401 to the run's token
/// (`sparse::ConfigAnswer::Unauthorized`, not a client error).
pub fn index_refused_token(action: &str) -> anyhow::Error {
    UserError::new(format!("{action}: the token was refused (401)"))
        .hint(format!(
            "run `cnbcargo login` again, or set `{}`",
            env::CNB_TOKEN
        ))
        .into()
}

/// Reads of CNB's API with their errors explained, for callers that only
/// pass them on.
pub trait VersionNames {
    /// The version numbers of a crate in the registry.
    fn version_names(&self, name: &str) -> anyhow::Result<Vec<String>>;
}

impl VersionNames for CnbApi<'_> {
    fn version_names(&self, name: &str) -> anyhow::Result<Vec<String>> {
        let tags = self
            .versions(name)
            .map_err(|e| explain(e, format!("cannot list the versions of `{name}`"), Op::Read))?;
        Ok(tags.into_iter().map(|t| t.name).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Error {
        Error::Status {
            method: reqwest::Method::PUT,
            url: "https://x.example/api/v1/crates/new".into(),
            status: code,
            detail: None,
        }
    }

    fn hint(err: Error, op: Op) -> String {
        UserError::first_hint(&explain(err, "cannot do it", op)).unwrap()
    }

    #[test]
    fn a_refusal_is_explained_for_what_was_asked() {
        // Only deleting needs a scope of its own; every other op names
        // the read and publish scopes.
        let delete = hint(status(403), Op::Delete);
        assert!(delete.contains("registry-package-delete:rw"), "{delete}");
        for op in [Op::Read, Op::Check, Op::Upload, Op::Yank] {
            let other = hint(status(403), op);
            assert!(
                other.starts_with("reading needs `registry-package:r`"),
                "{other}"
            );
        }
        let err = explain(status(401), "cannot do it", Op::Upload).to_string();
        assert_eq!(err, "cannot do it: the server refused the token (401)");
    }

    #[test]
    fn transport_kinds_keep_their_wording_and_hints() {
        let transport = |kind| Error::Transport {
            url: "https://x.example/".into(),
            kind,
            source: None,
        };
        assert_eq!(
            transport(TransportKind::Timeout).to_string(),
            "could not reach `https://x.example/` (timed out)"
        );
        assert_eq!(
            transport(TransportKind::Dns).to_string(),
            "could not reach `https://x.example/` (the host name does not resolve (DNS))"
        );
        assert!(hint(transport(TransportKind::Timeout), Op::Read).contains("http.timeout"));
        assert!(hint(transport(TransportKind::UntrustedIssuer), Op::Read).contains("http.cainfo"));
        assert!(hint(transport(TransportKind::Offline), Op::Read).contains("net.offline"));
        assert!(hint(transport(TransportKind::Other), Op::Read).contains("proxy variables"));
    }
}
