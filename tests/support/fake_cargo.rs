//! Scripts standing in for cargo (`CARGO` pointed at them), written to
//! the test's `bin/cargo`: one that records what it was asked and runs the
//! real cargo, one that claims another version, one that fails, one that
//! never answers. Unix shell scripts.

use std::path::{Path, PathBuf};

use super::{TestEnv, real_cargo, write_script};

/// Where the fake cargo goes: `bin/cargo` in the test's directory.
pub fn fake_cargo_path(env: &TestEnv) -> PathBuf {
    env.path().join("bin/cargo")
}

/// A `cargo` running `body` (a shell script), returned for `CARGO`.
pub fn fake_cargo(env: &TestEnv, body: &str) -> PathBuf {
    let script = fake_cargo_path(env);
    write_script(&script, body);
    script
}

/// A `cargo` that records every argv, and the stdin of `cargo login`, in
/// `logs/` (`argv.log`, `stdin.log`) before running the real cargo.
/// Returns (wrapper, logs).
pub fn recording_cargo(env: &TestEnv) -> (PathBuf, PathBuf) {
    let logs = env.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let wrapper = fake_cargo(
        env,
        &format!(
            "printf '%s\\n' \"$*\" >> '{logs}/argv.log'\n\
             if [ \"$1\" = login ]; then tee -a '{logs}/stdin.log' | '{cargo}' \"$@\"; exit $?; fi\n\
             exec '{cargo}' \"$@\"\n",
            logs = logs.display(),
            cargo = real_cargo().display()
        ),
    );
    (wrapper, logs)
}

/// The command lines a `recording_cargo` (or `cargo_claiming`'s `logs`)
/// recorded, without the output flags cnbcargo passes on to cargo
/// (`--quiet`, `--verbose`, `--color WHEN`).
pub fn recorded_commands(logs: &Path) -> Vec<String> {
    let argv = std::fs::read_to_string(logs.join("argv.log")).unwrap();
    argv.lines()
        .map(|line| {
            let mut words = Vec::new();
            let mut iter = line.split(' ');
            while let Some(word) = iter.next() {
                match word {
                    "--quiet" | "--verbose" => {}
                    "--color" => {
                        iter.next();
                    }
                    _ => words.push(word),
                }
            }
            words.join(" ")
        })
        .collect()
}

/// A `cargo` that answers `cargo -V` with `version_line` and runs the real
/// cargo for anything else, recording each argv in `logs/argv.log` when
/// `logs` is given.
///
/// `cargo login` reads the token before the real cargo starts, and gives
/// up without one, so that it prints nothing before it has the token.
pub fn cargo_claiming(env: &TestEnv, version_line: &str, logs: Option<&Path>) -> PathBuf {
    let record = match logs {
        Some(logs) => {
            std::fs::create_dir_all(logs).unwrap();
            format!("printf '%s\\n' \"$*\" >> '{}/argv.log'\n", logs.display())
        }
        None => String::new(),
    };
    fake_cargo(
        env,
        &format!(
            "if [ \"$1\" = -V ]; then echo '{version_line}'; exit 0; fi\n\
             {record}\
             if [ \"$1\" = login ]; then\n\
             \x20 token=$(cat); [ -n \"$token\" ] || exit 1\n\
             \x20 printf '%s\\n' \"$token\" | '{cargo}' \"$@\"; exit $?\n\
             fi\n\
             exec '{cargo}' \"$@\"\n",
            cargo = real_cargo().display()
        ),
    )
}

/// A `cargo` that is the real one for `cargo -V` and otherwise prints
/// `error_line` on stderr and exits with `code`.
pub fn failing_cargo(env: &TestEnv, error_line: &str, code: i32) -> PathBuf {
    fake_cargo(
        env,
        &format!(
            "if [ \"$1\" = -V ]; then exec '{}' -V; fi\necho '{error_line}' >&2\nexit {code}\n",
            real_cargo().display()
        ),
    )
}

/// A `cargo` that never answers, and starts a child that never ends
/// either, both writing their pid to `pids`. Returns (script, pids).
pub fn hanging_cargo(env: &TestEnv) -> (PathBuf, PathBuf) {
    let pids = env.path().join("pids");
    let script = fake_cargo(
        env,
        &format!(
            "echo $$ >> '{pids}'\nsleep 300 &\necho $! >> '{pids}'\nwait\n",
            pids = pids.display()
        ),
    );
    (script, pids)
}
