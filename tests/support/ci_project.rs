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
    cmd.args([
        "-c",
        "user.name=cnbcargo tests",
        "-c",
        "user.email=tests@cnbcargo.invalid",
        "-c",
        "init.defaultBranch=main",
    ])
    .args(args)
    .env("GIT_CONFIG_NOSYSTEM", "1")
    .current_dir(dir);
    assert_success(&run(&mut cmd));
}

/// Makes `env`'s project one the pipeline can work in: crate `app`, the
/// registry `cnb` in `project/.cargo/config.toml`, a git repository
/// tracking that file; git run by `cnbcargo` reads no system config.
pub fn ci_project(env: &mut TestEnv) {
    ci_project_without_install(env);
    // The running cnbcargo "installed" from a git commit, which `ci` can
    // pin (a path install, as these tests' binary is, is refused).
    record_git_install(env);
}

/// `ci_project` with no record of how cnbcargo was installed.
pub fn ci_project_without_install(env: &mut TestEnv) {
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

/// The running cnbcargo's version, as its install record must name it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the fabricated git installs are recorded at.
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// The line a git install of cnbcargo at `SHA` gives.
pub const GIT_INSTALL: &str = "cargo install --locked --git https://cnb.cool/acme/cnbcargo --rev 0123456789abcdef0123456789abcdef01234567 cnbcargo";

/// Records, as `cargo install` would, that cnbcargo `version` came from
/// `source` (a source id), beside another crate's record.
pub fn record_install_of(env: &TestEnv, version: &str, source: &str) {
    let record = serde_json::json!({
        "installs": {
            "ripgrep 14.1.0 (registry+https://github.com/rust-lang/crates.io-index)": {
                "version_req": null, "bins": ["rg"], "features": [],
                "all_features": false, "no_default_features": false,
                "profile": "release", "target": "x86_64-unknown-linux-gnu",
                "rustc": "rustc 1.91.0"
            },
            format!("cnbcargo {version} ({source})"): {
                "version_req": null, "bins": ["cargo-cnb", "cnbcargo"], "features": [],
                "all_features": false, "no_default_features": false,
                "profile": "release", "target": "x86_64-unknown-linux-gnu",
                "rustc": "rustc 1.91.0"
            }
        }
    });
    env.write("cargo-home/.crates2.json", &record.to_string());
}

/// `record_install_of` the running version.
pub fn record_install(env: &TestEnv, source: &str) {
    record_install_of(env, VERSION, source);
}

/// A git install at `SHA`, as `cargo install --git URL --branch main` records it.
pub fn record_git_install(env: &TestEnv) {
    record_install(
        env,
        &format!("git+https://cnb.cool/acme/cnbcargo?branch=main#{SHA}"),
    );
}
