//! In a project, `cnbcargo audit`'s findings for the registry, as checks:
//! the same report (`ops::audit::run`) and the same notice.

use std::path::Path;

use crate::cargo_config::RegistryDef;
use crate::context::Context;
use crate::error::UserError;
use crate::ops::audit::{self, Level};

use super::{Check, Status};

/// A failing check for each ✗ of the audit, a warning for each !; nothing
/// outside a project.
pub(super) fn checks(
    ctx: &Context,
    cwd: &Path,
    registry: &RegistryDef,
    endpoint_flag: Option<&str>,
) -> Vec<Check> {
    match ctx.cargo.workspace_root(cwd) {
        Ok(Some(_)) => {}
        Ok(None) => return Vec::new(),
        // A cargo that did not say where the project is would not
        // answer the audit's `cargo metadata` either.
        Err(err) => {
            let hint = UserError::first_hint(&err).unwrap_or_default();
            return vec![Check::fail("audit", format!("{err:#}")).hint(hint)];
        }
    }
    let report = match audit::run(ctx, Some(&registry.name), endpoint_flag) {
        Ok(report) => report,
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "run `cnbcargo audit` for details".into());
            return vec![Check::fail("audit", format!("{err:#}")).hint(hint)];
        }
    };
    let mut checks = Vec::new();
    if let Some(notice) = report.crates_io_notice() {
        checks.push(Check::warn("audit.crates-io", notice.message).hint(notice.hint));
    }
    if report.findings.is_empty() {
        checks.push(Check::pass(
            "audit",
            format!(
                "{}: none resolves through the crates.io proxy",
                report.scope()
            ),
        ));
    }
    for finding in &report.findings {
        let status = match finding.level {
            Level::Error => Status::Fail,
            Level::Warning => Status::Warn,
        };
        checks.push(
            Check::new(finding.kind.check_id(), status, finding.message.clone())
                .hint(finding.hint.clone()),
        );
    }
    checks
}
