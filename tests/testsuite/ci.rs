//! `cnbcargo ci`: the `.cnb.yaml` pipeline, new or merged.

use snapbox::str;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::*;

fn parse(text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("{e}:\n{text}"))
        .remove(0)
}

/// The `script` of each stage of a pipeline.
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

#[test]
fn writes_a_new_pipeline() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    let out = run(env.cnbcargo().arg("ci"));
    assert_success(&out);
    let text = env.read("project/.cnb.yaml");
    let doc = parse(&text);
    let scripts = stage_scripts(publish_pipeline(&doc));
    assert_eq!(scripts, [GIT_INSTALL, "cnbcargo login", "cnbcargo publish"]);
    let again = run(env.cnbcargo().arg("ci"));
    assert_snapshot(
        &again,
        0,
        &Redact::new(&env),
        str![[r#"
       Fresh `[ROOT]/project/.cnb.yaml` already publishes with cnbcargo

"#]],
    );
    assert_eq!(env.read("project/.cnb.yaml"), text);
}

#[test]
fn merges_into_an_existing_file_keeping_its_content() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    let original = "# CI for the project\nmain:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n\n$:\n  tag_push:\n    - docker:\n        image: alpine\n      stages:\n        - name: notes\n          script: echo release\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().args(["ci", "--dry-run"]));
    let redact = Redact::new(&env);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
note: dry run: nothing was written

"#]],
    );
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
--- [ROOT]/project/.cnb.yaml
+++ [ROOT]/project/.cnb.yaml
@@ -7,6 +7,22 @@
 
 $:
   tag_push:
+    - name: publish crates with cnbcargo
+      docker:
+        image: rust:1.89
+        volumes:
+          - /usr/local/cargo/registry:copy-on-write
+          - /usr/local/cargo/git:copy-on-write
+          - /usr/local/cargo/cnbcargo-target:copy-on-write
+      env:
+        CARGO_TARGET_DIR: /usr/local/cargo/cnbcargo-target
+      stages:
+        - name: install cnbcargo
+          script: cargo install --locked --git https://cnb.cool/acme/cnbcargo --rev 0123456789abcdef0123456789abcdef01234567 cnbcargo
+        - name: log cargo in with the pipeline's CNB_TOKEN
+          script: cnbcargo login
+        - name: publish the workspace (skips versions already published)
+          script: cnbcargo publish
     - docker:
         image: alpine
       stages:

"#]],
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
    assert_original_plus_pipeline(original, &text);
    let mut kept = text.lines();
    assert!(
        original.lines().all(|l| kept.any(|k| k == l)),
        "a line was lost:\n{text}"
    );
}

#[test]
fn flow_style_is_refused_unchanged() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    let original = "$: {tag_push: [{stages: [{script: make}]}]}\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().arg("ci"));
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: `[ROOT]/project/.cnb.yaml`: `$` is written in flow style (`{ ... }` or `[ ... ]`) (line 1, `$: {tag_push: [{stages: [{script: make}]}]}`)

hint: rewrite `$` as a plain block (the key alone on its line, the value's lines indented below it), or add the pipeline by hand; the file was not changed

"#]],
    );
    assert_eq!(env.read("project/.cnb.yaml"), original);
}

/// `merged` must read, with the same parser, as `original` plus the
/// cnbcargo pipeline as the first item of `$`'s `tag_push`: nothing lost,
/// nothing doubled, nothing else changed.
#[track_caller]
fn assert_original_plus_pipeline(original: &str, merged: &str) {
    let before = YamlLoader::load_from_str(original)
        .unwrap_or_else(|e| panic!("{e}:\n{original}"))
        .pop()
        .unwrap_or(Yaml::Null);
    let mut after = parse(merged);
    let key = |k: &str| Yaml::String(k.to_string());
    let Yaml::Hash(root) = &mut after else {
        panic!("not a mapping:\n{merged}")
    };
    let Some(Yaml::Hash(dollar)) = root.get_mut(&key("$")) else {
        panic!("no `$` mapping:\n{merged}")
    };
    let Some(Yaml::Array(pipelines)) = dollar.get_mut(&key("tag_push")) else {
        panic!("no `tag_push` list:\n{merged}")
    };
    assert_eq!(
        pipelines[0]["name"].as_str(),
        Some("publish crates with cnbcargo"),
        "the pipeline comes first:\n{merged}"
    );
    let scripts = stage_scripts(&pipelines[0]);
    assert_eq!(scripts, [GIT_INSTALL, "cnbcargo login", "cnbcargo publish"]);
    pipelines.remove(0);
    // What `ci` had to add around the pipeline goes too.
    let had_tag_push = !before["$"]["tag_push"].is_badvalue();
    if pipelines.is_empty() && !had_tag_push {
        dollar.remove(&key("tag_push"));
    } else if pipelines.is_empty() && before["$"]["tag_push"].is_null() {
        // In place: inserting would move the key to the end.
        *dollar.get_mut(&key("tag_push")).unwrap() = Yaml::Null;
    }
    if dollar.is_empty() {
        if before["$"].is_badvalue() {
            root.remove(&key("$"));
        } else if before["$"].is_null() {
            *root.get_mut(&key("$")).unwrap() = Yaml::Null;
        }
    }
    if root.is_empty() && !before.is_hash() {
        after = before.clone();
    }
    assert_eq!(
        after, before,
        "not the original plus the pipeline:\n{merged}"
    );
}

#[test]
fn ordinary_files_merge_to_the_original_plus_the_pipeline() {
    let release = "    - stages:\n        - name: notes\n          script: echo release\n";
    let cases = [
        String::new(),
        "# pipelines come later\n".to_string(),
        "---\n".to_string(),
        "main:\n  push:\n    - stages:\n        - script: cargo test\n".to_string(),
        "main:\n  push:\n    - stages:\n        - script: cargo test".to_string(),
        "$:\n  # every branch\n  push:\n    - stages:\n        - script: make\n".to_string(),
        format!("$:\n  tag_push:\n{release}main:\n  push: []\n"),
        format!("'$':\n  \"tag_push\": # releases\n{release}"),
        "$:\n    tag_push:\n    - stages:\n        - script: make\n".to_string(),
        "$:\n  tag_push:\n  push:\n    - stages:\n        - script: make\n".to_string(),
        "$:\nmain:\n  push: []\n".to_string(),
        "$: # everywhere\n".to_string(),
        format!("main:\r\n  push: []\r\n$:\r\n  tag_push:\r\n{}", release.replace('\n', "\r\n")),
        // Anchors and aliases elsewhere are no obstacle.
        ".notes: &notes\n  - name: notes\n    script: echo release\nmain:\n  push:\n    - stages: *notes\n$:\n  tag_push:\n    - stages: *notes\n"
            .to_string(),
    ];
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    for original in cases {
        let path = env.write("project/.cnb.yaml", &original);
        let out = run(env.cnbcargo().arg("ci"));
        assert_success(&out);
        assert!(
            stderr(&out).contains("Updated") || stderr(&out).contains("Created"),
            "{original:?}: {}",
            stderr(&out)
        );
        let merged = env.read("project/.cnb.yaml");
        assert!(
            merged.starts_with(original.lines().next().unwrap_or("")),
            "{merged}"
        );
        let mut kept = merged.lines();
        assert!(
            original.lines().all(|l| kept.any(|k| k == l)),
            "a line was lost:\n{merged}"
        );
        assert_original_plus_pipeline(&original, &merged);
        let again = run(env.cnbcargo().arg("ci"));
        assert_success(&again);
        assert!(
            stderr(&again).contains("already publishes"),
            "{}",
            stderr(&again)
        );
        assert_eq!(env.read("project/.cnb.yaml"), merged);
        std::fs::remove_file(path).unwrap();
    }
}

/// A comment, or a script that only mentions it, does not publish: the
/// pipeline is added (it used to say "already publishes" and add nothing).
#[test]
fn a_comment_mentioning_cnbcargo_publish_does_not_count() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    let original = "# release: tag, and the pipeline runs `cnbcargo publish`\nmain:\n  push:\n    - stages:\n        - script: echo \"cnbcargo publish runs on tags\"\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().arg("ci"));
    assert_success(&out);
    assert!(stderr(&out).contains("Updated"), "{}", stderr(&out));
    let merged = env.read("project/.cnb.yaml");
    assert!(merged.starts_with(original), "{merged}");
    assert_original_plus_pipeline(original, &merged);
}

#[test]
fn a_script_that_runs_cnbcargo_publish_already_publishes() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    let original = "v*:\n  tag_push:\n    - stages:\n        - name: release\n          script: |\n            set -e\n            cnbcargo login && cnbcargo -v publish\n";
    env.write("project/.cnb.yaml", original);
    let out = run(env.cnbcargo().arg("ci"));
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env),
        str![[r#"
       Fresh `[ROOT]/project/.cnb.yaml` already publishes with cnbcargo

"#]],
    );
    assert_eq!(env.read("project/.cnb.yaml"), original);
}

/// Runs `ci` on `original`: it must refuse with exit 1, saying `says`
/// and with a hint, and leave the file byte for byte as it was.
#[track_caller]
fn assert_refused(original: &str, says: &str) {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    record_git_install(&env);
    let path = env.write("project/.cnb.yaml", original);
    for args in [&["ci", "--dry-run"][..], &["ci"]] {
        let out = run(env.cnbcargo().args(args));
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert!(err.contains(says), "expected {says:?} in:\n{err}");
        assert!(
            err.contains("hint: ") && err.contains("the file was not changed"),
            "{err}"
        );
        assert!(!err.contains("Updated") && stdout(&out).is_empty(), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), original.as_bytes());
    }
}

const NOTES: &str = "    - stages:\n        - name: notes\n          script: echo release\n";

#[test]
fn tag_push_as_an_alias_is_refused_unchanged() {
    assert_refused(
        &format!(
            ".release: &release\n{}$:\n  tag_push: *release\n",
            NOTES.replacen("    ", "  ", 1)
        ),
        "`tag_push` is an alias",
    );
}

#[test]
fn tag_push_with_an_anchor_is_refused_unchanged() {
    assert_refused(
        &format!("$:\n  tag_push: &release\n{NOTES}main:\n  push: *release\n"),
        "`tag_push` carries an anchor",
    );
}

#[test]
fn tag_push_as_null_is_refused_unchanged() {
    assert_refused(
        &format!("$:\n  tag_push: ~\n  push:\n{NOTES}"),
        "`tag_push` is written as `~` (null)",
    );
}

#[test]
fn tag_push_as_a_block_scalar_is_refused_unchanged() {
    assert_refused(
        "$:\n  tag_push: |\n    - not a list\n  push: []\n",
        "`tag_push` is a block scalar",
    );
}

#[test]
fn a_byte_order_mark_before_the_dollar_key_is_refused_unchanged() {
    assert_refused(&format!("\u{feff}$:\n  push:\n{NOTES}"), "byte-order mark");
}

#[test]
fn a_quoted_dollar_key_with_a_space_is_refused_unchanged() {
    assert_refused(
        &format!("main:\n  push: []\n\"$\" :\n  push:\n{NOTES}"),
        "the key `$` is written `\"$\" :` (line 3, column 1)",
    );
}

#[test]
fn a_complex_dollar_key_is_refused_unchanged() {
    assert_refused(
        &format!("? $\n: push:\n{NOTES}"),
        "the key `$` is written `? $` (line 1, column 3)",
    );
}

#[test]
fn duplicate_keys_are_refused_unchanged() {
    assert_refused(
        &format!("$:\n  push: []\n'$':\n  tag_push:\n{NOTES}"),
        "the key `$` is written twice in one mapping (lines 1 and 3)",
    );
    assert_refused(
        &format!("$:\n  tag_push:\n{NOTES}  tag_push: []\n"),
        "the key `tag_push` is written twice",
    );
}

#[test]
fn a_merge_key_beside_the_missing_tag_push_is_refused_unchanged() {
    assert_refused(
        &format!(".defaults: &defaults\n  tag_push:\n{NOTES}$:\n  <<: *defaults\n"),
        "takes keys from a YAML merge key",
    );
}

#[test]
fn invalid_yaml_is_refused_unchanged() {
    assert_refused("$:\n  tag_push:\n    - [unclosed\n", "not valid YAML");
}
