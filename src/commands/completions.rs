use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::shell::Shell;

pub fn run(args: &CompletionsArgs, shell: &Shell) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cnbcargo", &mut out);
    shell.out(&String::from_utf8_lossy(&out));
    Ok(())
}
