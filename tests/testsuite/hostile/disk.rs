//! A hostile machine: FIFOs and directories where config files belong,
//! stray temp files of a killed run, parallel `init`s into one file, and a
//! dangling config symlink.

use std::process::Output;
use std::time::Duration;

use crate::support::*;

/// Runs `args` where a FIFO stands at `fifo`; it must be refused, not opened.
fn fifo_refused(fifo: &str, args: &[&str], shown: &str) {
    fifo_refused_in(|_| {}, fifo, args, shown);
}

/// `fifo_refused` in a project `setup` made first.
fn fifo_refused_in(setup: fn(&mut TestEnv), fifo: &str, args: &[&str], shown: &str) {
    let mut env = TestEnv::new();
    setup(&mut env);
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

#[test]
fn fifo_as_cnb_yaml_is_refused() {
    // `--install`: the FIFO, not a missing install record, is what is refused.
    fifo_refused_in(
        ci_project,
        ".cnb.yaml",
        &["ci", "--install", "true"],
        ".cnb.yaml",
    );
}

#[test]
fn directory_as_cargo_config_is_refused() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.project().join(".cargo/config.toml")).unwrap();
    let out = cnbcargo_bounded(&env, &["init", "acme/crates"]);
    assert_exit(&out, 1);
    assert_stderr_has(&out, &[".cargo/config.toml", "not a regular file"]);
}

#[test]
fn init_removes_stray_temp_files() {
    let env = TestEnv::new();
    env.write("project/.cargo/config.toml", "[net]\nretry = 1\n");
    stray_temp_file(&env.project().join(".cargo/.cnbcargo-AbC123.tmp"));
    let out = cnbcargo_bounded(&env, &["init", "acme/crates"]);
    assert_exit(&out, 0);
    let left = temp_files(&env.project().join(".cargo"));
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn ci_removes_stray_temp_files() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    env.write(
        "project/.cnb.yaml",
        "main:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n",
    );
    stray_temp_file(&env.project().join(".cnbcargo-XyZ789.tmp"));
    let out = cnbcargo_bounded(&env, &["ci"]);
    assert_exit(&out, 0);
    let left = temp_files(&env.project());
    assert!(left.is_empty(), "left behind: {left:?}");
}

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
    let out = cnbcargo_bounded(&env, &["list", "dangling"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("0.1.0"), "{}", stdout(&out));
    drop(registry);
}
