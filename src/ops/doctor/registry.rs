//! The registry's entry in cargo's config: its index URL and whether it
//! is the default.

use crate::cargo_config::{ConfigStack, RegistryDef};
use crate::registry_url::IndexUrl;

use super::Check;

/// The registry's `index`: a sparse URL with its trailing slash, fit for
/// a token. What the network checks use, if there is one to use.
pub(super) fn index(registry: &RegistryDef, checks: &mut Vec<Check>) -> Option<IndexUrl> {
    let shown = registry.index_shown();
    let origin = registry.origin.to_string();
    match IndexUrl::from_config(&registry.index) {
        // Only an index of CNB's shape: a real git index (on a host the
        // token is not for) must not get the token in a check.
        Err(_)
            if let Some(fixed) = IndexUrl::missing_sparse_prefix(&registry.index)
                .filter(IndexUrl::looks_like_cnb) =>
        {
            checks.push(
                Check::fail(
                    "registry.index",
                    format!("`{shown}` lacks the `sparse+` prefix: cargo takes it for a git index"),
                )
                .source(&origin)
                .hint(format!("write `index = \"{fixed}\"`")),
            );
            // The network checks still run, against the index it is meant to be.
            Some(fixed)
        }
        Err(err) => {
            checks.push(
                Check::fail("registry.index", err.to_string())
                    .source(&origin)
                    .hint(
                        err.hints()
                            .first()
                            .cloned()
                            .unwrap_or_else(|| "run `cnbcargo init` again".into()),
                    ),
            );
            None
        }
        Ok(parsed) => {
            let check = if !registry.index.ends_with('/') {
                Check::fail(
                    "registry.index",
                    format!("`{shown}` lacks the trailing slash"),
                )
                .hint(format!(
                    "write `index = \"{parsed}\"`; cargo needs the slash"
                ))
            } else if let Err(err) = parsed.check_token_allowed() {
                Check::fail("registry.index", err.to_string()).hint(
                    err.hints()
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "use `https://`".into()),
                )
            } else {
                Check::pass("registry.index", format!("`{shown}`"))
            };
            checks.push(check.source(&origin));
            Some(parsed)
        }
    }
}

/// Whether plain `cargo publish` goes to this registry.
pub(super) fn default(stack: &ConfigStack, registry: &RegistryDef) -> Check {
    match stack.registry_default() {
        Some((name, source)) if name == registry.name => {
            Check::pass("registry.default", format!("`{name}`")).source(source)
        }
        Some((name, source)) => Check::warn(
            "registry.default",
            format!("`{name}`, not `{}`", registry.name),
        )
        .source(source)
        .hint(format!(
            "`cargo publish` goes to `{name}` unless given `--registry {}`",
            registry.name
        )),
        None => Check::warn(
            "registry.default",
            "not set: `cargo publish` goes to crates.io",
        )
        .hint(format!(
            "run `cnbcargo init`, or pass `--registry {}` to cargo",
            registry.name
        )),
    }
}
