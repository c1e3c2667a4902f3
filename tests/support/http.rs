//! A small HTTP/1.1 server on std alone, as cargo's own test suite has:
//! keep-alive, `Content-Length` and chunked bodies, `Expect: 100-continue`.
//! It answers curl's `Upgrade: h2c` attempt in plain HTTP/1.1, which curl
//! accepts (tiny_http, for one, leaves that connection hanging). It speaks
//! plain http, https, or is a TLS-inspecting proxy ([`Wrap`]).

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

/// Writes a streamed body; it returns when done, on a write error (the
/// client hung up) or when its own safety net says stop.
pub type BodyWriter = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;

/// How a streamed body is framed on the wire.
pub enum Framing {
    /// `Content-Length: N`; the writer should write N bytes (fewer when it
    /// gives up, and then the connection is closed mid-body).
    Length(u64),
    /// `Transfer-Encoding: chunked`; each write is one chunk, and the
    /// closing chunk follows when the writer returns `Ok`.
    Chunked,
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
    /// A body made on the fly instead of `body`; the connection is closed
    /// after it.
    pub stream: Option<(Framing, BodyWriter)>,
    /// Send the status line and headers one byte at a time, pausing this
    /// long before each byte.
    pub trickle_head: Option<Duration>,
}

/// The safety net of every streamed body: it stops after this long or
/// this many bytes even if the client keeps reading.
pub const STREAM_MAX_TIME: Duration = Duration::from_secs(10);
pub const STREAM_MAX_BYTES: u64 = 1 << 30;
const STREAM_CHUNK: usize = 64 << 10;

impl Reply {
    /// A reply with these bytes as its body.
    pub fn bytes(status: u16, body: Vec<u8>, headers: Vec<(&'static str, String)>) -> Reply {
        Reply {
            status,
            body,
            headers,
            stream: None,
            trickle_head: None,
        }
    }

    pub fn json(status: u16, body: Value) -> Reply {
        Reply::bytes(
            status,
            body.to_string().into_bytes(),
            vec![("Content-Type", "application/json".to_string())],
        )
    }

    pub fn empty(status: u16) -> Reply {
        Reply::bytes(status, Vec::new(), Vec::new())
    }

    /// Not an answer: the connection is closed instead.
    pub fn reset() -> Reply {
        Reply::empty(0)
    }

    /// cargo's Web API error body.
    pub fn error(status: u16, detail: &str) -> Reply {
        Reply::json(status, json!({"errors": [{"detail": detail}]}))
    }

    /// 200 with `Content-Length: len`, the body (spaces) made in chunks as
    /// it is sent; never more than `STREAM_MAX_BYTES` nor `STREAM_MAX_TIME`.
    pub fn huge(len: u64) -> Reply {
        let mut reply = Reply::empty(200);
        reply
            .headers
            .push(("Content-Type", "application/json".to_string()));
        reply.stream = Some((
            Framing::Length(len),
            Box::new(move |out: &mut dyn Write| write_filler(out, Some(len))),
        ));
        reply
    }

    /// 200 with `Transfer-Encoding: chunked` and chunks until the client
    /// hangs up (or the safety net stops it).
    pub fn endless_chunked() -> Reply {
        let mut reply = Reply::empty(200);
        reply
            .headers
            .push(("Content-Type", "application/json".to_string()));
        reply.stream = Some((
            Framing::Chunked,
            Box::new(|out: &mut dyn Write| write_filler(out, None)),
        ));
        reply
    }

    /// 200, chunked, `line` over and over until the client hangs up (or
    /// the safety net stops it): an index file that never ends, every line
    /// of it valid.
    pub fn endless_lines(line: String) -> Reply {
        let mut reply = Reply::empty(200);
        reply.stream = Some((
            Framing::Chunked,
            Box::new(move |out: &mut dyn Write| {
                let mut chunk = Vec::with_capacity(STREAM_CHUNK + line.len());
                while chunk.len() < STREAM_CHUNK {
                    chunk.extend_from_slice(line.as_bytes());
                }
                let started = std::time::Instant::now();
                let mut sent = 0u64;
                while sent < STREAM_MAX_BYTES {
                    if started.elapsed() > STREAM_MAX_TIME {
                        return Err(std::io::Error::other("the stream's time limit"));
                    }
                    out.write_all(&chunk)?;
                    sent += chunk.len() as u64;
                }
                Ok(())
            }),
        ));
        reply
    }
}

/// Writes `len` bytes of filler (or without end), in chunks, within the
/// safety net; an error means the client hung up.
fn write_filler(out: &mut dyn Write, len: Option<u64>) -> std::io::Result<()> {
    let chunk = [b' '; STREAM_CHUNK];
    let started = std::time::Instant::now();
    let limit = len.unwrap_or(u64::MAX).min(STREAM_MAX_BYTES);
    let mut sent = 0u64;
    while sent < limit {
        if started.elapsed() > STREAM_MAX_TIME {
            return Err(std::io::Error::other("the stream's time limit"));
        }
        let n = (limit - sent).min(STREAM_CHUNK as u64) as usize;
        out.write_all(&chunk[..n])?;
        sent += n as u64;
    }
    if len.is_some_and(|len| sent < len) {
        return Err(std::io::Error::other("the stream's size limit"));
    }
    Ok(())
}

/// Frames each write as one chunk.
struct ChunkedWriter<'a>(&'a mut dyn Write);

impl Write for ChunkedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.0
            .write_all(format!("{:x}\r\n", buf.len()).as_bytes())?;
        self.0.write_all(buf)?;
        self.0.write_all(b"\r\n")?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Idle connections are dropped after this, so no thread outlives a test
/// by long even if a client never hangs up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_BODY: usize = 64 << 20;
/// A client that stops reading without hanging up blocks a write at most this long.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct HttpServer {
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

/// What a connection speaks before HTTP.
#[derive(Clone)]
pub enum Wrap {
    Plain,
    /// https, with this certificate.
    Tls(Arc<rustls::ServerConfig>),
    /// A proxy that inspects HTTPS, as on company networks: it answers
    /// `CONNECT host:443`, then speaks TLS itself with a certificate of
    /// its own CA, and answers the requests itself (it never connects out).
    InspectingProxy(Arc<rustls::ServerConfig>),
}

/// A connection HTTP is spoken on: plain TCP or TLS over it.
pub trait Conn: Read + Write + Send {
    /// Ends the connection (TLS first says so).
    fn close(&mut self);
}

impl Conn for TcpStream {
    fn close(&mut self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

impl Conn for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(std::net::Shutdown::Both);
    }
}

/// The head of a `CONNECT` request, read a byte at a time so nothing of
/// the TLS that follows is taken; at most 8 KiB.
fn read_connect(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8 << 10 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).ok()?;
    head.starts_with("CONNECT ").then_some(head)
}

impl HttpServer {
    /// Serves `handler` on `listener` over plain http, one thread per connection.
    pub fn start<F>(listener: TcpListener, handler: F) -> HttpServer
    where
        F: Fn(HttpRequest) -> Reply + Send + Sync + 'static,
    {
        HttpServer::start_wrapped(listener, Wrap::Plain, handler)
    }

    /// Serves `handler` on `listener`, each connection wrapped as `wrap` says.
    pub fn start_wrapped<F>(listener: TcpListener, wrap: Wrap, handler: F) -> HttpServer
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
                let wrap = wrap.clone();
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
                    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
                    let config = match wrap {
                        Wrap::Plain => return serve_connection(stream, &*handler, &stop),
                        Wrap::Tls(config) => config,
                        Wrap::InspectingProxy(config) => {
                            if read_connect(&mut stream).is_none()
                                || stream
                                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                                    .is_err()
                            {
                                return;
                            }
                            config
                        }
                    };
                    let Ok(tls) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    serve_connection(rustls::StreamOwned::new(tls, stream), &*handler, &stop);
                });
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
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
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

fn serve_connection<S: Conn>(stream: S, handler: &dyn Fn(HttpRequest) -> Reply, stop: &AtomicBool) {
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::SeqCst) {
        let Some((request, close)) = read_request(&mut reader) else {
            return;
        };
        let writer = reader.get_mut();
        let head_only = request.method == Method::HEAD;
        let reply = handler(request);
        if reply.status == 0 {
            writer.close();
            return;
        }
        let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        match &reply.stream {
            Some((Framing::Length(len), _)) => {
                head.push_str(&format!("Content-Length: {len}\r\nConnection: close\r\n"))
            }
            Some((Framing::Chunked, _)) => {
                head.push_str("Transfer-Encoding: chunked\r\nConnection: close\r\n")
            }
            None => {
                head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
                if close {
                    head.push_str("Connection: close\r\n");
                }
            }
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if let Some(pause) = reply.trickle_head {
            // Stops at the first failed write: the client hung up.
            for byte in std::mem::take(&mut bytes) {
                std::thread::sleep(pause);
                if writer
                    .write_all(&[byte])
                    .and_then(|_| writer.flush())
                    .is_err()
                {
                    return;
                }
            }
        }
        if let Some((framing, write_body)) = reply.stream {
            if writer.write_all(&bytes).is_err() {
                return;
            }
            match framing {
                Framing::Length(_) => {
                    let _ = write_body(writer);
                }
                Framing::Chunked => {
                    let mut chunked = ChunkedWriter(writer);
                    if write_body(&mut chunked).is_ok() {
                        let _ = writer.write_all(b"0\r\n\r\n");
                    }
                }
            }
            let _ = writer.flush();
            writer.close();
            return;
        }
        if !head_only && reply.status != 304 {
            bytes.extend_from_slice(&reply.body);
        }
        if writer
            .write_all(&bytes)
            .and_then(|_| writer.flush())
            .is_err()
            || close
        {
            if close {
                writer.close();
            }
            return;
        }
    }
}

/// Reads one request; `None` when the client hung up or sent nonsense.
fn read_request<S: Conn>(reader: &mut BufReader<S>) -> Option<(HttpRequest, bool)> {
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
        let writer = reader.get_mut();
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
        writer.flush().ok()?;
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
