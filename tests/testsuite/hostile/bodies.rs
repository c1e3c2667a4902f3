//! Hostile answers the client must bound: huge or endless bodies, endless
//! pages, headers that trickle in, a DELETE answered late, and a
//! `config.json` that is HTML, cut short or slower than the timeout.
//! Every command runs with a deadline.

use std::time::Duration;

use serde_json::Value;

use crate::support::registry_mod::{FaultKind, index_path};
use crate::support::*;

const MIB: u64 = 1 << 20;

#[test]
fn huge_version_list_is_refused() {
    let (registry, mut env) = hosting("bigtags", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "5");
    registry.fault_next("/cargo/bigtags/-/tags", 4, FaultKind::HugeBody(200 * MIB));
    let out = cnbcargo_bounded(&env, &["list", "bigtags"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["larger than"]);
}

#[test]
fn endless_chunked_version_list_is_cut_off() {
    let (registry, mut env) = hosting("endless", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "2");
    registry.fault_next("/cargo/endless/-/tags", 4, FaultKind::EndlessChunked);
    let out = cnbcargo_bounded(&env, &["list", "endless"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("larger than") || err.contains("timed out"),
        "{}",
        tail(&err)
    );
}

#[test]
fn huge_index_file_is_refused() {
    let (registry, mut env) = hosting("bigindex", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "5");
    registry.fault_next(
        &format!("/{}", index_path("bigindex")),
        4,
        FaultKind::HugeBody(200 * MIB),
    );
    let out = cnbcargo_bounded(&env, &["list", "bigindex"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["larger than"]);
}

fn endless_pages_stop(args: &[&str]) {
    let (registry, env) = hosting("pages", &["0.1.0"]);
    registry.set_endless_pages(true);
    let out = cnbcargo_bounded(&env, args);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["pages"]);
    let calls = registry.api_requests().len();
    assert!(calls <= 1100, "{calls} API requests");
}

#[test]
fn endless_version_pages_are_bounded() {
    endless_pages_stop(&["list", "pages"]);
}

#[test]
fn endless_package_pages_are_bounded() {
    endless_pages_stop(&["list"]);
}

#[test]
fn headers_trickling_in_time_out() {
    let (registry, mut env) = hosting("slowhead", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "0.5");
    registry.fault_next(
        "/cargo/slowhead/-/tags",
        10,
        FaultKind::SlowHeaders(Duration::from_millis(200)),
    );
    let out = cnbcargo_bounded(&env, &["list", "slowhead"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["timed out"]);
}

#[test]
fn a_delete_answered_after_the_timeout_is_reported_deleted() {
    let (registry, mut env) = hosting("slowdel", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "0.5");
    registry.fault_next(
        "/-/tag/0.1.0",
        1,
        FaultKind::AnswerLate(Duration::from_millis(1500)),
    );
    let out = cnbcargo_bounded(&env, &["delete", "slowdel@0.1.0", "--yes"]);
    assert_exit(&out, 0);
    assert_stderr_has(&out, &["Deleted"]);
    assert!(registry.versions("slowdel").is_empty());
}

fn doctor_fails_reachable(fault: FaultKind, timeout: Option<&str>) {
    let (registry, mut env) = hosting("doc", &["0.1.0"]);
    if let Some(timeout) = timeout {
        env.env("CNBCARGO_HTTP_TIMEOUT", timeout);
    }
    registry.fault_next("config.json", 10, fault);
    let out = cnbcargo_bounded(&env, &["doctor", "--json"]);
    let report = doctor_report(&out);
    let index_checks: Vec<&Value> = report["checks"]
        .as_array()
        .expect("a `checks` array")
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|id| id.starts_with("index.")))
        .collect();
    assert_eq!(
        check_status(&report, "index.reachable"),
        "fail",
        "{index_checks:#?}"
    );
    assert_eq!(report["ok"], false);
    assert_exit(&out, 1);
}

#[test]
fn doctor_fails_an_html_config_json() {
    doctor_fails_reachable(
        FaultKind::StatusBody(200, "<html><body>Welcome to nginx!</body></html>".into()),
        None,
    );
}

#[test]
fn doctor_fails_a_truncated_config_json() {
    doctor_fails_reachable(FaultKind::StatusBody(200, "{\"dl\":".into()), None);
}

#[test]
fn doctor_fails_a_config_json_slower_than_the_timeout() {
    doctor_fails_reachable(FaultKind::Delay(Duration::from_secs(2)), Some("0.5"));
}
