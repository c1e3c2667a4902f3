//! `cnbcargo list`: the registry's crates, or one crate's versions.

use anyhow::Result;
use serde_json::json;

use crate::cli::ListArgs;
use crate::client::{Op, explain};
use crate::context::Context;
use crate::shell::clean_line;
use crate::spec::validate_crate_name;

pub fn run(args: &ListArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    if let Some(name) = &args.name {
        validate_crate_name(name)?;
    }
    let target = ctx.target(args.registry.registry.as_deref())?;
    let api = ctx.api(&target, args.api.api_endpoint.as_deref())?;
    let Some(name) = &args.name else {
        let packages = api
            .packages(None, shell)
            .map_err(|e| explain(e, "cannot list the registry's crates", Op::Read))?;
        if args.json {
            let list: Vec<_> = packages
                .iter()
                .map(|p| json!({"name": p.name, "versions": p.tag_total}))
                .collect();
            shell.out(&format!("{}\n", serde_json::Value::Array(list)));
        } else {
            let rows: Vec<Vec<String>> = packages
                .iter()
                .map(|p| {
                    vec![
                        clean_line(&p.name),
                        p.tag_total.map_or("-".into(), |n| n.to_string()),
                    ]
                })
                .collect();
            shell.out(&table(&["CRATE", "VERSIONS"], &rows));
        }
        return Ok(());
    };
    let tags = api
        .versions(name, shell)
        .map_err(|e| explain(e, format!("cannot list the versions of `{name}`"), Op::Read))?;
    // Yanked state lives in the index; the API gives sizes.
    let entries = if tags.is_empty() {
        Vec::new()
    } else {
        ctx.index(&target)?.versions(name, shell).map_err(|e| {
            explain(
                e,
                format!("cannot read the index entry of `{name}`"),
                Op::Read,
            )
        })?
    };
    let yanked_by_version: std::collections::HashMap<&str, bool> = entries
        .iter()
        .map(|e| (e.vers.as_str(), e.yanked))
        .collect();
    let yanked = |version: &str| yanked_by_version.get(version).copied();
    if args.json {
        let list: Vec<_> = tags
            .iter()
            .map(|t| json!({"version": t.name, "size": t.size, "yanked": yanked(&t.name)}))
            .collect();
        shell.out(&format!("{}\n", json!({"name": name, "versions": list})));
    } else {
        let rows: Vec<Vec<String>> = tags
            .iter()
            .map(|t| {
                vec![
                    clean_line(&t.name),
                    t.size.map_or("-".into(), human_size),
                    match yanked(&t.name) {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => "?".into(),
                    },
                ]
            })
            .collect();
        shell.out(&table(&["VERSION", "SIZE", "YANKED"], &rows));
    }
    Ok(())
}

fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| format!("{cell:<width$}", width = widths[i]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
