//! `cnbcargo ci`: a `.cnb.yaml` pipeline that publishes on tag pushes,
//! merged into an existing file as text so that nothing in it changes.

use std::path::Path;

use anyhow::Result;

use crate::cargo_config::write;
use crate::cli::CiArgs;
use crate::context::Context;
use crate::error::UserError;

/// CNB's own Rust example image (from CNB's docs).
const IMAGE: &str = "docker.cnb.cool/examples/language/rust-1.87";

/// The pipeline, as lines relative to its list item's indentation.
fn pipeline(install: &str) -> Vec<String> {
    vec![
        "- name: publish crates with cnbcargo".to_string(),
        "  docker:".to_string(),
        format!("    image: {IMAGE}"),
        "  stages:".to_string(),
        "    - name: install cnbcargo".to_string(),
        format!("      script: {install}"),
        "    - name: log cargo in with the pipeline's CNB_TOKEN".to_string(),
        "      script: cnbcargo login".to_string(),
        "    - name: publish (skips versions already published)".to_string(),
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
    let merged = merge(&original, &args.install).map_err(|e| {
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
pub fn merge(original: &str, install: &str) -> Result<Option<String>, String> {
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
    let item = pipeline(install);
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
        let out = merge("", "cargo install cnbcargo").unwrap().unwrap();
        assert!(out.starts_with("$:\n  tag_push:\n    - name: publish crates with cnbcargo\n"));
        assert!(out.contains("      stages:\n        - name: install cnbcargo\n          script: cargo install cnbcargo\n"));
    }

    #[test]
    fn existing_content_is_kept() {
        let original = "# build everything\nmain:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n";
        let out = merge(original, "x").unwrap().unwrap();
        assert!(out.starts_with(original));
        let original = "$:\n  # releases\n  tag_push:\n    - stages:\n        - script: echo hi\nmain:\n  push: []\n";
        let out = merge(original, "x").unwrap().unwrap();
        assert!(out.starts_with(
            "$:\n  # releases\n  tag_push:\n    - name: publish crates with cnbcargo\n"
        ));
        assert!(out.ends_with("    - stages:\n        - script: echo hi\nmain:\n  push: []\n"));
        let original = "$:\n    push:\n      - stages: [ {script: make} ]\n";
        let out = merge(original, "x").unwrap().unwrap();
        assert!(
            out.starts_with("$:\n    tag_push:\n      - name: publish"),
            "{out}"
        );
        assert!(out.ends_with("    push:\n      - stages: [ {script: make} ]\n"));
        assert_eq!(merge(&out, "x").unwrap(), None);
    }

    #[test]
    fn flow_style_and_tabs_are_refused() {
        assert!(merge("$: {tag_push: []}\n", "x").is_err());
        assert!(merge("main:\n\tpush: []\n", "x").is_err());
    }
}
