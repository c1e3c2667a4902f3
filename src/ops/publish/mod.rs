//! Publishing a package or a whole workspace, past CNB's crates.io proxy.
//! The work is a plan of steps (`plan`) that one executor (`execute`)
//! either prints (dry run) or carries out, so the two cannot drift apart;
//! what happened is a `Report`.

mod execute;
mod plan;
mod report;
mod targets;

use report::Failure;
pub use report::Report;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Duration;

use anyhow::Result;

use crate::cargo::VersionCheck;
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::ops::placeholder::Mode;
use crate::workspace::Member;

use execute::{Executor, StepFailure};
use plan::{Decision, Step};

/// What to publish, where, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-p`: packages chosen by name (cargo's way).
    pub packages: Vec<String>,
    pub workspace: bool,
    pub exclude: Vec<String>,
    pub manifest_path: Option<PathBuf>,
    /// `--registry`; else the one every package's `package.publish` allows,
    /// else the default.
    pub registry: Option<String>,
    pub api_endpoint: Option<String>,
    pub placeholder: Mode,
    pub keep_placeholder: bool,
    /// Run cargo's checks and say the plan; upload nothing.
    pub dry_run: bool,
    pub index_timeout: Duration,
    /// Passed on to every `cargo publish` (its own flags, and those after `--`).
    pub cargo_flags: Vec<String>,
    /// The command that was run, said on failure: run again, it resumes.
    pub resume_command: String,
}

/// What a publish did. `failure`: the step that failed, as the error to
/// report (saying what the registry holds now), once `report` is shown.
pub struct Outcome {
    pub report: Report,
    pub failure: Option<anyhow::Error>,
}

type CheckHandle<'s> = ScopedJoinHandle<'s, Result<()>>;

/// Publishes as `opts` says. `Err`: refused before any upload or check;
/// a step that failed is in the `Outcome`.
pub fn run(opts: &Options, ctx: &Context) -> Result<Outcome> {
    // Before any cargo runs: cargo's own dry run panics on some names
    // (a non-ASCII one, in its index path), and starts early below.
    targets::refuse_invalid_name_here(opts, ctx)?;
    // `cargo -V` runs while the workspace and the registry are looked up;
    // the gate is applied before anything is checked or uploaded.
    let version = ctx.cargo.version_in_background();
    let mut flags = opts.cargo_flags.clone();
    if let Some(path) = &opts.manifest_path {
        crate::fs::check_regular(path)?;
        flags.extend(["--manifest-path".to_string(), path.display().to_string()]);
    }
    // In a package's own directory, with no selection flags, cargo checks
    // that package, which is what cnbcargo publishes too: its dry run
    // starts now, alongside `cargo metadata` and the HTTP client's set-up,
    // and counts once the workspace confirms the choice.
    let early = targets::early_check_target(opts, ctx)?;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let _ = ctx.http();
        });
        let early_check = early
            .as_ref()
            .map(|target| start_early_check(scope, ctx, target, &flags, &version));
        let early = early.as_ref().zip(early_check);
        publish_in_scope(opts, ctx, &version, &flags, early)
    })
}

/// The early `cargo publish --dry-run` of the current directory's package.
fn start_early_check<'s, 'e>(
    scope: &'s Scope<'s, 'e>,
    ctx: &'e Context,
    target: &'e Target,
    flags: &'e [String],
    version: &'e VersionCheck,
) -> CheckHandle<'s> {
    scope.spawn(move || {
        // Only a cargo that answered its version within the limit (and
        // passes the gate) is trusted with the dry run, which has none:
        // otherwise the gate's error is what the command reports, and this
        // one is never shown.
        if !version.answered() {
            return Err(UserError::new(
                "no early check: `cargo -V` gave no version the gate lets through",
            )
            .into());
        }
        let shell = &ctx.shell;
        shell.status(
            "Checking",
            "this package with `cargo publish --dry-run` before any upload",
        );
        ctx.cargo
            .publish_checks(&target.registry.name, &[], flags, target.cargo_env(), shell)
    })
}

/// How cargo's checks run.
enum Checks {
    /// The early check of the current directory's package stands for
    /// them: its result.
    Early(Result<()>),
    /// One dry run for every package (cargo 1.90 and later).
    Together,
    /// Each package's, in the plan, just before its upload.
    Each,
}

/// What the registry is asked, and where cargo's checks stand, before
/// the plan is made.
struct Looked {
    decisions: Result<HashMap<String, Decision>>,
    checked: Result<(), StepFailure>,
    /// Each package is still to be checked, just before its upload.
    check_each: bool,
}

fn publish_in_scope(
    opts: &Options,
    ctx: &Context,
    version: &VersionCheck,
    flags: &[String],
    early: Option<(&Target, CheckHandle<'_>)>,
) -> Result<Outcome> {
    let metadata = ctx.cargo.workspace(opts.manifest_path.as_deref())?;
    let selected = targets::select(opts, ctx, &metadata)?;
    let registry_name = opts
        .registry
        .clone()
        .or_else(|| crate::workspace::only_allowed_registry(&selected));
    let target = ctx.target(registry_name.as_deref())?;
    let registry = target.registry.name.clone();
    let (publishable, mut steps) = targets::publishable(&selected, &registry)?;
    let ordered = metadata.publish_order(&publishable)?;
    targets::refuse_missing_registry_keys(&ordered, &registry)?;
    let together = checks_together(version, ctx)?;
    let index = ctx.index(&target)?;
    let api = targets::cnb_api(opts, ctx, &target)?;
    if let Some(api) = &api {
        targets::refuse_unpublished_path_deps(&ordered, &target, api)?;
    }
    let executor = Executor {
        ctx,
        target: &target,
        api: api.as_ref(),
        index: &index,
        flags,
        index_timeout: opts.index_timeout,
        dry_run: opts.dry_run,
        web_api: OnceLock::new(),
    };
    let mut report = Report::new(opts.dry_run, registry);
    let checks = choose_checks(ctx, early, &target, &ordered, together);
    let looked = check_and_look_up(opts, &executor, &ordered, checks, &mut steps, &mut report);
    let result = match (looked.checked, looked.decisions) {
        (Err(failure), _) => Err(failure),
        (Ok(()), Err(err)) => return Err(err),
        (Ok(()), Ok(decisions)) => {
            plan::plan(
                &mut steps,
                &ordered,
                &decisions,
                looked.check_each,
                opts.keep_placeholder,
            );
            executor.execute(&steps, &mut report)
        }
    };
    Ok(finish(opts, report, result))
}

/// The version gate, applied before anything is checked or uploaded:
/// whether cargo checks every package in one dry run (1.90 and later).
fn checks_together(version: &VersionCheck, ctx: &Context) -> Result<bool> {
    let gate = version.take()?;
    let version = crate::cargo::apply_gate(gate, &ctx.shell)?;
    Ok((version.major, version.minor) >= crate::cargo::WORKSPACE_PUBLISH_VERSION)
}

/// How cargo's checks run: the early check (waited for here) counts when
/// it checked exactly what is published, for the same registry.
fn choose_checks(
    ctx: &Context,
    early: Option<(&Target, CheckHandle<'_>)>,
    target: &Target,
    ordered: &[&Member],
    together: bool,
) -> Checks {
    let early = early.map(|(early_target, handle)| {
        let result = handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let fits = early_target.registry.name == target.registry.name
            && matches!(ordered, [only] if ctx.cwd().is_ok_and(|cwd| {
                only.manifest_path.canonicalize().ok() == cwd.join("Cargo.toml").canonicalize().ok()
            }));
        (fits, result)
    });
    match early {
        Some((true, result)) => Checks::Early(result),
        _ if together => Checks::Together,
        _ => Checks::Each,
    }
}

/// cargo's checks and the registry's answers, as `checks` says. From
/// cargo 1.90 every package is checked in one dry run while the registry
/// is asked what it holds: on a real network those lookups cost nothing
/// then. The skips in `steps` are carried out (taken out) here, except
/// when each package is checked in the plan.
fn check_and_look_up(
    opts: &Options,
    executor: &Executor<'_>,
    ordered: &[&Member],
    checks: Checks,
    steps: &mut Vec<Step>,
    report: &mut Report,
) -> Looked {
    let shell = &executor.ctx.shell;
    let decide = || {
        plan::decide_all(
            ordered,
            executor.api,
            executor.index,
            opts.placeholder,
            shell,
        )
    };
    match checks {
        Checks::Early(early_result) => {
            let skips = executor.execute(&std::mem::take(steps), report);
            let checked =
                skips.and(early_result.map_err(|e| StepFailure::checks(&ordered[0].name, e)));
            let decisions = match checked {
                Ok(()) => decide(),
                Err(_) => Ok(HashMap::new()),
            };
            return Looked {
                decisions,
                checked,
                check_each: false,
            };
        }
        Checks::Each => {
            return Looked {
                decisions: decide(),
                checked: Ok(()),
                check_each: true,
            };
        }
        Checks::Together => {}
    }
    let mut first = std::mem::take(steps);
    first.push(Step::Check {
        packages: ordered.iter().map(|m| m.name.clone()).collect(),
    });
    std::thread::scope(|scope| {
        let lookups = scope.spawn(decide);
        let checked = executor.execute(&first, report);
        let decisions = lookups
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Looked {
            decisions,
            checked,
            check_each: false,
        }
    })
}

/// The report completed, and a failed step turned into the error to show.
fn finish(opts: &Options, mut report: Report, result: Result<(), StepFailure>) -> Outcome {
    report.ok = result.is_ok();
    let Err(failed) = result else {
        return Outcome {
            report,
            failure: None,
        };
    };
    report.failed = Some(Failure {
        package: failed.package.clone(),
        step: failed.step,
        error: format!("{:#}", failed.error),
    });
    report.resume = Some(opts.resume_command.clone());
    let mut error = UserError::new(format!(
        "publishing `{}` failed; {}",
        failed.package,
        report.state_sentence()
    ))
    .hint(format!(
        "fix the cause and run `{}` again: it resumes, skipping what is published",
        opts.resume_command
    ));
    for p in report.placeholders_left() {
        error = error.hint(format!(
            "or remove the placeholder with `cnbcargo delete {}@{}`",
            p.name, p.version
        ));
    }
    Outcome {
        report,
        failure: Some(error.caused_by(failed.error).into()),
    }
}
