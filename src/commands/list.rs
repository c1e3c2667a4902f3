//! `cnbcargo list`: the registry's crates, or one crate's versions, as a
//! table or JSON (what the registry holds is `crate::ops::list`).

use anyhow::Result;
use serde_json::json;

use crate::cli::ListArgs;
use crate::client::cnb::PackageSummary;
use crate::context::{Context, Target};
use crate::ops::list;
use crate::shell::{Shell, clean_line};
use crate::spec::validate_crate_name;

pub fn run(args: &ListArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    if let Some(name) = &args.name {
        validate_crate_name(name)?;
    }
    let target = ctx.target(args.registry.registry.as_deref())?;
    let api = ctx.api(&target, args.api.api_endpoint.as_deref())?;
    let Some(name) = &args.name else {
        let packages = list::crates(&api, shell)?;
        return overview(&packages, &target, args.json, shell);
    };
    let rows = list::versions(ctx, &target, &api, name)?;
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"version": r.tag.name, "size": r.tag.size, "yanked": r.yanked, "pushed_at": r.tag.pushed_at})
            })
            .collect();
        shell.out(&format!("{}\n", json!({"name": name, "versions": list})));
    } else {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    clean_line(&r.tag.name),
                    r.tag.size.map_or("-".into(), human_size),
                    match r.yanked {
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

/// The registry's crates, each with its version count and newest version.
fn overview(packages: &[PackageSummary], target: &Target, json: bool, shell: &Shell) -> Result<()> {
    if json {
        let list: Vec<_> = packages
            .iter()
            .map(|p| json!({"name": p.name, "versions": p.versions, "latest": p.latest}))
            .collect();
        shell.out(&format!("{}\n", serde_json::Value::Array(list)));
        return Ok(());
    }
    if packages.is_empty() {
        shell.note(format!(
            "`{}` holds no crates of its own yet",
            target.registry.name
        ));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = packages
        .iter()
        .map(|p| {
            vec![
                clean_line(&p.name),
                p.versions.map_or("-".into(), |n| n.to_string()),
                p.latest.as_deref().map_or("-".into(), clean_line),
            ]
        })
        .collect();
    shell.out(&table(&["CRATE", "VERSIONS", "LATEST"], &rows));
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
