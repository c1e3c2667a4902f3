//! What the registry holds: its crates, each with a version count and
//! its newest version, or one crate's versions with their sizes and
//! yanked state.

use std::collections::HashMap;

use anyhow::Result;

use crate::client::cnb::{CnbApi, PackageSummary, Tag};
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::explain::{Op, VersionNames, explain};
use crate::shell::Shell;

/// One version of a crate, as the registry holds it.
pub struct VersionRow {
    pub tag: Tag,
    /// From the index (the API does not say); `None` when it lists no
    /// such version.
    pub yanked: Option<bool>,
}

/// The versions of `name` in the registry, with their yanked state from
/// its index. A crate it holds no version of is an error, with names it
/// does hold that look alike.
pub fn versions(
    ctx: &Context,
    target: &Target,
    api: &CnbApi,
    name: &str,
) -> Result<Vec<VersionRow>> {
    let tags = api
        .versions(name)
        .map_err(|e| explain(e, format!("cannot list the versions of `{name}`"), Op::Read))?;
    if tags.is_empty() {
        return Err(not_in_registry(ctx, target, api, name));
    }
    // Yanked state lives in the index; the API gives sizes.
    let entries = ctx.index(target)?.versions(name).map_err(|e| {
        explain(
            e,
            format!("cannot read the index entry of `{name}`"),
            Op::Read,
        )
    })?;
    let yanked: HashMap<&str, bool> = entries
        .iter()
        .map(|e| (e.vers.as_str(), e.yanked))
        .collect();
    Ok(tags
        .into_iter()
        .map(|tag| VersionRow {
            yanked: yanked.get(tag.name.as_str()).copied(),
            tag,
        })
        .collect())
}

/// The registry's crates, each with its version count and newest version.
pub fn crates(api: &CnbApi, shell: &Shell) -> Result<Vec<PackageSummary>> {
    let mut packages = api
        .packages(None)
        .map_err(|e| explain(e, "cannot list the registry's crates", Op::Read))?;
    fill_in(api, &mut packages, shell);
    Ok(packages)
}

/// Crates the list gave without a count or a newest version get them from
/// their version lists, a few at a time.
fn fill_in(api: &CnbApi, packages: &mut [PackageSummary], shell: &Shell) {
    const JOBS: usize = 8;
    let missing: Vec<usize> = (0..packages.len())
        .filter(|&i| packages[i].versions.is_none() || packages[i].latest.is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    shell.verbose(format!(
        "the package list lacks counts or newest versions for {}; reading their version lists",
        crate::shell::plural(missing.len(), "crate", "crates")
    ));
    let names: Vec<&str> = missing.iter().map(|&i| packages[i].name.as_str()).collect();
    let found = crate::parallel::map(&names, JOBS, |name| api.version_names(name));
    for (k, result) in found.into_iter().enumerate() {
        let package = &mut packages[missing[k]];
        // One crate's failed lookup leaves its cells at `-`, not the list.
        let versions = match result {
            Ok(versions) => versions,
            Err(err) => {
                shell.warn(format!("{err:#}"));
                continue;
            }
        };
        package.versions.get_or_insert(versions.len() as u64);
        if package.latest.is_none() {
            package.latest = newest(&versions);
        }
    }
}

/// The newest version: the highest release, else the highest pre-release.
fn newest(versions: &[String]) -> Option<String> {
    let parsed: Vec<semver::Version> = versions
        .iter()
        .filter_map(|v| semver::Version::parse(v).ok())
        .collect();
    parsed
        .iter()
        .filter(|v| v.pre.is_empty())
        .max()
        .or_else(|| parsed.iter().max())
        .map(ToString::to_string)
}

/// The error for a crate the registry holds no version of; when the index
/// still lists it, that is crates.io's crate, served through CNB's proxy.
fn not_in_registry(ctx: &Context, target: &Target, api: &CnbApi, name: &str) -> anyhow::Error {
    let registry = &target.registry.name;
    let proxied = ctx
        .index(target)
        .ok()
        .and_then(|index| index.versions(name).ok())
        .is_some_and(|entries| !entries.is_empty());
    let err = if proxied {
        UserError::new(format!(
            "`{name}` has no version in `{registry}`: the versions its index lists are crates.io's, served through CNB's proxy"
        ))
    } else {
        UserError::new(format!("`{name}` is not in `{registry}`"))
    };
    crate::ops::versions::with_suggestions(err, api, name, &ctx.shell)
        .hint("`cnbcargo list` shows the registry's own crates")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_prefers_releases() {
        let v = |list: &[&str]| newest(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(v(&["0.1.0", "0.10.0", "0.9.0"]).as_deref(), Some("0.10.0"));
        assert_eq!(v(&["1.0.0", "2.0.0-rc.1"]).as_deref(), Some("1.0.0"));
        assert_eq!(
            v(&["2.0.0-rc.1", "2.0.0-beta"]).as_deref(),
            Some("2.0.0-rc.1")
        );
        assert_eq!(v(&[]), None);
    }
}
