//! The key messages of each command, pinned as whole outputs (stderr and
//! exit code, stdout where the command's answer is there), so that a
//! wording change shows in review. What varies between runs is redacted
//! (`[ROOT]`, `[PORT]`, `[API_PORT]`, `[..]` for durations and sizes).
//! Re-bless with `SNAPSHOTS=overwrite cargo test --test testsuite messages`.
//!
//! Other modules pin their command's messages where the test already
//! builds the case: `audit` (its findings), `gate` (the cargo version
//! gate), `login`, `delete`, `init`, `ci` and `publish` (refusals, dry
//! runs, failures), `faults` (malformed answers, a failed publish),
//! `doctor` (a broken configuration's report), `network`
//! (the offline refusal of each command that needs the network). This
//! module holds the rest, one test per message.

use snapbox::str;

use crate::support::*;

/// `cnbcargo ARGS` in `dir` (a crate's directory, or the project).
fn cnbcargo_in(env: &TestEnv, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    run_with_deadline(env.cnbcargo().args(args).current_dir(dir))
}

// ------------------------------------------------------------------ init

#[test]
fn init_writes_the_registry() {
    let env = TestEnv::new();
    let out = cnbcargo_bounded(&env, &["init", "acme/crates"]);
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env),
        str![[r#"
note: `acme/crates` was expanded to `https://cargo.cnb.cool/acme/crates/-/packages/`, an address derived from the path, not read from CNB
hint: the registry's page on CNB (Artifacts, then the registry) shows its address: if it differs, pass that URL to `cnbcargo init` instead (for CNB on another domain, add `--domain`, e.g. `--domain cnb.build`)
     Created [ROOT]/project/.cargo/config.toml
       Added registry `cnb-cargo-repo` with index `sparse+https://cargo.cnb.cool/acme/crates/-/packages/`
       Added `registry.default = "cnb-cargo-repo"`
       Added `cargo:token` to `registry.global-credential-providers`
note: no `Cargo.toml` here or above: cargo reads this file only for projects under `[ROOT]/project`
hint: run `cnbcargo init` in a project's directory to configure that project, or pass `--global` to configure every project
hint: run `cnbcargo login --registry cnb-cargo-repo` to give cargo your CNB token

"#]],
    );
}

#[test]
fn init_refuses_a_path_without_a_registry_name() {
    let env = TestEnv::new();
    let out = cnbcargo_bounded(&env, &["init", "just-one-word"]);
    assert_snapshot(
        &out,
        2,
        &Redact::new(&env),
        str![[r#"
error: `just-one-word` is not a registry path: it needs a group and a registry name

hint: pass `group/registry` (e.g. `acme/crates`) or the full index URL CNB shows

"#]],
    );
    assert!(!env.project().join(".cargo").exists());
}

// ---------------------------------------------------------- login/logout

#[test]
fn login_from_cnb_token() {
    let registry = TestRegistry::builder().token("tok-snap").start();
    let mut env = configured_env(&registry);
    env.env("CNB_API_ENDPOINT", registry.api_url())
        .env("CNB_TOKEN", "tok-snap");
    let out = cnbcargo_bounded(&env, &["login"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
     Checked the token with `cnb-cargo-repo`: it may read, publish, delete
    Updating `cnb-cargo-repo` index
       Login token for `cnb-cargo-repo` saved
   Logged in to `cnb-cargo-repo` (sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages/)

"#]],
    );
    assert!(credentials(&env).contains("tok-snap"));
}

#[test]
fn login_refuses_a_token_the_registry_refuses() {
    let registry = TestRegistry::builder().token("good").start();
    let mut env = configured_env(&registry);
    env.env("CNB_API_ENDPOINT", registry.api_url());
    let out = run_with_stdin(env.cnbcargo().arg("login"), b"wrongtoken\n");
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: the index of `cnb-cargo-repo` refused the token (401); nothing was stored

hint: the token may be mistyped, expired or revoked: copy it again, or create a new one

"#]],
    );
    assert_eq!(credentials(&env), "");
}

#[test]
fn logout_removes_the_token() {
    let registry = TestRegistry::builder().token("tok-out").start();
    let env = logged_in_env(&registry, "tok-out");
    let out = cnbcargo_bounded(&env, &["logout"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
      Logout token for `cnb-cargo-repo` has been removed from local storage
note: This does not revoke the token on the registry server.
    If you need to revoke the token, visit the `cnb-cargo-repo` website and follow the instructions there.

"#]],
    );
    assert!(!credentials(&env).contains("tok-out"));
}

// --------------------------------------------------------------- publish

#[test]
fn publish_a_new_crate() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("fresh", "fresh", "0.1.0", "");
    let out = cnbcargo_in(&env, &lib, &["publish", "--", "--no-verify"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
   Packaging fresh v0.1.0 ([ROOT]/project/fresh)
    Packaged 4 files, [..] ([..] compressed)
   Uploading fresh v0.1.0 ([ROOT]/project/fresh)
warning: aborting upload due to dry run
    Updating `cnb-cargo-repo` index
   Packaging fresh v0.1.0 ([ROOT]/project/fresh)
    Packaged 4 files, [..] ([..] compressed)
   Uploading fresh v0.1.0 ([ROOT]/project/fresh)
    Uploaded fresh v0.1.0 to registry `cnb-cargo-repo`
note: waiting for fresh v0.1.0 to be available at registry `cnb-cargo-repo`
help: you may press ctrl-c to skip waiting; the crate should be available shortly
   Published fresh v0.1.0 at registry `cnb-cargo-repo`
   Published fresh@0.1.0 to `cnb-cargo-repo`

"#]],
    );
    assert_eq!(registry.uploads(), ["fresh@0.1.0"]);
}

#[test]
fn publish_past_the_proxy_with_a_placeholder() {
    let (registry, env, lib) = colliding_crate("proxied", "1.0.0");
    let out = cnbcargo_in(&env, &lib, &["publish", "--", "--no-verify"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
    Checking this package with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate proxied@1.0.0 already exists on `cnb-cargo-repo` index
   Packaging proxied v1.0.0 ([ROOT]/project/proxied)
    Packaged 4 files, [..] ([..] compressed)
   Uploading proxied v1.0.0 ([ROOT]/project/proxied)
warning: aborting upload due to dry run
note: `cnb-cargo-repo` has no version of `proxied`, and the crates.io proxy's index lists the version being published: publishing a placeholder first
    Uploaded the placeholder `proxied@0.0.0-cnbcargo.placeholder`
    Updating `cnb-cargo-repo` index
   Packaging proxied v1.0.0 ([ROOT]/project/proxied)
    Packaged 4 files, [..] ([..] compressed)
   Uploading proxied v1.0.0 ([ROOT]/project/proxied)
    Uploaded proxied v1.0.0 to registry `cnb-cargo-repo`
note: waiting for proxied v1.0.0 to be available at registry `cnb-cargo-repo`
help: you may press ctrl-c to skip waiting; the crate should be available shortly
   Published proxied v1.0.0 at registry `cnb-cargo-repo`
note: crates.io's `proxied` is no longer reachable through `cnb-cargo-repo`: now that it holds a version of `proxied`, the registry serves its own versions for the name instead of crates.io's
     Deleted the placeholder `proxied@0.0.0-cnbcargo.placeholder`
   Published proxied@1.0.0 to `cnb-cargo-repo`

"#]],
    );
    assert_eq!(registry.version_names("proxied"), ["1.0.0"]);
}

#[test]
fn publish_failure_says_what_was_published_and_how_to_resume() {
    let (registry, env, ws) = colliding_workspace();
    registry.refuse_version("0.3.0");
    let out = cnbcargo_in(&env, &ws, &["publish", "--no-verify"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
    Checking wa, wb, wc with `cargo publish --dry-run` before any upload
    Updating `cnb-cargo-repo` index
warning: crate wa@1.0.0 already exists on `cnb-cargo-repo` index
   Packaging wa v1.0.0 ([ROOT]/project/ws/a)
    Packaged 4 files, [..] ([..] compressed)
   Packaging wb v0.2.0 ([ROOT]/project/ws/b)
    Updating `cnb-cargo-repo` index
    Packaged 4 files, [..] ([..] compressed)
   Packaging wc v0.3.0 ([ROOT]/project/ws/c)
    Updating `cnb-cargo-repo` index
    Packaged 4 files, [..] ([..] compressed)
   Uploading wa v1.0.0 ([ROOT]/project/ws/a)
warning: aborting upload due to dry run
   Uploading wb v0.2.0 ([ROOT]/project/ws/b)
warning: aborting upload due to dry run
   Uploading wc v0.3.0 ([ROOT]/project/ws/c)
warning: aborting upload due to dry run
note: `cnb-cargo-repo` has no version of `wa`, and the crates.io proxy's index lists the version being published: publishing a placeholder first
    Uploaded the placeholder `wa@0.0.0-cnbcargo.placeholder`
    Updating `cnb-cargo-repo` index
   Packaging wa v1.0.0 ([ROOT]/project/ws/a)
    Packaged 4 files, [..] ([..] compressed)
   Uploading wa v1.0.0 ([ROOT]/project/ws/a)
    Uploaded wa v1.0.0 to registry `cnb-cargo-repo`
note: waiting for wa v1.0.0 to be available at registry `cnb-cargo-repo`
help: you may press ctrl-c to skip waiting; the crate should be available shortly
   Published wa v1.0.0 at registry `cnb-cargo-repo`
note: crates.io's `wa` is no longer reachable through `cnb-cargo-repo`: now that it holds a version of `wa`, the registry serves its own versions for the name instead of crates.io's
     Deleted the placeholder `wa@0.0.0-cnbcargo.placeholder`
    Updating `cnb-cargo-repo` index
   Packaging wb v0.2.0 ([ROOT]/project/ws/b)
    Updating `cnb-cargo-repo` index
    Packaged 4 files, [..] ([..] compressed)
   Uploading wb v0.2.0 ([ROOT]/project/ws/b)
    Uploaded wb v0.2.0 to registry `cnb-cargo-repo`
note: waiting for wb v0.2.0 to be available at registry `cnb-cargo-repo`
help: you may press ctrl-c to skip waiting; the crate should be available shortly
   Published wb v0.2.0 at registry `cnb-cargo-repo`
    Updating `cnb-cargo-repo` index
   Packaging wc v0.3.0 ([ROOT]/project/ws/c)
    Updating `cnb-cargo-repo` index
    Packaged 4 files, [..] ([..] compressed)
   Uploading wc v0.3.0 ([ROOT]/project/ws/c)
error: failed to publish wc v0.3.0 to registry at http://127.0.0.1:[PORT]/acme/crates/-/packages

Caused by:
  the remote server responded with an error (status 400 Bad Request): version `0.3.0` is refused by the registry's policy
error: publishing `wc@0.3.0` failed; published: wa@1.0.0, wb@0.2.0; the placeholder `wa@0.0.0-cnbcargo.placeholder` was deleted

Caused by:
  `cargo publish --registry cnb-cargo-repo -p wc --no-verify` failed (exit status: 101)

hint: fix the cause and run `cnbcargo publish --no-verify` again: it resumes, skipping what is published
hint: cargo's own message is above

"#]],
    );
    assert!(registry.version_names("wc").is_empty());
}

// ---------------------------------------------------------- delete, yank

#[test]
fn delete_dry_run_lists_and_changes_nothing() {
    let (registry, env) = hosting("keep", &["0.1.0", "0.2.0", "1.0.0"]);
    let out = cnbcargo_bounded(&env, &["delete", "keep@<1", "--dry-run"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
Would delete keep@0.1.0
Would delete keep@0.2.0
note: dry run: nothing was deleted (2 versions selected)

"#]],
    );
    assert_eq!(registry.version_names("keep").len(), 3);
}

#[test]
fn delete_without_yes_is_refused_off_a_terminal() {
    let (registry, env) = hosting("asked", &["0.1.0"]);
    let out = cnbcargo_bounded(&env, &["delete", "asked@0.1.0"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        2,
        &redact,
        str![[r#"
error: refusing to delete 1 version from `cnb-cargo-repo` without confirmation

hint: pass `--yes` to delete without a terminal, or `--dry-run` to only list

"#]],
    );
    assert_eq!(registry.version_names("asked"), ["0.1.0"]);
}

#[test]
fn delete_of_a_version_the_registry_lacks() {
    let (registry, env) = hosting("held", &["0.1.0"]);
    let out = cnbcargo_bounded(&env, &["delete", "held@9.9.9", "--yes"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: `held@9.9.9` matches no version in `cnb-cargo-repo` (it has 1 version: 0.1.0)

"#]],
    );
    assert_eq!(registry.version_names("held"), ["0.1.0"]);
}

#[test]
fn delete_answered_404() {
    let (registry, env) = hosting("vanished", &["0.1.0"]);
    registry.fail_next("/-/tag/0.1.0", 1, 404);
    let out = cnbcargo_bounded(&env, &["delete", "vanished@0.1.0", "--yes"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: cannot delete `vanished@0.1.0`: not found (404)

Caused by:
  `DELETE http://127.0.0.1:[API_PORT]/acme/crates/-/packages/cargo/vanished/-/tag/0.1.0` answered 404: injected failure

hint: check the crate name and version, and the registry path in the index URL
error: the deletion failed

hint: run the same command again: what is already gone no longer matches

"#]],
    );
}

#[test]
fn yank_and_undo() {
    let (registry, env) = hosting("yankee", &["0.1.0", "0.2.0"]);
    let redact = Redact::new(&env).registry(&registry);
    let out = cnbcargo_bounded(&env, &["yank", "yankee@<1"]);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
    Updating `cnb-cargo-repo` index
        Yank yankee@0.1.0
    Updating `cnb-cargo-repo` index
        Yank yankee@0.2.0

"#]],
    );
    let out = cnbcargo_bounded(&env, &["yank", "yankee@0.2.0", "--undo"]);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
    Updating `cnb-cargo-repo` index
      Unyank yankee@0.2.0

"#]],
    );
    assert_eq!(
        registry.versions("yankee"),
        [("0.1.0".to_string(), true), ("0.2.0".to_string(), false)]
    );
}

// ------------------------------------------------------------------ list

#[test]
fn list_prints_a_table() {
    let (registry, env) = hosting("tabled", &["0.1.0", "0.2.0"]);
    registry.add_version("other", "1.0.0");
    let redact = Redact::new(&env).registry(&registry);
    let out = cnbcargo_bounded(&env, &["list"]);
    assert_snapshot(&out, 0, &redact, str![]);
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
CRATE   VERSIONS  LATEST
other   1         1.0.0
tabled  2         0.2.0

"#]],
    );
    let out = cnbcargo_bounded(&env, &["list", "tabled"]);
    assert_snapshot(&out, 0, &redact, str![]);
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
VERSION  SIZE  YANKED
0.1.0    12 B  no
0.2.0    12 B  no

"#]],
    );
}

#[test]
fn list_of_an_unknown_crate() {
    let (registry, env) = hosting("known", &["0.1.0"]);
    let out = cnbcargo_bounded(&env, &["list", "knwon"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: `knwon` is not in `cnb-cargo-repo`

hint: `cnbcargo list` shows the registry's own crates

"#]],
    );
    assert_stdout_snapshot(&out, &redact, str![]);
}

// --------------------------------------------------------------- migrate

#[test]
fn migrate_dry_run_summary() {
    let source = TestRegistry::builder()
        .slug("old/place")
        .token("tok-src")
        .start();
    source.add_real_crate("moving-a", "1.0.0", b"a");
    source.add_real_crate("moving-b", "0.1.0", b"b");
    let dest = TestRegistry::builder().token("tok-dst").start();
    let mut env = logged_in_env(&dest, "tok-dst");
    env.env("CNBCARGO_FROM_TOKEN", "tok-src");
    let url = source.index_url();
    let out = run_within(
        env.cnbcargo()
            .args(["migrate", "--from", &url, "--all", "--dry-run"]),
        std::time::Duration::from_secs(60),
    );
    let redact = Redact::new(&env)
        .registry(&dest)
        .with("[SRC_PORT]", source.port().to_string())
        .with("[SRC_API_PORT]", source.api_port().to_string());
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
  Would copy `moving-a@1.0.0`
  Would copy `moving-b@0.1.0`
note: dry run: nothing was uploaded (2 versions to copy, 0 already in `cnb-cargo-repo`)

"#]],
    );
    assert!(dest.uploads().is_empty());
}

// ---------------------------------------------------------------- doctor

#[test]
fn doctor_reports_a_healthy_setup() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let out = cnbcargo_bounded(&env, &["doctor"]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(&out, 0, &redact, str![]);
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
✓ cargo.found        cargo [..] (`[CARGO]` from `CARGO`)
✓ cargo.version      [..] >= 1.74 (credential providers)
✓ cargo.features     `publish --workspace` available (1.90+)
✓ config.files       cargo reads, deepest first: [ROOT]/project/.cargo/config.toml
✓ config.legacy      no legacy `.cargo/config` shadows a `config.toml`
✓ env.names          no misnamed `CARGO_REGISTRIES_*` variables
✓ registry.present   `cnb-cargo-repo` ([ROOT]/project/.cargo/config.toml:6)
✓ registry.index     `sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages/` ([ROOT]/project/.cargo/config.toml:6)
✓ registry.default   `cnb-cargo-repo` ([ROOT]/project/.cargo/config.toml:2)
✓ registry.provider  `cargo:token` is a credential provider ([ROOT]/project/.cargo/config.toml:3)
✓ source.replace     crates.io is not replaced
✓ env.overrides      set: `CNB_API_ENDPOINT`, `CNB_TOKEN` (values not shown)
✓ env.proxy          no HTTP proxy variables
✓ token.cargo        cargo has a token (`[ROOT]/cargo-home/credentials.toml`)
✓ token.env          `CNB_TOKEN` holds the same token as cargo's
✓ token.api          cnbcargo uses cargo's own token (`[ROOT]/cargo-home/credentials.toml`)
✓ net.settings       cargo's network defaults
✓ tls.trust          [..] certificates from the system store
✓ index.reachable    `http://127.0.0.1:[PORT]/acme/crates/-/packages/config.json` answers (401 without a token)
✓ index.auth         authentication required, with cargo's challenge
✓ index.token        the index accepts the token
✓ api.token          the CNB API accepts the token and can read `acme/crates` (http://127.0.0.1:[API_PORT]/)

"#]],
    );
}

#[test]
fn doctor_reports_a_missing_registry() {
    let env = TestEnv::new();
    let out = cnbcargo_bounded(&env, &["doctor", "--offline"]);
    let redact = Redact::new(&env);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: 1 check failed

"#]],
    );
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
✓ cargo.found        cargo [..] (`[CARGO]` from `CARGO`)
✓ cargo.version      [..] >= 1.74 (credential providers)
✓ cargo.features     `publish --workspace` available (1.90+)
✓ config.files       no cargo config files
✓ config.legacy      no legacy `.cargo/config` shadows a `config.toml`
✓ env.names          no misnamed `CARGO_REGISTRIES_*` variables
✗ registry.present   no CNB registry is configured here (no registries are configured)
  hint: run `cnbcargo init <group/registry>` first, or pass `--registry NAME`

"#]],
    );
}

// -------------------------------------------------------------------- ci

const CNB_YAML: &str =
    "main:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n";

#[test]
fn ci_dry_run_shows_the_diff() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    env.write("project/.cnb.yaml", CNB_YAML);
    let out = cnbcargo_bounded(&env, &["ci", "--dry-run"]);
    let redact = Redact::new(&env);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
note: dry run: nothing was written

"#]],
    );
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
--- [ROOT]/project/.cnb.yaml
+++ [ROOT]/project/.cnb.yaml
@@ -3,3 +3,22 @@
     - stages:
         - name: test
           script: cargo test
+
+$:
+  tag_push:
+    - name: publish crates with cnbcargo
+      docker:
+        image: rust:1.89
+        volumes:
+          - /usr/local/cargo/registry:copy-on-write
+          - /usr/local/cargo/git:copy-on-write
+          - /usr/local/cargo/cnbcargo-target:copy-on-write
+      env:
+        CARGO_TARGET_DIR: /usr/local/cargo/cnbcargo-target
+      stages:
+        - name: install cnbcargo
+          script: cargo install --locked --git https://cnb.cool/acme/cnbcargo --rev 0123456789abcdef0123456789abcdef01234567 cnbcargo
+        - name: log cargo in with the pipeline's CNB_TOKEN
+          script: cnbcargo login
+        - name: publish the workspace (skips versions already published)
+          script: cnbcargo publish

"#]],
    );
    assert_eq!(env.read("project/.cnb.yaml"), CNB_YAML);
}

#[test]
fn ci_writes_the_pipeline() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    env.write("project/.cnb.yaml", CNB_YAML);
    let out = cnbcargo_bounded(&env, &["ci"]);
    let redact = Redact::new(&env);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
     Updated [ROOT]/project/.cnb.yaml
hint: the pipeline runs on `tag_push`: push a tag to publish

"#]],
    );
    assert_ne!(env.read("project/.cnb.yaml"), CNB_YAML);
}

// ----------------------------------------------------------- completions

#[test]
fn completions_for_bash() {
    let env = TestEnv::new();
    let out = cnbcargo_bounded(&env, &["completions", "bash"]);
    assert_snapshot(&out, 0, &Redact::new(&env), str![]);
    // The script is the one committed in `completions/`, which the
    // generated-files test keeps in step with the CLI: pinned once there.
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/completions/cnbcargo.bash"
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn completions_for_an_unknown_shell() {
    let env = TestEnv::new();
    let out = cnbcargo_bounded(&env, &["completions", "tcsh"]);
    assert_snapshot(
        &out,
        2,
        &Redact::new(&env),
        str![[r#"
error: invalid value 'tcsh' for '<SHELL>'
  [possible values: bash, zsh, fish, powershell, elvish, nushell]

  tip: a similar value exists: 'zsh'

For more information, try '--help'.

"#]],
    );
}

// ---------------------------------------------- credential-provider mode

#[test]
fn provider_mode_login_without_cnbcargo_on_path() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = provider_env(&registry);
    env.env("PATH", "/nonexistent-bin")
        .env("CNBCARGO_NO_KEYRING", "");
    let out = run_with_stdin(
        env.cnbcargo()
            .args(["login", "--no-verify-token"])
            .env("CARGO", real_cargo()),
        b"tok\n",
    );
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
note: the token was not checked with the registry (`--no-verify-token`)
error: cargo runs the credential provider `cnbcargo` ([ROOT]/project/.cargo/config.toml:6), but there is no `cnbcargo` on `PATH`

hint: install cnbcargo with `cargo install` (it puts `cnbcargo` in `~/.cargo/bin`), or add its directory to `PATH`

"#]],
    );
}

#[test]
fn provider_answers_cargo_without_a_token() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = provider_env(&registry);
    let request = format!(
        r#"{{"v":1,"registry":{{"index-url":"{}","name":"cnb-cargo-repo"}},"kind":"get","operation":"read","args":[]}}"#,
        registry.index_url()
    );
    let out = speak_output(&env, &[&request]);
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
note: no token for `cnb-cargo-repo`: `CNB_TOKEN` is not set and the OS keyring holds none
hint: run `cnbcargo login --registry cnb-cargo-repo`, or set `CNB_TOKEN` (CI)

"#]],
    );
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
{"v":[1]}
{"Err":{"kind":"not-found"}}

"#]],
    );
}
