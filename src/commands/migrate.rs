//! `cnbcargo migrate`: which crates, from where, into which registry; the
//! copying itself is `crate::ops::migrate`.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Result;
use serde::Serialize;

use crate::cli::MigrateArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ops::migrate::source::Source;
use crate::ops::migrate::{self, Action, Destination, Progress, VersionReport, Wanted};
use crate::ops::placeholder::State as PlaceholderState;
use crate::registry_url::IndexUrl;
use crate::settings;
use crate::shell::Shell;
use crate::spec::{CrateSpec, VersionMatch, validate_crate_name};

pub fn run(args: &MigrateArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let chosen = [!args.crates.is_empty(), args.lock.is_some(), args.all];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(UserError::usage(
            "say which crates to copy: name them, or pass `--lock PATH` or `--all` (one of the three)",
        )
        .hint("e.g. `cnbcargo migrate --from SOURCE my-crate 'other@>=1'`")
        .into());
    }
    // The names are checked before anything is asked of a server.
    let named: Vec<Wanted> = args
        .crates
        .iter()
        .map(|text| wanted_of(text))
        .collect::<Result<_, _>>()?;
    for (i, w) in named.iter().enumerate() {
        if named[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&w.name))
        {
            return Err(UserError::usage(format!("`{}` is named twice", w.name))
                .hint("name each crate once: `name` for every version, `name@REQ` for some")
                .into());
        }
    }

    let target = ctx.target(args.registry.registry.as_deref())?;
    let source = open_source(args, ctx, &target.index)?;
    shell.verbose(format!(
        "copying from `{}` to `{}`",
        source.shown(),
        target.registry.name
    ));

    let wanted = if args.all {
        source
            .all_names()?
            .into_iter()
            .map(|name| Wanted {
                name,
                versions: VersionMatch::All,
            })
            .collect()
    } else if let Some(lock) = &args.lock {
        from_lock(lock, &source)?
    } else {
        named
    };
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
    let printer = Printer::new(shell, args.dry_run);
    let report = migrate::run(
        &source,
        &dest,
        &wanted,
        usize::from(args.jobs),
        args.dry_run,
        shell,
        &printer,
    )?;
    printer.finish();

    if args.json {
        shell.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&JsonReport {
                source: source.shown(),
                registry: &dest.name,
                dry_run: args.dry_run,
                copied: report.count(Action::Copied),
                skipped: report.count(Action::Skipped),
                failed: report.count(Action::Failed),
                planned: report.count(Action::Planned),
                ignored: report.count(Action::Ignored),
                versions: &report.versions,
                placeholders: &report.placeholders,
            })?
        ));
    }
    summarize(&report, &dest.name, args.dry_run, shell)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    source: String,
    registry: &'a str,
    dry_run: bool,
    copied: usize,
    skipped: usize,
    failed: usize,
    planned: usize,
    /// cnbcargo's own placeholder versions found in the source: never copied.
    ignored: usize,
    versions: &'a [VersionReport],
    placeholders: &'a [crate::ops::placeholder::PlaceholderReport],
}

/// `name` (every version) or `name@REQ`.
fn wanted_of(text: &str) -> Result<Wanted, UserError> {
    if text.contains('@') {
        let spec = CrateSpec::parse(text, false)?;
        Ok(Wanted {
            name: spec.name,
            versions: spec.versions,
        })
    } else {
        validate_crate_name(text.trim())?;
        Ok(Wanted {
            name: text.trim().to_string(),
            versions: VersionMatch::All,
        })
    }
}

/// SOURCE: a directory, an index URL, or a registry in cargo's config.
fn open_source<'c>(
    args: &MigrateArgs,
    ctx: &'c Context,
    destination: &IndexUrl,
) -> Result<Source<'c>> {
    let shell = &ctx.shell;
    let text = args.from.trim();
    let path = ctx.cwd()?.join(text);
    if path.is_dir() {
        if args.from_token_stdin {
            return Err(UserError::usage("a directory source takes no token").into());
        }
        return Source::dir(&path);
    }
    let looks_like_url = ["sparse+", "http://", "https://"]
        .iter()
        .any(|p| text.starts_with(p));
    let (index, registry) = if looks_like_url {
        let value = if text.starts_with("sparse+") {
            text.to_string()
        } else {
            format!("sparse+{text}")
        };
        (IndexUrl::from_config(&value)?, None)
    } else {
        let stack = ctx.config()?;
        let Some(registry) = stack.registries().into_iter().find(|r| r.name == text) else {
            return Err(UserError::usage(format!(
                "`{}` is not a directory, an index URL or a registry in cargo's config",
                crate::shell::clean_line(text)
            ))
            .hint("pass `--from sparse+https://.../index/`, `--from NAME` for a configured registry, or `--from DIR` with `.crate` files")
            .into());
        };
        (
            settings::registry_index(&registry, "be a source")?,
            Some(registry),
        )
    };
    if &index == destination {
        return Err(UserError::usage(format!(
            "the source `{index}` is the destination registry itself"
        ))
        .into());
    }
    let cargos = match &registry {
        Some(registry) => Some((registry, ctx.cargo_home()?)),
        None => None,
    };
    let token = settings::source_token(args.from_token_stdin, cargos, shell)?;
    Source::index(ctx.http()?, index, token)
}

/// Every name `Cargo.lock` resolves from the source (every version of each).
fn from_lock(path: &Path, source: &Source<'_>) -> Result<Vec<Wanted>> {
    let packages = crate::ops::audit::read_lock(path)?.ok_or_else(|| {
        UserError::new(format!("there is no `{}`", path.display()))
            .hint("pass the path of a `Cargo.lock`, e.g. `--lock Cargo.lock`")
    })?;
    let dir_names = match source {
        Source::Dir(_) => Some(source.all_names()?),
        Source::Index(_) => None,
    };
    let mut names: Vec<String> = packages
        .into_iter()
        .filter(|p| match (&dir_names, &p.source) {
            (Some(names), _) => names.iter().any(|n| n.eq_ignore_ascii_case(&p.name)),
            (None, Some(locked)) => source.is_self(locked),
            (None, None) => false,
        })
        .map(|p| p.name)
        .collect();
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|name| Wanted {
            name,
            versions: VersionMatch::All,
        })
        .collect())
}

/// A line per version, and a progress bar on a terminal.
struct Printer<'s> {
    shell: &'s Shell,
    dry_run: bool,
    bar: Mutex<Option<crate::shell::Progress>>,
}

impl<'s> Printer<'s> {
    fn new(shell: &'s Shell, dry_run: bool) -> Printer<'s> {
        Printer {
            shell,
            dry_run,
            bar: Mutex::new(None),
        }
    }

    fn finish(&self) {
        drop(self.bar.lock().unwrap_or_else(|e| e.into_inner()).take());
    }

    /// The shell prints above the bar (see `Shell::progress`).
    fn say(&self, f: impl FnOnce()) {
        f()
    }
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
        let label = format!(
            "`{}@{}`{}",
            v.name,
            v.version,
            if v.yanked { " (yanked)" } else { "" }
        );
        self.say(|| match v.action {
            Action::Copied => self.shell.status("Copied", &label),
            Action::Skipped => self
                .shell
                .verbose(format!("{label} is there already: skipped")),
            Action::Yanked => self.shell.status(
                "Yanked",
                format!("{label}, there already, as in the source"),
            ),
            Action::Planned => self.shell.status("Would copy", &label),
            Action::Ignored => self.shell.status(
                "Skipped",
                format!("{label}: cnbcargo's placeholder version, never copied"),
            ),
            Action::Failed => self.shell.warn(format!(
                "{label} was not copied: {}",
                v.error.as_deref().unwrap_or("it failed")
            )),
        });
        if !matches!(v.action, Action::Skipped | Action::Yanked | Action::Ignored)
            && let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner())
        {
            bar.inc();
        }
    }
}

/// The counts, what the registry now holds, and how to resume.
fn summarize(report: &migrate::Report, registry: &str, dry_run: bool, shell: &Shell) -> Result<()> {
    let (copied, skipped, yanked, failed, planned) = (
        report.count(Action::Copied),
        report.count(Action::Skipped),
        report.count(Action::Yanked),
        report.count(Action::Failed),
        report.count(Action::Planned),
    );
    let there = skipped + yanked;
    let yanked_now = if yanked > 0 {
        format!(" ({yanked} yanked now, as in the source)")
    } else {
        String::new()
    };
    if dry_run {
        for p in &report.placeholders {
            shell.note(format!(
                "`{registry}` serves crates.io's index for `{}`: a placeholder `{}@{}` would go up first and be removed after",
                p.name, p.name, p.version
            ));
        }
        shell.note(format!(
            "dry run: nothing was uploaded ({planned} to copy, {there} already in `{registry}`{})",
            if yanked > 0 {
                format!(", {yanked} of them to yank")
            } else {
                String::new()
            }
        ));
        return Ok(());
    }
    let ignored = match report.count(Action::Ignored) {
        0 => String::new(),
        n => format!(", {n} placeholder(s) skipped"),
    };
    shell.status(
        "Migrated",
        format!(
            "{copied} copied, {there} already there{yanked_now}, {failed} failed{ignored}, into `{registry}`"
        ),
    );
    for p in &report.placeholders {
        match p.state {
            PlaceholderState::Yanked
            | PlaceholderState::InRegistry
            | PlaceholderState::LeftYanked => {
                shell.warn(format!(
                    "`{registry}` still holds the placeholder `{}@{}`{}",
                    p.name,
                    p.version,
                    if p.state != PlaceholderState::InRegistry {
                        ", yanked"
                    } else {
                        ""
                    }
                ));
                shell.hint(format!(
                    "delete it with `cnbcargo delete {}@{}` and a token that may delete",
                    p.name, p.version
                ));
            }
            _ => {}
        }
    }
    if failed > 0 {
        // What the registry holds: what it had, and what this run put
        // there (a failed yank or check leaves the version uploaded).
        let uploaded = report.uploaded();
        let placeholders: Vec<String> = report
            .placeholders
            .iter()
            .filter(|p| {
                matches!(
                    p.state,
                    PlaceholderState::Yanked
                        | PlaceholderState::InRegistry
                        | PlaceholderState::LeftYanked
                )
            })
            .map(|p| format!("`{}@{}`", p.name, p.version))
            .collect();
        let placeholders = match placeholders.len() {
            0 => String::new(),
            1 => format!(", and the placeholder {}", placeholders[0]),
            _ => format!(", and the placeholders {}", placeholders.join(", ")),
        };
        // A conflicting version is one the registry had too.
        let (had, conflicts) = match report.conflicts() {
            0 => (there, String::new()),
            n => (
                there + n,
                format!(" ({n} of them with other bytes than the source's, left as they are)"),
            ),
        };
        return Err(UserError::new(format!(
            "{failed} version(s) did not get through; `{registry}` now holds the {had} it had{conflicts} and the {uploaded} uploaded by this run{placeholders}"
        ))
        .hint(format!(
            "fix what the warnings above say and run the same command again, `{}`: versions already in the registry are skipped",
            super::publish::resume_command()
        ))
        .into());
    }
    Ok(())
}
