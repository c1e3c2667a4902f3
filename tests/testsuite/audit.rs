//! `cnbcargo audit`: dependencies that CNB's crates.io proxy supplies,
//! with lock files written by the real cargo through the test registry's
//! proxy, and crates.io faked by a second loopback index.

use serde_json::Value;
use snapbox::str;

use crate::support::*;

/// The crates.io fixture, served both by CNB's proxy and by the fake
/// crates.io index: `internal-a` (an internal name someone registered on
/// crates.io), `partly` and `shadow`.
const UPSTREAM: &[(&str, &str)] = &[
    ("internal-a", "1.0.0"),
    ("partly", "2.0.0"),
    ("shadow", "3.0.0"),
];

struct Fixture {
    registry: TestRegistry,
    crates_io: TestRegistry,
    env: TestEnv,
}

/// A logged-in project whose registry proxies `UPSTREAM`, with crates.io
/// faked to list the same names.
fn fixture() -> Fixture {
    let mut builder = TestRegistry::builder().token("tok");
    for (name, version) in UPSTREAM {
        builder = builder.upstream(name, version);
    }
    let registry = builder.start();
    let crates_io = fake_crates_io(UPSTREAM);
    let mut env = logged_in_env(&registry, "tok");
    env.env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index());
    Fixture {
        registry,
        crates_io,
        env,
    }
}

impl Fixture {
    /// A crate `app` depending on `deps` (TOML lines), locked by the real cargo.
    fn app(&self, deps: &str) -> std::path::PathBuf {
        let app = self.env.new_crate("app", "app", "0.1.0", deps);
        let out = run(self.env.cargo().arg("generate-lockfile").current_dir(&app));
        assert_success(&out);
        app
    }

    fn audit(&self, app: &std::path::Path, args: &[&str]) -> std::process::Output {
        run_with_deadline(self.env.cnbcargo().arg("audit").args(args).current_dir(app))
    }

    /// The redactions of this fixture's snapshots.
    fn redact(&self) -> Redact {
        Redact::new(&self.env)
            .registry(&self.registry)
            .with("[CRATES_IO_PORT]", self.crates_io.port().to_string())
    }

    fn audit_json(&self, app: &std::path::Path) -> (std::process::Output, Value) {
        let out = self.audit(app, &["--json"]);
        let report = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
        (out, report)
    }
}

fn dep(name: &str, req: &str) -> String {
    format!("{name} = {{ version = \"{req}\", registry = \"cnb-cargo-repo\" }}\n")
}

fn locked(app: &std::path::Path, name: &str) -> String {
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
    let doc: toml_edit::DocumentMut = lock.parse().unwrap();
    doc["package"]
        .as_array_of_tables()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("`{name}` is not locked:\n{lock}"))["version"]
        .as_str()
        .unwrap()
        .to_string()
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

/// An internal crate never published to CNB, declared with `registry =`:
/// cargo locks crates.io's crate of that name through the proxy.
#[test]
fn an_unpublished_internal_name_resolves_to_crates_io() {
    let f = fixture();
    let app = f.app(&dep("internal-a", "1"));
    // What makes it dangerous: cargo did lock it, from the registry's source.
    assert_eq!(locked(&app, "internal-a"), "1.0.0");
    assert!(f.registry.versions("internal-a").is_empty());

    let out = f.audit(&app, &[]);
    assert_snapshot(
        &out,
        1,
        &f.redact(),
        str![[r#"
     Audited 1 crate name from `cnb-cargo-repo` against CNB's API and crates.io's index
✗ `internal-a` is declared with `registry = "cnb-cargo-repo"`, but `cnb-cargo-repo` holds no version of it: the registry serves crates.io's index for the name, and cargo locked `internal-a@1.0.0` through it; whoever owns `internal-a` on crates.io controls that code
  hint: publish `internal-a` to `cnb-cargo-repo` (`cnbcargo publish` in its workspace) and run `cargo update -p internal-a`; if crates.io's `internal-a` is the one meant, drop `registry = "cnb-cargo-repo"`
error: 1 dependency resolves through the registry's crates.io proxy

hint: each `✗` line says what to publish or update

"#]],
    );

    let (out, report) = f.audit_json(&app);
    assert_failure(&out, 1);
    assert_eq!(report["ok"], false);
    assert_eq!(report["lock_file"], true);
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["warnings"], 0);
    assert_eq!(report["crates_io"]["reachable"], true);
    let [finding] = findings(&report).as_slice() else {
        panic!("{report:#}")
    };
    assert_eq!(finding["level"], "error");
    assert_eq!(finding["kind"], "dependency-confusion");
    assert_eq!(finding["registry"], "cnb-cargo-repo");
    assert_eq!(finding["name"], "internal-a");
    assert_eq!(finding["locked"], "1.0.0");
    assert_eq!(finding["declared"], true);
    assert_eq!(finding["cnb_versions"], serde_json::json!([]));
    assert_eq!(finding["crates_io"], true);

    // crates.io was asked without any token; CNB's API with one.
    let asked = f.crates_io.requests();
    assert!(
        asked.iter().any(|r| r.url.ends_with("/in/te/internal-a")),
        "{asked:#?}"
    );
    assert!(asked.iter().all(|r| r.header("authorization").is_none()));
    assert!(
        f.registry
            .api_requests()
            .iter()
            .any(|r| r.url.contains("/cargo/internal-a/-/tags")
                && r.header("authorization") == Some("Bearer tok"))
    );
}

/// Without a lock, and with a name crates.io does not have either: still
/// ✗, worded for whoever registers the name there first.
#[test]
fn a_name_nobody_has_yet_is_still_an_error() {
    let f = fixture();
    let app = f
        .env
        .new_crate("app", "app", "0.1.0", &dep("nobody-has-it", "1"));
    let (out, report) = f.audit_json(&app);
    assert_failure(&out, 1);
    assert_eq!(report["lock_file"], false);
    let [finding] = findings(&report).as_slice() else {
        panic!("{report:#}")
    };
    assert_eq!(finding["kind"], "dependency-confusion");
    assert_eq!(finding["locked"], Value::Null);
    assert_eq!(finding["crates_io"], false);
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("crates.io has no `nobody-has-it` either: whoever registers that name on crates.io would supply it"),
        "{message}"
    );
    assert!(stderr(&out).contains("note: no `"), "{}", stderr(&out));
}

/// The lock was written while CNB had no version of `partly`; CNB now has
/// its own `1.0.0`, and the lock still pins crates.io's `2.0.0`.
#[test]
fn a_lock_resolved_through_the_proxy_is_an_error() {
    let f = fixture();
    let app = f.app(&dep("partly", ">=1"));
    assert_eq!(locked(&app, "partly"), "2.0.0");
    f.registry.add_version("partly", "1.0.0");

    let out = f.audit(&app, &[]);
    assert_snapshot(
        &out,
        1,
        &f.redact(),
        str![[r#"
     Audited 1 crate name from `cnb-cargo-repo` against CNB's API and crates.io's index
✗ `Cargo.lock` pins `partly@2.0.0` from `cnb-cargo-repo`, which is not one of `cnb-cargo-repo`'s own versions of `partly` (`1.0.0`): it was locked through the registry's crates.io proxy, from crates.io's crate
  hint: run `cargo update -p partly@2.0.0` to lock one of `cnb-cargo-repo`'s own versions
! `partly` is in `cnb-cargo-repo` and on crates.io: those who use `cnb-cargo-repo` as a crates.io mirror no longer reach crates.io's `partly` through it, and deleting every version of `partly` in `cnb-cargo-repo` would make the name fall through to crates.io's crate
  hint: keep at least one version of `partly` in `cnb-cargo-repo` (yank rather than delete the last one)
error: 1 dependency resolves through the registry's crates.io proxy

hint: each `✗` line says what to publish or update

"#]],
    );

    let (out, report) = f.audit_json(&app);
    assert_failure(&out, 1);
    let kinds: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    // crates.io has `partly` too: shadowed as well.
    assert_eq!(kinds, ["locked-through-proxy", "shadowed"], "{report:#}");
    let finding = &findings(&report)[0];
    assert_eq!(finding["level"], "error");
    assert_eq!(finding["locked"], "2.0.0");
    assert_eq!(finding["cnb_versions"], serde_json::json!(["1.0.0"]));

    // The advice works: the lock then holds CNB's own version, and only
    // the warning is left.
    assert_success(&run(f
        .env
        .cargo()
        .args(["update", "-p", "partly@2.0.0", "--precise", "1.0.0"])
        .current_dir(&app)));
    let (out, report) = f.audit_json(&app);
    assert_success(&out);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], 1);
}

/// CNB holds its own `shadow`, crates.io has one too: a warning, exit 0.
#[test]
fn a_shadowed_name_is_a_warning() {
    let f = fixture();
    f.registry.add_version("shadow", "1.0.0");
    let app = f.app(&dep("shadow", "1"));
    assert_eq!(locked(&app, "shadow"), "1.0.0");

    let out = f.audit(&app, &[]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("! `shadow` is in `cnb-cargo-repo` and on crates.io"),
        "{err}"
    );
    assert!(
        err.contains("deleting every version of `shadow` in `cnb-cargo-repo` would make the name fall through to crates.io's crate"),
        "{err}"
    );
    assert!(
        err.contains("Finished no dependency resolves through the crates.io proxy; 1 warning\n"),
        "{err}"
    );

    let (out, report) = f.audit_json(&app);
    assert_success(&out);
    assert_eq!(report["ok"], true);
    let [finding] = findings(&report).as_slice() else {
        panic!("{report:#}")
    };
    assert_eq!(finding["level"], "warning");
    assert_eq!(finding["kind"], "shadowed");
    assert_eq!(finding["locked"], Value::Null);
    assert_eq!(finding["cnb_versions"], serde_json::json!(["1.0.0"]));
    assert_eq!(finding["crates_io"], true);
}

/// A crate only CNB has, locked at its own version: nothing to say.
#[test]
fn a_clean_project_passes() {
    let f = fixture();
    f.registry.add_version("ours-only", "0.3.0");
    f.env.new_crate("local", "path-dep", "0.1.0", "");
    let app = f.app(&format!(
        "{}path-dep = {{ path = \"../local\" }}\n",
        dep("ours-only", "0.3")
    ));
    let (out, report) = f.audit_json(&app);
    assert_success(&out);
    assert_eq!(report["ok"], true);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(
        report["registries"][0]["names"],
        serde_json::json!(["ours-only"])
    );
    let out = f.audit(&app, &[]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("no dependency resolves through the crates.io proxy"),
        "{}",
        stderr(&out)
    );
}

/// A dependency of a dependency counts too: `mid`, published to CNB,
/// needs `internal-a` from the same registry, which CNB does not hold.
#[test]
fn transitive_locks_are_checked() {
    let f = fixture();
    let mid = f
        .env
        .new_crate("mid", "mid", "0.1.0", &dep("internal-a", "1"));
    assert_success(&run(f
        .env
        .cargo()
        .args(["publish", "--no-verify", "--allow-dirty"])
        .current_dir(&mid)));
    let app = f.app(&dep("mid", "0.1"));
    assert_eq!(locked(&app, "internal-a"), "1.0.0");
    let (out, report) = f.audit_json(&app);
    assert_failure(&out, 1);
    let [finding] = findings(&report).as_slice() else {
        panic!("{report:#}")
    };
    assert_eq!(finding["name"], "internal-a");
    assert_eq!(finding["declared"], false);
    assert_eq!(finding["kind"], "dependency-confusion");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .starts_with("`Cargo.lock` pins `internal-a@1.0.0` from `cnb-cargo-repo`, which holds no version of `internal-a`"),
        "{finding:#}"
    );
}

/// crates.io out of reach: a warning naming the variable, and the ✗
/// findings all the same.
#[test]
fn crates_io_out_of_reach_still_reports_errors() {
    let mut f = fixture();
    let app = f.app(&dep("internal-a", "1"));
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    f.env.env(
        "CNBCARGO_CRATES_IO_INDEX",
        format!("http://127.0.0.1:{closed}/"),
    );
    let (out, report) = f.audit_json(&app);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("warning: crates.io's index could not be asked"),
        "{err}"
    );
    assert!(
        err.contains("hint: where crates.io is out of reach, point `CNBCARGO_CRATES_IO_INDEX`"),
        "{err}"
    );
    assert_eq!(report["crates_io"]["reachable"], false);
    let [finding] = findings(&report).as_slice() else {
        panic!("{report:#}")
    };
    assert_eq!(finding["kind"], "dependency-confusion");
    assert_eq!(finding["crates_io"], Value::Null);
}

#[test]
fn a_malformed_lock_file_is_a_clear_error() {
    let f = fixture();
    let app = f.app(&dep("internal-a", "1"));
    for bad in [
        "[[package]\nname = ",
        "package = 3\n",
        "[[package]]\nname = \"x\"\n",
    ] {
        std::fs::write(app.join("Cargo.lock"), bad).unwrap();
        let out = f.audit(&app, &[]);
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert!(err.contains("is not a valid `Cargo.lock`"), "{err}");
        assert!(err.contains("hint: run `cargo generate-lockfile`"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Outside a project there is nothing to audit: an error with a hint.
#[test]
fn outside_a_project_is_an_error() {
    let f = fixture();
    let out = run(f.env.cnbcargo().arg("audit"));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("cannot read the project's manifests"), "{err}");
    assert!(
        err.contains("hint: run `cnbcargo audit` in a cargo project"),
        "{err}"
    );
}

/// The three findings in one project, sorted by name then kind; the human
/// report marks each, the JSON counts them.
#[test]
fn all_three_findings_in_one_project() {
    let f = fixture();
    f.registry.add_version("shadow", "1.0.0");
    let app = f.app(&format!(
        "{}{}{}",
        dep("internal-a", "1"),
        dep("partly", ">=1"),
        dep("shadow", "1")
    ));
    f.registry.add_version("partly", "1.0.0");
    let out = f.audit(&app, &[]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    let marks: Vec<&str> = err
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(mark, _)| ["✗", "!"].contains(mark))
        .map(|(mark, _)| mark)
        .collect();
    assert_eq!(marks, ["✗", "✗", "!", "!"], "{err}");
    assert!(
        stderr(&out)
            .contains("error: 2 dependencies resolve through the registry's crates.io proxy"),
        "{}",
        stderr(&out)
    );
    let (out, report) = f.audit_json(&app);
    assert_failure(&out, 1);
    let found: Vec<(&str, &str, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("internal-a", "dependency-confusion", "error"),
            ("partly", "locked-through-proxy", "error"),
            ("partly", "shadowed", "warning"),
            ("shadow", "shadowed", "warning"),
        ]
    );
    assert_eq!(
        report["summary"],
        serde_json::json!({"names": 3, "errors": 2, "warnings": 2})
    );
}

/// A workspace member published nowhere yet, depended on by path with
/// `registry =`: the published dependent would point at what the registry
/// serves for the name, crates.io's crate. audit says so; `publish -p` of
/// the dependent alone refuses before uploading; together they go.
#[test]
fn a_path_dependency_on_an_unpublished_member_is_caught() {
    let f = fixture();
    let ws = f.env.project().join("ws");
    f.env.write(
        "project/ws/Cargo.toml",
        "[workspace]\nmembers = [\"internal-a\", \"app\"]\nresolver = \"2\"\n",
    );
    f.env.write(
        "project/ws/internal-a/Cargo.toml",
        "[package]\nname = \"internal-a\"\nversion = \"1.5.0\"\nedition = \"2021\"\ndescription = \"d\"\nlicense = \"MIT\"\n",
    );
    f.env.write("project/ws/internal-a/src/lib.rs", "");
    f.env.write(
        "project/ws/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"d\"\nlicense = \"MIT\"\n\n[dependencies]\ninternal-a = { path = \"../internal-a\", version = \"1\", registry = \"cnb-cargo-repo\" }\n",
    );
    f.env.write("project/ws/app/src/lib.rs", "");
    assert_success(&run(f
        .env
        .cargo()
        .arg("generate-lockfile")
        .current_dir(&ws)));

    let (out, report) = f.audit_json(&ws);
    assert_failure(&out, 1);
    let [finding] = findings(&report).as_slice() else {
        panic!("{report:#}")
    };
    assert_eq!(finding["kind"], "dependency-confusion");
    assert_eq!(finding["name"], "internal-a");

    let out = run(f
        .env
        .cnbcargo()
        .args(["publish", "-p", "app", "--", "--no-verify"])
        .current_dir(&ws));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("`app` depends on `internal-a` by path with `registry = \"cnb-cargo-repo\"`, but `cnb-cargo-repo` holds no version of it")
            && err.contains("nothing was uploaded")
            && err.contains("hint: publish it first, or together: `cnbcargo publish -p internal-a -p app`"),
        "{err}"
    );
    assert!(f.registry.uploads().is_empty());

    let out = run(f
        .env
        .cnbcargo()
        .args([
            "publish",
            "-p",
            "internal-a",
            "-p",
            "app",
            "--",
            "--no-verify",
        ])
        .current_dir(&ws));
    assert_success(&out);
    assert_eq!(f.registry.versions("app"), [("0.1.0".to_string(), false)]);
    // The registry now holds its own `internal-a`: audit is clean of ✗.
    let (out, _) = f.audit_json(&ws);
    assert_success(&out);
}
