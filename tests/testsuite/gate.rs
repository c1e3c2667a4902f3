//! The cargo version gate, with fake `cargo` scripts.

use crate::support::*;

fn login_with_cargo_printing(version_line: &str) -> std::process::Output {
    let (out, _) = login_with_cargo_printing_in(version_line);
    out
}

fn login_with_cargo_printing_in(version_line: &str) -> (std::process::Output, TestEnv) {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = configured_env(&registry);
    let fake = cargo_claiming(&env, version_line, None);
    env.env("CARGO", &fake);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    (out, env)
}

#[test]
fn too_old_cargo_is_refused() {
    let (out, env) = login_with_cargo_printing_in("cargo 1.72.1 (103a7ff2e 2023-08-15)");
    // The old cargo never got the token.
    assert!(!env.cargo_home().join("credentials.toml").exists());
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("cargo 1.72.1 is too old: cnbcargo needs cargo 1.73 or later"),
        "{err}"
    );
    assert!(err.contains("hint: run `rustup update stable`"), "{err}");
}

#[test]
fn cargo_1_73_gets_a_warning() {
    let out = login_with_cargo_printing("cargo 1.73.0 (9c4383fb5 2023-08-26)");
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("warning: cargo 1.73.0: credential providers and authenticated registries are stable only from cargo 1.74"), "{err}");
}

#[test]
fn current_and_nightly_cargo_pass() {
    for line in [
        "cargo 1.95.0 (f2d3ce0bd 2026-03-21)",
        "cargo 1.97.0-nightly (0123456ab 2026-05-01)",
        "cargo 1.96.0-beta.2 (0123456ab 2026-04-20)",
    ] {
        let out = login_with_cargo_printing(line);
        assert_success(&out);
        assert!(
            !stderr(&out).contains("warning"),
            "{line}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn garbage_version_is_a_clear_error() {
    let (out, env) = login_with_cargo_printing_in("this is not cargo");
    assert!(!env.cargo_home().join("credentials.toml").exists());
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("cannot read cargo's version"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_cargo_is_a_clear_error() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = configured_env(&registry);
    env.env("CARGO", env.path().join("no/such/cargo"));
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    assert_failure(&out, 1);
    assert!(stderr(&out).contains("could not run"), "{}", stderr(&out));
}
