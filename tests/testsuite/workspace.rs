//! `cnbcargo publish` on a workspace: dependency order, cargo's checks
//! before any upload, placeholders through the Web API, resuming after a
//! failure, and registries that are not CNB.

use crate::support::*;

const PLACEHOLDER: &str = "0.0.0-cnbcargo.placeholder";
const REGISTRY: &str = "cnb-cargo-repo";

fn changes(registry: &TestRegistry) -> Vec<String> {
    registry
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.url))
        .collect()
}

#[test]
fn one_command_publishes_the_workspace_in_order_and_a_consumer_builds() {
    let (registry, env, ws) = colliding_workspace();
    // With verification, as cargo does by default.
    let out = run(env.cnbcargo().args(["publish", "--json"]).current_dir(&ws));
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("publishing a placeholder first"), "{err}");
    assert_eq!(
        registry.uploads(),
        [
            &format!("wa@{PLACEHOLDER}"),
            "wa@1.0.0",
            "wb@0.2.0",
            "wc@0.3.0"
        ]
    );
    assert_eq!(registry.version_names("wa"), ["1.0.0"]);
    assert_eq!(registry.version_names("wb"), ["0.2.0"]);
    assert_eq!(registry.version_names("wc"), ["0.3.0"]);
    // The placeholder was deleted only once the real `wa` was in the index,
    // and before anything was published the checks ran.
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(
        report["published"],
        serde_json::json!(["wa@1.0.0", "wb@0.2.0", "wc@0.3.0"])
    );
    assert_eq!(report["placeholders"][0]["state"], "deleted");
    let checked = err.find("Checking").unwrap();
    let uploaded = err.find("Uploaded the placeholder").unwrap();
    assert!(checked < uploaded, "{err}");

    // A consumer of `wc` builds, and so calls the workspace's `wa`: the
    // crates.io crate of that name has no such function.
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        &format!("wc = {{ version = \"0.3.0\", registry = \"{REGISTRY}\" }}\n"),
    );
    std::fs::write(
        app.join("src/lib.rs"),
        "pub fn run() -> u32 { wc::c() }\n#[test]\nfn works() { assert_eq!(run(), 15); }\n",
    )
    .unwrap();
    let out = run(env.cargo().args(["test", "-q"]).current_dir(&app));
    assert_success(&out);

    // A rerun finds everything there and uploads nothing.
    let before = registry.uploads().len();
    let out = run(env.cnbcargo().arg("publish").current_dir(&ws));
    assert_success(&out);
    assert_eq!(registry.uploads().len(), before);
    assert!(
        stderr(&out).contains("Skipping `wc@0.3.0`: the registry already has this version"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failure_midway_is_reported_and_a_rerun_resumes() {
    let (registry, env, ws) = colliding_workspace();
    registry.refuse_version("0.3.0");
    let out = run(env
        .cnbcargo()
        .args(["publish", "--no-verify", "--json"])
        .current_dir(&ws));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("publishing `wc@0.3.0` failed; published: wa@1.0.0, wb@0.2.0"),
        "{err}"
    );
    assert!(
        err.contains(&format!("the placeholder `wa@{PLACEHOLDER}` was deleted")),
        "{err}"
    );
    assert!(
        err.contains("cnbcargo publish --no-verify --json` again: it resumes"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["failed"]["package"], "wc@0.3.0");
    assert_eq!(report["resume"], "cnbcargo publish --no-verify --json");
    assert!(registry.version_names("wc").is_empty());

    registry.accept_version("0.3.0");
    let before = registry.uploads().len();
    let out = run(env
        .cnbcargo()
        .args(["publish", "--no-verify"])
        .current_dir(&ws));
    assert_success(&out);
    assert_eq!(registry.uploads()[before..], ["wc@0.3.0".to_string()]);
    assert_eq!(registry.version_names("wa"), ["1.0.0"]);
    assert_eq!(registry.version_names("wc"), ["0.3.0"]);
}

#[test]
fn dirty_trees_and_dry_runs_upload_nothing() {
    let (registry, env, ws) = colliding_workspace();
    // A git repository with uncommitted files: cargo's check refuses.
    let git = |args: &[&str]| run(env.command("git").args(args).current_dir(&ws));
    if git(&["init", "-q"]).status.success() {
        let out = run(env.cnbcargo().arg("publish").current_dir(&ws));
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("cargo's checks failed; nothing was uploaded"),
            "{err}"
        );
        assert!(
            err.contains("--allow-dirty"),
            "cargo's hint is shown: {err}"
        );
        assert_eq!(changes(&registry), Vec::<String>::new());
        // The flag cargo's hint names is taken as is, and only checked here.
        let out = run(env
            .cnbcargo()
            .args(["publish", "--allow-dirty", "--dry-run"])
            .current_dir(&ws));
        assert_success(&out);
        std::fs::remove_dir_all(ws.join(".git")).unwrap();
    }
    for args in [
        &["publish", "--dry-run"][..],
        &["publish", "-n", "--no-verify"],
        &["publish", "--", "--dry-run"],
    ] {
        let out = run(env.cnbcargo().args(args).current_dir(&ws));
        assert_success(&out);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("Would upload the placeholder `wa@{PLACEHOLDER}`")),
            "{err}"
        );
        assert!(err.contains("Would upload `wc@0.3.0`"), "{err}");
        assert!(err.contains("nothing was uploaded"), "{err}");
    }
    assert_eq!(changes(&registry), Vec::<String>::new());
    assert!(registry.version_names("wa").is_empty());
}

#[test]
fn a_token_that_cannot_delete_yanks_the_placeholder_once() {
    let registry = TestRegistry::builder()
        .token_with_scopes("ci-tok", &[registry_mod::READ, registry_mod::WRITE])
        .upstream("wa", "1.0.0")
        .start();
    let env = logged_in_env(&registry, "ci-tok");
    let ws = three_crates(&env, true);
    let out = run(env
        .cnbcargo()
        .args(["publish", "--no-verify", "-p", "wa"])
        .current_dir(&ws));
    assert_success(&out);
    assert!(
        stderr(&out).contains("yanking it instead"),
        "{}",
        stderr(&out)
    );
    let yanks = |registry: &TestRegistry| {
        registry
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE" && r.url.ends_with("/yank"))
            .count()
    };
    assert_eq!(yanks(&registry), 1);
    // The next version meets the yanked leftover and leaves it be.
    let manifest = ws.join("a/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("1.0.0", "1.1.0")).unwrap();
    let out = run(env
        .cnbcargo()
        .args(["publish", "--no-verify", "-p", "wa"])
        .current_dir(&ws));
    assert_success(&out);
    assert!(
        stderr(&out).contains("stays yanked: the token may not delete it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(yanks(&registry), 1, "a yanked leftover is not yanked again");
    let mut listed = registry.versions("wa");
    listed.sort();
    assert_eq!(
        listed,
        [
            (PLACEHOLDER.to_string(), true),
            ("1.0.0".to_string(), false),
            ("1.1.0".to_string(), false)
        ]
    );
}

#[test]
fn a_path_dependency_without_registry_is_refused_before_any_upload() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let ws = three_crates(&env, false);
    let out = run(env.cnbcargo().arg("publish").current_dir(&ws));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("nothing was uploaded"), "{err}");
    assert!(
        err.contains("`wb` depends on `wa` by path with no `registry` key")
            && err.contains("b/Cargo.toml:9")
            && err.contains(&format!("add `registry = \"{REGISTRY}\"`")),
        "{err}"
    );
    assert!(err.contains("`wc` depends on `wb`"), "{err}");
    assert_eq!(changes(&registry), Vec::<String>::new());
}

#[test]
fn a_registry_without_the_cnb_api_is_published_with_cargo() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env.env("CNB_TOKEN", "tok");
    assert_success(&run(env.cnbcargo().arg("login")));
    let ws = three_crates(&env, true);
    let out = run(env
        .cnbcargo()
        .args(["publish", "--no-verify"])
        .current_dir(&ws));
    assert_success(&out);
    assert!(
        stderr(&out).contains("publishing with cargo alone"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.uploads(), ["wa@1.0.0", "wb@0.2.0", "wc@0.3.0"]);
    assert!(
        registry
            .requests()
            .iter()
            .all(|r| !r.url.contains("/-/tags"))
    );
    // A rerun goes by the index and uploads nothing.
    let out = run(env
        .cnbcargo()
        .args(["publish", "--no-verify"])
        .current_dir(&ws));
    assert_success(&out);
    assert_eq!(registry.uploads().len(), 3);
}

#[test]
fn the_token_never_leaks_from_a_workspace_publish() {
    let token = format!("cnbwscanary{}w{}", std::process::id(), 4099);
    let registry = TestRegistry::builder()
        .token_with_scopes(&token, &[registry_mod::READ, registry_mod::WRITE])
        .upstream("wa", "1.0.0")
        .start();
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    let (wrapper, logs) = recording_cargo(&env);
    env.env("CARGO", &wrapper)
        .env("CNB_TOKEN", &token)
        .env("CNB_API_ENDPOINT", registry.api_url());
    let ws = three_crates(&env, true);
    registry.refuse_version("0.3.0");
    let failed = run(env
        .cnbcargo()
        .args(["publish", "-vv", "--no-verify", "--json"])
        .current_dir(&ws));
    assert!(!failed.status.success());
    registry.accept_version("0.3.0");
    let resumed = run(env
        .cnbcargo()
        .args(["publish", "-vv", "--no-verify"])
        .current_dir(&ws));
    assert_success(&resumed);
    assert_not_shown(&token, &[&failed, &resumed]);
    assert_not_on_argv(&token, &logs, "publish --dry-run");
    assert_not_in_files(&token, env.path(), &[]);
    assert_only_in_authorization(&token, &registry);
}

/// Before cargo 1.90 there is no multi-package dry run: each package is
/// checked on its own, just before its upload, against what the registry
/// holds by then. (A `cargo` that reports 1.85 and runs the real one.)
#[test]
fn an_older_cargo_checks_and_publishes_one_package_at_a_time() {
    let (registry, mut env, ws) = colliding_workspace();
    let logs = env.path().join("logs");
    let wrapper = cargo_claiming(&env, "cargo 1.85.0 (d73d2caf9 2024-12-31)", Some(&logs));
    env.env("CARGO", &wrapper);
    let out = run(env.cnbcargo().arg("publish").current_dir(&ws));
    assert_success(&out);
    assert_eq!(
        registry.uploads(),
        [
            &format!("wa@{PLACEHOLDER}"),
            "wa@1.0.0",
            "wb@0.2.0",
            "wc@0.3.0"
        ]
    );
    let argv = recorded_commands(&logs).join("\n");
    let checks: Vec<&str> = argv
        .lines()
        .filter(|l| l.starts_with("publish --dry-run"))
        .collect();
    assert_eq!(checks.len(), 3, "{argv}");
    assert!(
        checks.iter().all(|l| l.matches(" -p ").count() == 1),
        "{argv}"
    );
}

#[test]
fn unpublishable_and_excluded_members_are_left_out_and_said() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let ws = three_crates(&env, true);
    env.write(
        "project/ws/Cargo.toml",
        "[workspace]\nmembers = [\"c\", \"b\", \"a\", \"xtask\"]\nresolver = \"2\"\n",
    );
    env.write(
        "project/ws/xtask/Cargo.toml",
        "[package]\nname = \"xtask\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    );
    env.write("project/ws/xtask/src/main.rs", "fn main() {}\n");
    let out = run(env
        .cnbcargo()
        .args(["publish", "--workspace", "--exclude", "wc", "--no-verify"])
        .current_dir(ws.join("a")));
    assert_success(&out);
    assert!(
        stderr(&out).contains(
            "Skipping `xtask@0.1.0`: its `package.publish = false` keeps it out of every registry"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.uploads(), ["wa@1.0.0", "wb@0.2.0"]);
    // An unknown name is a usage error, before anything.
    let out = run(env
        .cnbcargo()
        .args(["publish", "--workspace", "--exclude", "nope"])
        .current_dir(&ws));
    assert_failure(&out, 2);
    assert_eq!(registry.uploads().len(), 2);
}
