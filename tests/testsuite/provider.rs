//! cnbcargo as cargo's credential provider: the real cargo runs
//! `cnbcargo --cargo-plugin` for the registry, and publishes, yanks and
//! builds with no `credentials.toml` at all, from `CNB_TOKEN` or from the
//! kernel keyring.

use std::path::Path;

use crate::support::keyring;
use crate::support::*;

fn no_credentials_file(env: &TestEnv) {
    for name in ["credentials.toml", "credentials"] {
        assert!(
            !env.cargo_home().join(name).exists(),
            "cargo wrote `{name}`"
        );
    }
}

/// Publish, yank and a consumer build, with the real cargo only.
fn publish_yank_and_build(env: &TestEnv, registry: &TestRegistry, name: &str) {
    let lib = env.new_crate(name, name, "0.1.0", "");
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert_success(&out);
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(env.new_crate(&format!("{name}-2"), name, "0.2.0", "")));
    assert_success(&out);
    let out = run(env
        .cargo()
        .args(["yank", &format!("{name}@0.2.0")])
        .current_dir(&lib));
    assert_success(&out);
    assert_eq!(
        registry.versions(name),
        vec![("0.1.0".to_string(), false), ("0.2.0".to_string(), true)]
    );
    let app = env.new_crate(
        &format!("app-{name}"),
        "app",
        "0.1.0",
        &format!("{name} = {{ version = \"0.1\", registry = \"cnb-cargo-repo\" }}\n"),
    );
    let out = run(env.cargo().arg("build").current_dir(&app));
    assert_success(&out);
    let download = registry
        .requests()
        .into_iter()
        .find(|r| r.url.ends_with(&format!("/{name}/0.1.0/download")))
        .expect("the consumer downloaded the crate");
    assert_eq!(download.status, 200);
}

fn authorized_with(registry: &TestRegistry, token: &str) {
    let requests = registry.requests();
    let publish = requests
        .iter()
        .find(|r| r.url.ends_with("/api/v1/crates/new"))
        .expect("a publish request");
    assert_eq!(publish.header("authorization"), Some(token));
}

#[test]
fn cargo_publishes_yanks_and_builds_with_cnb_token_and_no_credentials_file() {
    let registry = TestRegistry::builder().token("tok-provider-env").start();
    let mut env = provider_env(&registry);
    env.env("CNB_TOKEN", "tok-provider-env");
    let config = env.read("project/.cargo/config.toml");
    assert!(
        config.contains("credential-provider = \"cnbcargo\""),
        "{config}"
    );
    assert!(!config.contains("global-credential-providers"), "{config}");

    // No login at all: the provider answers from `CNB_TOKEN`.
    publish_yank_and_build(&env, &registry, "prov-env");
    authorized_with(&registry, "tok-provider-env");
    no_credentials_file(&env);

    // doctor names the provider and asks it, as cargo does.
    let out = run(env.cnbcargo().arg("doctor"));
    assert_success(&out);
    let report = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        report.contains(
            "cargo gets the token for `cnb-cargo-repo` from the `cnbcargo` credential provider"
        ),
        "{report}"
    );
    assert!(
        report.contains("answers cargo with the token from `CNB_TOKEN`"),
        "{report}"
    );
    assert!(!report.contains("cargo has no token"), "{report}");

    // `cnbcargo login` in this mode checks the token and stores nothing.
    let out = run(env.cnbcargo().arg("login"));
    assert_success(&out);
    assert!(
        stderr(&out).contains("nothing to store"),
        "{}",
        stderr(&out)
    );
    no_credentials_file(&env);
}

#[test]
fn cargo_publishes_yanks_and_builds_from_the_keyring_and_logout_removes_it() {
    let registry = TestRegistry::builder()
        .token("tok-provider-keyring")
        .start();
    let mut env = provider_env(&registry);
    let service = keyring::own_service(&mut env, &registry, "provider");
    if !keyring::usable() {
        return;
    }

    let out = run_with_stdin(env.cnbcargo().arg("login"), b"tok-provider-keyring\n");
    assert_success(&out);
    assert!(
        stderr(&out).contains("the token is in the OS keyring"),
        "{}",
        stderr(&out)
    );
    // The provider's "no token" note is not shown while the token is stored.
    assert!(!stderr(&out).contains("no token for"), "{}", stderr(&out));
    no_credentials_file(&env);
    let account = registry.index_url();
    assert_eq!(
        keyring::has(&account, &service),
        Some(true),
        "no kernel keyring entry for {account}@{service}"
    );

    publish_yank_and_build(&env, &registry, "prov-keyring");
    authorized_with(&registry, "tok-provider-keyring");
    no_credentials_file(&env);

    // logout goes through cargo to the provider, which removes the entry.
    let out = run(env.cnbcargo().arg("logout"));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Removed the token of `cnb-cargo-repo` from the OS keyring"),
        "{}",
        stderr(&out)
    );
    assert!(
        keyring::gone(&account, &service),
        "the keyring entry outlived logout"
    );

    // Without a token, cargo's failure says what to do.
    let fresh = env.new_crate("after-logout", "after-logout", "0.1.0", "");
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&fresh));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cnbcargo login"), "{err}");
    assert!(err.contains("CNB_TOKEN"), "{err}");
}

#[test]
fn speaks_protocol_version_one() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = provider_env(&registry);
    let index = registry.index_url();
    let get = format!(
        r#"{{"v":1,"registry":{{"index-url":"{index}","name":"cnb-cargo-repo"}},"kind":"get","operation":"read","args":[]}}"#
    );
    // The hello, then "not found" for a registry with no token anywhere.
    let out = speak(&env, &[&get]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], r#"{"v":[1]}"#);
    assert_eq!(lines[1], r#"{"Err":{"kind":"not-found"}}"#);

    // `CNB_API_ENDPOINT` names the CNB host `CNB_TOKEN` belongs to.
    let mut with_token = TestEnv::new();
    with_token
        .env("CNB_TOKEN", "tok-from-env")
        .env("CNB_API_ENDPOINT", registry.api_url());
    let out = speak(&with_token, &[&get, &get]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in &lines[1..] {
        assert_eq!(
            *line,
            r#"{"Ok":{"kind":"get","token":"tok-from-env","cache":"session","operation_independent":true}}"#
        );
    }

    // `CNB_TOKEN` goes to CNB registries only: crates.io and other kinds
    // of registry are not this provider's (cargo asks the next one), and
    // plain http to another machine is refused.
    for (index_url, answer) in [
        (
            "https://github.com/rust-lang/crates.io-index",
            "url-not-supported",
        ),
        ("sparse+https://index.crates.io/", "url-not-supported"),
        (
            "sparse+https://registry.example.com/index/",
            "url-not-supported",
        ),
        (
            "sparse+http://evil.example.com/x/-/packages/",
            "plain `http://`",
        ),
        // A CNB-shaped index on a host nobody chose gets no `CNB_TOKEN`.
        (
            "sparse+https://cnb.cool.evil.example.com/x/-/packages/",
            r#"{"Err":{"kind":"not-found"}}"#,
        ),
    ] {
        let request = format!(
            r#"{{"v":1,"registry":{{"index-url":"{index_url}"}},"kind":"get","operation":"read","args":[]}}"#
        );
        let out = speak(&with_token, &[&request]);
        let reply = out.lines().nth(1).unwrap();
        assert!(reply.contains(answer), "{index_url}: {reply}");
        assert!(!reply.contains("tok-from-env"), "{index_url}: {reply}");
    }

    // A kind it does not know, and a protocol version it does not speak.
    let out = speak(
        &env,
        &[r#"{"v":1,"registry":{"index-url":"x"},"kind":"owners-v9","args":[]}"#],
    );
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .contains("operation-not-supported"),
        "{out}"
    );
}

#[test]
fn a_missing_token_fails_clearly_in_cargos_own_output() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = provider_env(&registry);
    let lib = env.new_crate("no-token", "no-token", "0.1.0", "");
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no token for `cnb-cargo-repo`")
            && err.contains("hint: run `cnbcargo login --registry cnb-cargo-repo`"),
        "{err}"
    );
    assert!(registry.uploads().is_empty());

    let out = run(env.cnbcargo().args(["doctor", "--offline"]));
    assert_failure(&out, 1);
    let report = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        report.contains("has no token for `cnb-cargo-repo`")
            && report.contains("run `cnbcargo login --registry cnb-cargo-repo`"),
        "{report}"
    );
}

#[test]
fn login_refuses_when_the_provider_is_not_on_path() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = provider_env(&registry);
    env.env("PATH", Path::new("/nonexistent-bin"))
        .env("CNBCARGO_NO_KEYRING", "");
    let out = run_with_stdin(
        env.cnbcargo()
            .args(["login", "--no-verify-token"])
            .env("CARGO", real_cargo()),
        b"tok\n",
    );
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("no `cnbcargo` on `PATH`"), "{err}");
    no_credentials_file(&env);
    // In CI too, where `CNB_TOKEN` needs no storing: cargo would fail later.
    let out = run(env
        .cnbcargo()
        .args(["login", "--no-verify-token"])
        .env("CNB_TOKEN", "tok")
        .env("CARGO", real_cargo()));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("no `cnbcargo` on `PATH`"),
        "{}",
        stderr(&out)
    );
}

/// Provider mode with no usable keyring and a token left in
/// `credentials.toml`: init says the plaintext copy stays, doctor warns
/// that cargo ignores it, cnbcargo's own commands do not use it either
/// (cargo could not), and logout removes it.
#[test]
fn a_plaintext_token_cargo_ignores_is_said_and_removed() {
    let registry = TestRegistry::builder().token("tok-left").start();
    let mut env = logged_in_env(&registry, "tok-left");
    env.env("CNB_TOKEN", "");
    let credentials = env.cargo_home().join("credentials.toml");
    let out = init_provider(&mut env, &registry);
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("still holds the token of `cnb-cargo-repo`, which cargo no longer reads"),
        "{err}"
    );
    assert!(
        std::fs::read_to_string(&credentials)
            .unwrap()
            .contains("tok-left")
    );

    let out = run(env.cnbcargo().args(["doctor", "--offline"]));
    let report = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        report.contains("cargo ignores the token for `cnb-cargo-repo`"),
        "{report}"
    );
    let out = run(env.cnbcargo().arg("list"));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("no token for registry `cnb-cargo-repo` (cargo asks cnbcargo for it"),
        "{}",
        stderr(&out)
    );

    let out = run(env.cnbcargo().arg("logout"));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Removed the plaintext token of `cnb-cargo-repo`"),
        "{}",
        stderr(&out)
    );
    assert!(
        !std::fs::read_to_string(&credentials)
            .unwrap()
            .contains("tok-left")
    );
}

/// `cargo login` on a terminal with cnbcargo as the provider: cargo leaves
/// the asking to the provider, which reads the token without echo, as
/// `cnbcargo login` does, and keeps it in the keyring.
#[test]
fn cargo_login_on_a_terminal_asks_without_echo() {
    let registry = TestRegistry::builder().token("tok-typed-in").start();
    let mut env = provider_env(&registry);
    let service = keyring::own_service(&mut env, &registry, "pty");
    if !keyring::usable() {
        return;
    }
    let mut pty = crate::support::pty::Pty::spawn(env.cargo().args([
        "login",
        "--registry",
        "cnb-cargo-repo",
    ]));
    pty.expect("token for `cnb-cargo-repo` (input hidden): ");
    pty.send("tok-typed-in\n");
    let (status, screen) = pty.wait();
    assert!(status.success(), "{screen}");
    assert!(!screen.contains("tok-typed-in"), "echoed: {screen}");
    no_credentials_file(&env);
    assert_eq!(keyring::has(&registry.index_url(), &service), Some(true));
    assert_success(&run(env.cargo().args([
        "logout",
        "--registry",
        "cnb-cargo-repo",
    ])));
}

/// A registry moved to the provider's mode: its token leaves
/// `credentials.toml` for the keyring, and cargo goes on publishing.
#[test]
fn switching_to_the_provider_moves_the_plaintext_token() {
    let registry = TestRegistry::builder().token("tok-moved").start();
    let mut env = logged_in_env(&registry, "tok-moved");
    let credentials = env.cargo_home().join("credentials.toml");
    assert!(
        std::fs::read_to_string(&credentials)
            .unwrap()
            .contains("tok-moved")
    );
    env.env("CNB_TOKEN", "");
    let service = keyring::own_service(&mut env, &registry, "move");
    if !keyring::usable() {
        return;
    }
    let out = init_provider(&mut env, &registry);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Moved the token of `cnb-cargo-repo` from"),
        "{}",
        stderr(&out)
    );
    assert!(
        !std::fs::read_to_string(&credentials)
            .unwrap()
            .contains("tok-moved")
    );
    let lib = env.new_crate("moved", "moved", "0.1.0", "");
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert_success(&out);
    assert!(
        !stderr(&out).contains("will be ignored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.versions("moved"), [("0.1.0".to_string(), false)]);
    assert_success(&run(env.cnbcargo().arg("logout")));
    assert!(
        keyring::gone(&registry.index_url(), &service),
        "the keyring entry outlived logout"
    );
}
