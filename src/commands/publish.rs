//! `cnbcargo publish`: a package or a whole workspace, past CNB's
//! crates.io proxy. The work is a plan of steps that one executor either
//! prints (dry run) or carries out, so the two cannot drift apart.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::cargo::Cargo;
use crate::cli::{PlaceholderMode, PublishArgs};
use crate::client::cnb::CnbApi;
use crate::client::sparse::SparseIndex;
use crate::client::webapi::WebApi;
use crate::client::{Op, explain};
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::ops::placeholder;
use crate::settings;
use crate::shell::Shell;
use crate::workspace::{Member, Selection, registry_key_problems};

use crate::ops::placeholder::VERSION as PLACEHOLDER_VERSION;

/// What the registry holds for one package, decided before any upload.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    /// The version is there: skipped (a rerun resumes).
    Already { leftover: Option<bool> },
    /// Published; `placeholder` says whether one goes up first, and
    /// `leftover` whether an earlier run's is there (`Some(yanked)`).
    /// `shadows`: the registry holds no version of the name yet and the
    /// crates.io proxy lists it, so this first version hides crates.io's
    /// crate of that name (set by `decide_one`, which sees the index).
    Publish {
        placeholder: bool,
        collision: bool,
        leftover: Option<bool>,
        shadows: bool,
    },
}

/// One thing the executor does, or with `--dry-run` says it would do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Skip {
        package: String,
        reason: String,
    },
    /// `cargo publish --dry-run` for these packages.
    Check {
        packages: Vec<String>,
    },
    UploadPlaceholder {
        package: String,
    },
    /// Until the index lists the placeholder (uploaded now, or an earlier
    /// run's: `leftover`, whether yanked), cargo may still see the crates.io
    /// proxy's entries for the name and refuse.
    WaitForPlaceholder {
        package: String,
        leftover: Option<bool>,
    },
    Publish {
        package: String,
        version: String,
    },
    WaitForIndex {
        package: String,
        version: String,
    },
    RemovePlaceholder {
        package: String,
        yanked: bool,
    },
}

#[derive(Debug, Default, Serialize)]
struct Report {
    ok: bool,
    dry_run: bool,
    registry: String,
    published: Vec<String>,
    skipped: Vec<Skipped>,
    placeholders: Vec<PlaceholderReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume: Option<String>,
}

#[derive(Debug, Serialize)]
struct Skipped {
    package: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct PlaceholderReport {
    package: String,
    version: &'static str,
    state: placeholder::State,
}

#[derive(Debug, Serialize)]
struct Failure {
    package: String,
    step: String,
    error: String,
}

impl Report {
    fn placeholder(&mut self, package: &str, state: placeholder::State) {
        match self.placeholders.iter_mut().find(|p| p.package == package) {
            Some(p) => p.state = state,
            None => self.placeholders.push(PlaceholderReport {
                package: package.to_string(),
                version: PLACEHOLDER_VERSION,
                state,
            }),
        }
    }
}

pub fn run(args: &PublishArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    // Before any cargo runs: cargo's own dry run panics on some names
    // (a non-ASCII one, in its index path), and starts early below.
    refuse_invalid_name_here(args, ctx)?;
    // `cargo -V` runs while the workspace and the registry are looked up;
    // the gate is applied before anything is checked or uploaded.
    let version = cargo.version_in_background();
    let dry_run = args.dry_run
        || args
            .cargo_args
            .iter()
            .any(|a| a == "--dry-run" || a == "-n");
    let mut flags = args.cargo.to_args();
    flags.extend(
        args.cargo_args
            .iter()
            .filter(|a| *a != "--dry-run" && *a != "-n")
            .cloned(),
    );
    if let Some(path) = &args.manifest_path {
        crate::fs::check_regular(path)?;
        flags.extend(["--manifest-path".to_string(), path.display().to_string()]);
    }

    // In a package's own directory, with no selection flags, cargo checks
    // that package, which is what cnbcargo publishes too: its dry run
    // starts now, alongside `cargo metadata` and the HTTP client's set-up,
    // and counts once the workspace confirms the choice.
    let early = early_check_target(args, ctx)?;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let _ = ctx.http();
        });
        let early_check = early.as_ref().map(|target| {
            let flags = &flags;
            let version = &version;
            scope.spawn(move || {
                // Only a cargo that answered its version within the limit
                // (and passes the gate) is trusted with the dry run, which
                // has none: otherwise the gate's error is what the command
                // reports, and this one is never shown.
                if !version.answered() {
                    return Err(UserError::new(
                        "no early check: `cargo -V` gave no version the gate lets through",
                    )
                    .into());
                }
                shell.status(
                    "Checking",
                    "this package with `cargo publish --dry-run` before any upload",
                );
                cargo.publish_checks(&target.registry.name, &[], flags, target.cargo_env(), shell)
            })
        });
        publish_in_scope(
            args,
            ctx,
            &version,
            dry_run,
            &flags,
            early.as_ref(),
            early_check,
        )
    })
}

/// Refuses the package of the manifest in play (`--manifest-path`, else
/// the current directory's) when its name is not one crates.io and CNB
/// take, as `cargo metadata`'s answer would be refused later for every
/// member. A manifest that cannot be read or has no such name is left to
/// cargo, which says what is wrong with it.
fn refuse_invalid_name_here(args: &PublishArgs, ctx: &Context) -> Result<()> {
    let manifest = match &args.manifest_path {
        Some(path) => path.clone(),
        None => ctx.cwd()?.join("Cargo.toml"),
    };
    // A manifest is a few KiB; a larger one is left for cargo to refuse.
    let Ok(Some(bytes)) = crate::fs::read_regular_limited(&manifest, 4 << 20) else {
        return Ok(());
    };
    let Ok(doc) = String::from_utf8_lossy(&bytes).parse::<toml_edit::DocumentMut>() else {
        return Ok(());
    };
    if let Some(name) = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
    {
        crate::workspace::check_package_name(name, &manifest)?;
    }
    Ok(())
}

/// The target for an early check, when the current directory holds a
/// package manifest of its own and no flag chooses packages.
fn early_check_target(args: &PublishArgs, ctx: &Context) -> Result<Option<Target>> {
    if !args.packages.is_empty()
        || args.workspace
        || !args.exclude.is_empty()
        || args.manifest_path.is_some()
    {
        return Ok(None);
    }
    let manifest = ctx.cwd()?.join("Cargo.toml");
    // A manifest is a few KiB; a larger one is left for cargo to refuse.
    let Ok(Some(bytes)) = crate::fs::read_regular_limited(&manifest, 4 << 20) else {
        return Ok(None);
    };
    let Ok(doc) = String::from_utf8_lossy(&bytes).parse::<toml_edit::DocumentMut>() else {
        return Ok(None);
    };
    if doc.get("package").is_none() || doc.get("workspace").is_some() {
        return Ok(None);
    }
    // A registry that cannot be resolved yet is resolved, and explained,
    // after the workspace is read.
    Ok(ctx.target(args.registry.registry.as_deref()).ok())
}

type CheckHandle<'s> = std::thread::ScopedJoinHandle<'s, Result<()>>;

fn publish_in_scope(
    args: &PublishArgs,
    ctx: &Context,
    version: &crate::cargo::VersionCheck,
    dry_run: bool,
    flags: &[String],
    early: Option<&Target>,
    early_check: Option<CheckHandle<'_>>,
) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    let metadata = cargo.workspace(args.manifest_path.as_deref())?;
    let anchor = match &args.manifest_path {
        Some(path) => path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_else(|| path.clone()),
        None => ctx.cwd()?.to_path_buf(),
    };
    let selection = Selection {
        packages: args.packages.clone(),
        workspace: args.workspace,
        exclude: args.exclude.clone(),
    };
    let selected = metadata.select(&selection, &anchor)?;
    let registry_name = args
        .registry
        .registry
        .clone()
        .or_else(|| only_allowed_registry(&selected));
    let target = ctx.target(registry_name.as_deref())?;
    let registry = target.registry.name.clone();

    let mut report = Report {
        dry_run,
        registry: registry.clone(),
        ..Report::default()
    };
    let mut steps = Vec::new();
    let mut publishable = Vec::new();
    for member in &selected {
        match member.publishable_to(&registry) {
            Ok(()) => publishable.push(*member),
            Err(why) => steps.push(Step::Skip {
                package: spec(member),
                reason: why,
            }),
        }
    }
    if publishable.is_empty() {
        let mut error = UserError::new(format!("nothing to publish to `{registry}`"));
        for step in &steps {
            if let Step::Skip { package, reason } = step {
                error = error.hint(format!("`{package}`: {reason}"));
            }
        }
        return Err(error.into());
    }
    let ordered = metadata.publish_order(&publishable)?;
    let problems = registry_key_problems(&ordered, &registry);
    if !problems.is_empty() {
        let mut err = UserError::new(format!(
            "cannot publish to `{registry}`: {} path dependenc{} without `registry`; nothing was uploaded",
            problems.len(),
            if problems.len() == 1 { "y" } else { "ies" }
        ));
        for problem in problems {
            err = err.hint(problem);
        }
        return Err(err.into());
    }
    let gate = version.take()?;
    let version = crate::cargo::apply_gate(gate, shell)?;
    let multi = (version.major, version.minor) >= crate::cargo::WORKSPACE_PUBLISH_VERSION;

    let index = ctx.index(&target)?;
    let api = if settings::api_endpoint_known(args.api.api_endpoint.as_deref(), &target.index) {
        Some(ctx.api(&target, args.api.api_endpoint.as_deref())?)
    } else {
        shell.note(format!(
            "`{registry}` has no CNB API cnbcargo can tell ({}): publishing with cargo alone, without the crates.io proxy checks",
            target.index
        ));
        shell.hint(format!(
            "for a CNB registry, pass `--api-endpoint` or set `{}`",
            crate::env::CNB_API_ENDPOINT
        ));
        None
    };
    if let Some(api) = &api {
        refuse_unpublished_path_deps(&ordered, &target, api)?;
    }
    let executor = |collisions: Vec<String>, shadowing: Vec<String>| Executor {
        ctx,
        cargo,
        target: &target,
        api: api.as_ref(),
        index: &index,
        flags,
        index_timeout: Duration::from_secs(args.index_timeout),
        web_api: std::sync::OnceLock::new(),
        collisions,
        shadowing,
    };
    // From cargo 1.90 every package is checked in one dry run, while the
    // registry is asked what it holds: on a real network those lookups
    // cost nothing then. Older cargo checks each package in the plan.
    // The early check counts when it checked exactly what is published,
    // for the same registry.
    let early_fits = early.is_some_and(|t| t.registry.name == registry)
        && matches!(ordered.as_slice(), [only] if ctx.cwd().is_ok_and(|cwd| {
            only.manifest_path.canonicalize().ok() == cwd.join("Cargo.toml").canonicalize().ok()
        }));
    let early_result = early_check.map(|handle| {
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    let early_used = early_fits && early_result.is_some();
    let (decisions, checked) = if let (true, Some(result)) = (early_fits, early_result) {
        steps.retain(|s| !matches!(s, Step::Check { .. }));
        let skips = executor(Vec::new(), Vec::new()).execute(
            &std::mem::take(&mut steps),
            dry_run,
            &mut report,
        );
        let checked = skips.and(result.map_err(|e| {
            (
                ordered[0].name.clone(),
                "cargo's checks".to_string(),
                UserError::new("cargo's checks failed; nothing was uploaded")
                    .caused_by(e)
                    .into(),
            )
        }));
        let decisions = match checked {
            Ok(()) => decide_all(&ordered, api.as_ref(), &index, args.placeholder, shell),
            Err(_) => Ok(HashMap::new()),
        };
        (decisions, checked)
    } else if multi {
        let names: Vec<String> = ordered.iter().map(|m| m.name.clone()).collect();
        let checker = executor(Vec::new(), Vec::new());
        std::thread::scope(|scope| {
            let lookups =
                scope.spawn(|| decide_all(&ordered, api.as_ref(), &index, args.placeholder, shell));
            let checked =
                checker.execute(&steps_then_check(&mut steps, names), dry_run, &mut report);
            let decisions = lookups
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (decisions, checked)
        })
    } else {
        (
            decide_all(&ordered, api.as_ref(), &index, args.placeholder, shell),
            Ok(()),
        )
    };
    let result = match (checked, decisions) {
        (Err(failure), _) => Err(failure),
        (Ok(()), Err(err)) => return Err(err),
        (Ok(()), Ok(decisions)) => {
            let to_publish: Vec<&Member> = ordered
                .iter()
                .copied()
                .filter(|m| matches!(decisions[&m.name], Decision::Publish { .. }))
                .collect();
            plan(
                &mut steps,
                &ordered,
                &decisions,
                &to_publish,
                !multi && !early_used,
                args.keep_placeholder,
            );
            let collisions = decisions
                .iter()
                .filter(|(_, d)| {
                    matches!(
                        d,
                        Decision::Publish {
                            collision: true,
                            ..
                        }
                    )
                })
                .map(|(n, _)| n.clone())
                .collect();
            let shadowing = decisions
                .iter()
                .filter(|(_, d)| matches!(d, Decision::Publish { shadows: true, .. }))
                .map(|(n, _)| n.clone())
                .collect();
            executor(collisions, shadowing).execute(&steps, dry_run, &mut report)
        }
    };
    report.ok = result.is_ok();
    if dry_run && result.is_ok() {
        shell.note("dry run: cargo's checks ran, and nothing was uploaded");
    }
    if let Err((package, step, err)) = &result {
        report.failed = Some(Failure {
            package: package.clone(),
            step: step.clone(),
            error: format!("{err:#}"),
        });
        report.resume = Some(resume_command());
    }
    summarize(&report, shell);
    if args.json {
        shell.out(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    }
    match result {
        Ok(()) => Ok(()),
        Err((package, _, err)) => {
            let mut error = UserError::new(format!(
                "publishing `{package}` failed; {}",
                state_sentence(&report)
            ))
            .hint(format!(
                "fix the cause and run `{}` again: it resumes, skipping what is published",
                resume_command()
            ));
            for p in &report.placeholders {
                if p.state != placeholder::State::Deleted {
                    error = error.hint(format!(
                        "or remove the placeholder with `cnbcargo delete {}@{}`",
                        p.package, p.version
                    ));
                }
            }
            Err(error.caused_by(err).into())
        }
    }
}

/// The steps so far (the skips) followed by the check, taken out of
/// `steps` so that they are not carried out twice.
fn steps_then_check(steps: &mut Vec<Step>, packages: Vec<String>) -> Vec<Step> {
    let mut first = std::mem::take(steps);
    first.push(Step::Check { packages });
    first
}

/// A path dependency with `registry = "<this one>"` is published pointing
/// at the registry: when the registry holds no version of that name (and
/// it is not published in this run, before its dependents), it serves
/// crates.io's crate of the name in its place, and cargo's own checks pass
/// on that. Refused before anything is uploaded.
fn refuse_unpublished_path_deps(
    ordered: &[&Member],
    target: &Target,
    api: &CnbApi<'_>,
) -> Result<()> {
    let publishing: Vec<&str> = ordered.iter().map(|m| m.name.as_str()).collect();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for member in ordered {
        for dep in &member.dependencies {
            let here = dep
                .registry
                .as_deref()
                .and_then(crate::registry_url::IndexUrl::normalize)
                .is_some_and(|url| url == target.index);
            if dep.path.is_some()
                && dep.travels()
                && here
                && !publishing.contains(&dep.name.as_str())
                && !wanted.iter().any(|(name, _)| *name == dep.name)
            {
                wanted.push((dep.name.clone(), member.name.clone()));
            }
        }
    }
    let held = crate::parallel::map(&wanted, 8, |(name, _)| api.version_names(name));
    let mut missing = Vec::new();
    for ((name, dependent), held) in wanted.iter().zip(held) {
        if held?.is_empty() {
            missing.push((name, dependent));
        }
    }
    let Some((name, dependent)) = missing.first() else {
        return Ok(());
    };
    let registry = &target.registry.name;
    let names: Vec<String> = missing.iter().map(|(n, _)| format!("`{n}`")).collect();
    Err(UserError::new(format!(
        "`{dependent}` depends on {} by path with `registry = \"{registry}\"`, but `{registry}` holds no version of {}: published now, its users would get crates.io's crate of that name through the registry's proxy; nothing was uploaded",
        names.join(", "),
        if missing.len() == 1 { "it" } else { "them" }
    ))
    .hint(format!(
        "publish it first, or together: `cnbcargo publish -p {name} -p {dependent}` (or `--workspace`)"
    ))
    .into())
}

fn spec(member: &Member) -> String {
    format!("{}@{}", member.name, member.version)
}

/// Without `--registry`: the one registry every selected package's
/// `package.publish` allows, if they agree on exactly one.
fn only_allowed_registry(members: &[&Member]) -> Option<String> {
    let mut only: Option<&String> = None;
    for member in members {
        match member.publish.as_deref() {
            Some([one]) if only.is_none_or(|o| o == one) => only = Some(one),
            Some([]) => continue,
            _ => return None,
        }
    }
    only.cloned()
}

/// Per package, from the API (what the registry holds) and the index
/// (whether the proxy lists the version), fetched side by side.
fn decide_all(
    members: &[&Member],
    api: Option<&CnbApi<'_>>,
    index: &SparseIndex<'_>,
    mode: PlaceholderMode,
    shell: &Shell,
) -> Result<HashMap<String, Decision>> {
    let lookups: Vec<Result<Decision>> = std::thread::scope(|scope| {
        let handles: Vec<_> = members
            .iter()
            .map(|member| scope.spawn(move || decide_one(member, api, index, mode, shell)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut decisions = HashMap::new();
    for (member, decision) in members.iter().zip(lookups) {
        decisions.insert(member.name.clone(), decision?);
    }
    Ok(decisions)
}

fn decide_one(
    member: &Member,
    api: Option<&CnbApi<'_>>,
    index: &SparseIndex<'_>,
    mode: PlaceholderMode,
    shell: &Shell,
) -> Result<Decision> {
    let listed = index.versions(&member.name).map_err(|e| {
        explain(
            e,
            format!("cannot read the index entry of `{}`", member.name),
            Op::Read,
        )
    })?;
    let index_has = |v: &str| listed.iter().any(|e| e.vers == v);
    let Some(api) = api else {
        // No API: the index is all there is to go by.
        return Ok(if index_has(&member.version) {
            Decision::Already { leftover: None }
        } else {
            Decision::Publish {
                placeholder: false,
                collision: false,
                leftover: None,
                shadows: false,
            }
        });
    };
    let local = api.version_names(&member.name)?;
    shell.verbose(format!(
        "the registry holds {} version(s) of `{}`; its index lists {}",
        local.len(),
        member.name,
        listed.len()
    ));
    let leftover = local.iter().any(|v| v == PLACEHOLDER_VERSION).then(|| {
        listed
            .iter()
            .find(|e| e.vers == PLACEHOLDER_VERSION)
            .is_some_and(|e| e.yanked)
    });
    let mut decision = decide(&local, index_has(&member.version), &member.version, mode, leftover).map_err(|()| {
        UserError::new(format!(
            "`{}` cannot be published as is: the registry has no version of `{}`, so CNB serves the crates.io proxy's index for it, which already lists {}; nothing was uploaded",
            spec(member), member.name, member.version
        ))
        .hint("cargo would refuse with \"already exists\"; run without `--placeholder never` to publish a placeholder version first")
    })?;
    if let Decision::Publish { shadows, .. } = &mut decision {
        *shadows = local.is_empty() && !listed.is_empty();
    }
    Ok(decision)
}

/// `Err(())`: a collision with `--placeholder never`.
fn decide(
    local: &[String],
    index_has_version: bool,
    version: &str,
    mode: PlaceholderMode,
    leftover: Option<bool>,
) -> Result<Decision, ()> {
    if local.iter().any(|v| v == version) {
        return Ok(Decision::Already { leftover });
    }
    // With any version of its own (even a leftover placeholder), the
    // registry serves its own index: no collision, no placeholder needed.
    let collision = local.is_empty() && index_has_version;
    let placeholder = match mode {
        PlaceholderMode::Always => local.is_empty(),
        PlaceholderMode::Auto => collision,
        PlaceholderMode::Never if collision => return Err(()),
        PlaceholderMode::Never => false,
    };
    Ok(Decision::Publish {
        placeholder,
        collision,
        leftover,
        shadows: false,
    })
}

/// The steps after cargo's checks, in the order they run (with
/// `check_each`, each package's check just before its upload); a package
/// waits for the index to list the ones it depends on.
fn plan(
    steps: &mut Vec<Step>,
    ordered: &[&Member],
    decisions: &HashMap<String, Decision>,
    to_publish: &[&Member],
    check_each: bool,
    keep_placeholder: bool,
) {
    for member in ordered {
        if let Decision::Already { .. } = decisions[&member.name] {
            steps.push(Step::Skip {
                package: spec(member),
                reason: "the registry already has this version".to_string(),
            });
        }
    }
    for member in ordered {
        let package = member.name.clone();
        match decisions[&member.name] {
            Decision::Already {
                leftover: Some(yanked),
            } if !keep_placeholder => {
                steps.push(Step::RemovePlaceholder { package, yanked });
            }
            Decision::Already { .. } => {}
            Decision::Publish {
                placeholder,
                leftover,
                ..
            } => {
                if check_each {
                    // Before 1.90 cargo checks one package at a time, against
                    // what the registry holds: each just before its upload.
                    steps.push(Step::Check {
                        packages: vec![package.clone()],
                    });
                }
                if placeholder && leftover.is_none() {
                    steps.push(Step::UploadPlaceholder {
                        package: package.clone(),
                    });
                }
                if placeholder || leftover.is_some() {
                    steps.push(Step::WaitForPlaceholder {
                        package: package.clone(),
                        leftover,
                    });
                }
                steps.push(Step::Publish {
                    package: package.clone(),
                    version: member.version.clone(),
                });
                let removes = !keep_placeholder && (placeholder || leftover.is_some());
                let has_dependents = to_publish.iter().any(|other| {
                    other
                        .dependencies
                        .iter()
                        .any(|d| d.path.is_some() && d.name == member.name)
                });
                if removes || has_dependents {
                    steps.push(Step::WaitForIndex {
                        package: package.clone(),
                        version: member.version.clone(),
                    });
                }
                if removes {
                    steps.push(Step::RemovePlaceholder {
                        package,
                        yanked: leftover.unwrap_or(false),
                    });
                }
            }
        }
    }
}

struct Executor<'a> {
    ctx: &'a Context,
    cargo: &'a Cargo,
    target: &'a Target,
    api: Option<&'a CnbApi<'a>>,
    index: &'a SparseIndex<'a>,
    flags: &'a [String],
    index_timeout: Duration,
    /// The registry's Web API, from `config.json`, fetched when first needed.
    web_api: std::sync::OnceLock<WebApi<'a>>,
    collisions: Vec<String>,
    /// Packages whose first version in the registry hides crates.io's crate.
    shadowing: Vec<String>,
}

type StepError = (String, String, anyhow::Error);

impl<'a> Executor<'a> {
    fn shell(&self) -> &Shell {
        &self.ctx.shell
    }

    fn registry(&self) -> &str {
        &self.target.registry.name
    }

    fn execute(&self, steps: &[Step], dry_run: bool, report: &mut Report) -> Result<(), StepError> {
        let shell = self.shell();
        for step in steps {
            match step {
                Step::Skip { package, reason } => {
                    shell.status("Skipping", format!("`{package}`: {reason}"));
                    report.skipped.push(Skipped {
                        package: package.clone(),
                        reason: reason.clone(),
                    });
                }
                Step::Check { packages } => {
                    shell.status(
                        "Checking",
                        format!(
                            "{} with `cargo publish --dry-run` before any upload",
                            packages.join(", ")
                        ),
                    );
                    let names: Vec<&str> = packages.iter().map(String::as_str).collect();
                    self.cargo
                        .publish_checks(
                            self.registry(),
                            &names,
                            self.flags,
                            self.target.cargo_env(),
                            shell,
                        )
                        .map_err(|e| {
                            (
                                packages.join(", "),
                                "cargo's checks".to_string(),
                                UserError::new("cargo's checks failed; nothing was uploaded")
                                    .caused_by(e)
                                    .into(),
                            )
                        })?;
                }
                Step::UploadPlaceholder { package } if dry_run => {
                    shell.status(
                        "Would upload",
                        format!("the placeholder `{package}@{PLACEHOLDER_VERSION}`"),
                    );
                }
                Step::UploadPlaceholder { package } => {
                    if self.collisions.contains(package) {
                        shell.note(format!(
                            "`{}` has no version of `{package}`, and the crates.io proxy's index lists the version being published: publishing a placeholder first",
                            self.registry()
                        ));
                    }
                    self.upload_placeholder(package).map_err(|e| {
                        (
                            format!("{package}@{PLACEHOLDER_VERSION}"),
                            "uploading the placeholder".to_string(),
                            e,
                        )
                    })?;
                    report.placeholder(package, placeholder::State::InRegistry);
                    shell.status(
                        "Uploaded",
                        format!("the placeholder `{package}@{PLACEHOLDER_VERSION}`"),
                    );
                }
                Step::WaitForPlaceholder { package, .. } if dry_run => {
                    shell.verbose(format!(
                        "would wait for the index to list `{package}@{PLACEHOLDER_VERSION}`"
                    ));
                }
                Step::WaitForPlaceholder { package, leftover } => {
                    if let Err(err) = placeholder::wait_served(
                        self.index,
                        self.registry(),
                        package,
                        self.index_timeout,
                        true,
                        shell,
                    ) {
                        match leftover {
                            None => self.undo_placeholder(package, report),
                            Some(true) => {
                                report.placeholder(package, placeholder::State::LeftYanked)
                            }
                            Some(false) => {
                                report.placeholder(package, placeholder::State::InRegistry)
                            }
                        }
                        return Err((
                            format!("{package}@{PLACEHOLDER_VERSION}"),
                            "waiting for the index to list the placeholder".to_string(),
                            err,
                        ));
                    }
                }
                Step::Publish { package, version } if dry_run => {
                    shell.status("Would upload", format!("`{package}@{version}`"));
                    if self.shadowing.contains(package) {
                        shell.note(format!(
                            "this first version of `{package}` in `{}` would make crates.io's `{package}` unreachable through the registry: it would serve its own versions for the name instead",
                            self.registry()
                        ));
                    }
                }
                Step::Publish { package, version } => {
                    let result = self.cargo.publish_package(
                        self.registry(),
                        package,
                        self.flags,
                        self.target.cargo_env(),
                        shell,
                    );
                    if let Err(err) = result {
                        self.undo_placeholder(package, report);
                        return Err((
                            format!("{package}@{version}"),
                            "cargo publish".to_string(),
                            err,
                        ));
                    }
                    report.published.push(format!("{package}@{version}"));
                    if self.shadowing.contains(package) {
                        shell.note(format!(
                            "crates.io's `{package}` is no longer reachable through `{}`: now that it holds a version of `{package}`, the registry serves its own versions for the name instead of crates.io's",
                            self.registry()
                        ));
                    }
                }
                Step::WaitForIndex { package, version } if dry_run => {
                    shell.verbose(format!(
                        "would wait for the index to list `{package}@{version}`"
                    ));
                }
                Step::WaitForIndex { package, version } => {
                    self.wait_for_index(package, version).map_err(|e| {
                        (
                            format!("{package}@{version}"),
                            "waiting for the index".to_string(),
                            e,
                        )
                    })?;
                }
                Step::RemovePlaceholder { package, yanked } if dry_run => {
                    let what = if *yanked {
                        "the yanked leftover"
                    } else {
                        "the"
                    };
                    shell.status(
                        "Would delete",
                        format!("{what} placeholder `{package}@{PLACEHOLDER_VERSION}`"),
                    );
                }
                Step::RemovePlaceholder { package, yanked } => {
                    let state = self.remove_placeholder(package, *yanked);
                    report.placeholder(package, state);
                }
            }
        }
        Ok(())
    }

    /// The registry's Web API, its `config.json` read once.
    fn web_api(&self) -> Result<&WebApi<'a>> {
        if let Some(api) = self.web_api.get() {
            return Ok(api);
        }
        let api = self.ctx.web_api(self.target)?;
        Ok(self.web_api.get_or_init(|| api))
    }

    fn upload_placeholder(&self, package: &str) -> Result<()> {
        placeholder::upload(self.web_api()?, package, self.shell())
    }

    fn wait_for_index(&self, package: &str, version: &str) -> Result<()> {
        let shell = self.shell();
        let listing = crate::ops::wait::until_listed(
            self.index,
            package,
            self.index_timeout,
            Some(format!(
                "waiting for the index to list `{package}@{version}`"
            )),
            shell,
            |listed| listed.iter().any(|e| e.vers == version),
        )
        .map_err(|e| {
            explain(
                e,
                format!("cannot read the index entry of `{package}`"),
                Op::Read,
            )
        })?;
        if !listing.complete {
            return Err(UserError::new(format!(
                "the index did not list `{package}@{version}` within {} s",
                self.index_timeout.as_secs()
            ))
            .hint("the upload went through; pass a longer `--index-timeout` and run again")
            .into());
        }
        shell.verbose(format!(
            "the index lists `{package}@{version}` ({} ms)",
            listing.waited.as_millis()
        ));
        Ok(())
    }

    /// After a failed step, deletes the placeholder this run uploaded for
    /// `package`, so that the registry is left as it was for it; the
    /// report says whether that worked.
    fn undo_placeholder(&self, package: &str, report: &mut Report) {
        let uploaded = report
            .placeholders
            .iter()
            .any(|p| p.package == package && p.state == placeholder::State::InRegistry);
        if uploaded
            && let Some(api) = self.api
            && placeholder::delete(api, package, self.index_timeout, self.shell()).is_ok()
        {
            report.placeholder(package, placeholder::State::Deleted);
        }
    }

    fn remove_placeholder(&self, package: &str, yanked: bool) -> placeholder::State {
        placeholder::remove(
            self.api,
            || self.web_api(),
            package,
            if yanked {
                placeholder::Leftover::Yanked
            } else {
                placeholder::Leftover::None
            },
            self.index_timeout,
            self.shell(),
        )
    }
}

/// What the registry holds now, in a sentence.
fn state_sentence(report: &Report) -> String {
    let mut parts = Vec::new();
    parts.push(if report.published.is_empty() {
        "nothing was published".to_string()
    } else {
        format!("published: {}", report.published.join(", "))
    });
    for p in &report.placeholders {
        parts.push(match p.state {
            placeholder::State::Deleted => {
                format!("the placeholder `{}@{}` was deleted", p.package, p.version)
            }
            state => format!(
                "the registry holds the placeholder `{}@{}`, {}",
                p.package,
                p.version,
                state.describe()
            ),
        });
    }
    parts.join("; ")
}

fn summarize(report: &Report, shell: &Shell) {
    if report.dry_run {
        return;
    }
    if report.ok {
        let published = if report.published.is_empty() {
            "nothing new to publish".to_string()
        } else {
            report.published.join(", ")
        };
        shell.status("Published", format!("{published} to `{}`", report.registry));
    }
}

/// The command that was run, to run again: it resumes.
pub(super) fn resume_command() -> String {
    let args: Vec<String> = std::env::args().skip(1).map(|a| shell_quote(&a)).collect();
    format!("cnbcargo {}", args.join(" "))
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=@:+,".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn publish(placeholder: bool, collision: bool, leftover: Option<bool>) -> Decision {
        Decision::Publish {
            placeholder,
            collision,
            leftover,
            shadows: false,
        }
    }

    #[test]
    fn decisions() {
        use PlaceholderMode::*;
        assert_eq!(
            decide(&v(&["1.0.0"]), true, "1.0.0", Auto, None),
            Ok(Decision::Already { leftover: None })
        );
        assert_eq!(
            decide(&v(&[]), true, "1.0.0", Auto, None),
            Ok(publish(true, true, None))
        );
        assert_eq!(
            decide(&v(&[]), false, "1.0.0", Auto, None),
            Ok(publish(false, false, None))
        );
        assert_eq!(
            decide(&v(&[]), false, "1.0.0", Always, None),
            Ok(publish(true, false, None))
        );
        assert_eq!(decide(&v(&[]), true, "1.0.0", Never, None), Err(()));
        assert_eq!(
            decide(&v(&["0.9.0"]), true, "1.0.0", Auto, None),
            Ok(publish(false, false, None))
        );
        assert_eq!(
            decide(&v(&[PLACEHOLDER_VERSION]), true, "1.0.0", Auto, Some(true)),
            Ok(publish(false, false, Some(true)))
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("publish"), "publish");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
