//! `init` where there is no package: the config is still written where
//! asked (the current directory's `.cargo/`), and `init` says that cargo
//! reads it only for projects under that directory.

use crate::support::*;

const URL: &str = "https://cargo.cnb.cool/acme/crates/-/packages/";

fn note(dir: &std::path::Path) -> String {
    format!(
        "note: no `Cargo.toml` here or above: cargo reads this file only for projects under `{}`\n\
         hint: run `cnbcargo init` in a project's directory to configure that project, or pass `--global` to configure every project\n",
        dir.display()
    )
}

/// The whole message, in its place: after what was written, before what
/// to do next.
#[test]
fn init_outside_a_package_writes_and_says_where_cargo_reads_the_file() {
    let env = TestEnv::new();
    let out = run(env.cnbcargo().args(["init", URL]));
    assert_success(&out);
    let config = env.project().join(".cargo/config.toml");
    assert!(
        env.read("project/.cargo/config.toml")
            .contains(&format!("index = \"sparse+{URL}\"")),
        "{}",
        env.read("project/.cargo/config.toml")
    );
    assert_eq!(
        stderr(&out),
        format!(
            "     Created {}\n\
             \x20      Added registry `cnb-cargo-repo` with index `sparse+{URL}`\n\
             \x20      Added `registry.default = \"cnb-cargo-repo\"`\n\
             \x20      Added `cargo:token` to `registry.global-credential-providers`\n\
             {}\
             hint: run `cnbcargo login --registry cnb-cargo-repo` to give cargo your CNB token\n",
            config.display(),
            note(&env.project()),
        )
    );
    // Run again: nothing changes, and nothing more is said.
    let again = run(env.cnbcargo().args(["init", URL]));
    assert_success(&again);
    assert_eq!(
        stderr(&again),
        format!(
            "       Fresh `{}` already configures `cnb-cargo-repo` (sparse+{URL})\n",
            config.display()
        )
    );
}

/// A dry run says it too (it is where the file would go), and writes
/// nothing.
#[test]
fn a_dry_run_outside_a_package_says_so_and_writes_nothing() {
    let env = TestEnv::new();
    let out = run(env.cnbcargo().args(["init", "--dry-run", URL]));
    assert_success(&out);
    assert!(!env.project().join(".cargo").exists());
    assert!(
        stderr(&out).ends_with(&format!(
            "note: dry run: nothing was written\n{}",
            note(&env.project())
        )),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("+[registries.cnb-cargo-repo]"));
}

/// In a package (from its directory or one below it), or with
/// `--global`, there is nothing to say.
#[test]
fn inside_a_package_or_global_there_is_no_note() {
    let env = TestEnv::new();
    env.write(
        "project/Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    env.write("project/src/lib.rs", "");
    let out = run(env
        .cnbcargo()
        .args(["init", URL])
        .current_dir(env.project().join("src")));
    assert_success(&out);
    assert!(env.project().join(".cargo/config.toml").exists());
    assert!(!stderr(&out).contains("Cargo.toml"), "{}", stderr(&out));

    let env = TestEnv::new();
    let out = run(env.cnbcargo().args(["init", "--global", URL]));
    assert_success(&out);
    assert!(env.cargo_home().join("config.toml").exists());
    assert!(!env.project().join(".cargo").exists());
    assert!(!stderr(&out).contains("Cargo.toml"), "{}", stderr(&out));
}
