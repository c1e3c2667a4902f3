//! `cnbcargo ci --audit`, `--dev-env` and the cache volumes: the pipelines
//! parse, merge into existing files by the publish pipeline's rules, and a
//! second run changes nothing.

use snapbox::{assert_data_eq, str};
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::*;

fn parse(text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("{e}:\n{text}"))
        .remove(0)
}

fn strings(list: &Yaml) -> Vec<&str> {
    list.as_vec()
        .unwrap_or_else(|| panic!("not a list: {list:?}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn stage_scripts(pipeline: &Yaml) -> Vec<&str> {
    pipeline["stages"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| s["script"].as_str().unwrap())
        .collect()
}

fn publish_pipeline(doc: &Yaml) -> &Yaml {
    doc["$"]["tag_push"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("publish crates with cnbcargo"))
        .expect("the cnbcargo pipeline")
}

/// Every line of `original` is in `merged`, in the same order.
#[track_caller]
fn assert_lines_kept(original: &str, merged: &str) {
    let mut rest = merged.lines();
    for line in original.lines() {
        assert!(
            rest.any(|l| l == line),
            "`{line}` was lost or moved:\n{merged}"
        );
    }
}

/// No key is written twice in one mapping: `key:` at `indent` spaces
/// occurs once among the lines of the `$:` block.
#[track_caller]
fn assert_once(merged: &str, key: &str, indent: usize) {
    let wanted = format!("{}{key}:", " ".repeat(indent));
    let block = match indent {
        0 => merged,
        _ => &merged[merged.find("\n$:\n").map_or(0, |at| at + 1)..],
    };
    let count = block
        .lines()
        .take_while(|l| indent == 0 || l.starts_with(' ') || l.is_empty() || *l == "$:")
        .filter(|l| l.trim_end() == wanted || l.starts_with(&format!("{wanted} ")))
        .count();
    assert_eq!(count, 1, "`{key}:` is written {count} times:\n{merged}");
}

/// The second run says both blocks are there and changes no byte.
#[track_caller]
fn assert_rerun_is_a_no_op(env: &TestEnv, text: &str) {
    let again = run(env.cnbcargo().args(["ci", "--audit", "--dev-env"]));
    assert_snapshot(
        &again,
        0,
        &Redact::new(env),
        str![[r#"
       Fresh `[ROOT]/project/.cnb.yaml` already publishes with cnbcargo
       Fresh `[ROOT]/project/.cnb.yaml` has a cloud workspace (`$:`'s `vscode:`), left as it is

"#]],
    );
    assert_eq!(env.read("project/.cnb.yaml"), text);
}

#[test]
fn audit_and_dev_env_write_a_fresh_file() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let out = run(env.cnbcargo().args(["ci", "--audit", "--dev-env"]));
    assert_success(&out);
    let text = env.read("project/.cnb.yaml");
    assert_data_eq!(
        &text,
        str![[r#"
$:
  vscode:
    - docker:
        image: rust:1.89
      services:
        - vscode
        - docker
  tag_push:
    - name: publish crates with cnbcargo
      docker:
        image: rust:1.89
        volumes:
          - /usr/local/cargo/registry:copy-on-write
          - /usr/local/cargo/git:copy-on-write
          - /usr/local/cargo/cnbcargo-target:copy-on-write
      env:
        CARGO_TARGET_DIR: /usr/local/cargo/cnbcargo-target
      stages:
        - name: install cnbcargo
          script: cargo install --locked --git https://cnb.cool/acme/cnbcargo --rev 0123456789abcdef0123456789abcdef01234567 cnbcargo
        - name: log cargo in with the pipeline's CNB_TOKEN
          script: cnbcargo login
        - name: audit the dependencies (fails on one the crates.io proxy would supply)
          script: cnbcargo audit
        - name: publish the workspace (skips versions already published)
          script: cnbcargo publish

"#]]
    );
    let doc = parse(&text);
    let pipeline = publish_pipeline(&doc);
    // Audit runs after login (it asks the registry) and before publishing.
    assert_eq!(
        stage_scripts(pipeline),
        [
            GIT_INSTALL,
            "cnbcargo login",
            "cnbcargo audit",
            "cnbcargo publish"
        ]
    );
    let workspace = &doc["$"]["vscode"][0];
    assert_eq!(workspace["docker"]["image"], pipeline["docker"]["image"]);
    assert_eq!(strings(&workspace["services"]), ["vscode", "docker"]);
    assert_rerun_is_a_no_op(&env, &text);
}

#[test]
fn the_pipeline_caches_what_it_installs() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    for args in [
        &["ci"][..],
        &["ci", "--image", "docker.cnb.cool/acme/tools:1"],
    ] {
        let _ = std::fs::remove_file(env.project().join(".cnb.yaml"));
        assert_success(&run(env.cnbcargo().args(args)));
        let doc = parse(&env.read("project/.cnb.yaml"));
        let pipeline = publish_pipeline(&doc);
        let target = "/usr/local/cargo/cnbcargo-target";
        assert_eq!(
            strings(&pipeline["docker"]["volumes"]),
            [
                "/usr/local/cargo/registry:copy-on-write",
                "/usr/local/cargo/git:copy-on-write",
                &format!("{target}:copy-on-write"),
            ]
        );
        // `cargo install` builds in the cached directory, so the next tag
        // finds cnbcargo's build fresh.
        assert_eq!(pipeline["env"]["CARGO_TARGET_DIR"].as_str(), Some(target));
        assert!(doc["$"]["vscode"].is_badvalue(), "no workspace unasked");
    }
}

#[test]
fn both_blocks_merge_into_an_existing_dollar() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let original = "# team CI\nmain:\n  push:\n    - stages:\n        - script: cargo test\n\n$:\n  # releases\n  tag_push:\n    - stages:\n        - name: notes\n          script: echo release\n  push:\n    - stages:\n        - script: make\n";
    env.write("project/.cnb.yaml", original);
    assert_success(&run(env.cnbcargo().args(["ci", "--audit", "--dev-env"])));
    let text = env.read("project/.cnb.yaml");
    assert_lines_kept(original, &text);
    for key in ["tag_push", "vscode", "push"] {
        assert_once(&text, key, 2);
    }
    assert_once(&text, "$", 0);
    let doc = parse(&text);
    assert_eq!(doc["$"]["tag_push"].as_vec().unwrap().len(), 2);
    assert_eq!(stage_scripts(publish_pipeline(&doc))[2], "cnbcargo audit");
    assert_eq!(
        doc["$"]["tag_push"][1]["stages"][0]["name"].as_str(),
        Some("notes")
    );
    assert_eq!(
        doc["$"]["push"][0]["stages"][0]["script"].as_str(),
        Some("make")
    );
    assert_eq!(
        strings(&doc["$"]["vscode"][0]["services"]),
        ["vscode", "docker"]
    );
    assert_rerun_is_a_no_op(&env, &text);
}

#[test]
fn an_empty_vscode_key_gets_the_workspace() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let original = "$:\n  vscode:\n  tag_push:\n    - stages:\n        - script: echo release\n";
    env.write("project/.cnb.yaml", original);
    assert_success(&run(env.cnbcargo().args(["ci", "--dev-env", "--audit"])));
    let text = env.read("project/.cnb.yaml");
    assert_lines_kept(original, &text);
    assert_once(&text, "vscode", 2);
    assert_once(&text, "tag_push", 2);
    let doc = parse(&text);
    assert_eq!(doc["$"]["vscode"].as_vec().unwrap().len(), 1);
    assert_eq!(
        doc["$"]["vscode"][0]["docker"]["image"],
        publish_pipeline(&doc)["docker"]["image"]
    );
    assert_rerun_is_a_no_op(&env, &text);
}

#[test]
fn an_existing_workspace_is_left_as_it_is() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let original = "$:\n  vscode:\n    - docker:\n        build: .ide/Dockerfile\n      services:\n        - vscode\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().args(["ci", "--dev-env"]));
    assert_success(&out);
    assert!(
        stderr(&out).contains("has a cloud workspace (`$:`'s `vscode:`), left as it is"),
        "{}",
        stderr(&out)
    );
    let text = env.read("project/.cnb.yaml");
    assert_lines_kept(original, &text);
    assert_once(&text, "vscode", 2);
    let doc = parse(&text);
    assert_eq!(doc["$"]["vscode"].as_vec().unwrap().len(), 1);
    assert_eq!(
        doc["$"]["vscode"][0]["docker"]["build"].as_str(),
        Some(".ide/Dockerfile")
    );
    publish_pipeline(&doc);
}

/// `vscode:` is held to the rules `tag_push:` is: a flow-style list is
/// refused and nothing is written, not even the publish pipeline.
#[test]
fn a_flow_style_vscode_is_refused_unchanged() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let original = "$:\n  vscode: []\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().args(["ci", "--dev-env"]));
    assert_failure(&out, 1);
    assert!(
        stderr(&out).contains("`vscode` is written in flow style"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    assert_eq!(env.read("project/.cnb.yaml"), original);
}

/// The image `ci --image` can name instead of an install: the Dockerfile
/// builds cnbcargo on the supported Rust and copies the binary into a
/// Rust image.
#[test]
fn the_dockerfile_builds_cnbcargo_into_a_rust_image() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let msrv = env!("CARGO_PKG_RUST_VERSION");
    assert!(
        dockerfile.contains(&format!("ARG RUST_VERSION={msrv}\n")),
        "{dockerfile}"
    );
    let froms: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(
        froms,
        [
            "FROM rust:${RUST_VERSION} AS build",
            "FROM rust:${RUST_VERSION}"
        ]
    );
    assert!(dockerfile.contains("cargo build --release --locked --bin cnbcargo"));
    assert!(
        dockerfile.contains(
            "COPY --from=build /src/target/release/cnbcargo /usr/local/cargo/bin/cnbcargo"
        )
    );
}
