//! A cargo registry on 127.0.0.1 that speaks what cargo speaks: the sparse
//! index (with `auth-required`, the 401 challenge and ETags), the Web API
//! (publish, yank, unyank, download) and CNB's crates.io proxy behaviour.
//! It logs every request and can add latency or fail requests on demand.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::http::{HttpRequest, HttpServer, Method, Reply, Wrap};
use super::tls::TestCa;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub status: u16,
    /// Whether it came to the OpenAPI's port (else the registry's).
    pub api: bool,
}

impl LoggedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct StoredVersion {
    pub entry: Value,
    pub crate_file: Vec<u8>,
    /// When it was uploaded, for `index_delay`.
    pub published_at: Option<std::time::Instant>,
}

impl StoredVersion {
    pub fn vers(&self) -> &str {
        self.entry["vers"].as_str().unwrap()
    }

    pub fn yanked(&self) -> bool {
        self.entry["yanked"].as_bool().unwrap()
    }

    /// Whether the registry shows it yet (see `set_index_delay`).
    pub fn visible(&self, index_delay: Duration) -> bool {
        self.published_at
            .is_none_or(|at| at.elapsed() >= index_delay)
    }
}

/// What an injected fault does to a request.
#[derive(Debug, Clone)]
pub enum FaultKind {
    /// Answer with this status and an error body.
    Status(u16),
    /// Close the connection without answering.
    Reset,
    /// Answer normally, but only after this long.
    Delay(Duration),
    /// Answer 200 with this body instead.
    Body(String),
    /// Answer 200 with `Content-Length: N`, the body made on the fly as it
    /// is sent (never held in memory); stops when the client hangs up.
    HugeBody(u64),
    /// Answer 200 with `Transfer-Encoding: chunked` and chunks until the
    /// client hangs up (at most ~10 s or ~1 GiB).
    EndlessChunked,
    /// Answer 200, chunked, this line over and over until the client
    /// hangs up (at most ~10 s or ~1 GiB).
    EndlessLines(String),
    /// Answer this status (301, 302, 307...) with `Location: <url>`.
    Redirect(u16, String),
    /// The normal answer, its status line and headers sent one byte per
    /// this long; stops when the client hangs up.
    SlowHeaders(Duration),
    /// Do what the request asks (a DELETE really deletes), then wait this
    /// long, then answer.
    AnswerLate(Duration),
    /// Answer this status with exactly this body (as JSON).
    StatusBody(u16, String),
    /// Answer this status with an error that quotes the request's
    /// `Authorization` header back ("bad token <value>"), in the port's
    /// error shape: a hostile server baiting the client into printing it.
    EchoAuth(u16),
}

/// A fault to inject into the next requests that match a path fragment.
#[derive(Debug, Clone)]
struct Fault {
    path_contains: String,
    remaining: usize,
    kind: FaultKind,
}

#[derive(Debug, Default)]
pub struct State {
    /// Crates published to this registry, by lower-cased name.
    pub crates: BTreeMap<String, Vec<StoredVersion>>,
    /// What the crates.io proxy serves for crates with no local versions.
    pub upstream: BTreeMap<String, Vec<Value>>,
    /// Token → its scopes (`registry-package:r`, `registry-package:rw`,
    /// `registry-package-delete:rw`).
    pub tokens: HashMap<String, HashSet<String>>,
    pub auth_required: bool,
    pub log: Vec<LoggedRequest>,
    latency: Duration,
    faults: VecDeque<Fault>,
    /// New uploads show (in the index, the OpenAPI and the Web API's yank
    /// and download) only after this long.
    index_delay: Duration,
    /// Versions whose upload the server refuses.
    refused_versions: HashSet<String>,
    in_flight: usize,
    /// The most requests that were being handled at once.
    pub max_in_flight: usize,
    /// The OpenAPI's package and version lists answer every page full.
    pub endless_pages: bool,
    /// The OpenAPI's package list gives names only (no count, no version).
    pub bare_package_list: bool,
    /// The OpenAPI's version list is a bare array, not `{"cargo": [...]}`.
    pub tags_as_array: bool,
    /// The OpenAPI's lists and the search API send at most this many
    /// items a page, whatever `page_size` (`per_page`) asks.
    pub page_size_cap: Option<usize>,
    /// The OpenAPI's lists answer page 1 whatever page is asked for.
    pub repeat_pages: bool,
    /// The search API answers page 1 whatever page is asked for.
    pub search_ignores_page: bool,
    /// The search API's answer has no `meta.total`.
    pub search_without_total: bool,
    /// Downloads answer `302` to this base (`{base}/{name}/{vers}/download`).
    pub redirect_downloads: Option<String>,
}

impl State {
    /// How long an upload stays hidden (see `set_index_delay`).
    pub fn index_delay(&self) -> Duration {
        self.index_delay
    }

    /// The versions of `name` the registry shows now: an upload still in
    /// its `index_delay` is not among them.
    pub fn visible(&self, name: &str) -> Vec<&StoredVersion> {
        self.crates
            .get(&name.to_lowercase())
            .map(|vs| vs.iter().filter(|v| v.visible(self.index_delay)).collect())
            .unwrap_or_default()
    }
}

pub struct TestRegistry {
    state: Arc<Mutex<State>>,
    _server: HttpServer,
    _api_server: HttpServer,
    port: u16,
    api_port: u16,
    slug: String,
    scheme: &'static str,
}

pub const READ: &str = "registry-package:r";
pub const WRITE: &str = "registry-package:rw";
pub const DELETE: &str = "registry-package-delete:rw";

pub struct Builder {
    slug: String,
    tokens: Vec<(String, Vec<&'static str>)>,
    auth_required: bool,
    upstream: Vec<(String, String)>,
    wrap: Wrap,
    at_root: bool,
}

/// The registry's path on the host, like CNB's `/<group>/<registry>/-/packages/`.
const DEFAULT_SLUG: &str = "acme/crates";
const WORKERS: usize = 8;

impl Builder {
    /// A token with every scope.
    pub fn token(mut self, token: &str) -> Self {
        self.tokens
            .push((token.to_string(), vec![READ, WRITE, DELETE]));
        self
    }

    pub fn token_with_scopes(mut self, token: &str, scopes: &[&'static str]) -> Self {
        self.tokens.push((token.to_string(), scopes.to_vec()));
        self
    }

    pub fn auth_required(mut self, required: bool) -> Self {
        self.auth_required = required;
        self
    }

    pub fn slug(mut self, slug: &str) -> Self {
        self.slug = slug.to_string();
        self
    }

    /// Serves the index, the Web API and the OpenAPI over https, with a
    /// certificate of `ca` for 127.0.0.1.
    pub fn tls(mut self, ca: &TestCa) -> Self {
        self.wrap = Wrap::Tls(ca.server_config());
        self
    }

    /// Serves the connections as `wrap` says (e.g. as a TLS-inspecting
    /// proxy that answers for any host).
    pub fn wrap(mut self, wrap: Wrap) -> Self {
        self.wrap = wrap;
        self
    }

    /// The index at `/` rather than under the slug, as crates.io's is.
    pub fn at_root(mut self) -> Self {
        self.at_root = true;
        self
    }

    /// A version that the crates.io proxy lists for `name`.
    pub fn upstream(mut self, name: &str, vers: &str) -> Self {
        self.upstream.push((name.to_string(), vers.to_string()));
        self
    }

    pub fn start(self) -> TestRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let mut state = State {
            auth_required: self.auth_required,
            tokens: self
                .tokens
                .into_iter()
                .map(|(t, scopes)| (t, scopes.into_iter().map(str::to_string).collect()))
                .collect(),
            ..State::default()
        };
        for (name, vers) in self.upstream {
            state
                .upstream
                .entry(name.to_lowercase())
                .or_default()
                .push(upstream_entry(&name, &vers));
        }
        let state = Arc::new(Mutex::new(state));
        let base = if self.at_root {
            String::new()
        } else {
            format!("/{}/-/packages", self.slug)
        };
        let handler_state = Arc::clone(&state);
        let index_base = base.clone();
        let scheme = match self.wrap {
            Wrap::Plain => "http",
            _ => "https",
        };
        let origin = format!("{scheme}://127.0.0.1:{port}");
        let server = HttpServer::start_wrapped(listener, self.wrap.clone(), move |request| {
            handle(request, &handler_state, &index_base, &origin)
        });
        let api_listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let api_port = api_listener.local_addr().unwrap().port();
        let api_state = Arc::clone(&state);
        let api_server = HttpServer::start_wrapped(api_listener, self.wrap, move |request| {
            super::openapi::handle(request, &api_state, &base)
        });
        TestRegistry {
            state,
            _server: server,
            _api_server: api_server,
            port,
            api_port,
            slug: self.slug,
            scheme,
        }
    }
}

impl TestRegistry {
    pub fn builder() -> Builder {
        Builder {
            slug: DEFAULT_SLUG.to_string(),
            tokens: Vec::new(),
            auth_required: true,
            upstream: Vec::new(),
            wrap: Wrap::Plain,
            at_root: false,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The OpenAPI's port.
    pub fn api_port(&self) -> u16 {
        self.api_port
    }

    /// `http://127.0.0.1:PORT/acme/crates/-/packages/` (`https://` when
    /// the registry speaks TLS).
    pub fn http_index(&self) -> String {
        format!(
            "{}://127.0.0.1:{}/{}/-/packages/",
            self.scheme, self.port, self.slug
        )
    }

    /// The CNB OpenAPI base URL (for `CNB_API_ENDPOINT`).
    pub fn api_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.api_port)
    }

    /// Adds a version directly, as if it had been published.
    pub fn add_version(&self, name: &str, vers: &str) {
        let mut st = self.state();
        let crate_file = format!("{name}-{vers}").into_bytes();
        let mut entry = upstream_entry(name, vers);
        entry["cksum"] = Value::from(sha256_hex(&crate_file));
        st.crates
            .entry(name.to_lowercase())
            .or_default()
            .push(StoredVersion {
                entry,
                crate_file,
                published_at: None,
            });
    }

    /// The `index = ...` value for cargo's config.
    pub fn index_url(&self) -> String {
        format!("sparse+{}", self.http_index())
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state().log.clone()
    }

    /// The requests the OpenAPI's port answered.
    pub fn api_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.api).collect()
    }

    /// The requests the registry's port (index and Web API) answered.
    pub fn index_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| !r.api).collect()
    }

    /// Forgets the requests logged so far (e.g. those of a test's set-up).
    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    /// Hostile pagination: the OpenAPI's version list (`/-/tags`) and
    /// package list answer every page, whatever its number, with a full
    /// page of made-up unique items, so a client that pages "until a short
    /// page" never stops.
    pub fn set_endless_pages(&self, endless: bool) {
        self.state().endless_pages = endless;
    }

    /// The OpenAPI's version list as a bare JSON array of versions.
    pub fn set_tags_as_array(&self, array: bool) {
        self.state().tags_as_array = array;
    }

    /// The OpenAPI's package and version lists send at most `cap` items a
    /// page, whatever `page_size` asks (CNB documents a default of 10 and
    /// no maximum).
    pub fn set_page_size_cap(&self, cap: Option<usize>) {
        self.state().page_size_cap = cap;
    }

    /// The OpenAPI's package and version lists ignore `page`: every page
    /// is page 1.
    pub fn set_repeat_pages(&self, repeat: bool) {
        self.state().repeat_pages = repeat;
    }

    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    /// The next `count` requests whose path contains `path_contains` get
    /// `status` (with an error body) instead of their answer.
    pub fn fail_next(&self, path_contains: &str, count: usize, status: u16) {
        self.fault_next(path_contains, count, FaultKind::Status(status));
    }

    /// The next `count` requests whose path contains `path_contains` get `kind`.
    pub fn fault_next(&self, path_contains: &str, count: usize, kind: FaultKind) {
        self.state().faults.push_back(Fault {
            path_contains: path_contains.to_string(),
            remaining: count,
            kind,
        });
    }

    /// New uploads appear only after `delay`, as on a registry whose index
    /// lags behind its uploads: until then the index does not list them
    /// (a name with no version shown yet gets the crates.io proxy's
    /// entries, as on CNB), and the OpenAPI (list, detail, delete) and the
    /// Web API's yank, unyank and download answer 404 for them. An upload
    /// of the same version is refused (409) at once.
    pub fn set_index_delay(&self, delay: Duration) {
        self.state().index_delay = delay;
    }

    /// Adds a version with its own index entry and `.crate` bytes (the
    /// entry's `cksum` as given: a wrong one makes a corrupt version).
    pub fn add_crate(&self, entry: Value, crate_file: Vec<u8>) {
        let name = entry["name"].as_str().unwrap().to_lowercase();
        self.state()
            .crates
            .entry(name)
            .or_default()
            .push(StoredVersion {
                entry,
                crate_file,
                published_at: None,
            });
    }

    /// Adds `name@vers` as a real `.crate` (a manifest, and `payload` as a
    /// file inside), its index entry as cargo would have made it.
    pub fn add_real_crate(&self, name: &str, vers: &str, payload: &[u8]) {
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"{vers}\"\nedition = \"2021\"\ndescription = \"a fixture\"\nlicense = \"MIT\"\n"
        );
        let bytes = crate_tarball(
            name,
            vers,
            &[("Cargo.toml", manifest.as_bytes()), ("data.bin", payload)],
        );
        let mut entry = upstream_entry(name, vers);
        entry["cksum"] = Value::from(sha256_hex(&bytes));
        self.add_crate(entry, bytes);
    }

    /// Every index entry of a crate published here, as the index serves it.
    pub fn entries(&self, name: &str) -> Vec<Value> {
        self.state()
            .crates
            .get(&name.to_lowercase())
            .map(|vs| vs.iter().map(|v| v.entry.clone()).collect())
            .unwrap_or_default()
    }

    /// The `.crate` bytes stored for a version.
    pub fn crate_file(&self, name: &str, vers: &str) -> Option<Vec<u8>> {
        self.state()
            .crates
            .get(&name.to_lowercase())?
            .iter()
            .find(|v| v.vers() == vers)
            .map(|v| v.crate_file.clone())
    }

    /// Makes the index's `cksum` of a version disagree with its bytes.
    pub fn corrupt_cksum(&self, name: &str, vers: &str) {
        let mut st = self.state();
        let version = st
            .crates
            .get_mut(&name.to_lowercase())
            .and_then(|vs| vs.iter_mut().find(|v| v.vers() == vers))
            .expect("the version exists");
        version.entry["cksum"] = Value::from("0".repeat(64));
    }

    /// Refuses uploads of this version (HTTP 400), as a registry policy would.
    pub fn refuse_version(&self, vers: &str) {
        self.state().refused_versions.insert(vers.to_string());
    }

    /// Takes back `refuse_version`.
    pub fn accept_version(&self, vers: &str) {
        self.state().refused_versions.remove(vers);
    }

    /// The publish requests (`PUT /api/v1/crates/new`) since the log was
    /// last cleared, in order: `.len()` counts uploads, failed ones too.
    pub fn upload_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.url.ends_with("/api/v1/crates/new"))
            .collect()
    }

    /// The `DELETE` requests (CNB's deletes, cargo's yanks) since the log
    /// was last cleared, in order.
    pub fn delete_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "DELETE")
            .collect()
    }

    /// The metadata JSON of the first upload of `name` (the part of a
    /// publish body before the `.crate`).
    #[track_caller]
    pub fn publish_metadata(&self, name: &str) -> Value {
        self.upload_requests()
            .iter()
            .find_map(|r| {
                let len = u32::from_le_bytes(r.body[..4].try_into().unwrap()) as usize;
                let meta: Value = serde_json::from_slice(&r.body[4..4 + len]).unwrap();
                (meta["name"] == name).then_some(meta)
            })
            .unwrap_or_else(|| panic!("no upload of `{name}`"))
    }

    /// The names of the crates uploaded (`PUT .../crates/new`), in order.
    pub fn uploads(&self) -> Vec<String> {
        self.upload_requests()
            .iter()
            .filter_map(|r| {
                let len = u32::from_le_bytes(r.body.get(..4)?.try_into().ok()?) as usize;
                let meta: Value = serde_json::from_slice(r.body.get(4..4 + len)?).ok()?;
                Some(format!(
                    "{}@{}",
                    meta["name"].as_str()?,
                    meta["vers"].as_str()?
                ))
            })
            .collect()
    }

    /// The versions of a crate published here, sorted as text.
    pub fn version_names(&self, name: &str) -> Vec<String> {
        let mut names: Vec<String> = self.versions(name).into_iter().map(|(v, _)| v).collect();
        names.sort();
        names
    }

    /// (version, yanked) of a crate published here.
    pub fn versions(&self, name: &str) -> Vec<(String, bool)> {
        self.state()
            .crates
            .get(&name.to_lowercase())
            .map(|vs| {
                vs.iter()
                    .map(|v| (v.vers().to_string(), v.yanked()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A `.crate`: the files under `name-vers/`, tarred and gzipped.
pub fn crate_tarball(name: &str, vers: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, contents) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{name}-{vers}/{path}"), *contents)
            .unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn upstream_entry(name: &str, vers: &str) -> Value {
    json!({
        "name": name, "vers": vers, "deps": [],
        "cksum": sha256_hex(format!("{name}-{vers}").as_bytes()),
        "features": {}, "yanked": false, "links": null, "v": 1,
    })
}

/// `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd...`, from the lower-cased name.
pub fn index_path(name: &str) -> String {
    let name = name.to_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// Sleeps for the configured latency and takes an injected fault, if one
/// matches this URL.
pub fn take_fault(state: &Mutex<State>, url: &str) -> Option<FaultKind> {
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    st.in_flight += 1;
    st.max_in_flight = st.max_in_flight.max(st.in_flight);
    let mut fault = None;
    if let Some(f) = st
        .faults
        .iter_mut()
        .find(|f| f.remaining > 0 && url.contains(&f.path_contains))
    {
        f.remaining -= 1;
        fault = Some(f.kind.clone());
    }
    st.faults.retain(|f| f.remaining > 0);
    let mut latency = st.latency;
    drop(st);
    if let Some(FaultKind::Delay(delay)) = fault {
        latency += delay;
        fault = None;
    }
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    fault
}

/// The answer to a request: `route` gives the normal one (called with the
/// state locked), `error(status, message)` makes the port's error body.
/// Waits (`AnswerLate`) happen with the lock released.
pub fn answer(
    state: &Mutex<State>,
    request: &HttpRequest,
    fault: Option<FaultKind>,
    route: impl FnOnce(&mut State) -> Reply,
    error: impl Fn(u16, &str) -> Reply,
) -> Reply {
    let normal = move || {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        route(&mut st)
    };
    match fault {
        None => normal(),
        Some(FaultKind::AnswerLate(wait)) => {
            let reply = normal();
            std::thread::sleep(wait);
            reply
        }
        Some(FaultKind::SlowHeaders(pause)) => {
            let mut reply = normal();
            reply.trickle_head = Some(pause);
            reply
        }
        Some(kind) => fault_reply(kind, request.header("authorization"), error),
    }
}

/// The reply for an injected fault that replaces the answer, with
/// `error(status, message)` making the error body.
pub fn fault_reply(
    kind: FaultKind,
    authorization: Option<&str>,
    error: impl Fn(u16, &str) -> Reply,
) -> Reply {
    let json = || vec![("Content-Type", "application/json".to_string())];
    match kind {
        FaultKind::Status(status) => error(status, "injected failure"),
        FaultKind::Reset => Reply::reset(),
        FaultKind::Body(body) => Reply::bytes(200, body.into_bytes(), json()),
        FaultKind::HugeBody(len) => Reply::huge(len),
        FaultKind::EndlessChunked => Reply::endless_chunked(),
        FaultKind::EndlessLines(line) => Reply::endless_lines(line),
        FaultKind::Redirect(status, location) => {
            Reply::bytes(status, Vec::new(), vec![("Location", location)])
        }
        FaultKind::StatusBody(status, body) => Reply::bytes(status, body.into_bytes(), json()),
        FaultKind::EchoAuth(status) => error(
            status,
            &format!("bad token {}", authorization.unwrap_or_default()),
        ),
        FaultKind::Delay(_) => unreachable!("delays are taken in take_fault"),
        FaultKind::AnswerLate(_) | FaultKind::SlowHeaders(_) => {
            unreachable!("answered normally, in `answer`")
        }
    }
}

/// Records a request once it is answered (every `take_fault` is paired with it).
pub fn log(state: &Mutex<State>, request: HttpRequest, status: u16, api: bool) {
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    st.in_flight -= 1;
    st.log.push(LoggedRequest {
        method: request.method.as_str().to_string(),
        url: request.url,
        headers: request.headers,
        body: request.body,
        status,
        api,
    });
}

fn handle(request: HttpRequest, state: &Mutex<State>, base: &str, origin: &str) -> Reply {
    let fault = take_fault(state, &request.url);
    let auth = request.header("authorization").map(str::to_string);
    let reply = answer(
        state,
        &request,
        fault,
        |st| {
            route(
                st,
                &request.method,
                &request.url,
                auth.as_deref(),
                &request.headers,
                &request.body,
                base,
                origin,
            )
        },
        Reply::error,
    );
    log(state, request, reply.status, false);
    reply
}

#[allow(clippy::too_many_arguments)]
fn route(
    st: &mut State,
    method: &Method,
    url: &str,
    auth: Option<&str>,
    headers: &[(String, String)],
    body: &[u8],
    base: &str,
    origin: &str,
) -> Reply {
    let path = url.split('?').next().unwrap_or(url);
    let Some(rest) = path.strip_prefix(base) else {
        return Reply::error(404, "not found");
    };
    let scopes = auth.and_then(|t| st.tokens.get(t)).cloned();
    let authorized = scopes.is_some();
    let may_write = scopes.as_ref().is_some_and(|s| s.contains(WRITE));
    let api_prefix = "/api/v1/crates";
    if st.auth_required && !authorized {
        let mut reply = Reply::error(401, "please log in with `cargo login`");
        reply.headers.push((
            "www-authenticate",
            format!("Cargo login_url=\"{origin}/me\""),
        ));
        return reply;
    }
    if !st.auth_required && !authorized && rest.starts_with(api_prefix) && *method != Method::GET {
        return Reply::error(403, "a valid token is needed to change the registry");
    }
    if rest == "/config.json" && *method == Method::GET {
        return Reply::json(
            200,
            json!({
                "dl": format!("{origin}{base}{api_prefix}"),
                "api": format!("{origin}{base}"),
                "auth-required": st.auth_required,
            }),
        );
    }
    if let Some(api) = rest.strip_prefix(api_prefix) {
        if *method != Method::GET && !may_write {
            return Reply::error(
                403,
                "this token may not change the registry (needs registry-package:rw)",
            );
        }
        if api.is_empty() && *method == Method::GET {
            return search(st, url);
        }
        return api_route(st, method, api, body);
    }
    if *method == Method::GET {
        let file = rest.trim_start_matches('/');
        let name = file.rsplit('/').next().unwrap_or_default().to_lowercase();
        if file != index_path(&name) {
            return Reply::error(404, "not found");
        }
        let local = st.visible(&name);
        let lines: Vec<String> = match local.is_empty() {
            false => local.iter().map(|v| v.entry.to_string()).collect(),
            // CNB serves the crates.io proxy's index for crates it does not
            // hold, and (lagging) for those whose uploads it does not show yet.
            true => match st.upstream.get(&name) {
                Some(upstream) => upstream.iter().map(Value::to_string).collect(),
                None => return Reply::error(404, "not found"),
            },
        };
        let text = lines.join("\n") + "\n";
        let etag = format!("\"{}\"", sha256_hex(text.as_bytes()));
        let if_none_match = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("if-none-match"))
            .map(|(_, v)| v.as_str());
        if if_none_match == Some(etag.as_str()) {
            return Reply::bytes(304, Vec::new(), vec![("ETag", etag)]);
        }
        return Reply::bytes(200, text.into_bytes(), vec![("ETag", etag)]);
    }
    Reply::error(404, "not found")
}

/// `GET /api/v1/crates?q=&per_page=&page=`: the crates published here,
/// by name, a page at a time, with the total in `meta`.
fn search(st: &State, url: &str) -> Reply {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let param = |key: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let per_page = param("per_page").unwrap_or(10).clamp(1, 100);
    let per_page = per_page.min(st.page_size_cap.unwrap_or(per_page));
    let page = if st.search_ignores_page {
        1
    } else {
        param("page").unwrap_or(1).max(1)
    };
    let names: Vec<&str> = st
        .crates
        .values()
        .filter_map(|vs| vs.first().and_then(|v| v.entry["name"].as_str()))
        .collect();
    let shown: Vec<Value> = names
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|name| json!({"name": name, "max_version": "0.0.0", "description": null}))
        .collect();
    if st.search_without_total {
        return Reply::json(200, json!({"crates": shown}));
    }
    Reply::json(
        200,
        json!({"crates": shown, "meta": {"total": names.len()}}),
    )
}

fn api_route(st: &mut State, method: &Method, api: &str, body: &[u8]) -> Reply {
    let parts: Vec<&str> = api.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        (Method::PUT, ["new"]) => publish(st, body),
        (Method::DELETE, [name, vers, "yank"]) => set_yanked(st, name, vers, true),
        (Method::PUT, [name, vers, "unyank"]) => set_yanked(st, name, vers, false),
        (Method::GET, [name, vers, "download"]) if st.redirect_downloads.is_some() => {
            let base = st.redirect_downloads.clone().unwrap();
            Reply::bytes(
                302,
                Vec::new(),
                vec![("Location", format!("{base}/{name}/{vers}/download"))],
            )
        }
        (Method::GET, [name, vers, "download"]) => match find_version(st, name, vers) {
            Some(v) => Reply::bytes(
                200,
                v.crate_file.clone(),
                vec![("Content-Type", "application/gzip".to_string())],
            ),
            None => Reply::error(404, "no such crate version"),
        },
        _ => Reply::error(404, "not found"),
    }
}

/// A version the registry shows (see `set_index_delay`).
fn find_version<'s>(st: &'s mut State, name: &str, vers: &str) -> Option<&'s mut StoredVersion> {
    let vers = percent_decode(vers);
    let delay = st.index_delay;
    st.crates
        .get_mut(&name.to_lowercase())?
        .iter_mut()
        .find(|v| v.vers() == vers && v.visible(delay))
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn set_yanked(st: &mut State, name: &str, vers: &str, yanked: bool) -> Reply {
    match find_version(st, name, vers) {
        Some(v) => {
            v.entry["yanked"] = Value::Bool(yanked);
            Reply::json(200, json!({"ok": true}))
        }
        None => Reply::error(404, "no such crate version"),
    }
}

fn read_u32(body: &[u8], at: usize) -> Option<usize> {
    let bytes: [u8; 4] = body.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes) as usize)
}

/// `PUT /api/v1/crates/new`: `u32 json_len, json, u32 crate_len, .crate`.
fn publish(st: &mut State, body: &[u8]) -> Reply {
    let Some(json_len) = read_u32(body, 0) else {
        return Reply::error(400, "truncated publish body");
    };
    let Some(meta) = body.get(4..4 + json_len) else {
        return Reply::error(400, "truncated publish metadata");
    };
    let Some(crate_len) = read_u32(body, 4 + json_len) else {
        return Reply::error(400, "truncated publish body");
    };
    let start = 8 + json_len;
    let Some(crate_file) = body.get(start..start + crate_len) else {
        return Reply::error(400, "truncated .crate file");
    };
    let meta: Value = match serde_json::from_slice(meta) {
        Ok(meta) => meta,
        Err(e) => return Reply::error(400, &format!("invalid publish metadata: {e}")),
    };
    let (Some(name), Some(vers)) = (meta["name"].as_str(), meta["vers"].as_str()) else {
        return Reply::error(400, "publish metadata lacks name or vers");
    };
    if st.refused_versions.contains(vers) {
        return Reply::error(
            400,
            &format!("version `{vers}` is refused by the registry's policy"),
        );
    }
    let key = name.to_lowercase();
    if st
        .crates
        .get(&key)
        .is_some_and(|vs| vs.iter().any(|v| v.vers() == vers))
    {
        return Reply::error(409, &format!("crate version `{vers}` is already uploaded"));
    }
    let deps: Vec<Value> = meta["deps"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|dep| {
            // A renamed dependency arrives with its alias in
            // `explicit_name_in_toml` and is indexed under the alias.
            let real = dep["name"].clone();
            let (name, package) = match dep.get("explicit_name_in_toml").and_then(Value::as_str) {
                Some(alias) => (Value::from(alias), real),
                None => (real, Value::Null),
            };
            json!({
                "name": name,
                "req": dep["version_req"],
                "features": dep["features"],
                "optional": dep["optional"],
                "default_features": dep["default_features"],
                "target": dep["target"],
                "kind": dep["kind"],
                "registry": dep["registry"],
                "package": package,
            })
        })
        .collect();
    let entry = json!({
        "name": name,
        "vers": vers,
        "deps": deps,
        "cksum": sha256_hex(crate_file),
        "features": meta["features"],
        "yanked": false,
        "links": meta["links"],
        "rust_version": meta["rust_version"],
        "v": 2,
    });
    st.crates.entry(key).or_default().push(StoredVersion {
        entry,
        crate_file: crate_file.to_vec(),
        published_at: Some(std::time::Instant::now()),
    });
    Reply::json(
        200,
        json!({"warnings": {"invalid_categories": [], "invalid_badges": [], "other": []}}),
    )
}
