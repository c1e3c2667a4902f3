//! The token canary: a unique token goes through every command, and must
//! show up only on cargo's stdin, in cargo's credentials store and in the
//! registry's `Authorization` headers.

use crate::support::*;

#[test]
fn token_never_leaks() {
    let token = format!("cnbcanary{}x{}", std::process::id(), 7919);
    let registry = TestRegistry::builder().token(&token).start();
    let mut env = TestEnv::new();
    let (wrapper, logs) = recording_cargo(&env);
    env.env("CARGO", &wrapper);
    env.env("RUST_BACKTRACE", "1");

    let mut outputs = Vec::new();
    outputs.push(run(env.cnbcargo().args([
        "init",
        "-vv",
        &registry.http_index(),
    ])));
    let mut with_env_token = env.cnbcargo();
    with_env_token
        .env("CNB_TOKEN", &token)
        .args(["login", "-vv"]);
    outputs.push(run(&mut with_env_token));
    outputs.push(run_with_stdin(
        env.cnbcargo().args(["login", "-vv", "--token-stdin"]),
        format!("{token}\n").as_bytes(),
    ));
    // Failure paths: an unknown registry, a token with whitespace, a broken cargo.
    outputs.push(run_with_stdin(
        env.cnbcargo().args(["login", "-vv", "--registry", "nope"]),
        token.as_bytes(),
    ));
    outputs.push(run_with_stdin(
        env.cnbcargo().args(["login", "-vv"]),
        format!("{token} {token}\n").as_bytes(),
    ));
    let mut broken = env.cnbcargo();
    broken
        .env("CARGO", env.path().join("missing-cargo"))
        .env("CNB_TOKEN", &token)
        .args(["login", "-vv"]);
    outputs.push(run(&mut broken));

    let lib = env.new_crate("canary-lib", "canary-lib", "0.1.0", "");
    let publish = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert_success(&publish);
    outputs.push(run(env.cnbcargo().args(["logout", "-vv"])));

    assert_not_shown(&token, &outputs.iter().collect::<Vec<_>>());
    assert!(outputs[1].status.success() && outputs[2].status.success());
    for failed in &outputs[3..6] {
        assert!(!failed.status.success());
    }
    assert_not_on_argv(&token, &logs, "login --registry cnb-cargo-repo");
    let stdin = std::fs::read_to_string(logs.join("stdin.log")).unwrap();
    assert!(
        stdin.contains(&token),
        "the token reached cargo through stdin"
    );
    // Files: only cargo's credentials store may hold it (and the wrapper's
    // own stdin log, which is this test's recording).
    assert_not_in_files(
        &token,
        env.path(),
        &[
            env.cargo_home().join("credentials.toml"),
            logs.join("stdin.log"),
        ],
    );
    assert!(
        registry
            .requests()
            .iter()
            .any(|r| r.header("authorization") == Some(token.as_str()))
    );
    assert_only_in_authorization(&token, &registry);
}

/// The same for the commands that use the token themselves: the API and
/// the index with it, cargo children given it through the environment,
/// failures, retries and `-vv`.
#[test]
fn token_never_leaks_from_api_commands() {
    let token = format!("cnbapicanary{}z{}", std::process::id(), 104729);
    let registry = TestRegistry::builder()
        .token(&token)
        .upstream("canary-crate", "1.0.0")
        .start();
    let mut env = TestEnv::new();
    let (wrapper, logs) = recording_cargo(&env);
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    // No `cargo login`: cnbcargo hands cargo the token from `CNB_TOKEN`.
    env.env("CARGO", &wrapper)
        .env("CNB_TOKEN", &token)
        .env("CNB_API_ENDPOINT", registry.api_url())
        .env("RUST_BACKTRACE", "1");
    let lib = env.new_crate("canary-crate", "canary-crate", "1.0.0", "");
    registry.add_version("other-crate", "0.1.0");
    registry.add_version("other-crate", "0.2.0");

    let mut outputs = Vec::new();
    registry.fail_next("/cargo/canary-crate/-/tags", 1, 503);
    outputs.push(run(env
        .cnbcargo()
        .args(["publish", "-vv", "--", "--no-verify"])
        .current_dir(&lib)));
    outputs.push(run(env
        .cnbcargo()
        .args(["publish", "-vv"])
        .current_dir(&lib)));
    outputs.push(run(env.cnbcargo().args(["list", "-vv"])));
    outputs.push(run(env.cnbcargo().args([
        "list",
        "-vv",
        "canary-crate",
        "--json",
    ])));
    outputs.push(run(env.cnbcargo().args(["yank", "-vv", "other-crate@<1"])));
    outputs.push(run(env.cnbcargo().args([
        "delete",
        "-vv",
        "other-crate@0.1.0",
        "--dry-run",
    ])));
    outputs.push(run(env.cnbcargo().args([
        "delete",
        "-vv",
        "other-crate@0.1.0",
        "--yes",
    ])));
    registry.fail_next("/-/tag/0.2.0", 100, 500);
    outputs.push(run(env.cnbcargo().args([
        "delete",
        "-vv",
        "other-crate@0.2.0",
        "--yes",
    ])));
    outputs.push(run(env.cnbcargo().args([
        "delete",
        "-vv",
        "other-crate@9",
        "--yes",
    ])));
    let mut wrong = env.cnbcargo();
    wrong
        .env("CNB_TOKEN", format!("{token}-wrong"))
        .args(["list", "-vv"]);
    outputs.push(run(&mut wrong));
    // doctor reads the same token and sends it to the index and the API.
    outputs.push(run(env.cnbcargo().args(["doctor", "-vv"])));
    outputs.push(run(env.cnbcargo().args(["doctor", "-vv", "--json"])));

    assert!(outputs[0].status.success(), "{}", stderr(&outputs[0]));
    assert!(outputs[6].status.success(), "{}", stderr(&outputs[6]));
    assert!(
        !outputs[7].status.success()
            && !outputs[8].status.success()
            && !outputs[9].status.success()
    );
    assert_eq!(
        registry.versions("canary-crate"),
        [("1.0.0".to_string(), false)]
    );
    assert_not_shown(&token, &outputs.iter().collect::<Vec<_>>());
    assert_not_on_argv(&token, &logs, "publish --registry cnb-cargo-repo");
    assert_not_in_files(&token, env.path(), &[]);
    assert_only_in_authorization(&token, &registry);
}

/// The provider's paths: cargo asks `cnbcargo --cargo-plugin` for the
/// token (from the keyring, then from `CNB_TOKEN`) while cargo's own
/// output is shown at `-vv`; the token is never printed, on an argv or in
/// a file, and cargo's `credentials.toml` is never written.
#[test]
fn token_never_leaks_through_the_credential_provider() {
    let token = format!("cnbprovcanary{}q{}", std::process::id(), 7727);
    let registry = TestRegistry::builder()
        .token(&token)
        .upstream("prov-canary", "1.0.0")
        .start();
    let mut env = provider_env(&registry);
    let (wrapper, logs) = recording_cargo(&env);
    // The `cnbcargo` cargo finds on `PATH` records its argv too.
    let provider_log = logs.join("provider-argv.log");
    write_script(
        &env.path().join("bin/cnbcargo"),
        &format!(
            "printf '%s\\n' \"$*\" >> '{log}'\nexec '{real}' \"$@\"\n",
            log = provider_log.display(),
            real = cnbcargo_bin().display()
        ),
    );
    env.env("PATH", path_with(&[&env.path().join("bin")]))
        .env("CARGO", &wrapper)
        .env("RUST_BACKTRACE", "1");
    let service = crate::support::keyring::own_service(&mut env, &registry, "canary");
    let keyring = crate::support::keyring::usable();

    let mut outputs = Vec::new();
    // No token anywhere yet: cargo's own failure, at -vv.
    let lib = env.new_crate("prov-canary", "prov-canary", "1.0.0", "");
    outputs.push(run(env
        .cargo()
        .args(["publish", "-vv", "--no-verify"])
        .current_dir(&lib)));
    assert!(!outputs[0].status.success());
    if keyring {
        outputs.push(run_with_stdin(
            env.cnbcargo().args(["login", "-vv"]),
            format!("{token}\n").as_bytes(),
        ));
        assert!(outputs[1].status.success(), "{}", stderr(&outputs[1]));
        // cnbcargo's placeholder path, its cargo children asking the provider.
        let out = run(env
            .cnbcargo()
            .args(["publish", "-vv", "--", "--no-verify"])
            .current_dir(&lib));
        assert!(out.status.success(), "{}", stderr(&out));
        outputs.push(out);
        outputs.push(run(env
            .cargo()
            .args(["yank", "-vv", "prov-canary@1.0.0"])
            .current_dir(&lib)));
        outputs.push(run(env.cnbcargo().args(["doctor", "-vv"])));
        outputs.push(run(env.cnbcargo().args(["logout", "-vv"])));
        let account = registry.index_url();
        assert!(
            crate::support::keyring::gone(&account, &service),
            "the keyring entry outlived logout"
        );
    }
    // CI: `CNB_TOKEN` only.
    env.env("CNB_TOKEN", &token);
    let lib2 = env.new_crate("prov-canary-2", "prov-canary-2", "0.1.0", "");
    outputs.push(run(env
        .cargo()
        .args(["publish", "-vv", "--no-verify"])
        .current_dir(&lib2)));
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "prov-canary-2 = { version = \"0.1\", registry = \"cnb-cargo-repo\" }\n",
    );
    outputs.push(run(env.cargo().args(["build", "-vv"]).current_dir(&app)));
    outputs.push(run(env.cnbcargo().args(["doctor", "-vv"])));
    outputs.push(run(env.cnbcargo().args(["login", "-vv"])));
    for out in &outputs[outputs.len() - 4..] {
        assert!(out.status.success(), "{}", stderr(out));
    }

    assert_not_shown(&token, &outputs.iter().collect::<Vec<_>>());
    let argv = std::fs::read_to_string(&provider_log).unwrap();
    assert!(
        argv.lines().all(|l| l.ends_with("--cargo-plugin")),
        "{argv}"
    );
    assert!(!argv.contains(&token), "token on the provider's argv");
    if keyring {
        assert_not_on_argv(&token, &logs, "publish --registry cnb-cargo-repo");
    }
    assert!(!env.cargo_home().join("credentials.toml").exists());
    // Only this test's recording of `cargo login`'s stdin holds it.
    assert_not_in_files(&token, env.path(), &[logs.join("stdin.log")]);
    assert_only_in_authorization(&token, &registry);
}
