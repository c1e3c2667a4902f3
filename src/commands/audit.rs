//! `cnbcargo audit`: which of the project's CNB dependencies resolve
//! through CNB's crates.io proxy. The work is `crate::ops::audit`.

use anyhow::Result;

use crate::cli::AuditArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ops::audit::{self, Level, Report};
use crate::shell::Shell;

pub fn run(args: &AuditArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let report = audit::run(
        ctx,
        args.registry.as_deref(),
        args.api.api_endpoint.as_deref(),
    )?;
    if let Some(error) = &report.crates_io.error {
        shell.warn(format!(
            "crates.io's index could not be asked, so names shadowed there are not reported: {error}"
        ));
        shell.hint(format!(
            "where crates.io is out of reach, point `{}` at a mirror of its sparse index",
            crate::env::CNBCARGO_CRATES_IO_INDEX
        ));
    }
    if args.json {
        shell.out(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    } else {
        print(&report, shell);
    }
    // Counted by name: one name locked at two versions is one dependency.
    let mut names: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.level == crate::ops::audit::Level::Error)
        .map(|f| (f.registry.as_str(), f.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let errors = names.len();
    if errors > 0 {
        return Err(UserError::new(format!(
            "{errors} dependenc{} resolve{} through the registry's crates.io proxy",
            if errors == 1 { "y" } else { "ies" },
            if errors == 1 { "s" } else { "" },
        ))
        .hint("each `✗` line says what to publish or update")
        .into());
    }
    Ok(())
}

fn print(report: &Report, shell: &Shell) {
    let registries: Vec<String> = report
        .registries
        .iter()
        .map(|r| format!("`{}`", r.name))
        .collect();
    shell.status(
        "Audited",
        format!(
            "{} crate name(s) from {} against CNB's API and crates.io's index",
            report.summary.names,
            registries.join(", ")
        ),
    );
    // `-q`: only what fails.
    for finding in report
        .findings
        .iter()
        .filter(|f| !shell.is_quiet() || f.level == Level::Error)
    {
        let mark = match finding.level {
            Level::Error => "✗",
            Level::Warning => "!",
        };
        shell.report_line(mark, &finding.message, Some(&finding.hint));
    }
    if report.summary.errors == 0 {
        shell.status(
            "Finished",
            match report.summary.warnings {
                0 => "no dependency resolves through the crates.io proxy".to_string(),
                n => format!("no dependency resolves through the crates.io proxy; {n} warning(s)"),
            },
        );
    }
}
