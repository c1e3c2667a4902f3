//! `cnbcargo ci` refuses where the pipeline could not work: no workspace,
//! no CNB registry in the project, its config not reaching CI through
//! git, no member that may go to the registry. Each refusal leaves
//! `.cnb.yaml` as it was.

use snapbox::str;

use crate::support::*;

const CNB_YAML: &str =
    "main:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n";

/// Runs `ci` (and `ci --dry-run`) where `.cnb.yaml` holds `CNB_YAML`, or
/// nothing with `existing` false: both refuse, the file untouched. Returns
/// the output of `ci`.
fn refused(env: &TestEnv, existing: bool) -> std::process::Output {
    if existing {
        env.write("project/.cnb.yaml", CNB_YAML);
    }
    let dry = run(env.cnbcargo().args(["ci", "--dry-run"]));
    assert_exit(&dry, 1);
    assert_eq!(stdout(&dry), "", "a refused dry run shows no diff");
    let out = run(env.cnbcargo().arg("ci"));
    assert_exit(&out, 1);
    assert_eq!(stderr(&dry), stderr(&out), "the dry run refuses alike");
    let yaml = env.project().join(".cnb.yaml");
    if existing {
        assert_eq!(std::fs::read(&yaml).unwrap(), CNB_YAML.as_bytes());
    } else {
        assert!(!yaml.exists(), "`.cnb.yaml` was created");
    }
    out
}

#[test]
fn no_cargo_toml_up_the_tree_is_refused() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    std::fs::remove_file(env.project().join("Cargo.toml")).unwrap();
    let out = refused(&env, false);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: no `Cargo.toml` in `[ROOT]/project` or any directory above it: the pipeline publishes a cargo workspace

hint: run `cnbcargo ci` in the workspace

"#]],
    );
}

#[test]
fn no_registry_in_the_project_is_refused() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    env.write("project/.cargo/config.toml", "[net]\nretry = 2\n");
    let out = refused(&env, true);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: no CNB registry is configured in the project's `.cargo/config.toml`: the pipeline would have nowhere to publish

hint: run `cnbcargo init <group/registry>` in `[ROOT]/project`, so that the registry is configured in the project

"#]],
    );
}

#[test]
fn a_registry_only_in_cargo_home_is_refused_naming_it() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    env.write("project/.cargo/config.toml", "[net]\nretry = 2\n");
    env.write(
        "cargo-home/config.toml",
        &format!("[registries.cnb]\nindex = \"{CI_INDEX}\"\n"),
    );
    let out = refused(&env, true);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: registry `cnb` is configured only in `[ROOT]/cargo-home/config.toml`, which CI does not have: the pipeline reads the project's `.cargo/config.toml`

hint: run `cnbcargo init <group/registry>` in `[ROOT]/project`, so that the registry is configured in the project

"#]],
    );
}

#[test]
fn a_registry_that_is_not_cnb_does_not_count() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    env.write(
        "project/.cargo/config.toml",
        "[registries.corp]\nindex = \"sparse+https://crates.example.com/index/\"\n",
    );
    let out = refused(&env, false);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: no CNB registry is configured in the project's `.cargo/config.toml`: the pipeline would have nowhere to publish

hint: run `cnbcargo init <group/registry>` in `[ROOT]/project`, so that the registry is configured in the project

"#]],
    );
}

#[test]
fn a_config_ignored_by_git_is_refused() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let project = env.project();
    git(
        &env,
        &project,
        &["rm", "-q", "--cached", ".cargo/config.toml"],
    );
    env.write("project/.gitignore", "target/\n.cargo/\n");
    let out = refused(&env, true);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: `.cargo/config.toml` is ignored by git: the registry `cnb` it configures would never reach CI

hint: run `git add -f .cargo/config.toml` and commit it, or remove the rule that ignores it (`git check-ignore -v .cargo/config.toml` names it)

"#]],
    );
}

#[test]
fn an_untracked_config_is_refused() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let project = env.project();
    git(
        &env,
        &project,
        &["rm", "-q", "--cached", ".cargo/config.toml"],
    );
    let out = refused(&env, false);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: `.cargo/config.toml` is not tracked by git: the registry `cnb` it configures would never reach CI

hint: run `git add .cargo/config.toml` and commit it

"#]],
    );
}

#[test]
fn a_workspace_with_no_member_for_the_registry_is_refused() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    env.write(
        "project/Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    );
    env.write(
        "project/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    );
    env.write("project/a/src/lib.rs", "");
    env.write(
        "project/b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = [\"other\"]\n",
    );
    env.write("project/b/src/lib.rs", "");
    let out = refused(&env, true);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: no member of the workspace may be published to `cnb`, so the pipeline would publish nothing (`a`: its `package.publish = false` keeps it out of every registry; `b`: its `package.publish = ["other"]` does not list `cnb`)

hint: add `"cnb"` to `package.publish` of the members to publish, or remove their `publish = false`

"#]],
    );
}

/// One member listing the registry is enough: the pipeline publishes it.
#[test]
fn a_member_listing_the_registry_is_published_from_a_subdirectory() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    env.write(
        "project/Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    );
    env.write(
        "project/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    );
    env.write("project/a/src/lib.rs", "");
    env.write(
        "project/b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = [\"cnb\"]\n",
    );
    env.write("project/b/src/lib.rs", "");
    let out = run(env
        .cnbcargo()
        .arg("ci")
        .current_dir(env.project().join("a")));
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env),
        str![[r#"
     Created [ROOT]/project/.cnb.yaml
hint: the pipeline runs on `tag_push`: push a tag to publish

"#]],
    );
    assert!(env.read("project/.cnb.yaml").contains("cnbcargo publish"));
}

/// Outside a git repository the tracking cannot be checked: said, not
/// refused (the project may not be in git yet).
#[test]
fn outside_git_the_pipeline_is_written_with_a_note() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    std::fs::remove_dir_all(env.project().join(".git")).unwrap();
    let out = run(env.cnbcargo().arg("ci"));
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env),
        str![[r#"
note: could not check that git tracks `.cargo/config.toml` (not in a git repository): CI has the registry `cnb` only if it is committed
     Created [ROOT]/project/.cnb.yaml
hint: the pipeline runs on `tag_push`: push a tag to publish

"#]],
    );
    assert!(env.read("project/.cnb.yaml").contains("cnbcargo publish"));
}

/// A file git ignores but tracks (`git add -f`) reaches CI; the legacy
/// `.cargo/config`, which cargo reads before `config.toml`, counts too.
#[test]
fn a_force_added_legacy_config_is_accepted() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let project = env.project();
    git(
        &env,
        &project,
        &["rm", "-q", "--cached", ".cargo/config.toml"],
    );
    std::fs::rename(
        project.join(".cargo/config.toml"),
        project.join(".cargo/config"),
    )
    .unwrap();
    env.write("project/.gitignore", ".cargo/\n");
    git(&env, &project, &["add", "-f", ".cargo/config"]);
    let out = run(env.cnbcargo().arg("ci"));
    assert_exit(&out, 0);
    assert!(env.read("project/.cnb.yaml").contains("cnbcargo publish"));
}

/// A CNB registry above the workspace root is not the project's: cargo
/// reads it here, CI does not have it.
#[test]
fn a_registry_above_the_workspace_is_refused_naming_it() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    env.write("project/.cargo/config.toml", "[net]\nretry = 2\n");
    env.write(
        ".cargo/config.toml",
        &format!("[registries.above]\nindex = \"{CI_INDEX}\"\n"),
    );
    let out = refused(&env, true);
    assert_snapshot(
        &out,
        1,
        &Redact::new(&env),
        str![[r#"
error: registry `above` is configured only in `[ROOT]/.cargo/config.toml`, which CI does not have: the pipeline reads the project's `.cargo/config.toml`

hint: run `cnbcargo init <group/registry>` in `[ROOT]/project`, so that the registry is configured in the project

"#]],
    );
}

/// The checks and the pipeline's image both need the workspace: cargo is
/// asked where it is and what it holds once each, not once per question.
#[test]
fn cargo_is_asked_about_the_workspace_once() {
    let mut env = TestEnv::new();
    ci_project(&mut env);
    let (wrapper, logs) = recording_cargo(&env);
    env.env("CARGO", &wrapper);
    assert_success(&run(env.cnbcargo().args(["ci", "--dry-run"])));
    let asked = recorded_commands(&logs);
    let count = |verb: &str| asked.iter().filter(|c| c.starts_with(verb)).count();
    assert_eq!(count("locate-project"), 1, "{asked:?}");
    assert_eq!(count("metadata"), 1, "{asked:?}");
}
