//! Server text on the way to the terminal: control characters in names
//! and error messages are not printed, and a token the server quotes back
//! (in an error, or where a number belongs) is never shown.

use std::process::Output;

use serde_json::json;

use crate::support::registry_mod::{FaultKind, index_path};
use crate::support::*;

#[test]
fn control_characters_in_package_names_are_not_printed() {
    let (registry, env) = hosting("plain", &["0.1.0"]);
    let body = json!([
        {"name": "evil\u{1b}]0;pwned\u{7}name", "type": "cargo", "tag_total": 1},
        {"name": "wipe\u{1b}[2Jname", "type": "cargo", "tag_total": 2},
    ])
    .to_string();
    for args in [&["list"][..], &["list", "--json"]] {
        registry.fault_next(
            "-/packages?type=cargo",
            1,
            FaultKind::StatusBody(200, body.clone()),
        );
        let out = cnbcargo_bounded(&env, args);
        assert_exit(&out, 0);
        assert_no_terminal_controls(&out);
    }
}

#[test]
fn control_characters_in_api_errors_are_not_printed() {
    let (registry, env) = hosting("ctl", &["0.1.0"]);
    registry.fault_next(
        "/cargo/ctl/-/tags",
        4,
        FaultKind::StatusBody(
            403,
            r#"{"errcode":10403,"errmsg":"\u001b[2Jboom\u001b]0;x\u0007"}"#.to_string(),
        ),
    );
    let out = cnbcargo_bounded(&env, &["list", "ctl"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["boom"]);
    assert_no_terminal_controls(&out);
}

/// A server that quotes the `Authorization` header back in its errors, on
/// the API and on the index: the client must not repeat it.
#[test]
fn token_echoed_by_the_server_is_never_shown() {
    let token = format!("cnbechocanary{}q{}", std::process::id(), 31337);
    let registry = TestRegistry::builder().token(&token).start();
    registry.add_version("echo-crate", "0.1.0");
    let env = logged_in_env(&registry, &token);
    let mut outputs = Vec::new();

    // The index echoes (the API answers): `list NAME` reads the index.
    registry.fault_next(
        &format!("/{}", index_path("echo-crate")),
        100,
        FaultKind::EchoAuth(401),
    );
    registry.fault_next("config.json", 100, FaultKind::EchoAuth(401));
    for args in [
        &["list", "echo-crate"][..],
        &["list", "-vv", "echo-crate", "--json"],
    ] {
        outputs.push(cnbcargo_bounded(&env, args));
    }
    // The API echoes too: the package list, the version list, doctor's probe.
    registry.fault_next("-/packages?type=cargo", 100, FaultKind::EchoAuth(401));
    registry.fault_next("/-/tags", 100, FaultKind::EchoAuth(401));
    for args in [
        &["doctor"][..],
        &["doctor", "--json"],
        &["doctor", "-vv"],
        &["doctor", "-vv", "--json"],
        &["list"],
        &["list", "-vv"],
        &["list", "--json"],
        &["list", "echo-crate"],
        &["list", "-vv", "echo-crate"],
    ] {
        outputs.push(cnbcargo_bounded(&env, args));
    }
    let echoed = registry
        .requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert!(echoed > 0, "no request met the echoing server");
    for out in &outputs {
        assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
    }
    let refs: Vec<&Output> = outputs.iter().collect();
    assert_not_shown(&token, &refs);
}

/// serde quotes the value it did not expect: a server that puts the
/// token where a number belongs must not get it printed.
#[test]
fn token_in_a_malformed_answer_is_never_shown() {
    let token = format!("cnbdecodecanary{}", std::process::id());
    let registry = TestRegistry::builder().token(&token).start();
    registry.add_version("quoted", "0.1.0");
    let env = logged_in_env(&registry, &token);
    let body = |t: &str| format!("{{\"cargo\":[{{\"name\":\"1.0.0\",\"size\":\"{t}\"}}]}}");
    registry.fault_next("/-/tags", 1, FaultKind::StatusBody(200, body(&token)));
    let out = cnbcargo_bounded(&env, &["list", "-vv", "quoted"]);
    assert_fails(&out);
    assert_stderr_has(&out, &["unexpected answer"]);
    let bearer = format!("Bearer {token}");
    registry.fault_next("/-/tags", 1, FaultKind::StatusBody(200, body(&bearer)));
    let again = cnbcargo_bounded(&env, &["list", "quoted"]);
    assert_fails(&again);
    assert_not_shown(&token, &[&out, &again]);
}
