//! A cargo that does not answer: a FIFO among the files it reads, or a
//! `cargo` that is not one. Every question cnbcargo asks cargo has a time
//! limit (`CNBCARGO_CARGO_TIMEOUT`, set short here); past it cargo is
//! stopped with what it started, and the command says which question went
//! unanswered. Unix only: FIFOs, shell scripts and process groups.

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::*;

/// The limit the tests set, in seconds.
const LIMIT: &str = "2";
/// Far above `LIMIT`, far below a hang.
const BOUND: Duration = Duration::from_secs(20);

/// Runs cnbcargo with the short limit; it must end well within `BOUND`.
#[track_caller]
fn run_limited(cmd: &mut Command) -> Output {
    let bounded = run_bounded(cmd.env("CNBCARGO_CARGO_TIMEOUT", LIMIT), BOUND * 2);
    assert!(
        !bounded.timed_out && bounded.elapsed < BOUND,
        "still running after {:?} (killed: {})\n--- stdout\n{}\n--- stderr\n{}",
        bounded.elapsed,
        bounded.timed_out,
        tail(&stdout(&bounded.output)),
        tail(&stderr(&bounded.output)),
    );
    bounded.output
}

#[track_caller]
fn assert_exit_1(out: &Output) {
    assert_exit(out, 1);
    assert_no_panic(out);
}

/// Both streams, for messages that may be a doctor check or an error.
fn said(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

/// Whether some process still has `fifo` open for reading (a cargo
/// blocked on it): opening it for writing without blocking fails with
/// ENXIO only when no one does. (A stopped cargo is killed and reaped
/// before cnbcargo exits, so there is nothing to wait for.)
fn fifo_has_reader(fifo: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo)
    {
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => false,
        Err(e) => panic!("cannot open `{}`: {e}", fifo.display()),
        // Opening it released the reader, which now reads EOF.
        Ok(_) => true,
    }
}

/// The pids a hanging cargo wrote.
fn pids_in(file: &Path) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// A live process (a zombie waiting for a reaper counts as gone).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rsplit(')')
                .next()
                .and_then(|s| s.trim_start().chars().next()),
            Some('Z' | 'X')
        ),
        Err(_) if Path::new("/proc/self").exists() => false,
        Err(_) => Command::new("kill")
            .args(["-0", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success()),
    }
}

/// Asserts every pid in `file` is gone (a little time allowed for the
/// kill to land), killing what is left so that no test leaks processes.
#[track_caller]
fn assert_all_gone(file: &Path) {
    let pids = pids_in(file);
    assert!(!pids.is_empty(), "the hanging cargo never ran");
    let started = Instant::now();
    while pids.iter().any(|p| alive(*p)) && started.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
    for pid in &left {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(left.is_empty(), "left running: {left:?} of {pids:?}");
}

// ------------------------------------------- a FIFO as `.cargo/config.toml`

/// cargo blocks on the FIFO for ever (`cargo -V` included); cnbcargo's own
/// reads refuse it. Each command ends within the bound, exit 1, saying
/// what stopped it, and leaves no cargo blocked on the FIFO.
#[test]
fn fifo_as_cargo_config_ends_doctor_publish_audit_and_yank() {
    let env = TestEnv::new();
    let lib = env.new_crate("lib", "stalled", "0.1.0", "");
    let fifo = lib.join(".cargo/config.toml");
    mkfifo(&fifo);
    for args in [
        &["doctor"][..],
        &["publish"],
        &["audit"],
        &["yank", "stalled@0.1.0"],
    ] {
        let out = run_limited(env.cnbcargo().args(args).current_dir(&lib));
        assert_exit_1(&out);
        let text = said(&out);
        assert!(
            text.contains(".cargo/config.toml") && text.contains("not a regular file"),
            "{args:?}: {text}"
        );
        if args == ["doctor"] {
            // doctor asks cargo its version before it reads the config.
            assert!(
                text.contains("-V` did not answer within 2 s; it was stopped"),
                "{text}"
            );
            assert!(text.contains("CNBCARGO_CARGO_TIMEOUT"), "{text}");
        }
        assert!(!fifo_has_reader(&fifo), "{args:?} left a cargo on the FIFO");
    }
}

// ---------------------------------------------- a FIFO as `Cargo.toml`

/// cnbcargo never reads a FIFO manifest, but cargo's `locate-project` and
/// `metadata` block on it: doctor, publish and audit stop them and say so.
#[test]
fn fifo_as_manifest_stops_the_cargo_questions() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let fifo = env.project().join("Cargo.toml");
    mkfifo(&fifo);
    for (args, question) in [
        (&["doctor"][..], "locate-project"),
        (&["publish"], "metadata"),
        (&["audit"], "metadata"),
    ] {
        let out = run_limited(env.cnbcargo().args(args));
        assert_exit_1(&out);
        let text = said(&out);
        assert!(
            text.contains(&format!(" {question} "))
                && text.contains("did not answer within 2 s; it was stopped"),
            "{args:?}: {text}"
        );
        assert!(text.contains("CNBCARGO_CARGO_TIMEOUT"), "{args:?}: {text}");
        // audit's own "run it in a project" hint would mislead here.
        assert!(!text.contains("in a cargo project or workspace"), "{text}");
        assert!(!fifo_has_reader(&fifo), "{args:?} left a cargo on the FIFO");
    }
}

// ---------------------------------------------- a cargo that hangs

/// `CARGO` names a program that never answers and starts a child of its
/// own: each command stops both, names the question, exit 1.
#[test]
fn a_hanging_cargo_is_stopped_with_its_children() {
    let registry = TestRegistry::builder().token("tok").start();
    registry.add_version("stalled", "0.1.0");
    let mut env = logged_in_env(&registry, "tok");
    env.new_crate(".", "stalled", "0.2.0", "");
    let (cargo, pids) = hanging_cargo(&env);
    env.env("CARGO", &cargo);
    for (args, question) in [
        (&["doctor"][..], "-V"),
        (&["publish"], "metadata"),
        (&["audit"], "metadata"),
        (&["yank", "stalled@0.1.0"], "-V"),
    ] {
        let _ = std::fs::remove_file(&pids);
        let out = run_limited(env.cnbcargo().args(args));
        assert_exit_1(&out);
        let text = said(&out);
        assert!(
            text.contains(&format!("`{} {question}", cargo.display()))
                && text.contains("did not answer within 2 s; it was stopped"),
            "{args:?}: {text}"
        );
        assert_all_gone(&pids);
    }
    // Nothing was yanked, nothing published.
    assert_eq!(registry.versions("stalled"), [("0.1.0".to_string(), false)]);
}

/// `-p` completion waits 3 s for `cargo metadata`, then offers nothing,
/// and the cargo it started is gone rather than left orphaned.
#[test]
fn package_completion_stops_a_hanging_cargo() {
    let mut env = TestEnv::new();
    env.new_crate(".", "stalled", "0.1.0", "");
    let (cargo, pids) = hanging_cargo(&env);
    env.env("CARGO", &cargo);
    let bounded = run_bounded(
        env.cnbcargo()
            .env("CNBCARGO_COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", "3")
            .args(["--", "cnbcargo", "publish", "-p", ""]),
        BOUND,
    );
    assert!(!bounded.timed_out, "completion hung");
    assert!(
        bounded.elapsed < Duration::from_secs(10),
        "{:?}",
        bounded.elapsed
    );
    assert_success(&bounded.output);
    assert!(
        stdout(&bounded.output).trim().is_empty(),
        "{}",
        stdout(&bounded.output)
    );
    assert_all_gone(&pids);
}
