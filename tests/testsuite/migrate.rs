//! `cnbcargo migrate`: two registries on 127.0.0.1, crates published to
//! the source by the real cargo (renamed, optional, target-specific and dev
//! dependencies, features, `links`, `rust-version`), a yanked version, a
//! version whose bytes do not match its `cksum`, a name the destination's
//! crates.io proxy also lists; then the destination's index must list each
//! copied version as the source does, and a consumer must build from it.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::registry::{crate_tarball, sha256_hex};
use crate::support::*;

const SRC_TOKEN: &str = "tok-source-registry";
const DST_TOKEN: &str = "tok-destination-registry";

struct Fixture {
    source: TestRegistry,
    dest: TestRegistry,
    env: TestEnv,
}

/// The destination is the project's `cnb-cargo-repo` (`CNB_TOKEN`); the
/// source is `src` in the same config, its token in cargo's variable.
fn fixture() -> Fixture {
    let source = TestRegistry::builder()
        .slug("old/crates")
        .token(SRC_TOKEN)
        .start();
    let dest = TestRegistry::builder()
        .token(DST_TOKEN)
        .upstream("shared-name", "2.0.0")
        .start();
    let mut env = logged_in_env(&dest, DST_TOKEN);
    let config = env.project().join(".cargo/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[registries.src]\nindex = \"{}\"\n",
        source.index_url()
    ));
    std::fs::write(&config, text).unwrap();
    env.env("CARGO_REGISTRIES_SRC_TOKEN", SRC_TOKEN);
    publish_fixture_crates(&env, &source);
    dest.clear_log();
    source.clear_log();
    Fixture { source, dest, env }
}

fn write_crate(env: &TestEnv, dir: &str, manifest: &str, build_rs: bool) -> PathBuf {
    let root = env.project().join("crates").join(dir);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn hello() {}\n").unwrap();
    if build_rs {
        std::fs::write(root.join("build.rs"), "fn main() {}\n").unwrap();
    }
    root
}

fn publish_to_source(env: &TestEnv, dir: &Path) {
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify", "--registry", "src"])
        .current_dir(dir));
    assert_success(&out);
}

fn package(name: &str, version: &str, extra: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
         description = \"{name}, a migration fixture\"\nlicense = \"MIT\"\n{extra}"
    )
}

fn publish_fixture_crates(env: &TestEnv, source: &TestRegistry) {
    for version in ["0.1.0", "0.2.0"] {
        let dir = write_crate(
            env,
            &format!("base-{version}"),
            &package(
                "mig-base",
                version,
                "\n[features]\ndefault = [\"std\"]\nstd = []\nextra = []\n",
            ),
            false,
        );
        publish_to_source(env, &dir);
    }
    publish_to_source(
        env,
        &write_crate(env, "leaf", &package("mig-leaf", "0.1.0", ""), false),
    );
    let mid = write_crate(
        env,
        "mid",
        &package(
            "mig-mid",
            "1.0.0",
            "links = \"migmid\"\nrust-version = \"1.60\"\n\n\
             [dependencies]\n\
             base = { package = \"mig-base\", version = \"0.2\", registry = \"src\", optional = true, default-features = false, features = [\"extra\"] }\n\n\
             [target.'cfg(unix)'.dependencies]\n\
             mig-leaf = { version = \"0.1\", registry = \"src\" }\n\n\
             [dev-dependencies]\n\
             mig-leaf = { version = \"0.1\", registry = \"src\" }\n\n\
             [features]\nfancy = [\"dep:base\", \"base?/std\"]\n",
        ),
        true,
    );
    publish_to_source(env, &mid);
    publish_to_source(
        env,
        &write_crate(env, "shared", &package("shared-name", "2.0.0", ""), false),
    );
    publish_to_source(
        env,
        &write_crate(env, "bad", &package("mig-bad", "0.1.0", ""), false),
    );
    source.corrupt_cksum("mig-bad", "0.1.0");
    let out = run(env
        .cargo()
        .args(["yank", "--registry", "src", "mig-base@0.1.0"]));
    assert_success(&out);

    // An entry with what the index has and cargo's manifest may not: a
    // crates.io dependency and `features2`.
    let bytes = tarball(
        "mig-hand",
        "1.0.0",
        &package("mig-hand", "1.0.0", "readme = \"README.md\"\n"),
    );
    source.add_crate(
        json!({
            "name": "mig-hand", "vers": "1.0.0",
            "deps": [
                {"name": "serde", "req": "^1.0", "features": ["derive"], "optional": false,
                 "default_features": true, "target": null, "kind": "normal",
                 "registry": "https://github.com/rust-lang/crates.io-index", "package": null},
                {"name": "leaf", "req": "^0.1", "features": [], "optional": true,
                 "default_features": true, "target": "cfg(windows)", "kind": "normal",
                 "registry": null, "package": "mig-leaf"}
            ],
            "cksum": sha256_hex(&bytes),
            "features": {"plain": []},
            "features2": {"with-leaf": ["dep:leaf"]},
            "yanked": false, "links": null, "v": 2, "rust_version": "1.70"
        }),
        bytes,
    );
}

/// A `.crate` with a manifest and a README.
fn tarball(name: &str, version: &str, manifest: &str) -> Vec<u8> {
    crate_tarball(
        name,
        version,
        &[
            ("Cargo.toml", manifest.as_bytes()),
            ("README.md", b"# hand made\n"),
            ("src/lib.rs", b""),
        ],
    )
}

/// What must be equal between the two indexes for one version.
fn comparable(entry: &Value) -> Value {
    let mut features = entry["features"].as_object().cloned().unwrap_or_default();
    if let Some(more) = entry.get("features2").and_then(Value::as_object) {
        features.extend(more.clone());
    }
    let mut deps: Vec<Value> = entry["deps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            json!({
                "name": d["name"], "req": d["req"], "features": d["features"],
                "optional": d["optional"], "default_features": d["default_features"],
                "target": d["target"], "kind": d["kind"].as_str().unwrap_or("normal"),
                "registry": d["registry"], "package": d["package"],
            })
        })
        .collect();
    deps.sort_by_key(|d| d.to_string());
    json!({
        "cksum": entry["cksum"], "deps": deps, "features": features,
        "yanked": entry["yanked"], "links": entry["links"],
        "rust_version": entry.get("rust_version").cloned().unwrap_or(Value::Null),
    })
}

fn assert_same_entries(source: &TestRegistry, dest: &TestRegistry, names: &[&str]) {
    for name in names {
        let theirs = source.entries(name);
        let ours = dest.entries(name);
        assert_eq!(theirs.len(), ours.len(), "{name}: {ours:?}");
        for entry in &theirs {
            let copy = ours
                .iter()
                .find(|e| e["vers"] == entry["vers"])
                .unwrap_or_else(|| panic!("{name}@{} not copied", entry["vers"]));
            assert_eq!(
                comparable(copy),
                comparable(entry),
                "{name}@{}",
                entry["vers"]
            );
            let vers = entry["vers"].as_str().unwrap();
            assert_eq!(
                dest.crate_file(name, vers),
                source.crate_file(name, vers),
                "the bytes of {name}@{vers}"
            );
        }
    }
}

#[test]
fn copies_every_version_byte_for_byte_and_a_consumer_builds() {
    let Fixture { source, dest, env } = fixture();

    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "--all", "--json"]));
    // The corrupt version fails the run; everything else is copied.
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("`mig-bad@0.1.0` was not copied"), "{err}");
    assert!(
        err.contains("do not match the source index's checksum"),
        "{err}"
    );
    assert!(err.contains("run the same command again"), "{err}");
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["copied"], 6, "{report:#}");
    assert_eq!(report["failed"], 1, "{report:#}");
    let bad = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "mig-bad")
        .unwrap();
    assert_eq!(bad["action"], "failed");
    assert!(dest.versions("mig-bad").is_empty());

    assert_same_entries(
        &source,
        &dest,
        &["mig-base", "mig-leaf", "mig-mid", "mig-hand", "shared-name"],
    );
    let mut base_versions = dest.versions("mig-base");
    base_versions.sort();
    assert_eq!(
        base_versions,
        [("0.1.0".to_string(), true), ("0.2.0".to_string(), false)]
    );
    // The crates.io proxy lists `shared-name`: a placeholder went up first
    // and was removed after.
    let uploads = dest.uploads();
    let placeholder = uploads
        .iter()
        .position(|u| u == "shared-name@0.0.0-cnbcargo.placeholder")
        .expect("a placeholder first");
    let real = uploads
        .iter()
        .position(|u| u == "shared-name@2.0.0")
        .unwrap();
    assert!(placeholder < real, "{uploads:?}");
    assert_eq!(dest.versions("shared-name"), [("2.0.0".to_string(), false)]);
    assert_eq!(report["placeholders"][0]["state"], "deleted");
    // Dependencies go after what they depend on.
    let base = uploads.iter().position(|u| u == "mig-base@0.2.0").unwrap();
    let leaf = uploads.iter().position(|u| u == "mig-leaf@0.1.0").unwrap();
    let mid = uploads.iter().position(|u| u == "mig-mid@1.0.0").unwrap();
    assert!(base < mid && leaf < mid, "{uploads:?}");
    // A name new to the destination gets its oldest version alone first.
    let oldest = uploads.iter().position(|u| u == "mig-base@0.1.0").unwrap();
    assert!(oldest < base, "{uploads:?}");
    // The metadata came along: description, README.
    let hand = dest.publish_metadata("mig-hand");
    assert_eq!(hand["readme"], "# hand made\n");
    assert_eq!(hand["description"], "mig-hand, a migration fixture");

    // A consumer builds from the destination alone.
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "mig-mid = { version = \"1\", registry = \"cnb-cargo-repo\", features = [\"fancy\"] }\n",
    );
    let out = run(env.cargo().arg("build").current_dir(&app));
    assert_success(&out);
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
    assert!(
        lock.contains("name = \"mig-base\"\nversion = \"0.2.0\""),
        "{lock}"
    );
    assert!(!lock.contains(&source.index_url()), "{lock}");
}

#[test]
fn an_interrupted_run_resumes_without_duplicates() {
    let Fixture { source, dest, env } = fixture();
    let url = source.index_url();
    let mut env = env;
    env.env("CNBCARGO_FROM_TOKEN", SRC_TOKEN);

    // The plan, and nothing uploaded.
    let out = run(env.cnbcargo().args([
        "migrate",
        "--from",
        &url,
        "mig-base",
        "mig-leaf",
        "--dry-run",
    ]));
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Would copy `mig-base@0.1.0` (yanked)"),
        "{err}"
    );
    assert!(
        err.contains("note: dry run: nothing was uploaded (3 versions to copy, 0 already in `cnb-cargo-repo`)\n"),
        "{err}"
    );
    assert!(dest.uploads().is_empty());

    dest.refuse_version("0.2.0");
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", &url, "mig-base", "mig-leaf"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("`mig-base@0.2.0` was not copied"), "{err}");
    assert!(
        err.contains("Migrated 2 versions into `cnb-cargo-repo`; 1 failed\n"),
        "{err}"
    );
    assert_eq!(dest.versions("mig-base"), [("0.1.0".to_string(), true)]);
    assert_eq!(dest.versions("mig-leaf"), [("0.1.0".to_string(), false)]);

    dest.accept_version("0.2.0");
    dest.clear_log();
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", &url, "mig-base@*", "mig-leaf"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Migrated 1 version into `cnb-cargo-repo`; 2 were there already\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dest.uploads(), ["mig-base@0.2.0"]);
    assert_same_entries(&source, &dest, &["mig-base", "mig-leaf"]);
}

#[test]
fn a_directory_of_crate_files() {
    let Fixture { source, dest, env } = fixture();
    let dir = env.path().join("crate-files");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, vers) in [
        ("mig-base", "0.2.0"),
        ("mig-leaf", "0.1.0"),
        ("mig-mid", "1.0.0"),
    ] {
        std::fs::write(
            dir.join(format!("{name}-{vers}.crate")),
            source.crate_file(name, vers).unwrap(),
        )
        .unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not a crate").unwrap();
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from"])
        .arg(&dir)
        .args(["--all", "--json"]));
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["copied"], 3, "{report:#}");
    for (name, vers) in [("mig-base", "0.2.0"), ("mig-mid", "1.0.0")] {
        let copied = dest.entries(name);
        let source_entry = source
            .entries(name)
            .into_iter()
            .find(|e| e["vers"] == vers)
            .unwrap();
        assert_eq!(copied[0]["cksum"], source_entry["cksum"]);
        assert_eq!(comparable(&copied[0]), comparable(&source_entry), "{name}");
    }
    // The manifest's dependencies on the old registry now point here.
    let mid = &dest.entries("mig-mid")[0];
    assert!(
        mid["deps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["registry"].is_null())
    );

    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "mig-mid = { version = \"1\", registry = \"cnb-cargo-repo\", features = [\"fancy\"] }\n",
    );
    assert_success(&run(env.cargo().arg("build").current_dir(&app)));
}

#[test]
fn bad_selections_are_usage_errors() {
    let Fixture { env, dest, .. } = fixture();
    for args in [
        vec!["migrate", "--from", "src"],
        vec!["migrate", "--from", "src", "--all", "mig-base"],
        vec!["migrate", "--from", "nowhere-at-all", "x"],
        vec!["migrate", "--from", "src", "not a name"],
        vec!["migrate", "--from", "cnb-cargo-repo", "x"],
    ] {
        let out = run(env.cnbcargo().args(&args));
        assert_failure(&out, 2);
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    assert!(dest.uploads().is_empty());
}

#[test]
fn both_tokens_stay_secret_and_apart() {
    let Fixture { source, dest, env } = fixture();
    let url = source.index_url();
    let mut env = env;
    env.env("CNBCARGO_FROM_TOKEN", SRC_TOKEN)
        .env("RUST_BACKTRACE", "1");
    let mut outputs = vec![run(env
        .cnbcargo()
        .args(["migrate", "-vv", "--from", &url, "--all", "--json"]))];
    outputs.push(run(env.cnbcargo().args([
        "migrate",
        "-vv",
        "--from",
        &url,
        "--all",
        "--dry-run",
    ])));
    let mut wrong = env.cnbcargo();
    wrong
        .env("CNBCARGO_FROM_TOKEN", format!("{SRC_TOKEN}-wrong"))
        .args(["migrate", "-vv", "--from", &url, "mig-leaf"]);
    outputs.push(run(&mut wrong));
    outputs.push(run_with_stdin(
        env.cnbcargo().env_remove("CNBCARGO_FROM_TOKEN").args([
            "migrate",
            "-vv",
            "--from",
            &url,
            "--from-token-stdin",
            "mig-leaf",
        ]),
        format!("{SRC_TOKEN}\n").as_bytes(),
    ));
    assert!(!outputs[2].status.success());
    let shown: Vec<&std::process::Output> = outputs.iter().collect();
    assert_not_shown(SRC_TOKEN, &shown);
    assert_not_shown(DST_TOKEN, &shown);
    assert_not_in_files(SRC_TOKEN, env.path(), &[]);
    // The set-up's `cnbcargo login` gave cargo the destination's token.
    assert_not_in_files(
        DST_TOKEN,
        env.path(),
        &[env.cargo_home().join("credentials.toml")],
    );
    // Each registry saw its own token only, and only in `Authorization`.
    for (registry, own, other) in [
        (&source, SRC_TOKEN, DST_TOKEN),
        (&dest, DST_TOKEN, SRC_TOKEN),
    ] {
        assert_only_in_authorization(own, registry);
        assert_only_in_authorization(other, registry);
        assert!(
            registry
                .requests()
                .iter()
                .all(|r| r.header("authorization") != Some(other)),
            "a registry got the other's token"
        );
        assert!(
            registry
                .requests()
                .iter()
                .any(|r| r.header("authorization") == Some(own))
        );
    }
}

#[test]
fn every_crate_a_lock_file_resolves_from_the_source() {
    let Fixture { source, dest, env } = fixture();
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "mig-mid = { version = \"1\", registry = \"src\", features = [\"fancy\"] }\n",
    );
    assert_success(&run(env.cargo().arg("generate-lockfile").current_dir(&app)));
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "--lock"])
        .arg(app.join("Cargo.lock")));
    assert_success(&out);
    let err = stderr(&out);
    // Every version of each locked name, and nothing else.
    assert_same_entries(&source, &dest, &["mig-mid", "mig-base", "mig-leaf"]);
    assert!(dest.versions("mig-hand").is_empty());
    assert!(
        err.contains("Migrated 4 versions into `cnb-cargo-repo`\n"),
        "{err}"
    );

    let out =
        run(env
            .cnbcargo()
            .args(["migrate", "--from", "src", "--lock", "no/such/Cargo.lock"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("there is no `no/such/Cargo.lock`"),
        "{}",
        stderr(&out)
    );
}

/// A yank that fails after the upload: the version is there (and said to
/// be), and a rerun yanks it rather than skipping it as done.
#[test]
fn a_failed_yank_is_replayed_by_the_rerun() {
    let Fixture { source, dest, env } = fixture();
    dest.fail_next("/mig-base/0.1.0/yank", 1, 403);
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-base"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("uploaded, but the yank failed"), "{err}");
    assert!(
        err.contains("error: 1 version did not get through; `cnb-cargo-repo` now holds the 0 versions it had and the 2 uploaded by this run\n"),
        "{err}"
    );
    let mut held = dest.versions("mig-base");
    held.sort();
    assert_eq!(held, [("0.1.0".into(), false), ("0.2.0".into(), false)]);

    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-base"]));
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("      Yanked `mig-base@0.1.0`, there already, as in the source\n"),
        "{err}"
    );
    assert!(
        err.contains("Migrated 0 versions into `cnb-cargo-repo`; 2 were there already (1 yanked now, as in the source)\n"),
        "{err}"
    );
    assert_same_entries(&source, &dest, &["mig-base"]);
}

/// Copied alone, `mig-mid` would point at whatever the destination serves
/// for `mig-base` and `mig-leaf` (the crates.io proxy's): refused.
#[test]
fn a_version_whose_private_dependencies_stay_behind_is_refused() {
    let Fixture {
        source: _source,
        dest,
        env,
    } = fixture();
    let out = run(env.cnbcargo().args(["migrate", "--from", "src", "mig-mid"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("`mig-mid@1.0.0` was not copied: it depends on `mig-base`, `mig-leaf` from the source, which is not being copied"),
        "{err}"
    );
    assert!(dest.uploads().is_empty());
    // With what it needs in the destination already, it goes.
    assert_success(&run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-base", "mig-leaf"])));
    assert_success(&run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-mid"])));
    assert_eq!(dest.versions("mig-mid"), [("1.0.0".to_string(), false)]);
}

/// A source cannot pass off another crate: an index file listing another
/// name, or a `.crate` holding another package, is refused.
#[test]
fn a_source_cannot_pass_off_another_crate() {
    let Fixture { source, dest, env } = fixture();
    let mut leaf = source.entries("mig-leaf")[0].clone();
    leaf["vers"] = json!("9.9.9");
    let leaf_bytes = source.crate_file("mig-leaf", "0.1.0").unwrap();
    source.state().crates.insert(
        "mig-evil".into(),
        vec![crate::support::registry::StoredVersion {
            entry: leaf,
            crate_file: leaf_bytes,
            published_at: None,
        }],
    );
    // `mig-swap@1.0.0` whose bytes are `mig-leaf@0.1.0`'s.
    let bytes = source.crate_file("mig-leaf", "0.1.0").unwrap();
    source.add_crate(
        json!({"name": "mig-swap", "vers": "1.0.0", "deps": [], "cksum": sha256_hex(&bytes),
               "features": {}, "yanked": false, "links": null, "v": 1}),
        bytes,
    );
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-evil", "mig-swap"]));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "the source's index file for `mig-evil` lists a version of `mig-leaf`: refused"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "the `.crate` holds `mig-leaf@0.1.0`, not the version the source's index names"
        ),
        "{err}"
    );
    assert!(dest.uploads().is_empty());
}

/// `--all` over several pages of the search API, capped or not, with a
/// total or not, and a source whose pages repeat: an error, not a short
/// list.
#[test]
fn all_reads_every_page_and_refuses_a_list_that_stops_growing() {
    let source = TestRegistry::builder()
        .slug("old/many")
        .token(SRC_TOKEN)
        .start();
    for i in 0..157 {
        source.add_real_crate(&format!("many-{i:03}"), "1.0.0", b"x");
    }
    let dest = TestRegistry::builder().token(DST_TOKEN).start();
    let mut env = logged_in_env(&dest, DST_TOKEN);
    env.env("CNBCARGO_FROM_TOKEN", SRC_TOKEN);
    let url = source.index_url();
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", &url, "--all", "--dry-run"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("note: dry run: nothing was uploaded (157 versions to copy, 0 already in `cnb-cargo-repo`)\n"),
        "{}",
        stderr(&out)
    );

    // A source that caps `per_page` and gives no total: read until an
    // empty page, not cut at the first page shorter than asked.
    source.set_page_size_cap(Some(20));
    source.state().search_without_total = true;
    source.clear_log();
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", &url, "--all", "--dry-run"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("note: dry run: nothing was uploaded (157 versions to copy, 0 already in `cnb-cargo-repo`)\n"),
        "{}",
        stderr(&out)
    );
    let searches = source
        .requests()
        .iter()
        .filter(|r| r.url.contains("/api/v1/crates?"))
        .count();
    assert_eq!(searches, 157usize.div_ceil(20) + 1);

    source.state().search_ignores_page = true;
    let out = run(env.cnbcargo().args(["migrate", "--from", &url, "--all"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("listed `many-000` again on page 2, after 20 items"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("hint: name the crates to copy instead of `--all`"),
        "{}",
        stderr(&out)
    );
    assert!(dest.uploads().is_empty());
}

/// A destination whose index lists uploads late: migrate waits, as cargo
/// does, before dependents go up, before it checks the copies, and before
/// it replays the yank of `mig-base@0.1.0` (the registry's yank does not
/// find a version it does not show yet).
#[test]
fn a_lagging_destination_index_is_waited_for() {
    let Fixture { source, dest, env } = fixture();
    dest.set_index_delay(std::time::Duration::from_millis(1500));
    let out = run(env.cnbcargo().args([
        "migrate", "--from", "src", "mig-base", "mig-leaf", "mig-mid",
    ]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Migrated 4 versions into `cnb-cargo-repo`\n"),
        "{}",
        stderr(&out)
    );
    assert_same_entries(&source, &dest, &["mig-base", "mig-leaf", "mig-mid"]);
}

/// Downloads sent on to storage elsewhere are followed, without the
/// source's token.
#[test]
fn downloads_redirected_elsewhere_are_followed_without_the_token() {
    let Fixture {
        source,
        dest,
        mut env,
    } = fixture();
    let storage = TestRegistry::builder()
        .slug("storage/blobs")
        .auth_required(false)
        .start();
    for entry in source.entries("mig-leaf") {
        let vers = entry["vers"].as_str().unwrap().to_string();
        storage.add_crate(entry, source.crate_file("mig-leaf", &vers).unwrap());
    }
    source.state().redirect_downloads = Some(format!("{}api/v1/crates", storage.http_index()));
    env.env("CNBCARGO_FROM_TOKEN", SRC_TOKEN);
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", &source.index_url(), "mig-leaf"]));
    assert_success(&out);
    assert_same_entries(&source, &dest, &["mig-leaf"]);
    let fetched = storage.requests();
    assert!(
        fetched
            .iter()
            .any(|r| r.url.ends_with("/mig-leaf/0.1.0/download"))
    );
    assert!(fetched.iter().all(|r| r.header("authorization").is_none()));
}

/// An upload that lands while the answer is lost (a timeout): the rerun
/// finds it there and copies only the rest, nothing twice.
#[test]
fn an_upload_whose_answer_was_lost_is_not_sent_twice() {
    let Fixture {
        source,
        dest,
        mut env,
    } = fixture();
    env.env("CNBCARGO_HTTP_TIMEOUT", "1");
    dest.fault_next(
        "/api/v1/crates/new",
        1,
        crate::support::registry::FaultKind::AnswerLate(std::time::Duration::from_secs(3)),
    );
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-leaf"]));
    assert_failure(&out, 1);
    assert_eq!(dest.versions("mig-leaf"), [("0.1.0".to_string(), false)]);
    dest.clear_log();
    let out = run(env
        .cnbcargo()
        .args(["migrate", "--from", "src", "mig-leaf"]));
    assert_success(&out);
    assert!(dest.uploads().is_empty(), "{:?}", dest.uploads());
    assert_same_entries(&source, &dest, &["mig-leaf"]);
}
