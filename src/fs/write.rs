//! Writing a config file so that it is never lost or half-written.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Links followed before a chain counts as a loop (Linux's own bound).
const MAX_LINKS: usize = 40;

/// The file to write when `path` may be a symlink: its target, so that the
/// link survives the rename. A dangling link is written through as a live
/// one is (the file is made where it points), never replaced by a plain
/// file; one pointing into a directory that does not exist is refused.
pub fn resolve_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    let mut followed = 0;
    loop {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                followed += 1;
                if followed > MAX_LINKS {
                    return Err(crate::error::UserError::new(format!(
                        "`{}` is a loop of symbolic links",
                        path.display()
                    ))
                    .into());
                }
                let next = fs::read_link(&current)
                    .with_context(|| format!("cannot read the link `{}`", current.display()))?;
                current = match current.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => break,
        }
    }
    if followed > 0 && !current.parent().is_some_and(Path::is_dir) {
        return Err(crate::error::UserError::new(format!(
            "`{}` is a symbolic link to `{}`, in a directory that does not exist",
            path.display(),
            current.display()
        ))
        .hint("create that directory, or replace the link with a file")
        .into());
    }
    Ok(current)
}

/// The names of cnbcargo's temporary files: `.cnbcargo-XXXXXX.tmp`.
const TEMP_PREFIX: &str = ".cnbcargo-";
const TEMP_SUFFIX: &str = ".tmp";

/// Replaces `path` with `contents` through a temporary file in the same
/// directory and a rename, keeping the old file's permissions. The caller
/// holds the lock on the file's directory, which is what makes the
/// clean-up of stray temporary files safe.
pub fn write_atomic(_lock: &DirLock, path: &Path, contents: &[u8]) -> Result<()> {
    let target = resolve_target(path)?;
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let failed = || format!("failed to write `{}`", path.display());
    fs::create_dir_all(dir).with_context(failed)?;
    let permissions = fs::metadata(&target).ok().map(|m| m.permissions());
    if let Some(permissions) = &permissions
        && permissions.readonly()
    {
        return Err(anyhow::anyhow!("the file is read-only")).with_context(failed);
    }
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .with_context(failed)?;
    temp.write_all(contents).with_context(failed)?;
    match permissions {
        Some(permissions) => fs::set_permissions(temp.path(), permissions),
        None => set_new_file_permissions(temp.path()),
    }
    .with_context(failed)?;
    temp.as_file().sync_all().with_context(failed)?;
    temp.persist(&target)
        .map_err(|e| e.error)
        .with_context(failed)?;
    Ok(())
}

#[cfg(unix)]
fn set_new_file_permissions(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // tempfile creates 0600 files; a config file is normally world-readable.
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_new_file_permissions(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Holds an exclusive lock on a directory while a read-modify-write of a
/// file inside it runs, so that concurrent runs take turns.
pub struct DirLock {
    _file: Option<File>,
}

impl DirLock {
    /// Creates `dir` when it is missing (so that runs in a project with no
    /// `.cargo/` yet lock the same directory as the rest), locks it, and
    /// removes the temporary files of runs that were killed mid-write:
    /// every writer holds this lock, so any such file found now is stale.
    /// The directory is never removed again: a run waiting for the lock
    /// would then hold it on a directory no other run can see.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
        #[cfg(unix)]
        {
            let file = File::open(dir)
                .with_context(|| format!("failed to open `{}` to lock it", dir.display()))?;
            file.lock()
                .with_context(|| format!("failed to lock `{}`", dir.display()))?;
            remove_stray_temp_files(dir);
            Ok(DirLock { _file: Some(file) })
        }
        // Without the lock, another run's temporary file may be in flight:
        // nothing is cleaned up.
        #[cfg(not(unix))]
        Ok(DirLock { _file: None })
    }

    /// The lock for writing `path`: on the directory of the file actually
    /// written (a symlink's target), where the temporary file goes.
    pub fn for_file(path: &Path) -> Result<DirLock> {
        let target = resolve_target(path)?;
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        DirLock::acquire(dir)
    }
}

#[cfg_attr(not(unix), allow(dead_code))]
fn remove_stray_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_ours = name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX);
        if is_ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_temp_files_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".cnbcargo-AbC123.tmp"), b"half").unwrap();
        fs::write(dir.path().join("config.toml"), b"x = 1\n").unwrap();
        fs::write(dir.path().join(".cnbcargo-notes"), b"kept").unwrap();
        let lock = DirLock::acquire(dir.path()).unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [".cnbcargo-notes", "config.toml"]);
        write_atomic(&lock, &dir.path().join("config.toml"), b"y = 2\n").unwrap();
        assert_eq!(
            fs::read(dir.path().join("config.toml")).unwrap(),
            b"y = 2\n"
        );
    }
}
