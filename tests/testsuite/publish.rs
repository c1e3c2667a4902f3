//! `cnbcargo publish` past CNB's crates.io proxy, with the real cargo.

use snapbox::str;

use crate::support::*;

const PLACEHOLDER: &str = "0.0.0-cnbcargo.placeholder";

fn versions(registry: &TestRegistry, name: &str) -> Vec<String> {
    registry
        .versions(name)
        .into_iter()
        .map(|(v, _)| v)
        .collect()
}

#[test]
fn collision_is_fixed_with_a_placeholder_that_is_then_deleted() {
    let (registry, env, lib) = colliding_crate("proxied", "1.0.0");

    // Plain cargo is refused: the proxy's index lists 1.0.0.
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(versions(&registry, "proxied").is_empty());

    let out = cnbcargo_publish(&env, &lib);
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("publishing a placeholder first"), "{err}");
    assert!(
        err.contains(&format!("Deleted the placeholder `proxied@{PLACEHOLDER}`")),
        "{err}"
    );
    assert_eq!(versions(&registry, "proxied"), ["1.0.0"]);

    // The order on the wire: placeholder upload, real upload, delete.
    let requests = registry.requests();
    assert_eq!(registry.upload_requests().len(), 2);
    assert!(requests.iter().any(|r| r.method == "DELETE"
        && r.url.ends_with(&format!(
            "/cargo/proxied/-/tag/{}",
            PLACEHOLDER.replace('+', "%2B")
        ))));

    // A consumer builds against the real version.
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "proxied = { version = \"1\", registry = \"cnb-cargo-repo\" }\n",
    );
    std::fs::write(
        app.join("src/lib.rs"),
        "pub fn f() -> &'static str { proxied::hello() }\n",
    )
    .unwrap();
    let out = run(env.cargo().arg("build").current_dir(&app));
    assert_success(&out);
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
    assert!(
        lock.contains("name = \"proxied\"\nversion = \"1.0.0\""),
        "{lock}"
    );
}

#[test]
fn rerun_finds_the_version_already_published() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("twice", "twice", "0.2.0", "");
    assert_success(&cnbcargo_publish(&env, &lib));
    assert_eq!(versions(&registry, "twice"), ["0.2.0"]);
    let uploads = registry.upload_requests().len();
    assert_eq!(uploads, 1, "no collision: a plain publish");

    let out = cnbcargo_publish(&env, &lib);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Skipping `twice@0.2.0`: the registry already has this version"),
        "{}",
        stderr(&out)
    );
    let uploads = registry.upload_requests().len();
    assert_eq!(uploads, 1);
}

#[test]
fn token_that_cannot_delete_yanks_the_placeholder() {
    let registry = TestRegistry::builder()
        .token_with_scopes("ci-tok", &[registry_mod::READ, registry_mod::WRITE])
        .upstream("ci-crate", "0.5.0")
        .start();
    let env = logged_in_env(&registry, "ci-tok");
    let lib = env.new_crate("ci-crate", "ci-crate", "0.5.0", "");
    let out = cnbcargo_publish(&env, &lib);
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env).registry(&registry),
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate ci-crate@0.5.0 already exists on `cnb-cargo-repo` index
   Packaging ci-crate v0.5.0 ([ROOT]/project/ci-crate)
    Packaged 4 files, [..] ([..] compressed)
   Uploading ci-crate v0.5.0 ([ROOT]/project/ci-crate)
warning: aborting upload due to dry run
note: `cnb-cargo-repo` has no version of `ci-crate`, and the crates.io proxy's index lists the version being published: publishing a placeholder first
    Uploaded the placeholder `ci-crate@0.0.0-cnbcargo.placeholder`
    Updating `cnb-cargo-repo` index
   Packaging ci-crate v0.5.0 ([ROOT]/project/ci-crate)
    Packaged 4 files, [..] ([..] compressed)
   Uploading ci-crate v0.5.0 ([ROOT]/project/ci-crate)
    Uploaded ci-crate v0.5.0 to registry `cnb-cargo-repo`
note: waiting for ci-crate v0.5.0 to be available at registry `cnb-cargo-repo`
help: you may press ctrl-c to skip waiting; the crate should be available shortly
   Published ci-crate v0.5.0 at registry `cnb-cargo-repo`
note: crates.io's `ci-crate` is no longer reachable through `cnb-cargo-repo`: now that it holds a version of `ci-crate`, the registry serves its own versions for the name instead of crates.io's
warning: the token may not delete `ci-crate@0.0.0-cnbcargo.placeholder` (it needs the `registry-package-delete:rw` scope and the Administrator role); yanking it instead
      Yanked the placeholder `ci-crate@0.0.0-cnbcargo.placeholder`
hint: delete it later with `cnbcargo delete ci-crate@0.0.0-cnbcargo.placeholder` and a token that may delete
   Published ci-crate@0.5.0 to `cnb-cargo-repo`

"#]],
    );
    let mut listed = registry.versions("ci-crate");
    listed.sort();
    assert_eq!(
        listed,
        [
            ("0.0.0-cnbcargo.placeholder".to_string(), true),
            ("0.5.0".to_string(), false)
        ]
    );
}

#[test]
fn failed_real_publish_cleans_up_and_says_so() {
    let (registry, env, lib) = colliding_crate("refused", "2.0.0");
    registry.refuse_version("2.0.0");
    let out = cnbcargo_publish(&env, &lib);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate refused@2.0.0 already exists on `cnb-cargo-repo` index
   Packaging refused v2.0.0 ([ROOT]/project/refused)
    Packaged 4 files, [..] ([..] compressed)
   Uploading refused v2.0.0 ([ROOT]/project/refused)
warning: aborting upload due to dry run
note: `cnb-cargo-repo` has no version of `refused`, and the crates.io proxy's index lists the version being published: publishing a placeholder first
    Uploaded the placeholder `refused@0.0.0-cnbcargo.placeholder`
    Updating `cnb-cargo-repo` index
   Packaging refused v2.0.0 ([ROOT]/project/refused)
    Packaged 4 files, [..] ([..] compressed)
   Uploading refused v2.0.0 ([ROOT]/project/refused)
error: failed to publish refused v2.0.0 to registry at http://127.0.0.1:[PORT]/acme/crates/-/packages

Caused by:
  the remote server responded with an error (status 400 Bad Request): version `2.0.0` is refused by the registry's policy
error: publishing `refused@2.0.0` failed; nothing was published; the placeholder `refused@0.0.0-cnbcargo.placeholder` was deleted

Caused by:
  `cargo publish --registry cnb-cargo-repo -p refused --no-verify` failed (exit status: 101)

hint: fix the cause and run `cnbcargo publish -- --no-verify` again: it resumes, skipping what is published
hint: cargo's own message is above

"#]],
    );
    assert!(versions(&registry, "refused").is_empty());
}

#[test]
fn placeholder_never_explains_and_dry_run_uploads_nothing() {
    let (registry, env, lib) = colliding_crate("collides", "1.2.3");

    let out = run(env
        .cnbcargo()
        .args(["publish", "--placeholder", "never"])
        .current_dir(&lib));
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate collides@1.2.3 already exists on `cnb-cargo-repo` index
   Packaging collides v1.2.3 ([ROOT]/project/collides)
    Packaged 4 files, [..] ([..] compressed)
   Verifying collides v1.2.3 ([ROOT]/project/collides)
   Compiling collides v1.2.3 ([ROOT]/project/collides/target/package/collides-1.2.3)
    Finished `dev` profile [unoptimized + debuginfo] target(s) in [..]s
   Uploading collides v1.2.3 ([ROOT]/project/collides)
warning: aborting upload due to dry run
error: `collides@1.2.3` cannot be published as is: the registry has no version of `collides`, so CNB serves the crates.io proxy's index for it, which already lists 1.2.3; nothing was uploaded

hint: cargo would refuse with "already exists"; run without `--placeholder never` to publish a placeholder version first

"#]],
    );

    let out = run(env
        .cnbcargo()
        .args(["publish", "--dry-run"])
        .current_dir(&lib));
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate collides@1.2.3 already exists on `cnb-cargo-repo` index
   Packaging collides v1.2.3 ([ROOT]/project/collides)
    Packaged 4 files, [..] ([..] compressed)
   Verifying collides v1.2.3 ([ROOT]/project/collides)
   Compiling collides v1.2.3 ([ROOT]/project/collides/target/package/collides-1.2.3)
    Finished `dev` profile [unoptimized + debuginfo] target(s) in [..]s
   Uploading collides v1.2.3 ([ROOT]/project/collides)
warning: aborting upload due to dry run
Would upload the placeholder `collides@0.0.0-cnbcargo.placeholder`
Would upload `collides@1.2.3`
note: this first version of `collides` in `cnb-cargo-repo` would make crates.io's `collides` unreachable through the registry: it would serve its own versions for the name instead
Would delete the placeholder `collides@0.0.0-cnbcargo.placeholder`
note: dry run: cargo's checks ran, and nothing was uploaded

"#]],
    );
    assert!(
        registry.requests().iter().all(|r| r.method == "GET"),
        "a dry run only reads"
    );
    assert!(versions(&registry, "collides").is_empty());
}

#[test]
fn keep_placeholder_keeps_it() {
    let (registry, env, lib) = colliding_crate("kept", "1.0.0");
    let out = run(env
        .cnbcargo()
        .args(["publish", "--keep-placeholder", "--", "--no-verify"])
        .current_dir(&lib));
    assert_success(&out);
    let mut listed = versions(&registry, "kept");
    listed.sort();
    assert_eq!(listed, [PLACEHOLDER, "1.0.0"]);
    // The next version finds the leftover placeholder and removes it.
    let lib = env.new_crate("kept2", "kept", "1.1.0", "");
    let out = cnbcargo_publish(&env, &lib);
    assert_success(&out);
    let mut listed = versions(&registry, "kept");
    listed.sort();
    assert_eq!(listed, ["1.0.0", "1.1.0"]);
}

#[test]
fn package_publish_false_is_refused() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("private", "private", "0.1.0", "");
    let manifest = std::fs::read_to_string(lib.join("Cargo.toml")).unwrap();
    std::fs::write(
        lib.join("Cargo.toml"),
        manifest.replace("license = \"MIT\"", "license = \"MIT\"\npublish = false"),
    )
    .unwrap();
    let out = run(env.cnbcargo().arg("publish").current_dir(&lib));
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env).registry(&registry),
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
error: `private` cannot be published.
`package.publish` must be set to `true` or a non-empty list in Cargo.toml to publish.
error: nothing to publish to `cnb-cargo-repo`

hint: `private@0.1.0`: its `package.publish = false` keeps it out of every registry

"#]],
    );
}

#[test]
fn workspace_members_with_inherited_versions() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    env.write(
        "project/ws/Cargo.toml",
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"0.3.0\"\n",
    );
    for name in ["alpha", "beta"] {
        env.write(
            &format!("project/ws/{name}/Cargo.toml"),
            &format!("[package]\nname = \"ws-{name}\"\nversion.workspace = true\nedition = \"2021\"\ndescription = \"x\"\nlicense = \"MIT\"\n"),
        );
        env.write(&format!("project/ws/{name}/src/lib.rs"), "");
    }
    let ws = env.project().join("ws");
    // From the workspace root, `-p` picks the member.
    let out = run(env
        .cnbcargo()
        .args(["publish", "-p", "ws-alpha", "--", "--no-verify"])
        .current_dir(&ws));
    assert_success(&out);
    assert_eq!(versions(&registry, "ws-alpha"), ["0.3.0"]);
    // From a member's directory, that member.
    let out = run(env
        .cnbcargo()
        .args(["publish", "--", "--no-verify"])
        .current_dir(ws.join("beta")));
    assert_success(&out);
    assert_eq!(versions(&registry, "ws-beta"), ["0.3.0"]);
    // From the root without `-p`: every member, here both already there.
    let out = run(env
        .cnbcargo()
        .args(["publish", "--dry-run"])
        .current_dir(&ws));
    assert_success(&out);
    for name in ["ws-alpha", "ws-beta"] {
        assert!(
            stderr(&out).contains(&format!(
                "Skipping `{name}@0.3.0`: the registry already has this version"
            )),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn placeholder_always_and_manifest_path() {
    // No collision, but `--placeholder always`; run from elsewhere with `--manifest-path`.
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("always", "always", "0.4.0", "");
    let manifest = lib.join("Cargo.toml");
    let out = run(env.cnbcargo().args([
        "publish",
        "--placeholder",
        "always",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--",
        "--no-verify",
    ]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("Deleted the placeholder `always@0.0.0-cnbcargo.placeholder`"),
        "{}",
        stderr(&out)
    );
    let uploads = registry.upload_requests().len();
    assert_eq!(uploads, 2);
    assert_eq!(versions(&registry, "always"), ["0.4.0"]);
}

#[test]
fn package_publish_list_must_allow_the_registry() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("elsewhere", "elsewhere", "0.1.0", "");
    let manifest = std::fs::read_to_string(lib.join("Cargo.toml")).unwrap();
    std::fs::write(
        lib.join("Cargo.toml"),
        manifest.replace(
            "license = \"MIT\"",
            "license = \"MIT\"\npublish = [\"other\"]",
        ),
    )
    .unwrap();
    // `publish = ["other"]` names the registry when none is given, which is not configured.
    let out = run(env
        .cnbcargo()
        .args(["publish", "--dry-run"])
        .current_dir(&lib));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("`other` is not in cargo's config"),
        "{}",
        stderr(&out)
    );
    // Asking for the CNB registry explicitly is refused by `package.publish`.
    let out = run(env
        .cnbcargo()
        .args(["publish", "--dry-run", "--registry", "cnb-cargo-repo"])
        .current_dir(&lib));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("does not list `cnb-cargo-repo`"),
        "{}",
        stderr(&out)
    );
    assert!(versions(&registry, "elsewhere").is_empty());
}

/// A first version of a name the crates.io proxy serves hides crates.io's
/// crate of that name from everyone using the registry: publish says so.
#[test]
fn a_colliding_first_version_notes_that_crates_io_is_no_longer_reachable() {
    let (registry, env, lib) = colliding_crate("collides", "1.0.0");
    let note = "note: crates.io's `collides` is no longer reachable through `cnb-cargo-repo`: now that it holds a version of `collides`, the registry serves its own versions for the name instead of crates.io's";

    let out = run(env
        .cnbcargo()
        .args(["publish", "--dry-run", "--", "--no-verify"])
        .current_dir(&lib));
    assert_success(&out);
    assert!(
        stderr(&out).contains("would make crates.io's `collides` unreachable through the registry"),
        "{}",
        stderr(&out)
    );

    let out = cnbcargo_publish(&env, &lib);
    assert_success(&out);
    assert!(stderr(&out).contains(note), "{}", stderr(&out));
    assert_eq!(versions(&registry, "collides"), ["1.0.0"]);

    // A second version hides nothing more; a name the proxy does not
    // serve hides nothing at all.
    let next = env.new_crate("collides-next", "collides", "1.1.0", "");
    let out = cnbcargo_publish(&env, &next);
    assert_success(&out);
    assert!(
        !stderr(&out).contains("no longer reachable"),
        "{}",
        stderr(&out)
    );
    let fresh = env.new_crate("fresh", "fresh-name", "0.1.0", "");
    let out = cnbcargo_publish(&env, &fresh);
    assert_success(&out);
    assert!(
        !stderr(&out).contains("no longer reachable"),
        "{}",
        stderr(&out)
    );
}
