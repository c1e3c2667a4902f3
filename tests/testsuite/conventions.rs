//! What a cargo user expects of the command line: `--color`, `-q` that
//! quiets cargo too, `cargo cnb`, completions that know the registries and
//! packages, and one table of exit codes.

use std::path::PathBuf;

use crate::support::*;

fn has_escape(text: &str) -> bool {
    text.contains('\x1b')
}

#[test]
fn color_follows_the_flag_then_no_color_then_cargo_term_color() {
    let env = TestEnv::new();
    let init = |env: &TestEnv, flags: &[&str], vars: &[(&str, &str)]| {
        let mut cmd = env.cnbcargo();
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = run(cmd.args(flags).args(["init", "--dry-run", "acme/crates"]));
        assert_success(&out);
        stderr(&out)
    };
    // The sealed environment has `CARGO_TERM_COLOR=never`: the flag wins.
    assert!(has_escape(&init(&env, &["--color", "always"], &[])));
    assert!(has_escape(&init(
        &env,
        &["--color=always"],
        &[("NO_COLOR", "1")]
    )));
    assert!(!has_escape(&init(
        &env,
        &["--color", "never"],
        &[("CARGO_TERM_COLOR", "always")]
    )));
    assert!(!has_escape(&init(
        &env,
        &[],
        &[("CARGO_TERM_COLOR", "always"), ("NO_COLOR", "1")]
    )));
    assert!(has_escape(&init(
        &env,
        &[],
        &[("CARGO_TERM_COLOR", "always")]
    )));
    // Not a terminal: `auto` means no colour.
    assert!(!has_escape(&init(&env, &["--color", "auto"], &[])));

    let out = run(env.cnbcargo().args(["--color", "sometimes", "list"]));
    assert_failure(&out, 2);
    assert!(stderr(&out).contains("[possible values: auto, always, never]"));
}

#[test]
fn quiet_and_verbose_and_color_reach_the_cargo_that_runs() {
    let registry = TestRegistry::builder().token("tok").start();
    let mut env = logged_in_env(&registry, "tok");
    let (wrapper, logs) = recording_cargo(&env);
    env.env("CARGO", &wrapper);
    let out = run(env.cnbcargo().args(["-vv", "--color", "always", "logout"]));
    assert_success(&out);
    let out = run(env.cnbcargo().args(["-q", "logout"]));
    assert_success(&out);
    // cargo reads `CARGO_TERM_COLOR` itself, not `NO_COLOR`: that one is
    // passed on.
    let out = run(env.cnbcargo().env("NO_COLOR", "1").arg("logout"));
    assert_success(&out);
    let argv = std::fs::read_to_string(logs.join("argv.log")).unwrap();
    assert!(
        argv.contains("logout --verbose --verbose --color always --registry cnb-cargo-repo\n"),
        "{argv}"
    );
    assert!(
        argv.contains("logout --quiet --registry cnb-cargo-repo\n"),
        "{argv}"
    );
    assert!(
        argv.contains("logout --color never --registry cnb-cargo-repo\n"),
        "{argv}"
    );
}

#[test]
fn quiet_prints_only_errors_from_cnbcargo_and_cargo() {
    let env = TestEnv::new();
    let out = run(env.cnbcargo().args(["-q", "init", "acme/crates"]));
    assert_success(&out);
    assert_eq!(stderr(&out), "");

    // A whole publish past the proxy: cargo's packaging and upload lines
    // included, nothing is printed.
    let (registry, env, lib) = colliding_crate("hushed", "1.0.0");
    let out = run(env.cnbcargo().args(["-q", "publish"]).current_dir(&lib));
    assert_success(&out);
    assert_eq!(stderr(&out), "");
    assert_eq!(stdout(&out), "");
    assert_eq!(registry.versions("hushed"), [("1.0.0".to_string(), false)]);

    // Errors still are.
    let out = run(env.cnbcargo().args(["-q", "list", "nothere"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).starts_with("error: `nothere` is not in"),
        "{}",
        stderr(&out)
    );
}

/// Real `cargo cnb ARGS`, with `cargo-cnb` (built next to `cnbcargo`)
/// first on `PATH`.
fn cargo_cnb(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let plugin = PathBuf::from(env!("CARGO_BIN_EXE_cargo-cnb"));
    let path = path_with(&[plugin.parent().unwrap()]);
    run(env.cargo().env("PATH", path).arg("cnb").args(args))
}

#[test]
fn cargo_cnb_runs_the_same_commands() {
    let env = TestEnv::new();
    let out = cargo_cnb(&env, &["init", "--dry-run", "acme/crates"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains("+index = \"sparse+https://cargo.cnb.cool/acme/crates/-/packages/\""),
        "{}",
        stdout(&out)
    );
    let out = cargo_cnb(&env, &["--help"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains("Usage: cargo cnb [OPTIONS] <COMMAND>"),
        "{}",
        stdout(&out)
    );
    let out = cargo_cnb(&env, &["lisst"]);
    assert_failure(&out, 2);
    assert!(
        stderr(&out).contains("Usage: cargo cnb"),
        "{}",
        stderr(&out)
    );
}

/// What the completion script gets back for a command line being typed.
fn complete(env: &TestEnv, dir: &std::path::Path, words: &[&str]) -> Vec<String> {
    let out = run(env
        .cnbcargo()
        .env("CNBCARGO_COMPLETE", "fish")
        .current_dir(dir)
        .arg("--")
        .args(words));
    assert_success(&out);
    stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

#[test]
fn completion_offers_registry_names_and_workspace_packages() {
    let env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", "acme/crates"])));
    assert_success(&run(env.cnbcargo().args([
        "init",
        "--no-default",
        "--name",
        "corp",
        "https://registry.example.com/index/",
    ])));
    env.write(
        "project/Cargo.toml",
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    );
    env.new_crate("alpha", "alpha", "0.1.0", "");
    env.new_crate("beta", "beta", "0.2.0", "");
    let project = env.project();

    let mut names = complete(&env, &project, &["cnbcargo", "publish", "--registry", ""]);
    names.sort();
    assert_eq!(names, ["cnb-cargo-repo", "corp"]);
    assert_eq!(
        complete(&env, &project, &["cnbcargo", "login", "--registry", "co"]),
        ["corp"]
    );
    let mut packages = complete(&env, &project, &["cnbcargo", "publish", "-p", ""]);
    packages.sort();
    assert_eq!(packages, ["alpha", "beta"]);
    assert_eq!(
        complete(&env, &project, &["cnbcargo", "publish", "--exclude", "b"]),
        ["beta"]
    );

    // Every shell's script calls cnbcargo back; nushell is among them.
    for shell in ["bash", "zsh", "fish", "powershell", "elvish", "nushell"] {
        let out = run(env.cnbcargo().args(["completions", shell]));
        assert_success(&out);
        assert!(
            stdout(&out).contains("CNBCARGO_COMPLETE"),
            "{shell}: {}",
            stdout(&out)
        );
    }
    let out = run(env.cnbcargo().args(["completions", "nushell"]));
    assert!(
        stdout(&out).contains("CNBCARGO_COMPLETE=nushell ^\"cnbcargo\" --"),
        "{}",
        stdout(&out)
    );
    let out = run(env
        .cnbcargo()
        .env("CNBCARGO_COMPLETE", "nushell")
        .args(["--", "cnbcargo", "doctor", "--off"]));
    assert_eq!(
        stdout(&out),
        "--offline\tSkip the checks that use the network\n"
    );
}

/// A repository's config naming registries with terminal escapes and
/// newlines: bash, fish and PowerShell are offered only the name cargo
/// would accept, with no control character on the way.
#[test]
fn completion_offers_only_valid_registry_names() {
    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        "[registries.\"evil\\u001b]0;X\\u0007\"]\nindex = \"sparse+https://a.example/\"\n\
         [registries.\"two\\nlines\"]\nindex = \"sparse+https://b.example/\"\n\
         [registries.\"1st\"]\nindex = \"sparse+https://c.example/\"\n\
         [registries.good-one]\nindex = \"sparse+https://d.example/\\u001b[31m\"\n",
    );
    for shell in ["bash", "fish", "powershell"] {
        let out = run(env
            .cnbcargo()
            .env("CNBCARGO_COMPLETE", shell)
            .env("_CLAP_COMPLETE_INDEX", "3")
            .args(["--", "cnbcargo", "publish", "--registry", ""]));
        assert_success(&out);
        assert!(
            !out.stdout
                .iter()
                .any(|b| b.is_ascii_control() && !b"\n\t".contains(b)),
            "{shell}: {:?}",
            stdout(&out)
        );
        let names: Vec<String> = stdout(&out)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        assert_eq!(names, ["good-one"], "{shell}: {:?}", stdout(&out));
    }
}

/// `-p` candidates come from `cargo metadata`; a name there carrying
/// escapes (a `cargo` that is not cargo) reaches no shell.
#[test]
fn completion_offers_no_escapes_from_cargo_metadata() {
    let mut env = TestEnv::new();
    let answer = env.path().join("metadata.json");
    let cargo = fake_cargo(&env, &format!("cat '{}'\n", answer.display()));
    env.env("CARGO", &cargo);
    let root = env.project().display().to_string();
    let member = |name: &str, version: &str| {
        format!(
            "{{\"name\":\"{name}\",\"version\":\"{version}\",\"id\":\"{name}\",\"manifest_path\":\"{root}/{name}/Cargo.toml\"}}"
        )
    };
    let complete = |shell: &str| {
        let out = run(env
            .cnbcargo()
            .env("CNBCARGO_COMPLETE", shell)
            .env("_CLAP_COMPLETE_INDEX", "3")
            .args(["--", "cnbcargo", "publish", "-p", ""]));
        assert_success(&out);
        out
    };
    // The fake cargo's answer is read: a plain member is offered.
    let good = member("good", "0.1.0");
    std::fs::write(
        &answer,
        format!("{{\"packages\":[{good}],\"workspace_root\":\"{root}\"}}"),
    )
    .unwrap();
    assert_eq!(stdout(&complete("bash")).trim(), "good");
    let evil = member("evil\\u001b]0;X\\u0007\\nhint", "0.1.0\\u001b[31m");
    std::fs::write(
        &answer,
        format!("{{\"packages\":[{good},{evil}],\"workspace_root\":\"{root}\"}}"),
    )
    .unwrap();
    for shell in ["bash", "fish", "powershell"] {
        let out = complete(shell);
        assert!(
            !out.stdout
                .iter()
                .any(|b| b.is_ascii_control() && !b"\n\t".contains(b)),
            "{shell}: {:?}",
            stdout(&out)
        );
        assert!(
            !stdout(&out).contains("evil") && !stdout(&out).contains("hint"),
            "{shell}: {:?}",
            stdout(&out)
        );
    }
}

/// A completion variable that does not name a shell, or a `COMPLETE`
/// meant for another program, leaves the command to run as usual.
#[test]
fn a_stray_completion_variable_changes_nothing() {
    let env = TestEnv::new();
    for (var, value) in [
        ("COMPLETE", "bash"),
        ("COMPLETE", "1"),
        ("CNBCARGO_COMPLETE", "1"),
        ("CNBCARGO_COMPLETE", "true"),
    ] {
        let out = run(env.cnbcargo().env(var, value).args(["list", "--bogus"]));
        assert_failure(&out, 2);
        assert!(
            stderr(&out).contains("unexpected argument '--bogus'"),
            "{var}={value}"
        );
    }
    // Without `--`, even a shell's name is no request.
    let out = run(env
        .cnbcargo()
        .env("CNBCARGO_COMPLETE", "bash")
        .args(["list", "--bogus"]));
    assert_failure(&out, 2);
}

#[test]
fn exit_codes_are_in_the_help_and_hold() {
    let env = TestEnv::new();
    let out = run(env.cnbcargo().arg("--help"));
    assert_success(&out);
    let help = stdout(&out);
    for line in [
        "Exit status:",
        "  0  success",
        "  1  the command failed",
        "  2  bad usage",
    ] {
        assert!(help.contains(line), "{line}: {help}");
    }
    // The top-level help says what every command is for, and `cargo cnb`.
    for command in [
        "init",
        "login",
        "publish",
        "delete",
        "yank",
        "list",
        "doctor",
        "ci",
        "cargo cnb",
    ] {
        assert!(help.contains(&format!("`{command}")), "{command}: {help}");
    }
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/exit-codes.md"),
    )
    .unwrap();
    assert!(docs.contains("| 2 | bad usage"), "{docs}");

    // `yank --all` is described for yank, not as delete's.
    let out = run(env.cnbcargo().args(["yank", "--help"]));
    assert!(!stdout(&out).contains("delete"), "{}", stdout(&out));
    assert!(stdout(&out).contains("--dry-run"), "{}", stdout(&out));

    assert_failure(&run(env.cnbcargo().arg("no-such-command")), 2);
    assert_failure(
        &run(env.cnbcargo().args(["init", "--name", "bad name!", "a/b"])),
        2,
    );
    assert_failure(&run(env.cnbcargo().args(["list", "nothere"])), 1);
}
