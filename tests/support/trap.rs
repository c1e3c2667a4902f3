//! A server that should never be reached: it records every request it
//! gets and answers 200 `{}`. A redirect target on a port of its own.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::http::{HttpRequest, HttpServer, Reply};

pub struct TrapServer {
    requests: Arc<Mutex<Vec<HttpRequest>>>,
    port: u16,
    _server: HttpServer,
}

impl TrapServer {
    /// Listens on 127.0.0.1 at a free port.
    pub fn start() -> TrapServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let server = HttpServer::start(listener, move |request| {
            log.lock().unwrap_or_else(|e| e.into_inner()).push(request);
            Reply::json(200, json!({}))
        });
        TrapServer {
            requests,
            port,
            _server: server,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request it got so far (method, url, headers, body).
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
