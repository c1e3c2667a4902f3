//! `cnbcargo ci`: the `.cnb.yaml` pipeline, new or merged.

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::*;

fn parse(text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("{e}:\n{text}"))
        .remove(0)
}

fn publish_pipeline(doc: &Yaml) -> &Yaml {
    doc["$"]["tag_push"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("publish crates with cnbcargo"))
        .expect("the cnbcargo pipeline")
}

#[test]
fn writes_a_new_pipeline() {
    let env = TestEnv::new();
    let out = run(env.cnbcargo().arg("ci"));
    assert_success(&out);
    let text = env.read("project/.cnb.yaml");
    let doc = parse(&text);
    let scripts: Vec<&str> = publish_pipeline(&doc)["stages"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| s["script"].as_str().unwrap())
        .collect();
    assert_eq!(
        scripts,
        [
            "cargo install --locked cnbcargo",
            "cnbcargo login",
            "cnbcargo publish"
        ]
    );
    let again = run(env.cnbcargo().arg("ci"));
    assert_success(&again);
    assert!(stderr(&again).contains("already publishes"));
    assert_eq!(env.read("project/.cnb.yaml"), text);
}

#[test]
fn merges_into_an_existing_file_keeping_its_content() {
    let env = TestEnv::new();
    let original = "# CI for the project\nmain:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n\n$:\n  tag_push:\n    - docker:\n        image: alpine\n      stages:\n        - name: notes\n          script: echo release\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().args(["ci", "--dry-run"]));
    assert_success(&out);
    assert!(
        stdout(&out).contains("+    - name: publish crates with cnbcargo"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.read("project/.cnb.yaml"), original);

    assert_success(&run(env.cnbcargo().arg("ci")));
    let text = env.read("project/.cnb.yaml");
    let doc = parse(&text);
    assert_eq!(doc["$"]["tag_push"].as_vec().unwrap().len(), 2);
    assert_eq!(
        doc["main"]["push"][0]["stages"][0]["script"].as_str(),
        Some("cargo test")
    );
    assert_eq!(
        doc["$"]["tag_push"][1]["docker"]["image"].as_str(),
        Some("alpine")
    );
    publish_pipeline(&doc);
    let mut kept = text.lines();
    assert!(
        original.lines().all(|l| kept.any(|k| k == l)),
        "a line was lost:\n{text}"
    );
}

#[test]
fn flow_style_is_refused_unchanged() {
    let env = TestEnv::new();
    let original = "$: {tag_push: [{stages: [{script: make}]}]}\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().arg("ci"));
    assert_failure(&out, 1);
    assert!(stderr(&out).contains("flow style"), "{}", stderr(&out));
    assert_eq!(env.read("project/.cnb.yaml"), original);
}
