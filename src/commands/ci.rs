//! `cnbcargo ci`: a `.cnb.yaml` pipeline that publishes on tag pushes,
//! merged into an existing file as text so that nothing in it changes.

use std::path::Path;

use anyhow::Result;

use crate::cargo_config::write;
use crate::cli::CiArgs;
use crate::context::Context;
use crate::error::UserError;

/// How the pipeline installs cnbcargo (also in README.md and docs/ci.md,
/// which a test keeps in step).
pub const INSTALL: &str = "cargo install --locked cnbcargo";
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

/// The pipeline, as lines relative to its list item's indentation.
fn pipeline(install: &str, image: &str) -> Vec<String> {
    vec![
        "- name: publish crates with cnbcargo".to_string(),
        "  docker:".to_string(),
        format!("    image: {image}"),
        "  stages:".to_string(),
        "    - name: install cnbcargo".to_string(),
        format!("      script: {install}"),
        "    - name: log cargo in with the pipeline's CNB_TOKEN".to_string(),
        "      script: cnbcargo login".to_string(),
        "    - name: publish the workspace (skips versions already published)".to_string(),
        "      script: cnbcargo publish".to_string(),
    ]
}

pub fn run(args: &CiArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let root = ctx.workspace_root()?;
    let path = root.join(".cnb.yaml");
    // Concurrent runs take turns; a dry run writes nothing and locks nothing.
    let lock = if args.dry_run {
        None
    } else {
        Some(write::DirLock::for_file(&path)?)
    };
    let original = match crate::fs::read_regular(&path)? {
        None => String::new(),
        Some(bytes) => String::from_utf8(bytes).map_err(|_| {
            UserError::new(format!("`{}` is not valid UTF-8", path.display()))
                .hint("the file was not changed")
        })?,
    };
    let image = match &args.image {
        Some(image) => image.clone(),
        None => {
            let rust_versions: Vec<String> = ctx
                .cargo
                .workspace(None)
                .map(|m| {
                    m.packages
                        .into_iter()
                        .filter_map(|p| p.rust_version)
                        .collect()
                })
                .unwrap_or_default();
            default_image(&rust_versions)
        }
    };
    let merged = merge(&original, &args.install, &image).map_err(|e| {
        UserError::new(format!("`{}`: {e}", path.display()))
            .hint("the file was not changed; add the pipeline by hand (`cnbcargo ci --dry-run` on an empty directory prints it)")
    })?;
    let Some(merged) = merged else {
        shell.status(
            "Fresh",
            format!("`{}` already publishes with cnbcargo", path.display()),
        );
        return Ok(());
    };
    let Some(lock) = lock else {
        shell.out(&diff(&path, &original, &merged));
        shell.note("dry run: nothing was written");
        return Ok(());
    };
    let created = original.is_empty() && !path.exists();
    write::write_atomic(&lock, &path, merged.as_bytes())?;
    shell.status(
        if created { "Created" } else { "Updated" },
        path.display().to_string(),
    );
    shell.hint("the pipeline runs on `tag_push`: push a tag to publish");
    Ok(())
}

fn diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&name, &name)
        .to_string()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// A key line `key:` (optionally quoted, optionally with a comment after).
fn is_key(line: &str, key: &str) -> bool {
    let trimmed = line.trim();
    let body = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
    [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ]
    .iter()
    .any(|k| body == k)
}

/// The merged file, or `None` when it already publishes with cnbcargo.
pub fn merge(original: &str, install: &str, image: &str) -> Result<Option<String>, String> {
    if original.contains("cnbcargo publish") {
        return Ok(None);
    }
    if original.contains('\t') {
        return Err("the file contains tabs, which YAML does not allow for indentation".into());
    }
    let nl = if original.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let item = pipeline(install, image);
    let indented = |indent: usize| -> String {
        item.iter()
            .map(|l| format!("{}{l}{nl}", " ".repeat(indent)))
            .collect()
    };

    let top = lines.iter().position(|l| {
        indent_of(l) == 0 && ["$:", "\"$\":", "'$':"].iter().any(|k| l.starts_with(k))
    });
    let Some(top) = top else {
        if lines
            .iter()
            .any(|l| indent_of(l) == 0 && l.trim_start().starts_with('{'))
        {
            return Err("flow-style YAML (`{ ... }`) cannot be merged into".into());
        }
        // No `$:` branch yet: append one; other top-level keys are untouched.
        let mut out = original.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(nl);
        }
        if !out.trim().is_empty() {
            out.push_str(nl);
        }
        out.push_str(&format!("$:{nl}  tag_push:{nl}"));
        out.push_str(&indented(4));
        return Ok(Some(out));
    };
    let after_colon = lines[top]
        .split_once(':')
        .map_or("", |(_, rest)| rest)
        .trim();
    if !after_colon.is_empty() && !after_colon.starts_with('#') {
        return Err("`$:` is written in flow style (`{ ... }`) and cannot be merged into".into());
    }
    // The `$:` block: up to the next top-level content line.
    let end = lines[top + 1..]
        .iter()
        .position(|l| is_content(l) && indent_of(l) == 0)
        .map_or(lines.len(), |i| top + 1 + i);
    let child_indent = lines[top + 1..end]
        .iter()
        .find(|l| is_content(l))
        .map_or(2, |l| indent_of(l));
    let tag_push = (top + 1..end)
        .find(|&i| indent_of(lines[i]) == child_indent && is_key(lines[i], "tag_push"));
    let mut out = String::new();
    match tag_push {
        Some(at) => {
            if lines[at].contains('[') {
                return Err(
                    "`tag_push:` is written in flow style and cannot be merged into".into(),
                );
            }
            let item_indent = lines[at + 1..end]
                .iter()
                .find(|l| is_content(l))
                .map_or(child_indent + 2, |l| indent_of(l));
            for (i, line) in lines.iter().enumerate() {
                out.push_str(line);
                if i == at {
                    if !line.ends_with('\n') {
                        out.push_str(nl);
                    }
                    out.push_str(&indented(item_indent));
                }
            }
        }
        None => {
            for (i, line) in lines.iter().enumerate() {
                out.push_str(line);
                if i == top {
                    if !line.ends_with('\n') {
                        out.push_str(nl);
                    }
                    out.push_str(&format!("{}tag_push:{nl}", " ".repeat(child_indent)));
                    out.push_str(&indented(child_indent + 2));
                }
            }
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_file_gets_the_pipeline() {
        let out = merge("", "cargo install cnbcargo", "rust:1.89")
            .unwrap()
            .unwrap();
        assert!(out.starts_with("$:\n  tag_push:\n    - name: publish crates with cnbcargo\n"));
        assert!(out.contains("      stages:\n        - name: install cnbcargo\n          script: cargo install cnbcargo\n"));
    }

    #[test]
    fn existing_content_is_kept() {
        let original = "# build everything\nmain:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n";
        let out = merge(original, "x", "rust:1.89").unwrap().unwrap();
        assert!(out.starts_with(original));
        let original = "$:\n  # releases\n  tag_push:\n    - stages:\n        - script: echo hi\nmain:\n  push: []\n";
        let out = merge(original, "x", "rust:1.89").unwrap().unwrap();
        assert!(out.starts_with(
            "$:\n  # releases\n  tag_push:\n    - name: publish crates with cnbcargo\n"
        ));
        assert!(out.ends_with("    - stages:\n        - script: echo hi\nmain:\n  push: []\n"));
        let original = "$:\n    push:\n      - stages: [ {script: make} ]\n";
        let out = merge(original, "x", "rust:1.89").unwrap().unwrap();
        assert!(
            out.starts_with("$:\n    tag_push:\n      - name: publish"),
            "{out}"
        );
        assert!(out.ends_with("    push:\n      - stages: [ {script: make} ]\n"));
        assert_eq!(merge(&out, "x", "rust:1.89").unwrap(), None);
    }

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

    /// docs/ci.md shows the pipeline `cnbcargo ci` writes, and README.md
    /// its install line: they cannot drift apart.
    #[test]
    fn docs_show_the_pipeline_that_is_written() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let docs = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
        let written = merge("", INSTALL, &default_image(&[])).unwrap().unwrap();
        assert!(
            docs.contains(&written),
            "docs/ci.md must show, verbatim:\n{written}"
        );
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        assert!(readme.contains(INSTALL), "README.md must name `{INSTALL}`");
    }

    #[test]
    fn flow_style_and_tabs_are_refused() {
        assert!(merge("$: {tag_push: []}\n", "x", "rust:1.89").is_err());
        assert!(merge("main:\n\tpush: []\n", "x", "rust:1.89").is_err());
    }
}
