//! Where the token may go, whatever the URLs say: never over plain http
//! off loopback, never to another port a redirect names, never through a
//! proxy for loopback; endpoints with a query or fragment are refused, and
//! credentials written into a URL are never shown.

use crate::support::registry_mod::{FaultKind, index_path};
use crate::support::*;

/// `0.0.0.0` is not loopback, but on Linux it reaches the test server: a
/// client that sends the token there would be seen doing it.
#[test]
fn plain_http_api_endpoint_off_loopback_gets_no_token() {
    let (registry, mut env) = hosting("plainapi", &["0.1.0"]);
    env.env(
        "CNB_API_ENDPOINT",
        format!("http://0.0.0.0:{}", registry.api_port()),
    );
    let out = cnbcargo_bounded(&env, &["list"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["http://"]);
    let sent: Vec<String> = registry
        .api_requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.url.clone())
        .collect();
    assert!(sent.is_empty(), "the token went over plain http: {sent:?}");
}

#[test]
fn plain_http_index_off_loopback_gets_no_token() {
    let token = "plainidxtok4711";
    let registry = TestRegistry::builder().token(token).start();
    registry.add_version("plainidx", "0.1.0");
    let mut env = hand_configured(&format!(
        "sparse+http://0.0.0.0:{}/acme/crates/-/packages/",
        registry.port()
    ));
    // The API is on loopback (allowed); the index is not.
    env.env("CNB_TOKEN", token)
        .env("CNB_API_ENDPOINT", registry.api_url());
    for args in [&["list", "plainidx"][..], &["list"]] {
        let out = cnbcargo_bounded(&env, args);
        assert_exit(&out, 1);
        assert_stderr_has(&out, &["http://"]);
    }
    let sent = carrying(&registry.index_requests(), token);
    assert!(sent.is_empty(), "the token went over plain http: {sent:?}");
}

#[test]
fn login_refuses_a_plain_http_index_off_loopback() {
    let token = "plainlogintok4712";
    let registry = TestRegistry::builder().token(token).start();
    let mut env = hand_configured(&format!(
        "sparse+http://0.0.0.0:{}/acme/crates/-/packages/",
        registry.port()
    ));
    env.env("CNB_TOKEN", token);
    let out = cnbcargo_bounded(&env, &["login"]);
    assert_fails(&out);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let credentials =
        std::fs::read_to_string(env.cargo_home().join("credentials.toml")).unwrap_or_default();
    assert!(
        !credentials.contains(token),
        "cargo was given the token for a plain-http index: {credentials}"
    );
    let sent = carrying(&registry.requests(), token);
    assert!(sent.is_empty(), "the token went over plain http: {sent:?}");
}

fn endpoint_refused(suffix: &str, word: &str) {
    let (registry, mut env) = hosting("qf", &["0.1.0"]);
    env.env(
        "CNB_API_ENDPOINT",
        format!("{}/{suffix}", registry.api_url()),
    );
    let out = cnbcargo_bounded(&env, &["list"]);
    assert_refused(&out);
    assert_stderr_has(&out, &[word]);
    let seen: Vec<String> = registry.api_requests().into_iter().map(|r| r.url).collect();
    assert!(seen.is_empty(), "the API was called: {seen:?}");
}

#[test]
fn api_endpoint_with_a_query_is_refused() {
    endpoint_refused("?x=1", "query");
}

#[test]
fn api_endpoint_with_a_fragment_is_refused() {
    endpoint_refused("#frag", "fragment");
}

#[test]
fn credentials_in_the_api_endpoint_are_never_shown() {
    let (registry, mut env) = hosting("credapi", &["0.1.0"]);
    env.env(
        "CNB_API_ENDPOINT",
        format!("http://user:hunter3pw@127.0.0.1:{}", registry.api_port()),
    );
    let list = cnbcargo_bounded(&env, &["list"]);
    let verbose = cnbcargo_bounded(&env, &["list", "-vv", "credapi"]);
    assert_fails(&list);
    assert_fails(&verbose);
    assert_not_shown("hunter3pw", &[&list, &verbose]);
}

#[test]
fn credentials_in_the_index_url_are_never_shown() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("credidx", "0.1.0");
    let mut env = hand_configured(&format!(
        "sparse+http://user:hunter4pw@127.0.0.1:{}/acme/crates/-/packages/",
        registry.port()
    ));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    let list = cnbcargo_bounded(&env, &["list"]);
    let list_verbose = cnbcargo_bounded(&env, &["list", "-vv", "credidx"]);
    let doctor = cnbcargo_bounded(&env, &["doctor"]);
    let doctor_json = cnbcargo_bounded(&env, &["doctor", "--json"]);
    assert_fails(&list);
    assert_fails(&list_verbose);
    assert_not_shown("hunter4pw", &[&list, &list_verbose, &doctor, &doctor_json]);
}

#[test]
fn redirect_of_the_version_list_to_another_port_is_refused() {
    let (registry, env) = hosting("redir", &["0.1.0"]);
    let trap = TrapServer::start();
    registry.fault_next(
        "/cargo/redir/-/tags",
        4,
        FaultKind::Redirect(307, trap.url("/steal")),
    );
    let out = cnbcargo_bounded(&env, &["list", "redir"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["redirect"]);
    assert_trap_got_no_token(&trap);
}

#[test]
fn redirect_of_the_index_file_to_another_port_is_refused() {
    let (registry, env) = hosting("redirix", &["0.1.0"]);
    let trap = TrapServer::start();
    registry.fault_next(
        &format!("/{}", index_path("redirix")),
        4,
        FaultKind::Redirect(302, trap.url("/steal")),
    );
    let out = cnbcargo_bounded(&env, &["list", "redirix"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["redirect"]);
    assert_trap_got_no_token(&trap);
}

/// A proxy in the environment never sees requests to this machine: the
/// token may go over plain http to loopback only because it stays here.
#[test]
fn loopback_requests_bypass_a_proxy() {
    let (registry, mut env) = hosting("proxied", &["0.1.0"]);
    let trap = TrapServer::start();
    env.env("http_proxy", trap.url(""))
        .env("HTTPS_PROXY", trap.url(""))
        .env("ALL_PROXY", trap.url(""));
    let out = cnbcargo_bounded(&env, &["list", "proxied"]);
    assert_exit(&out, 0);
    let doctor = cnbcargo_bounded(&env, &["doctor"]);
    assert!(
        trap.requests().is_empty(),
        "the proxy saw {:?}\n{}",
        trap.requests().iter().map(|r| &r.url).collect::<Vec<_>>(),
        stderr(&doctor)
    );
    assert!(registry.api_requests().len() > 1);
}
