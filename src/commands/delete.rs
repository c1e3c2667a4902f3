//! `cnbcargo delete`: CNB's delete API, which cargo lacks.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;

use crate::cli::DeleteArgs;
use crate::client::cnb::{CnbApi, Deleted};
use crate::client::{self, Op, explain};
use crate::context::Context;
use crate::error::UserError;
use crate::shell::Shell;
use crate::spec::{CrateSpec, VersionMatch};

#[derive(Debug, Clone)]
enum Deletion {
    Version { name: String, version: String },
    Package { name: String, versions: usize },
}

impl Deletion {
    fn label(&self) -> String {
        match self {
            Deletion::Version { name, version } => format!("{name}@{version}"),
            Deletion::Package { name, versions } => {
                format!("{name} (the whole package, {versions} version(s))")
            }
        }
    }
}

pub fn run(args: &DeleteArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let specs = args.specs.parse(args.all)?;
    let target = ctx.target(args.registry.registry.as_deref())?;
    let api = ctx.api(&target, args.api.api_endpoint.as_deref())?;
    let registry = target.registry.name.as_str();
    let mut listed = Vec::new();
    for spec in &specs {
        listed.push(api.version_names(&spec.name, shell)?);
    }
    let plan = plan(&specs, &listed, registry)?;

    let verb = if args.dry_run {
        "Would delete"
    } else {
        "Deleting"
    };
    for deletion in &plan {
        shell.status(verb, deletion.label());
    }
    if args.dry_run {
        shell.note("dry run: nothing was deleted");
        return Ok(());
    }
    if !args.yes {
        confirm(plan.len(), registry)?;
    }

    let results = execute(&api, &plan, usize::from(args.jobs), shell);
    let mut failed = 0;
    for (deletion, result) in plan.iter().zip(results) {
        match result {
            Ok(Deleted::Now) => shell.status("Deleted", deletion.label()),
            Ok(Deleted::ByEarlierAttempt) => shell.status(
                "Deleted",
                format!(
                    "{} (the retried request found it already gone)",
                    deletion.label()
                ),
            ),
            Err(err) => {
                failed += 1;
                shell.error(&explain(
                    err,
                    format!("cannot delete `{}`", deletion.label()),
                    Op::Delete,
                ));
            }
        }
    }
    if failed > 0 {
        return Err(UserError::new(format!(
            "{failed} of {} deletion(s) failed; the others were done",
            plan.len()
        ))
        .into());
    }
    Ok(())
}

/// What to delete: every spec against the versions listed for its crate
/// (`listed[i]` for `specs[i]`), each version once, in the order given.
/// Linear in the number of versions: 20,000 of them plan in milliseconds.
fn plan(specs: &[CrateSpec], listed: &[Vec<String>], registry: &str) -> Result<Vec<Deletion>> {
    let mut plan: Vec<Deletion> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut whole: HashSet<String> = HashSet::new();
    for (spec, versions) in specs.iter().zip(listed) {
        if versions.is_empty() {
            return Err(
                UserError::new(format!("`{}` has no versions in `{registry}`", spec.name))
                    .hint("check the crate name; `cnbcargo list` shows the registry's crates")
                    .into(),
            );
        }
        if spec.versions == VersionMatch::All {
            if whole.insert(spec.name.clone()) {
                plan.push(Deletion::Package {
                    name: spec.name.clone(),
                    versions: versions.len(),
                });
            }
            continue;
        }
        let selected = spec.select(versions);
        if selected.is_empty() {
            const SHOWN: usize = 20;
            let mut some: Vec<&str> = versions.iter().take(SHOWN).map(String::as_str).collect();
            if versions.len() > SHOWN {
                some.push("...");
            }
            return Err(UserError::new(format!(
                "`{}` matches no version in `{registry}` (it has {} version(s): {})",
                spec.describe(),
                versions.len(),
                some.join(", ")
            ))
            .into());
        }
        for version in selected {
            if seen.insert((spec.name.clone(), version.to_string())) {
                plan.push(Deletion::Version {
                    name: spec.name.clone(),
                    version: version.to_string(),
                });
            }
        }
    }
    // A version inside a package deleted whole needs no request of its own.
    plan.retain(|d| match d {
        Deletion::Version { name, .. } => !whole.contains(name),
        Deletion::Package { .. } => true,
    });
    Ok(plan)
}

fn confirm(count: usize, registry: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(UserError::usage(format!(
            "refusing to delete {count} item(s) from `{registry}` without confirmation"
        ))
        .hint("pass `--yes` to delete without a terminal, or `--dry-run` to only list")
        .into());
    }
    eprint!("Delete {count} item(s) from `{registry}`? This cannot be undone [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
        Ok(())
    } else {
        Err(UserError::new("nothing was deleted").into())
    }
}

/// Runs the deletions, `jobs` at a time (the default, 16, hides latency
/// without hammering the server); results in plan order.
fn execute(
    api: &CnbApi,
    plan: &[Deletion],
    jobs: usize,
    shell: &Shell,
) -> Vec<Result<Deleted, client::Error>> {
    let progress = if std::io::stderr().is_terminal() && plan.len() > 1 && !shell.is_quiet() {
        let bar = indicatif::ProgressBar::new(plan.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} deleting [{bar:30}] {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<Deleted, client::Error>>>> =
        plan.iter().map(|_| Mutex::new(None)).collect();
    let workers = jobs.min(plan.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(deletion) = plan.get(i) else { break };
                    let result = match deletion {
                        Deletion::Version { name, version } => {
                            api.delete_version(name, version, shell)
                        }
                        Deletion::Package { name, .. } => api.delete_package(name, shell),
                    };
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                    progress.inc(1);
                }
            });
        }
    });
    progress.finish_and_clear();
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every deletion ran")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str], all: bool) -> Vec<CrateSpec> {
        list.iter()
            .map(|s| CrateSpec::parse(s, all).unwrap())
            .collect()
    }

    #[test]
    fn each_version_is_planned_once() {
        let versions: Vec<String> = ["0.1.0", "0.2.0", "0.3.0"].map(String::from).to_vec();
        let specs = specs(&["a@>=0.1.0", "a@<0.3.0", "a@0.2.0"], false);
        let listed = vec![versions.clone(), versions.clone(), versions];
        let labels: Vec<String> = plan(&specs, &listed, "r")
            .unwrap()
            .iter()
            .map(Deletion::label)
            .collect();
        assert_eq!(labels, ["a@0.1.0", "a@0.2.0", "a@0.3.0"]);
    }

    #[test]
    fn twenty_thousand_versions_plan_without_quadratic_work() {
        let versions: Vec<String> = (0..20_000)
            .map(|i| format!("0.{}.{}", i / 100, i % 100))
            .collect();
        let specs = specs(&["a@>=0", "a@<1"], false);
        let listed = vec![versions.clone(), versions];
        assert_eq!(plan(&specs, &listed, "r").unwrap().len(), 20_000);
    }
}
