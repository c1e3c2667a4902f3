use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::context::Context;

pub fn run(args: &CompletionsArgs, ctx: &Context) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cnbcargo", &mut out);
    ctx.shell.out(&String::from_utf8_lossy(&out));
    Ok(())
}
