//! Finding and running cargo, and the version gate.
//!
//! cargo is run two ways. Questions (`cargo -V`, `locate-project`,
//! `metadata --no-deps`) answer from files on this machine, their output
//! captured: each gets a time limit (`question_limit`), past which cargo is
//! stopped with everything it started, since a question that does not
//! answer is a cargo blocked (a FIFO among its config files or manifests
//! blocks it for ever) and nothing else would end it. Actions (`publish`
//! and its `--dry-run`, which builds, `yank`, `login`, `logout`) show
//! cargo's own output and get no limit: a build takes as long as it takes,
//! cargo's `http.timeout` bounds their network, and the user sees them
//! working and can stop them.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use semver::Version;

use crate::credentials::Secret;
use crate::env;
use crate::error::UserError;
use crate::shell::{Shell, Verbosity};

/// The oldest cargo CNB supports (its FAQ), and the first with stable
/// credential providers and `auth-required`.
pub const MIN_VERSION: (u64, u64) = (1, 73);
pub const PROVIDERS_VERSION: (u64, u64) = (1, 74);
/// The first cargo with `publish --workspace`, which checks every package
/// in one dry run, each against the others as packaged.
pub const WORKSPACE_PUBLISH_VERSION: (u64, u64) = (1, 90);

/// What to do when cargo cannot be run at all.
pub const INSTALL_HINT: &str =
    "install Rust with rustup (https://rustup.rs), or set `CARGO` to the cargo binary";

/// How long a question to cargo may take by default. None of them builds
/// or downloads crates, but the first cargo run in a directory may wait
/// for rustup to install the toolchain a `rust-toolchain.toml` names, or
/// for another cargo's lock: generous, so that a slow machine is not
/// mistaken for a blocked one.
pub const QUESTION_LIMIT: Duration = Duration::from_secs(120);

/// `CNBCARGO_CARGO_TIMEOUT` seconds when set to a sensible number (tests
/// set a short one), else `QUESTION_LIMIT`.
pub fn question_limit() -> Duration {
    env::var_non_empty(env::CNBCARGO_CARGO_TIMEOUT)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map_or(QUESTION_LIMIT, Duration::from_secs_f64)
}

/// Why a question to cargo got no answer.
#[derive(Debug)]
enum Unanswered {
    /// cargo could not be started at all.
    NotStarted(UserError),
    /// cargo did not finish within the limit, and was stopped.
    Stopped(UserError),
}

impl Unanswered {
    fn into_error(self) -> UserError {
        match self {
            Unanswered::NotStarted(e) | Unanswered::Stopped(e) => e,
        }
    }
}

/// The hint of every question stopped at its limit; `stopped` looks for it.
const STOPPED_HINT: &str = "cargo blocks for ever on a file it reads that is not a plain file (a FIFO as `.cargo/config.toml` here or in a parent directory, in `$CARGO_HOME`, or as a `Cargo.toml`); if it was only slow (a toolchain being installed), run the command yourself once, or set `CNBCARGO_CARGO_TIMEOUT` to the seconds to wait";

/// Whether `err` is a question to cargo stopped at its limit, for callers
/// that put their own words around cargo's failures: this one has its own.
pub fn stopped(err: &anyhow::Error) -> bool {
    err.downcast_ref::<UserError>()
        .is_some_and(|e| e.hints().iter().any(|h| h == STOPPED_HINT))
}

#[derive(Debug, Clone)]
pub struct Cargo {
    program: OsString,
    /// Given by `$CARGO` rather than found on `PATH`.
    from_env: bool,
    /// This run's verbosity, passed on as `-q`/`-v`/`-vv` to every cargo
    /// whose output the user sees.
    verbosity: Verbosity,
    /// `--color` for those, when cargo would not choose the same by itself.
    color: Option<bool>,
    /// How long a question may take (`question_limit`).
    limit: Duration,
}

impl Cargo {
    /// `$CARGO`, else `cargo` from `PATH`.
    pub fn from_env() -> Cargo {
        match env::var_os(env::CARGO) {
            Some(program) => Cargo {
                program,
                from_env: true,
                verbosity: Verbosity::Normal,
                color: None,
                limit: question_limit(),
            },
            None => Cargo {
                program: OsString::from("cargo"),
                from_env: false,
                verbosity: Verbosity::Normal,
                color: None,
                limit: question_limit(),
            },
        }
    }

    /// The same cargo with another time limit for its questions (shell
    /// completion, which must not keep the shell waiting).
    pub fn with_limit(mut self, limit: Duration) -> Cargo {
        self.limit = limit;
        self
    }

    /// Passes the shell's verbosity and colour on to the cargo commands
    /// whose output is shown, so `-q` quiets cargo too.
    pub fn with_output_of(mut self, shell: &Shell) -> Cargo {
        self.verbosity = shell.verbosity();
        self.color = shell.cargo_color();
        self
    }

    /// `subcommand` followed by the output flags and `args`. Flags the user
    /// gave cargo themselves (`-- -v`, `-- --color never`) win: cargo
    /// refuses a flag twice, and `-q` with `-v`.
    fn shown_args(&self, subcommand: &str, args: &[String]) -> Vec<String> {
        let is_verbosity = |a: &str| {
            matches!(a, "--quiet" | "--verbose")
                || (a.len() > 1
                    && a.starts_with('-')
                    && a[1..].chars().all(|c| c == 'v' || c == 'q'))
        };
        let is_color = |a: &str| a == "--color" || a.starts_with("--color=");
        let mut out = vec![subcommand.to_string()];
        if !args.iter().any(|a| is_verbosity(a)) {
            let flags: &[&str] = match self.verbosity {
                Verbosity::Quiet => &["--quiet"],
                Verbosity::Normal => &[],
                Verbosity::Verbose => &["--verbose"],
                Verbosity::VeryVerbose => &["--verbose", "--verbose"],
            };
            out.extend(flags.iter().map(|f| f.to_string()));
        }
        if let Some(color) = self.color
            && !args.iter().any(|a| is_color(a))
        {
            out.extend([
                "--color".to_string(),
                if color { "always" } else { "never" }.to_string(),
            ]);
        }
        out.extend(args.iter().cloned());
        out
    }

    pub fn command(&self) -> Command {
        Command::new(&self.program)
    }

    /// The cargo binary as given (`$CARGO` or `cargo`), for messages.
    pub fn describe(&self) -> String {
        let from = if self.from_env { "CARGO" } else { "PATH" };
        format!("`{}` from `{from}`", self.display())
    }

    fn display(&self) -> String {
        Path::new(&self.program).display().to_string()
    }

    /// Runs `cargo -V` and parses its version.
    pub fn version(&self) -> Result<Version> {
        let output = self
            .ask(self.command().arg("-V"), &["-V"])
            .map_err(Unanswered::into_error)?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(UserError::new(format!(
                "`{} -V` failed ({}): {}",
                self.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
            .into());
        }
        parse_version(&stdout).map_err(|e| {
            UserError::new(format!(
                "cannot read cargo's version from `{} -V`: {e}",
                self.display()
            ))
            .hint("`CARGO` or `PATH` may point at something that is not cargo")
            .into()
        })
    }

    /// The version gate, run before anything that drives cargo.
    pub fn check_version(&self, shell: &Shell) -> Result<Version> {
        apply_gate(self.version()?, shell)
    }

    /// Starts `cargo -V` on a thread of its own, for commands that have
    /// other work to do before they first run cargo.
    pub fn version_in_background(&self) -> VersionCheck {
        VersionCheck::start(self.clone())
    }

    /// The workspace root of the project in `cwd`, as cargo sees it;
    /// `None` when cargo finds no project there (or cannot be run: the
    /// caller goes on without one). A cargo that does not answer is an error.
    pub fn workspace_root(&self, cwd: &Path) -> Result<Option<PathBuf>> {
        let args = ["locate-project", "--workspace", "--message-format", "plain"];
        let output = match self.ask(self.command().args(args).current_dir(cwd), &args) {
            Ok(output) => output,
            Err(Unanswered::NotStarted(_)) => return Ok(None),
            Err(Unanswered::Stopped(e)) => return Err(e.into()),
        };
        if !output.status.success() {
            return Ok(None);
        }
        let Ok(stdout) = String::from_utf8(output.stdout) else {
            return Ok(None);
        };
        Ok(PathBuf::from(stdout.trim()).parent().map(Path::to_path_buf))
    }

    /// Runs a question with its output captured and no input, in a process
    /// group of its own: past the limit the whole group is killed (cargo,
    /// and a rustup proxy's or build script's children with it), so that no
    /// blocked cargo is left behind. `args` name the command in messages.
    fn ask(&self, command: &mut Command, args: &[&str]) -> Result<Output, Unanswered> {
        let what = format!("{} {}", self.display(), args.join(" "));
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        // Out of the terminal's process group, cargo no longer gets the
        // user's Ctrl-C: on Linux it is killed when cnbcargo (the thread
        // waiting for it) dies, so an interrupted cnbcargo leaves no cargo
        // behind either (rustup's proxy execs cargo, which keeps this).
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl(2) is async-signal-safe and touches no memory.
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        let deadline = Instant::now() + self.limit;
        let mut child = command.spawn().map_err(|e| {
            Unanswered::NotStarted(
                UserError::new(format!("could not run `{what}`: {e}")).hint(INSTALL_HINT),
            )
        })?;
        let stdout = read_to_end_in_background(child.stdout.take());
        let stderr = read_to_end_in_background(child.stderr.take());
        let left = || deadline.saturating_duration_since(Instant::now());
        // Polled, so that this thread keeps the child and can kill it; the
        // pauses are short (1 ms growing to 5 ms), so a `cargo -V` that
        // takes 20 ms is seen done within a few ms of it.
        let mut pause = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if !left().is_zero() => {
                    std::thread::sleep(pause.min(left()));
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
                Ok(None) | Err(_) => break None,
            }
        };
        // A child of cargo's may still hold the pipes after cargo exited:
        // their ends are waited for within the same limit.
        let answer = status.and_then(|status| {
            let stdout = stdout.recv_timeout(left()).ok()?;
            let stderr = stderr.recv_timeout(left()).ok()?;
            Some(Output {
                status,
                stdout,
                stderr,
            })
        });
        match answer {
            Some(output) => Ok(output),
            None => {
                stop(&mut child);
                Err(Unanswered::Stopped(
                    UserError::new(format!(
                        "`{what}` did not answer within {}; it was stopped",
                        seconds(self.limit)
                    ))
                    .hint(STOPPED_HINT),
                ))
            }
        }
    }

    /// `cargo login --registry NAME` with the token on stdin, behind the
    /// version gate. cargo is started first and waits for the token while
    /// `cargo -V` runs, so the gate costs no extra time; the token is
    /// written only once the gate passed, and a cargo that failed the gate
    /// is killed before it read anything.
    pub fn login(&self, registry: &str, token: &Secret, shell: &Shell) -> Result<()> {
        let args = self.shown_args("login", &["--registry".to_string(), registry.to_string()]);
        let mut command = self.command();
        command
            .args(&args)
            .stdin(Stdio::piped())
            .env(crate::env::CNBCARGO_PROVIDER_QUIET, "1");
        shell.verbose(format!(
            "running `{} {}` with the token on stdin",
            self.display(),
            args.join(" ")
        ));
        // The gate first: a cargo started alongside it could print half a
        // status line (`    Updating`) before being stopped, and the
        // error would then start on that line.
        self.check_version(shell)?;
        let mut child = command.spawn().map_err(|e| {
            UserError::new(format!("could not run `{}`: {e}", self.display())).hint(INSTALL_HINT)
        })?;
        let mut stdin = child.stdin.take().expect("stdin was piped");
        // cargo may exit before reading (e.g. an unknown registry); its
        // exit status below says why, so a broken pipe here is not the error.
        let _ = stdin
            .write_all(token.expose().as_bytes())
            .and_then(|_| stdin.write_all(b"\n"));
        drop(stdin);
        let status = child.wait().context("failed to wait for cargo")?;
        if !status.success() {
            return Err(UserError::new(format!(
                "`cargo login --registry {registry}` failed ({status})"
            ))
            .hint("cargo's own message is above")
            .into());
        }
        Ok(())
    }

    /// Runs cargo with its output shown, the token (if any) in cargo's own
    /// environment variable, never on the command line.
    pub fn run_shown(
        &self,
        args: &[String],
        token_env: Option<(String, &Secret)>,
        shell: &Shell,
    ) -> Result<std::process::ExitStatus> {
        let args = match args.split_first() {
            Some((subcommand, rest)) => self.shown_args(subcommand, rest),
            None => Vec::new(),
        };
        shell.verbose(format!("running `{} {}`", self.display(), args.join(" ")));
        let mut command = self.command();
        command.args(&args).stdin(Stdio::null());
        if let Some((var, token)) = token_env {
            shell.verbose(format!("handing cargo the token through `{var}`"));
            command.env(var, token.expose());
        }
        command
            .status()
            .with_context(|| format!("could not run `{}`", self.display()))
    }

    /// `run_shown`, with a failed exit turned into an error.
    pub fn run_checked(
        &self,
        args: &[String],
        token_env: Option<(String, &Secret)>,
        shell: &Shell,
    ) -> Result<()> {
        let status = self.run_shown(args, token_env, shell)?;
        if !status.success() {
            return Err(
                UserError::new(format!("`{}` failed ({status})", self.command_line(args)))
                    .hint("cargo's own message is above")
                    .into(),
            );
        }
        Ok(())
    }

    /// `cargo` and every argument `run_shown` passes it, as a failure
    /// names the command: the whole of it, registry and packages included
    /// (a token never travels on the command line).
    fn command_line(&self, args: &[String]) -> String {
        let shown = match args.split_first() {
            Some((subcommand, rest)) => self.shown_args(subcommand, rest),
            None => Vec::new(),
        };
        let mut line = String::from("cargo");
        for arg in shown {
            line.push(' ');
            line.push_str(&arg);
        }
        line
    }

    /// `cargo yank --registry NAME name@version [--undo]`, cargo's own
    /// output shown; `Ok(false)` when cargo failed (its message is above).
    pub fn yank(
        &self,
        registry: &str,
        spec: &str,
        undo: bool,
        token_env: Option<(String, &Secret)>,
        shell: &Shell,
    ) -> Result<bool> {
        let mut args = vec![
            "yank".to_string(),
            "--registry".to_string(),
            registry.to_string(),
            spec.to_string(),
        ];
        if undo {
            args.push("--undo".to_string());
        }
        Ok(self.run_shown(&args, token_env, shell)?.success())
    }

    /// `cargo publish --dry-run` for `packages` (several at once from
    /// cargo 1.90, which verifies each against the others as packaged):
    /// cargo's own checks, and nothing uploaded.
    pub fn publish_checks(
        &self,
        registry: &str,
        packages: &[&str],
        flags: &[String],
        token_env: Option<(String, &Secret)>,
        shell: &Shell,
    ) -> Result<()> {
        let mut args = vec![
            "publish".to_string(),
            "--dry-run".to_string(),
            "--registry".to_string(),
            registry.to_string(),
        ];
        for package in packages {
            args.extend(["-p".to_string(), package.to_string()]);
        }
        args.extend(flags.iter().cloned());
        self.run_checked(&args, token_env, shell)
    }

    /// `cargo publish -p NAME` once its checks have passed: `--no-verify`,
    /// since the dry run built it already.
    pub fn publish_package(
        &self,
        registry: &str,
        package: &str,
        flags: &[String],
        token_env: Option<(String, &Secret)>,
        shell: &Shell,
    ) -> Result<()> {
        let mut args = vec![
            "publish".to_string(),
            "--registry".to_string(),
            registry.to_string(),
            "-p".to_string(),
            package.to_string(),
        ];
        args.extend(flags.iter().cloned());
        if !args.iter().any(|a| a == "--no-verify") {
            args.push("--no-verify".to_string());
        }
        self.run_checked(&args, token_env, shell)
    }

    /// The workspace, from `cargo metadata --no-deps`.
    pub fn workspace(&self, manifest_path: Option<&Path>) -> Result<crate::workspace::Metadata> {
        let args = ["metadata", "--format-version", "1", "--no-deps"];
        let mut command = self.command();
        command.args(args);
        if let Some(path) = manifest_path {
            command.arg("--manifest-path").arg(path);
        }
        let output = self
            .ask(&mut command, &args)
            .map_err(Unanswered::into_error)?;
        if !output.status.success() {
            return Err(UserError::new(format!(
                "`cargo metadata` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
            // Not every command has `--manifest-path` to suggest.
            .hint(match manifest_path {
                Some(_) => "check the manifest `--manifest-path` names",
                None => "run it from a package's directory",
            })
            .into());
        }
        crate::workspace::Metadata::parse(&output.stdout)
    }

    /// `cargo logout --registry NAME`.
    pub fn logout(&self, registry: &str, shell: &Shell) -> Result<()> {
        let args = ["logout", "--registry", registry].map(str::to_string);
        self.run_checked(&args, None, shell)
    }
}

/// `cargo -V` running on its thread, its answer shared: a dry run started
/// early waits for it (`answered`), the command takes it (`take`), in
/// either order. Dropped, it still waits for the thread: the process must
/// not end while that cargo runs, or a cargo that does not answer would be
/// left behind instead of stopped at its limit.
pub struct VersionCheck {
    answer: std::sync::Arc<(std::sync::Mutex<Answer>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Answer {
    /// Whether cargo answered a version the gate lets through; `Some`
    /// once it answered (or failed to).
    usable: Option<bool>,
    /// The answer itself, until taken.
    result: Option<Result<Version>>,
}

impl VersionCheck {
    fn start(cargo: Cargo) -> VersionCheck {
        let answer = std::sync::Arc::new((
            std::sync::Mutex::new(Answer::default()),
            std::sync::Condvar::new(),
        ));
        let shared = answer.clone();
        let thread = std::thread::spawn(move || {
            let result = cargo.version();
            let usable = matches!(&result, Ok(version) if gate(version) != Gate::TooOld);
            let (slot, ready) = &*shared;
            let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
            slot.usable = Some(usable);
            slot.result = Some(result);
            ready.notify_all();
        });
        VersionCheck {
            answer,
            thread: Some(thread),
        }
    }

    /// Waits for the answer; `f` looks at it.
    fn with_answer<T>(&self, f: impl FnOnce(&mut Answer) -> T) -> T {
        let (slot, ready) = &*self.answer;
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        // With a timeout: a thread that died before answering notifies no one.
        while guard.usable.is_none() && self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            guard = ready
                .wait_timeout(guard, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        f(&mut guard)
    }

    /// Whether cargo answered with a version the gate lets through: what
    /// an early dry run waits for, since a cargo that does not answer
    /// `-V` would block the dry run too, with no limit.
    pub fn answered(&self) -> bool {
        self.with_answer(|answer| answer.usable == Some(true))
    }

    /// The answer, once.
    pub fn take(&self) -> Result<Version> {
        self.with_answer(|answer| answer.result.take())
            .unwrap_or_else(|| Err(anyhow::anyhow!("`cargo -V` gave no answer")))
    }
}

impl Drop for VersionCheck {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads a child's pipe to its end on a thread of its own; the bytes come
/// on the channel (none for a pipe that was not there, or failed).
fn read_to_end_in_background(
    pipe: Option<impl Read + Send + 'static>,
) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = tx.send(bytes);
    });
    rx
}

/// Kills a question's cargo and whatever it started, then reaps it.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The group cargo leads (`process_group(0)`): its id is cargo's pid,
        // still ours while cargo is not reaped, and not reused while any
        // process of the group lives.
        if let Ok(group) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) takes plain integers; a group already gone
            // gives ESRCH, which changes nothing here.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `120 s`, `0.5 s`.
fn seconds(limit: Duration) -> String {
    let secs = limit.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

/// Errors below the minimum, warns below credential providers.
pub fn apply_gate(version: Version, shell: &Shell) -> Result<Version> {
    match gate(&version) {
        Gate::TooOld => Err(UserError::new(format!(
            "cargo {version} is too old: cnbcargo needs cargo {}.{} or later",
            MIN_VERSION.0, MIN_VERSION.1
        ))
        .hint("run `rustup update stable`, or set `CARGO` to a newer cargo")
        .into()),
        Gate::NoProviders => {
            shell.warn(format!(
                    "cargo {version}: credential providers and authenticated registries are stable only from cargo {}.{}",
                    PROVIDERS_VERSION.0, PROVIDERS_VERSION.1
                ));
            shell.hint("run `rustup update stable` if cargo cannot authenticate to the registry");
            Ok(version)
        }
        Gate::Ok => {
            shell.debug(format!("found cargo {version}"));
            Ok(version)
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    TooOld,
    NoProviders,
    Ok,
}

/// Pre-release versions (`1.74.0-nightly`) count as their release: a
/// nightly already has what its release will have.
pub fn gate(version: &Version) -> Gate {
    let v = (version.major, version.minor);
    if v < MIN_VERSION {
        Gate::TooOld
    } else if v < PROVIDERS_VERSION {
        Gate::NoProviders
    } else {
        Gate::Ok
    }
}

/// Parses `cargo 1.95.0 (f2d3ce0bd 2026-03-21)`, `cargo 1.96.0-beta.3 (...)`,
/// `cargo 1.97.0-nightly (...)`.
pub fn parse_version(output: &str) -> Result<Version, String> {
    let line = output.lines().next().unwrap_or_default().trim();
    let mut words = line.split_whitespace();
    if words.next() != Some("cargo") {
        return Err(format!(
            "expected `cargo <version>`, got `{}`",
            shorten(line)
        ));
    }
    let word = words
        .next()
        .ok_or_else(|| format!("no version in `{}`", shorten(line)))?;
    Version::parse(word).map_err(|e| format!("`{}` is not a version: {e}", shorten(word)))
}

fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() > MAX {
        format!("{}...", text.chars().take(MAX).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stable_beta_nightly() {
        let v = parse_version("cargo 1.95.0 (f2d3ce0bd 2026-03-21)\n").unwrap();
        assert_eq!(v, Version::new(1, 95, 0));
        let v = parse_version("cargo 1.96.0-beta.3 (abcdef012 2026-04-01)").unwrap();
        assert_eq!((v.major, v.minor, v.pre.as_str()), (1, 96, "beta.3"));
        let v = parse_version("cargo 1.97.0-nightly (abcdef012 2026-04-01)").unwrap();
        assert_eq!(v.pre.as_str(), "nightly");
        assert!(parse_version("cargo 1.73.0").is_ok());
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_version("").is_err());
        assert!(parse_version("rustc 1.95.0").is_err());
        assert!(parse_version("cargo").is_err());
        assert!(parse_version("cargo one.two").is_err());
        assert!(parse_version(&"x".repeat(10_000)).unwrap_err().len() < 200);
    }

    #[test]
    fn the_users_own_cargo_flags_win_over_the_passed_on_ones() {
        let mut cargo = Cargo::from_env();
        cargo.verbosity = Verbosity::Quiet;
        cargo.color = Some(false);
        let args = |user: &[&str]| {
            let user: Vec<String> = user.iter().map(|s| s.to_string()).collect();
            cargo.shown_args("publish", &user).join(" ")
        };
        assert_eq!(args(&["-p", "a"]), "publish --quiet --color never -p a");
        assert_eq!(args(&["-vv"]), "publish --color never -vv");
        assert_eq!(args(&["--color=always"]), "publish --quiet --color=always");
        assert_eq!(
            args(&["--verbose", "--color", "auto"]),
            "publish --verbose --color auto"
        );
    }

    #[test]
    fn a_failed_command_is_named_whole() {
        let mut cargo = Cargo::from_env();
        cargo.verbosity = Verbosity::Normal;
        cargo.color = None;
        let args: Vec<String> = ["publish", "--dry-run", "--registry", "cnb", "-p", "a"]
            .map(str::to_string)
            .to_vec();
        assert_eq!(
            cargo.command_line(&args),
            "cargo publish --dry-run --registry cnb -p a"
        );
        cargo.verbosity = Verbosity::Quiet;
        assert_eq!(
            cargo.command_line(&args[..4]),
            "cargo publish --quiet --dry-run --registry cnb"
        );
    }

    /// publish's early dry run may ask after the command took the answer
    /// (a slow thread start under load): both see it.
    #[test]
    fn the_version_answer_serves_the_dry_run_and_the_command_in_either_order() {
        let check = Cargo::from_env().version_in_background();
        assert!(check.take().is_ok());
        assert!(check.answered());
        assert!(check.take().is_err());
        let check = Cargo::from_env().version_in_background();
        assert!(check.answered());
        assert!(check.take().is_ok());
    }

    #[test]
    fn gate_thresholds() {
        let g = |s: &str| gate(&Version::parse(s).unwrap());
        assert_eq!(g("1.72.1"), Gate::TooOld);
        assert_eq!(g("1.73.0"), Gate::NoProviders);
        assert_eq!(g("1.73.0-nightly"), Gate::NoProviders);
        assert_eq!(g("1.74.0-nightly"), Gate::Ok);
        assert_eq!(g("1.95.0"), Gate::Ok);
        assert_eq!(g("2.0.0"), Gate::Ok);
        assert_eq!(g("0.99.0"), Gate::TooOld);
    }

    proptest::proptest! {
        #[test]
        fn version_parsing_never_panics(output in "\\PC{0,100}") {
            let _ = parse_version(&output);
        }

        #[test]
        fn real_version_lines_parse(major in 1u64..3, minor in 0u64..200, patch in 0u64..10, channel in "(|-beta\\.[0-9]|-nightly)") {
            let line = format!("cargo {major}.{minor}.{patch}{channel} (abcdef012 2026-01-01)");
            proptest::prop_assert!(parse_version(&line).is_ok());
        }
    }
}
