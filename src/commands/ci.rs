//! `cnbcargo ci`: a `.cnb.yaml` pipeline that publishes on tag pushes. The
//! work is `crate::ops::pipeline`.

use anyhow::Result;

use crate::cli::CiArgs;
use crate::context::Context;
use crate::fs::edit::Outcome;
use crate::ops::pipeline::{self, Options};

pub fn run(args: &CiArgs, ctx: &Context) -> Result<()> {
    let options = Options {
        dry_run: args.dry_run,
        install: args.install.as_deref(),
        image: args.image.as_deref(),
        audit: args.audit,
        dev_env: args.dev_env,
    };
    let report = pipeline::write(ctx, &options)?;
    let path = report.path.display();
    for event in &report.present {
        let what = match *event {
            "vscode" => "has a cloud workspace (`$:`'s `vscode:`), left as it is",
            _ => "already publishes with cnbcargo",
        };
        ctx.shell.status("Fresh", format!("`{path}` {what}"));
    }
    let published = !report.present.contains(&"tag_push");
    if matches!(report.outcome, Outcome::Created | Outcome::Updated) && published {
        ctx.shell
            .hint("the pipeline runs on `tag_push`: push a tag to publish");
    }
    Ok(())
}
