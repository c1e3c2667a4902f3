//! `cnbcargo publish`: publish past CNB's crates.io proxy.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::cargo::Cargo;
use crate::cli::{PlaceholderMode, PublishArgs};
use crate::client::cnb::{CnbApi, Deleted};
use crate::client::{Op, explain};
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::shell::Shell;
use crate::spec::validate_crate_name;

/// A version no real crate uses and crates.io cannot have (cnbcargo's
/// pre-release tag), so the proxy never lists it.
pub const PLACEHOLDER_VERSION: &str = "0.0.0-cnbcargo.placeholder";

#[derive(Debug)]
struct Package {
    name: String,
    version: String,
    /// `package.publish`: `None` = anywhere, `Some([])` = nowhere.
    publish: Option<Vec<String>>,
}

#[derive(Debug, PartialEq, Eq)]
enum Plan {
    AlreadyPublished,
    Plain { stale_placeholder: bool },
    Placeholder { collision: bool },
    Refuse,
}

pub fn run(args: &PublishArgs, ctx: &Context) -> Result<()> {
    let shell = &ctx.shell;
    let cargo = &ctx.cargo;
    let cwd = ctx.cwd()?;
    // `cargo -V` runs while the package, registry and versions are looked
    // up; the gate is applied before anything is decided or uploaded.
    let version = cargo.version_in_background();
    let package = locate_package(cargo, args, cwd)?;
    let registry_name = match (&args.registry.registry, &package.publish) {
        (Some(name), _) => Some(name.clone()),
        (None, Some(list)) if list.len() == 1 => Some(list[0].clone()),
        (None, Some(list)) if list.len() > 1 => {
            return Err(UserError::usage(format!(
                "`{}` may be published to several registries ({}); say which",
                package.name,
                list.join(", ")
            ))
            .hint("pass `--registry NAME`")
            .into());
        }
        _ => None,
    };
    let target = ctx.target(registry_name.as_deref())?;
    let registry = target.registry.name.clone();
    if let Some(allowed) = &package.publish
        && !allowed.contains(&registry)
    {
        return Err(UserError::new(format!(
            "`{}` has `package.publish` = [{}], which does not allow `{registry}`",
            package.name,
            allowed.join(", ")
        ))
        .hint("add the registry to `package.publish` in Cargo.toml")
        .into());
    }
    let api = ctx.api(&target, args.api.api_endpoint.as_deref())?;
    let index = ctx.index(&target)?;
    let spec = format!("{}@{}", package.name, package.version);

    // What the registry holds (API) and what cargo will see (index), fetched together.
    let (local, listed) = std::thread::scope(|scope| {
        let listed = scope.spawn(|| {
            index.versions(&package.name, shell).map_err(|e| {
                explain(
                    e,
                    format!("cannot read the index entry of `{}`", package.name),
                    Op::Read,
                )
            })
        });
        let local = api.version_names(&package.name, shell);
        (local, listed.join())
    });
    let local = local?;
    let listed = listed.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    let index_has_version = listed.iter().any(|e| e.vers == package.version);
    shell.verbose(format!(
        "the registry holds {} version(s) of `{}`; its index lists {}",
        local.len(),
        package.name,
        listed.len()
    ));
    let plan = decide(
        &local,
        index_has_version,
        &package.version,
        args.placeholder,
    );
    let version = version
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    crate::cargo::apply_gate(version, shell)?;

    match plan {
        Plan::AlreadyPublished => {
            shell.status("Skipping", format!("`{spec}` is already in `{registry}`"));
            Ok(())
        }
        Plan::Refuse => Err(UserError::new(format!(
            "`{spec}` cannot be published as is: `{registry}` has no version of `{}`, so CNB serves the crates.io proxy's index for it, which already lists {}",
            package.name, package.version
        ))
        .hint("cargo would refuse with \"already exists\"; run without `--placeholder never` to publish a placeholder version first")
        .into()),
        Plan::Plain { stale_placeholder } => {
            if args.dry_run {
                shell.status("Would publish", format!("`{spec}` to `{registry}` with `cargo publish`"));
                if stale_placeholder && !args.keep_placeholder {
                    shell.status("Would delete", format!("the leftover placeholder `{}@{PLACEHOLDER_VERSION}`", package.name));
                }
                shell.note("dry run: nothing was uploaded");
                return Ok(());
            }
            publish_real(cargo, args, &target, shell)?;
            if stale_placeholder && !args.keep_placeholder {
                remove_placeholder(cargo, &api, &target, &package.name, shell);
            }
            Ok(())
        }
        Plan::Placeholder { collision } => {
            let placeholder = format!("{}@{PLACEHOLDER_VERSION}", package.name);
            if collision {
                shell.note(format!(
                    "`{registry}` has no version of `{}`, and the crates.io proxy's index already lists {}: publishing a placeholder first",
                    package.name, package.version
                ));
            }
            if args.dry_run {
                shell.status("Would publish", format!("the placeholder `{placeholder}`"));
                shell.status("Would publish", format!("`{spec}` with `cargo publish`"));
                if args.keep_placeholder {
                    shell.status("Would keep", format!("`{placeholder}`"));
                } else {
                    shell.status("Would delete", format!("`{placeholder}`"));
                }
                shell.note("dry run: nothing was uploaded");
                return Ok(());
            }
            publish_placeholder(cargo, &target, &package.name, shell)?;
            shell.status("Published", format!("the placeholder `{placeholder}`"));
            if let Err(err) = publish_real(cargo, args, &target, shell) {
                let state = if args.keep_placeholder {
                    format!("the registry holds the placeholder `{placeholder}` (kept, as asked)")
                } else {
                    match remove_placeholder(cargo, &api, &target, &package.name, shell) {
                        Removal::Deleted => "the placeholder was deleted: the registry is as it was before".to_string(),
                        Removal::Yanked => format!("the registry holds the placeholder `{placeholder}`, yanked"),
                        Removal::Failed => format!("the registry holds the placeholder `{placeholder}`; delete it with `cnbcargo delete {placeholder}`"),
                    }
                };
                return Err(UserError::new(format!("publishing `{spec}` failed; {state}")).caused_by(err).into());
            }
            if args.keep_placeholder {
                shell.note(format!("kept the placeholder `{placeholder}` (`--keep-placeholder`)"));
            } else {
                remove_placeholder(cargo, &api, &target, &package.name, shell);
            }
            Ok(())
        }
    }
}

fn decide(local: &[String], index_has_version: bool, version: &str, mode: PlaceholderMode) -> Plan {
    if local.iter().any(|v| v == version) {
        return Plan::AlreadyPublished;
    }
    // With any version of its own (even a leftover placeholder), the
    // registry serves its own index: no collision, no placeholder needed.
    let collision = local.is_empty() && index_has_version;
    match mode {
        PlaceholderMode::Always if local.is_empty() => Plan::Placeholder { collision },
        PlaceholderMode::Auto if collision => Plan::Placeholder { collision },
        PlaceholderMode::Never if collision => Plan::Refuse,
        _ => Plan::Plain {
            stale_placeholder: local.iter().any(|v| v == PLACEHOLDER_VERSION),
        },
    }
}

/// The package cargo would publish from here, read straight from its
/// `Cargo.toml` when that says everything literally (no `-p`, no values
/// inherited from a workspace); otherwise from `cargo metadata`.
fn locate_package(cargo: &Cargo, args: &PublishArgs, cwd: &Path) -> Result<Package> {
    // A FIFO there would block this read and cargo's alike.
    if let Some(path) = &args.manifest_path {
        crate::fs::check_regular(path)?;
    }
    if args.package.is_none() {
        let manifest = match &args.manifest_path {
            Some(path) => Some(path.clone()),
            None => cwd
                .ancestors()
                .map(|d| d.join("Cargo.toml"))
                .find(|p| p.is_file()),
        };
        if let Some(package) = manifest.as_deref().and_then(read_manifest) {
            return check_publishable(package);
        }
    }
    locate_with_metadata(cargo, args, cwd)
}

fn read_manifest(path: &Path) -> Option<Package> {
    let text = String::from_utf8(crate::fs::read_regular(path).ok()??).ok()?;
    let doc = text.parse::<toml_edit::DocumentMut>().ok()?;
    let package = doc.get("package")?.as_table_like()?;
    let name = package.get("name")?.as_str()?.to_string();
    let version = package.get("version")?.as_str()?.to_string();
    let publish = match package.get("publish") {
        None => None,
        Some(item) => match (item.as_bool(), item.as_array()) {
            (Some(true), _) => None,
            (Some(false), _) => Some(Vec::new()),
            (None, Some(list)) => Some(
                list.iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()?,
            ),
            // `publish.workspace = true` and the like: let cargo say.
            _ => return None,
        },
    };
    Some(Package {
        name,
        version,
        publish,
    })
}

fn check_publishable(package: Package) -> Result<Package> {
    // The name goes into index paths, API paths and the placeholder's
    // manifest: it must be a name a registry accepts before anything else.
    validate_crate_name(&package.name).map_err(|e| {
        UserError::new(format!("cannot publish `{}`", package.name))
            .hint("crates.io and CNB accept ASCII letters, digits, `-` and `_`, starting with a letter, at most 64 characters")
            .caused_by(e)
    })?;
    if package.publish.as_ref().is_some_and(Vec::is_empty) {
        return Err(
            UserError::new(format!("`{}` has `package.publish = false`", package.name))
                .hint("remove `publish = false` from its Cargo.toml to publish it")
                .into(),
        );
    }
    Ok(package)
}

fn locate_with_metadata(cargo: &Cargo, args: &PublishArgs, cwd: &Path) -> Result<Package> {
    let metadata = cargo.metadata(args.manifest_path.as_deref())?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let manifest_dir = |p: &serde_json::Value| {
        p["manifest_path"]
            .as_str()
            .map(PathBuf::from)
            .and_then(|m| m.parent().map(Path::to_path_buf))
    };
    let chosen = if let Some(name) = &args.package {
        let name = name.split('@').next().unwrap_or(name);
        packages
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .ok_or_else(|| {
                UserError::usage(format!("no package `{name}` in this workspace")).hint(format!(
                    "packages: {}",
                    packages
                        .iter()
                        .filter_map(|p| p["name"].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?
    } else {
        let anchor = match &args.manifest_path {
            Some(path) => path
                .canonicalize()
                .with_context(|| format!("cannot find `{}`", path.display()))?
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            None => cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf()),
        };
        let containing = packages
            .iter()
            .filter_map(|p| manifest_dir(p).map(|dir| (p, dir)))
            .filter(|(_, dir)| {
                let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                anchor.starts_with(&dir)
            })
            .max_by_key(|(_, dir)| dir.components().count())
            .map(|(p, _)| p);
        match (containing, packages.as_slice()) {
            (Some(p), _) => p,
            (None, [only]) => only,
            _ => {
                return Err(UserError::usage(
                    "this workspace has several packages; say which to publish",
                )
                .hint("pass `-p NAME`")
                .into());
            }
        }
    };
    let publish = match &chosen["publish"] {
        serde_json::Value::Array(list) => Some(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    };
    check_publishable(Package {
        name: chosen["name"].as_str().unwrap_or_default().to_string(),
        version: chosen["version"].as_str().unwrap_or_default().to_string(),
        publish,
    })
}

fn publish_real(cargo: &Cargo, args: &PublishArgs, target: &Target, shell: &Shell) -> Result<()> {
    let mut cargo_args = vec![
        "publish".to_string(),
        "--registry".to_string(),
        target.registry.name.clone(),
    ];
    if let Some(package) = &args.package {
        cargo_args.extend(["-p".to_string(), package.clone()]);
    }
    if let Some(path) = &args.manifest_path {
        cargo_args.extend(["--manifest-path".to_string(), path.display().to_string()]);
    }
    cargo_args.extend(args.cargo_args.iter().cloned());
    cargo.run_checked(&cargo_args, target.cargo_env(), shell)
}

/// Publishes an empty package at the placeholder version. It lives in a
/// temporary directory with a `[workspace]` of its own, and cargo runs in
/// the current (project) directory so that the project's cargo config
/// applies: cargo reads config from where it runs, not from the manifest's.
fn publish_placeholder(cargo: &Cargo, target: &Target, name: &str, shell: &Shell) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("cnbcargo-placeholder-")
        .tempdir()
        .context("failed to create a directory for the placeholder")?;
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{PLACEHOLDER_VERSION}\"\nedition = \"2021\"\n\
             description = \"A placeholder published by cnbcargo so that the real version can be published; it is deleted right after.\"\n\
             license = \"MIT OR Apache-2.0\"\n\n[workspace]\n"
        ),
    )
    .context("failed to write the placeholder's Cargo.toml")?;
    std::fs::create_dir_all(dir.path().join("src")).context("failed to write the placeholder")?;
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "//! Placeholder published by cnbcargo.\n",
    )
    .context("failed to write the placeholder")?;
    let args = vec![
        "publish".to_string(),
        "--registry".to_string(),
        target.registry.name.clone(),
        "--manifest-path".to_string(),
        manifest.display().to_string(),
        "--no-verify".to_string(),
        "--allow-dirty".to_string(),
    ];
    shell.verbose(format!("placeholder package in `{}`", dir.path().display()));
    cargo
        .run_checked(&args, target.cargo_env(), shell)
        .map_err(|err| {
            UserError::new(format!(
                "publishing the placeholder `{name}@{PLACEHOLDER_VERSION}` failed; nothing was published"
            ))
            .caused_by(err)
            .into()
        })
}

enum Removal {
    Deleted,
    Yanked,
    Failed,
}

/// Deletes the placeholder, or yanks it when the token may not delete.
fn remove_placeholder(
    cargo: &Cargo,
    api: &CnbApi,
    target: &Target,
    name: &str,
    shell: &Shell,
) -> Removal {
    let placeholder = format!("{name}@{PLACEHOLDER_VERSION}");
    match api.delete_version(name, PLACEHOLDER_VERSION, shell) {
        Ok(Deleted::Now | Deleted::ByEarlierAttempt) => {
            shell.status("Deleted", format!("the placeholder `{placeholder}`"));
            Removal::Deleted
        }
        Err(err) if err.status() == Some(403) => {
            shell.warn(format!(
                "the token may not delete `{placeholder}` (it needs the `registry-package-delete:rw` scope and the Administrator role); yanking it instead"
            ));
            let args = vec![
                "yank".to_string(),
                "--registry".to_string(),
                target.registry.name.clone(),
                placeholder.clone(),
            ];
            match cargo.run_shown(&args, target.cargo_env(), shell) {
                Ok(status) if status.success() => {
                    shell.hint(format!("delete it later with `cnbcargo delete {placeholder}` and a token that may delete"));
                    Removal::Yanked
                }
                _ => {
                    shell.warn(format!(
                        "could not yank `{placeholder}` either; it stays in the registry"
                    ));
                    Removal::Failed
                }
            }
        }
        Err(err) => {
            shell.warn(format!(
                "could not delete the placeholder `{placeholder}`: {err}"
            ));
            shell.hint(format!("delete it with `cnbcargo delete {placeholder}`"));
            Removal::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn decisions() {
        use PlaceholderMode::*;
        assert_eq!(
            decide(&v(&["1.0.0"]), true, "1.0.0", Auto),
            Plan::AlreadyPublished
        );
        assert_eq!(
            decide(&v(&[]), true, "1.0.0", Auto),
            Plan::Placeholder { collision: true }
        );
        assert_eq!(
            decide(&v(&[]), false, "1.0.0", Auto),
            Plan::Plain {
                stale_placeholder: false
            }
        );
        assert_eq!(
            decide(&v(&[]), false, "1.0.0", Always),
            Plan::Placeholder { collision: false }
        );
        assert_eq!(decide(&v(&[]), true, "1.0.0", Never), Plan::Refuse);
        assert_eq!(
            decide(&v(&["0.9.0"]), true, "1.0.0", Auto),
            Plan::Plain {
                stale_placeholder: false
            }
        );
        assert_eq!(
            decide(&v(&[PLACEHOLDER_VERSION]), true, "1.0.0", Auto),
            Plan::Plain {
                stale_placeholder: true
            }
        );
    }
}
