//! One token per registry: whatever cnbcargo sends is the token cargo
//! itself would send. A token rotated with plain `cargo login` after
//! `cnbcargo login` wins over cnbcargo's own copies (`CNB_TOKEN`, the OS
//! keyring); `-v` names the copy used; `doctor` fails on a keyring copy
//! that differs, without showing either token.

use crate::support::registry_mod::{READ, WRITE};
use crate::support::*;

/// Token A may only read (it cannot yank: 403); B may do everything.
const A: &str = "tok-only-reads";
const B: &str = "tok-rotated-full";

fn registry() -> TestRegistry {
    let registry = TestRegistry::builder()
        .token_with_scopes(A, &[READ])
        .token_with_scopes(B, &[READ, WRITE])
        .start();
    registry.add_version("onetok", "0.1.0");
    registry.add_version("onetok", "0.2.0");
    registry
}

/// Plain `cargo login`, the token on its standard input, as CNB's docs
/// and a rotation do it.
fn cargo_login(env: &TestEnv, token: &str) {
    let out = run_with_stdin(
        env.cargo().args(["login", "--registry", "cnb-cargo-repo"]),
        format!("{token}\n").as_bytes(),
    );
    assert_success(&out);
}

/// The token the registry's yank request carried.
fn yank_authorization(registry: &TestRegistry) -> Option<String> {
    registry
        .requests()
        .iter()
        .rev()
        .find(|r| r.url.ends_with("/yank"))
        .and_then(|r| r.header("authorization").map(str::to_string))
}

#[track_caller]
fn assert_no_token(outputs: &[&std::process::Output]) {
    for token in [A, B] {
        assert_not_shown(token, outputs);
    }
}

/// The case: `cnbcargo login` with A (which left a keyring copy
/// in earlier versions: planted here as they left it), then plain
/// `cargo login` with B. cnbcargo's yank goes through with B as cargo's
/// does, `-v` names `credentials.toml`, and `doctor` fails on the two
/// copies without showing either; `cnbcargo login` again leaves one.
#[test]
fn cargo_login_after_cnbcargo_login_wins_and_doctor_fails_on_the_keyring_copy() {
    let registry = registry();
    let mut env = configured_env(&registry);
    env.env("CNB_API_ENDPOINT", registry.api_url());
    let service = keyring::own_service(&mut env, &registry, "onetok");
    if !keyring::usable() {
        return;
    }
    let account = registry.index_url();
    let login = run_with_stdin(env.cnbcargo().arg("login"), format!("{A}\n").as_bytes());
    assert_success(&login);
    // As `cnbcargo login` kept it before this change.
    let _planted = keyring::plant(&account, &service, A);
    cargo_login(&env, B);

    registry.clear_log();
    let yank = run(env.cnbcargo().args(["yank", "-v", "onetok@0.1.0"]));
    assert_success(&yank);
    assert_eq!(yank_authorization(&registry).as_deref(), Some(B));
    let err = stderr(&yank);
    assert!(
        err.contains("using cargo's own token for `cnb-cargo-repo`, from `")
            && err.contains("credentials.toml`"),
        "{err}"
    );
    assert!(
        err.contains("warning: the OS keyring (from `cnbcargo login`) holds another token for `cnb-cargo-repo` than cargo's"),
        "{err}"
    );
    // A range goes through CNB's API first (a bearer token): with B too.
    registry.clear_log();
    let ranged = run(env.cnbcargo().args(["yank", "onetok@>=0.2"]));
    assert_success(&ranged);
    let requests = registry.requests();
    assert!(requests.iter().any(|r| r.api), "the API was not asked");
    for r in &requests {
        let token = r
            .header("authorization")
            .map(|t| t.trim_start_matches("Bearer "));
        assert!(
            token.is_none_or(|t| t == B),
            "{} {} with another token",
            r.method,
            r.url
        );
    }

    let (doctor, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&doctor, 1);
    let keyring_check = find_check(&report, "token.keyring").expect("a token.keyring check");
    assert_eq!(keyring_check["status"], "fail", "{keyring_check:#}");
    assert!(
        keyring_check["hint"]
            .as_str()
            .unwrap()
            .contains("cnbcargo login --registry cnb-cargo-repo"),
        "{keyring_check:#}"
    );
    assert_eq!(find_check(&report, "token.api").unwrap()["status"], "pass");
    let human = run(env.cnbcargo().arg("doctor"));
    assert_failure(&human, 1);
    assert!(
        stdout(&human).contains("✗ token.keyring"),
        "{}",
        stdout(&human)
    );
    assert_no_token(&[&login, &yank, &ranged, &doctor, &human]);

    // The hint's way out: one copy again, and doctor is content.
    let relogin = run_with_stdin(env.cnbcargo().arg("login"), format!("{B}\n").as_bytes());
    assert_success(&relogin);
    assert!(
        stderr(&relogin).contains(
            "Removed the older copy of the token of `cnb-cargo-repo` from the OS keyring"
        ),
        "{}",
        stderr(&relogin)
    );
    assert!(keyring::gone(&account, &service), "the keyring copy stayed");
    let (doctor, report) = doctor_json(&mut env.cnbcargo());
    assert_success(&doctor);
    assert!(find_check(&report, "token.keyring").is_none(), "{report:#}");
    assert_no_token(&[&relogin, &doctor]);
}

/// `CNB_TOKEN` gives way to cargo's own token, as it does for cargo (which
/// does not read it): a warning says so, `-v` names the copy used, and
/// doctor warns. Where cargo has none, `CNB_TOKEN` serves both, handed to
/// cargo through its own variable; cargo's variable beats its file.
#[test]
fn cnb_token_gives_way_to_cargos_own_token() {
    let registry = registry();
    let mut env = configured_env(&registry);
    env.env("CNB_API_ENDPOINT", registry.api_url());
    cargo_login(&env, B);
    env.env("CNB_TOKEN", A);

    let yank = run(env.cnbcargo().args(["yank", "-v", "onetok@0.1.0"]));
    assert_success(&yank);
    assert_eq!(yank_authorization(&registry).as_deref(), Some(B));
    let err = stderr(&yank);
    assert!(err.contains("using cargo's own token"), "{err}");
    assert!(
        err.contains("warning: `CNB_TOKEN` holds another token for `cnb-cargo-repo` than cargo's, which is not used"),
        "{err}"
    );
    assert!(
        err.contains("hint: to use `CNB_TOKEN`, run `cnbcargo login --registry cnb-cargo-repo`"),
        "{err}"
    );
    let (doctor, report) = doctor_json(&mut env.cnbcargo());
    assert_success(&doctor);
    assert_eq!(find_check(&report, "token.env").unwrap()["status"], "warn");

    // cargo's variable wins over its file, for both.
    let mut with_var = configured_env(&registry);
    with_var.env("CNB_API_ENDPOINT", registry.api_url());
    cargo_login(&with_var, A);
    with_var.env("CARGO_REGISTRIES_CNB_CARGO_REPO_TOKEN", B);
    let var_yank = run(with_var.cnbcargo().args(["yank", "-v", "onetok@0.2.0"]));
    assert_success(&var_yank);
    assert_eq!(yank_authorization(&registry).as_deref(), Some(B));
    assert!(
        stderr(&var_yank).contains("from `CARGO_REGISTRIES_CNB_CARGO_REPO_TOKEN`"),
        "{}",
        stderr(&var_yank)
    );

    // `login` stores A, which cargo will not send while its variable is set: said.
    let relogin = run_with_stdin(
        with_var.cnbcargo().arg("login"),
        format!("{A}\n").as_bytes(),
    );
    assert_success(&relogin);
    let err = stderr(&relogin);
    assert!(
        err.contains("warning: cargo sends another token for `cnb-cargo-repo`, from `CARGO_REGISTRIES_CNB_CARGO_REPO_TOKEN`: the one just stored is not used"),
        "{err}"
    );
    assert!(
        err.contains("hint: unset `CARGO_REGISTRIES_CNB_CARGO_REPO_TOKEN`"),
        "{err}"
    );

    // cargo has none: `CNB_TOKEN` is used, and the cargo cnbcargo runs
    // gets it (A may not yank: the registry's 403 shows cargo sent A).
    assert_success(&run(env.cargo().args([
        "logout",
        "--registry",
        "cnb-cargo-repo",
    ])));
    let unyank = run(env
        .cnbcargo()
        .args(["yank", "-v", "--undo", "onetok@0.1.0"]));
    assert_failure(&unyank, 1);
    let err = stderr(&unyank);
    assert!(
        err.contains("using the token from `CNB_TOKEN`: cargo has none of its own for `cnb-cargo-repo`, and the cargo cnbcargo runs gets it through `CARGO_REGISTRIES_CNB_CARGO_REPO_TOKEN`"),
        "{err}"
    );
    let unyank_request = registry
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.url.ends_with("/unyank"))
        .expect("an unyank request");
    assert_eq!(unyank_request.header("authorization"), Some(A));
    assert_eq!(unyank_request.status, 403);
    assert_no_token(&[&yank, &doctor, &var_yank, &relogin, &unyank]);
}

/// A registry whose provider is not `cargo:token`: cargo never sends what
/// `credentials.toml` holds for it, so neither does cnbcargo.
#[test]
fn a_token_store_cargo_does_not_read_is_not_used() {
    let registry = TestRegistry::builder().token("tok-good").start();
    registry.add_version("kept", "1.0.0");
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env.write(
        "cargo-home/credentials.toml",
        "[registries.cnb-cargo-repo]\ntoken = \"tok-stale\"\n",
    );
    let config = env.project().join(".cargo/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "[registries.cnb-cargo-repo]\n",
            "[registries.cnb-cargo-repo]\ncredential-provider = \"cargo:token-from-stdout echo tok-good\"\n",
        ),
    )
    .unwrap();
    env.env("CNB_TOKEN", "tok-good")
        .env("CNB_API_ENDPOINT", registry.api_url());
    registry.clear_log();
    let out = run(env.cnbcargo().args(["list", "-v"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("cargo's token store is not read for `cnb-cargo-repo`"),
        "{}",
        stderr(&out)
    );
    let requests = registry.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r
            .header("authorization")
            .is_none_or(|a| !a.contains("tok-stale"))),
        "the stale token was sent"
    );
}
