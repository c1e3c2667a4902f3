use snapbox::str;

use crate::support::*;

#[test]
fn login_from_cnb_token_env() {
    let registry = TestRegistry::builder().token("tok-env-1").start();
    let mut env = configured_env(&registry);
    env.env("CNB_TOKEN", "tok-env-1");
    let out = run(env.cnbcargo().args(["login", "-v"]));
    assert_success(&out);
    assert!(stderr(&out).contains("read the token from the `CNB_TOKEN` environment variable"));
    assert!(stderr(&out).contains("Logged in"), "{}", stderr(&out));
    let creds = credentials(&env);
    assert!(
        creds.contains("[registries.cnb-cargo-repo]") && creds.contains("tok-env-1"),
        "{creds}"
    );
}

#[test]
fn login_from_piped_stdin_and_token_stdin() {
    let registry = TestRegistry::builder().token("tok-pipe").start();
    let env = configured_env(&registry);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok-pipe\n");
    assert_success(&out);
    assert!(
        credentials(&env).contains("token = \"tok-pipe\""),
        "{}",
        credentials(&env)
    );

    // `--token-stdin` wins over `CNB_TOKEN`.
    let mut env = configured_env(&registry);
    env.env("CNB_TOKEN", "tok-from-env");
    let out = run_with_stdin(
        env.cnbcargo().args(["login", "--token-stdin"]),
        b"tok-pipe\r\n",
    );
    assert_success(&out);
    let creds = credentials(&env);
    assert!(
        creds.contains("token = \"tok-pipe\"") && !creds.contains("tok-from-env"),
        "{creds}"
    );
}

#[test]
fn empty_and_whitespace_tokens_are_refused() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = configured_env(&registry);
    let redact = Redact::new(&env).registry(&registry);
    for (input, expected) in [
        (
            &b""[..],
            str![[r#"
error: the token from standard input is empty

hint: pipe the token in (`cnbcargo login --token-stdin < token.txt`) or set `CNB_TOKEN`

"#]],
        ),
        (
            b"\n",
            str![[r#"
error: the token from standard input is empty

hint: pipe the token in (`cnbcargo login --token-stdin < token.txt`) or set `CNB_TOKEN`

"#]],
        ),
        (
            b"two words\n",
            str![[r#"
error: the token from standard input contains whitespace

hint: copy the token again: CNB access tokens are a single word of letters and digits

"#]],
        ),
    ] {
        let out = run_with_stdin(env.cnbcargo().arg("login"), input);
        assert_snapshot(&out, 1, &redact, expected);
        assert!(!stderr(&out).contains("two words"));
    }
    assert_eq!(credentials(&env), "");
}

#[test]
fn registry_comes_from_default_then_the_only_cnb_registry() {
    let registry = TestRegistry::builder().token("tok").start();
    // `--no-default`: no `registry.default`, but the only CNB-looking registry is chosen.
    let env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args([
        "init",
        "--no-default",
        "--name",
        "mine",
        &registry.http_index(),
    ])));
    let out = run_with_stdin(env.cnbcargo().args(["login", "-v"]), b"tok\n");
    assert_success(&out);
    assert!(
        stderr(&out).contains("the only CNB registry configured"),
        "{}",
        stderr(&out)
    );
    assert!(credentials(&env).contains("[registries.mine]"));

    // Two CNB registries and no default: an error that lists them.
    let other = TestRegistry::builder()
        .token("tok")
        .slug("acme/other")
        .start();
    assert_success(&run(env.cnbcargo().args([
        "init",
        "--no-default",
        "--name",
        "second",
        &other.http_index(),
    ])));
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    let redact = Redact::new(&env)
        .registry(&registry)
        .with("[OTHER_PORT]", other.port().to_string());
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: several CNB registries are configured and none is `registry.default` (configured: `mine` (sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages/, [ROOT]/project/.cargo/config.toml:5); `second` (sparse+http://127.0.0.1:[OTHER_PORT]/acme/other/-/packages/, [ROOT]/project/.cargo/config.toml:8))

hint: pass `--registry NAME`

"#]],
    );

    // `CARGO_REGISTRY_DEFAULT` picks one, as it does for cargo.
    let mut env2 = TestEnv::new();
    std::fs::rename(env.project().join(".cargo"), env2.project().join(".cargo")).unwrap();
    env2.env("CARGO_REGISTRY_DEFAULT", "second");
    let out = run_with_stdin(env2.cnbcargo().args(["login", "-v"]), b"tok\n");
    assert_success(&out);
    assert!(
        stderr(&out).contains("CARGO_REGISTRY_DEFAULT"),
        "{}",
        stderr(&out)
    );
    assert!(credentials(&env2).contains("[registries.second]"));
}

#[test]
fn unknown_registry_is_an_error_listing_what_exists() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = configured_env(&registry);
    let out = run_with_stdin(
        env.cnbcargo().args(["login", "--registry", "nope"]),
        b"tok\n",
    );
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
error: registry `nope` is not in cargo's config (configured: `cnb-cargo-repo` (sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages/, [ROOT]/project/.cargo/config.toml:6))

hint: run `cnbcargo init <group/registry> --name NAME` to add it

"#]],
    );
    let empty = TestEnv::new();
    let out = run_with_stdin(empty.cnbcargo().arg("login"), b"tok\n");
    assert_snapshot(
        &out,
        1,
        &Redact::new(&empty),
        str![[r#"
error: no CNB registry is configured here (no registries are configured)

hint: run `cnbcargo init <group/registry>` first, or pass `--registry NAME`

"#]],
    );
}

#[test]
fn cargo_failure_is_shown_with_its_exit_code() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = configured_env(&registry);
    let fake = failing_cargo(&env, "error: the registry said no", 101);
    env.env("CARGO", &fake);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
     Checked the token with `cnb-cargo-repo`: it may publish
error: the registry said no
error: `cargo login --registry cnb-cargo-repo` failed (exit status: 101)

hint: cargo's own message is above

"#]],
    );
}

#[test]
fn logout_removes_the_token() {
    let registry = TestRegistry::builder().token("tok-out").start();
    let env = configured_env(&registry);
    assert_success(&run_with_stdin(env.cnbcargo().arg("login"), b"tok-out\n"));
    assert!(credentials(&env).contains("tok-out"));
    let out = run(env.cnbcargo().arg("logout"));
    assert_success(&out);
    assert!(
        !credentials(&env).contains("tok-out"),
        "{}",
        credentials(&env)
    );
}

/// Where cnbcargo reads the token cargo stored (`credentials.toml`),
/// that is the one copy: `login` keeps none in the OS keyring and removes
/// one an earlier login left there (two copies drift apart at the next
/// plain `cargo login`), `--no-keyring` or not. In the kernel keyring
/// here, under a service name of this test's own.
#[test]
fn login_keeps_one_copy_and_removes_an_older_keyring_copy() {
    let registry = TestRegistry::builder().token("tok-keyring").start();
    let mut env = configured_env(&registry);
    let service = crate::support::keyring::own_service(&mut env, &registry, "login");
    if !crate::support::keyring::usable() {
        return;
    }
    let account = registry.index_url();
    let _older = crate::support::keyring::plant(&account, &service, "tok-older");
    assert_eq!(crate::support::keyring::has(&account, &service), Some(true));

    let out = run_with_stdin(
        env.cnbcargo().args(["login", "-v"]),
        b"tok-keyring
",
    );
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Removed the older copy of the token of `cnb-cargo-repo` from the OS keyring"),
        "{err}"
    );
    assert!(err.contains("no copy in the OS keyring"), "{err}");
    assert!(
        crate::support::keyring::gone(&account, &service),
        "login left the older keyring copy"
    );
    assert!(credentials(&env).contains("tok-keyring"));

    for args in [&["login", "-v"][..], &["login", "-v", "--no-keyring"]] {
        let out = run_with_stdin(
            env.cnbcargo().args(args),
            b"tok-keyring
",
        );
        assert_success(&out);
        assert!(!stderr(&out).contains("Removed"), "{}", stderr(&out));
        assert_eq!(
            crate::support::keyring::has(&account, &service),
            Some(false)
        );
    }
    let out = run(env.cnbcargo().args(["logout", "-v"]));
    assert_success(&out);
    assert!(!credentials(&env).contains("tok-keyring"));
}

/// `configured_env` with CNB's API known (`CNB_API_ENDPOINT`), as in a
/// CNB pipeline.
fn env_with_api(registry: &TestRegistry) -> TestEnv {
    let mut env = configured_env(registry);
    env.env("CNB_API_ENDPOINT", registry.api_url());
    env
}

#[test]
fn a_token_the_registry_refuses_is_an_error_and_nothing_is_stored() {
    let registry = TestRegistry::builder().token("good").start();
    let env = env_with_api(&registry);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"wrongtoken\n");
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert_eq!(
        err,
        "error: the index of `cnb-cargo-repo` refused the token (401); nothing was stored\n\
         \n\
         hint: the token may be mistyped, expired or revoked: copy it again, or create a new one\n",
    );
    assert_eq!(credentials(&env), "");
    // Only reads were sent: the index said no before any right was probed.
    assert!(
        registry.requests().iter().all(|r| r.method == "GET"),
        "{:?}",
        registry.requests()
    );
}

/// The whole message, as a snapshot: what failed, each cause, and what to do.
#[cfg(target_os = "linux")] // the last cause is the OS's own wording
#[test]
fn a_registry_that_cannot_be_reached_is_a_whole_error_chain() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = configured_env(&registry);
    // A port that nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = env.cargo_home().join("config.toml");
    let project_config = env.project().join(".cargo/config.toml");
    let text = std::fs::read_to_string(&project_config).unwrap();
    std::fs::write(
        &project_config,
        text.replace(&registry.port().to_string(), &port.to_string()),
    )
    .unwrap();
    assert!(!config.exists());
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    assert_failure(&out, 1);
    let err = stderr(&out).replace(&port.to_string(), "PORT");
    assert_eq!(
        err,
        "error: the token was not checked, and nothing was stored\n\
         \n\
         Caused by:\n  \
           cannot ask the index of `cnb-cargo-repo` about the token\n  \
           could not reach `http://127.0.0.1:PORT/acme/crates/-/packages/config.json` (connection refused)\n  \
           error sending request\n  \
           client error (Connect)\n  \
           tcp connect error\n  \
           Connection refused (os error 111)\n\
         \n\
         hint: pass `--no-verify-token` to store it without this check (cargo still reads the index's `config.json`)\n\
         hint: nothing answers there: are the host and port right? is a proxy needed?\n",
    );
    assert_eq!(credentials(&env), "");

    // `--no-verify-token` skips the check: a token the registry does not
    // know is stored as given.
    std::fs::write(&project_config, text).unwrap();
    let out = run_with_stdin(
        env.cnbcargo().args(["login", "--no-verify-token"]),
        b"unknown-to-the-registry\n",
    );
    assert_success(&out);
    assert!(
        stderr(&out).contains("the token was not checked with the registry"),
        "{}",
        stderr(&out)
    );
    assert!(credentials(&env).contains("token = \"unknown-to-the-registry\""));
}

#[test]
fn what_the_token_may_do_is_said_and_a_read_only_token_is_a_warning() {
    let registry = TestRegistry::builder()
        .token("all")
        .token_with_scopes("ro", &[registry_mod::READ])
        .token_with_scopes("rw", &[registry_mod::READ, registry_mod::WRITE])
        .start();
    registry.add_version("kept", "1.0.0");
    let env = env_with_api(&registry);

    let out = run_with_stdin(env.cnbcargo().arg("login"), b"all\n");
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Checked the token with `cnb-cargo-repo`: it may read, publish, delete"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");

    let out = run_with_stdin(env.cnbcargo().arg("login"), b"rw\n");
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("it may read, publish\n"), "{err}");
    assert!(
        err.contains(
            "note: this token may not delete from `cnb-cargo-repo`: `cnbcargo delete` will fail"
        ),
        "{err}"
    );

    let out = run_with_stdin(env.cnbcargo().arg("login"), b"ro\n");
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("warning: this token may not publish `cnb-cargo-repo`: `cnbcargo publish`, `cargo publish` and `cargo yank` will fail with 403"),
        "{err}"
    );
    assert!(
        err.contains("hint: create a token with `registry-package:rw`"),
        "{err}"
    );
    assert!(credentials(&env).contains("token = \"ro\""));

    // The probes changed nothing, and named no real crate.
    assert_eq!(registry.versions("kept"), [("1.0.0".to_string(), false)]);
    for request in registry.requests() {
        if request.method != "GET" {
            assert!(
                request.url.contains("cnbcargo-token-check"),
                "{}",
                request.url
            );
        }
    }
}

#[test]
fn without_cnb_api_the_index_and_web_api_are_asked() {
    let registry = TestRegistry::builder()
        .token_with_scopes("ro", &[registry_mod::READ])
        .start();
    let env = configured_env(&registry);
    let out = run_with_stdin(env.cnbcargo().args(["login", "-v"]), b"ro\n");
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("warning: this token may not publish"), "{err}");
    assert!(
        err.contains("not asked whether the token may delete: CNB's API is not known"),
        "{err}"
    );
    assert!(registry.api_requests().is_empty());
}

/// An API that answers 404 to everything (a wrong endpoint or registry
/// path) proves no right: read and delete stay unknown, with a note.
#[test]
fn a_wrong_api_endpoint_proves_nothing() {
    let registry = TestRegistry::builder().token("all-scopes").start();
    let mut env = configured_env(&registry);
    env.env(
        "CNB_API_ENDPOINT",
        format!("{}/elsewhere", registry.api_url()),
    );
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"all-scopes\n");
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Checked the token with `cnb-cargo-repo`: it may publish\n"),
        "{err}"
    );
    assert!(
        err.contains("note: could not tell whether the token may read"),
        "{err}"
    );
    assert!(
        err.contains(
            "note: could not tell whether the token may delete: CNB's API gave no package list"
        ),
        "{err}"
    );
}

/// A public index answers any token: accepting it proves nothing, and
/// login says so rather than "checked".
#[test]
fn a_public_index_is_said_to_prove_nothing() {
    let registry = TestRegistry::builder()
        .token("pub-token")
        .auth_required(false)
        .start();
    let env = configured_env(&registry);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"pub-token\n");
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("note: the index of `cnb-cargo-repo` is public: it answers any token, so only the API could check this one"),
        "{err}"
    );
    // The Web API still tells: this token may publish.
    assert!(
        err.contains("Checked the token with `cnb-cargo-repo`: it may publish\n"),
        "{err}"
    );
}
