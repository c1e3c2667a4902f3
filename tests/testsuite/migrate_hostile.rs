//! `cnbcargo migrate` against hostile or odd sources (issue 18): a
//! source holding cnbcargo's own placeholder, a `.crate` that unpacks to
//! gigabytes, names that forge terminal lines, plain-http `api` URLs, two
//! files of one version, oversized manifests. Every run is bounded in
//! time; every server is on 127.0.0.1.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

const SRC_TOKEN: &str = "tok-hostile-source";
const DST_TOKEN: &str = "tok-hostile-destination";
const PLACEHOLDER: &str = "0.0.0-cnbcargo.placeholder";
/// Long enough for a debug build copying a handful of versions.
const LIMIT: Duration = Duration::from_secs(60);

/// A source registry (its token in `CNBCARGO_FROM_TOKEN`) and a logged-in
/// destination.
fn registries() -> (TestRegistry, TestRegistry, TestEnv) {
    let source = TestRegistry::builder()
        .slug("old/hostile")
        .token(SRC_TOKEN)
        .start();
    let dest = TestRegistry::builder().token(DST_TOKEN).start();
    let mut env = logged_in_env(&dest, DST_TOKEN);
    env.env("CNBCARGO_FROM_TOKEN", SRC_TOKEN);
    (source, dest, env)
}

fn migrate(env: &TestEnv, args: &[&str]) -> std::process::Output {
    run_within(env.cnbcargo().arg("migrate").args(args), LIMIT)
}

fn deletes(registry: &TestRegistry) -> Vec<String> {
    registry
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.url.clone())
        .collect()
}

/// Item 7: a placeholder version in the source is never copied, so runs
/// do not alternate between copying it and deleting it as a leftover.
#[test]
fn a_placeholder_version_in_the_source_is_never_copied() {
    let (source, dest, env) = registries();
    source.add_real_crate("flip", PLACEHOLDER, b"left over");
    source.add_real_crate("flip", "1.0.0", b"real");
    let url = source.index_url();
    for round in 0..3 {
        dest.clear_log();
        let out = migrate(&env, &["--from", &url, "flip", "--json"]);
        assert_success(&out);
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "Skipped `flip@{PLACEHOLDER}`: cnbcargo's placeholder version, never copied"
            )),
            "round {round}: {err}"
        );
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["ignored"], 1, "round {round}: {report:#}");
        let ignored = report["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == PLACEHOLDER)
            .unwrap();
        assert_eq!(ignored["action"], "ignored");
        let expected: &[&str] = if round == 0 { &["flip@1.0.0"] } else { &[] };
        assert_eq!(dest.uploads(), expected, "round {round}");
        assert!(
            deletes(&dest).is_empty(),
            "round {round}: {:?}",
            deletes(&dest)
        );
        assert_eq!(dest.versions("flip"), [("1.0.0".to_string(), false)]);
        if round > 0 {
            assert!(
                err.contains("0 copied, 1 already there, 0 failed, 1 placeholder(s) skipped"),
                "{err}"
            );
        }
    }
}
