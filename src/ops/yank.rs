//! Yanking (or unyanking) versions through `cargo yank`, each checked
//! against the registry's list first: a version it does not hold is
//! refused here, as `delete` refuses it, not left to cargo and a 404.

use anyhow::Result;

use crate::cargo::Cargo;
use crate::client::cnb::CnbApi;
use crate::context::Target;
use crate::shell::Shell;
use crate::spec::CrateSpec;

/// `name@version` for each version the specs select, in the order given.
pub fn select(
    api: &CnbApi,
    specs: &[CrateSpec],
    registry: &str,
    shell: &Shell,
) -> Result<Vec<String>> {
    let listed = crate::ops::versions::of_specs(api, specs, registry, shell)?;
    let mut versions = Vec::new();
    for (spec, available) in specs.iter().zip(&listed) {
        let picked = spec.pick(available, registry)?;
        versions.extend(picked.into_iter().map(|v| format!("{}@{v}", spec.name)));
    }
    Ok(versions)
}

/// Runs `cargo yank` (`--undo` with `undo`) for each of `versions`; the
/// ones cargo failed (its own messages are on the terminal).
pub fn run(
    cargo: &Cargo,
    target: &Target,
    versions: &[String],
    undo: bool,
    shell: &Shell,
) -> Result<Vec<String>> {
    let mut failed = Vec::new();
    for spec in versions {
        if !cargo.yank(&target.registry.name, spec, undo, target.cargo_env(), shell)? {
            failed.push(spec.clone());
        }
    }
    Ok(failed)
}
