//! `cnbcargo audit`: which of the project's CNB dependencies resolve
//! through CNB's crates.io proxy. The work is `crate::ops::audit`.

use anyhow::Result;

use crate::cli::AuditArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ops::audit::{self, Level, Report};
use crate::shell::{Shell, plural};

pub fn run(args: &AuditArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let report = audit::run(
        ctx,
        args.registry.as_deref(),
        args.api.api_endpoint.as_deref(),
    )?;
    if let Some(notice) = report.crates_io_notice() {
        shell.warn(notice.message);
        shell.hint(notice.hint);
    }
    if args.json {
        shell.out(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    } else {
        print(&report, shell);
    }
    let errors = report.proxied_dependencies();
    if errors > 0 {
        return Err(UserError::new(format!(
            "{} through the registry's crates.io proxy",
            plural(errors, "dependency resolves", "dependencies resolve")
        ))
        .hint("each `✗` line says what to publish or update")
        .into());
    }
    Ok(())
}

fn print(report: &Report, shell: &Shell) {
    shell.status("Audited", report.scope());
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
                n => format!(
                    "no dependency resolves through the crates.io proxy; {}",
                    plural(n, "warning", "warnings")
                ),
            },
        );
    }
}
