//! The cargo version gate, with fake `cargo` scripts.

use snapbox::str;

use crate::support::*;

fn login_with_cargo_printing(version_line: &str) -> std::process::Output {
    let (out, _, _) = login_with_cargo_printing_in(version_line);
    out
}

/// `cnbcargo login` with a `cargo` that answers `cargo -V` with
/// `version_line`: (output, env, the redactions of its snapshots).
fn login_with_cargo_printing_in(version_line: &str) -> (std::process::Output, TestEnv, Redact) {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = configured_env(&registry);
    let fake = cargo_claiming(&env, version_line, Some(&env.path().join("logs")));
    env.env("CARGO", &fake);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    let redact = Redact::new(&env).registry(&registry);
    (out, env, redact)
}

#[test]
fn too_old_cargo_is_refused() {
    let (out, env, redact) = login_with_cargo_printing_in("cargo 1.72.1 (103a7ff2e 2023-08-15)");
    // The old cargo never got the token: `cargo login` was never started
    // (the gate comes first), so it could not print half a line either.
    assert!(!env.cargo_home().join("credentials.toml").exists());
    let argv = std::fs::read_to_string(env.path().join("logs/argv.log")).unwrap_or_default();
    assert!(!argv.lines().any(|l| l.starts_with("login")), "{argv}");
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
     Checked the token with `cnb-cargo-repo`: it may publish
error: cargo 1.72.1 is too old: cnbcargo needs cargo 1.73 or later

hint: run `rustup update stable`, or set `CARGO` to a newer cargo

"#]],
    );
}

#[test]
fn cargo_1_73_gets_a_warning() {
    let (out, _env, redact) = login_with_cargo_printing_in("cargo 1.73.0 (9c4383fb5 2023-08-26)");
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
     Checked the token with `cnb-cargo-repo`: it may publish
warning: cargo 1.73.0: credential providers and authenticated registries are stable only from cargo 1.74
hint: run `rustup update stable` if cargo cannot authenticate to the registry
    Updating `cnb-cargo-repo` index
       Login token for `cnb-cargo-repo` saved
   Logged in to `cnb-cargo-repo` (sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages/)

"#]],
    );
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
    let (out, env, redact) = login_with_cargo_printing_in("this is not cargo");
    assert!(!env.cargo_home().join("credentials.toml").exists());
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
     Checked the token with `cnb-cargo-repo`: it may publish
error: cannot read cargo's version from `[ROOT]/bin/cargo -V`: expected `cargo <version>`, got `this is not cargo`

hint: `CARGO` or `PATH` may point at something that is not cargo

"#]],
    );
}

#[test]
fn missing_cargo_is_a_clear_error() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = configured_env(&registry);
    env.env("CARGO", env.path().join("no/such/cargo"));
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
     Checked the token with `cnb-cargo-repo`: it may publish
error: could not run `[ROOT]/no/such/cargo -V`: No such file or directory (os error 2)

hint: install Rust with rustup (https://rustup.rs), or set `CARGO` to the cargo binary

"#]],
    );
}
