//! `cnbcargo delete`, `yank` and `list` against the test registry's OpenAPI.

use snapbox::str;

use crate::support::*;

#[test]
fn delete_exact_version_and_cargo_sees_it_gone() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    for version in ["0.1.0", "0.2.0"] {
        let lib = env.new_crate(&format!("gone-{version}"), "gone", version, "");
        cargo_publish(&env, &lib);
    }
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "gone = { version = \"=0.2.0\", registry = \"cnb-cargo-repo\" }\n",
    );
    assert_success(&run(env.cargo().arg("generate-lockfile").current_dir(&app)));

    let out = run(env.cnbcargo().args(["delete", "gone@0.2.0", "--yes"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Deleted gone@0.2.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.version_names("gone"), ["0.1.0"]);
    // The index no longer lists it, and cargo resolving against it sees that.
    std::fs::remove_file(app.join("Cargo.lock")).unwrap();
    let out = run(env.cargo().arg("generate-lockfile").current_dir(&app));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("gone"), "{}", stderr(&out));
}

#[test]
fn delete_by_requirement() {
    let registry = registry_holding(
        "req",
        &["0.1.0", "0.2.9", "0.3.0", "1.0.0", "1.4.2", "2.0.0"],
    );
    let env = logged_in_env(&registry, "tok");
    let out = run(env
        .cnbcargo()
        .args(["delete", "req@<0.3", "req@>=1, <2", "--yes"]));
    assert_success(&out);
    assert_eq!(registry.version_names("req"), ["0.3.0", "2.0.0"]);
    let err = stderr(&out);
    for v in ["0.1.0", "0.2.9", "1.0.0", "1.4.2"] {
        assert!(err.contains(&format!("Deleted req@{v}")), "{err}");
    }
}

#[test]
fn delete_all_removes_the_package() {
    let registry = registry_holding("whole", &["0.1.0", "0.2.0"]);
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().args(["delete", "whole", "--all", "--yes"]));
    assert_success(&out);
    assert!(registry.version_names("whole").is_empty());
    assert!(
        registry
            .requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.url.ends_with("/-/packages/cargo/whole"))
    );
}

#[test]
fn dry_run_lists_and_no_terminal_needs_yes() {
    let registry = registry_holding("keep", &["0.1.0", "0.2.0"]);
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().args(["delete", "keep@<1", "--dry-run"]));
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Would delete keep@0.1.0") && err.contains("Would delete keep@0.2.0"),
        "{err}"
    );
    assert_eq!(registry.version_names("keep"), ["0.1.0", "0.2.0"]);

    let out = run(env.cnbcargo().args(["delete", "keep@0.1.0"]));
    assert_failure(&out, 2);
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert_eq!(registry.version_names("keep"), ["0.1.0", "0.2.0"]);
    assert!(registry.requests().iter().all(|r| r.method != "DELETE"));
}

#[test]
fn spec_errors() {
    let registry = registry_holding("spec", &["0.1.0"]);
    let env = logged_in_env(&registry, "tok");
    let redact = Redact::new(&env).registry(&registry);
    let out = run(env.cnbcargo().args(["delete", "spec@9.9.9", "--yes"]));
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: `spec@9.9.9` matches no version in `cnb-cargo-repo` (it has 1 version: 0.1.0)

"#]],
    );
    let out = run(env.cnbcargo().args(["delete", "spec", "--yes"]));
    assert_snapshot(
        &out,
        2,
        &redact,
        str![[r#"
error: `spec` does not say which versions

hint: pass `spec@1.2.3`, a requirement like `'spec@<0.3'`, or `spec --all`

"#]],
    );
    let out = run(env.cnbcargo().args(["delete", "nosuch@1.0.0", "--yes"]));
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: `nosuch` has no versions in `cnb-cargo-repo`

hint: check the crate name; `cnbcargo list` shows the registry's crates

"#]],
    );
    assert_eq!(registry.version_names("spec"), ["0.1.0"]);
}

/// A token that may not delete: one request is sent, and one explanation
/// printed, however many versions were selected.
#[test]
fn a_refused_delete_stops_and_explains_once() {
    let registry = TestRegistry::builder()
        .token_with_scopes("rw-token", &[registry_mod::READ, registry_mod::WRITE])
        .start();
    for version in ["0.1.0", "0.2.0", "0.3.0"] {
        registry.add_version("three", version);
    }
    let env = logged_in_env(&registry, "rw-token");
    let out = run(env.cnbcargo().args(["delete", "three@<1", "--yes"]));
    assert_failure(&out, 1);
    let deletes = registry.delete_requests().len();
    assert_eq!(deletes, 1, "{:?}", registry.requests());
    assert_eq!(
        stderr(&out),
        "error: deleting from `cnb-cargo-repo` stopped at three@0.1.0 (0 of 3 deleted, 2 not attempted): the token may not delete packages (403)\n\
         \n\
         Caused by:\n  \
           `DELETE http://127.0.0.1:PORT/acme/crates/-/packages/cargo/three/-/tag/0.1.0` answered 403: forbidden: the token lacks registry-package-delete:rw\n\
         \n\
         hint: deleting needs a token with the `registry-package-delete:rw` scope and the Administrator role on the registry\n"
            .replace("PORT", &registry.api_port().to_string()),
    );
    assert_eq!(registry.versions("three").len(), 3);
}

/// A 401 midway (a token revoked, say) stops the same way.
#[test]
fn a_401_stops_deleting_too() {
    let registry = registry_holding("four", &["0.1.0", "0.2.0", "0.3.0", "0.4.0"]);
    let env = logged_in_env(&registry, "tok");
    registry.fail_next("/-/tag/", 1, 401);
    let out = run(env.cnbcargo().args(["delete", "four@<1", "--yes"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains("stopped at four@0.1.0 (0 of 4 deleted, 3 not attempted): the server refused the token (401)"),
        "{err}"
    );
    let deletes = registry.delete_requests().len();
    assert_eq!(deletes, 1);
    assert_eq!(registry.versions("four").len(), 4);
}

#[test]
fn delete_without_scope_is_403_with_hint() {
    let registry = TestRegistry::builder()
        .token_with_scopes("ci", &[registry_mod::READ, registry_mod::WRITE])
        .start();
    registry.add_version("locked", "0.1.0");
    let mut env = logged_in_env(&registry, "ci");
    env.env("CI", "true");
    let out = run(env.cnbcargo().args(["delete", "locked@0.1.0", "--yes"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("may not delete packages (403)"), "{err}");
    assert!(
        err.contains("registry-package-delete:rw") && err.contains("Administrator"),
        "{err}"
    );
    assert!(
        err.contains("`CNB_TOKEN` usually lacks that scope"),
        "{err}"
    );
    assert!(
        err.contains("forbidden"),
        "the server's errmsg is shown: {err}"
    );
    assert_eq!(registry.version_names("locked"), ["0.1.0"]);
}

#[test]
fn api_401_and_404_paths() {
    let registry = registry_holding("auth", &["0.1.0"]);
    let mut env = logged_in_env(&registry, "tok");
    // `CNB_TOKEN` is used where cargo has no token of its own.
    std::fs::remove_file(env.cargo_home().join("credentials.toml")).unwrap();
    env.env("CNB_TOKEN", "wrong-token");
    let out = run(env.cnbcargo().args(["list", "auth"]));
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
error: cannot list the versions of `auth`: the server refused the token (401)

Caused by:
  `GET http://127.0.0.1:[API_PORT]/acme/crates/-/packages/cargo/auth/-/tags?page=1&page_size=100` answered 401: unauthorized: missing or invalid token

hint: the token is missing, expired or wrong: run `cnbcargo login` again, or set `CNB_TOKEN`

"#]],
    );

    let env = logged_in_env(&registry, "tok");
    registry.fail_next("/-/tag/0.1.0", 1, 404);
    let out = run(env.cnbcargo().args(["delete", "auth@0.1.0", "--yes"]));
    assert_failure(&out, 1);
    assert!(stderr(&out).contains("not found (404)"), "{}", stderr(&out));
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times() {
    let registry = registry_holding("flaky", &["0.1.0", "0.2.0"]);
    let env = logged_in_env(&registry, "tok");
    // Two 503s, then success: retried.
    registry.fail_next("/cargo/flaky/-/tags", 2, 503);
    let out = run(env.cnbcargo().args(["list", "flaky", "-v"]));
    assert_success(&out);
    assert!(stdout(&out).contains("0.2.0"), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).matches("retrying").count(),
        2,
        "{}",
        stderr(&out)
    );

    // Always 500: gives up after 1 + 3 attempts, with a clear error.
    registry.fail_next("/-/tag/0.1.0", 100, 500);
    let before = registry.requests().len();
    let out = run(env.cnbcargo().args(["delete", "flaky@0.1.0", "--yes"]));
    assert_failure(&out, 1);
    let attempts = registry.requests()[before..]
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(attempts, 4);
    assert!(stderr(&out).contains("answered 500"), "{}", stderr(&out));
    assert_eq!(registry.version_names("flaky"), ["0.1.0", "0.2.0"]);
}

#[test]
fn one_failure_does_not_stop_the_others() {
    let registry = registry_holding("partial", &["0.1.0", "0.2.0", "0.3.0"]);
    let env = logged_in_env(&registry, "tok");
    registry.fail_next("/-/tag/0.2.0", 100, 500);
    let out = run(env.cnbcargo().args(["delete", "partial@<1", "--yes"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("error: 1 of 3 deletions failed; the other 2 were done\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.version_names("partial"), ["0.2.0"]);
}

#[test]
fn many_versions_are_deleted_concurrently() {
    let versions: Vec<String> = (0..40).map(|i| format!("0.{i}.0")).collect();
    let refs: Vec<&str> = versions.iter().map(String::as_str).collect();
    let registry = registry_holding("bulk", &refs);
    let env = logged_in_env(&registry, "tok");
    registry.set_latency(std::time::Duration::from_millis(100));
    let out = run(env.cnbcargo().args(["delete", "bulk@<1", "--yes"]));
    assert_success(&out);
    assert!(registry.version_names("bulk").is_empty());
    // Overlap is asserted, not time (timings belong to benches/): several
    // deletes were in flight at once, and never more than the bound of 16.
    assert_eq!(registry.delete_requests().len(), 40);
    let overlap = registry.state().max_in_flight;
    assert!(
        (2..=16).contains(&overlap),
        "{overlap} requests in flight at once"
    );
}

#[test]
fn yank_by_requirement_and_undo() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    for version in ["0.1.0", "0.2.0", "1.0.0"] {
        let lib = env.new_crate(&format!("y-{version}"), "yankee", version, "");
        cargo_publish(&env, &lib);
    }
    // `--dry-run` lists and changes nothing.
    registry.clear_log();
    let out = run(env.cnbcargo().args(["yank", "yankee@<1", "--dry-run"]));
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("  Would yank yankee@0.1.0\n  Would yank yankee@0.2.0\n"),
        "{err}"
    );
    assert!(err.contains("dry run: nothing was yanked"), "{err}");
    assert!(registry.index_requests().iter().all(|r| r.method == "GET"));
    assert!(registry.versions("yankee").iter().all(|(_, y)| !y));

    let out = run(env.cnbcargo().args(["yank", "yankee@<1"]));
    assert_success(&out);
    let mut state = registry.versions("yankee");
    state.sort();
    assert_eq!(
        state,
        [
            ("0.1.0".into(), true),
            ("0.2.0".into(), true),
            ("1.0.0".into(), false)
        ]
    );

    let out = run(env.cnbcargo().args(["list", "yankee"]));
    assert_success(&out);
    let table = stdout(&out);
    assert!(table.starts_with("VERSION"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("0.1.0") && l.ends_with("yes")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("1.0.0") && l.ends_with("no")),
        "{table}"
    );

    // `-q` prints nothing, cargo's own status lines included.
    let out = run(env
        .cnbcargo()
        .args(["-q", "yank", "--undo", "yankee@0.1.0"]));
    assert_success(&out);
    assert_eq!(stderr(&out), "");
    let out = run(env.cnbcargo().args(["list", "yankee", "--json"]));
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let v010 = json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == "0.1.0")
        .unwrap();
    assert_eq!(v010["yanked"], false);
    assert!(v010["size"].as_u64().unwrap() > 0);

    let out = run(env.cnbcargo().args(["list", "--json"]));
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"name": "yankee", "versions": 3, "latest": "1.0.0"}])
    );
}

#[test]
fn list_shows_counts_and_newest_versions_even_from_a_bare_list() {
    let registry = registry_holding("alpha", &["0.1.0", "0.10.0", "0.9.0"]);
    registry.add_version("beta", "1.0.0");
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().arg("list"));
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "CRATE  VERSIONS  LATEST\nalpha  3         0.10.0\nbeta   1         1.0.0\n"
    );
    // A list without counts: each crate's own version list says.
    registry.state().bare_package_list = true;
    let out = run(env.cnbcargo().args(["list", "--json"]));
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {"name": "alpha", "versions": 3, "latest": "0.10.0"},
            {"name": "beta", "versions": 1, "latest": "1.0.0"},
        ])
    );
}

#[test]
fn list_of_a_crate_the_registry_does_not_hold_is_an_error() {
    let registry = TestRegistry::builder()
        .token("tok")
        .upstream("serde", "1.0.0")
        .start();
    registry.add_version("ours", "0.1.0");
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().args(["list", "nothere"]));
    assert_failure(&out, 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: `nothere` is not in `cnb-cargo-repo`\n\nhint: `cnbcargo list` shows the registry's own crates\n"
    );
    let out = run(env.cnbcargo().args(["list", "serde", "--json"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("`serde` has no version in `cnb-cargo-repo`: the versions its index lists are crates.io's, served through CNB's proxy"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn packages_are_paginated() {
    let registry = TestRegistry::builder().token("tok").start();
    for i in 0..130 {
        registry.add_version(&format!("pkg{i:03}"), "0.1.0");
    }
    registry.add_version("many", "0.1.0");
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().args(["list", "--json"]));
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 131);
}

#[test]
fn missing_api_endpoint_says_which_to_set() {
    let registry = registry_holding("x", &["0.1.0"]);
    let env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    let mut cmd = env.cnbcargo();
    cmd.env("CNB_TOKEN", "tok").args(["list"]);
    let out = run(&mut cmd);
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("--api-endpoint") && stderr(&out).contains("CNB_API_ENDPOINT"),
        "{}",
        stderr(&out)
    );
}

/// Deleting the last version of a name crates.io also has would make the
/// registry serve crates.io's crate of that name: without a terminal,
/// `--yes` alone is not enough.
#[test]
fn deleting_the_last_version_of_a_shadowed_name_needs_allow_fall_through() {
    let registry = registry_holding("shadow", &["1.0.0", "1.1.0"]);
    let crates_io = fake_crates_io(&[("shadow", "3.0.0")]);
    let mut env = logged_in_env(&registry, "tok");
    env.env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index());

    // Not the last version: no question about crates.io.
    let out = run(env.cnbcargo().args(["delete", "shadow@1.0.0", "--yes"]));
    assert_success(&out);
    assert_eq!(registry.version_names("shadow"), ["1.1.0"]);

    let out = run(env.cnbcargo().args(["delete", "shadow@1.1.0", "--dry-run"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("note: after this `cnb-cargo-repo` holds no version of `shadow`: it then serves crates.io's `shadow` in its place"),
        "{}",
        stderr(&out)
    );

    registry.clear_log();
    for args in [
        &["delete", "shadow@1.1.0", "--yes"][..],
        &["delete", "shadow", "--all", "--yes"],
        &["delete", "shadow@1.1.0"],
    ] {
        let out = run(env.cnbcargo().args(args));
        assert_failure(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains("error: refusing to leave `cnb-cargo-repo` without any version of `shadow`: crates.io has a crate of that name, which the registry would then serve in its place; nothing was deleted\n"),
            "{err}"
        );
        assert!(err.contains("hint: pass `--allow-fall-through`"), "{err}");
    }
    assert_eq!(registry.version_names("shadow"), ["1.1.0"]);
    assert!(registry.requests().iter().all(|r| r.method != "DELETE"));
    // crates.io was asked, anonymously.
    let asked = crates_io.requests();
    assert!(asked.iter().any(|r| r.url.ends_with("/sh/ad/shadow")));
    assert!(asked.iter().all(|r| r.header("authorization").is_none()));

    // crates.io out of reach: not knowing counts as falling through.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut offline = env.cnbcargo();
    offline
        .env(
            "CNBCARGO_CRATES_IO_INDEX",
            format!("http://127.0.0.1:{closed}/"),
        )
        .env("CNBCARGO_HTTP_TIMEOUT", "2")
        .args(["delete", "shadow@1.1.0", "--yes"]);
    let out = run(&mut offline);
    assert_failure(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("crates.io could not be asked whether it has a crate of that name"),
        "{err}"
    );
    assert_eq!(registry.version_names("shadow"), ["1.1.0"]);

    let out = run(env
        .cnbcargo()
        .args(["delete", "shadow@1.1.0", "--yes", "--allow-fall-through"]));
    assert_success(&out);
    assert!(registry.version_names("shadow").is_empty());
}

/// A name crates.io does not have falls through to nothing: `--yes` does.
#[test]
fn deleting_the_last_version_of_an_unshadowed_name_needs_only_yes() {
    let registry = registry_holding("only-ours", &["0.1.0"]);
    let crates_io = fake_crates_io(&[("shadow", "3.0.0")]);
    let mut env = logged_in_env(&registry, "tok");
    env.env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index());
    let out = run(env.cnbcargo().args(["delete", "only-ours@0.1.0", "--yes"]));
    assert_success(&out);
    assert!(registry.version_names("only-ours").is_empty());
    assert!(
        crates_io
            .requests()
            .iter()
            .any(|r| r.url.ends_with("/on/ly/only-ours"))
    );
}
