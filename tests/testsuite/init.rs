use snapbox::str;

use crate::support::*;

const CNB_INDEX: &str = "sparse+https://cargo.cnb.cool/acme/crates/-/packages/";

fn init(env: &TestEnv, args: &[&str]) -> std::process::Output {
    run(env.cnbcargo().arg("init").args(args))
}

#[test]
fn fresh_project_gets_cnb_block() {
    let env = TestEnv::new();
    let out = init(&env, &["acme/crates"]);
    assert_success(&out);
    assert_eq!(
        env.read("project/.cargo/config.toml"),
        format!(
            "[registry]\ndefault = \"cnb-cargo-repo\"\nglobal-credential-providers = [\"cargo:token\"]\n\n\
             [registries.cnb-cargo-repo]\nindex = \"{CNB_INDEX}\"\n"
        )
    );
    let err = stderr(&out);
    assert!(err.contains("Created"), "{err}");
    assert!(err.contains("hint: run `cnbcargo login"), "{err}");
}

/// The `group/registry` shorthand's URL is derived (CNB's docs name no
/// cargo host): `init` says so and where the real one is; a full URL gets
/// no such note; `--domain` expands under another CNB domain (whose API
/// endpoint `api.<domain>` is derived: `settings`' unit test).
#[test]
fn the_shorthand_says_its_url_is_derived() {
    let env = TestEnv::new();
    let out = init(&env, &["acme/crates"]);
    assert_success(&out);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().take(2).collect();
    assert_eq!(
        lines,
        [
            "note: `acme/crates` was expanded to `https://cargo.cnb.cool/acme/crates/-/packages/`, an address derived from the path, not read from CNB",
            "hint: the registry's page on CNB (Artifacts, then the registry) shows its address: if it differs, pass that URL to `cnbcargo init` instead (for CNB on another domain, add `--domain`, e.g. `--domain cnb.build`)",
        ],
        "{err}"
    );

    let env = TestEnv::new();
    let out = init(&env, &["https://cargo.cnb.cool/acme/crates/-/packages/"]);
    assert_success(&out);
    assert!(!stderr(&out).contains("derived"), "{}", stderr(&out));

    let env = TestEnv::new();
    let out = init(&env, &["acme/crates", "--domain", "cnb.build"]);
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env),
        str![[r#"
note: `acme/crates` was expanded to `https://cargo.cnb.build/acme/crates/-/packages/`, an address derived from the path, not read from CNB
hint: the registry's page on CNB (Artifacts, then the registry) shows its address: if it differs, pass that URL to `cnbcargo init` instead
     Created [ROOT]/project/.cargo/config.toml
       Added registry `cnb-cargo-repo` with index `sparse+https://cargo.cnb.build/acme/crates/-/packages/`
       Added `registry.default = "cnb-cargo-repo"`
       Added `cargo:token` to `registry.global-credential-providers`
note: no `Cargo.toml` here or above: cargo reads this file only for projects under `[ROOT]/project`
hint: run `cnbcargo init` in a project's directory to configure that project, or pass `--global` to configure every project
hint: run `cnbcargo login --registry cnb-cargo-repo` to give cargo your CNB token

"#]],
    );
    assert!(
        env.read("project/.cargo/config.toml")
            .contains("index = \"sparse+https://cargo.cnb.build/acme/crates/-/packages/\""),
        "{}",
        env.read("project/.cargo/config.toml")
    );
    // `--domain` with a URL, or naming the cargo host: usage errors.
    for (args, expected) in [
        (
            &[
                "https://cargo.cnb.build/acme/crates/-/packages/",
                "--domain",
                "cnb.build",
            ][..],
            str![[r#"
error: `--domain cnb.build` applies to a `group/registry` path, not to a URL

hint: pass either the full index URL, or the path with `--domain`

"#]],
        ),
        (
            &["acme/crates", "--domain", "cargo.cnb.build"],
            str![[r#"
error: `--domain cargo.cnb.build` names the cargo host, not CNB's domain

hint: pass `--domain cnb.build` (the index is on `cargo.<domain>`)

"#]],
        ),
    ] {
        let env = TestEnv::new();
        let out = init(&env, args);
        assert_snapshot(&out, 2, &Redact::new(&env), expected);
        assert!(!env.project().join(".cargo").exists());
    }
}

#[test]
fn dry_run_prints_diff_and_writes_nothing() {
    let env = TestEnv::new();
    let out = init(
        &env,
        &["--dry-run", "https://cargo.cnb.cool/acme/crates/-/packages"],
    );
    let redact = Redact::new(&env);
    assert_snapshot(
        &out,
        0,
        &redact,
        str![[r#"
note: dry run: nothing was written
note: no `Cargo.toml` here or above: cargo reads this file only for projects under `[ROOT]/project`
hint: run `cnbcargo init` in a project's directory to configure that project, or pass `--global` to configure every project

"#]],
    );
    assert_stdout_snapshot(
        &out,
        &redact,
        str![[r#"
--- [ROOT]/project/.cargo/config.toml
+++ [ROOT]/project/.cargo/config.toml
@@ -0,0 +1,6 @@
+[registry]
+default = "cnb-cargo-repo"
+global-credential-providers = ["cargo:token"]
+
+[registries.cnb-cargo-repo]
+index = "sparse+https://cargo.cnb.cool/acme/crates/-/packages/"

"#]],
    );
    assert!(!env.project().join(".cargo").exists());
}

#[test]
fn second_run_is_a_no_op() {
    let env = TestEnv::new();
    assert_success(&init(&env, &["acme/crates"]));
    let first = env.read("project/.cargo/config.toml");
    let out = init(&env, &["acme/crates"]);
    assert_snapshot(
        &out,
        0,
        &Redact::new(&env),
        str![[r#"
note: `acme/crates` was expanded to `https://cargo.cnb.cool/acme/crates/-/packages/`, an address derived from the path, not read from CNB
hint: the registry's page on CNB (Artifacts, then the registry) shows its address: if it differs, pass that URL to `cnbcargo init` instead (for CNB on another domain, add `--domain`, e.g. `--domain cnb.build`)
       Fresh `[ROOT]/project/.cargo/config.toml` already configures `cnb-cargo-repo` (sparse+https://cargo.cnb.cool/acme/crates/-/packages/)

"#]],
    );
    assert_eq!(env.read("project/.cargo/config.toml"), first);
    // The same registry written differently is still the same registry.
    let out = init(&env, &["https://CARGO.cnb.cool/acme/crates/-/packages"]);
    assert!(
        stderr(&out).contains("already configures"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn keeps_comments_crlf_and_missing_final_newline() {
    let env = TestEnv::new();
    let original = "# build settings\r\n[build]\r\njobs = 2 # two cores\r\n\r\n[registry]\r\n# old default\r\nglobal-credential-providers = [\"cargo:libsecret\"]";
    env.write("project/.cargo/config.toml", original);
    assert_success(&init(&env, &["acme/crates"]));
    let edited = env.read("project/.cargo/config.toml");
    assert_eq!(
        edited,
        "# build settings\r\n[build]\r\njobs = 2 # two cores\r\n\r\n[registry]\r\n# old default\r\n\
         global-credential-providers = [\"cargo:libsecret\", \"cargo:token\"]\r\n\
         default = \"cnb-cargo-repo\"\r\n\r\n\
         [registries.cnb-cargo-repo]\r\nindex = \"sparse+https://cargo.cnb.cool/acme/crates/-/packages/\""
    );
    assert!(is_byte_subsequence(original.as_bytes(), edited.as_bytes()));
}

#[test]
fn provider_is_appended_and_the_position_said() {
    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        "[registry]\nglobal-credential-providers = [\n    \"cargo:libsecret\",\n    # comment\n]\n",
    );
    let out = init(&env, &["acme/crates"]);
    assert_success(&out);
    assert!(
        env.read("project/.cargo/config.toml").starts_with(
            "[registry]\nglobal-credential-providers = [\n    \"cargo:libsecret\",\n    \"cargo:token\",\n    # comment\n]\ndefault"
        ),
        "{}",
        env.read("project/.cargo/config.toml")
    );
    let err = stderr(&out);
    assert!(err.contains("after `cargo:libsecret`"), "{err}");
    assert!(err.contains("later entries take precedence"), "{err}");
}

#[test]
fn inline_registries_table_gets_an_inline_entry() {
    let env = TestEnv::new();
    let original = "[registries]\nazure = { index = \"sparse+https://pkgs.example.com/index/\" }\n\n[source.crates-io]\nreplace-with = \"azure\"\n";
    env.write("project/.cargo/config.toml", original);
    assert_success(&init(&env, &["acme/crates"]));
    let edited = env.read("project/.cargo/config.toml");
    assert!(
        edited.starts_with(&format!(
            "[registries]\nazure = {{ index = \"sparse+https://pkgs.example.com/index/\" }}\ncnb-cargo-repo = {{ index = \"{CNB_INDEX}\" }}\n\n[source.crates-io]"
        )),
        "{edited}"
    );
    assert!(!edited.contains("[registries.cnb-cargo-repo]"));
}

#[test]
fn root_inline_table_and_dotted_keys() {
    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        "registries = { other = { index = \"sparse+https://x.example/\" } }\nregistry.default = \"other\"\n",
    );
    let out = init(&env, &["acme/crates"]);
    assert_success(&out);
    assert_eq!(
        env.read("project/.cargo/config.toml"),
        format!(
            "registries = {{ other = {{ index = \"sparse+https://x.example/\" }}, cnb-cargo-repo = {{ index = \"{CNB_INDEX}\" }} }}\n\
             registry.default = \"cnb-cargo-repo\"\nregistry.global-credential-providers = [\"cargo:token\"]\n"
        )
    );
    // Replacing another default is allowed, and said.
    assert!(
        stderr(&out).contains("replaced `registry.default = \"other\"`"),
        "{}",
        stderr(&out)
    );

    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        "registries.other.index = \"sparse+https://x.example/\"\n\n[net]\nretry = 3\n",
    );
    assert_success(&init(&env, &["acme/crates", "--no-default"]));
    let edited = env.read("project/.cargo/config.toml");
    assert!(
        edited.starts_with(&format!(
            "registries.other.index = \"sparse+https://x.example/\"\nregistries.cnb-cargo-repo.index = \"{CNB_INDEX}\"\n\n[net]"
        )),
        "{edited}"
    );
    assert!(!edited.contains("default"), "{edited}");
}

#[test]
fn same_index_under_another_name_is_reused() {
    let env = TestEnv::new();
    env.write(
        "project/.cargo/config.toml",
        "[registries.cnb]\nindex = \"sparse+https://cargo.cnb.cool/acme/crates/-/packages/\"\n",
    );
    let out = init(&env, &["acme/crates"]);
    assert_success(&out);
    let edited = env.read("project/.cargo/config.toml");
    assert!(!edited.contains("cnb-cargo-repo"), "{edited}");
    assert!(edited.contains("default = \"cnb\""), "{edited}");
    assert!(
        stderr(&out).contains("already configured as `cnb`"),
        "{}",
        stderr(&out)
    );
    assert!(!edited.contains("\n[registries]"));
}

#[test]
fn bad_input_leaves_file_byte_identical() {
    let cases = [
        ("[registry\ndefault = 1\n", "config.toml:1:"),
        ("[a]\nx = 1\n[a]\ny = 2\n", "config.toml:3:"),
        (
            "# c\nregistries = \"nope\"\n[build]\njobs = 1\n",
            "config.toml:2:",
        ),
        ("registries = 5\n", "`registries` is a integer"),
        (
            "[registry]\nglobal-credential-providers = \"cargo:token\"\n",
            "config.toml:2:",
        ),
        (
            "[registry]\ndefault = 7\n",
            "`registry.default` is a integer",
        ),
    ];
    for (contents, expected) in cases {
        let env = TestEnv::new();
        let path = env.write("project/.cargo/config.toml", contents);
        let out = init(&env, &["acme/crates"]);
        assert_failure(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&path.display().to_string()),
            "{contents:?}: {err}"
        );
        assert!(
            err.contains(expected),
            "{contents:?}: expected {expected:?} in {err}"
        );
        assert!(err.contains("was not changed"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), contents);
    }
}

#[test]
fn refuses_plain_http_except_loopback() {
    let env = TestEnv::new();
    let out = init(&env, &["http://cargo.example.com/acme/crates/-/packages/"]);
    assert_failure(&out, 1);
    assert!(stderr(&out).contains("in clear"), "{}", stderr(&out));
    assert!(!env.project().join(".cargo").exists());
    for url in [
        "http://127.0.0.1:9/x/",
        "http://localhost:9/x/",
        "http://[::1]:9/x/",
    ] {
        let env = TestEnv::new();
        assert_success(&init(&env, &[url]));
    }
}

#[test]
fn bad_targets_and_names_are_usage_errors() {
    let env = TestEnv::new();
    let out = init(&env, &[]);
    assert_failure(&out, 2);
    assert!(
        stderr(&out).contains("hint: pass `cnbcargo init group/registry`"),
        "{}",
        stderr(&out)
    );
    for bad in [
        "crates",
        "acme/",
        "acme/cr ates",
        "cargo.cnb.cool/acme/crates",
    ] {
        let out = init(&env, &[bad]);
        assert_failure(&out, 2);
        assert!(stderr(&out).contains("hint:"), "{bad}: {}", stderr(&out));
    }
    let out = init(&env, &["acme/crates", "--name", "bad name"]);
    assert_failure(&out, 2);
    let out = init(&env, &["acme/crates", "--name", "crates-io"]);
    assert_failure(&out, 2);
    assert!(!env.project().join(".cargo").exists());
}

#[test]
fn writes_at_the_workspace_root() {
    let env = TestEnv::new();
    env.write(
        "project/Cargo.toml",
        "[workspace]\nmembers = [\"member\"]\nresolver = \"2\"\n",
    );
    env.new_crate("member", "member", "0.1.0", "");
    let out = run(env
        .cnbcargo()
        .args(["init", "acme/crates"])
        .current_dir(env.project().join("member")));
    assert_success(&out);
    assert!(env.project().join(".cargo/config.toml").exists());
    assert!(!env.project().join("member/.cargo").exists());
}

#[test]
fn global_writes_cargo_home() {
    let env = TestEnv::new();
    assert_success(&init(
        &env,
        &["--global", "--name", "cnb", "acme/team/crates"],
    ));
    let text = std::fs::read_to_string(env.cargo_home().join("config.toml")).unwrap();
    assert!(text.contains("[registries.cnb]\nindex = \"sparse+https://cargo.cnb.cool/acme/team/crates/-/packages/\""), "{text}");
    assert!(!env.project().join(".cargo").exists());
}

#[test]
fn legacy_config_is_edited_when_cargo_reads_it() {
    let env = TestEnv::new();
    env.write("project/.cargo/config", "[net]\nretry = 2\n");
    assert_success(&init(&env, &["acme/crates"]));
    assert!(
        env.read("project/.cargo/config")
            .contains("[registries.cnb-cargo-repo]")
    );
    assert!(!env.project().join(".cargo/config.toml").exists());
}

#[test]
fn replaced_index_is_said() {
    let env = TestEnv::new();
    env.write("project/.cargo/config.toml", "[registries.cnb-cargo-repo]\nindex = \"sparse+https://cargo.cnb.cool/old/reg/-/packages/\" # keep\n");
    let out = init(&env, &["acme/crates"]);
    assert_success(&out);
    assert!(env.read("project/.cargo/config.toml").starts_with(&format!(
        "[registries.cnb-cargo-repo]\nindex = \"{CNB_INDEX}\" # keep\n"
    )));
    assert!(
        stderr(&out).contains("warning: registry `cnb-cargo-repo` pointed at"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn read_only_file_is_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let path = env.write("project/.cargo/config.toml", "[net]\nretry = 2\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = init(&env, &["acme/crates"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("read-only") && err.contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(env.read("project/.cargo/config.toml"), "[net]\nretry = 2\n");
}

#[cfg(unix)]
#[test]
fn permissions_and_symlinks_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let real = env.write("dotfiles/cargo.toml", "[net]\nretry = 2\n");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::create_dir_all(env.project().join(".cargo")).unwrap();
    let link = env.project().join(".cargo/config.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_success(&init(&env, &["acme/crates"]));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(keeps_every_line("[net]\nretry = 2\n", &text));
    assert!(text.contains("cnb-cargo-repo"));
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// A dangling symlink at `.cargo/config.toml` (dotfiles not yet checked
/// out): written through, as a live one is, so the link stays a link;
/// pointing into a directory that does not exist, refused.
#[cfg(unix)]
#[test]
fn a_dangling_symlinked_config_is_written_through() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.path().join("dotfiles")).unwrap();
    std::fs::create_dir_all(env.project().join(".cargo")).unwrap();
    let link = env.project().join(".cargo/config.toml");
    std::os::unix::fs::symlink("../../dotfiles/cargo.toml", &link).unwrap();
    assert_success(&init(&env, &["acme/crates"]));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(env.path().join("dotfiles/cargo.toml")).unwrap();
    assert!(text.contains("[registries.cnb-cargo-repo]"), "{text}");

    let other = TestEnv::new();
    std::fs::create_dir_all(other.project().join(".cargo")).unwrap();
    let link = other.project().join(".cargo/config.toml");
    std::os::unix::fs::symlink(other.path().join("nowhere/cargo.toml"), &link).unwrap();
    let out = init(&other, &["acme/crates"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "`{}` is a symbolic link to `{}`, in a directory that does not exist",
            link.display(),
            other.path().join("nowhere/cargo.toml").display()
        )),
        "{err}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!other.path().join("nowhere").exists());
}

#[test]
fn concurrent_runs_leave_one_block() {
    let env = TestEnv::new();
    env.write("project/.cargo/config.toml", "[net]\nretry = 2\n");
    let children: Vec<_> = (0..8)
        .map(|_| {
            env.cnbcargo()
                .args(["init", "acme/crates"])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        assert_success(&child.wait_with_output().unwrap());
    }
    let text = env.read("project/.cargo/config.toml");
    assert_eq!(
        text.matches("[registries.cnb-cargo-repo]").count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("default =").count(), 1, "{text}");
    text.parse::<toml_edit::DocumentMut>().unwrap();
}

#[test]
fn unreadable_and_unwritable_paths_are_clear_errors() {
    // A directory where the config file should be: it cannot be read.
    let env = TestEnv::new();
    std::fs::create_dir_all(env.project().join(".cargo/config.toml")).unwrap();
    let out = init(&env, &["acme/crates"]);
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("not a regular file (a directory)") && err.contains("config.toml"),
        "{err}"
    );
    assert!(env.project().join(".cargo/config.toml").is_dir());

    // A file where the `.cargo` directory should be: nothing can be written.
    let env = TestEnv::new();
    env.write("project/.cargo", "not a directory\n");
    let out = init(&env, &["acme/crates"]);
    assert_failure(&out, 1);
    assert!(stderr(&out).contains(".cargo"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
    assert_eq!(env.read("project/.cargo"), "not a directory\n");
}
