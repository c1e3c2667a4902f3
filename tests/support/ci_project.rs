//! A project `cnbcargo ci` accepts: a crate, a CNB registry in the
//! project's `.cargo/config.toml`, and that file tracked by git.

use std::path::Path;

use super::{TestEnv, assert_success, run};

/// The CNB-shaped index the project's registry `cnb` names (never asked:
/// `ci` only writes a file).
pub const CI_INDEX: &str = "sparse+https://cargo.cnb.cool/acme/crates/-/packages/";

/// Runs git sealed from the machine's and the user's git config, in `dir`.
pub fn git(env: &TestEnv, dir: &Path, args: &[&str]) {
    let mut cmd = env.command("git");
    cmd.args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .current_dir(dir);
    assert_success(&run(&mut cmd));
}

/// Makes `env`'s project one the pipeline can work in: crate `app`, the
/// registry `cnb` in `project/.cargo/config.toml`, a git repository
/// tracking that file; git run by `cnbcargo` reads no system config.
pub fn ci_project(env: &mut TestEnv) {
    env.env("GIT_CONFIG_NOSYSTEM", "1");
    env.write(
        "project/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    env.write("project/src/lib.rs", "");
    env.write(
        "project/.cargo/config.toml",
        &format!("[registries.cnb]\nindex = \"{CI_INDEX}\"\n"),
    );
    let project = env.project();
    git(env, &project, &["init", "-q"]);
    git(env, &project, &["add", ".cargo/config.toml"]);
}
