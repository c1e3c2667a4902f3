//! Hostile input from the user's side: package names that are not crate
//! names (non-ASCII, path-like, one cargo itself panics on), overlapping
//! version specs, and a control character in `CNB_TOKEN`.

use std::process::Output;

use crate::support::*;

#[test]
fn non_ascii_package_name_is_refused_before_publishing() {
    let (registry, env) = hosting("unused", &[]);
    let lib = env.new_crate("kraetze", "krätze", "0.1.0", "");
    let out = run_with_deadline(
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_exit(&out, 1);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_stderr_has(&out, &["not a valid crate name"]);
    assert!(registry.versions("krätze").is_empty());
}

/// cargo's own dry run panics on `käse` (its index path cuts the name
/// inside `ä`): cnbcargo refuses the name before cargo is asked anything.
#[test]
fn a_name_cargo_panics_on_is_refused_before_cargo_runs() {
    let (registry, env) = hosting("unused", &[]);
    let lib = env.new_crate("kaese", "käse", "0.1.0", "");
    let out = run_with_deadline(env.cnbcargo().arg("publish").current_dir(&lib));
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_stderr_has(&out, &["cannot publish `käse`", "not a valid crate name"]);
    // Refused before the dry run: nothing was checked, nothing asked.
    assert!(!err.contains("Checking"), "{err}");
    assert!(registry.requests().is_empty(), "{:?}", registry.requests());
    assert!(registry.versions("käse").is_empty());
}

#[test]
fn path_like_package_name_is_refused_before_any_request() {
    let (registry, env) = hosting("unused", &[]);
    let lib = env.new_crate("pathy", "../../x?y#z", "0.1.0", "");
    let out = run_with_deadline(
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_exit(&out, 1);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    // cargo itself refuses this one (`cargo metadata`), before cnbcargo's
    // own check would.
    let err = stderr(&out);
    assert!(
        err.contains("not a valid crate name") || err.contains("invalid character"),
        "{err}"
    );
    let odd: Vec<String> = registry
        .requests()
        .into_iter()
        .map(|r| r.url)
        .filter(|u| u.contains("..") || u.contains("x?y"))
        .collect();
    assert!(odd.is_empty(), "requests built from the name: {odd:?}");
}

#[test]
fn overlapping_delete_specs_list_each_version_once() {
    let (registry, env) = hosting("dedup", &["0.1.0", "0.2.0", "0.3.0"]);
    let out = cnbcargo_bounded(
        &env,
        &[
            "delete",
            "dedup@>=0.1.0",
            "dedup@<0.3.0",
            "--dry-run",
            "--yes",
        ],
    );
    assert_exit(&out, 0);
    let err = stderr(&out);
    for version in ["0.1.0", "0.2.0", "0.3.0"] {
        assert_eq!(
            err.matches(&format!("dedup@{version}")).count(),
            1,
            "{version} once:\n{err}"
        );
    }
    assert_eq!(registry.versions("dedup").len(), 3);
}

const BAD_TOKEN: &str = "tokhead\u{1}toktail";

#[track_caller]
fn assert_bad_token_refused(out: &Output) {
    assert_refused(out);
    assert_stderr_has(out, &["CNB_TOKEN"]);
    let err = stderr(out);
    assert!(!err.contains("builder error"), "{err}");
    assert!(
        !err.contains("tokhead") && !err.contains("toktail"),
        "the token is shown: {err:?}"
    );
}

#[test]
fn control_character_in_cnb_token_is_refused_by_list() {
    let (_registry, mut env) = hosting("badtok", &["0.1.0"]);
    env.env("CNB_TOKEN", BAD_TOKEN);
    // cargo's own token is the one used: the bad variable is only named.
    let out = cnbcargo_bounded(&env, &["list"]);
    assert_success(&out);
    assert_stderr_has(
        &out,
        &["warning: the token from the `CNB_TOKEN`", "not used"],
    );
    assert!(!stderr(&out).contains("tokhead"), "{}", stderr(&out));
    // Where cargo has none, it would be used: refused.
    std::fs::remove_file(env.cargo_home().join("credentials.toml")).unwrap();
    let out = cnbcargo_bounded(&env, &["list"]);
    assert_bad_token_refused(&out);
}

#[test]
fn control_character_in_cnb_token_is_refused_by_login() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    assert_success(&cnbcargo_bounded(&env, &["init", &registry.http_index()]));
    env.env("CNB_TOKEN", BAD_TOKEN);
    let out = cnbcargo_bounded(&env, &["login"]);
    assert_bad_token_refused(&out);
    let credentials =
        std::fs::read_to_string(env.cargo_home().join("credentials.toml")).unwrap_or_default();
    assert!(!credentials.contains("tokhead"), "{credentials}");
}
