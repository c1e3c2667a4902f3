//! Works wherever cargo works: trust in certificates as cargo has it (the
//! system's store, `SSL_CERT_FILE`, `http.cainfo`, `CARGO_HTTP_CAINFO`),
//! cargo's proxy, timeout, retry and offline settings, and a company
//! network's TLS-inspecting proxy in front of crates.io. The registry
//! speaks https with a CA made for each test, and the real cargo is run
//! against the same server.

use std::time::{Duration, Instant};

use snapbox::str;

use crate::support::http::{HttpServer, Wrap};
use crate::support::tls::TestCa;
use crate::support::*;

const PLACEHOLDER: &str = "0.0.0-cnbcargo.placeholder";

/// A project configured for an https registry whose CA nothing trusts yet.
fn https_fixture(ca: &TestCa) -> (TestRegistry, TestEnv) {
    let registry = TestRegistry::builder()
        .token("tok")
        .tls(ca)
        .upstream("tlsdemo", "1.0.0")
        .start();
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    (registry, env)
}

#[test]
fn an_untrusted_certificate_names_the_host_and_how_to_trust_its_ca() {
    let ca = TestCa::new();
    let (registry, env) = https_fixture(&ca);
    // cargo does not trust it either.
    let lib = env.new_crate("other", "other", "0.1.0", "");
    let out = run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib));
    assert!(!out.status.success(), "{}", stderr(&out));

    for args in [&["login"][..], &["list"]] {
        let out = run_with_deadline(env.cnbcargo().args(args));
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "could not reach `https://127.0.0.1:{}/",
                if args == ["login"] {
                    registry.port()
                } else {
                    registry.api_port()
                }
            )) || err.contains("could not reach `https://127.0.0.1:"),
            "{err}"
        );
        assert!(
            err.contains("its certificate is issued by an authority this machine does not trust"),
            "{err}"
        );
        assert!(
            err.contains("hint: if a proxy inspects HTTPS on this network, trust its CA as cargo does: `http.cainfo = \"/path/to/ca.pem\"`"),
            "{err}"
        );
        assert!(err.contains("`SSL_CERT_FILE`"), "{err}");
        assert!(!err.contains("tok\n") && !err.contains("\"tok\""), "{err}");
    }
    // Nothing was stored, nothing was sent past the handshake.
    assert!(!env.cargo_home().join("credentials.toml").exists());
    assert!(registry.requests().is_empty());
}

/// How a test makes the CA trusted.
enum Trust {
    /// `http.cainfo` in the project's `.cargo/config.toml`, relative to
    /// the project, as cargo resolves it.
    ConfigFile,
    CargoHttpCainfo,
    SslCertFile,
}

fn trusted_the_way(trust: Trust) {
    let ca = TestCa::new();
    let (registry, mut env) = https_fixture(&ca);
    let pem = ca.write_pem(&env.project(), "company-ca.pem");
    match trust {
        Trust::ConfigFile => {
            let config = env.project().join(".cargo/config.toml");
            let text = std::fs::read_to_string(&config).unwrap();
            std::fs::write(
                &config,
                format!("{text}\n[http]\ncainfo = \"company-ca.pem\"\n"),
            )
            .unwrap();
        }
        Trust::CargoHttpCainfo => {
            env.env("CARGO_HTTP_CAINFO", &pem);
        }
        Trust::SslCertFile => {
            env.env("SSL_CERT_FILE", &pem);
        }
    }

    let out = run_with_deadline(env.cnbcargo().arg("login"));
    assert_success(&out);
    assert!(env.cargo_home().join("credentials.toml").exists());

    // The real cargo, with the same trust, against the same server.
    let other = env.new_crate("other", "other", "0.1.0", "");
    cargo_publish(&env, &other);
    assert_eq!(registry.version_names("other"), ["0.1.0"]);

    // A collision publish: placeholder, cargo's publish, removal.
    let lib = env.new_crate("tlsdemo", "tlsdemo", "1.0.0", "");
    let out = run_with_deadline(
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    assert!(
        stderr(&out).contains(&format!("Deleted the placeholder `tlsdemo@{PLACEHOLDER}`")),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.version_names("tlsdemo"), ["1.0.0"]);

    let out = run_with_deadline(env.cnbcargo().args(["list"]));
    assert_success(&out);
    assert!(stdout(&out).contains("tlsdemo"), "{}", stdout(&out));

    let out = run_with_deadline(env.cnbcargo().args(["delete", "other@0.1.0", "--yes"]));
    assert_success(&out);
    assert!(registry.version_names("other").is_empty());

    let out = run_with_deadline(env.cnbcargo().args(["doctor"]));
    assert_success(&out);
    let doctor = stdout(&out);
    let trust_line = doctor
        .lines()
        .find(|l| l.contains("tls.trust"))
        .unwrap_or_else(|| panic!("{doctor}"));
    assert!(trust_line.starts_with("✓"), "{doctor}");
    match trust {
        Trust::ConfigFile => assert!(
            trust_line.contains(&format!(
                "1 from `http.cainfo` `{}` ({}:",
                env.project().join("company-ca.pem").display(),
                env.project().join(".cargo/config.toml").display()
            )),
            "{doctor}"
        ),
        Trust::CargoHttpCainfo => assert!(
            trust_line.contains("(environment variable `CARGO_HTTP_CAINFO`)"),
            "{doctor}"
        ),
        Trust::SslCertFile => assert!(
            trust_line.contains("1 certificates from the system store (`SSL_CERT_FILE`)"),
            "{doctor}"
        ),
    }
    assert!(doctor.contains("✓ api.token"), "{doctor}");
}

#[test]
fn http_cainfo_in_the_project_config_is_trusted_by_every_command() {
    trusted_the_way(Trust::ConfigFile);
}

#[test]
fn cargo_http_cainfo_is_trusted_by_every_command() {
    trusted_the_way(Trust::CargoHttpCainfo);
}

#[test]
fn ssl_cert_file_is_trusted_by_every_command() {
    trusted_the_way(Trust::SslCertFile);
}

#[test]
fn a_cainfo_that_is_not_a_certificate_is_a_clear_error() {
    let ca = TestCa::new();
    let (_registry, mut env) = https_fixture(&ca);
    let bad = env.write("project/not-a-ca.pem", "hello\n");
    env.env("CARGO_HTTP_CAINFO", &bad);
    let out = run_with_deadline(env.cnbcargo().arg("list"));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: cannot use `http.cainfo` `{}` (environment variable `CARGO_HTTP_CAINFO`): it holds no `CERTIFICATE` block",
            bad.display()
        )),
        "{err}"
    );
    assert!(err.contains("hint: point `http.cainfo`"), "{err}");
}

/// crates.io's index behind a company proxy that inspects HTTPS: the
/// proxy answers `CONNECT index.crates.io:443` and presents its own
/// certificate for that host. Trusted through `SSL_CERT_FILE` (with the
/// proxy in `https_proxy`) or with `http.proxy`, `audit` and `delete`'s
/// fall-through guard reach crates.io's real address through it.
#[test]
fn audit_and_delete_reach_crates_io_through_an_inspecting_proxy() {
    // `crates-io.invalid` never resolves: only a proxy can reach it.
    let proxy_ca = TestCa::for_names(&["index.crates.io", "crates-io.invalid"]);
    let crates_io = TestRegistry::builder()
        .auth_required(false)
        .at_root()
        .upstream("shadow", "3.0.0")
        .wrap(Wrap::InspectingProxy(proxy_ca.server_config()))
        .start();
    let proxy = format!("http://127.0.0.1:{}", crates_io.port());

    let registry = TestRegistry::builder()
        .token("tok")
        .upstream("shadow", "3.0.0")
        .start();
    registry.add_version("shadow", "1.0.0");
    let mut env = logged_in_env(&registry, "tok");
    let pem = proxy_ca.write_pem(env.path(), "proxy-ca.pem");
    env.env("SSL_CERT_FILE", &pem);
    let app = env.new_crate(
        "app",
        "app",
        "0.1.0",
        "shadow = { version = \"1\", registry = \"cnb-cargo-repo\" }\n",
    );
    assert_success(&run(env.cargo().arg("generate-lockfile").current_dir(&app)));

    // The default crates.io index, not a loopback stand-in.
    let sealed = |cmd: &mut std::process::Command| {
        cmd.env_remove("CNBCARGO_CRATES_IO_INDEX");
    };

    // `https_proxy`, as curl and cargo read it.
    let mut audit = env.cnbcargo();
    sealed(&mut audit);
    audit
        .env("https_proxy", &proxy)
        .args(["audit"])
        .current_dir(&app);
    let out = run_with_deadline(&mut audit);
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("! `shadow` is in `cnb-cargo-repo` and on crates.io"),
        "{err}"
    );
    assert!(!err.contains("could not be asked"), "{err}");

    // cargo's own `http.proxy`, in the config file, and no variable.
    let config = env.project().join(".cargo/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "{text}\n[http]\nproxy = \"127.0.0.1:{}\"\n",
            crates_io.port()
        ),
    )
    .unwrap();
    let mut delete = env.cnbcargo();
    sealed(&mut delete);
    delete.args(["delete", "shadow@1.0.0", "--yes"]);
    let out = run_with_deadline(&mut delete);
    assert_failure(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains(
            "crates.io has a crate of that name, which the registry would then serve in its place"
        ),
        "{err}"
    );
    assert_eq!(registry.version_names("shadow"), ["1.0.0"]);

    // Both went through the proxy to crates.io's own paths, without a token.
    let asked = crates_io.requests();
    assert!(
        asked
            .iter()
            .filter(|r| r.url.ends_with("/sh/ad/shadow"))
            .count()
            >= 2,
        "{asked:?}"
    );
    assert!(asked.iter().all(|r| r.header("authorization").is_none()));
    assert!(
        asked
            .iter()
            .all(|r| r.header("host") == Some("index.crates.io")),
        "{asked:?}"
    );

    // Without the proxy's CA the same delete is refused for not knowing.
    let mut untrusted = env.cnbcargo();
    sealed(&mut untrusted);
    untrusted
        .env_remove("SSL_CERT_FILE")
        .env("CARGO_HTTP_TIMEOUT", "5")
        .args(["delete", "shadow@1.0.0", "--yes"]);
    let out = run_with_deadline(&mut untrusted);
    assert_failure(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("crates.io could not be asked"), "{err}");
    // ...and it says why: the proxy's certificate, for crates.io's host.
    assert!(
        err.contains(
            "TLS failed: its certificate is issued by an authority this machine does not trust"
        ),
        "{err}"
    );

    // An empty `http.proxy` means no proxy at all for cargo (libcurl):
    // `https_proxy` is not used either. A host only the proxy can reach
    // tells the two apart.
    let via = |config_text: &str| {
        std::fs::write(&config, config_text).unwrap();
        let before = crates_io.requests().len();
        let mut cmd = env.cnbcargo();
        cmd.env("https_proxy", &proxy)
            .env("CNBCARGO_CRATES_IO_INDEX", "https://crates-io.invalid/")
            .args(["delete", "shadow@1.0.0", "--yes"]);
        let out = run_with_deadline(&mut cmd);
        assert_failure(&out, 2);
        crates_io.requests().len() > before
    };
    assert!(via(&text), "https_proxy was not used");
    assert!(
        !via(&format!("{text}\n[http]\nproxy = \"\"\n")),
        "an empty `http.proxy` still went through `https_proxy`"
    );
}

/// A plain loopback server that answers every request as `reply` says,
/// counting them.
fn counting_server(
    reply: impl Fn() -> crate::support::http::Reply + Send + Sync + 'static,
) -> (
    HttpServer,
    u16,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&count);
    let server = HttpServer::start(listener, move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        reply()
    });
    (server, port, count)
}

#[test]
fn net_retry_and_http_timeout_are_cargos() {
    use std::sync::atomic::Ordering;
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let config = env.project().join(".cargo/config.toml");
    let original = std::fs::read_to_string(&config).unwrap();

    // `net.retry = 1`: a 503 is asked again once, then reported.
    let (_server, port, count) =
        counting_server(|| crate::support::http::Reply::error(503, "down"));
    let mut cmd = env.cnbcargo();
    cmd.env("CNB_API_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env("CARGO_NET_RETRY", "1")
        .arg("list");
    let out = run_with_deadline(&mut cmd);
    assert_failure(&out, 1);
    assert_eq!(count.load(Ordering::SeqCst), 2, "{}", stderr(&out));

    std::fs::write(&config, format!("{original}\n[net]\nretry = 0\n")).unwrap();
    count.store(0, Ordering::SeqCst);
    let out = run_with_deadline(
        env.cnbcargo()
            .env("CNB_API_ENDPOINT", format!("http://127.0.0.1:{port}"))
            .arg("list"),
    );
    assert_failure(&out, 1);
    assert_eq!(count.load(Ordering::SeqCst), 1, "{}", stderr(&out));

    // `http.timeout = 1`: a server that takes 4 s is given up on after 1 s
    // (and not retried: `net.retry = 0` still applies).
    std::fs::write(
        &config,
        format!("{original}\n[net]\nretry = 0\n[http]\ntimeout = 1\n"),
    )
    .unwrap();
    registry.fault_next(
        "/-/packages",
        1,
        crate::support::registry_mod::FaultKind::Delay(Duration::from_secs(4)),
    );
    let started = Instant::now();
    let out = run_with_deadline(env.cnbcargo().arg("list"));
    let took = started.elapsed();
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("timed out"), "{err}");
    assert!(
        err.contains("hint: the server is slow or unreachable; `http.timeout` in cargo's config"),
        "{err}"
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[test]
fn offline_commands_that_need_the_network_stop_at_once() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("kept", "1.0.0");
    let mut env = logged_in_env(&registry, "tok");

    let redact = Redact::new(&env).registry(&registry);
    for (args, expected) in [
        (
            &["list"][..],
            str![[r#"
error: `cnbcargo list` needs the network, and cargo is set offline by `net.offline` (environment variable `CARGO_NET_OFFLINE`)

hint: unset it for this run (e.g. `CARGO_NET_OFFLINE=false`), or run the command when online

"#]],
        ),
        (
            &["delete", "kept@1.0.0", "--yes"],
            str![[r#"
error: `cnbcargo delete` needs the network, and cargo is set offline by `net.offline` (environment variable `CARGO_NET_OFFLINE`)

hint: unset it for this run (e.g. `CARGO_NET_OFFLINE=false`), or run the command when online

"#]],
        ),
        (
            &["yank", "kept@1.0.0"],
            str![[r#"
error: `cnbcargo yank` needs the network, and cargo is set offline by `net.offline` (environment variable `CARGO_NET_OFFLINE`)

hint: unset it for this run (e.g. `CARGO_NET_OFFLINE=false`), or run the command when online

"#]],
        ),
        (
            &["publish"],
            str![[r#"
error: `cnbcargo publish` needs the network, and cargo is set offline by `net.offline` (environment variable `CARGO_NET_OFFLINE`)

hint: unset it for this run (e.g. `CARGO_NET_OFFLINE=false`), or run the command when online

"#]],
        ),
    ] {
        let out = run_with_deadline(env.cnbcargo().env("CARGO_NET_OFFLINE", "true").args(args));
        assert_snapshot(&out, 1, &redact, expected);
    }
    for (flag, expected) in [
        (
            "--offline",
            str![[r#"
error: `cnbcargo publish` needs the network, and cargo is set offline by `--offline`

hint: run it without `--offline` when online

"#]],
        ),
        (
            "--frozen",
            str![[r#"
error: `cnbcargo publish` needs the network, and cargo is set offline by `--frozen`

hint: run it without `--frozen` when online

"#]],
        ),
    ] {
        let out = run_with_deadline(env.cnbcargo().args(["publish", flag]));
        assert_snapshot(&out, 1, &redact, expected);
    }
    assert!(registry.requests().is_empty());
    assert_eq!(registry.version_names("kept"), ["1.0.0"]);

    // In the config file; `doctor` then checks what it can without it.
    let config = env.project().join(".cargo/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[net]\noffline = true\n")).unwrap();
    let out = run_with_deadline(env.cnbcargo().arg("list"));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains(&format!(
            "cargo is set offline by `net.offline` ({}:",
            config.display()
        )),
        "{}",
        stderr(&out)
    );
    let out = run_with_deadline(env.cnbcargo().arg("doctor"));
    assert_success(&out);
    assert!(
        stdout(&out).contains("✓ online             skipped (cargo is offline: `net.offline`"),
        "{}",
        stdout(&out)
    );
    assert!(registry.requests().is_empty());
    // `CARGO_NET_OFFLINE=false` wins over the file, as for cargo.
    env.env("CARGO_NET_OFFLINE", "false");
    assert_success(&run_with_deadline(env.cnbcargo().arg("list")));
}

/// `login`'s check of the token takes at most 10 s a request by default,
/// and the timeout the user sets when there is one, as its hint says.
#[test]
fn logins_check_takes_the_timeout_the_user_set() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url())
        .env("CARGO_NET_RETRY", "0")
        .env("CARGO_HTTP_TIMEOUT", "1");
    registry.fault_next(
        "/config.json",
        1,
        crate::support::registry_mod::FaultKind::Delay(Duration::from_secs(3)),
    );
    let started = Instant::now();
    let out = run_with_deadline(env.cnbcargo().arg("login"));
    let took = started.elapsed();
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("timed out"), "{err}");
    assert!(
        err.contains("`http.timeout` in cargo's config (or `CNBCARGO_HTTP_TIMEOUT`) sets the timeout in seconds"),
        "{err}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(!env.cargo_home().join("credentials.toml").exists());
}

/// `config.json` is read like every other read: one 503 or a dropped
/// connection is tried again, for `login`'s check and for `migrate` and
/// `publish`, which read it before uploading.
#[test]
fn config_json_reads_are_retried() {
    use crate::support::registry_mod::FaultKind;
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    registry.fail_next("/config.json", 1, 503);
    registry.fault_next("/config.json", 1, FaultKind::Reset);
    let out = run_with_deadline(env.cnbcargo().arg("login"));
    assert_success(&out);
    let config_reads: Vec<u16> = registry
        .requests()
        .iter()
        .filter(|r| r.url.ends_with("/config.json"))
        .map(|r| r.status)
        .collect();
    assert!(config_reads.starts_with(&[503]), "{config_reads:?}");
    assert!(config_reads.contains(&200), "{config_reads:?}");

    // A collision publish reads it for the placeholder's upload.
    let lib = env.new_crate("retried", "retried", "0.1.0", "");
    registry.state().upstream.insert(
        "retried".into(),
        vec![crate::support::registry_mod::upstream_entry(
            "retried", "0.1.0",
        )],
    );
    registry.fail_next("/config.json", 1, 503);
    let out = run_with_deadline(
        env.cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib),
    );
    assert_success(&out);
    assert_eq!(registry.version_names("retried"), ["0.1.0"]);
}

/// An index URL with a wrong registry path: `login` says no registry
/// answers there, not to check a crate name.
#[test]
fn a_wrong_registry_path_is_said_so() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = TestEnv::new();
    let wrong = registry
        .http_index()
        .replace("/acme/crates/", "/acme/typo/");
    assert_success(&run(env.cnbcargo().args(["init", &wrong])));
    env.env("CNB_TOKEN", "tok")
        .env("CNB_API_ENDPOINT", registry.api_url());
    let out = run_with_deadline(env.cnbcargo().arg("login"));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("no registry answers there (404)"), "{err}");
    assert!(
        err.contains("hint: check the index URL's registry path: the registry's page on CNB shows its address"),
        "{err}"
    );
    assert!(!err.contains("crate name"), "{err}");
}
