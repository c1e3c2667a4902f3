//! cnbcargo as cargo's credential provider (`--cargo-plugin`): a project
//! set up in that mode, and the protocol spoken to it directly.

use std::io::Write;
use std::process::{Output, Stdio};

use super::{TestEnv, TestRegistry, assert_success, cnbcargo_bin, path_with, run, stderr, stdout};

/// An environment whose `PATH` finds the `cnbcargo` under test, with the
/// registry set up in the provider's mode.
pub fn provider_env(registry: &TestRegistry) -> TestEnv {
    let mut env = TestEnv::new();
    env.env("CNB_API_ENDPOINT", registry.api_url());
    let out = init_provider(&mut env, registry);
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("`credential-provider = \"cnbcargo\"` to `cnb-cargo-repo`"),
        "{err}"
    );
    env
}

/// `cnbcargo` first on `PATH`, then `init --credential-provider cnbcargo`.
pub fn init_provider(env: &mut TestEnv, registry: &TestRegistry) -> Output {
    env.env("PATH", path_with(&[cnbcargo_bin().parent().unwrap()]));
    run(env.cnbcargo().args([
        "init",
        &registry.http_index(),
        "--credential-provider",
        "cnbcargo",
    ]))
}

/// Runs `cnbcargo --cargo-plugin` with these request lines; its stdout.
pub fn speak(env: &TestEnv, requests: &[&str]) -> String {
    let out = speak_output(env, requests);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// `speak`, for a test that reads both streams and the status.
pub fn speak_output(env: &TestEnv, requests: &[&str]) -> Output {
    let mut child = env
        .cnbcargo()
        .arg("--cargo-plugin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in requests {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}
