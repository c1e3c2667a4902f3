//! `cnbcargo ci`: a `.cnb.yaml` pipeline that publishes on tag pushes. The
//! work is `crate::ops::pipeline`.

use anyhow::Result;

use crate::cli::CiArgs;
use crate::context::Context;
use crate::fs::edit::Outcome;
use crate::ops::pipeline::{self, Options};

pub fn run(args: &CiArgs, ctx: &Context) -> Result<()> {
    let install = pipeline::install::choose(ctx, args.install.as_deref(), args.image.as_deref())?;
    let options = Options {
        dry_run: args.dry_run,
        install: &install,
        image: args.image.as_deref(),
    };
    let report = pipeline::write(ctx, &options)?;
    match report.outcome {
        Outcome::Unchanged => ctx.shell.status(
            "Fresh",
            format!(
                "`{}` already publishes with cnbcargo",
                report.path.display()
            ),
        ),
        Outcome::Shown => {}
        Outcome::Created | Outcome::Updated => ctx
            .shell
            .hint("the pipeline runs on `tag_push`: push a tag to publish"),
    }
    Ok(())
}
