//! Projects set up the way most tests start: configured with `init`,
//! logged in, holding versions, or with a `.cargo/config.toml` written by
//! hand.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::{TestEnv, TestRegistry, assert_success, run};

/// A project configured for `registry` with `cnbcargo init`.
pub fn configured_env(registry: &TestRegistry) -> TestEnv {
    let env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env
}

/// A project configured for `registry` (`init`) and logged in (`login`
/// from `CNB_TOKEN`), with `CNB_API_ENDPOINT` pointing at the registry's
/// OpenAPI and `CNB_TOKEN` set for the API; the request log starts empty.
pub fn logged_in_env(registry: &TestRegistry, token: &str) -> TestEnv {
    let mut env = TestEnv::new();
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    env.env("CNB_TOKEN", token)
        .env("CNB_API_ENDPOINT", registry.api_url());
    assert_success(&run(env.cnbcargo().arg("login")));
    // The tests look at what their own commands sent, not the set-up's
    // (login's token check included).
    registry.clear_log();
    env
}

/// A registry (token `tok`) holding `name` at `versions`.
pub fn registry_holding(name: &str, versions: &[impl AsRef<str>]) -> TestRegistry {
    let registry = TestRegistry::builder().token("tok").start();
    for v in versions {
        registry.add_version(name, v.as_ref());
    }
    registry
}

/// A registry holding `name` at `versions`, and a project logged in to it
/// with the token `tok`; the set-up's requests are forgotten.
pub fn hosting(name: &str, versions: &[&str]) -> (TestRegistry, TestEnv) {
    let registry = registry_holding(name, versions);
    let env = logged_in_env(&registry, "tok");
    (registry, env)
}

/// A logged-in project with a crate `name@version` that CNB's crates.io
/// proxy already lists, while the registry holds no version of it: the
/// collision `cnbcargo publish` works around. Returns the crate's directory.
pub fn colliding_crate(name: &str, version: &str) -> (TestRegistry, TestEnv, PathBuf) {
    let registry = TestRegistry::builder()
        .token("tok")
        .upstream(name, version)
        .start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate(name, name, version, "");
    (registry, env, lib)
}

/// A project whose `.cargo/config.toml` names `index` as registry `cnb`,
/// written by hand (`init` would refuse some of these indexes).
pub fn hand_configured(index: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        &format!(
            "[registry]\ndefault = \"cnb\"\nglobal-credential-providers = [\"cargo:token\"]\n\n\
             [registries.cnb]\nindex = \"{index}\"\n"
        ),
    );
    env
}

/// `project/ws`: `wa@1.0.0 <- wb@0.2.0 <- wc@0.3.0`, each depending on the
/// previous by path, version and `registry`. `wa` has a function crates.io's
/// crate of that name could not have.
pub fn three_crates(env: &TestEnv, registry_key: bool) -> PathBuf {
    env.write(
        "project/ws/Cargo.toml",
        "[workspace]\nmembers = [\"c\", \"b\", \"a\"]\nresolver = \"2\"\n",
    );
    let dep = |name: &str, dir: &str, version: &str| {
        let registry = if registry_key {
            ", registry = \"cnb-cargo-repo\"".to_string()
        } else {
            String::new()
        };
        format!("{name} = {{ path = \"../{dir}\", version = \"{version}\"{registry} }}\n")
    };
    let manifest = |name: &str, version: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
             description = \"x\"\nlicense = \"MIT\"\n\n[dependencies]\n{deps}"
        )
    };
    env.write("project/ws/a/Cargo.toml", &manifest("wa", "1.0.0", ""));
    env.write(
        "project/ws/a/src/lib.rs",
        "pub fn only_in_the_workspace() -> u32 { 7 }\n",
    );
    env.write(
        "project/ws/b/Cargo.toml",
        &manifest("wb", "0.2.0", &dep("wa", "a", "1.0.0")),
    );
    env.write(
        "project/ws/b/src/lib.rs",
        "pub fn b() -> u32 { wa::only_in_the_workspace() * 2 }\n",
    );
    env.write(
        "project/ws/c/Cargo.toml",
        &manifest("wc", "0.3.0", &dep("wb", "b", "0.2.0")),
    );
    env.write(
        "project/ws/c/src/lib.rs",
        "pub fn c() -> u32 { wb::b() + 1 }\n",
    );
    env.project().join("ws")
}

/// A registry whose crates.io proxy lists `wa@1.0.0`, and a logged-in project.
pub fn colliding_workspace() -> (TestRegistry, TestEnv, PathBuf) {
    let registry = TestRegistry::builder()
        .token("tok")
        .upstream("wa", "1.0.0")
        .start();
    let env = logged_in_env(&registry, "tok");
    let ws = three_crates(&env, true);
    (registry, env, ws)
}

/// `cnbcargo publish -- --no-verify` in the crate or workspace `dir`
/// (`--no-verify`: cargo's check does not build it).
pub fn cnbcargo_publish(env: &TestEnv, dir: &Path) -> Output {
    run(env
        .cnbcargo()
        .args(["publish", "--", "--no-verify"])
        .current_dir(dir))
}

/// Plain `cargo publish --no-verify` in `dir`, which must succeed: how a
/// test puts a version in the registry the way users do.
#[track_caller]
pub fn cargo_publish(env: &TestEnv, dir: &Path) {
    assert_success(&run(env
        .cargo()
        .args(["publish", "--no-verify"])
        .current_dir(dir)));
}
