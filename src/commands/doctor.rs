//! `cnbcargo doctor`: what is wrong with this machine's setup, and how to
//! fix it. The checks are `crate::ops::doctor`; this prints their report.

use std::time::Instant;

use anyhow::Result;

use crate::cli::DoctorArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ops::doctor::{self, Check, Options, Report, Status};
use crate::shell::{Shell, clean_line, plural};

pub fn run(args: &DoctorArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let started = Instant::now();
    let options = Options {
        registry: args.registry.registry.clone(),
        api_endpoint: args.api.api_endpoint.clone(),
        offline: args.offline,
    };
    let report = doctor::run(ctx, &options)?;
    if args.json {
        // Through a `Value`, whose keys are sorted: the report's shape
        // as it has always been printed.
        let value = serde_json::to_value(&report)?;
        shell.out(&format!("{}\n", serde_json::to_string_pretty(&value)?));
    } else {
        print(&report, shell);
        shell.verbose(format!("doctor took {} ms", started.elapsed().as_millis()));
    }
    match report.failed() {
        0 => Ok(()),
        n => Err(UserError::new(format!("{} failed", plural(n, "check", "checks"))).into()),
    }
}

/// One line per check, `✓`, `!` or `✗`, with its hint below.
fn print(report: &Report, shell: &Shell) {
    let mut out = String::new();
    // `-q`: only what failed.
    for check in report
        .checks
        .iter()
        .filter(|c| !shell.is_quiet() || c.status == Status::Fail)
    {
        out.push_str(&line(check));
    }
    shell.out(&out);
}

fn line(check: &Check) -> String {
    let mark = match check.status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
    };
    // Messages quote config files and servers: cleaned for the terminal.
    let message = clean_line(&check.message);
    let mut line = format!("{mark} {:<18} {message}", check.id);
    if let Some(source) = &check.source {
        line.push_str(&format!(" ({})", clean_line(source)));
    }
    line.push('\n');
    if let Some(hint) = &check.hint {
        line.push_str(&format!("  hint: {}\n", clean_line(hint)));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_its_mark_id_source_and_hint_each_cleaned() {
        let check = Check {
            id: "registry.index",
            status: Status::Fail,
            message: "`x` lacks\nthe slash\u{1b}[2J".into(),
            source: Some("config.toml".into()),
            hint: Some("write `x/`\nhint: forged".into()),
        };
        assert_eq!(
            line(&check),
            "✗ registry.index     `x` lacks the slash (config.toml)\n  hint: write `x/` hint: forged\n"
        );
        let pass = Check {
            status: Status::Pass,
            source: None,
            hint: None,
            ..check
        };
        assert!(line(&pass).starts_with("✓ registry.index     "));
    }
}
