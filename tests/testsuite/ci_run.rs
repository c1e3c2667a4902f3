//! `cnbcargo ci`'s pipeline, run: the `.cnb.yaml` it writes is read with a
//! YAML parser, and the scripts of its tag-push pipeline run in order, in
//! a fresh checkout of the tagged commit, in an environment made the way
//! a CNB runner makes one (empty `CARGO_HOME`, `CI=true`, `CNB_TOKEN`,
//! `CNB_API_ENDPOINT`, no terminal), against the test registry. The
//! `docker:` keys are not obeyed: the scripts run on this machine, with
//! the toolchain that builds these tests standing in for the image's.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::*;

/// The pipeline's token: distinctive, so a leak is found by text.
const TOKEN: &str = "cnb-pipeline-token-5d1e9c";

/// How long one stage may run (a publish builds each member once).
const STAGE_DEADLINE: Duration = Duration::from_secs(120);

/// The members, in the order they depend on each other: `pa <- pb <- pc`.
const MEMBERS: [(&str, &str, &str); 3] = [
    ("pa", "1.0.0", "a"),
    ("pb", "0.2.0", "b"),
    ("pc", "0.3.0", "c"),
];

/// The workspace at the project's root (where CNB reads `.cnb.yaml`):
/// each member depends on the one before it by path, version and the
/// registry `init` names, as a workspace published to CNB does.
fn workspace(env: &TestEnv) {
    env.write(
        "project/Cargo.toml",
        "[workspace]\nmembers = [\"c\", \"b\", \"a\"]\nresolver = \"2\"\n",
    );
    env.write("project/.gitignore", "/target\n");
    let mut previous: Option<(&str, &str, &str)> = None;
    for (name, version, dir) in MEMBERS {
        let deps = previous.map_or(String::new(), |(dep, dep_version, dep_dir)| {
            format!(
                "{dep} = {{ path = \"../{dep_dir}\", version = \"{dep_version}\", registry = \"cnb-cargo-repo\" }}\n"
            )
        });
        env.write(
            &format!("project/{dir}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
                 description = \"x\"\nlicense = \"MIT\"\n\n[dependencies]\n{deps}"
            ),
        );
        let body = match previous {
            Some((dep, _, _)) => format!("{dep}::value() + 1"),
            None => "1".to_string(),
        };
        env.write(
            &format!("project/{dir}/src/lib.rs"),
            &format!("pub fn value() -> u32 {{ {body} }}\n"),
        );
        previous = Some((name, version, dir));
    }
}

/// `s` as one word for bash.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The install line: the binary under test into `$CARGO_HOME/bin`, which
/// the runner's `PATH` lists first.
fn install_line() -> String {
    let bin = cnbcargo_bin();
    format!(
        "mkdir -p \"$CARGO_HOME/bin\" && cp {} \"$CARGO_HOME/bin/\"",
        shell_quote(bin.to_str().expect("a UTF-8 path to the binary"))
    )
}

/// Whether a pipeline's scripts run `cnbcargo publish`.
fn runs_publish(pipeline: &Yaml) -> bool {
    stages(pipeline)
        .iter()
        .any(|(_, script)| script.contains("cnbcargo publish"))
}

/// The pipeline `ci` wrote under `$: tag_push:`: named for cnbcargo, or
/// the one that publishes with it; exactly one.
fn cnbcargo_pipeline(doc: &Yaml) -> &Yaml {
    let pipelines = doc["$"]["tag_push"]
        .as_vec()
        .expect("`$: tag_push:` is a list of pipelines");
    let found: Vec<&Yaml> = pipelines
        .iter()
        .filter(|p| p["name"].as_str().is_some_and(|n| n.contains("cnbcargo")) || runs_publish(p))
        .collect();
    assert_eq!(found.len(), 1, "one cnbcargo pipeline: {pipelines:?}");
    found[0]
}

/// Each stage's name and script (a list of lines is one script, a line
/// each); a stage with no script (a CNB built-in task) cannot run here.
fn stages(pipeline: &Yaml) -> Vec<(String, String)> {
    let stages = pipeline["stages"].as_vec().expect("the pipeline's stages");
    stages
        .iter()
        .map(|stage| {
            let name = stage["name"].as_str().unwrap_or("(unnamed)").to_string();
            let script = match &stage["script"] {
                Yaml::String(s) => s.clone(),
                Yaml::Array(lines) => lines
                    .iter()
                    .map(|l| l.as_str().expect("a script line is text"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                other => panic!("stage `{name}` has no script to run here: {other:?}"),
            };
            (name, script)
        })
        .collect()
}

/// One run of the pipeline: a fresh checkout of `tag`, a fresh
/// environment, each stage's script in order.
struct Runner<'a> {
    env: &'a TestEnv,
    registry: &'a TestRegistry,
    /// This run's own directory: `checkout/`, `cargo-home/`, `home/`.
    dir: PathBuf,
    /// A stand-in for crates.io's index (`audit` asks it), so that no
    /// stage reaches the real one.
    crates_io: Option<String>,
}

impl Runner<'_> {
    fn checkout(&self) -> PathBuf {
        self.dir.join("checkout")
    }

    fn cargo_home(&self) -> PathBuf {
        self.dir.join("cargo-home")
    }

    /// The runner's `PATH`: what the install stage installs, then the
    /// toolchain the tests are built with (standing in for the image's),
    /// then the system's tools (bash, cp, cc).
    fn path(&self) -> std::ffi::OsString {
        let toolchain = real_cargo().parent().unwrap().to_path_buf();
        let dirs = [self.cargo_home().join("bin"), toolchain]
            .into_iter()
            .chain(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from));
        std::env::join_paths(dirs).unwrap()
    }

    /// A script as a CNB runner runs it: `bash -e`, nothing inherited.
    fn command(&self, script: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.env_clear()
            .args(["-e", "-c", script])
            .env("PATH", self.path())
            .env("CARGO_HOME", self.cargo_home())
            .env("HOME", self.dir.join("home"))
            .env("CI", "true")
            .env("CNB_TOKEN", TOKEN)
            .env("CNB_API_ENDPOINT", self.registry.api_url())
            .current_dir(self.checkout())
            .stdin(Stdio::null());
        // Where the toolchain lives, in case the cargo above is rustup's
        // proxy (as `TestEnv` passes it on).
        if let Some(rustup) = rustup_home() {
            cmd.env("RUSTUP_HOME", rustup);
        }
        if let Some(index) = &self.crates_io {
            cmd.env("CNBCARGO_CRATES_IO_INDEX", index);
        }
        cmd
    }

    /// Clones the project at `tag` and runs the pipeline's stages in
    /// order; fails the test at the first stage that fails or hangs.
    /// Returns every stage's output.
    fn run(&self, tag: &str, pipeline: &Yaml) -> Vec<Output> {
        self.clone_at(tag);
        let mut outputs = Vec::new();
        for (name, script) in stages(pipeline) {
            let (out, shown) = self.stage(&name, &script);
            assert!(out.status.success(), "{shown}");
            eprintln!("{shown}");
            outputs.push(out);
        }
        outputs
    }

    /// Runs the stages in order until one fails, as a CI runner does:
    /// the failing stage's name and output. Fails the test if all pass.
    fn run_to_failure(&self, tag: &str, pipeline: &Yaml) -> (String, Output) {
        self.clone_at(tag);
        for (name, script) in stages(pipeline) {
            let (out, shown) = self.stage(&name, &script);
            eprintln!("{shown}");
            if !out.status.success() {
                return (name, out);
            }
        }
        panic!("every stage passed");
    }

    /// One stage's script, bounded in time (a hang fails the test), and
    /// its output as a report.
    fn stage(&self, name: &str, script: &str) -> (Output, String) {
        let started = Instant::now();
        let bounded = run_bounded(&mut self.command(script), STAGE_DEADLINE);
        let out = bounded.output;
        let shown = format!(
            "stage `{name}` (`{script}`) {}after {:.1?}\n--- stdout\n{}\n--- stderr\n{}",
            if bounded.timed_out {
                "hung, killed "
            } else {
                ""
            },
            started.elapsed(),
            tail(&stdout(&out)),
            tail(&stderr(&out)),
        );
        assert!(!bounded.timed_out, "{shown}");
        (out, shown)
    }

    fn clone_at(&self, tag: &str) {
        for dir in ["cargo-home", "home"] {
            std::fs::create_dir_all(self.dir.join(dir)).unwrap();
        }
        let checkout = self.checkout();
        git(
            self.env,
            &self.dir,
            &[
                "clone",
                "--quiet",
                "--branch",
                tag,
                "../../project",
                "checkout",
            ],
        );
        assert!(checkout.join(".cargo/config.toml").is_file());
    }
}

/// Every member's version is in the registry, as its index lists it.
#[track_caller]
fn assert_published(registry: &TestRegistry) {
    for (name, version, _) in MEMBERS {
        assert_eq!(registry.version_names(name), [version], "{name}");
        let entries = registry.entries(name);
        assert_eq!(entries.len(), 1, "{name}: {entries:?}");
        assert_eq!(entries[0]["vers"], version, "{name}");
    }
}

#[test]
fn the_written_pipeline_publishes_the_workspace_when_run() {
    let registry = TestRegistry::builder().token(TOKEN).start();
    let env = TestEnv::new();
    let project = env.project();
    git(&env, &project, &["init", "--quiet"]);
    workspace(&env);
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    // The registry block is committed before `ci` runs, as `ci` wants it
    // tracked (it is the only copy CI gets).
    git(&env, &project, &["add", "--all"]);
    git(
        &env,
        &project,
        &["commit", "--quiet", "-m", "the workspace"],
    );
    let ci = run(env.cnbcargo().args(["ci", "--install", &install_line()]));
    assert_success(&ci);
    git(&env, &project, &["add", "--all"]);
    git(
        &env,
        &project,
        &["commit", "--quiet", "-m", "publish with cnbcargo"],
    );
    git(&env, &project, &["tag", "v1.0.0"]);

    let text = env.read("project/.cnb.yaml");
    let doc = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{e}:\n{text}"))
        .remove(0);
    let pipeline = cnbcargo_pipeline(&doc);
    let scripts: Vec<String> = stages(pipeline).into_iter().map(|(_, s)| s).collect();
    assert!(
        scripts.iter().any(|s| s.contains(&install_line())),
        "the install line is among the scripts:\n{text}"
    );

    // Only what the install stage puts there is `cnbcargo` on the runner.
    let first = Runner {
        env: &env,
        registry: &registry,
        dir: env.path().join("runs/1"),
        crates_io: None,
    };
    let without_install = run(first
        .command("! command -v cnbcargo")
        .current_dir(env.path()));
    assert_success(&without_install);

    registry.clear_log();
    let outputs = first.run("v1.0.0", pipeline);
    let uploaded = registry.uploads();
    assert_eq!(
        uploaded,
        ["pa@1.0.0", "pb@0.2.0", "pc@0.3.0"],
        "each member once, in order"
    );
    assert_published(&registry);

    // A rerun on the same tag (a new runner, a new checkout): it succeeds
    // and uploads nothing.
    registry.clear_log();
    let second = Runner {
        env: &env,
        registry: &registry,
        dir: env.path().join("runs/2"),
        crates_io: None,
    };
    let rerun = second.run("v1.0.0", pipeline);
    assert!(
        registry.upload_requests().is_empty(),
        "{:?}",
        registry.uploads()
    );
    assert_published(&registry);

    let all: Vec<&Output> = [&ci].into_iter().chain(&outputs).chain(&rerun).collect();
    assert_not_shown(TOKEN, &all);
    assert_not_in_files(TOKEN, &first.checkout(), &[]);
    assert_not_in_files(TOKEN, &second.checkout(), &[]);
}

#[test]
fn with_audit_the_pipeline_fails_before_publishing_a_confused_workspace() {
    // `pa` declares `ghost` from the registry, which holds no version of
    // it: the registry's crates.io proxy would supply crates.io's `ghost`.
    let registry = TestRegistry::builder()
        .token(TOKEN)
        .upstream("ghost", "1.0.0")
        .start();
    let crates_io = fake_crates_io(&[("ghost", "1.0.0")]);
    let env = TestEnv::new();
    let project = env.project();
    git(&env, &project, &["init", "--quiet"]);
    workspace(&env);
    let manifest = env.read("project/a/Cargo.toml");
    env.write(
        "project/a/Cargo.toml",
        &format!("{manifest}ghost = {{ version = \"1\", registry = \"cnb-cargo-repo\" }}\n"),
    );
    assert_success(&run(env.cnbcargo().args(["init", &registry.http_index()])));
    git(&env, &project, &["add", "--all"]);
    git(
        &env,
        &project,
        &["commit", "--quiet", "-m", "the workspace"],
    );
    let ci = run(env
        .cnbcargo()
        .args(["ci", "--audit", "--install", &install_line()]));
    assert_success(&ci);
    git(&env, &project, &["add", "--all"]);
    git(
        &env,
        &project,
        &["commit", "--quiet", "-m", "publish with cnbcargo"],
    );
    git(&env, &project, &["tag", "v1.0.0"]);
    let text = env.read("project/.cnb.yaml");
    let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let pipeline = cnbcargo_pipeline(&doc);

    registry.clear_log();
    let runner = Runner {
        env: &env,
        registry: &registry,
        dir: env.path().join("runs/1"),
        crates_io: Some(crates_io.http_index()),
    };
    let (stage, out) = runner.run_to_failure("v1.0.0", pipeline);
    assert!(
        stage.contains("audit"),
        "the audit stage fails the run, not `{stage}`"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`ghost` is declared with `registry = \"cnb-cargo-repo\"`"),
        "{}",
        stderr(&out)
    );
    // The run stopped there: nothing went up.
    assert!(
        registry.upload_requests().is_empty(),
        "{:?}",
        registry.uploads()
    );
    assert_not_shown(TOKEN, &[&ci, &out]);
}
