//! The `.cnb.yaml` pipeline that publishes on tag pushes (`cnbcargo ci`),
//! merged into an existing file as text so that nothing in it changes, and
//! only where a YAML parser reads the result as the original document plus
//! the pipeline.

use std::path::PathBuf;

use anyhow::Result;

use crate::context::Context;
use crate::fs::edit::{self, Outcome};

pub mod install;
mod merge;
mod preconditions;
mod yaml;

use merge::merge;
use yaml_rust2::Yaml;

/// The oldest Rust that builds cnbcargo.
const OWN_RUST_VERSION: &str = env!("CARGO_PKG_RUST_VERSION");

/// The official Rust image for the newest of the workspace's
/// `rust-version`s and cnbcargo's own, so the pipeline can build both.
fn default_image(rust_versions: &[String]) -> String {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.trim().split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    let newest = rust_versions
        .iter()
        .map(String::as_str)
        .chain([OWN_RUST_VERSION])
        .filter_map(parse)
        .max()
        .unwrap_or((1, 89));
    format!("rust:{}.{}", newest.0, newest.1)
}

/// The official Rust image's `CARGO_HOME`, whose `registry` and `git`
/// directories the pipeline caches.
const CARGO_HOME: &str = "/usr/local/cargo";

/// Where the pipeline's cargo builds (`CARGO_TARGET_DIR`), cached so that
/// `cargo install` on the next tag finds cnbcargo's build fresh instead of
/// compiling it again. A directory of its own: a cache volume mounted over
/// a directory the image fills (`$CARGO_HOME/bin`, which holds `cargo`
/// itself) could hide what the image put there.
const TARGET_DIR: &str = "/usr/local/cargo/cnbcargo-target";

/// The cache volumes, in CNB's `<path>:copy-on-write` form: each run
/// starts from what the last one left and its writes never clash with a
/// run beside it.
pub fn volumes() -> [String; 3] {
    [
        format!("{CARGO_HOME}/registry:copy-on-write"),
        format!("{CARGO_HOME}/git:copy-on-write"),
        format!("{TARGET_DIR}:copy-on-write"),
    ]
}

/// What the publish pipeline is made of.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// `None` where the image already has cnbcargo: no install stage.
    pub install: Option<&'a str>,
    pub image: &'a str,
    /// A `cnbcargo audit` stage before publishing.
    pub audit: bool,
}

/// The pipeline's stages: names and scripts.
fn stages(spec: &Spec<'_>) -> Vec<(&'static str, String)> {
    let mut stages = Vec::new();
    if let Some(install) = spec.install {
        stages.push(("install cnbcargo", install.to_string()));
    }
    stages.push((
        "log cargo in with the pipeline's CNB_TOKEN",
        "cnbcargo login".to_string(),
    ));
    if spec.audit {
        stages.push((
            "audit the dependencies (fails on one the crates.io proxy would supply)",
            "cnbcargo audit".to_string(),
        ));
    }
    stages.push((
        "publish the workspace (skips versions already published)",
        "cnbcargo publish".to_string(),
    ));
    stages
}

const PIPELINE_NAME: &str = "publish crates with cnbcargo";

/// One list item `ci` adds under `$:`: the event it goes under, its lines
/// (relative to the item's indentation), how a YAML parser must read them,
/// and how to tell that a file already has what it is for.
pub struct Block {
    pub event: &'static str,
    pub lines: Vec<String>,
    pub yaml: Yaml,
    pub present: fn(&Yaml) -> bool,
}

fn text(t: &str) -> Yaml {
    Yaml::String(t.to_string())
}

fn map(pairs: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::Hash(pairs.into_iter().map(|(k, v)| (text(k), v)).collect())
}

/// The pipeline that publishes on `tag_push`.
pub fn publish_block(spec: &Spec<'_>) -> Block {
    let mut lines = vec![
        format!("- name: {PIPELINE_NAME}"),
        "  docker:".to_string(),
        format!("    image: {}", spec.image),
        "    volumes:".to_string(),
    ];
    lines.extend(volumes().iter().map(|v| format!("      - {v}")));
    lines.push("  env:".to_string());
    lines.push(format!("    CARGO_TARGET_DIR: {TARGET_DIR}"));
    lines.push("  stages:".to_string());
    for (name, script) in stages(spec) {
        lines.push(format!("    - name: {name}"));
        lines.push(format!("      script: {script}"));
    }
    let stages = stages(spec)
        .into_iter()
        .map(|(name, script)| map(vec![("name", text(name)), ("script", text(&script))]))
        .collect();
    let volumes = volumes().iter().map(|v| text(v)).collect();
    let yaml = map(vec![
        ("name", text(PIPELINE_NAME)),
        (
            "docker",
            map(vec![
                ("image", text(spec.image)),
                ("volumes", Yaml::Array(volumes)),
            ]),
        ),
        ("env", map(vec![("CARGO_TARGET_DIR", text(TARGET_DIR))])),
        ("stages", Yaml::Array(stages)),
    ]);
    Block {
        event: "tag_push",
        lines,
        yaml,
        present: yaml::publishes,
    }
}

/// CNB's cloud workspace (the `vscode` event: the branch page's
/// Workspace button) in the pipeline's image, with Docker inside.
pub fn workspace_block(image: &str) -> Block {
    let lines = vec![
        "- docker:".to_string(),
        format!("    image: {image}"),
        "  services:".to_string(),
        "    - vscode".to_string(),
        "    - docker".to_string(),
    ];
    let yaml = map(vec![
        ("docker", map(vec![("image", text(image))])),
        (
            "services",
            Yaml::Array(vec![text("vscode"), text("docker")]),
        ),
    ]);
    Block {
        event: "vscode",
        lines,
        yaml,
        present: has_workspace,
    }
}

/// Whether `$:` already has a `vscode` pipeline: a second one would be a
/// second workspace, so any is left as it is.
fn has_workspace(doc: &Yaml) -> bool {
    doc["$"]["vscode"].as_vec().is_some_and(|v| !v.is_empty())
}

/// What `write` is asked for.
#[derive(Debug)]
pub struct Options<'a> {
    /// Print the change as a diff and write nothing.
    pub dry_run: bool,
    /// `--install`: the command the pipeline installs cnbcargo with;
    /// `None` to have `install::choose` find the source this cnbcargo
    /// was installed from.
    pub install: Option<&'a str>,
    /// The pipeline's image; `None` for the official Rust image that
    /// builds the workspace and cnbcargo.
    pub image: Option<&'a str>,
    /// A `cnbcargo audit` stage before publishing.
    pub audit: bool,
    /// CNB's cloud workspace block (`$:`'s `vscode:`) in the same image.
    pub dev_env: bool,
}

/// What `write` did, to which file.
#[derive(Debug)]
pub struct Report {
    pub path: PathBuf,
    pub outcome: Outcome,
    /// The events (`tag_push`, `vscode`) whose block the file already had,
    /// so `ci` left them alone.
    pub present: Vec<&'static str>,
}

/// Merges the pipeline into the workspace root's `.cnb.yaml` (made when
/// missing), or shows the change on a dry run.
pub fn write(ctx: &Context, options: &Options<'_>) -> Result<Report> {
    // What the project lacks comes first; then how CI gets cnbcargo.
    preconditions::check(ctx)?;
    let install = install::choose(ctx, options.install, options.image)?;
    let path = ctx.workspace_root()?.join(".cnb.yaml");
    let (outcome, present) = edit::edit_file(&path, options.dry_run, &ctx.shell, |original| {
        let image = match options.image {
            Some(image) => image.to_string(),
            None => default_image(&rust_versions(ctx)),
        };
        let spec = Spec {
            install: install.command(),
            image: &image,
            audit: options.audit,
        };
        let mut blocks = vec![publish_block(&spec)];
        if options.dev_env {
            blocks.push(workspace_block(&image));
        }
        // One block after the other, each merged into the text the one
        // before left, by the same rules.
        let mut text = original.to_string();
        let mut present = Vec::new();
        for block in &blocks {
            match merge(&text, block)? {
                Some(merged) => text = merged,
                None => present.push(block.event),
            }
        }
        Ok((text, present))
    })?;
    Ok(Report {
        path,
        outcome,
        present,
    })
}

/// The workspace's `rust-version`s (none when cargo cannot say).
fn rust_versions(ctx: &Context) -> Vec<String> {
    ctx.metadata()
        .map(|m| {
            m.packages
                .iter()
                .filter_map(|p| p.rust_version.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_meets_every_rust_version() {
        assert_eq!(default_image(&[]), format!("rust:{}", OWN_RUST_VERSION));
        assert_eq!(
            default_image(&["1.92".into(), "1.70.1".into()]),
            "rust:1.92"
        );
        assert_eq!(
            default_image(&["junk".into()]),
            format!("rust:{}", OWN_RUST_VERSION)
        );
    }

    /// docs/ci.md shows the pipeline `cnbcargo ci` writes for a git install,
    /// and README.md says the install line is chosen, not fixed: they
    /// cannot drift apart.
    #[test]
    fn docs_show_the_pipeline_that_is_written() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let docs = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
        let image = default_image(&[]);
        let spec = Spec {
            install: Some(DOCS_INSTALL),
            image: &image,
            audit: false,
        };
        let written = merge("", &publish_block(&spec)).unwrap().unwrap();
        assert!(
            docs.contains(&written),
            "docs/ci.md must show, verbatim:\n{written}"
        );
        assert!(docs.contains("## How the install line is chosen"));
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        assert!(
            !readme.contains("installs with `cargo install --locked cnbcargo`"),
            "README.md must not name an unpinned crates.io install"
        );
        assert!(readme.contains("`--install COMMAND` or `--image IMAGE`"));
    }

    /// The install line docs/ci.md shows: a git install, pinned.
    const DOCS_INSTALL: &str = "cargo install --locked --git https://cnb.cool/acme/cnbcargo --rev 0123456789abcdef0123456789abcdef01234567 cnbcargo";
}
