use crate::support::*;

/// A project configured for `registry` with `cnbcargo init`.
pub fn configured_env(registry: &TestRegistry) -> TestEnv {
    let env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env
}

pub fn credentials(env: &TestEnv) -> String {
    std::fs::read_to_string(env.cargo_home().join("credentials.toml")).unwrap_or_default()
}

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
    let registry = TestRegistry::builder().start();
    let env = configured_env(&registry);
    for (input, expected) in [
        (&b""[..], "empty"),
        (b"\n", "empty"),
        (b"two words\n", "whitespace"),
    ] {
        let out = run_with_stdin(env.cnbcargo().arg("login"), input);
        assert_failure(&out, 1);
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(!stderr(&out).contains("two words"));
    }
    assert_eq!(credentials(&env), "");
}

#[test]
fn registry_comes_from_default_then_the_only_cnb_registry() {
    let registry = TestRegistry::builder().start();
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
    let other = TestRegistry::builder().slug("acme/other").start();
    assert_success(&run(env.cnbcargo().args([
        "init",
        "--no-default",
        "--name",
        "second",
        &other.http_index(),
    ])));
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("`mine`") && err.contains("`second`") && err.contains("--registry"),
        "{err}"
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
    let registry = TestRegistry::builder().start();
    let env = configured_env(&registry);
    let out = run_with_stdin(
        env.cnbcargo().args(["login", "--registry", "nope"]),
        b"tok\n",
    );
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("`nope` is not in cargo's config"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("`cnb-cargo-repo`"),
        "{}",
        stderr(&out)
    );
    let empty = TestEnv::new();
    let out = run_with_stdin(empty.cnbcargo().arg("login"), b"tok\n");
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("no CNB registry is configured"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cargo_failure_is_shown_with_its_exit_code() {
    let registry = TestRegistry::builder().start();
    let mut env = configured_env(&registry);
    let fake = env.path().join("bin/cargo");
    write_script(
        &fake,
        &format!(
            "if [ \"$1\" = -V ]; then exec '{}' -V; fi\necho 'error: the registry said no' >&2\nexit 101\n",
            real_cargo().display()
        ),
    );
    env.env("CARGO", &fake);
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok\n");
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("the registry said no"), "{err}");
    assert!(err.contains("exit status: 101"), "{err}");
}

#[test]
fn logout_removes_the_token() {
    let registry = TestRegistry::builder().start();
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

/// Whether the kernel keyring lists an entry, by its description
/// (`keyring-rs:ACCOUNT@SERVICE`); the secret itself is not read.
fn kernel_keyring_has(account: &str, service: &str) -> Option<bool> {
    let keys = std::fs::read_to_string("/proc/keys").ok()?;
    let description = format!("keyring-rs:{account}@{service}:");
    Some(keys.lines().any(|line| line.contains(&description)))
}

/// The keyring copy, in the kernel keyring here, under a service name of
/// this test's own that logout removes again.
#[test]
fn keyring_copy_is_kept_and_removed() {
    let registry = TestRegistry::builder().start();
    let mut env = configured_env(&registry);
    let service = format!("cnbcargo-test-{}-{}", std::process::id(), registry.port());
    env.env("CNBCARGO_NO_KEYRING", "")
        .env("CNBCARGO_KEYRING_SERVICE", &service);
    let account = registry.index_url();

    let out = run_with_stdin(env.cnbcargo().args(["login", "-v"]), b"tok-keyring\n");
    assert_success(&out);
    let err = stderr(&out);
    if err.contains("not kept in the OS keyring") {
        // A machine without a usable keyring gets a note, not a failure.
        assert!(!kernel_keyring_has(&account, &service).unwrap_or(false));
        return;
    }
    assert!(
        err.contains("kept a copy of the token in the OS keyring"),
        "{err}"
    );
    if let Some(listed) = kernel_keyring_has(&account, &service) {
        assert!(listed, "no kernel keyring entry for {account}@{service}");
    }
    let out = run(env.cnbcargo().args(["logout", "-v"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Removed the token from the OS keyring"),
        "{}",
        stderr(&out)
    );
    // The kernel collects an invalidated key shortly after, not at once.
    let gone = (0..40).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        kernel_keyring_has(&account, &service) != Some(true)
    });
    assert!(gone, "logout left the keyring entry");

    // `--no-keyring` keeps it out.
    let out = run_with_stdin(
        env.cnbcargo().args(["login", "-v", "--no-keyring"]),
        b"tok-nokeyring\n",
    );
    assert_success(&out);
    assert!(
        stderr(&out).contains("not keeping a copy"),
        "{}",
        stderr(&out)
    );
    if let Some(listed) = kernel_keyring_has(&account, &service) {
        assert!(!listed);
    }
}
