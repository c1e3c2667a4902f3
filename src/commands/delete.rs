//! `cnbcargo delete`: CNB's delete API, which cargo lacks.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use crate::cli::DeleteArgs;
use crate::client;
use crate::client::cnb::{CnbApi, Deleted};
use crate::context::Context;
use crate::error::UserError;
use crate::explain::{Op, VersionNames, explain};
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
        listed.push(api.version_names(&spec.name)?);
    }
    let plan = plan(&specs, &listed, registry)?;
    let falling = falls_through(ctx, &plan, &specs, &listed)?;

    if args.dry_run {
        for deletion in &plan {
            shell.status("Would delete", deletion.label());
        }
        for (name, known) in &falling {
            shell.note(fall_through_sentence(name, registry, *known));
        }
        shell.note(format!(
            "dry run: nothing was deleted ({} selected)",
            count(&plan)
        ));
        return Ok(());
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !falling.is_empty() && !args.allow_fall_through && (args.yes || !terminal) {
        let names: Vec<String> = falling.iter().map(|(n, _)| format!("`{n}`")).collect();
        let why = if falling.iter().all(|(_, known)| *known) {
            "crates.io has a crate of that name, which the registry would then serve in its place"
        } else {
            "crates.io could not be asked whether it has a crate of that name, which the registry would then serve in its place"
        };
        let mut error = UserError::usage(format!(
            "refusing to delete the last version(s) of {} from `{registry}`: {why}; nothing was deleted",
            names.join(", ")
        ));
        if !args.yes {
            error = error
                .hint("pass `--yes` to delete without a terminal, or `--dry-run` to only list");
        }
        return Err(error
            .hint("pass `--allow-fall-through` if crates.io's crate may take its place; or keep (or yank) one version")
            .into());
    }
    if !args.yes {
        confirm(&plan, registry, &falling, terminal, &ctx.shell)?;
    }

    let results = execute(&api, &plan, usize::from(args.jobs), shell);
    report(&plan, results, registry, shell)
}

/// Says how each deletion ended. A refused token (401, 403) is explained
/// once, however many deletions it stopped.
fn report(
    plan: &[Deletion],
    results: Vec<Option<Result<Deleted, client::Error>>>,
    registry: &str,
    shell: &Shell,
) -> Result<()> {
    let mut done = 0;
    let mut failed = 0;
    let mut not_tried = 0;
    let mut refused: Vec<String> = Vec::new();
    let mut refusal = None;
    for (deletion, result) in plan.iter().zip(results) {
        match result {
            None => not_tried += 1,
            Some(Ok(how)) => {
                done += 1;
                let note = match how {
                    Deleted::Now => String::new(),
                    Deleted::ByEarlierAttempt => {
                        " (the retried request found it already gone)".to_string()
                    }
                };
                shell.status("Deleted", format!("{}{note}", deletion.label()));
            }
            Some(Err(err)) if refused_token(&err) => {
                refused.push(deletion.label());
                refusal.get_or_insert(err);
            }
            Some(Err(err)) => {
                failed += 1;
                shell.error(&explain(
                    err,
                    format!("cannot delete `{}`", deletion.label()),
                    Op::Delete,
                ));
            }
        }
    }
    let total = plan.len();
    if let Some(err) = refusal {
        let mut at = refused.first().cloned().unwrap_or_default();
        if refused.len() > 1 {
            at.push_str(&format!(" and {} more", refused.len() - 1));
        }
        let action = format!(
            "deleting from `{registry}` stopped at {at} ({done} of {total} deleted, {not_tried} not attempted)"
        );
        return Err(explain(err, action, Op::Delete));
    }
    if failed > 0 {
        return Err(UserError::new(format!(
            "{failed} of {total} deletion(s) failed; the other {done} were done"
        ))
        .hint("run the same command again: what is already gone no longer matches")
        .into());
    }
    Ok(())
}

/// A 401 or 403: the token will not do for any further deletion either.
fn refused_token(err: &client::Error) -> bool {
    matches!(err.status(), Some(401 | 403))
}

/// `3 versions`, `1 whole crate (5 versions)`, `2 versions and 1 whole crate (5 versions)`.
fn count(plan: &[Deletion]) -> String {
    let versions = plan
        .iter()
        .filter(|d| matches!(d, Deletion::Version { .. }))
        .count();
    let packages: Vec<usize> = plan
        .iter()
        .filter_map(|d| match d {
            Deletion::Package { versions, .. } => Some(*versions),
            Deletion::Version { .. } => None,
        })
        .collect();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if versions > 0 {
        parts.push(plural(versions, "version", "versions"));
    }
    if !packages.is_empty() {
        let inside: usize = packages.iter().sum();
        parts.push(format!(
            "{} ({})",
            plural(packages.len(), "whole crate", "whole crates"),
            plural(inside, "version", "versions")
        ));
    }
    parts.join(" and ")
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

/// The names that, after the plan, the registry would hold no version of
/// while crates.io's index lists them: the registry then serves crates.io's
/// crate of that name (see `crate::ops::audit`), each with whether crates.io
/// said so: one it could not be asked about counts too (`false`).
fn falls_through(
    ctx: &Context,
    plan: &[Deletion],
    specs: &[CrateSpec],
    listed: &[Vec<String>],
) -> Result<Vec<(String, bool)>> {
    let mut emptied: Vec<String> = Vec::new();
    for (spec, versions) in specs.iter().zip(listed) {
        if emptied.contains(&spec.name) {
            continue;
        }
        let deleted = plan
            .iter()
            .filter(|d| match d {
                Deletion::Version { name, .. } => *name == spec.name,
                Deletion::Package { .. } => false,
            })
            .count();
        let whole = plan
            .iter()
            .any(|d| matches!(d, Deletion::Package { name, .. } if *name == spec.name));
        if whole || deleted >= versions.len() {
            emptied.push(spec.name.clone());
        }
    }
    if emptied.is_empty() {
        return Ok(Vec::new());
    }
    let (found, failure) = crate::ops::audit::crates_io_has(ctx, &emptied)?;
    if let Some(err) = failure {
        ctx.shell.warn(format!(
            "cannot tell whether crates.io has {}, which the registry would then serve in its place: {err:#}",
            emptied
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(hint) = UserError::first_hint(&err) {
            ctx.shell.hint(hint);
        }
    }
    // Not knowing counts as falling through: the guard fails closed.
    Ok(emptied
        .into_iter()
        .zip(found)
        .filter(|(_, on_crates_io)| *on_crates_io != Some(false))
        .map(|(name, on_crates_io)| (name, on_crates_io == Some(true)))
        .collect())
}

/// `known`: crates.io said it has the name (else it could not be asked).
fn fall_through_sentence(name: &str, registry: &str, known: bool) -> String {
    let serves = if known {
        format!("it then serves crates.io's `{name}` in its place")
    } else {
        format!(
            "if crates.io has a `{name}` (it could not be asked), the registry then serves it in its place"
        )
    };
    format!(
        "after this `{registry}` holds no version of `{name}`: {serves}, to everyone who depends on `{name}` from `{registry}`"
    )
}

/// Asks before deleting. The list shown is what would be deleted, not
/// yet deleted; a long one is cut so that the question and the count stay
/// in view (`--dry-run` lists everything).
fn confirm(
    plan: &[Deletion],
    registry: &str,
    falling: &[(String, bool)],
    terminal: bool,
    shell: &Shell,
) -> Result<()> {
    const SHOWN: usize = 10;
    let what = count(plan);
    if !terminal {
        return Err(UserError::usage(format!(
            "refusing to delete {what} from `{registry}` without confirmation"
        ))
        .hint("pass `--yes` to delete without a terminal, or `--dry-run` to only list")
        .into());
    }
    let mut text = format!("To delete from `{registry}`:\n");
    for deletion in plan.iter().take(SHOWN) {
        text.push_str(&format!(
            "  {}\n",
            crate::shell::clean_line(&deletion.label())
        ));
    }
    if plan.len() > SHOWN {
        text.push_str(&format!(
            "  ... and {} more (`--dry-run` lists them all)\n",
            plan.len() - SHOWN
        ));
    }
    for (name, known) in falling {
        text.push_str(&format!(
            "note: {}\n",
            crate::shell::clean_line(&fall_through_sentence(name, registry, *known))
        ));
    }
    text.push_str(&format!(
        "Delete {what} from `{registry}`? This cannot be undone [y/N] "
    ));
    if shell.confirm(&text)? {
        Ok(())
    } else {
        Err(UserError::new("nothing was deleted").into())
    }
}

/// Runs the deletions, `jobs` at a time (the default, 16, hides latency
/// without hammering the server); results in plan order, `None` for one
/// not attempted. The first runs alone: when the token may not delete, it
/// is the only request sent. After any 401 or 403 no new deletion starts.
fn execute(
    api: &CnbApi,
    plan: &[Deletion],
    jobs: usize,
    shell: &Shell,
) -> Vec<Option<Result<Deleted, client::Error>>> {
    let progress = shell.progress("Deleting", plan.len() as u64);
    let stop = AtomicBool::new(false);
    let run_one = |deletion: &Deletion| {
        let result = match deletion {
            Deletion::Version { name, version } => api.delete_version(name, version),
            Deletion::Package { name, .. } => api.delete_package(name),
        };
        if let Err(err) = &result
            && refused_token(err)
        {
            stop.store(true, Ordering::SeqCst);
        }
        progress.inc();
        result
    };
    let Some((first, rest)) = plan.split_first() else {
        return Vec::new();
    };
    let mut results = vec![Some(run_one(first))];
    results.extend(crate::parallel::map(rest, jobs, |deletion| {
        (!stop.load(Ordering::SeqCst)).then(|| run_one(deletion))
    }));
    drop(progress);
    results
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
