//! The HTTP client shared by the CNB API and the sparse index reader:
//! timeouts, and bounded retries with backoff for idempotent requests.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};

use crate::shell::Shell;

/// Attempts for an idempotent request: the first and this many retries.
pub const MAX_RETRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole-request timeout: `CNBCARGO_HTTP_TIMEOUT` seconds when set
/// (slow links, and tests that must not wait 30 s), else 30 s.
pub fn request_timeout() -> Duration {
    crate::env::var_non_empty(crate::env::CNBCARGO_HTTP_TIMEOUT)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map_or(REQUEST_TIMEOUT, Duration::from_secs_f64)
}

pub fn client() -> anyhow::Result<Client> {
    Ok(Client::builder()
        .user_agent(concat!("cnbcargo/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(request_timeout())
        .build()?)
}

fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

fn retryable_error(err: &reqwest::Error) -> bool {
    err.is_connect() || err.is_timeout() || err.is_request()
}

/// How long the server asked us to wait, capped.
fn retry_after(response: &Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_BACKOFF))
}

/// Sends the request that `build` makes; an idempotent one is sent again
/// on connection errors, timeouts, 429 and 5xx, at most `MAX_RETRIES` times.
pub fn send(
    build: impl Fn() -> RequestBuilder,
    idempotent: bool,
    what: &str,
    shell: &Shell,
) -> Result<Response, reqwest::Error> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 0;
    loop {
        let result = build().send();
        let retry = match &result {
            Ok(response) if retryable_status(response.status()) => {
                Some(retry_after(response).unwrap_or(backoff))
            }
            Err(err) if retryable_error(err) => Some(backoff),
            _ => None,
        };
        match retry {
            Some(wait) if idempotent && attempt < MAX_RETRIES => {
                attempt += 1;
                let why = match &result {
                    Ok(response) => format!("status {}", response.status().as_u16()),
                    Err(err) => err_kind(err).to_string(),
                };
                shell.verbose(format!(
                    "{what}: {why}; retrying in {} ms ({attempt}/{MAX_RETRIES})",
                    wait.as_millis()
                ));
                std::thread::sleep(wait);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            _ => return result,
        }
    }
}

/// A short name for a transport failure, for messages.
pub fn err_kind(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_decode() || err.is_body() {
        "broken response body"
    } else {
        "request failed"
    }
}
