//! Test support: a sealed environment per test, the test registry, and the
//! helpers the test modules share (test modules never import each other:
//! whatever two of them need lives here).
//!
//! Where to look, for a newcomer:
//! - this file: [`TestEnv`] (one test's temp world: `home/`, `cargo-home/`,
//!   `project/`, a cleared environment; `cnbcargo()`/`cargo()` give sealed
//!   commands), running commands (`run`, `run_with_stdin`,
//!   `run_with_deadline`/`run_within`/`run_bounded`/`cnbcargo_bounded`
//!   for what may hang),
//!   `stdout`/`stderr`/`tail`, `path_with`, and `fake_crates_io` (the
//!   crates.io index every test sees, empty by default).
//! - `setup`: projects as most tests start them: `configured_env` (after
//!   `init`), `logged_in_env` (after `login`, log cleared), `hosting` (a
//!   registry holding versions plus a logged-in project), `registry_holding`,
//!   `colliding_crate` (a name CNB's crates.io proxy already lists),
//!   `three_crates`/`colliding_workspace` (a workspace `wa <- wb <- wc`),
//!   `hand_configured` (a config written by hand, for indexes `init` refuses),
//!   `cnbcargo_publish` (`publish -- --no-verify` in a dir), `cargo_publish`
//!   (plain cargo, must succeed).
//! - `assert`: exit codes and messages: `assert_success`, `assert_failure`,
//!   `assert_exit` (shows only the end of long outputs), `assert_fails`
//!   and `assert_refused` (a failure, never a panic), `assert_stderr_has`,
//!   `assert_no_terminal_controls`.
//! - `snap`: whole-output snapshots with snapbox: `assert_snapshot(&out,
//!   code, &redact, str![[..]])` pins exit code and stderr,
//!   `assert_stdout_snapshot` stdout; `Redact` names what varies (`[ROOT]`
//!   for the test's temp dir, `[CARGO]`, `[PORT]`/`[API_PORT]` for a
//!   registry's ports, any other with `.with`) so snapshots are stable.
//!   Write a new expectation as `str![]` and run `SNAPSHOTS=overwrite
//!   cargo test --test testsuite NAME` to fill it in; review the diff.
//! - `leaks`: a token never shows: `assert_not_shown` (outputs),
//!   `assert_not_in_files`, `assert_not_on_argv` (with `recording_cargo`),
//!   `assert_only_in_authorization` (registry requests), `carrying` (which
//!   requests had it in `Authorization`), `assert_trap_got_no_token`.
//! - `fake_cargo`: scripts standing in for cargo: `recording_cargo` and
//!   `recorded_commands`, `cargo_claiming` (another `cargo -V`),
//!   `failing_cargo`, `hanging_cargo`, and `fake_cargo` for any other body.
//! - `files`: `write_script`, `files_under`, `mkfifo`, `temp_files`,
//!   `stray_temp_file`, `credentials` (cargo's `credentials.toml`), and
//!   `keeps_every_line`/`is_byte_subsequence` (an edit only added).
//! - `plugin`: the credential-provider mode: `provider_env`,
//!   `init_provider`, `speak`/`speak_output` (the protocol on stdin).
//! - `doctor_report`: `doctor_json`, `doctor_report`, `check`,
//!   `find_check`, `check_status`.
//! - `registry` (the sparse index, Web API and CNB OpenAPI on 127.0.0.1,
//!   with faults to inject and a request log: `requests`, `uploads`,
//!   `upload_requests`, `publish_metadata`, `delete_requests`,
//!   `versions`), `openapi`, `http`, `tls` (a CA made at test time),
//!   `trap` (a server that must receive nothing), `keyring`, `pty`
//!   (prompts in a pseudo-terminal).

#![allow(dead_code, reason = "each test module uses a different part")]

pub mod assert;
pub mod ci_project;
pub mod doctor_report;
pub mod fake_cargo;
pub mod files;
pub mod http;
pub mod keyring;
pub mod leaks;
pub mod openapi;
pub mod plugin;
#[cfg(unix)]
pub mod pty;
pub mod registry;
pub mod setup;
pub mod snap;
pub mod tls;
pub mod trap;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use assert::*;
pub use ci_project::*;
pub use doctor_report::*;
pub use fake_cargo::*;
pub use files::*;
pub use leaks::*;
pub use plugin::*;
pub use registry as registry_mod;
pub use registry::TestRegistry;
pub use setup::*;
pub use snap::*;
#[allow(unused_imports, reason = "not every user of this module needs it")]
pub use trap::TrapServer;

/// The test's `PATH` with `dirs` first, for programs cargo must find
/// there (`cargo-cnb`, the `cnbcargo` credential provider).
pub fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(
        dirs.iter()
            .map(|d| d.to_path_buf())
            .chain(std::env::split_paths(&inherited)),
    )
    .unwrap()
}

/// The cnbcargo binary under test.
pub fn cnbcargo_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cnbcargo"))
}

/// The cargo that builds these tests: the real one the tool drives.
pub fn real_cargo() -> PathBuf {
    PathBuf::from(env!("CARGO"))
}

/// Where rustup keeps toolchains, read before any test changes `HOME`.
pub fn rustup_home() -> Option<PathBuf> {
    static HOME: OnceLock<Option<PathBuf>> = OnceLock::new();
    HOME.get_or_init(|| {
        std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))
            .filter(|p| p.is_dir())
    })
    .clone()
}

/// One test's world: its own temp dir with `home/`, `cargo-home/` and
/// `project/`, and nothing inherited from the developer's environment
/// except `PATH` and where rustup lives.
pub struct TestEnv {
    pub root: tempfile::TempDir,
    extra_env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let root = tempfile::Builder::new()
            .prefix("cnbcargo-test-")
            .tempdir()
            .expect("create a temp dir");
        for dir in ["home", "cargo-home", "project"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        TestEnv {
            root,
            extra_env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    pub fn cargo_home(&self) -> PathBuf {
        self.path().join("cargo-home")
    }

    pub fn project(&self) -> PathBuf {
        self.path().join("project")
    }

    /// Sets a variable for every command this environment runs.
    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut Self {
        self.extra_env.push((
            key.to_string(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    /// A sealed command: cleared environment, temp `HOME`/`CARGO_HOME`,
    /// no keyring, no colour, run in `project/`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("CARGO_HOME", self.cargo_home())
            .env("CARGO_TERM_COLOR", "never")
            .env("CNBCARGO_NO_KEYRING", "1")
            .env("CARGO", real_cargo())
            // No test asks the real crates.io; the ones that need it to
            // have names point this at `fake_crates_io` instead.
            .env("CNBCARGO_CRATES_IO_INDEX", empty_crates_io())
            .current_dir(self.project())
            .stdin(Stdio::null());
        if let Some(rustup) = rustup_home() {
            cmd.env("RUSTUP_HOME", rustup);
        }
        for (key, value) in &self.extra_env {
            cmd.env(key, value);
        }
        cmd
    }

    pub fn cnbcargo(&self) -> Command {
        self.command(cnbcargo_bin())
    }

    pub fn cargo(&self) -> Command {
        self.command(real_cargo())
    }

    pub fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path().join(relative)).unwrap()
    }

    /// Creates a library crate `project/<dir>` with the given deps section.
    pub fn new_crate(&self, dir: &str, name: &str, version: &str, deps: &str) -> PathBuf {
        let root = self.project().join(dir);
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
                 description = \"test crate\"\nlicense = \"MIT\"\n\n[dependencies]\n{deps}"
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("src/lib.rs"),
            format!("pub fn hello() -> &'static str {{ \"{name} {version}\" }}\n"),
        )
        .unwrap();
        root
    }
}

/// crates.io's sparse index as a loopback server: a plain public index
/// listing `name@version` for each entry (the same upstream fixture the
/// test registry's proxy serves), for `CNBCARGO_CRATES_IO_INDEX`.
pub fn fake_crates_io(entries: &[(&str, &str)]) -> TestRegistry {
    let mut builder = TestRegistry::builder().auth_required(false);
    for (name, version) in entries {
        builder = builder.upstream(name, version);
    }
    builder.start()
}

/// A crates.io index that knows no crate, shared by every test by default.
fn empty_crates_io() -> String {
    static EMPTY: OnceLock<TestRegistry> = OnceLock::new();
    EMPTY.get_or_init(|| fake_crates_io(&[])).http_index()
}

/// Runs a command with `stdin` as its standard input.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    {
        let mut pipe = child.stdin.take().unwrap();
        let _ = pipe.write_all(stdin);
    }
    child.wait_with_output().expect("wait")
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn")
}

/// How long `run_with_deadline` lets a command run.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// What `run_bounded` saw.
pub struct Bounded {
    pub output: Output,
    /// The command was still running at the deadline and was killed.
    pub timed_out: bool,
    pub elapsed: Duration,
}

/// Runs a command that might hang, in a process group of its own: past
/// `deadline` the group is killed. Both streams are read as they come, so
/// a command printing a lot never blocks on a full pipe.
pub fn run_bounded(cmd: &mut Command, deadline: Duration) -> Bounded {
    use std::io::Read;
    use std::sync::mpsc;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            let _ = tx.send(bytes);
        });
        rx
    }
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > deadline {
            timed_out = true;
            // The whole group, cargo children included; the child is not
            // reaped yet, so the group id is still ours.
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    // A grandchild still holding a pipe must not hang the test either.
    let collect = |rx: mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| b"<pipe still held open by a child process>".to_vec())
    };
    Bounded {
        output: Output {
            status,
            stdout: collect(out),
            stderr: collect(err),
        },
        timed_out,
        elapsed,
    }
}

/// `run`, for a command that might hang: fails the test when it is still
/// running after `DEADLINE`.
#[track_caller]
pub fn run_with_deadline(cmd: &mut Command) -> Output {
    run_within(cmd, DEADLINE)
}

/// `cnbcargo ARGS` in `env`, failing the test when it is still running
/// after `DEADLINE` (for commands facing a server that may hang them).
#[track_caller]
pub fn cnbcargo_bounded(env: &TestEnv, args: &[&str]) -> Output {
    run_with_deadline(env.cnbcargo().args(args))
}

/// `run`, failing the test when the command is still running after `deadline`.
#[track_caller]
pub fn run_within(cmd: &mut Command, deadline: Duration) -> Output {
    let bounded = run_bounded(cmd, deadline);
    assert!(
        !bounded.timed_out,
        "still running after {deadline:?}; killed\n--- stdout\n{}\n--- stderr\n{}",
        tail(&stdout(&bounded.output)),
        tail(&stderr(&bounded.output)),
    );
    bounded.output
}

/// The end of a long text, for assertion messages.
pub fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(4000);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
