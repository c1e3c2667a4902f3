//! Asking a registry about a token before cargo stores it: does the index
//! accept it, and may it read, publish and delete?
//!
//! No registry says what a token may do, so each right is probed with a
//! request that cannot change anything: the version in it,
//! `PROBE_VERSION`, is not a semver version, so no registry can hold it.
//! A server that checks rights first answers 403 when the token lacks the
//! right, and 404 (or 400) when it has it: the request got past the check
//! and found nothing to act on. That order is an assumption (CNB does not
//! document it), so a 404 counts only where it can mean nothing else: the
//! read check must get a real answer (2xx), and the delete check's 404
//! counts only when CNB's API answered the read check (so the endpoint and
//! the registry path are right). Anything else leaves the right unknown.

use std::time::Duration;

use url::Url;

use crate::client::cnb::CnbApi;
use crate::client::sparse::{ConfigAnswer, SparseIndex};
use crate::client::webapi::WebApi;
use crate::client::{self, Http};
use crate::credentials::Secret;
use crate::error::UserError;
use crate::explain::{Op, explain};
use crate::registry_url::IndexUrl;

/// The crate and version the probes name: a valid crate name with a
/// version no registry can hold.
pub const PROBE_CRATE: &str = "cnbcargo-token-check";
pub const PROBE_VERSION: &str = "token-check";

/// What each probe may take by default: a login should not hang on a slow
/// server. A timeout the user set (`http.timeout`, `CNBCARGO_HTTP_TIMEOUT`)
/// applies instead, as the timeout hint says.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// One right of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Right {
    Granted,
    Denied,
    /// The answer did not tell; the reason, for a note.
    Unknown(String),
    /// Not asked: the registry has no API for it; the reason, for `-v`.
    NotAsked(String),
}

/// What the registry said about a token.
#[derive(Debug)]
pub struct Report {
    /// The index answered `config.json` with the token.
    pub index_checked: bool,
    /// The index answers without a token too, so accepting it proves little.
    pub index_public: bool,
    pub read: Right,
    pub publish: Right,
    pub delete: Right,
}

impl Report {
    /// The rights granted, for the summary line: `read, publish, delete`.
    pub fn granted(&self) -> Vec<&'static str> {
        [
            ("read", &self.read),
            ("publish", &self.publish),
            ("delete", &self.delete),
        ]
        .into_iter()
        .filter(|(_, r)| **r == Right::Granted)
        .map(|(name, _)| name)
        .collect()
    }
}

/// Where to probe: the index, and CNB's API when it is known.
pub struct Registry<'a> {
    pub name: &'a str,
    /// `None` for an index that is not sparse (git): it cannot be asked.
    pub index: Option<&'a IndexUrl>,
    /// CNB's API for the registry, used with the token being checked.
    pub api: Option<CnbApi<'a>>,
}

/// Checks `token` against the registry. A token the registry refuses (401,
/// or 403 on the index) is an error, and so is an index that cannot be
/// reached: the caller stores nothing then.
pub fn check(http: &Http, registry: &Registry, token: &Secret) -> anyhow::Result<Report> {
    let Some(index) = registry.index else {
        return Ok(Report {
            index_checked: false,
            index_public: false,
            read: Right::NotAsked("the index is not a sparse index".into()),
            publish: Right::NotAsked("the index is not a sparse index".into()),
            delete: Right::NotAsked("the index is not a sparse index".into()),
        });
    };
    let probe_timeout = Some(http.configured_timeout().unwrap_or(PROBE_TIMEOUT));
    let sparse = SparseIndex::new(http, index.clone(), Some(token.clone()));
    let on_index = format!("the index of `{}`", registry.name);
    let config = match sparse.config(true, probe_timeout) {
        Ok(ConfigAnswer::Config(config)) => config,
        Ok(ConfigAnswer::Unauthorized { .. }) => return Err(rejected(registry, &on_index, 401)),
        Err(e) if e.status() == Some(403) => return Err(rejected(registry, &on_index, 403)),
        Err(e) => {
            return Err(UserError::new("the token was not checked, and nothing was stored")
                .hint("pass `--no-verify-token` to store it without this check (cargo still reads the index's `config.json`)")
                .caused_by(explain(
                    e,
                    format!("cannot ask the index of `{}` about the token", registry.name),
                    Op::Check,
                ))
                .into());
        }
    };
    // The publish probe goes to the Web API `config.json` names.
    let web_api = config
        .api
        .as_deref()
        .and_then(|api| Url::parse(api).ok())
        .filter(crate::registry_url::may_carry_token)
        .map(|api| WebApi::new(http, api, token.clone()));
    let (read, publish, delete) = rights(registry.api.as_ref(), web_api.as_ref(), probe_timeout);
    let read = read.map_err(|s| rejected(registry, "CNB's API", s))?;
    let publish = publish.map_err(|s| rejected(registry, "the registry's Web API", s))?;
    let mut delete = delete.map_err(|s| rejected(registry, "CNB's API", s))?;
    if delete == Right::Granted && read != Right::Granted {
        delete = Right::Unknown(
            "CNB's API gave no package list, so its answer to the delete check says nothing".into(),
        );
    }
    Ok(Report {
        index_checked: true,
        index_public: !config.auth_required,
        read,
        publish,
        delete,
    })
}

/// A probe's answer: the right, or the status of a refused token.
type Probed = Result<Right, u16>;

/// The three rights, asked side by side: read and delete on CNB's API,
/// publish on the Web API.
fn rights(
    cnb: Option<&CnbApi<'_>>,
    web: Option<&WebApi<'_>>,
    probe_timeout: Option<Duration>,
) -> (Probed, Probed, Probed) {
    let no_cnb = || {
        Ok(Right::NotAsked(
            "CNB's API is not known for this registry".into(),
        ))
    };
    std::thread::scope(|scope| {
        let read = scope.spawn(|| match cnb {
            None => no_cnb(),
            Some(api) => match api.probe(probe_timeout) {
                Ok(()) => Ok(Right::Granted),
                // Only a real list says the token may read.
                Err(e) => match e.status() {
                    Some(401) => Err(401),
                    Some(403) => Ok(Right::Denied),
                    _ => Ok(Right::Unknown(crate::shell::clean_line(&e.to_string()))),
                },
            },
        });
        let delete = scope.spawn(|| match cnb {
            None => no_cnb(),
            Some(api) => match api.probe_delete(PROBE_CRATE, PROBE_VERSION, probe_timeout) {
                Ok(status) => right_from_status(status),
                Err(e) => right_from(e.status(), &e),
            },
        });
        let publish = match web {
            None => Ok(Right::NotAsked(
                "the index's `config.json` names no `https://` Web API".into(),
            )),
            Some(web) => match web.probe_yank(PROBE_CRATE, PROBE_VERSION, probe_timeout) {
                Ok(status) => right_from_status(status),
                Err(e) => right_from(e.status(), &e),
            },
        };
        let join = |h: std::thread::ScopedJoinHandle<'_, Probed>| {
            h.join()
                .unwrap_or_else(|_| Ok(Right::Unknown("the check failed".into())))
        };
        (join(read), publish, join(delete))
    })
}

/// `what` refused the token with `status`: nothing is stored.
fn rejected(registry: &Registry, what: &str, status: u16) -> anyhow::Error {
    let mut err = UserError::new(format!(
        "{what} refused the token ({status}); nothing was stored"
    ))
    .hint("the token may be mistyped, expired or revoked: copy it again, or create a new one");
    if let Some(page) = registry.index.and_then(IndexUrl::token_page) {
        err = err.hint(format!("tokens are created at {page}"));
    }
    if !what.starts_with("the index") {
        // The index took it: cargo could still use it.
        err = err.hint("the index accepted it: `--no-verify-token` stores it without this check");
    }
    err.into()
}

/// A probe's status as a right; `Err(401)` when the token was refused.
fn right_from_status(status: u16) -> Result<Right, u16> {
    match status {
        401 => Err(401),
        403 => Ok(Right::Denied),
        // Past the rights check, nothing found or nothing valid to act on.
        200..=299 | 400 | 404 | 409 | 422 => Ok(Right::Granted),
        other => Ok(Right::Unknown(format!("the registry answered {other}"))),
    }
}

fn right_from(status: Option<u16>, err: &client::Error) -> Result<Right, u16> {
    match status {
        Some(status) => right_from_status(status),
        None => Ok(Right::Unknown(crate::shell::clean_line(&err.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_rights() {
        assert_eq!(right_from_status(403), Ok(Right::Denied));
        assert_eq!(right_from_status(404), Ok(Right::Granted));
        assert_eq!(right_from_status(400), Ok(Right::Granted));
        assert_eq!(right_from_status(401), Err(401));
        assert!(matches!(right_from_status(500), Ok(Right::Unknown(_))));
    }

    #[test]
    fn the_probe_version_is_no_version() {
        assert!(semver::Version::parse(PROBE_VERSION).is_err());
        assert!(crate::spec::validate_crate_name(PROBE_CRATE).is_ok());
    }
}
