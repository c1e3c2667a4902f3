//! Leak assertions: a secret (a token, a password in a URL) never shows in
//! what a command printed, in files, on a cargo argv, or anywhere in a
//! request but its `Authorization` header.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::registry::LoggedRequest;
use super::{TestRegistry, TrapServer, files_under, recorded_commands, stderr, stdout, tail};

/// `secret` on neither stream of any of `outputs`, and no panic either.
#[track_caller]
pub fn assert_not_shown(secret: &str, outputs: &[&Output]) {
    for out in outputs {
        assert!(
            !stdout(out).contains(secret),
            "`{secret}` in stdout:\n{}",
            tail(&stdout(out))
        );
        assert!(
            !stderr(out).contains(secret),
            "`{secret}` in stderr:\n{}",
            tail(&stderr(out))
        );
        assert!(!stderr(out).contains("panicked"), "{}", tail(&stderr(out)));
    }
}

/// In no file under `root` but those `allowed`.
#[track_caller]
pub fn assert_not_in_files(secret: &str, root: &Path, allowed: &[PathBuf]) {
    for file in files_under(root) {
        if allowed.contains(&file) {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "token written to {}",
            file.display()
        );
    }
}

/// Not on any argv a `recording_cargo` wrote to `logs`, which did record
/// a command containing `expected_command` (so the check saw something).
#[track_caller]
pub fn assert_not_on_argv(secret: &str, logs: &Path, expected_command: &str) {
    let argv = std::fs::read_to_string(logs.join("argv.log")).unwrap();
    let commands = recorded_commands(logs);
    assert!(
        commands.iter().any(|c| c.contains(expected_command)),
        "{argv}"
    );
    assert!(!argv.contains(secret), "token on argv: {argv}");
}

/// The registry saw `secret` only in `Authorization` headers: never in a
/// URL, a body or another header.
#[track_caller]
pub fn assert_only_in_authorization(secret: &str, registry: &TestRegistry) {
    for request in registry.requests() {
        assert!(!request.url.contains(secret));
        assert!(!String::from_utf8_lossy(&request.body).contains(secret));
        for (name, value) in &request.headers {
            if !name.eq_ignore_ascii_case("authorization") {
                assert!(!value.contains(secret), "token in header {name}");
            }
        }
    }
}

/// `METHOD URL` of the requests whose `Authorization` header contains
/// `token` (expected empty where the token must not go).
pub fn carrying(requests: &[LoggedRequest], token: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.header("authorization").is_some_and(|v| v.contains(token)))
        .map(|r| format!("{} {}", r.method, r.url))
        .collect()
}

/// The trap (a server no request should reach with a token: another port a
/// redirect names, a proxy) got no request carrying an `Authorization`.
#[track_caller]
pub fn assert_trap_got_no_token(trap: &TrapServer) {
    let leaked: Vec<String> = trap
        .requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.url.clone())
        .collect();
    assert!(leaked.is_empty(), "the trap got the token: {leaked:?}");
}
