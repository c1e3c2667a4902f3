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
mod yaml;

pub use install::Install;

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

/// The pipeline's stages: names and scripts. No install stage where the
/// image already has cnbcargo (`install` is `None`).
fn stages(install: Option<&str>) -> Vec<(&'static str, &str)> {
    let mut stages = Vec::new();
    if let Some(install) = install {
        stages.push(("install cnbcargo", install));
    }
    stages.push((
        "log cargo in with the pipeline's CNB_TOKEN",
        "cnbcargo login",
    ));
    stages.push((
        "publish the workspace (skips versions already published)",
        "cnbcargo publish",
    ));
    stages
}

const PIPELINE_NAME: &str = "publish crates with cnbcargo";

/// The pipeline, as lines relative to its list item's indentation.
fn pipeline(install: Option<&str>, image: &str) -> Vec<String> {
    let mut lines = vec![
        format!("- name: {PIPELINE_NAME}"),
        "  docker:".to_string(),
        format!("    image: {image}"),
        "  stages:".to_string(),
    ];
    for (name, script) in stages(install) {
        lines.push(format!("    - name: {name}"));
        lines.push(format!("      script: {script}"));
    }
    lines
}

/// The pipeline as the YAML parser must read it back.
fn pipeline_yaml(install: Option<&str>, image: &str) -> Yaml {
    let text = |t: &str| Yaml::String(t.to_string());
    let map = |pairs: Vec<(&str, Yaml)>| -> Yaml {
        Yaml::Hash(pairs.into_iter().map(|(k, v)| (text(k), v)).collect())
    };
    let stages = stages(install)
        .into_iter()
        .map(|(name, script)| map(vec![("name", text(name)), ("script", text(script))]))
        .collect();
    map(vec![
        ("name", text(PIPELINE_NAME)),
        ("docker", map(vec![("image", text(image))])),
        ("stages", Yaml::Array(stages)),
    ])
}

/// What `write` is asked for.
#[derive(Debug)]
pub struct Options<'a> {
    /// Print the change as a diff and write nothing.
    pub dry_run: bool,
    /// How the pipeline gets cnbcargo (`install::choose` decides).
    pub install: &'a Install,
    /// The pipeline's image; `None` for the official Rust image that
    /// builds the workspace and cnbcargo.
    pub image: Option<&'a str>,
}

/// What `write` did, to which file.
#[derive(Debug)]
pub struct Report {
    pub path: PathBuf,
    pub outcome: Outcome,
}

/// Merges the pipeline into the workspace root's `.cnb.yaml` (made when
/// missing), or shows the change on a dry run.
pub fn write(ctx: &Context, options: &Options<'_>) -> Result<Report> {
    let path = ctx.workspace_root()?.join(".cnb.yaml");
    let (outcome, ()) = edit::edit_file(&path, options.dry_run, &ctx.shell, |original| {
        let image = match options.image {
            Some(image) => image.to_string(),
            None => default_image(&rust_versions(ctx)),
        };
        let merged = merge(original, options.install.command(), &image)?;
        Ok((merged.unwrap_or_else(|| original.to_string()), ()))
    })?;
    Ok(Report { path, outcome })
}

/// The workspace's `rust-version`s (none when cargo cannot say).
fn rust_versions(ctx: &Context) -> Vec<String> {
    ctx.cargo
        .workspace(None)
        .map(|m| {
            m.packages
                .into_iter()
                .filter_map(|p| p.rust_version)
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
        let written = merge("", Some(DOCS_INSTALL), &default_image(&[]))
            .unwrap()
            .unwrap();
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
