//! `cnbcargo completions SHELL`: prints the script that registers
//! cnbcargo's completions with the shell (`cli::complete` answers them).

use anyhow::Result;

use crate::cli::CompletionsArgs;
use crate::cli::complete::registration;
use crate::context::Context;

pub fn run(args: &CompletionsArgs, ctx: &Context) -> Result<()> {
    ctx.shell.out(&registration(args.shell));
    Ok(())
}
