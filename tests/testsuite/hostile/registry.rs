//! The hostile registry itself: each fault does what the other tests in
//! `hostile` rely on, seen through raw HTTP rather than the client.

use std::time::Duration;

use serde_json::Value;

use crate::support::registry_mod::{FaultKind, index_path};
use crate::support::*;

/// One raw HTTP/1.1 GET on 127.0.0.1: (head, up to `max_body` bytes of
/// body); the connection is dropped after that, as a client hanging up.
fn raw_get(port: u16, path: &str, auth: &str, max_body: usize) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/vnd.cnb.api+json\r\n\
         Authorization: {auth}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 << 10];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the head ended");
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut body = bytes[head_end..].to_vec();
    while body.len() < max_body {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    body.truncate(max_body);
    (head, body)
}

/// The faults do what the tests above rely on, whatever the client.
#[test]
fn hostile_registry_self_check() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("selfcheck", "0.1.0");
    let tags = "/acme/crates/-/packages/cargo/selfcheck/-/tags?page=1&page_size=100";
    let (api, port) = (registry.api_port(), registry.port());

    registry.fault_next("selfcheck/-/tags", 1, FaultKind::HugeBody(1 << 40));
    let (head, body) = raw_get(api, tags, "Bearer tok", 1 << 20);
    assert!(head.contains("Content-Length: 1099511627776"), "{head}");
    assert_eq!(body.len(), 1 << 20);

    registry.fault_next("selfcheck/-/tags", 1, FaultKind::EndlessChunked);
    let (head, body) = raw_get(api, tags, "Bearer tok", 1 << 20);
    assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
    assert_eq!(body.len(), 1 << 20);

    let trap = TrapServer::start();
    registry.fault_next(
        "selfcheck/-/tags",
        1,
        FaultKind::Redirect(307, trap.url("/x")),
    );
    let (head, _) = raw_get(api, tags, "Bearer tok", 0);
    assert!(head.starts_with("HTTP/1.1 307"), "{head}");
    assert!(
        head.contains(&format!("Location: {}", trap.url("/x"))),
        "{head}"
    );
    assert!(trap.requests().is_empty());

    registry.fault_next(
        "selfcheck/-/tags",
        1,
        FaultKind::SlowHeaders(Duration::from_millis(5)),
    );
    let started = std::time::Instant::now();
    let (head, body) = raw_get(api, tags, "Bearer tok", 10);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(started.elapsed() >= Duration::from_millis(5 * head.len() as u64));
    assert!(body.starts_with(b"{\"cargo\""));

    registry.fault_next("selfcheck/-/tags", 1, FaultKind::EchoAuth(401));
    let (head, body) = raw_get(api, tags, "Bearer tok", 1000);
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errmsg"], "bad token Bearer tok");
    let index_file = format!("/acme/crates/-/packages/{}", index_path("selfcheck"));
    registry.fault_next(&index_file, 1, FaultKind::EchoAuth(401));
    let (_, body) = raw_get(port, &index_file, "tok", 1000);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errors"][0]["detail"], "bad token tok");

    registry.fault_next(
        "/-/tag/0.1.0",
        1,
        FaultKind::AnswerLate(Duration::from_millis(300)),
    );
    let late = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", api)).unwrap();
        write!(
            stream,
            "DELETE /acme/crates/-/packages/cargo/selfcheck/-/tag/0.1.0 HTTP/1.1\r\n\
             Host: x\r\nAccept: application/vnd.cnb.api+json\r\nAuthorization: Bearer tok\r\n\
             Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    });
    std::thread::sleep(Duration::from_millis(150));
    assert!(
        registry.versions("selfcheck").is_empty(),
        "deleted before the answer"
    );
    assert!(late.join().unwrap().starts_with("HTTP/1.1 200"));

    registry.set_endless_pages(true);
    for path in [
        "/acme/crates/-/packages/cargo/gone/-/tags?page=5000&page_size=100",
        "/acme/crates/-/packages?type=cargo&page=5000&page_size=100",
    ] {
        let (_, body) = raw_get(api, path, "Bearer tok", 1 << 20);
        let page: Value = serde_json::from_slice(&body).unwrap();
        let items = page.get("cargo").unwrap_or(&page);
        assert_eq!(items.as_array().unwrap().len(), 100, "{path}");
    }
}
