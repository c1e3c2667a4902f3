//! Deleting versions or whole crates through CNB's API, which cargo
//! lacks: the plan (each version once), the fall-through rule (a name
//! left without versions is served from crates.io), the deletions
//! themselves, and how they ended.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use crate::client;
use crate::client::cnb::{CnbApi, Deleted};
use crate::context::Context;
use crate::error::UserError;
use crate::explain::{Op, explain};
use crate::shell::{Shell, clean_line, plural};
use crate::spec::{CrateSpec, VersionMatch};

#[derive(Debug, Clone)]
pub enum Deletion {
    Version { name: String, version: String },
    Package { name: String, versions: usize },
}

impl Deletion {
    pub fn label(&self) -> String {
        match self {
            Deletion::Version { name, version } => format!("{name}@{version}"),
            Deletion::Package { name, versions } => format!(
                "{name} (the whole package, {})",
                plural(*versions, "version", "versions")
            ),
        }
    }
}

/// A name the registry would hold no version of after the deletions,
/// while crates.io's index lists it (`known`), or could not be asked.
#[derive(Debug, Clone)]
pub struct FallThrough {
    pub name: String,
    pub known: bool,
}

impl FallThrough {
    pub fn sentence(&self, registry: &str) -> String {
        let name = &self.name;
        let serves = if self.known {
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
}

pub struct Plan {
    pub deletions: Vec<Deletion>,
    pub falling: Vec<FallThrough>,
}

/// What `specs` delete from the registry `api` serves: its versions
/// listed (a crate it lacks is an error with suggestions), each version
/// once, and which names fall through to crates.io after.
pub fn plan(ctx: &Context, api: &CnbApi, specs: &[CrateSpec], registry: &str) -> Result<Plan> {
    let listed = crate::ops::versions::of_specs(api, specs, registry, &ctx.shell)?;
    let deletions = select(specs, &listed, registry)?;
    let falling = falls_through(ctx, &deletions, specs, &listed)?;
    Ok(Plan { deletions, falling })
}

impl Plan {
    /// `3 versions`, `1 whole crate (5 versions)`, `2 versions and 1 whole crate (5 versions)`.
    pub fn count(&self) -> String {
        let versions = self
            .deletions
            .iter()
            .filter(|d| matches!(d, Deletion::Version { .. }))
            .count();
        let packages: Vec<usize> = self
            .deletions
            .iter()
            .filter_map(|d| match d {
                Deletion::Package { versions, .. } => Some(*versions),
                Deletion::Version { .. } => None,
            })
            .collect();
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

    /// The fall-through rule: a name left to crates.io needs
    /// `--allow-fall-through` unless someone at a terminal said yes to a
    /// question that said so (`asked`).
    pub fn check_fall_through(
        &self,
        registry: &str,
        allowed: bool,
        asked: bool,
        yes: bool,
    ) -> Result<()> {
        if self.falling.is_empty() || allowed || asked {
            return Ok(());
        }
        let names: Vec<String> = self
            .falling
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect();
        let why = if self.falling.iter().all(|f| f.known) {
            "crates.io has a crate of that name, which the registry would then serve in its place"
        } else {
            "crates.io could not be asked whether it has a crate of that name, which the registry would then serve in its place"
        };
        let mut error = UserError::usage(format!(
            "refusing to leave `{registry}` without any version of {}: {why}; nothing was deleted",
            names.join(", ")
        ));
        if !yes {
            error = error
                .hint("pass `--yes` to delete without a terminal, or `--dry-run` to only list");
        }
        Err(error
            .hint("pass `--allow-fall-through` if crates.io's crate may take its place; or keep (or yank) one version")
            .into())
    }

    /// The error for deleting without `--yes` and no one to ask.
    pub fn unconfirmed(&self, registry: &str) -> UserError {
        UserError::usage(format!(
            "refusing to delete {} from `{registry}` without confirmation",
            self.count()
        ))
        .hint("pass `--yes` to delete without a terminal, or `--dry-run` to only list")
    }

    /// The question before deleting. The list shown is what would be
    /// deleted, not yet deleted; a long one is cut so that the question
    /// and the count stay in view (`--dry-run` lists everything).
    pub fn question(&self, registry: &str) -> String {
        const SHOWN: usize = 10;
        let mut text = format!("To delete from `{registry}`:\n");
        for deletion in self.deletions.iter().take(SHOWN) {
            text.push_str(&format!("  {}\n", clean_line(&deletion.label())));
        }
        if self.deletions.len() > SHOWN {
            text.push_str(&format!(
                "  ... and {} more (`--dry-run` lists them all)\n",
                self.deletions.len() - SHOWN
            ));
        }
        for falling in &self.falling {
            text.push_str(&format!(
                "note: {}\n",
                clean_line(&falling.sentence(registry))
            ));
        }
        text.push_str(&format!(
            "Delete {} from `{registry}`? This cannot be undone [y/N] ",
            self.count()
        ));
        text
    }
}

/// What to delete: every spec against the versions listed for its crate
/// (`listed[i]` for `specs[i]`), each version once, in the order given.
/// Linear in the number of versions: 20,000 of them plan in milliseconds.
fn select(specs: &[CrateSpec], listed: &[Vec<String>], registry: &str) -> Result<Vec<Deletion>> {
    let mut plan: Vec<Deletion> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut whole: HashSet<String> = HashSet::new();
    for (spec, versions) in specs.iter().zip(listed) {
        if spec.versions == VersionMatch::All {
            if whole.insert(spec.name.clone()) {
                plan.push(Deletion::Package {
                    name: spec.name.clone(),
                    versions: versions.len(),
                });
            }
            continue;
        }
        for version in spec.pick(versions, registry)? {
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
) -> Result<Vec<FallThrough>> {
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
        .map(|(name, on_crates_io)| FallThrough {
            name,
            known: on_crates_io == Some(true),
        })
        .collect())
}

/// How one deletion ended.
pub enum Ended {
    Deleted(Deleted),
    /// Explained for the user; the others go on.
    Failed(anyhow::Error),
    /// A 401 or 403: the token will not do for any further deletion.
    Refused(client::Error),
    /// Not started, after a refusal.
    NotTried,
}

/// Runs the deletions, `jobs` at a time (the default, 16, hides latency
/// without hammering the server); how each ended, in plan order. The
/// first runs alone: when the token may not delete, it is the only
/// request sent. After any 401 or 403 no new deletion starts.
pub fn execute(api: &CnbApi, plan: &Plan, jobs: usize, shell: &Shell) -> Vec<Ended> {
    let progress = shell.progress("Deleting", plan.deletions.len() as u64);
    let stop = AtomicBool::new(false);
    let run_one = |deletion: &Deletion| {
        let result = match deletion {
            Deletion::Version { name, version } => api.delete_version(name, version),
            Deletion::Package { name, .. } => api.delete_package(name),
        };
        progress.inc();
        match result {
            Ok(how) => Ended::Deleted(how),
            Err(err) if refused_token(&err) => {
                stop.store(true, Ordering::SeqCst);
                Ended::Refused(err)
            }
            Err(err) => Ended::Failed(explain(
                err,
                format!("cannot delete `{}`", deletion.label()),
                Op::Delete,
            )),
        }
    };
    let Some((first, rest)) = plan.deletions.split_first() else {
        return Vec::new();
    };
    let mut ended = vec![run_one(first)];
    ended.extend(crate::parallel::map(rest, jobs, |deletion| {
        if stop.load(Ordering::SeqCst) {
            Ended::NotTried
        } else {
            run_one(deletion)
        }
    }));
    drop(progress);
    ended
}

fn refused_token(err: &client::Error) -> bool {
    matches!(err.status(), Some(401 | 403))
}

/// The run's error, if any: a refused token explained once, however
/// many deletions it stopped; else how many failed.
pub fn conclude(plan: &Plan, ended: Vec<Ended>, registry: &str) -> Result<()> {
    let total = ended.len();
    let done = ended
        .iter()
        .filter(|e| matches!(e, Ended::Deleted(_)))
        .count();
    let failed = ended
        .iter()
        .filter(|e| matches!(e, Ended::Failed(_)))
        .count();
    let not_tried = ended
        .iter()
        .filter(|e| matches!(e, Ended::NotTried))
        .count();
    let mut refused: Vec<String> = Vec::new();
    let mut refusal = None;
    for (deletion, ended) in plan.deletions.iter().zip(ended) {
        if let Ended::Refused(err) = ended {
            refused.push(deletion.label());
            refusal.get_or_insert(err);
        }
    }
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
    if failed == 0 {
        return Ok(());
    }
    let message = match (failed == total, done) {
        (true, _) if total == 1 => "the deletion failed".to_string(),
        (true, _) => format!("all {total} deletions failed"),
        (false, 1) => format!("{failed} of {total} deletions failed; the other one was done"),
        (false, _) => format!("{failed} of {total} deletions failed; the other {done} were done"),
    };
    Err(UserError::new(message)
        .hint("run the same command again: what is already gone no longer matches")
        .into())
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
        let labels: Vec<String> = select(&specs, &listed, "r")
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
        assert_eq!(select(&specs, &listed, "r").unwrap().len(), 20_000);
    }

    #[test]
    fn counts_read_as_words() {
        let plan = |deletions: Vec<Deletion>| Plan {
            deletions,
            falling: Vec::new(),
        };
        let version = |v: &str| Deletion::Version {
            name: "a".into(),
            version: v.into(),
        };
        let whole = |n: usize| Deletion::Package {
            name: "b".into(),
            versions: n,
        };
        assert_eq!(plan(vec![version("1.0.0")]).count(), "1 version");
        assert_eq!(
            plan(vec![version("1.0.0"), version("2.0.0"), whole(1)]).count(),
            "2 versions and 1 whole crate (1 version)"
        );
        assert_eq!(whole(1).label(), "b (the whole package, 1 version)");
        assert_eq!(whole(3).label(), "b (the whole package, 3 versions)");
    }

    #[test]
    fn failures_are_counted_in_words() {
        let plan = Plan {
            deletions: ["1.0.0", "2.0.0"]
                .map(|v| Deletion::Version {
                    name: "a".into(),
                    version: v.into(),
                })
                .to_vec(),
            falling: Vec::new(),
        };
        let failed = || Ended::Failed(anyhow::anyhow!("no"));
        let message = |ended: Vec<Ended>| conclude(&plan, ended, "r").unwrap_err().to_string();
        assert_eq!(
            message(vec![Ended::Deleted(Deleted::Now), failed()]),
            "1 of 2 deletions failed; the other one was done"
        );
        assert_eq!(message(vec![failed(), failed()]), "all 2 deletions failed");
        assert!(
            conclude(
                &plan,
                vec![
                    Ended::Deleted(Deleted::Now),
                    Ended::Deleted(Deleted::ByEarlierAttempt)
                ],
                "r"
            )
            .is_ok()
        );
    }
}
