//! The client's one error type, and the names of the ways a request
//! fails before any answer.

use reqwest::Method;

use super::Limit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not reach `{url}` ({kind})")]
    Transport {
        url: String,
        kind: TransportKind,
        #[source]
        source: Option<reqwest::Error>,
    },
    #[error("`{method} {url}` answered {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Status {
        method: Method,
        url: String,
        status: u16,
        /// The server's own words (`errmsg`, `detail`), cleaned.
        detail: Option<String>,
    },
    #[error("the answer from `{url}` is larger than {}, the most cnbcargo reads for {}", human_bytes(limit.bytes), limit.what)]
    TooLarge { url: String, limit: Limit },
    #[error("`{url}` redirects to `{location}`, another origin; cnbcargo does not follow it")]
    Redirect { url: String, location: String },
    #[error(
        "refusing to send a token to `{url}` over plain `http://`: it would travel in clear to a host that is not this machine"
    )]
    Insecure { url: String },
    #[error("unexpected answer from `{url}`: {reason}")]
    Decode { url: String, reason: String },
    /// A request cnbcargo refuses to build (a dot segment in a path).
    #[error("{0}")]
    Input(String),
    #[error(
        "`{url}` still had more after {pages} pages ({items} items); stopped rather than work on a partial list"
    )]
    TooManyPages {
        url: String,
        pages: usize,
        items: usize,
    },
    #[error(
        "`{url}` listed `{item}` again on page {page}, after {items} items; stopped rather than work on a partial list"
    )]
    RepeatedItem {
        url: String,
        page: usize,
        item: String,
        items: usize,
    },
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// A failure while reading a body: the reqwest error inside, when there
/// is one, says whether it timed out.
pub fn body_error(err: std::io::Error, url: &str) -> Error {
    let kind = err.kind();
    if kind == std::io::ErrorKind::TimedOut {
        return Error::Transport {
            url: url.to_string(),
            kind: TransportKind::Timeout,
            source: None,
        };
    }
    match err.into_inner().map(|e| e.downcast::<reqwest::Error>()) {
        Some(Ok(inner)) => Error::Transport {
            url: url.to_string(),
            kind: err_kind(&inner),
            source: Some(inner.without_url()),
        },
        _ => Error::Decode {
            url: url.to_string(),
            reason: format!("broken response body ({kind})"),
        },
    }
}

/// How a request failed before any answer: named, so that a message
/// says what to fix and `explain` picks the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Timeout,
    /// The certificate's issuer is not trusted here (an inspecting proxy).
    UntrustedIssuer,
    /// The certificate is for another host name.
    WrongName,
    CertificateExpired,
    CertificateInvalid,
    /// TLS failed some other way.
    Tls,
    /// cargo's `net.offline` is set.
    Offline,
    Dns,
    Refused,
    Connect,
    TooManyRedirects,
    Body,
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::UntrustedIssuer => {
                "TLS failed: its certificate is issued by an authority this machine does not trust"
            }
            TransportKind::WrongName => {
                "TLS failed: its certificate is not valid for this host name"
            }
            TransportKind::CertificateExpired => "TLS failed: its certificate has expired",
            TransportKind::CertificateInvalid => "TLS failed: its certificate is not valid",
            TransportKind::Tls => "TLS failed",
            TransportKind::Offline => "cargo is offline",
            TransportKind::Dns => "the host name does not resolve (DNS)",
            TransportKind::Refused => "connection refused",
            TransportKind::Connect => "connection failed",
            TransportKind::TooManyRedirects => "too many redirects",
            TransportKind::Body => "broken response body",
            TransportKind::Other => "request failed",
        })
    }
}

/// A short name for a transport failure, for messages: the usual ways a
/// request fails are named, so the message says what to fix.
pub fn err_kind(err: &reqwest::Error) -> TransportKind {
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(cause) = source {
        // A certificate error is typed: matched on the type, not on words.
        // `io::Error::source` skips the error it wraps: look inside too.
        let tls = cause.downcast_ref::<rustls::Error>().or_else(|| {
            cause
                .downcast_ref::<std::io::Error>()?
                .get_ref()?
                .downcast_ref::<rustls::Error>()
        });
        if let Some(kind) = tls.and_then(certificate_kind) {
            return kind;
        }
        chain.push_str(&cause.to_string().to_lowercase());
        chain.push(' ');
        source = cause.source();
    }
    if err.is_timeout() {
        TransportKind::Timeout
    } else if chain.contains("unknownissuer") {
        TransportKind::UntrustedIssuer
    } else if chain.contains("notvalidforname") {
        TransportKind::WrongName
    } else if ["certificate", "tls", "handshake", "corrupt message"]
        .iter()
        .any(|k| chain.contains(k))
    {
        TransportKind::Tls
    } else if ["dns", "failed to lookup", "name or service not known"]
        .iter()
        .any(|k| chain.contains(k))
    {
        TransportKind::Dns
    } else if chain.contains("refused") {
        TransportKind::Refused
    } else if err.is_connect() {
        TransportKind::Connect
    } else if err.is_redirect() {
        TransportKind::TooManyRedirects
    } else if err.is_decode() || err.is_body() {
        TransportKind::Body
    } else {
        TransportKind::Other
    }
}

/// The certificate failures worth a message of their own.
fn certificate_kind(err: &rustls::Error) -> Option<TransportKind> {
    use rustls::CertificateError as C;
    match err {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => Some(TransportKind::UntrustedIssuer),
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => Some(TransportKind::WrongName),
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            Some(TransportKind::CertificateExpired)
        }
        rustls::Error::InvalidCertificate(_) => Some(TransportKind::CertificateInvalid),
        _ => None,
    }
}
