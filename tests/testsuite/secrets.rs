//! The audit's two secret leaks (issue 18, items 1 and 2): a token that
//! cargo's credential protocol must escape, printed back by the provider's
//! error; and `CNB_TOKEN` handed to a look-alike registry that a cloned
//! repository's config defines.

use crate::support::*;

/// Tokens with the two characters JSON escapes.
const ESCAPED_TOKENS: &[&str] = &["se\\cret-tok", "se\"cret-tok"];

fn assert_no_fragment(text: &str, token: &str) {
    // The token, JSON-escaped or not, and its tail.
    let escaped = token.replace('\\', "\\\\").replace('"', "\\\"");
    for shown in [token, escaped.as_str(), "cret-tok"] {
        assert!(!text.contains(shown), "`{shown}` leaked:\n{text}");
    }
}

#[test]
fn cargo_login_through_the_provider_never_prints_an_escaped_token() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = provider_env(&registry);
    for token in ESCAPED_TOKENS {
        let out = run_with_stdin(
            env.cargo().args(["login", "--registry", "cnb-cargo-repo"]),
            format!("{token}\n").as_bytes(),
        );
        assert!(!out.status.success());
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_no_fragment(&text, token);
        assert!(
            text.contains("`cnbcargo` could not read cargo's request: a value in it, most likely the token, holds a character JSON escapes (`\\`, `\"` or a control character), which CNB tokens never hold"),
            "{text}"
        );
    }
}

#[test]
fn the_provider_answers_an_unreadable_request_without_quoting_it() {
    let env = TestEnv::new();
    let request = r#"{"v":1,"registry":{"index-url":"sparse+https://cargo.cnb.cool/a/b/-/packages/","name":"x"},"kind":"login","token":"se\\cret-tok\"q","args":[]}"#;
    let out = speak_output(&env, &[request, "not json at all cret-tok"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_no_fragment(&text, "se\\cret-tok\"q");
    let answers = stdout(&out);
    let lines: Vec<&str> = answers.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], r#"{"v":[1]}"#);
    assert!(lines[1].starts_with(r#"{"Err":{"kind":"other","message":"`cnbcargo` could not read cargo's request: a value in it"#), "{text}");
    assert!(lines[2].contains("not the credential protocol"), "{text}");
}

#[test]
fn every_reader_refuses_an_escaped_token_alike() {
    let registry = TestRegistry::builder().token("tok").start();
    for token in ESCAPED_TOKENS {
        let mut env = TestEnv::new();
        assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
        env.env("CNB_API_ENDPOINT", registry.api_url());
        let out = run_with_stdin(
            env.cnbcargo().args(["login", "--token-stdin"]),
            format!("{token}\n").as_bytes(),
        );
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert_no_fragment(&err, token);
        assert!(
            err.contains("error: the token from standard input contains `\\` or `\"`, which CNB tokens never hold")
                || err.contains("contains `\\` or `\"`, which CNB tokens never hold"),
            "{err}"
        );
        assert!(!env.cargo_home().join("credentials.toml").exists());

        env.env("CNB_TOKEN", token);
        let out = run(env.cnbcargo().arg("list"));
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert_no_fragment(&err, token);
        assert!(
            err.contains("error: the token from the `CNB_TOKEN` environment variable contains `\\` or `\"`, which CNB tokens never hold"),
            "{err}"
        );
    }
    assert!(registry.requests().is_empty());
}

/// A cloned repository defines a registry with a CNB-like path on a host
/// the user never chose. With cnbcargo among cargo's global providers and
/// `CNB_TOKEN` set, a plain `cargo generate-lockfile` there must not hand
/// the token over; once the user configures that registry with `cnbcargo
/// init`, it may.
#[test]
fn cnb_token_never_goes_to_a_look_alike_registry() {
    let evil = TestRegistry::builder().token("tok-secret").start();
    evil.add_version("dep", "1.0.0");
    let mut env = TestEnv::new();
    env.env("PATH", path_with(&[cnbcargo_bin().parent().unwrap()]))
        .env("CNB_TOKEN", "tok-secret");
    env.write(
        "cargo-home/config.toml",
        "[registry]\nglobal-credential-providers = [\"cargo:token\", \"cnbcargo\"]\n",
    );
    env.write(
        "project/.cargo/config.toml",
        &format!("[registries.lookalike]\nindex = \"{}\"\n", evil.index_url()),
    );
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "dep = { version = \"1\", registry = \"lookalike\" }\n",
    );
    let out = run(env.cargo().arg("generate-lockfile").current_dir(&app));
    assert!(!out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("note: `CNB_TOKEN` is set, but not sent to `127.0.0.1`: it is not a CNB host cnbcargo knows"),
        "{err}"
    );
    assert_no_fragment(&err, "tok-secret");
    assert!(!evil.requests().is_empty());
    assert!(
        evil.requests()
            .iter()
            .all(|r| r.header("authorization").is_none()),
        "the token reached the look-alike"
    );

    // cnbcargo's own commands keep it from there too.
    let out = run(env
        .cnbcargo()
        .args(["list", "--registry", "lookalike"])
        .env("CNB_API_ENDPOINT", "https://api.cnb.cool")
        .current_dir(&app));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("`CNB_TOKEN` is set, but not sent to `127.0.0.1`"),
        "{}",
        stderr(&out)
    );
    assert!(
        evil.requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );

    // Nor does `login` take it for that registry (nothing on stdin here).
    let out = run(env
        .cnbcargo()
        .args(["login", "--registry", "lookalike"])
        .current_dir(&app));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("warning: `CNB_TOKEN` is set, but not sent to `127.0.0.1`"),
        "{}",
        stderr(&out)
    );
    assert!(!env.cargo_home().join("credentials.toml").exists());
    assert!(
        evil.requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );

    // The user's own choice: `cnbcargo init` records the host.
    assert_success(&run(env
        .cnbcargo()
        .args(["init", &evil.http_index(), "--name", "lookalike"])
        .current_dir(&app)));
    let out = run(env.cargo().arg("generate-lockfile").current_dir(&app));
    assert_success(&out);
    assert!(
        evil.requests()
            .iter()
            .any(|r| r.header("authorization") == Some("tok-secret"))
    );
}
