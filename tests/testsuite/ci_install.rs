//! `cnbcargo ci`'s install stage: the pinned install of the source cargo's
//! install records name for the running cnbcargo, or a refusal.

use snapbox::str;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::*;

fn parse(text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("{e}:\n{text}"))
        .remove(0)
}

/// The scripts of the written pipeline's stages.
fn written_scripts(env: &TestEnv) -> Vec<String> {
    let doc = parse(&env.read("project/.cnb.yaml"));
    doc["$"]["tag_push"][0]["stages"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| s["script"].as_str().unwrap().to_string())
        .collect()
}

/// `ci` (and `ci --dry-run`) refuse with `expected`, the existing file
/// byte for byte as it was and no file made where there was none.
#[track_caller]
fn assert_refuses(env: &TestEnv, redact: &Redact, expected: snapbox::Data) {
    let original =
        "main:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n";
    for args in [&["ci", "--dry-run"][..], &["ci"]] {
        let out = cnbcargo_bounded(env, args);
        assert_snapshot(&out, 1, redact, expected.clone());
        assert!(stdout(&out).is_empty(), "{args:?} printed a diff");
        assert!(!env.project().join(".cnb.yaml").exists());
    }
    env.write("project/.cnb.yaml", original);
    let out = cnbcargo_bounded(env, &["ci"]);
    assert_snapshot(&out, 1, redact, expected);
    assert_eq!(env.read("project/.cnb.yaml"), original);
}

#[test]
fn a_path_install_refuses() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    record_install(&env, "path+file:///home/me/src/cnbcargo");
    let redact = Redact::new(&env).with("[VERSION]", VERSION);
    assert_refuses(
        &env,
        &redact,
        str![[r#"
error: cnbcargo [VERSION] was installed from a local path, which the pipeline cannot reach

hint: pass `--install COMMAND` (how the pipeline installs cnbcargo) or `--image IMAGE` (an image that already has cnbcargo)

"#]]
        .into(),
    );
}

#[test]
fn no_record_or_a_broken_one_refuses() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    let redact = Redact::new(&env).with("[VERSION]", VERSION);
    let expected = str![[r#"
error: cannot tell how cnbcargo [VERSION] was installed: no readable install record of it in `[ROOT]/cargo-home/.crates2.json`

hint: pass `--install COMMAND` (how the pipeline installs cnbcargo) or `--image IMAGE` (an image that already has cnbcargo)

"#]];
    assert_refuses(&env, &redact, expected.clone().into());
    std::fs::remove_file(env.project().join(".cnb.yaml")).unwrap();
    // Junk, and a record of another version: neither says how this
    // cnbcargo was installed.
    env.write("cargo-home/.crates2.json", "{\"installs\": [1, 2");
    assert_refuses(&env, &redact, expected.clone().into());
    std::fs::remove_file(env.project().join(".cnb.yaml")).unwrap();
    record_install_of(
        &env,
        "0.0.1",
        &format!("git+https://cnb.cool/acme/cnbcargo#{SHA}"),
    );
    assert_refuses(&env, &redact, expected.into());
}

#[test]
fn a_git_install_writes_the_exact_commit() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    record_git_install(&env);
    assert_success(&cnbcargo_bounded(&env, &["ci"]));
    assert_eq!(written_scripts(&env)[0], GIT_INSTALL);
}

#[test]
fn the_older_crates_toml_record_is_read_too() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    env.write(
        "cargo-home/.crates.toml",
        &format!(
            "[v1]\n\"cnbcargo {VERSION} (git+https://cnb.cool/acme/cnbcargo?tag=v1#{SHA})\" = [\"cargo-cnb\", \"cnbcargo\"]\n"
        ),
    );
    assert_success(&cnbcargo_bounded(&env, &["ci"]));
    assert_eq!(written_scripts(&env)[0], GIT_INSTALL);
}

#[test]
fn a_registry_install_writes_the_exact_version_and_index() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    record_install(&env, "sparse+https://cargo.cnb.cool/acme/tools/-/packages/");
    assert_success(&cnbcargo_bounded(&env, &["ci"]));
    assert_eq!(
        written_scripts(&env)[0],
        format!(
            "cargo install --locked cnbcargo --version ={VERSION} --index sparse+https://cargo.cnb.cool/acme/tools/-/packages/"
        )
    );
}

#[test]
fn a_crates_io_install_is_pinned_when_crates_io_lists_the_version() {
    let crates_io = fake_crates_io(&[("cnbcargo", "0.0.1"), ("cnbcargo", VERSION)]);
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    env.env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index());
    record_install(
        &env,
        "registry+https://github.com/rust-lang/crates.io-index",
    );
    assert_success(&cnbcargo_bounded(&env, &["ci"]));
    assert_eq!(
        written_scripts(&env)[0],
        format!("cargo install --locked cnbcargo --version ={VERSION}")
    );
}

#[test]
fn a_crates_io_install_refuses_when_crates_io_does_not_list_the_version() {
    // crates.io has a `cnbcargo`, but not this version: it is not this
    // project's, and installing it would run someone else's code.
    let crates_io = fake_crates_io(&[("cnbcargo", "0.0.1")]);
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    env.env("CNBCARGO_CRATES_IO_INDEX", crates_io.http_index());
    record_install(&env, "sparse+https://index.crates.io/");
    let redact = Redact::new(&env)
        .with("[VERSION]", VERSION)
        .with("[CRATES_IO_PORT]", crates_io.port().to_string());
    assert_refuses(
        &env,
        &redact,
        str![[r#"
error: cnbcargo [VERSION] was installed from crates.io, but crates.io's index `sparse+http://127.0.0.1:[CRATES_IO_PORT]/acme/crates/-/packages/` does not list that version

hint: pass `--install COMMAND` (how the pipeline installs cnbcargo) or `--image IMAGE` (an image that already has cnbcargo)

"#]]
        .into(),
    );
}

#[test]
fn install_wins_over_the_records() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    record_install(&env, "path+file:///home/me/src/cnbcargo");
    let out = cnbcargo_bounded(&env, &["ci", "--install", "make install-cnbcargo"]);
    assert_success(&out);
    assert_eq!(written_scripts(&env)[0], "make install-cnbcargo");
}

#[test]
fn an_image_alone_writes_no_install_stage() {
    let mut env = TestEnv::new();
    ci_project_without_install(&mut env);
    record_install(&env, "path+file:///home/me/src/cnbcargo");
    let image = "docker.cnb.cool/acme/cnbcargo:1";
    assert_success(&cnbcargo_bounded(&env, &["ci", "--image", image]));
    let doc = parse(&env.read("project/.cnb.yaml"));
    assert_eq!(
        doc["$"]["tag_push"][0]["docker"]["image"].as_str(),
        Some(image)
    );
    assert_eq!(
        written_scripts(&env),
        ["cnbcargo login", "cnbcargo publish"]
    );

    // With `--install` too, the image gets that install stage.
    std::fs::remove_file(env.project().join(".cnb.yaml")).unwrap();
    let args = ["ci", "--image", image, "--install", "make install-cnbcargo"];
    assert_success(&cnbcargo_bounded(&env, &args));
    assert_eq!(written_scripts(&env)[0], "make install-cnbcargo");
}
