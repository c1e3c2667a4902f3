//! `cnbcargo publish`: the arguments become `ops::publish::Options`; the
//! operation publishes; this prints its summary or `--json` report.

use std::time::Duration;

use anyhow::Result;

use crate::cli::{PlaceholderMode, PublishArgs};
use crate::context::Context;
use crate::ops::placeholder::Mode;
use crate::ops::publish::{self, Options};

pub fn run(args: &PublishArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let outcome = publish::run(&options(args), ctx)?;
    let report = &outcome.report;
    if report.ok {
        if report.dry_run {
            shell.note("dry run: cargo's checks ran, and nothing was uploaded");
        } else {
            shell.status("Published", report.summary());
        }
    }
    if args.json {
        shell.out(&format!("{}\n", serde_json::to_string_pretty(report)?));
    }
    match outcome.failure {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

fn options(args: &PublishArgs) -> Options {
    // `--dry-run` after `--` counts as cnbcargo's own: cargo would get it
    // on every upload otherwise.
    let is_dry_run = |a: &String| a == "--dry-run" || a == "-n";
    let mut cargo_flags = args.cargo.to_args();
    cargo_flags.extend(args.cargo_args.iter().filter(|a| !is_dry_run(a)).cloned());
    Options {
        packages: args.packages.clone(),
        workspace: args.workspace,
        exclude: args.exclude.clone(),
        manifest_path: args.manifest_path.clone(),
        registry: args.registry.registry.clone(),
        api_endpoint: args.api.api_endpoint.clone(),
        placeholder: match args.placeholder {
            PlaceholderMode::Auto => Mode::Auto,
            PlaceholderMode::Always => Mode::Always,
            PlaceholderMode::Never => Mode::Never,
        },
        keep_placeholder: args.keep_placeholder,
        dry_run: args.dry_run || args.cargo_args.iter().any(is_dry_run),
        index_timeout: Duration::from_secs(args.index_timeout),
        cargo_flags,
        resume_command: resume_command(),
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

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("publish"), "publish");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
