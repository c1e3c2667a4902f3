//! What `cnbcargo ci` checks before it writes a pipeline: that the
//! pipeline could work at all. CI has only what the repository holds, so
//! a registry configured in `$CARGO_HOME` or in a file git never sees is
//! not there, and a workspace whose members may not go to the registry
//! has nothing to publish. Each is refused with the way to fix it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cargo_config::{Origin, RegistryDef};
use crate::context::Context;
use crate::error::UserError;

/// Refuses, with a hint, where the pipeline `ci` would write cannot work.
/// Runs before anything is written, on a dry run too.
pub fn check(ctx: &Context) -> Result<()> {
    let cwd = ctx.cwd()?;
    if !cwd.ancestors().any(|dir| dir.join("Cargo.toml").is_file()) {
        return Err(UserError::new(format!(
            "no `Cargo.toml` in `{}` or any directory above it: the pipeline publishes a cargo workspace",
            cwd.display()
        ))
        .hint("run `cnbcargo ci` in the workspace")
        .into());
    }
    let root = ctx.workspace_root()?;
    let registries = project_registries(ctx, &root)?;
    let reaching = reaching_ci(ctx, &root, &registries)?;
    publishable(ctx, &reaching)
}

/// Whether `path` is one of the project's config files: in `.cargo/` of
/// the workspace root or a directory between it and `cwd` (where cargo
/// reads them from), not `$CARGO_HOME`'s.
fn in_project(path: &Path, root: &Path, cwd: &Path, cargo_home: &Path) -> bool {
    let Some(dir) = path.parent().and_then(Path::parent) else {
        return false;
    };
    path.parent() != Some(cargo_home) && dir.starts_with(root) && cwd.starts_with(dir)
}

/// The CNB registries configured in the project's config files; refused
/// when there are none, naming a CNB registry configured only elsewhere.
fn project_registries(ctx: &Context, root: &Path) -> Result<Vec<RegistryDef>> {
    let (cwd, cargo_home) = (ctx.cwd()?, ctx.cargo_home()?);
    let cnb: Vec<RegistryDef> = ctx
        .config()?
        .registries()
        .into_iter()
        .filter(|r| r.index_url().is_some_and(|u| u.looks_like_cnb()))
        .collect();
    let (project, elsewhere): (Vec<_>, Vec<_>) = cnb.into_iter().partition(|r| {
        matches!(&r.origin, Origin::File { path, .. } if in_project(path, root, cwd, cargo_home))
    });
    if !project.is_empty() {
        return Ok(project);
    }
    let hint = format!(
        "run `cnbcargo init <group/registry>` in `{}`, so that the registry is configured in the project",
        root.display()
    );
    let message = match elsewhere.first() {
        Some(r) => {
            let place = match &r.origin {
                Origin::File { path, .. } => format!("`{}`", path.display()),
                Origin::Env(var) => format!("the environment variable `{var}`"),
            };
            format!(
                "registry `{}` is configured only in {place}, which CI does not have: the pipeline reads the project's `.cargo/config.toml`",
                r.name
            )
        }
        None => "no CNB registry is configured in the project's `.cargo/config.toml`: the pipeline would have nowhere to publish".to_string(),
    };
    Err(UserError::new(message).hint(hint).into())
}

/// What git says of a config file.
enum Tracked {
    Yes,
    Ignored,
    Untracked,
    /// Not in a git repository, git missing or not answering: not a
    /// reason to refuse (the project may be put in git later), but said.
    Unknown(String),
}

/// The registries whose config file git would bring to CI (or whose file
/// could not be checked, which is noted); refused when there are none.
fn reaching_ci(ctx: &Context, root: &Path, registries: &[RegistryDef]) -> Result<Vec<String>> {
    let mut reaching = Vec::new();
    let mut refusal = None;
    for r in registries {
        let Origin::File { path, .. } = &r.origin else {
            continue;
        };
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        match tracked(root, path) {
            Tracked::Yes => reaching.push(r.name.clone()),
            Tracked::Unknown(why) => {
                ctx.shell.note(format!(
                    "could not check that git tracks `{shown}` ({why}): CI has the registry `{}` only if it is committed",
                    r.name
                ));
                reaching.push(r.name.clone());
            }
            Tracked::Ignored => {
                refusal.get_or_insert_with(|| {
                    UserError::new(format!(
                        "`{shown}` is ignored by git: the registry `{}` it configures would never reach CI",
                        r.name
                    ))
                    .hint(format!(
                        "run `git add -f {shown}` and commit it, or remove the rule that ignores it (`git check-ignore -v {shown}` names it)"
                    ))
                });
            }
            Tracked::Untracked => {
                refusal.get_or_insert_with(|| {
                    UserError::new(format!(
                        "`{shown}` is not tracked by git: the registry `{}` it configures would never reach CI",
                        r.name
                    ))
                    .hint(format!("run `git add {shown}` and commit it"))
                });
            }
        }
    }
    match refusal {
        Some(refusal) if reaching.is_empty() => Err(refusal.into()),
        _ => Ok(reaching),
    }
}

/// Asks git whether `path` is ignored, else tracked, in the repository
/// that holds `root`.
fn tracked(root: &Path, path: &Path) -> Tracked {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let git = |args: &[&str]| git_status(&root, args, &path);
    match git(&["rev-parse", "--is-inside-work-tree"]) {
        Ok(true) => {}
        Ok(false) => return Tracked::Unknown("not in a git repository".to_string()),
        Err(why) => return Tracked::Unknown(why),
    }
    match git(&["check-ignore", "-q"]) {
        Ok(true) => return Tracked::Ignored,
        Ok(false) => {}
        Err(why) => return Tracked::Unknown(why),
    }
    match git(&["ls-files", "--error-unmatch"]) {
        Ok(true) => Tracked::Yes,
        Ok(false) => Tracked::Untracked,
        Err(why) => Tracked::Unknown(why),
    }
}

/// Runs `git -C ROOT ARGS -- PATH` (no `PATH` for `rev-parse`) with no
/// input and no output, within the time limit cargo's questions have:
/// `Ok` with whether it succeeded, `Err` when git could not say.
fn git_status(root: &Path, args: &[&str], path: &Path) -> Result<bool, String> {
    let mut command = Command::new("git");
    command.arg("-C").arg(root).args(args);
    if args[0] != "rev-parse" {
        command.arg("--").arg(path);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command
        .spawn()
        .map_err(|e| format!("`git` could not be run: {e}"))?;
    let deadline = Instant::now() + crate::cargo::question_limit();
    loop {
        match child.try_wait() {
            // `check-ignore` and `ls-files --error-unmatch` say no with 1,
            // and so does `rev-parse` outside a repository (128): anything
            // above 1 is git failing, except there.
            Ok(Some(status)) => match status.code() {
                Some(0) => return Ok(true),
                Some(1) => return Ok(false),
                Some(128) if args[0] == "rev-parse" => return Ok(false),
                _ => return Err(format!("`git {}` failed ({status})", args[0])),
            },
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`git {}` did not answer in time", args[0]));
            }
        }
    }
}

/// Refuses a workspace none of whose members may be published to any of
/// `registries` (`package.publish = false`, or a list without them).
fn publishable(ctx: &Context, registries: &[String]) -> Result<()> {
    let metadata = ctx.metadata()?;
    let fits =
        |m: &crate::workspace::Member| registries.iter().any(|r| m.publishable_to(r).is_ok());
    if registries.is_empty() || metadata.packages.iter().any(fits) {
        return Ok(());
    }
    let names = registries
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    let first = &registries[0];
    let why = metadata
        .packages
        .iter()
        .map(|m| {
            let reason = m.publishable_to(first).err().unwrap_or_default();
            format!("`{}`: {reason}", m.name)
        })
        .collect::<Vec<_>>()
        .join("; ");
    Err(UserError::new(format!(
        "no member of the workspace may be published to {names}, so the pipeline would publish nothing ({why})"
    ))
    .hint(format!(
        "add `\"{first}\"` to `package.publish` of the members to publish, or remove their `publish = false`"
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn project_files_are_between_the_root_and_the_cwd() {
        let root = PathBuf::from("/w");
        let cwd = PathBuf::from("/w/a/b");
        let home = PathBuf::from("/home/u/.cargo");
        assert!(in_project(
            Path::new("/w/.cargo/config.toml"),
            &root,
            &cwd,
            &home
        ));
        assert!(in_project(
            Path::new("/w/a/.cargo/config"),
            &root,
            &cwd,
            &home
        ));
        assert!(!in_project(
            Path::new("/.cargo/config.toml"),
            &root,
            &cwd,
            &home
        ));
        assert!(!in_project(
            Path::new("/w/c/.cargo/config.toml"),
            &root,
            &cwd,
            &home
        ));
        assert!(!in_project(
            Path::new("/home/u/.cargo/config.toml"),
            &root,
            &cwd,
            &home
        ));
    }
}
