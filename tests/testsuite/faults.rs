//! Faults from the registry: each gives a clear message and the right
//! exit code, retries stay bounded, and no placeholder is left unreported.

use std::time::Duration;

use snapbox::str;

use crate::support::registry_mod::FaultKind;
use crate::support::*;

fn api_attempts(registry: &TestRegistry, fragment: &str) -> usize {
    registry
        .requests()
        .iter()
        .filter(|r| r.url.contains(fragment))
        .count()
}

#[test]
fn connection_resets_are_retried() {
    let (registry, env) = hosting("reset", &["0.1.0"]);
    registry.fault_next("/cargo/reset/-/tags", 2, FaultKind::Reset);
    let out = run(env.cnbcargo().args(["list", "reset", "-v"]));
    assert_success(&out);
    assert!(stdout(&out).contains("0.1.0"));
    assert_eq!(
        stderr(&out).matches("retrying").count(),
        2,
        "{}",
        stderr(&out)
    );
}

#[test]
fn too_many_requests_is_retried() {
    let (registry, env) = hosting("busy", &["0.1.0"]);
    registry.fail_next("/cargo/busy/-/tags", 1, 429);
    let out = run(env.cnbcargo().args(["list", "busy"]));
    assert_success(&out);
}

#[test]
fn a_response_slower_than_the_timeout_gives_up_after_bounded_retries() {
    let (registry, mut env) = hosting("slow", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "0.3");
    registry.fault_next(
        "/cargo/slow/-/tags",
        10,
        FaultKind::Delay(Duration::from_secs(1)),
    );
    let out = run(env.cnbcargo().args(["delete", "slow@0.1.0", "--yes"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("timed out"), "{err}");
    // The server logs a request once it has answered: let the last delayed one finish.
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        api_attempts(&registry, "/cargo/slow/-/tags"),
        4,
        "one try and three retries"
    );
    assert_eq!(registry.versions("slow").len(), 1);
}

#[test]
fn malformed_json_is_a_clear_error() {
    let (registry, env) = hosting("garbled", &["0.1.0"]);
    registry.fault_next(
        "/cargo/garbled/-/tags",
        1,
        FaultKind::Body("{\"cargo\": [ not json".into()),
    );
    let redact = Redact::new(&env).registry(&registry);
    let out = run(env.cnbcargo().args(["list", "garbled"]));
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: cannot list the versions of `garbled`

Caused by:
  unexpected answer from `http://127.0.0.1:[API_PORT]/acme/crates/-/packages/cargo/garbled/-/tags?page=1&page_size=100`: expected ident at line 1 column 14

hint: check that the URL points at the registry (and `CNB_API_ENDPOINT` at CNB's API)

"#]],
    );
    // JSON that is neither a list of versions nor an object keyed by
    // `cargo` is refused too, naming the URL.
    registry.fault_next(
        "/cargo/garbled/-/tags",
        1,
        FaultKind::Body("\"0.1.0\"".into()),
    );
    let out = run(env.cnbcargo().args(["list", "garbled"]));
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: cannot list the versions of `garbled`

Caused by:
  unexpected answer from `http://127.0.0.1:[API_PORT]/acme/crates/-/packages/cargo/garbled/-/tags?page=1&page_size=100`: expected a list of versions, or an object keyed by `cargo`

hint: check that the URL points at the registry (and `CNB_API_ENDPOINT` at CNB's API)

"#]],
    );
}

#[test]
fn errors_body_on_a_200_fails_the_placeholder_and_says_nothing_was_published() {
    let (registry, env, lib) = colliding_crate("full", "1.0.0");
    registry.fault_next(
        "/api/v1/crates/new",
        1,
        FaultKind::Body("{\"errors\":[{\"detail\":\"the registry's storage is full\"}]}".into()),
    );
    let out = cnbcargo_publish(&env, &lib);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate full@1.0.0 already exists on `cnb-cargo-repo` index
   Packaging full v1.0.0 ([ROOT]/project/full)
    Packaged 4 files, [..] ([..] compressed)
   Uploading full v1.0.0 ([ROOT]/project/full)
warning: aborting upload due to dry run
note: `cnb-cargo-repo` has no version of `full`, and the crates.io proxy's index lists the version being published: publishing a placeholder first
error: publishing `full@0.0.0-cnbcargo.placeholder` failed; nothing was published

Caused by:
  uploading the placeholder `full@0.0.0-cnbcargo.placeholder` failed
  `PUT http://127.0.0.1:[PORT]/acme/crates/-/packages/api/v1/crates/new` answered 200: the registry's storage is full

hint: fix the cause and run `cnbcargo publish -- --no-verify` again: it resumes, skipping what is published

"#]],
    );
    assert!(registry.versions("full").is_empty());
}

#[test]
fn server_errors_while_publishing_leave_no_unreported_placeholder() {
    // The real upload gets 503 (cargo does not retry a publish); the
    // placeholder is removed and the message says so.
    let (registry, env, lib) = colliding_crate("down", "1.0.0");
    registry.refuse_version("1.0.0");
    registry.fail_next("/-/tag/0.0.0-cnbcargo.placeholder", 100, 503);
    let out = cnbcargo_publish(&env, &lib);
    // Deleting the placeholder failed too: the state is spelled out.
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate down@1.0.0 already exists on `cnb-cargo-repo` index
   Packaging down v1.0.0 ([ROOT]/project/down)
    Packaged 4 files, [..] ([..] compressed)
   Uploading down v1.0.0 ([ROOT]/project/down)
warning: aborting upload due to dry run
note: `cnb-cargo-repo` has no version of `down`, and the crates.io proxy's index lists the version being published: publishing a placeholder first
    Uploaded the placeholder `down@0.0.0-cnbcargo.placeholder`
    Updating `cnb-cargo-repo` index
   Packaging down v1.0.0 ([ROOT]/project/down)
    Packaged 4 files, [..] ([..] compressed)
   Uploading down v1.0.0 ([ROOT]/project/down)
error: failed to publish down v1.0.0 to registry at http://127.0.0.1:[PORT]/acme/crates/-/packages

Caused by:
  the remote server responded with an error (status 400 Bad Request): version `1.0.0` is refused by the registry's policy
error: publishing `down@1.0.0` failed; nothing was published; the registry holds the placeholder `down@0.0.0-cnbcargo.placeholder`, in the registry, not yanked

Caused by:
  `cargo publish --registry cnb-cargo-repo -p down --no-verify` failed (exit status: 101)

hint: fix the cause and run `cnbcargo publish -- --no-verify` again: it resumes, skipping what is published
hint: or remove the placeholder with `cnbcargo delete down@0.0.0-cnbcargo.placeholder`
hint: cargo's own message is above

"#]],
    );
    assert_eq!(
        registry.versions("down"),
        [("0.0.0-cnbcargo.placeholder".to_string(), false)]
    );
}

#[test]
fn an_index_that_lags_behind_uploads_is_waited_for() {
    let (registry, env, lib) = colliding_crate("lagging", "1.0.0");
    registry.set_index_delay(Duration::from_millis(1500));
    let out = cnbcargo_publish(&env, &lib);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Deleted the placeholder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.versions("lagging"), [("1.0.0".to_string(), false)]);
}
