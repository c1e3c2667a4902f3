//! `cnbcargo doctor`: each check's pass and fail paths against the test registry.

use serde_json::Value;
use snapbox::str;

use crate::support::*;

#[test]
fn healthy_setup_passes_every_check() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_success(&out);
    assert_eq!(report["ok"], true);
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "pass", "{c:#}");
    }
    for id in [
        "cargo.found",
        "cargo.version",
        "cargo.features",
        "config.files",
        "config.legacy",
        "env.names",
        "registry.present",
        "registry.index",
        "registry.default",
        "registry.provider",
        "source.replace",
        "env.overrides",
        "env.proxy",
        "token.cargo",
        "token.api",
        "index.reachable",
        "index.auth",
        "index.token",
        "api.token",
    ] {
        check_status(&report, id);
    }
    assert!(
        check(&report, "registry.index")["source"]
            .as_str()
            .unwrap()
            .contains("config.toml:")
    );
    // cargo's own copy is the one used; `CNB_TOKEN` holds the same.
    assert!(
        check(&report, "token.api")["source"]
            .as_str()
            .unwrap()
            .contains("credentials.toml")
    );
    assert_eq!(check_status(&report, "token.env"), "pass");
    assert!(
        !stdout(&out).contains("\"tok\""),
        "the token is never shown"
    );

    // The human report: one line per check with a mark.
    let out = run(env.cnbcargo().arg("doctor"));
    assert_success(&out);
    assert!(
        stdout(&out).lines().filter(|l| l.starts_with("✓ ")).count() >= 19,
        "{}",
        stdout(&out)
    );
}

#[test]
fn broken_configuration_fails_with_hints() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    // No trailing slash, no default, no provider, crates.io replaced, and a
    // legacy file next to config.toml.
    env.write(
        "project/.cargo/config",
        &format!(
            "[registries.cnb]\nindex = \"{}\"\n\n[source.crates-io]\nreplace-with = \"cnb\"\n",
            registry.index_url().trim_end_matches('/')
        ),
    );
    env.write("project/.cargo/config.toml", "[net]\nretry = 1\n");
    env.env("CNB_API_ENDPOINT", registry.api_url())
        .env("CARGO_REGISTRIES_cnb-other_TOKEN", "x");
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    assert_eq!(report["ok"], false);
    assert_eq!(check_status(&report, "config.legacy"), "warn");
    assert_eq!(check_status(&report, "registry.index"), "fail");
    assert!(
        check(&report, "registry.index")["message"]
            .as_str()
            .unwrap()
            .contains("trailing slash")
    );
    assert_eq!(check_status(&report, "registry.default"), "warn");
    assert_eq!(check_status(&report, "registry.provider"), "fail");
    assert_eq!(check_status(&report, "source.replace"), "warn");
    assert_eq!(check_status(&report, "env.names"), "fail");
    assert!(
        check(&report, "env.names")["message"]
            .as_str()
            .unwrap()
            .contains("CARGO_REGISTRIES_CNB_OTHER_TOKEN")
    );
    assert_eq!(check_status(&report, "token.cargo"), "warn");
    assert_eq!(check_status(&report, "token.api"), "fail");
    assert_eq!(check_status(&report, "index.token"), "fail");
    for c in report["checks"].as_array().unwrap() {
        if c["status"] == "fail" {
            assert!(c["hint"].is_string(), "a failed check has a hint: {c:#}");
        }
    }

    // The human report says the same, each failure with its hint.
    let out = run(env.cnbcargo().arg("doctor"));
    let redact = Redact::new(&env).registry(&registry);
    assert_snapshot(
        &out,
        1,
        &redact,
        str![[r#"
error: 6 checks failed

"#]],
    );
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
✓ cargo.found        cargo [..] (`[CARGO]` from `CARGO`)
✓ cargo.version      [..] >= 1.74 (credential providers)
✓ cargo.features     `publish --workspace` available (1.90+)
✓ config.files       cargo reads, deepest first: [ROOT]/project/.cargo/config
! config.legacy      `[ROOT]/project/.cargo/config` shadows `[ROOT]/project/.cargo/config.toml`: cargo reads only the legacy file
  hint: merge the two into `[ROOT]/project/.cargo/config.toml` and delete `[ROOT]/project/.cargo/config`
✗ env.names          cargo ignores `CARGO_REGISTRIES_cnb-other_TOKEN` (cargo reads `CARGO_REGISTRIES_CNB_OTHER_TOKEN`)
  hint: upper-case the registry name and write `-` as `_`
✓ registry.present   `cnb` ([ROOT]/project/.cargo/config:2)
✗ registry.index     `sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages` lacks the trailing slash ([ROOT]/project/.cargo/config:2)
  hint: write `index = "sparse+http://127.0.0.1:[PORT]/acme/crates/-/packages/"`; cargo needs the slash
! registry.default   not set: `cargo publish` goes to crates.io
  hint: run `cnbcargo init`, or pass `--registry cnb` to cargo
✗ registry.provider  `cargo:token` is not in `registry.global-credential-providers`: cargo 1.74+ will not send a token to an authenticated registry
  hint: run `cnbcargo init`, which adds it
! source.replace     `[source.crates-io] replace-with = "cnb"`: crates.io dependencies come from `cnb` ([ROOT]/project/.cargo/config:5)
  hint: CNB's proxy then serves crates.io crates; remove it if that is not what you want
✓ env.overrides      set: `CNB_API_ENDPOINT` (values not shown)
✓ env.proxy          no HTTP proxy variables
! token.cargo        cargo has no token for `cnb`
  hint: run `cnbcargo login --registry cnb`
✗ token.api          no token for the CNB API
  hint: run `cnbcargo login`, or set `CNB_TOKEN`
✓ net.settings       cargo's network defaults
✓ tls.trust          [..] certificates from the system store
✓ index.reachable    `http://127.0.0.1:[PORT]/acme/crates/-/packages/config.json` answers (401 without a token)
✓ index.auth         authentication required, with cargo's challenge
✗ index.token        no token to answer the challenge with
  hint: run `cnbcargo login`
✗ api.token          no token to try against the CNB API
  hint: run `cnbcargo login`, or set `CNB_TOKEN`

"#]],
    );
}

#[test]
fn old_cargo_and_no_registry() {
    let mut env = TestEnv::new();
    let fake = fake_cargo(&env, "echo 'cargo 1.72.0 (000000000 2023-07-01)'\n");
    env.env("CARGO", &fake);
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    assert_eq!(check_status(&report, "cargo.version"), "fail");
    assert_eq!(check_status(&report, "registry.present"), "fail");
    assert!(
        check(&report, "registry.present")["hint"]
            .as_str()
            .unwrap()
            .contains("cnbcargo init")
    );
}

#[test]
fn network_failures_are_explained() {
    // A wrong token: the index and the API both refuse it.
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = logged_in_env(&registry, "tok");
    env.env("CNB_TOKEN", "wrong");
    std::fs::remove_file(env.cargo_home().join("credentials.toml")).unwrap();
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    assert_eq!(check_status(&report, "index.token"), "fail");
    assert_eq!(check_status(&report, "api.token"), "fail");
    assert!(
        check(&report, "api.token")["message"]
            .as_str()
            .unwrap()
            .contains("401")
    );

    // A token that may not read the registry through the API.
    let registry = TestRegistry::builder()
        .token_with_scopes("weak", &[])
        .start();
    let env = logged_in_env(&registry, "weak");
    let (_, report) = doctor_json(&mut env.cnbcargo());
    assert!(
        check(&report, "api.token")["message"]
            .as_str()
            .unwrap()
            .contains("403"),
        "{report:#}"
    );

    // Nothing listening: connection refused, said as such; --offline skips it.
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    drop(registry);
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    assert_eq!(check_status(&report, "index.reachable"), "fail");
    assert!(
        check(&report, "index.reachable")["message"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{report:#}"
    );
    let out = run(env.cnbcargo().args(["doctor", "--offline"]));
    assert_success(&out);
}

#[test]
fn remaining_check_paths() {
    // A public index (no `auth-required`), a proxy variable, and no cargo at all.
    let registry = TestRegistry::builder()
        .token("tok")
        .auth_required(false)
        .start();
    let mut env = logged_in_env(&registry, "tok");
    env.env("HTTPS_PROXY", "http://proxy.invalid:3128");
    let (_, report) = doctor_json(&mut env.cnbcargo());
    assert_eq!(check_status(&report, "index.auth"), "warn");
    assert_eq!(check_status(&report, "env.proxy"), "warn");
    assert!(
        check(&report, "env.proxy")["message"]
            .as_str()
            .unwrap()
            .contains("HTTPS_PROXY")
    );

    env.env("CARGO", env.path().join("no-such-cargo"));
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    assert_eq!(check_status(&report, "cargo.found"), "fail");
    assert!(check(&report, "cargo.found")["hint"].is_string());

    // A config file cargo cannot parse stops the config checks there.
    let env = TestEnv::new();
    env.write("project/.cargo/config.toml", "[registry\n");
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    assert_eq!(check_status(&report, "config.parse"), "fail");
    assert!(
        check(&report, "config.parse")["message"]
            .as_str()
            .unwrap()
            .contains("config.toml:1:")
    );
}

#[test]
fn tls_failure_is_named() {
    // An https index on a server that speaks plain HTTP: the handshake fails.
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    let https_index = registry.http_index().replace("http://", "https://");
    assert_success(&run(env.cnbcargo().args(["init", &https_index])));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    let (out, report) = doctor_json(&mut env.cnbcargo());
    assert_failure(&out, 1);
    let reachable = check(&report, "index.reachable");
    assert_eq!(reachable["status"], "fail");
    assert!(
        reachable["message"].as_str().unwrap().contains("TLS"),
        "{reachable:#}"
    );
    assert!(
        reachable["hint"].as_str().unwrap().contains("CA"),
        "{reachable:#}"
    );
}

/// An index written without `sparse+` is named as such, not as "no CNB
/// registry"; with `--registry` naming it, the network checks still run.
#[test]
fn an_index_without_sparse_prefix_is_named_and_still_checked() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        &format!(
            "[registry]\nglobal-credential-providers = [\"cargo:token\"]\n\n\
             [registries.cnb]\nindex = \"{}\"\n",
            registry.http_index()
        ),
    );
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    let out = run(env.cnbcargo().arg("doctor"));
    assert_failure(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "✗ registry.present   registry `cnb` ({}:5) looks like a CNB registry, but its index `{}` lacks the `sparse+` prefix: cargo takes it for a git index",
            env.project().join(".cargo/config.toml").display(),
            registry.http_index()
        )),
        "{text}"
    );
    assert!(!text.contains("no CNB registry is configured"), "{text}");

    let out = run(env
        .cnbcargo()
        .args(["doctor", "--json", "--registry", "cnb"]));
    assert_failure(&out, 1);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(check_status(&report, "registry.index"), "fail");
    assert!(
        check(&report, "registry.index")["hint"]
            .as_str()
            .unwrap()
            .contains(&format!("sparse+{}", registry.http_index()))
    );
    assert_eq!(check_status(&report, "index.reachable"), "pass");
    assert_eq!(check_status(&report, "index.token"), "pass");
    assert_eq!(check_status(&report, "api.token"), "pass");
}

#[test]
fn quiet_doctor_prints_only_failures() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let out = run(env.cnbcargo().args(["-q", "doctor"]));
    assert_success(&out);
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");

    let mut env = env;
    // `CNB_TOKEN` is used where cargo has no token of its own.
    std::fs::remove_file(env.cargo_home().join("credentials.toml")).unwrap();
    env.env("CNB_TOKEN", "not-a-token-it-knows");
    let out = run(env.cnbcargo().args(["-q", "doctor"]));
    assert_failure(&out, 1);
    let text = stdout(&out);
    assert!(!text.is_empty());
    assert!(
        text.lines()
            .all(|l| l.starts_with("✗ ") || l.starts_with("  hint: ")),
        "{text}"
    );
}

/// In a project, doctor reports `cnbcargo audit`'s findings: an internal
/// name locked through CNB's crates.io proxy fails, a shadowed one warns.
#[test]
fn in_a_project_the_audit_findings_show() {
    let registry = TestRegistry::builder()
        .token("tok")
        .upstream("internal-a", "1.0.0")
        .upstream("shadow", "3.0.0")
        .start();
    registry.add_version("shadow", "1.0.0");
    let crates_io = fake_crates_io(&[("internal-a", "1.0.0"), ("shadow", "3.0.0")]);
    let mut env = logged_in_env(&registry, "tok");
    env.env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index());
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "internal-a = { version = \"1\", registry = \"cnb-cargo-repo\" }\n\
         shadow = { version = \"1\", registry = \"cnb-cargo-repo\" }\n",
    );
    assert_success(&run(env.cargo().arg("generate-lockfile").current_dir(&app)));

    let (out, report) = doctor_json(env.cnbcargo().current_dir(&app));
    assert_failure(&out, 1);
    assert_eq!(report["ok"], false);
    assert_eq!(check_status(&report, "audit.confusion"), "fail");
    assert_eq!(check_status(&report, "audit.shadowed"), "warn");
    let confusion = check(&report, "audit.confusion");
    assert!(
        confusion["message"]
            .as_str()
            .unwrap()
            .contains("cargo locked `internal-a@1.0.0` through it"),
        "{confusion:#}"
    );
    assert!(
        confusion["hint"]
            .as_str()
            .unwrap()
            .contains("publish `internal-a` to `cnb-cargo-repo`")
    );
    // The other checks still pass: only the audit fails.
    assert_eq!(check_status(&report, "api.token"), "pass");

    // The human report marks them like every other check.
    let out = run(env.cnbcargo().arg("doctor").current_dir(&app));
    assert_failure(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("✗ audit.confusion"), "{text}");
    assert!(text.contains("! audit.shadowed"), "{text}");

    // Once the internal crate is in the registry and locked from it, only
    // the warning is left and doctor passes.
    registry.add_version("internal-a", "1.1.0");
    assert_success(&run(env
        .cargo()
        .args(["update", "-p", "internal-a", "--precise", "1.1.0"])
        .current_dir(&app)));
    let (out, report) = doctor_json(env.cnbcargo().current_dir(&app));
    assert_success(&out);
    assert_eq!(check_status(&report, "audit.shadowed"), "warn");
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "audit.confusion")
    );
}
