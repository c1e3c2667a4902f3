//! `cnbcargo delete`: CNB's delete API, which cargo lacks.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;

use crate::api::{self, ApiError, CnbApi};
use crate::cli::DeleteArgs;
use crate::error::UserError;
use crate::shell::Shell;
use crate::spec::VersionMatch;
use crate::target::Target;

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

pub fn run(args: &DeleteArgs, shell: &Shell) -> Result<()> {
    let specs = args.specs.parse()?;
    let target = Target::resolve(args.registry.registry.as_deref(), shell)?;
    let api = target.api(args.api.api_endpoint.as_deref(), shell)?;

    let mut plan: Vec<Deletion> = Vec::new();
    for spec in &specs {
        let versions: Vec<String> = api.version_names(&spec.name, shell)?;
        if versions.is_empty() {
            return Err(UserError::new(format!(
                "`{}` has no versions in `{}`",
                spec.name, target.registry.name
            ))
            .hint("check the crate name; `cnbcargo list` shows the registry's crates")
            .into());
        }
        if spec.versions == VersionMatch::All {
            plan.push(Deletion::Package {
                name: spec.name.clone(),
                versions: versions.len(),
            });
            continue;
        }
        let selected = spec.select(&versions);
        if selected.is_empty() {
            return Err(UserError::new(format!(
                "`{}` matches no version in `{}` (it has {})",
                spec.describe(),
                target.registry.name,
                versions.join(", ")
            ))
            .into());
        }
        for version in selected {
            let deletion = Deletion::Version {
                name: spec.name.clone(),
                version: version.to_string(),
            };
            if !plan.iter().any(|d| d.label() == deletion.label()) {
                plan.push(deletion);
            }
        }
    }

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
        confirm(plan.len(), &target.registry.name)?;
    }

    let results = execute(&api, &plan, usize::from(args.jobs), shell);
    let mut failed = 0;
    for (deletion, result) in plan.iter().zip(results) {
        match result {
            Ok(()) => shell.status("Deleted", deletion.label()),
            Err(err) => {
                failed += 1;
                shell.error(&api::explain(
                    err,
                    &format!("cannot delete `{}`", deletion.label()),
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
) -> Vec<Result<(), ApiError>> {
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
    let results: Vec<Mutex<Option<Result<(), ApiError>>>> =
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
