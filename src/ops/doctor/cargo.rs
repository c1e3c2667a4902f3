//! The cargo on `PATH` (or `CARGO`): found, recent enough, what it can do.

use crate::cargo::{self, Cargo, Gate};
use crate::error::UserError;

use super::Check;

pub(super) fn checks(cargo: &Cargo) -> Vec<Check> {
    let version = match cargo.version() {
        Ok(version) => version,
        Err(err) => {
            let hint =
                UserError::first_hint(&err).unwrap_or_else(|| cargo::INSTALL_HINT.to_string());
            return vec![Check::fail("cargo.found", format!("{err}")).hint(hint)];
        }
    };
    let found = Check::pass("cargo.found", format!("cargo {version}")).source(cargo.describe());
    let gate = match cargo::gate(&version) {
        Gate::TooOld => Check::fail(
            "cargo.version",
            format!("cargo {version} is older than 1.73, which CNB needs"),
        )
        .hint("run `rustup update stable`"),
        Gate::NoProviders => Check::warn(
            "cargo.version",
            format!("cargo {version}: credential providers and `auth-required` are stable only from 1.74"),
        )
        .hint("run `rustup update stable`"),
        Gate::Ok => Check::pass("cargo.version", format!("{version} >= 1.74 (credential providers)")),
    };
    let workspace_publish = (version.major, version.minor) >= cargo::WORKSPACE_PUBLISH_VERSION;
    let features = if workspace_publish {
        Check::pass("cargo.features", "`publish --workspace` available (1.90+)")
    } else {
        Check::pass(
            "cargo.features",
            "no `publish --workspace` before 1.90: publish packages one by one",
        )
    };
    vec![found, gate, features]
}
