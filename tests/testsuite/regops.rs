//! `list`, `yank` and `delete` of what the registry does not hold: a
//! crate name it lacks gets the names it holds that look alike, and a
//! version it lacks is refused before anything is asked of cargo.

use crate::support::pty::Pty;
use crate::support::*;

fn registry_with(crates: &[(&str, &str)]) -> TestRegistry {
    let registry = TestRegistry::builder().token("tok").start();
    for (name, version) in crates {
        registry.add_version(name, version);
    }
    registry
}

#[test]
fn a_mistyped_crate_name_gets_the_close_names_the_registry_holds() {
    let registry = registry_with(&[
        ("my-crate", "0.1.0"),
        ("my-crates", "0.1.0"),
        ("unrelated", "1.0.0"),
    ]);
    let env = logged_in_env(&registry, "tok");

    let out = run(env.cnbcargo().args(["list", "my-crat"]));
    assert_failure(&out, 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: `my-crat` is not in `cnb-cargo-repo`\n\
         \n\
         hint: did you mean `my-crate` or `my-crates`?\n\
         hint: `cnbcargo list` shows the registry's own crates\n"
    );

    for command in ["yank", "delete"] {
        let out = run(env
            .cnbcargo()
            .args([command, "MY_CRATE@0.1.0", "--dry-run"]));
        assert_failure(&out, 1);
        assert_eq!(
            stderr(&out),
            "error: `MY_CRATE` has no versions in `cnb-cargo-repo`\n\
             \n\
             hint: did you mean `my-crate` or `my-crates`?\n\
             hint: check the crate name; `cnbcargo list` shows the registry's crates\n",
            "{command}"
        );
    }
    // Nothing close: no guess, the plain error.
    let out = run(env.cnbcargo().args(["delete", "zzzzzz@0.1.0", "--yes"]));
    assert_failure(&out, 1);
    assert_eq!(
        stderr(&out),
        "error: `zzzzzz` has no versions in `cnb-cargo-repo`\n\
         \n\
         hint: check the crate name; `cnbcargo list` shows the registry's crates\n"
    );
    assert!(registry.requests().iter().all(|r| r.method == "GET"));
}

/// The guess is a bonus: a package list that cannot be read leaves the
/// error as it was.
#[test]
fn no_guess_when_the_package_list_fails() {
    let registry = registry_with(&[("my-crate", "0.1.0")]);
    let env = logged_in_env(&registry, "tok");
    registry.fail_next("packages?", 100, 500);
    let out = run(env.cnbcargo().args(["list", "my-crat"]));
    assert_failure(&out, 1);
    assert_eq!(
        stderr(&out),
        "error: `my-crat` is not in `cnb-cargo-repo`\n\
         \n\
         hint: `cnbcargo list` shows the registry's own crates\n"
    );
}

/// `yank` checks the version list as `delete` does: a version the
/// registry lacks is refused, in the same words, and cargo is not run.
#[test]
fn yank_of_a_missing_version_is_refused_before_cargo() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("held-0.1.0", "held", "0.1.0", "");
    assert_success(&run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(&lib)));
    registry.clear_log();

    let out = run(env.cnbcargo().args(["yank", "held@0.2.0"]));
    assert_failure(&out, 1);
    let expected =
        "error: `held@0.2.0` matches no version in `cnb-cargo-repo` (it has 1 version: 0.1.0)\n";
    assert_eq!(stderr(&out), expected);
    let out = run(env.cnbcargo().args(["delete", "held@0.2.0", "--yes"]));
    assert_failure(&out, 1);
    assert_eq!(stderr(&out), expected);
    assert!(
        registry.requests().iter().all(|r| !r.url.contains("/yank")),
        "{:?}",
        registry.requests()
    );
    assert_eq!(registry.versions("held"), [("0.1.0".into(), false)]);

    // An exact version the registry holds is yanked, and said in words.
    let out = run(env.cnbcargo().args(["yank", "held@0.1.0", "--dry-run"]));
    assert_success(&out);
    assert_eq!(
        stderr(&out),
        "  Would yank held@0.1.0\nnote: dry run: nothing was yanked (1 version selected)\n"
    );
    let out = run(env.cnbcargo().args(["yank", "held@0.1.0"]));
    assert_success(&out);
    assert_eq!(registry.versions("held"), [("0.1.0".into(), true)]);
}

/// Deleting one whole crate of one version says so in the singular.
#[test]
fn delete_counts_in_words() {
    let registry = registry_with(&[("single", "0.1.0"), ("double", "0.1.0")]);
    registry.add_version("double", "0.2.0");
    let env = logged_in_env(&registry, "tok");
    let out = run(env
        .cnbcargo()
        .args(["delete", "single", "double", "--all", "--dry-run"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains(
            "Would delete single (the whole package, 1 version)\n\
             Would delete double (the whole package, 2 versions)\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out)
            .contains("dry run: nothing was deleted (2 whole crates (3 versions) selected)\n"),
        "{}",
        stderr(&out)
    );
}

/// On a terminal, `migrate` draws a bar while it copies; every line said
/// meanwhile goes above it, and the bar is off the screen (the line
/// cleared) before the summary, so no half-drawn bar stays in the
/// scrollback.
#[test]
fn migrate_clears_its_bar_before_the_summary() {
    let source = TestRegistry::builder()
        .slug("old/src")
        .token("src-tok")
        .start();
    let dest = TestRegistry::builder().token("tok").start();
    for version in ["0.1.0", "0.2.0", "0.3.0"] {
        source.add_real_crate("barred", version, version.as_bytes());
    }
    // Slow enough that the bar is drawn at least once.
    dest.set_latency(std::time::Duration::from_millis(150));
    let mut env = logged_in_env(&dest, "tok");
    env.env("CNBCARGO_FROM_TOKEN", "src-tok");
    let url = source.index_url();
    // indicatif draws nothing where `TERM` is unset.
    let pty = Pty::spawn(
        env.cnbcargo()
            .env("TERM", "xterm")
            .args(["migrate", "--from", &url, "barred"]),
    );
    let (status, screen) = pty.wait();
    assert!(status.success(), "{screen}");
    let summary = screen
        .find("Migrated 3 versions into `cnb-cargo-repo`")
        .unwrap_or_else(|| panic!("{screen:?}"));
    let drawn = screen[..summary]
        .rfind("Copying [")
        .unwrap_or_else(|| panic!("no bar drawn: {screen:?}"));
    // After the bar's last drawing, its line is cleared before the summary.
    assert!(screen[drawn..summary].contains("\x1b[2K"), "{screen:?}");
    assert_eq!(
        screen[summary..].matches("Copying [").count(),
        0,
        "{screen:?}"
    );
    assert_eq!(dest.version_names("barred").len(), 3);
}

/// A yank cargo fails is counted in words, the others done.
#[test]
fn a_failed_yank_is_named_and_the_others_done() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    for version in ["0.1.0", "0.2.0"] {
        let lib = env.new_crate(&format!("pair-{version}"), "pair", version, "");
        assert_success(&run(env
            .cargo()
            .args(["publish", "--no-verify"])
            .current_dir(&lib)));
    }
    registry.fail_next("/pair/0.2.0/yank", 1, 403);
    let out = run(env.cnbcargo().args(["yank", "pair@<1"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).ends_with(
            "error: could not yank 1 of 2 versions: pair@0.2.0\n\nhint: cargo's own messages are above\n"
        ),
        "{}",
        stderr(&out)
    );
    let mut held = registry.versions("pair");
    held.sort();
    assert_eq!(held, [("0.1.0".into(), true), ("0.2.0".into(), false)]);
}
