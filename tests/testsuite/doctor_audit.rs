//! What a newcomer meets from `audit` and `doctor`: before `init`, with
//! crates.io out of reach, and with a project cargo cannot read. Both
//! commands say the same thing in the same words.

use serde_json::Value;

use crate::support::*;

/// The `error:` and `hint:` lines of a failed command's stderr.
fn error_and_hint(out: &std::process::Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("error: ") || l.starts_with("hint: "))
        .map(str::to_string)
        .collect()
}

/// A port nothing listens on: connections to it are refused at once.
fn refused_index() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/")
}

/// `audit` before `init`, in a cargo project (one that names the registry
/// it is meant to use, and one that names none): no registry is
/// configured, said as `list` says it, with `cnbcargo init` as the fix;
/// not "run it in a cargo project". `doctor` fails that one check.
#[test]
fn audit_before_init_says_no_registry_is_configured() {
    let env = TestEnv::new();
    for deps in ["internal = { version = \"1\", registry = \"cnb\" }\n", ""] {
        let app = env.new_crate("app", "app", "0.1.0", deps);
        let out = run(env.cnbcargo().arg("audit").current_dir(&app));
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert_eq!(
            error_and_hint(&out),
            [
                "error: no CNB registry is configured here (no registries are configured)",
                "hint: run `cnbcargo init <group/registry>` first, or pass `--registry NAME`",
            ],
            "{err}"
        );
        assert!(!err.contains("cargo project"), "{err}");

        // `list` says it in the same words.
        let listed = run(env.cnbcargo().arg("list").current_dir(&app));
        assert_failure(&listed, 1);
        assert_eq!(error_and_hint(&listed), error_and_hint(&out));

        // `doctor` fails only that check, and counts it as one.
        let doctor = run(env.cnbcargo().arg("doctor").current_dir(&app));
        assert_failure(&doctor, 1);
        let text = stdout(&doctor);
        assert!(
            text.contains(
                "✗ registry.present   no CNB registry is configured here (no registries are configured)\n  hint: run `cnbcargo init <group/registry>` first"
            ),
            "{text}"
        );
        assert_eq!(text.matches("\n✗ ").count(), 1, "{text}");
        assert_eq!(
            error_and_hint(&doctor),
            ["error: 1 check failed"],
            "{}",
            stderr(&doctor)
        );
    }
}

/// crates.io's index refusing connections: `audit` says it checked
/// against CNB's API only, and `doctor` says the same of its audit, with
/// the same warning; neither claims crates.io's index.
#[test]
fn with_crates_io_unreachable_audit_says_what_it_checked_against() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("ours", "0.1.0");
    let mut env = logged_in_env(&registry, "tok");
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "ours = { version = \"0.1\", registry = \"cnb-cargo-repo\" }\n",
    );
    assert_success(&run(env.cargo().arg("generate-lockfile").current_dir(&app)));
    env.env("CNBCARGO_CRATES_IO_INDEX", refused_index());

    let out = run_with_deadline(env.cnbcargo().arg("audit").current_dir(&app));
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains(
            "     Audited 1 crate name from `cnb-cargo-repo` against CNB's API only (crates.io's index could not be asked)\n"
        ),
        "{err}"
    );
    assert!(!err.contains("and crates.io's index"), "{err}");
    assert!(
        err.contains("warning: crates.io's index could not be asked, so names shadowed there are not reported: cannot ask crates.io's index"),
        "{err}"
    );
    assert!(
        err.contains("hint: where crates.io is out of reach, point `CNBCARGO_CRATES_IO_INDEX` at a mirror of its sparse index"),
        "{err}"
    );
    assert!(
        err.contains("    Finished no dependency resolves through the crates.io proxy\n"),
        "{err}"
    );

    // With crates.io reachable (the default empty stand-in), the same
    // audit names both.
    let crates_io = fake_crates_io(&[]);
    let mut reachable = env.cnbcargo();
    reachable
        .env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index())
        .arg("audit")
        .current_dir(&app);
    let out = run_with_deadline(&mut reachable);
    assert_success(&out);
    assert!(
        stderr(&out).contains(
            "     Audited 1 crate name from `cnb-cargo-repo` against CNB's API and crates.io's index\n"
        ),
        "{}",
        stderr(&out)
    );

    let out = run_with_deadline(env.cnbcargo().args(["doctor", "--json"]).current_dir(&app));
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
            .clone()
    };
    let audit = check("audit");
    assert_eq!(audit["status"], "pass");
    assert_eq!(
        audit["message"],
        "1 crate name from `cnb-cargo-repo` against CNB's API only (crates.io's index could not be asked): none resolves through the crates.io proxy"
    );
    let warning = check("audit.crates-io");
    assert_eq!(warning["status"], "warn");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .starts_with("crates.io's index could not be asked, so names shadowed there are not reported: cannot ask crates.io's index"),
        "{warning:#}"
    );
    assert_eq!(
        warning["hint"],
        "where crates.io is out of reach, point `CNBCARGO_CRATES_IO_INDEX` at a mirror of its sparse index"
    );
}

/// In a project whose manifest names a registry cargo's config lacks,
/// `audit` passes on cargo's error and does not say to run it in a
/// project (it is in one).
#[test]
fn audit_in_a_project_cargo_cannot_read_points_at_the_manifest() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "elsewhere = { version = \"1\", registry = \"not-configured\" }\n",
    );
    let out = run(env.cnbcargo().arg("audit").current_dir(&app));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("error: cannot read the project's manifests"),
        "{err}"
    );
    assert!(err.contains("not-configured"), "{err}");
    assert!(
        err.contains("hint: fix what cargo reports about the project's manifests"),
        "{err}"
    );
    assert!(!err.contains("in a cargo project"), "{err}");
}
