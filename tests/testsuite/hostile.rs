//! A hostile registry and a hostile machine: huge or endless bodies,
//! redirects to other ports, slow headers, endless pages, control
//! characters and echoed tokens from the server; plain http off loopback,
//! odd names, credentials in URLs, FIFOs and stray files on disk. Each test
//! asserts what the client must do; every command runs with a deadline.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::registry_mod::{FaultKind, LoggedRequest, index_path};
use crate::support::*;

const MIB: u64 = 1 << 20;

// ---------------------------------------------------------------- helpers

/// A registry holding `name` at `versions`, and a project logged in to it
/// with the token `tok`; the set-up's requests are forgotten.
fn hosting(name: &str, versions: &[&str]) -> (TestRegistry, TestEnv) {
    let registry = TestRegistry::builder().token("tok").start();
    for v in versions {
        registry.add_version(name, v);
    }
    let env = logged_in_env(&registry, "tok");
    registry.clear_log();
    (registry, env)
}

/// A project whose `.cargo/config.toml` names `index` as registry `cnb`,
/// written by hand (`init` would refuse some of these indexes).
fn hand_configured(index: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        &format!(
            "[registry]\ndefault = \"cnb\"\nglobal-credential-providers = [\"cargo:token\"]\n\n\
             [registries.cnb]\nindex = \"{index}\"\n"
        ),
    );
    env
}

fn cnbcargo(env: &TestEnv, args: &[&str]) -> Output {
    run_with_deadline(env.cnbcargo().args(args))
}

/// `assert_failure`/`assert_success` with only the end of long outputs.
#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}, got {}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
        out.status,
        tail(&stdout(out)),
        tail(&stderr(out))
    );
}

/// Any failure but a crash.
#[track_caller]
fn assert_fails(out: &Output) {
    assert!(
        !out.status.success(),
        "expected a failure, got {}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
        out.status,
        tail(&stdout(out)),
        tail(&stderr(out))
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

#[track_caller]
fn assert_stderr_has(out: &Output, words: &[&str]) {
    let err = stderr(out);
    for word in words {
        assert!(
            err.contains(word),
            "stderr lacks `{word}`\n--- stderr\n{}",
            tail(&err)
        );
    }
}

/// Exit 1 or 2 (a refusal, a usage error), never a crash.
#[track_caller]
fn assert_refused(out: &Output) {
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "expected exit 1 or 2, got {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        tail(&stdout(out)),
        tail(&stderr(out))
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

#[track_caller]
fn assert_not_shown(secret: &str, outputs: &[&Output]) {
    for out in outputs {
        assert!(
            !stdout(out).contains(secret),
            "`{secret}` in stdout:\n{}",
            tail(&stdout(out))
        );
        assert!(
            !stderr(out).contains(secret),
            "`{secret}` in stderr:\n{}",
            tail(&stderr(out))
        );
    }
}

/// No ESC (0x1b) and no BEL (0x07) on either stream.
#[track_caller]
fn assert_no_terminal_controls(out: &Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
            "control bytes on {stream}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Requests that carried an `Authorization` header containing `token`.
fn carrying(requests: &[LoggedRequest], token: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.header("authorization").is_some_and(|v| v.contains(token)))
        .map(|r| format!("{} {}", r.method, r.url))
        .collect()
}

/// The doctor report on stdout.
fn doctor_report(out: &Output) -> Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn check_status<'a>(report: &'a Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .expect("a `checks` array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))["status"]
        .as_str()
        .unwrap()
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// `.cnbcargo-*.tmp` files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cnbcargo-") && n.ends_with(".tmp"))
        .collect()
}

/// A stale temp file, as a run killed mid-write leaves; a day old.
fn stray_temp_file(path: &Path) {
    std::fs::write(path, "half a config").unwrap();
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(day_ago)
        .unwrap();
}

// ------------------------------------------------------- 1. bounded bodies

#[test]
fn huge_version_list_is_refused() {
    let (registry, mut env) = hosting("bigtags", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "5");
    registry.fault_next("/cargo/bigtags/-/tags", 4, FaultKind::HugeBody(200 * MIB));
    let out = cnbcargo(&env, &["list", "bigtags"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["larger than"]);
}

#[test]
fn endless_chunked_version_list_is_cut_off() {
    let (registry, mut env) = hosting("endless", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "2");
    registry.fault_next("/cargo/endless/-/tags", 4, FaultKind::EndlessChunked);
    let out = cnbcargo(&env, &["list", "endless"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("larger than") || err.contains("timed out"),
        "{}",
        tail(&err)
    );
}

#[test]
fn huge_index_file_is_refused() {
    let (registry, mut env) = hosting("bigindex", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "5");
    registry.fault_next(
        &format!("/{}", index_path("bigindex")),
        4,
        FaultKind::HugeBody(200 * MIB),
    );
    let out = cnbcargo(&env, &["list", "bigindex"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["larger than"]);
}

// ------------------------------------------- 2. plain http off loopback

/// `0.0.0.0` is not loopback, but on Linux it reaches the test server: a
/// client that sends the token there would be seen doing it.
#[test]
fn plain_http_api_endpoint_off_loopback_gets_no_token() {
    let (registry, mut env) = hosting("plainapi", &["0.1.0"]);
    env.env(
        "CNB_API_ENDPOINT",
        format!("http://0.0.0.0:{}", registry.api_port()),
    );
    let out = cnbcargo(&env, &["list"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["http://"]);
    let sent: Vec<String> = registry
        .api_requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.url.clone())
        .collect();
    assert!(sent.is_empty(), "the token went over plain http: {sent:?}");
}

#[test]
fn plain_http_index_off_loopback_gets_no_token() {
    let token = "plainidxtok4711";
    let registry = TestRegistry::builder().token(token).start();
    registry.add_version("plainidx", "0.1.0");
    let mut env = hand_configured(&format!(
        "sparse+http://0.0.0.0:{}/acme/crates/-/packages/",
        registry.port()
    ));
    // The API is on loopback (allowed); the index is not.
    env.env("CNB_TOKEN", token)
        .env("CNB_API_ENDPOINT", registry.api_url());
    for args in [&["list", "plainidx"][..], &["list"]] {
        let out = cnbcargo(&env, args);
        assert_exit(&out, 1);
        assert_stderr_has(&out, &["http://"]);
    }
    let sent = carrying(&registry.index_requests(), token);
    assert!(sent.is_empty(), "the token went over plain http: {sent:?}");
}

#[test]
fn login_refuses_a_plain_http_index_off_loopback() {
    let token = "plainlogintok4712";
    let registry = TestRegistry::builder().token(token).start();
    let mut env = hand_configured(&format!(
        "sparse+http://0.0.0.0:{}/acme/crates/-/packages/",
        registry.port()
    ));
    env.env("CNB_TOKEN", token);
    let out = cnbcargo(&env, &["login"]);
    assert_fails(&out);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let credentials =
        std::fs::read_to_string(env.cargo_home().join("credentials.toml")).unwrap_or_default();
    assert!(
        !credentials.contains(token),
        "cargo was given the token for a plain-http index: {credentials}"
    );
    let sent = carrying(&registry.requests(), token);
    assert!(sent.is_empty(), "the token went over plain http: {sent:?}");
}

// ------------------------------------------------------ 3. package names

#[test]
fn non_ascii_package_name_is_refused_before_publishing() {
    let (registry, env) = hosting("unused", &[]);
    let lib = env.new_crate("kraetze", "krätze", "0.1.0", "");
    let out = run_with_deadline(
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_exit(&out, 1);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_stderr_has(&out, &["not a valid crate name"]);
    assert!(registry.versions("krätze").is_empty());
}

/// cargo's own dry run panics on `käse` (its index path cuts the name
/// inside `ä`): cnbcargo refuses the name before cargo is asked anything.
#[test]
fn a_name_cargo_panics_on_is_refused_before_cargo_runs() {
    let (registry, env) = hosting("unused", &[]);
    let lib = env.new_crate("kaese", "käse", "0.1.0", "");
    let out = run_with_deadline(env.cnbcargo().arg("publish").current_dir(&lib));
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_stderr_has(&out, &["cannot publish `käse`", "not a valid crate name"]);
    // Refused before the dry run: nothing was checked, nothing asked.
    assert!(!err.contains("Checking"), "{err}");
    assert!(registry.requests().is_empty(), "{:?}", registry.requests());
    assert!(registry.versions("käse").is_empty());
}

#[test]
fn path_like_package_name_is_refused_before_any_request() {
    let (registry, env) = hosting("unused", &[]);
    let lib = env.new_crate("pathy", "../../x?y#z", "0.1.0", "");
    let out = run_with_deadline(
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_exit(&out, 1);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    // cargo itself refuses this one (`cargo metadata`), before cnbcargo's
    // own check would.
    let err = stderr(&out);
    assert!(
        err.contains("not a valid crate name") || err.contains("invalid character"),
        "{err}"
    );
    let odd: Vec<String> = registry
        .requests()
        .into_iter()
        .map(|r| r.url)
        .filter(|u| u.contains("..") || u.contains("x?y"))
        .collect();
    assert!(odd.is_empty(), "requests built from the name: {odd:?}");
}

// ------------------------------------------------------- 4. slow DELETE

#[test]
fn a_delete_answered_after_the_timeout_is_reported_deleted() {
    let (registry, mut env) = hosting("slowdel", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "0.5");
    registry.fault_next(
        "/-/tag/0.1.0",
        1,
        FaultKind::AnswerLate(Duration::from_millis(1500)),
    );
    let out = cnbcargo(&env, &["delete", "slowdel@0.1.0", "--yes"]);
    assert_exit(&out, 0);
    assert_stderr_has(&out, &["Deleted"]);
    assert!(registry.versions("slowdel").is_empty());
}

// --------------------------------------- 5. endpoint with query/fragment

fn endpoint_refused(suffix: &str, word: &str) {
    let (registry, mut env) = hosting("qf", &["0.1.0"]);
    env.env(
        "CNB_API_ENDPOINT",
        format!("{}/{suffix}", registry.api_url()),
    );
    let out = cnbcargo(&env, &["list"]);
    assert_refused(&out);
    assert_stderr_has(&out, &[word]);
    let seen: Vec<String> = registry.api_requests().into_iter().map(|r| r.url).collect();
    assert!(seen.is_empty(), "the API was called: {seen:?}");
}

#[test]
fn api_endpoint_with_a_query_is_refused() {
    endpoint_refused("?x=1", "query");
}

#[test]
fn api_endpoint_with_a_fragment_is_refused() {
    endpoint_refused("#frag", "fragment");
}

// ------------------------------------------- 6. overlapping delete specs

#[test]
fn overlapping_delete_specs_list_each_version_once() {
    let (registry, env) = hosting("dedup", &["0.1.0", "0.2.0", "0.3.0"]);
    let out = cnbcargo(
        &env,
        &[
            "delete",
            "dedup@>=0.1.0",
            "dedup@<0.3.0",
            "--dry-run",
            "--yes",
        ],
    );
    assert_exit(&out, 0);
    let err = stderr(&out);
    for version in ["0.1.0", "0.2.0", "0.3.0"] {
        assert_eq!(
            err.matches(&format!("dedup@{version}")).count(),
            1,
            "{version} once:\n{err}"
        );
    }
    assert_eq!(registry.versions("dedup").len(), 3);
}

// ------------------------------------------------------- 7. endless pages

fn endless_pages_stop(args: &[&str]) {
    let (registry, env) = hosting("pages", &["0.1.0"]);
    registry.set_endless_pages(true);
    let out = cnbcargo(&env, args);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["pages"]);
    let calls = registry.api_requests().len();
    assert!(calls <= 1100, "{calls} API requests");
}

#[test]
fn endless_version_pages_are_bounded() {
    endless_pages_stop(&["list", "pages"]);
}

#[test]
fn endless_package_pages_are_bounded() {
    endless_pages_stop(&["list"]);
}

// -------------------------------------------------- 8. control characters

#[test]
fn control_characters_in_package_names_are_not_printed() {
    let (registry, env) = hosting("plain", &["0.1.0"]);
    let body = json!([
        {"name": "evil\u{1b}]0;pwned\u{7}name", "type": "cargo", "tag_total": 1},
        {"name": "wipe\u{1b}[2Jname", "type": "cargo", "tag_total": 2},
    ])
    .to_string();
    for args in [&["list"][..], &["list", "--json"]] {
        registry.fault_next(
            "-/packages?type=cargo",
            1,
            FaultKind::StatusBody(200, body.clone()),
        );
        let out = cnbcargo(&env, args);
        assert_exit(&out, 0);
        assert_no_terminal_controls(&out);
    }
}

#[test]
fn control_characters_in_api_errors_are_not_printed() {
    let (registry, env) = hosting("ctl", &["0.1.0"]);
    registry.fault_next(
        "/cargo/ctl/-/tags",
        4,
        FaultKind::StatusBody(
            403,
            r#"{"errcode":10403,"errmsg":"\u001b[2Jboom\u001b]0;x\u0007"}"#.to_string(),
        ),
    );
    let out = cnbcargo(&env, &["list", "ctl"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["boom"]);
    assert_no_terminal_controls(&out);
}

// ------------------------------------------------ 9. credentials in URLs

#[test]
fn credentials_in_the_api_endpoint_are_never_shown() {
    let (registry, mut env) = hosting("credapi", &["0.1.0"]);
    env.env(
        "CNB_API_ENDPOINT",
        format!("http://user:hunter3pw@127.0.0.1:{}", registry.api_port()),
    );
    let list = cnbcargo(&env, &["list"]);
    let verbose = cnbcargo(&env, &["list", "-vv", "credapi"]);
    assert_fails(&list);
    assert_fails(&verbose);
    assert_not_shown("hunter3pw", &[&list, &verbose]);
}

#[test]
fn credentials_in_the_index_url_are_never_shown() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("credidx", "0.1.0");
    let mut env = hand_configured(&format!(
        "sparse+http://user:hunter4pw@127.0.0.1:{}/acme/crates/-/packages/",
        registry.port()
    ));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    let list = cnbcargo(&env, &["list"]);
    let list_verbose = cnbcargo(&env, &["list", "-vv", "credidx"]);
    let doctor = cnbcargo(&env, &["doctor"]);
    let doctor_json = cnbcargo(&env, &["doctor", "--json"]);
    assert_fails(&list);
    assert_fails(&list_verbose);
    assert_not_shown("hunter4pw", &[&list, &list_verbose, &doctor, &doctor_json]);
}

// --------------------------------------------------- 10. non-regular files

/// Runs `args` where a FIFO stands at `fifo`; it must be refused, not opened.
fn fifo_refused(fifo: &str, args: &[&str], shown: &str) {
    let env = TestEnv::new();
    mkfifo(&env.project().join(fifo));
    let bounded = run_bounded(env.cnbcargo().args(args), Duration::from_secs(10));
    assert!(
        !bounded.timed_out,
        "`{}` blocked on the FIFO `{fifo}` (killed after {:?})\n{}",
        args.join(" "),
        bounded.elapsed,
        stderr(&bounded.output)
    );
    let out = bounded.output;
    assert_exit(&out, 1);
    assert_stderr_has(&out, &[shown, "not a regular file"]);
}

#[test]
fn fifo_as_cargo_config_is_refused() {
    fifo_refused(
        ".cargo/config.toml",
        &["init", "acme/crates"],
        ".cargo/config.toml",
    );
}

#[test]
fn fifo_as_cnb_yaml_is_refused() {
    fifo_refused(".cnb.yaml", &["ci"], ".cnb.yaml");
}

#[test]
fn directory_as_cargo_config_is_refused() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.project().join(".cargo/config.toml")).unwrap();
    let out = cnbcargo(&env, &["init", "acme/crates"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &[".cargo/config.toml", "not a regular file"]);
}

// ---------------------------------------------------- 11. stray temp files

#[test]
fn init_removes_stray_temp_files() {
    let env = TestEnv::new();
    env.write("project/.cargo/config.toml", "[net]\nretry = 1\n");
    stray_temp_file(&env.project().join(".cargo/.cnbcargo-AbC123.tmp"));
    let out = cnbcargo(&env, &["init", "acme/crates"]);
    assert_exit(&out, 0);
    let left = temp_files(&env.project().join(".cargo"));
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn ci_removes_stray_temp_files() {
    let env = TestEnv::new();
    env.write(
        "project/.cnb.yaml",
        "main:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n",
    );
    stray_temp_file(&env.project().join(".cnbcargo-XyZ789.tmp"));
    let out = cnbcargo(&env, &["ci"]);
    assert_exit(&out, 0);
    let left = temp_files(&env.project());
    assert!(left.is_empty(), "left behind: {left:?}");
}

// ------------------------------------------------------ 12. parallel init

#[test]
fn parallel_inits_into_a_new_directory_keep_every_registry() {
    const RUNS: usize = 16;
    for round in 0..3 {
        let env = TestEnv::new();
        let outputs: Vec<Output> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..RUNS)
                .map(|i| {
                    let mut cmd = env.cnbcargo();
                    cmd.args(["init", &format!("acme/r{i}"), "--name", &format!("reg{i}")]);
                    scope.spawn(move || run_with_deadline(&mut cmd))
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for out in &outputs {
            assert_exit(out, 0);
        }
        let text = env.read("project/.cargo/config.toml");
        let doc: toml_edit::DocumentMut = text
            .parse()
            .unwrap_or_else(|e| panic!("round {round}: {e}\n{text}"));
        let missing: Vec<String> = (0..RUNS)
            .filter(|i| {
                doc.get("registries")
                    .and_then(|r| r.get(format!("reg{i}")))
                    .and_then(|r| r.get("index"))
                    .and_then(|i| i.as_str())
                    != Some(&format!(
                        "sparse+https://cargo.cnb.cool/acme/r{i}/-/packages/"
                    ))
            })
            .map(|i| format!("reg{i}"))
            .collect();
        assert!(
            missing.is_empty(),
            "round {round}: lost {missing:?}\n{text}"
        );
    }
}

// --------------------------------------- 13. control character in CNB_TOKEN

const BAD_TOKEN: &str = "tokhead\u{1}toktail";

#[track_caller]
fn assert_bad_token_refused(out: &Output) {
    assert_refused(out);
    assert_stderr_has(out, &["CNB_TOKEN"]);
    let err = stderr(out);
    assert!(!err.contains("builder error"), "{err}");
    assert!(
        !err.contains("tokhead") && !err.contains("toktail"),
        "the token is shown: {err:?}"
    );
}

#[test]
fn control_character_in_cnb_token_is_refused_by_list() {
    let (_registry, mut env) = hosting("badtok", &["0.1.0"]);
    env.env("CNB_TOKEN", BAD_TOKEN);
    // cargo's own token is the one used: the bad variable is only named.
    let out = cnbcargo(&env, &["list"]);
    assert_success(&out);
    assert_stderr_has(
        &out,
        &["warning: the token from the `CNB_TOKEN`", "not used"],
    );
    assert!(!stderr(&out).contains("tokhead"), "{}", stderr(&out));
    // Where cargo has none, it would be used: refused.
    std::fs::remove_file(env.cargo_home().join("credentials.toml")).unwrap();
    let out = cnbcargo(&env, &["list"]);
    assert_bad_token_refused(&out);
}

#[test]
fn control_character_in_cnb_token_is_refused_by_login() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    assert_success(&cnbcargo(&env, &["init", &registry.http_index()]));
    env.env("CNB_TOKEN", BAD_TOKEN);
    let out = cnbcargo(&env, &["login"]);
    assert_bad_token_refused(&out);
    let credentials =
        std::fs::read_to_string(env.cargo_home().join("credentials.toml")).unwrap_or_default();
    assert!(!credentials.contains("tokhead"), "{credentials}");
}

// ------------------------------------------- 14. doctor and a bad config.json

fn doctor_fails_reachable(fault: FaultKind, timeout: Option<&str>) {
    let (registry, mut env) = hosting("doc", &["0.1.0"]);
    if let Some(timeout) = timeout {
        env.env("CNBCARGO_HTTP_TIMEOUT", timeout);
    }
    registry.fault_next("config.json", 10, fault);
    let out = cnbcargo(&env, &["doctor", "--json"]);
    let report = doctor_report(&out);
    let index_checks: Vec<&Value> = report["checks"]
        .as_array()
        .expect("a `checks` array")
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|id| id.starts_with("index.")))
        .collect();
    assert_eq!(
        check_status(&report, "index.reachable"),
        "fail",
        "{index_checks:#?}"
    );
    assert_eq!(report["ok"], false);
    assert_exit(&out, 1);
}

#[test]
fn doctor_fails_an_html_config_json() {
    doctor_fails_reachable(
        FaultKind::StatusBody(200, "<html><body>Welcome to nginx!</body></html>".into()),
        None,
    );
}

#[test]
fn doctor_fails_a_truncated_config_json() {
    doctor_fails_reachable(FaultKind::StatusBody(200, "{\"dl\":".into()), None);
}

#[test]
fn doctor_fails_a_config_json_slower_than_the_timeout() {
    doctor_fails_reachable(FaultKind::Delay(Duration::from_secs(2)), Some("0.5"));
}

// --------------------------------------------- 15. redirect to another port

#[test]
fn redirect_of_the_version_list_to_another_port_is_refused() {
    let (registry, env) = hosting("redir", &["0.1.0"]);
    let trap = TrapServer::start();
    registry.fault_next(
        "/cargo/redir/-/tags",
        4,
        FaultKind::Redirect(307, trap.url("/steal")),
    );
    let out = cnbcargo(&env, &["list", "redir"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["redirect"]);
    let leaked: Vec<String> = trap
        .requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.url.clone())
        .collect();
    assert!(leaked.is_empty(), "the trap got the token: {leaked:?}");
}

#[test]
fn redirect_of_the_index_file_to_another_port_is_refused() {
    let (registry, env) = hosting("redirix", &["0.1.0"]);
    let trap = TrapServer::start();
    registry.fault_next(
        &format!("/{}", index_path("redirix")),
        4,
        FaultKind::Redirect(302, trap.url("/steal")),
    );
    let out = cnbcargo(&env, &["list", "redirix"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["redirect"]);
    let leaked: Vec<String> = trap
        .requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.url.clone())
        .collect();
    assert!(leaked.is_empty(), "the trap got the token: {leaked:?}");
}

// ------------------------------------------------------- 16. slow headers

#[test]
fn headers_trickling_in_time_out() {
    let (registry, mut env) = hosting("slowhead", &["0.1.0"]);
    env.env("CNBCARGO_HTTP_TIMEOUT", "0.5");
    registry.fault_next(
        "/cargo/slowhead/-/tags",
        10,
        FaultKind::SlowHeaders(Duration::from_millis(200)),
    );
    let out = cnbcargo(&env, &["list", "slowhead"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &["timed out"]);
}

// --------------------------------------------------- 17. echoed token canary

/// A server that quotes the `Authorization` header back in its errors, on
/// the API and on the index: the client must not repeat it.
#[test]
fn token_echoed_by_the_server_is_never_shown() {
    let token = format!("cnbechocanary{}q{}", std::process::id(), 31337);
    let registry = TestRegistry::builder().token(&token).start();
    registry.add_version("echo-crate", "0.1.0");
    let env = logged_in_env(&registry, &token);
    let mut outputs = Vec::new();

    // The index echoes (the API answers): `list NAME` reads the index.
    registry.fault_next(
        &format!("/{}", index_path("echo-crate")),
        100,
        FaultKind::EchoAuth(401),
    );
    registry.fault_next("config.json", 100, FaultKind::EchoAuth(401));
    for args in [
        &["list", "echo-crate"][..],
        &["list", "-vv", "echo-crate", "--json"],
    ] {
        outputs.push(cnbcargo(&env, args));
    }
    // The API echoes too: the package list, the version list, doctor's probe.
    registry.fault_next("-/packages?type=cargo", 100, FaultKind::EchoAuth(401));
    registry.fault_next("/-/tags", 100, FaultKind::EchoAuth(401));
    for args in [
        &["doctor"][..],
        &["doctor", "--json"],
        &["doctor", "-vv"],
        &["doctor", "-vv", "--json"],
        &["list"],
        &["list", "-vv"],
        &["list", "--json"],
        &["list", "echo-crate"],
        &["list", "-vv", "echo-crate"],
    ] {
        outputs.push(cnbcargo(&env, args));
    }
    let echoed = registry
        .requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert!(echoed > 0, "no request met the echoing server");
    for out in &outputs {
        assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
    }
    let refs: Vec<&Output> = outputs.iter().collect();
    assert_not_shown(&token, &refs);
}

// ------------------------------------------- the hostile registry itself

/// One raw HTTP/1.1 GET on 127.0.0.1: (head, up to `max_body` bytes of
/// body); the connection is dropped after that, as a client hanging up.
fn raw_get(port: u16, path: &str, auth: &str, max_body: usize) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/vnd.cnb.api+json\r\n\
         Authorization: {auth}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 << 10];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the head ended");
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut body = bytes[head_end..].to_vec();
    while body.len() < max_body {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    body.truncate(max_body);
    (head, body)
}

/// The faults do what the tests above rely on, whatever the client.
#[test]
fn hostile_registry_self_check() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("selfcheck", "0.1.0");
    let tags = "/acme/crates/-/packages/cargo/selfcheck/-/tags?page=1&page_size=100";
    let (api, port) = (registry.api_port(), registry.port());

    registry.fault_next("selfcheck/-/tags", 1, FaultKind::HugeBody(1 << 40));
    let (head, body) = raw_get(api, tags, "Bearer tok", 1 << 20);
    assert!(head.contains("Content-Length: 1099511627776"), "{head}");
    assert_eq!(body.len(), 1 << 20);

    registry.fault_next("selfcheck/-/tags", 1, FaultKind::EndlessChunked);
    let (head, body) = raw_get(api, tags, "Bearer tok", 1 << 20);
    assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
    assert_eq!(body.len(), 1 << 20);

    let trap = TrapServer::start();
    registry.fault_next(
        "selfcheck/-/tags",
        1,
        FaultKind::Redirect(307, trap.url("/x")),
    );
    let (head, _) = raw_get(api, tags, "Bearer tok", 0);
    assert!(head.starts_with("HTTP/1.1 307"), "{head}");
    assert!(
        head.contains(&format!("Location: {}", trap.url("/x"))),
        "{head}"
    );
    assert!(trap.requests().is_empty());

    registry.fault_next(
        "selfcheck/-/tags",
        1,
        FaultKind::SlowHeaders(Duration::from_millis(5)),
    );
    let started = std::time::Instant::now();
    let (head, body) = raw_get(api, tags, "Bearer tok", 10);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(started.elapsed() >= Duration::from_millis(5 * head.len() as u64));
    assert!(body.starts_with(b"{\"cargo\""));

    registry.fault_next("selfcheck/-/tags", 1, FaultKind::EchoAuth(401));
    let (head, body) = raw_get(api, tags, "Bearer tok", 1000);
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errmsg"], "bad token Bearer tok");
    let index_file = format!("/acme/crates/-/packages/{}", index_path("selfcheck"));
    registry.fault_next(&index_file, 1, FaultKind::EchoAuth(401));
    let (_, body) = raw_get(port, &index_file, "tok", 1000);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errors"][0]["detail"], "bad token tok");

    registry.fault_next(
        "/-/tag/0.1.0",
        1,
        FaultKind::AnswerLate(Duration::from_millis(300)),
    );
    let late = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", api)).unwrap();
        write!(
            stream,
            "DELETE /acme/crates/-/packages/cargo/selfcheck/-/tag/0.1.0 HTTP/1.1\r\n\
             Host: x\r\nAccept: application/vnd.cnb.api+json\r\nAuthorization: Bearer tok\r\n\
             Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    });
    std::thread::sleep(Duration::from_millis(150));
    assert!(
        registry.versions("selfcheck").is_empty(),
        "deleted before the answer"
    );
    assert!(late.join().unwrap().starts_with("HTTP/1.1 200"));

    registry.set_endless_pages(true);
    for path in [
        "/acme/crates/-/packages/cargo/gone/-/tags?page=5000&page_size=100",
        "/acme/crates/-/packages?type=cargo&page=5000&page_size=100",
    ] {
        let (_, body) = raw_get(api, path, "Bearer tok", 1 << 20);
        let page: Value = serde_json::from_slice(&body).unwrap();
        let items = page.get("cargo").unwrap_or(&page);
        assert_eq!(items.as_array().unwrap().len(), 100, "{path}");
    }
}

// ------------------------------------------------ found in review

/// A legacy `.cargo/config` (no extension) is what cargo reads when it
/// exists: a FIFO there is refused too, not passed over to block cargo.
#[test]
fn fifo_as_legacy_cargo_config_is_refused() {
    fifo_refused(
        ".cargo/config",
        &["init", "--dry-run", "acme/crates"],
        ".cargo/config",
    );
}

/// cargo passes over a dangling config symlink; so does cnbcargo.
#[test]
fn a_dangling_config_symlink_is_passed_over() {
    let (registry, env) = hosting("dangling", &["0.1.0"]);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        env.path().join("nowhere.toml"),
        env.cargo_home().join("config.toml"),
    )
    .unwrap();
    let out = cnbcargo(&env, &["list", "dangling"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("0.1.0"), "{}", stdout(&out));
    drop(registry);
}

/// A proxy in the environment never sees requests to this machine: the
/// token may go over plain http to loopback only because it stays here.
#[test]
fn loopback_requests_bypass_a_proxy() {
    let (registry, mut env) = hosting("proxied", &["0.1.0"]);
    let trap = crate::support::trap::TrapServer::start();
    env.env("http_proxy", trap.url(""))
        .env("HTTPS_PROXY", trap.url(""))
        .env("ALL_PROXY", trap.url(""));
    let out = cnbcargo(&env, &["list", "proxied"]);
    assert_exit(&out, 0);
    let doctor = cnbcargo(&env, &["doctor"]);
    assert!(
        trap.requests().is_empty(),
        "the proxy saw {:?}\n{}",
        trap.requests().iter().map(|r| &r.url).collect::<Vec<_>>(),
        stderr(&doctor)
    );
    assert!(registry.api_requests().len() > 1);
}

/// serde quotes the value it did not expect: a server that puts the
/// token where a number belongs must not get it printed.
#[test]
fn token_in_a_malformed_answer_is_never_shown() {
    let token = format!("cnbdecodecanary{}", std::process::id());
    let registry = TestRegistry::builder().token(&token).start();
    registry.add_version("quoted", "0.1.0");
    let env = logged_in_env(&registry, &token);
    let body = |t: &str| format!("{{\"cargo\":[{{\"name\":\"1.0.0\",\"size\":\"{t}\"}}]}}");
    registry.fault_next("/-/tags", 1, FaultKind::StatusBody(200, body(&token)));
    let out = cnbcargo(&env, &["list", "-vv", "quoted"]);
    assert_fails(&out);
    assert_stderr_has(&out, &["unexpected answer"]);
    let bearer = format!("Bearer {token}");
    registry.fault_next("/-/tags", 1, FaultKind::StatusBody(200, body(&bearer)));
    let again = cnbcargo(&env, &["list", "quoted"]);
    assert_fails(&again);
    assert_not_shown(&token, &[&out, &again]);
}
