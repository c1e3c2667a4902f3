//! `cnbcargo delete`: CNB's delete API, which cargo lacks (the work is
//! `crate::ops::delete`).

use anyhow::Result;

use crate::cli::DeleteArgs;
use crate::client::cnb::Deleted;
use crate::context::Context;
use crate::ops::delete::{self, Ended};

pub fn run(args: &DeleteArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let specs = args.specs.parse(args.all)?;
    let target = ctx.target(args.registry.registry.as_deref())?;
    let api = ctx.api(&target, args.api.api_endpoint.as_deref())?;
    let registry = target.registry.name.as_str();
    let plan = delete::plan(ctx, &api, &specs, registry)?;

    if args.dry_run {
        for deletion in &plan.deletions {
            shell.status("Would delete", deletion.label());
        }
        for falling in &plan.falling {
            shell.note(falling.sentence(registry));
        }
        shell.note(format!(
            "dry run: nothing was deleted ({} selected)",
            plan.count()
        ));
        return Ok(());
    }
    let asked = !args.yes && shell.is_interactive();
    plan.check_fall_through(registry, args.allow_fall_through, asked, args.yes)?;
    if !args.yes {
        if !asked {
            return Err(plan.unconfirmed(registry).into());
        }
        // Saying no is a choice, not a failure.
        if !shell.confirm(&plan.question(registry))? {
            shell.note("nothing was deleted");
            return Ok(());
        }
    }

    let ended = delete::execute(&api, &plan, usize::from(args.jobs), shell);
    for (deletion, ended) in plan.deletions.iter().zip(&ended) {
        match ended {
            Ended::Deleted(how) => {
                let note = match how {
                    Deleted::Now => "",
                    Deleted::ByEarlierAttempt => " (the retried request found it already gone)",
                };
                shell.status("Deleted", format!("{}{note}", deletion.label()));
            }
            Ended::Failed(err) => shell.error(err),
            Ended::Refused(_) | Ended::NotTried => {}
        }
    }
    delete::conclude(&plan, ended, registry)
}
