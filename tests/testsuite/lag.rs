//! A registry whose index lists an upload seconds after answering it, as
//! a real one may: until then it serves the crates.io proxy's entries for
//! a name it shows no version of, and its OpenAPI and yank answer 404 for
//! the upload. `publish` and `migrate` must wait for the registry's own
//! index wherever a step depends on it, and finish on the first run; a
//! delete or yank that meets 404 is tried again; a wait that runs out says
//! what the registry holds and the command that resumes. Each command's
//! wall time is printed (`--nocapture`).

use std::time::{Duration, Instant};

use crate::support::*;

const PLACEHOLDER: &str = "0.0.0-cnbcargo.placeholder";
const LAG: Duration = Duration::from_secs(3);

fn timed(what: &str, cmd: &mut std::process::Command) -> std::process::Output {
    let started = Instant::now();
    let out = run(cmd);
    eprintln!("{what}: {:.1} s", started.elapsed().as_secs_f64());
    out
}

/// The placeholder is only seen by cargo once the index lists it: run at
/// once, cargo would still see crates.io's `1.0.0` and refuse.
#[test]
fn a_collision_publish_succeeds_with_a_lagging_index() {
    let (registry, env, lib) = colliding_crate("lag-one", "1.0.0");
    registry.set_index_delay(LAG);
    let out = timed(
        "collision publish",
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("Deleted the placeholder"), "{err}");
    // cargo's dry run warns of crates.io's `1.0.0`; the upload found none.
    assert!(
        !err.contains("error: crate lag-one@1.0.0 already exists"),
        "{err}"
    );
    assert_eq!(registry.versions("lag-one"), [("1.0.0".to_string(), false)]);
}

/// Two members, both listed by the crates.io proxy, the second depending
/// on the first: each placeholder is waited for before cargo runs, and
/// each removed once the real version is listed.
#[test]
fn a_workspace_with_two_collisions_succeeds_with_a_lagging_index() {
    let registry = TestRegistry::builder()
        .token("tok")
        .upstream("lag-wa", "1.0.0")
        .upstream("lag-wb", "0.2.0")
        .start();
    let env = logged_in_env(&registry, "tok");
    env.write(
        "project/ws/Cargo.toml",
        "[workspace]\nmembers = [\"b\", \"a\"]\nresolver = \"2\"\n",
    );
    let manifest = |name: &str, version: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
             description = \"x\"\nlicense = \"MIT\"\n\n[dependencies]\n{deps}"
        )
    };
    env.write("project/ws/a/Cargo.toml", &manifest("lag-wa", "1.0.0", ""));
    env.write("project/ws/a/src/lib.rs", "pub fn a() -> u32 { 7 }\n");
    env.write(
        "project/ws/b/Cargo.toml",
        &manifest(
            "lag-wb",
            "0.2.0",
            "lag-wa = { path = \"../a\", version = \"1.0.0\", registry = \"cnb-cargo-repo\" }\n",
        ),
    );
    env.write(
        "project/ws/b/src/lib.rs",
        "pub fn b() -> u32 { lag_wa::a() * 2 }\n",
    );
    registry.set_index_delay(LAG);
    let out = timed(
        "workspace publish",
        env.cnbcargo()
            .args(["publish", "--no-verify"])
            .current_dir(env.project().join("ws")),
    );
    assert_success(&out);
    let err = stderr(&out);
    assert!(!err.contains("error: crate"), "{err}");
    assert_eq!(registry.versions("lag-wa"), [("1.0.0".to_string(), false)]);
    assert_eq!(registry.versions("lag-wb"), [("0.2.0".to_string(), false)]);
    let uploads = registry.uploads();
    assert_eq!(
        uploads,
        [
            format!("lag-wa@{PLACEHOLDER}"),
            "lag-wa@1.0.0".to_string(),
            format!("lag-wb@{PLACEHOLDER}"),
            "lag-wb@0.2.0".to_string(),
        ]
    );
}

/// `migrate` of a name the destination's proxy lists, one version yanked
/// in the source: the copies are confirmed by their own `cksum` (not the
/// proxy's entry of the same version), the yank is replayed once the copy
/// is there, and the placeholder goes.
#[test]
fn migrate_succeeds_with_a_lagging_index_and_replays_the_yank() {
    let source = TestRegistry::builder()
        .slug("old/crates")
        .token("tok-src")
        .start();
    source.add_real_crate("lag-mig", "1.0.0", b"one");
    source.add_real_crate("lag-mig", "1.1.0", b"one point one");
    source.state().crates.get_mut("lag-mig").unwrap()[0].entry["yanked"] = true.into();
    let dest = TestRegistry::builder()
        .token("tok-dst")
        .upstream("lag-mig", "1.0.0")
        .start();
    let mut env = logged_in_env(&dest, "tok-dst");
    env.env("CNBCARGO_FROM_TOKEN", "tok-src");
    dest.set_index_delay(LAG);
    let out = timed(
        "migrate",
        env.cnbcargo()
            .args(["migrate", "--from", &source.index_url(), "lag-mig"]),
    );
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Migrated 2 versions into `cnb-cargo-repo`\n"),
        "{err}"
    );
    let mut held = dest.versions("lag-mig");
    held.sort();
    assert_eq!(
        held,
        [("1.0.0".to_string(), true), ("1.1.0".to_string(), false)]
    );
    for (s, d) in source
        .entries("lag-mig")
        .iter()
        .zip(dest.entries("lag-mig"))
    {
        assert_eq!(s["cksum"], d["cksum"]);
    }
}

/// The placeholder does not show within a short `--index-timeout`: exit 1,
/// and the terminal says what the registry holds and the command that
/// resumes. Rerun at once with a longer timeout, the API does not list the
/// placeholder yet either: its upload meets a 409, which is the earlier
/// run's placeholder, waited for like a new one.
#[test]
fn a_placeholder_the_index_does_not_list_in_time_is_reported_and_resumed() {
    let (registry, env, lib) = colliding_crate("lag-stuck", "1.0.0");
    // Long enough that the rerun starts before the placeholder shows.
    registry.set_index_delay(Duration::from_secs(5));
    let out = timed(
        "publish, placeholder not listed in time",
        env.cnbcargo()
            .args(["publish", "--index-timeout", "1", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "did not list the placeholder `lag-stuck@0.0.0-cnbcargo.placeholder` within 1 s"
        ),
        "{err}"
    );
    assert!(
        err.contains("nothing was published; the registry holds the placeholder `lag-stuck@0.0.0-cnbcargo.placeholder`, in the registry, not yanked"),
        "{err}"
    );
    assert!(
        err.contains("run `cnbcargo publish --index-timeout 1 -- --no-verify` again"),
        "{err}"
    );
    assert!(
        err.contains("`cnbcargo delete lag-stuck@0.0.0-cnbcargo.placeholder`"),
        "{err}"
    );
    assert_eq!(
        registry.versions("lag-stuck"),
        [(PLACEHOLDER.to_string(), false)]
    );
    assert_eq!(registry.uploads(), [format!("lag-stuck@{PLACEHOLDER}")]);

    registry.clear_log();
    let out = timed(
        "publish, resumed",
        env.cnbcargo()
            .args(["publish", "--index-timeout", "20", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    let refused: Vec<u16> = registry
        .upload_requests()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(refused, [409, 200], "{}", stderr(&out));
    assert_eq!(
        registry.versions("lag-stuck"),
        [("1.0.0".to_string(), false)]
    );
}

/// The same for `migrate`: the failure and the leftover placeholder are on
/// the terminal (not only in `--json`), with the command that resumes.
#[test]
fn migrate_reports_a_placeholder_the_index_never_lists() {
    let source = TestRegistry::builder()
        .slug("old/crates")
        .token("tok-src")
        .start();
    source.add_real_crate("lag-mstuck", "1.0.0", b"one");
    let dest = TestRegistry::builder()
        .token("tok-dst")
        .upstream("lag-mstuck", "1.0.0")
        .start();
    let mut env = logged_in_env(&dest, "tok-dst");
    env.env("CNBCARGO_FROM_TOKEN", "tok-src");
    dest.set_index_delay(Duration::from_secs(3600));
    let url = source.index_url();
    let out = timed(
        "migrate, placeholder never listed",
        env.cnbcargo().args([
            "migrate",
            "--from",
            &url,
            "--index-timeout",
            "1",
            "lag-mstuck",
        ]),
    );
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "did not list the placeholder `lag-mstuck@0.0.0-cnbcargo.placeholder` within 1 s"
        ),
        "{err}"
    );
    assert!(err.contains("`lag-mstuck@1.0.0` was not copied"), "{err}");
    assert!(
        err.contains("still holds the placeholder `lag-mstuck@0.0.0-cnbcargo.placeholder`"),
        "{err}"
    );
    assert!(
        err.contains("error: 1 version did not get through; `cnb-cargo-repo` now holds the 0 versions it had and the 0 uploaded by this run, and the placeholder `lag-mstuck@0.0.0-cnbcargo.placeholder`\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "run the same command again, `cnbcargo migrate --from {url} --index-timeout 1 lag-mstuck`"
        )),
        "{err}"
    );
    assert_eq!(dest.uploads(), [format!("lag-mstuck@{PLACEHOLDER}")]);
}

/// The API may not find a version its index lists yet (another backend):
/// the placeholder's delete that meets 404 is tried again, not left.
#[test]
fn a_placeholder_delete_that_meets_404_is_tried_again() {
    let (registry, env, lib) = colliding_crate("lag-del", "1.0.0");
    registry.fail_next(&format!("/lag-del/-/tag/{PLACEHOLDER}"), 2, 404);
    let out = timed(
        "publish, delete 404 twice",
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    assert!(
        stderr(&out).contains("Deleted the placeholder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.versions("lag-del"), [("1.0.0".to_string(), false)]);
}

/// The same for the yank that stands in for a delete the token may not do.
#[test]
fn a_placeholder_yank_that_meets_404_is_tried_again() {
    use crate::support::registry::{READ, WRITE};
    let registry = TestRegistry::builder()
        .token_with_scopes("tok", &[READ, WRITE])
        .upstream("lag-yank", "1.0.0")
        .start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("lag-yank", "lag-yank", "1.0.0", "");
    registry.fail_next(&format!("/lag-yank/{PLACEHOLDER}/yank"), 2, 404);
    let out = timed(
        "publish, yank 404 twice",
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    assert!(
        stderr(&out).contains("Yanked the placeholder"),
        "{}",
        stderr(&out)
    );
    let mut held = registry.versions("lag-yank");
    held.sort();
    assert_eq!(
        held,
        [
            (PLACEHOLDER.to_string(), true),
            ("1.0.0".to_string(), false)
        ]
    );
}

/// An earlier run's placeholder the API lists while the index still serves
/// the crates.io proxy's entries for the name (here: the next index reads
/// answered with the proxy's `1.0.0`): cargo runs only once the index
/// lists the placeholder.
#[test]
fn a_leftover_placeholder_is_waited_for_in_the_index() {
    use crate::support::registry::{FaultKind, upstream_entry};
    let (registry, env, lib) = colliding_crate("lag-left", "1.0.0");
    registry.add_version("lag-left", PLACEHOLDER);
    // Enough for cargo's dry run, the plan and cargo's publish to read it.
    registry.fault_next(
        "/la/g-/lag-left",
        3,
        FaultKind::Body(upstream_entry("lag-left", "1.0.0").to_string()),
    );
    let out = timed(
        "publish, leftover not yet in the index",
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    assert_eq!(registry.uploads(), ["lag-left@1.0.0".to_string()]);
    assert_eq!(
        registry.versions("lag-left"),
        [("1.0.0".to_string(), false)]
    );
}
