//! What is published, and where: the packages chosen, the registry, its
//! API, and what is refused before any check or upload.

use anyhow::Result;

use crate::client::cnb::CnbApi;
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::explain::VersionNames;
use crate::settings;
use crate::workspace::{Member, Metadata, Selection, registry_key_problems};

use super::Options;
use super::plan::{Step, spec};
use super::report::SkipReason;

/// Refuses the package of the manifest in play (`--manifest-path`, else
/// the current directory's) when its name is not one crates.io and CNB
/// take, as `cargo metadata`'s answer would be refused later for every
/// member. A manifest that cannot be read or has no such name is left to
/// cargo, which says what is wrong with it.
pub(super) fn refuse_invalid_name_here(opts: &Options, ctx: &Context) -> Result<()> {
    let manifest = match &opts.manifest_path {
        Some(path) => path.clone(),
        None => ctx.cwd()?.join("Cargo.toml"),
    };
    let Some(doc) = crate::workspace::peek_manifest(&manifest) else {
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
pub(super) fn early_check_target(opts: &Options, ctx: &Context) -> Result<Option<Target>> {
    if !opts.packages.is_empty()
        || opts.workspace
        || !opts.exclude.is_empty()
        || opts.manifest_path.is_some()
    {
        return Ok(None);
    }
    let Some(doc) = crate::workspace::peek_manifest(&ctx.cwd()?.join("Cargo.toml")) else {
        return Ok(None);
    };
    if doc.get("package").is_none() || doc.get("workspace").is_some() {
        return Ok(None);
    }
    // A registry that cannot be resolved yet is resolved, and explained,
    // after the workspace is read.
    Ok(ctx.target(opts.registry.as_deref()).ok())
}

/// The members `-p`, `--workspace` and `--exclude` choose, as cargo would
/// from the manifest's directory (or the current one).
pub(super) fn select<'m>(
    opts: &Options,
    ctx: &Context,
    metadata: &'m Metadata,
) -> Result<Vec<&'m Member>> {
    let anchor = match &opts.manifest_path {
        Some(path) => path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_else(|| path.clone()),
        None => ctx.cwd()?.to_path_buf(),
    };
    let selection = Selection {
        packages: opts.packages.clone(),
        workspace: opts.workspace,
        exclude: opts.exclude.clone(),
    };
    metadata.select(&selection, &anchor)
}

/// The members that may go to `registry`, and a skip for each other one;
/// refused when none may.
pub(super) fn publishable<'m>(
    selected: &[&'m Member],
    registry: &str,
) -> Result<(Vec<&'m Member>, Vec<Step>)> {
    let mut skips = Vec::new();
    let mut publishable = Vec::new();
    for member in selected {
        match member.publishable_to(registry) {
            Ok(()) => publishable.push(*member),
            Err(why) => skips.push(Step::Skip {
                package: spec(member),
                reason: SkipReason::NotHere(why),
            }),
        }
    }
    if publishable.is_empty() {
        let mut error = UserError::new(format!("nothing to publish to `{registry}`"));
        for step in &skips {
            if let Step::Skip { package, reason } = step {
                error = error.hint(format!("`{package}`: {reason}"));
            }
        }
        return Err(error.into());
    }
    Ok((publishable, skips))
}

/// A path dependency without `registry` would point at crates.io.
pub(super) fn refuse_missing_registry_keys(ordered: &[&Member], registry: &str) -> Result<()> {
    let problems = registry_key_problems(ordered, registry);
    if problems.is_empty() {
        return Ok(());
    }
    let mut err = UserError::new(format!(
        "cannot publish to `{registry}`: {} path dependenc{} without `registry`; nothing was uploaded",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" }
    ));
    for problem in problems {
        err = err.hint(problem);
    }
    Err(err.into())
}

/// The registry's CNB API, when it has one cnbcargo can tell; else a note
/// that cargo alone publishes, without the crates.io proxy checks.
pub(super) fn cnb_api<'c>(
    opts: &Options,
    ctx: &'c Context,
    target: &Target,
) -> Result<Option<CnbApi<'c>>> {
    let endpoint = opts.api_endpoint.as_deref();
    if settings::api_endpoint_known(endpoint, &target.index) {
        return Ok(Some(ctx.api(target, endpoint)?));
    }
    let shell = &ctx.shell;
    shell.note(format!(
        "`{}` has no CNB API cnbcargo can tell ({}): publishing with cargo alone, without the crates.io proxy checks",
        target.registry.name, target.index
    ));
    shell.hint(format!(
        "for a CNB registry, pass `--api-endpoint` or set `{}`",
        crate::env::CNB_API_ENDPOINT
    ));
    Ok(None)
}

/// A path dependency with `registry = "<this one>"` is published pointing
/// at the registry: when the registry holds no version of that name (and
/// it is not published in this run, before its dependents), it serves
/// crates.io's crate of the name in its place, and cargo's own checks pass
/// on that. Refused before anything is uploaded.
pub(super) fn refuse_unpublished_path_deps(
    ordered: &[&Member],
    target: &Target,
    api: &CnbApi<'_>,
) -> Result<()> {
    let wanted = registry_path_deps(ordered, target);
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

/// The path dependencies on `target`'s registry that are not published in
/// this run, each once: (the dependency, its first dependent).
fn registry_path_deps(ordered: &[&Member], target: &Target) -> Vec<(String, String)> {
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
    wanted
}
