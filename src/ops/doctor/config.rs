//! cargo's config files: which are read, a legacy one shadowing, and
//! crates.io replaced by another source.

use std::path::Path;

use crate::cargo_config::{self, ConfigStack, RegistryDef};

use super::Check;

pub(super) fn files(cwd: &Path, home: &Path) -> Vec<Check> {
    let paths = cargo_config::config_paths(cwd, home);
    let files = if paths.is_empty() {
        Check::pass("config.files", "no cargo config files")
    } else {
        let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        Check::pass(
            "config.files",
            format!("cargo reads, deepest first: {}", list.join(", ")),
        )
    };
    // cargo prefers the legacy extensionless `config` when both exist.
    let shadowed = paths.iter().find_map(|legacy| {
        let modern = legacy.with_file_name("config.toml");
        (legacy.file_name() == Some("config".as_ref()) && modern.is_file())
            .then_some((legacy, modern))
    });
    let legacy = match shadowed {
        Some((legacy, modern)) => Check::warn(
            "config.legacy",
            format!(
                "`{}` shadows `{}`: cargo reads only the legacy file",
                legacy.display(),
                modern.display()
            ),
        )
        .hint(format!(
            "merge the two into `{}` and delete `{}`",
            modern.display(),
            legacy.display()
        )),
        None => Check::pass(
            "config.legacy",
            "no legacy `.cargo/config` shadows a `config.toml`",
        ),
    };
    vec![files, legacy]
}

pub(super) fn source_replacement(stack: &ConfigStack, registry: &RegistryDef) -> Check {
    match stack
        .lookup(&["source", "crates-io", "replace-with"])
        .first()
    {
        Some((item, origin)) => {
            let with = item.as_str().unwrap_or("?");
            Check::warn(
                "source.replace",
                format!("`[source.crates-io] replace-with = \"{with}\"`: crates.io dependencies come from `{with}`"),
            )
            .source(origin)
            .hint(if with == registry.name {
                "CNB's proxy then serves crates.io crates; remove it if that is not what you want".to_string()
            } else {
                format!("make sure `{with}` really mirrors crates.io; it hides crates.io itself")
            })
        }
        None => Check::pass("source.replace", "crates.io is not replaced"),
    }
}
