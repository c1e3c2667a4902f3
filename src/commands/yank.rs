//! `cnbcargo yank`: `cargo yank` for each selected version.

use anyhow::Result;

use crate::cli::YankArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::explain::VersionNames;
use crate::spec::VersionMatch;

pub fn run(args: &YankArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let specs = args.specs.parse(args.all)?;
    let cargo = &ctx.cargo;
    cargo.check_version(shell)?;
    let target = ctx.target(args.registry.registry.as_deref())?;

    let mut versions: Vec<(String, String)> = Vec::new();
    let mut api = None;
    for spec in &specs {
        if let VersionMatch::Exact(version) = &spec.versions {
            // An exact version needs no listing (nor a token that may read the API).
            versions.push((spec.name.clone(), version.to_string()));
            continue;
        }
        let api = match &mut api {
            Some(api) => api,
            None => api.insert(ctx.api(&target, args.api.api_endpoint.as_deref())?),
        };
        let available = api.version_names(&spec.name)?;
        let selected = spec.select(&available);
        if selected.is_empty() {
            return Err(UserError::new(format!(
                "`{}` matches no version in `{}`",
                spec.describe(),
                target.registry.name
            ))
            .into());
        }
        versions.extend(
            selected
                .into_iter()
                .map(|v| (spec.name.clone(), v.to_string())),
        );
    }

    let verb = if args.undo { "unyank" } else { "yank" };
    if args.dry_run {
        let shown = if args.undo {
            "Would unyank"
        } else {
            "Would yank"
        };
        for (name, version) in &versions {
            shell.status(shown, format!("{name}@{version}"));
        }
        shell.note(format!(
            "dry run: nothing was {verb}ed ({} version(s) selected)",
            versions.len()
        ));
        return Ok(());
    }

    let mut failed = Vec::new();
    for (name, version) in &versions {
        let spec = format!("{name}@{version}");
        if !cargo.yank(
            &target.registry.name,
            &spec,
            args.undo,
            target.cargo_env(),
            shell,
        )? {
            failed.push(spec);
        }
    }
    if !failed.is_empty() {
        return Err(UserError::new(format!(
            "could not {verb} {} of {} version(s): {}",
            failed.len(),
            versions.len(),
            failed.join(", ")
        ))
        .hint("cargo's own messages are above")
        .into());
    }
    Ok(())
}
