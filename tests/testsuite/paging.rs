//! CNB's lists as servers may really send them: the version list as a bare
//! array, pages capped below the size asked, pages that repeat; and yank
//! state read from the index, whatever the API's `status` says.

use serde_json::{Value, json};

use crate::support::registry_mod::FaultKind;
use crate::support::*;

/// `0.0.0` .. `0.{n-2}.0`, then `1.0.0`: `NAME@<1` matches all but the last.
fn versions(n: usize) -> Vec<String> {
    (0..n - 1)
        .map(|i| format!("0.{i}.0"))
        .chain(["1.0.0".to_string()])
        .collect()
}

fn held(registry: &TestRegistry, name: &str) -> Vec<(String, bool)> {
    let mut v = registry.versions(name);
    v.sort();
    v
}

fn listed_json(env: &TestEnv, name: &str) -> Vec<Value> {
    let out = run(env.cnbcargo().args(["list", name, "--json"]));
    assert_success(&out);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    json["versions"].as_array().unwrap().clone()
}

/// The GETs of a crate's version list the OpenAPI answered since the log
/// was last cleared.
fn tag_list_reads(registry: &TestRegistry, name: &str) -> usize {
    registry
        .api_requests()
        .iter()
        .filter(|r| r.method == "GET" && r.url.contains(&format!("/cargo/{name}/-/tags?")))
        .count()
}

#[test]
fn a_version_list_sent_as_a_bare_array_is_read_everywhere() {
    let registry = registry_holding(
        "arr",
        &["0.1.0", "0.2.0", "0.3.0", "0.4.0", "1.0.0"].map(String::from),
    );
    registry.set_tags_as_array(true);
    let env = logged_in_env(&registry, "tok");

    let listed = listed_json(&env, "arr");
    let names: Vec<&str> = listed
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "1.0.0"]);

    // A range yank lists the versions first.
    let out = run(env.cnbcargo().args(["yank", "arr@>=0.3, <1"]));
    assert_success(&out);
    let out = run(env.cnbcargo().args(["list", "arr"]));
    assert_success(&out);
    let table = stdout(&out);
    for (version, yanked) in [("0.2.0", "no"), ("0.3.0", "yes"), ("0.4.0", "yes")] {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(version) && l.ends_with(yanked)),
            "{version}: {table}"
        );
    }

    let out = run(env.cnbcargo().args(["delete", "arr@0.4.0", "--yes"]));
    assert_success(&out);
    let out = run(env.cnbcargo().args(["delete", "arr@<0.3", "--yes"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Deleted arr@0.1.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        held(&registry, "arr"),
        [("0.3.0".into(), true), ("1.0.0".into(), false)]
    );

    // publish asks the registry whether it has the version already.
    let lib = env.new_crate("arr", "arr", "1.0.0", "");
    registry.clear_log();
    let out = cnbcargo_publish(&env, &lib);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Skipping `arr@1.0.0`: the registry already has this version"),
        "{}",
        stderr(&out)
    );
    assert!(registry.uploads().is_empty());
}

/// 45 versions behind a server that sends at most 10 (CNB's documented
/// default) or 20 a page, whatever was asked: `list` shows all of them and
/// a range delete deletes every match, with one request past the last page.
#[test]
fn pages_capped_below_the_size_asked_are_all_read() {
    for cap in [10, 20] {
        let all = versions(45);
        let registry = registry_holding("capped", &all);
        registry.set_page_size_cap(Some(cap));
        let env = logged_in_env(&registry, "tok");
        let pages = 45usize.div_ceil(cap);

        let listed = listed_json(&env, "capped");
        let names: Vec<&str> = listed
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(names, all, "cap {cap}");
        assert_eq!(tag_list_reads(&registry, "capped"), pages + 1, "cap {cap}");

        registry.clear_log();
        let out = run(env.cnbcargo().args(["delete", "capped@<1", "--yes"]));
        assert_success(&out);
        assert_eq!(
            stderr(&out).matches("Deleted capped@0.").count(),
            44,
            "cap {cap}: {}",
            stderr(&out)
        );
        assert_eq!(
            held(&registry, "capped"),
            [("1.0.0".into(), false)],
            "cap {cap}"
        );
        let deletes = registry
            .api_requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count();
        assert_eq!(deletes, 44, "cap {cap}");
        assert_eq!(tag_list_reads(&registry, "capped"), pages + 1, "cap {cap}");
    }
}

/// The package list behind the same cap: every crate is listed.
#[test]
fn a_capped_package_list_is_all_read() {
    let registry = TestRegistry::builder().token("tok").start();
    for i in 0..23 {
        registry.add_version(&format!("pkg{i:02}"), "0.1.0");
    }
    registry.set_page_size_cap(Some(10));
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().args(["list", "--json"]));
    assert_success(&out);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..23).map(|i| format!("pkg{i:02}")).collect();
    assert_eq!(names, expected);
    let list_reads = registry
        .api_requests()
        .iter()
        .filter(|r| r.url.contains("/-/packages?type=cargo"))
        .count();
    assert_eq!(list_reads, 3 + 1);
}

/// A server that answers page 1 for every page: an error naming the
/// repeated item, and nothing deleted.
#[test]
fn a_repeating_page_is_an_error_and_deletes_nothing() {
    let all = versions(30);
    let registry = registry_holding("rep", &all);
    registry.set_page_size_cap(Some(10));
    registry.set_repeat_pages(true);
    let env = logged_in_env(&registry, "tok");

    let out = run(env.cnbcargo().args(["delete", "rep@<1", "--yes"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("cannot list the versions of `rep`")
            && err.contains("listed `0.0.0` again on page 2, after 10 items"),
        "{err}"
    );
    assert!(err.contains("hint: the list may have changed"), "{err}");
    assert!(
        registry.api_requests().iter().all(|r| r.method == "GET"),
        "nothing deleted"
    );
    assert_eq!(held(&registry, "rep").len(), 30);

    let out = run(env.cnbcargo().args(["list", "rep"]));
    assert_failure(&out, 1);
    assert!(stderr(&out).contains("again on page 2"), "{}", stderr(&out));
    let out = run(env.cnbcargo().args(["yank", "rep@<1"]));
    assert_failure(&out, 1);
    assert!(held(&registry, "rep").iter().all(|(_, yanked)| !yanked));

    // A server that ignores `page` and sends everything at once repeats
    // page 1 too: it cannot be told from a list that goes on.
    registry.set_page_size_cap(None);
    let out = run(env.cnbcargo().args(["list"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("listed `rep` again on page 2, after 1 items"),
        "{}",
        stderr(&out)
    );
}

/// The yanked column comes from the sparse index: an API `status` that
/// says otherwise (its values are not documented) changes nothing. The
/// push time is read from `last_pusher.push_at` or `updated_at`.
#[test]
fn yank_state_comes_from_the_index_not_the_api_status() {
    let registry = registry_holding("st", &["0.1.0", "0.2.0"].map(String::from));
    let env = logged_in_env(&registry, "tok");
    assert_success(&run(env.cnbcargo().args(["yank", "st@0.1.0"])));
    let body = json!({"cargo": [
        {"name": "0.1.0", "size": 1, "status": "normal",
         "last_pusher": {"username": "cnb", "push_at": "2026-05-01T10:00:00Z"}},
        {"name": "0.2.0", "size": 1, "status": "yanked", "updated_at": "2026-05-02T11:00:00Z"},
    ], "package": "st"});
    registry.fault_next("/cargo/st/-/tags", 1, FaultKind::Body(body.to_string()));
    let listed = listed_json(&env, "st");
    let yanked: Vec<(&str, &Value)> = listed
        .iter()
        .map(|v| (v["version"].as_str().unwrap(), &v["yanked"]))
        .collect();
    assert_eq!(yanked, [("0.1.0", &json!(true)), ("0.2.0", &json!(false))]);
    // Whichever time field a version carries is shown.
    let pushed: Vec<&Value> = listed.iter().map(|v| &v["pushed_at"]).collect();
    assert_eq!(
        pushed,
        [
            &json!("2026-05-01T10:00:00Z"),
            &json!("2026-05-02T11:00:00Z")
        ]
    );
}
