//! `cnbcargo list`: the registry's crates, or one crate's versions.

use anyhow::Result;
use serde_json::json;

use crate::cli::ListArgs;
use crate::client::cnb::{CnbApi, PackageSummary};
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::explain::{Op, VersionNames, explain};
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
        return overview(&api, &target, args.json, shell);
    };
    let tags = api
        .versions(name)
        .map_err(|e| explain(e, format!("cannot list the versions of `{name}`"), Op::Read))?;
    if tags.is_empty() {
        return Err(not_in_registry(ctx, &target, name));
    }
    // Yanked state lives in the index; the API gives sizes.
    let entries = ctx.index(&target)?.versions(name).map_err(|e| {
        explain(
            e,
            format!("cannot read the index entry of `{name}`"),
            Op::Read,
        )
    })?;
    let yanked_by_version: std::collections::HashMap<&str, bool> = entries
        .iter()
        .map(|e| (e.vers.as_str(), e.yanked))
        .collect();
    let yanked = |version: &str| yanked_by_version.get(version).copied();
    if args.json {
        let list: Vec<_> = tags
            .iter()
            .map(|t| {
                json!({"version": t.name, "size": t.size, "yanked": yanked(&t.name), "pushed_at": t.pushed_at})
            })
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

/// The registry's crates, each with its version count and newest version.
fn overview(api: &CnbApi, target: &Target, json: bool, shell: &Shell) -> Result<()> {
    let mut packages = api
        .packages(None)
        .map_err(|e| explain(e, "cannot list the registry's crates", Op::Read))?;
    fill_in(api, &mut packages, shell);
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

/// Crates the list gave without a count or a newest version get them from
/// their version lists, a few at a time.
fn fill_in(api: &CnbApi, packages: &mut [PackageSummary], shell: &Shell) {
    const JOBS: usize = 8;
    let missing: Vec<usize> = (0..packages.len())
        .filter(|&i| packages[i].versions.is_none() || packages[i].latest.is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    shell.verbose(format!(
        "the package list lacks counts or newest versions for {} crate(s); reading their version lists",
        missing.len()
    ));
    let names: Vec<&str> = missing.iter().map(|&i| packages[i].name.as_str()).collect();
    let found = crate::parallel::map(&names, JOBS, |name| api.version_names(name));
    for (k, result) in found.into_iter().enumerate() {
        let package = &mut packages[missing[k]];
        // One crate's failed lookup leaves its cells at `-`, not the list.
        let versions = match result {
            Ok(versions) => versions,
            Err(err) => {
                shell.warn(format!("{err:#}"));
                continue;
            }
        };
        package.versions.get_or_insert(versions.len() as u64);
        if package.latest.is_none() {
            package.latest = newest(&versions);
        }
    }
}

/// The newest version: the highest release, else the highest pre-release.
fn newest(versions: &[String]) -> Option<String> {
    let parsed: Vec<semver::Version> = versions
        .iter()
        .filter_map(|v| semver::Version::parse(v).ok())
        .collect();
    parsed
        .iter()
        .filter(|v| v.pre.is_empty())
        .max()
        .or_else(|| parsed.iter().max())
        .map(ToString::to_string)
}

/// The error for a crate the registry holds no version of; when the index
/// still lists it, that is crates.io's crate, served through CNB's proxy.
fn not_in_registry(ctx: &Context, target: &Target, name: &str) -> anyhow::Error {
    let registry = &target.registry.name;
    let proxied = ctx
        .index(target)
        .ok()
        .and_then(|index| index.versions(name).ok())
        .is_some_and(|entries| !entries.is_empty());
    let err = if proxied {
        UserError::new(format!(
            "`{name}` has no version in `{registry}`: the versions its index lists are crates.io's, served through CNB's proxy"
        ))
    } else {
        UserError::new(format!("`{name}` is not in `{registry}`"))
    };
    err.hint("`cnbcargo list` shows the registry's own crates")
        .into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_prefers_releases() {
        let v = |list: &[&str]| newest(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(v(&["0.1.0", "0.10.0", "0.9.0"]).as_deref(), Some("0.10.0"));
        assert_eq!(v(&["1.0.0", "2.0.0-rc.1"]).as_deref(), Some("1.0.0"));
        assert_eq!(
            v(&["2.0.0-rc.1", "2.0.0-beta"]).as_deref(),
            Some("2.0.0-rc.1")
        );
        assert_eq!(v(&[]), None);
    }
}
