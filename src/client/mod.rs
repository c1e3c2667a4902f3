//! The one HTTP client for registries: cargo's sparse index
//! ([`sparse`]), CNB's OpenAPI ([`cnb`]) and, later, cargo's Web API.
//!
//! Everything a hostile or broken server could abuse is handled here, once:
//! - URLs are built with `url`, path segments percent-encoded; endpoints with
//!   a query, a fragment or user info are refused (`registry_url::check_endpoint`).
//! - A token is attached only to `https://` or to loopback `http://`.
//! - Redirects are followed only within the same origin, so a token never
//!   follows one to another host or port.
//! - Every body is read with a cap ([`Limit`]); past it the read stops with
//!   an error instead of filling memory.
//! - Idempotent requests are retried, boundedly, with backoff.
//! - cargo's network settings apply as they do to cargo: `http.cainfo` and
//!   the system's certificates ([`tls`]), `http.proxy`, `http.timeout`,
//!   `net.retry` (read in `settings::network`).
//! - Text from the server is stripped of control characters and of the
//!   token before it reaches an error message.
//!
//! Errors are one type, [`Error`]; callers add what they were doing with
//! `explain::explain`, which also holds every hint about network failures.

pub mod cnb;
mod error;
pub mod network;
pub mod sparse;
pub mod tls;
pub mod webapi;

use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::credentials::{Secret, check_token_chars};
use crate::env;
use crate::error::UserError;
use crate::registry_url::{may_carry_token, redact, redact_text};
use crate::shell;
pub use error::{Error, TransportKind, body_error, err_kind};
pub use network::Network;

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed within one origin before giving up.
const MAX_REDIRECTS: usize = 5;
/// The most of a server's own words shown in a message.
const MAX_DETAIL_CHARS: usize = 300;

/// The most cnbcargo reads of one kind of answer. Real answers are far
/// smaller; the caps only stop a broken or hostile server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub what: &'static str,
}

/// `config.json` is a few hundred bytes.
pub const INDEX_CONFIG: Limit = Limit {
    bytes: 1 << 20,
    what: "an index's `config.json`",
};
/// crates.io's largest index files are a few MiB; cnbcargo streams them
/// line by line, so this bounds time, not memory.
pub const INDEX_FILE: Limit = Limit {
    bytes: 64 << 20,
    what: "a crate's index file",
};
/// One line of an index file (one version).
pub const INDEX_LINE: Limit = Limit {
    bytes: 1 << 20,
    what: "one line of an index file",
};
/// A page of 100 items of CNB's API is tens of KiB.
pub const API_PAGE: Limit = Limit {
    bytes: 4 << 20,
    what: "a page of the CNB API",
};
/// Error answers are read this far and the rest is dropped.
pub const ERROR_BODY: Limit = Limit {
    bytes: 64 << 10,
    what: "an error answer",
};

/// Characters left alone in a path segment; everything else, `+` and `/`
/// included, is percent-encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `base` with `segments` appended, each percent-encoded so that a name or
/// version cannot change the path, and `query` set.
pub fn url_with_segments<'s>(
    base: &Url,
    segments: impl IntoIterator<Item = &'s str>,
    query: &[(&str, &str)],
) -> Result<Url, Error> {
    let mut path = base.path().trim_end_matches('/').to_string();
    for segment in segments {
        // Dot segments would be resolved away, encoded or not.
        if matches!(segment, "" | "." | "..") {
            return Err(Error::Input(format!(
                "`{segment}` cannot be part of a request path"
            )));
        }
        path.push('/');
        path.push_str(&percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string());
    }
    let mut url = base.clone();
    url.set_path(&path);
    url.set_query(None);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

/// The whole-request timeout: `CNBCARGO_HTTP_TIMEOUT` seconds when set
/// (slow links, and tests that must not wait 30 s), else cargo's
/// `http.timeout` (30 s by default).
pub fn request_timeout(net: &Network) -> Duration {
    env::var_non_empty(env::CNBCARGO_HTTP_TIMEOUT)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map_or(net.timeout(), Duration::from_secs_f64)
}

/// How a token is sent.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    /// cargo's way: the token as the whole `Authorization` value.
    Raw(&'a Secret),
    /// CNB's API: `Bearer <token>`.
    Bearer(&'a Secret),
}

impl<'a> Auth<'a> {
    fn secret(&self) -> Option<&'a Secret> {
        match self {
            Auth::None => None,
            Auth::Raw(s) | Auth::Bearer(s) => Some(s),
        }
    }
}

/// One request, as the client sends it.
pub struct Call<'a> {
    pub method: Method,
    pub url: Url,
    pub auth: Auth<'a>,
    pub headers: &'a [(&'static str, &'static str)],
    /// Retried on connection errors, timeouts, 429 and 5xx.
    pub idempotent: bool,
    /// Shorter than the client's timeout, for checks that must be quick.
    pub timeout: Option<Duration>,
    /// The body, in parts sent one after the other. Shared rather than
    /// copied into each attempt: a `.crate` copied between registries is
    /// held once, whatever its size, next to the small header before it.
    pub body: Option<std::sync::Arc<Vec<Vec<u8>>>>,
}

impl<'a> Call<'a> {
    pub fn get(url: Url, auth: Auth<'a>) -> Call<'a> {
        Call {
            method: Method::GET,
            url,
            auth,
            headers: &[],
            idempotent: true,
            timeout: None,
            body: None,
        }
    }
}

/// Reads a shared body's parts from the start, for one attempt.
struct SharedReader {
    parts: std::sync::Arc<Vec<Vec<u8>>>,
    part: usize,
    at: usize,
}

impl Read for SharedReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(part) = self.parts.get(self.part) {
            let rest = &part[self.at.min(part.len())..];
            if rest.is_empty() {
                self.part += 1;
                self.at = 0;
                continue;
            }
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.at += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// An answer whose body is still to be read.
pub struct Answer<'a> {
    response: Response,
    /// When reading the body must have ended: the HTTP library's timeout
    /// applies to each read, so a server trickling bytes would otherwise
    /// hold a read open for ever.
    deadline: Instant,
    pub url: Url,
    pub method: Method,
    /// How many times the request was sent.
    pub attempts: u32,
    secret: Option<&'a Secret>,
}

impl Answer<'_> {
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The body as a reader that stops at the deadline.
    pub fn reader(self) -> impl Read {
        DeadlineReader {
            inner: self.response,
            deadline: self.deadline,
        }
    }

    /// The whole body, at most `limit`: past it, an error.
    pub fn bytes(self, limit: Limit) -> Result<Vec<u8>, Error> {
        let url = redact(&self.url);
        let too_large = || Error::TooLarge {
            url: url.clone(),
            limit,
        };
        // A declared length past the cap needs no reading at all.
        if self.content_length().is_some_and(|len| len > limit.bytes) {
            return Err(too_large());
        }
        let capacity = self.content_length().unwrap_or(8 << 10).min(limit.bytes) as usize;
        let mut body = Vec::with_capacity(capacity);
        self.reader()
            .take(limit.bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| body_error(e, &url))?;
        if body.len() as u64 > limit.bytes {
            return Err(too_large());
        }
        Ok(body)
    }

    /// For a status that is not success: the error, with the server's own
    /// words (cleaned, the token scrubbed) when it gave any.
    pub fn into_error(self) -> Error {
        let status = self.status().as_u16();
        let method = self.method.clone();
        let url = redact(&self.url);
        if self.status().is_redirection() {
            let location = self
                .headers()
                .get(header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            return Error::Redirect {
                url,
                location: server_text(&redact_text(&location), self.secret),
            };
        }
        let secret = self.secret;
        let mut body = Vec::new();
        let _ = self.reader().take(ERROR_BODY.bytes).read_to_end(&mut body);
        Error::Status {
            method,
            url,
            status,
            detail: error_detail(&body).map(|d| server_text(&d, secret)),
        }
    }

    /// Only the status, for a check that learns from it (a redirect that
    /// was not followed is an error); the body is read a little, so the
    /// connection can be reused.
    pub fn status_only(self) -> Result<u16, Error> {
        let status = self.status();
        if status.is_redirection() {
            return Err(self.into_error());
        }
        let _ = self.bytes(ERROR_BODY);
        Ok(status.as_u16())
    }

    /// The body when the status is a success, else the error.
    pub fn success_bytes(self, limit: Limit) -> Result<Vec<u8>, Error> {
        if self.status().is_success() {
            self.bytes(limit)
        } else {
            Err(self.into_error())
        }
    }
}

/// What a server says in an error body: CNB's `errmsg`, cargo's
/// `errors[].detail`, or `message`.
fn error_detail(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = value
        .get("errmsg")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| {
            let details: Vec<&str> = value
                .get("errors")?
                .as_array()?
                .iter()
                .filter_map(|e| e.get("detail")?.as_str())
                .collect();
            (!details.is_empty()).then(|| details.join("; "))
        })
        .or_else(|| value.get("message")?.as_str().map(str::to_string))?;
    (!text.trim().is_empty()).then_some(text)
}

/// A `Decode` error whose reason may quote the server (serde quotes the
/// value it did not expect), so it is cleaned and the token scrubbed.
pub fn decode_error(url: &Url, reason: impl std::fmt::Display, secret: Option<&Secret>) -> Error {
    Error::Decode {
        url: redact(url),
        reason: server_text(&reason.to_string(), secret),
    }
}

/// Server text made fit for a message: one line, no control characters,
/// the token (should the server echo it) replaced, and shortened.
pub fn server_text(text: &str, secret: Option<&Secret>) -> String {
    let mut text = shell::clean_line(text);
    if let Some(secret) = secret
        && !secret.expose().is_empty()
    {
        text = text.replace(secret.expose(), "***");
    }
    let text = text.trim();
    if text.chars().count() > MAX_DETAIL_CHARS {
        format!(
            "{}...",
            text.chars().take(MAX_DETAIL_CHARS).collect::<String>()
        )
    } else {
        text.to_string()
    }
}

/// A reader that fails with a timeout once its deadline has passed.
struct DeadlineReader<R> {
    inner: R,
    deadline: Instant,
}

impl<R: Read> Read for DeadlineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if Instant::now() > self.deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the answer took longer than the timeout",
            ));
        }
        self.inner.read(buf)
    }
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
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_BACKOFF))
}

/// What the transport tells about its work, for whoever shows it (the
/// `Shell`, in a run): the client itself never writes to the terminal.
pub trait Trace: Send + Sync {
    /// A request about to be sent (`-vv`).
    fn request(&self, line: &str);
    /// Something the transport did on its own, such as a retry (`-v`).
    fn note(&self, line: &str);
}

/// Tells nothing: for clients made outside a run's `Context`.
struct Silent;

impl Trace for Silent {
    fn request(&self, _: &str) {}
    fn note(&self, _: &str) {}
}

/// The HTTP client: one per run, shared by every request.
#[derive(Clone)]
pub struct Http {
    trace: std::sync::Arc<dyn Trace>,
    client: Client,
    timeout: Duration,
    /// The timeout when the user set one, rather than the default.
    configured_timeout: Option<Duration>,
    retries: u32,
    offline: bool,
    trust: std::sync::Arc<tls::TrustReport>,
}

impl Http {
    /// The client with cargo's network settings: its trust (`http.cainfo`
    /// and the system's certificates), proxy, timeout and retries.
    pub fn new(net: &Network) -> anyhow::Result<Http> {
        let timeout = request_timeout(net);
        let trust = tls::trust(net.cainfo.as_ref())?;
        let mut builder = Client::builder()
            .user_agent(concat!("cnbcargo/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same_origin = attempt
                    .previous()
                    .first()
                    .is_some_and(|first| first.origin() == attempt.url().origin());
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if same_origin {
                    attempt.follow()
                } else {
                    // Handed back as the 3xx answer, which becomes `Error::Redirect`.
                    attempt.stop()
                }
            }))
            .use_preconfigured_tls(trust.config)
            // Proxies come from `env`, the one place variables are read.
            .no_proxy();
        for proxy in proxies(net)? {
            builder = builder.proxy(proxy);
        }
        let client = builder.build().map_err(|e| {
            UserError::new("cannot set up the HTTP client").caused_by(e.without_url())
        })?;
        let configured_timeout = (env::var_non_empty(env::CNBCARGO_HTTP_TIMEOUT).is_some()
            || net.timeout.is_some())
        .then_some(timeout);
        Ok(Http {
            trace: std::sync::Arc::new(Silent),
            client,
            timeout,
            configured_timeout,
            retries: net.retries(),
            offline: net.offline().is_some(),
            trust: std::sync::Arc::new(trust.report),
        })
    }

    /// The client telling `trace` what it does.
    pub fn with_trace(mut self, trace: impl Trace + 'static) -> Http {
        self.trace = std::sync::Arc::new(trace);
        self
    }

    pub fn trace(&self) -> &dyn Trace {
        &*self.trace
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The timeout the user set (`CNBCARGO_HTTP_TIMEOUT`, `http.timeout`),
    /// for checks that otherwise take a shorter one of their own.
    pub fn configured_timeout(&self) -> Option<Duration> {
        self.configured_timeout
    }

    /// Where the trusted certificates came from.
    pub fn trust(&self) -> &tls::TrustReport {
        &self.trust
    }

    fn build(&self, call: &Call<'_>) -> RequestBuilder {
        let mut request = self.client.request(call.method.clone(), call.url.clone());
        for (name, value) in call.headers {
            request = request.header(*name, *value);
        }
        if let Some(timeout) = call.timeout {
            request = request.timeout(timeout);
        }
        if let Some(parts) = &call.body {
            let len = parts.iter().map(|p| p.len() as u64).sum();
            request = request.body(reqwest::blocking::Body::sized(
                SharedReader {
                    parts: parts.clone(),
                    part: 0,
                    at: 0,
                },
                len,
            ));
        }
        match call.auth {
            Auth::None => request,
            Auth::Raw(token) => match header::HeaderValue::from_str(token.expose()) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    request.header(header::AUTHORIZATION, value)
                }
                // `send` refuses such tokens before building a request.
                Err(_) => request,
            },
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
        }
    }

    /// Sends a request; an idempotent one is sent again on connection
    /// errors, timeouts, 429 and 5xx, at most `net.retry` times. The
    /// answer's body is left to read with a cap.
    pub fn send<'a>(&self, call: Call<'a>) -> Result<Answer<'a>, Error> {
        let shown = redact(&call.url);
        if call.auth.secret().is_some() && !may_carry_token(&call.url) {
            return Err(Error::Insecure { url: shown });
        }
        if let Some(secret) = call.auth.secret() {
            // A token that cannot be a header value would fail inside the
            // HTTP library with a message about a "builder error".
            if check_token_chars(secret.expose()).is_err() {
                return Err(Error::Decode {
                    url: shown,
                    reason: "the token holds characters that cannot be sent".into(),
                });
            }
        }
        if self.offline {
            return Err(Error::Transport {
                url: shown,
                kind: TransportKind::Offline,
                source: None,
            });
        }
        self.trace.request(&format!("{} {shown}", call.method));
        let timeout = call.timeout.unwrap_or(self.timeout);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = self.build(&call).send();
            let retry = match &result {
                Ok(response) if retryable_status(response.status()) => {
                    Some(retry_after(response).unwrap_or(backoff))
                }
                Err(err) if retryable_error(err) => Some(backoff),
                _ => None,
            };
            match retry {
                Some(wait) if call.idempotent && attempt <= self.retries => {
                    let why = match &result {
                        Ok(response) => format!("status {}", response.status().as_u16()),
                        Err(err) => err_kind(err).to_string(),
                    };
                    self.trace.note(&format!(
                        "{} {shown}: {why}; retrying in {} ms ({attempt}/{})",
                        call.method,
                        wait.as_millis(),
                        self.retries
                    ));
                    std::thread::sleep(wait);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                _ => {
                    return match result {
                        Ok(response) => Ok(Answer {
                            response,
                            deadline: started + timeout,
                            url: call.url,
                            method: call.method,
                            attempts: attempt,
                            secret: call.auth.secret(),
                        }),
                        Err(source) => Err(Error::Transport {
                            url: shown,
                            kind: err_kind(&source),
                            source: Some(source.without_url()),
                        }),
                    };
                }
            }
        }
    }
}

/// cargo's `http.proxy` when set (it wins, as for cargo), else the
/// standard variables, read through `env`.
fn proxies(net: &Network) -> anyhow::Result<Vec<reqwest::Proxy>> {
    // Loopback never goes through a proxy: a token that may travel over
    // plain http to this machine must not travel to a proxy elsewhere.
    let mut bypass = String::from("localhost,127.0.0.0/8,::1");
    if let Some((_, value)) = env::first_of(&env::NO_PROXY) {
        bypass.push(',');
        bypass.push_str(&value);
    }
    let no_proxy = reqwest::NoProxy::from_string(&bypass);
    if let Some(proxy) = &net.proxy {
        if proxy.value.is_empty() {
            return Ok(Vec::new());
        }
        let parsed = reqwest::Proxy::all(&proxy.value).map_err(|_| {
            UserError::new(format!(
                "`http.proxy` ({}) is not a proxy URL: `{}`",
                proxy.origin,
                shell::clean_line(&redact_text(&proxy.value))
            ))
            .hint("write it as `host:port`, `http://host:port` or `socks5h://host:port`, as cargo takes it")
        })?;
        return Ok(vec![parsed.no_proxy(no_proxy)]);
    }
    let mut out = Vec::new();
    let wanted = [
        (env::first_of(&env::HTTPS_PROXY), "https"),
        (env::first_of(&env::HTTP_PROXY), "http"),
        (env::first_of(&env::ALL_PROXY), "all"),
    ];
    for (found, scheme) in wanted {
        let Some((name, value)) = found else { continue };
        let proxy = match scheme {
            "https" => reqwest::Proxy::https(&value),
            "http" => reqwest::Proxy::http(&value),
            _ => reqwest::Proxy::all(&value),
        }
        .map_err(|_| {
            UserError::new(format!(
                "`{name}` is not a proxy URL: `{}`",
                shell::clean_line(&redact_text(&value))
            ))
            .hint(format!("fix or unset `{name}`"))
        })?;
        out.push(proxy.no_proxy(no_proxy.clone()));
    }
    Ok(out)
}

/// One page of a paged list, with the list's length when the answer
/// says it (`meta.total` of cargo's search API).
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page whose answer does not say how long the list is.
    pub fn of(items: Vec<T>) -> Page<T> {
        Page { items, total: None }
    }
}

/// Pages through a list from page 1: `fetch(page)` returns one page, or
/// `None` when there is no such list (or, past page 1, no such page).
///
/// The page size asked for is not trusted: a server may cap it (CNB's
/// default is 10 and its maximum is not documented) or ignore it, so a
/// short page does not end the list, nor is a long one refused. The list
/// ends at an empty page, or once it holds the total the answer reports:
/// one request past the last page at most. An item whose `key` was seen
/// before means the server ignores `page` (or the list moved while it was
/// read): an error, as is a list still going after `max_pages`; never a
/// loop or a silently cut list.
pub fn paginate<T>(
    url: &Url,
    max_pages: usize,
    key: impl Fn(&T) -> &str,
    mut fetch: impl FnMut(usize) -> Result<Option<Page<T>>, Error>,
) -> Result<Vec<T>, Error> {
    let mut items = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for page in 1..=max_pages {
        let Some(batch) = fetch(page)? else {
            return Ok(items);
        };
        if batch.items.is_empty() {
            return Ok(items);
        }
        for item in batch.items {
            if !seen.insert(key(&item).to_string()) {
                return Err(Error::RepeatedItem {
                    url: redact(url),
                    page,
                    item: server_text(key(&item), None),
                    items: items.len(),
                });
            }
            items.push(item);
        }
        if batch.total.is_some_and(|total| items.len() as u64 >= total) {
            return Ok(items);
        }
    }
    Err(Error::TooManyPages {
        url: redact(url),
        pages: max_pages,
        items: items.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_cleaned_and_scrubbed() {
        let secret = Secret::new("tok123".into());
        assert_eq!(
            server_text("\x1b[2Jbad token tok123\nhint: x", Some(&secret)),
            "bad token *** hint: x"
        );
        assert!(server_text(&"x".repeat(1000), None).len() < 400);
    }

    #[test]
    fn error_details() {
        assert_eq!(
            error_detail(br#"{"errcode":1,"errmsg":"nope"}"#).as_deref(),
            Some("nope")
        );
        assert_eq!(
            error_detail(br#"{"errors":[{"detail":"a"},{"detail":"b"}]}"#).as_deref(),
            Some("a; b")
        );
        assert_eq!(error_detail(b"<html>"), None);
    }

    /// A server holding `items` that sends at most `cap` a page, whatever
    /// is asked, and counts the requests.
    fn capped(
        items: &[String],
        cap: usize,
    ) -> impl FnMut(usize) -> Result<Option<Page<String>>, Error> {
        move |page| {
            let batch = items.iter().skip((page - 1) * cap).take(cap).cloned();
            Ok(Some(Page::of(batch.collect())))
        }
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("0.{i}.0")).collect()
    }

    fn counted<T>(
        calls: &mut usize,
        mut fetch: impl FnMut(usize) -> Result<Option<Page<T>>, Error>,
    ) -> impl FnMut(usize) -> Result<Option<Page<T>>, Error> {
        move |page| {
            *calls += 1;
            fetch(page)
        }
    }

    #[test]
    fn pagination_reads_everything_whatever_the_page_size() {
        let url = Url::parse("https://x.example/").unwrap();
        let all = names(45);
        for (cap, pages) in [(10, 5), (20, 3), (45, 1), (50, 1), (100, 1), (1, 45)] {
            let mut calls = 0;
            let got = paginate(
                &url,
                1000,
                String::as_str,
                counted(&mut calls, capped(&all, cap)),
            );
            assert_eq!(got.unwrap(), all, "cap {cap}");
            // The pages with items, and one empty page to end the list.
            assert_eq!(calls, pages + 1, "cap {cap}");
        }
        // A list that fills its last page exactly.
        let forty = names(40);
        let mut calls = 0;
        let got = paginate(
            &url,
            1000,
            String::as_str,
            counted(&mut calls, capped(&forty, 20)),
        );
        assert_eq!((got.unwrap().len(), calls), (40, 3));
        let mut calls = 0;
        let got = paginate(
            &url,
            1000,
            String::as_str,
            counted(&mut calls, capped(&[], 20)),
        );
        assert_eq!((got.unwrap().len(), calls), (0, 1));
    }

    #[test]
    fn pagination_stops_at_a_reported_total() {
        let url = Url::parse("https://x.example/").unwrap();
        let all = names(45);
        let mut calls = 0;
        let mut serve = capped(&all, 20);
        let got = paginate(&url, 1000, String::as_str, |page| {
            calls += 1;
            Ok(serve(page)?.map(|p| Page {
                total: Some(45),
                ..p
            }))
        });
        assert_eq!((got.unwrap().len(), calls), (45, 3));
    }

    #[test]
    fn pagination_ends_at_an_empty_page_or_404() {
        let url = Url::parse("https://x.example/").unwrap();
        // Everything on page 1 whatever was asked, nothing after.
        let all = names(300);
        let got = paginate(&url, 10, String::as_str, |page| {
            Ok(Some(Page::of(if page == 1 { all.clone() } else { vec![] })))
        });
        assert_eq!(got.unwrap().len(), 300);
        let ended_by_404 = paginate(&url, 10, String::as_str, |page| {
            Ok((page < 3).then(|| Page::of(vec![format!("{page}a"), format!("{page}b")])))
        });
        assert_eq!(ended_by_404.unwrap(), ["1a", "1b", "2a", "2b"]);
    }

    #[test]
    fn pagination_never_loops_nor_cuts_silently() {
        let url = Url::parse("https://x.example/").unwrap();
        let all = names(45);
        // A server that ignores `page`: page 2 is page 1 again.
        let mut calls = 0;
        let repeated = paginate(&url, 1000, String::as_str, |_| {
            calls += 1;
            Ok(Some(Page::of(all[..20].to_vec())))
        });
        match repeated {
            Err(Error::RepeatedItem {
                page, item, items, ..
            }) => {
                assert_eq!((page, item.as_str(), items), (2, "0.0.0", 20))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(calls, 2);
        // The list moved by one while it was read.
        let shifted = paginate(&url, 1000, String::as_str, |page| {
            let start = (page - 1) * 19;
            Ok(Some(Page::of(
                all.iter().skip(start).take(20).cloned().collect(),
            )))
        });
        assert!(
            matches!(
                shifted,
                Err(Error::RepeatedItem {
                    page: 2,
                    items: 20,
                    ..
                })
            ),
            "{shifted:?}"
        );
        let twice = paginate(&url, 1000, String::as_str, |_| {
            Ok(Some(Page::of(vec![
                "1.0.0".to_string(),
                "1.0.0".to_string(),
            ])))
        });
        assert!(matches!(
            twice,
            Err(Error::RepeatedItem {
                page: 1,
                items: 1,
                ..
            })
        ));
        let endless = paginate(&url, 10, String::as_str, |page| {
            Ok(Some(Page::of(vec![format!("{page}a"), format!("{page}b")])))
        });
        assert!(matches!(
            endless,
            Err(Error::TooManyPages {
                pages: 10,
                items: 20,
                ..
            })
        ));
    }
}
