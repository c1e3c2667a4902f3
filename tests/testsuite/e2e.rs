//! The whole path with the real cargo: `init`, `login`, `cargo publish`,
//! and a consumer crate that builds against the published crate.

use crate::support::*;

#[test]
fn init_login_publish_and_consume() {
    let registry = TestRegistry::builder().token("tok-e2e").start();
    let env = logged_in_env(&registry, "tok-e2e");

    let lib = env.new_crate("cnb-e2e-lib", "cnb-e2e-lib", "0.1.0", "");
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert_success(&out);
    assert_eq!(
        registry.versions("cnb-e2e-lib"),
        vec![("0.1.0".to_string(), false)]
    );

    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "cnb-e2e-lib = { version = \"0.1\", registry = \"cnb-cargo-repo\" }\n",
    );
    std::fs::write(
        app.join("src/lib.rs"),
        "pub fn call() -> &'static str { cnb_e2e_lib::hello() }\n",
    )
    .unwrap();
    let out = run(env.cargo().arg("build").current_dir(&app));
    assert_success(&out);
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
    assert!(lock.contains("name = \"cnb-e2e-lib\""), "{lock}");
    assert!(
        lock.contains(&format!("source = \"{}\"", registry.index_url())),
        "{lock}"
    );

    // cargo answered the 401 challenge and then sent the raw token everywhere.
    let requests = registry.requests();
    assert!(requests.iter().any(|r| r.status == 401));
    let publish = requests
        .iter()
        .find(|r| r.url.ends_with("/api/v1/crates/new"))
        .unwrap();
    assert_eq!(publish.header("authorization"), Some("tok-e2e"));
    let download = requests
        .iter()
        .find(|r| r.url.ends_with("/download"))
        .unwrap();
    assert_eq!(download.status, 200);
}

#[test]
fn index_etag_gives_304_and_changes_after_yank() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("etagged", "etagged", "0.1.0", "");
    cargo_publish(&env, &lib);
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "etagged = { version = \"0.1\", registry = \"cnb-cargo-repo\" }\n",
    );
    let resolve = || run(env.cargo().arg("generate-lockfile").current_dir(&app));
    let index_statuses = || -> Vec<(u16, bool)> {
        registry
            .requests()
            .iter()
            .filter(|r| r.url.ends_with("/et/ag/etagged"))
            .map(|r| (r.status, r.header("if-none-match").is_some()))
            .collect()
    };
    assert_success(&resolve());
    let before = index_statuses().len();
    // Unchanged: cargo revalidates with the ETag and gets 304.
    assert_success(&resolve());
    assert_eq!(index_statuses()[before..], [(304, true)]);

    assert_success(&run(env
        .cargo()
        .args(["yank", "etagged@0.1.0"])
        .current_dir(&lib)));
    assert_eq!(
        registry.versions("etagged"),
        vec![("0.1.0".to_string(), true)]
    );
    // The yank changed the ETag: a fresh resolve sees the yanked version and fails.
    let before = index_statuses().len();
    let out = resolve();
    assert!(!out.status.success(), "{}", stderr(&out));
    assert_eq!(index_statuses()[before..], [(200, true)]);

    assert_success(&run(env
        .cargo()
        .args(["yank", "--undo", "etagged@0.1.0"])
        .current_dir(&lib)));
    assert_eq!(
        registry.versions("etagged"),
        vec![("0.1.0".to_string(), false)]
    );
    assert_success(&resolve());
}
