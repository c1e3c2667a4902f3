//! A small HTTP/1.1 server on std alone, as cargo's own test suite has:
//! keep-alive, `Content-Length` and chunked bodies, `Expect: 100-continue`.
//! It answers curl's `Upgrade: h2c` attempt in plain HTTP/1.1, which curl
//! accepts (tiny_http, for one, leaves that connection hanging).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    GET,
    PUT,
    POST,
    DELETE,
    HEAD,
    Other(String),
}

impl Method {
    fn parse(text: &str) -> Method {
        match text {
            "GET" => Method::GET,
            "PUT" => Method::PUT,
            "POST" => Method::POST,
            "DELETE" => Method::DELETE,
            "HEAD" => Method::HEAD,
            other => Method::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::GET => "GET",
            Method::PUT => "PUT",
            Method::POST => "POST",
            Method::DELETE => "DELETE",
            Method::HEAD => "HEAD",
            Method::Other(other) => other,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: body.to_string().into_bytes(),
            headers: vec![("Content-Type", "application/json".to_string())],
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Not an answer: the connection is closed instead.
    pub fn reset() -> Reply {
        Reply::empty(0)
    }

    /// cargo's Web API error body.
    pub fn error(status: u16, detail: &str) -> Reply {
        Reply::json(status, json!({"errors": [{"detail": detail}]}))
    }
}

/// Idle connections are dropped after this, so no thread outlives a test
/// by long even if a client never hangs up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_BODY: usize = 64 << 20;

pub struct HttpServer {
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Serves `handler` on `listener`, one thread per connection.
    pub fn start<F>(listener: TcpListener, handler: F) -> HttpServer
    where
        F: Fn(HttpRequest) -> Reply + Send + Sync + 'static,
    {
        let addr = listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback(), "test servers bind loopback only");
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(handler);
        let stop_flag = Arc::clone(&stop);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let stop = Arc::clone(&stop_flag);
                std::thread::spawn(move || serve_connection(stream, &*handler, &stop));
            }
        });
        HttpServer {
            stop,
            addr,
            acceptor: Some(acceptor),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking `accept` so the acceptor sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn serve_connection(stream: TcpStream, handler: &dyn Fn(HttpRequest) -> Reply, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::SeqCst) {
        let Some((request, close)) = read_request(&mut reader, &mut writer) else {
            return;
        };
        let head_only = request.method == Method::HEAD;
        let reply = handler(request);
        if reply.status == 0 {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return;
        }
        let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !head_only && reply.status != 304 {
            bytes.extend_from_slice(&reply.body);
        }
        if writer
            .write_all(&bytes)
            .and_then(|_| writer.flush())
            .is_err()
            || close
        {
            return;
        }
    }
}

/// Reads one request; `None` when the client hung up or sent nonsense.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Option<(HttpRequest, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = Method::parse(parts.next()?);
    let url = parts.next()?.to_string();
    let version = parts.next().unwrap_or("HTTP/1.1").to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    if get("expect").as_deref() == Some("100-continue") {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|te| te.contains("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).ok()?;
            let size = usize::from_str_radix(size_line.trim().split(';').next()?, 16).ok()?;
            if body.len() + size > MAX_BODY {
                return None;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = get("content-length") {
        let length: usize = length.trim().parse().ok()?;
        if length > MAX_BODY {
            return None;
        }
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    let close = get("connection").is_some_and(|c| c.contains("close")) || version == "HTTP/1.0";
    Some((
        HttpRequest {
            method,
            url,
            headers,
            body,
        },
        close,
    ))
}
