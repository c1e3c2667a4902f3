//! `cnbcargo migrate`: arguments to `crate::ops::migrate`, which picks
//! the crates and copies them; a line per version, a progress bar, and
//! the summary.

use std::sync::Mutex;

use anyhow::Result;

use crate::cli::MigrateArgs;
use crate::context::Context;
use crate::ops::migrate::select::{self, Which};
use crate::ops::migrate::summary::Said;
use crate::ops::migrate::{self, Action, Destination, Progress, VersionReport};
use crate::shell::Shell;

pub fn run(args: &MigrateArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let which = Which::of(&args.crates, args.lock.as_deref(), args.all)?;
    let target = ctx.target(args.registry.registry.as_deref())?;
    let source = select::open_source(ctx, &args.from, args.from_token_stdin, &target.index)?;
    shell.verbose(format!(
        "copying from `{}` to `{}`",
        source.shown(),
        target.registry.name
    ));
    let wanted = which.wanted(&source)?;
    if wanted.is_empty() {
        shell.note(format!("`{}` lists nothing to copy", source.shown()));
        return Ok(());
    }

    let dest = Destination {
        name: target.registry.name.clone(),
        api: ctx.api(&target, args.api.api_endpoint.as_deref())?,
        web: ctx.web_api(&target)?,
        index: ctx.index(&target)?,
        index_timeout: std::time::Duration::from_secs(args.index_timeout),
    };
    let printer = Printer {
        shell,
        dry_run: args.dry_run,
        bar: Mutex::new(None),
    };
    let jobs = usize::from(args.jobs);
    let report = migrate::run(&source, &dest, &wanted, jobs, args.dry_run, shell, &printer);
    // The bar leaves the screen before anything else is said.
    drop(printer.bar.lock().unwrap_or_else(|e| e.into_inner()).take());
    let report = report?;

    if args.json {
        let json = report.json(source.shown(), &dest.name, args.dry_run);
        shell.out(&format!("{}\n", serde_json::to_string_pretty(&json)?));
    }
    summarize(&report, &dest.name, args.dry_run, shell)
}

/// A line per version, and a progress bar on a terminal.
struct Printer<'s> {
    shell: &'s Shell,
    dry_run: bool,
    bar: Mutex<Option<crate::shell::Progress>>,
}

impl Progress for Printer<'_> {
    fn planned(&self, to_copy: usize) {
        if self.dry_run {
            return;
        }
        let bar = self.shell.progress("Copying", to_copy as u64);
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn done(&self, v: &VersionReport) {
        // Through the shell, which prints above the bar.
        match v.said() {
            Said::Status(verb, message) => self.shell.status(verb, message),
            Said::Verbose(message) => self.shell.verbose(message),
            Said::Warning(message) => self.shell.warn(message),
        }
        if !matches!(v.action, Action::Skipped | Action::Yanked | Action::Ignored)
            && let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner())
        {
            bar.inc();
        }
    }
}

/// The counts, what the registry now holds, and how to resume.
fn summarize(report: &migrate::Report, registry: &str, dry_run: bool, shell: &Shell) -> Result<()> {
    if dry_run {
        for note in report.dry_run_notes(registry) {
            shell.note(note);
        }
        return Ok(());
    }
    shell.status("Migrated", report.migrated(registry));
    for (warning, hint) in report.placeholders_left_behind(registry) {
        shell.warn(warning);
        shell.hint(hint);
    }
    match report.incomplete(registry) {
        None => Ok(()),
        Some(error) => Err(error
            .hint(format!(
                "fix what the warnings above say and run the same command again, `{}`: versions already in the registry are skipped",
                super::publish::resume_command()
            ))
            .into()),
    }
}
