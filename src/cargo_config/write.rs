//! Writing a config file so that it is never lost or half-written.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The file to write when `path` may be a symlink: its target, so that the
/// link survives the rename.
pub fn resolve_target(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Replaces `path` with `contents` through a temporary file in the same
/// directory and a rename, keeping the old file's permissions.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let target = resolve_target(path);
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
        .prefix(".cnbcargo-")
        .suffix(".tmp")
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
/// file inside it runs, so that concurrent `cnbcargo init` runs take turns.
pub struct DirLock {
    _file: Option<File>,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        #[cfg(unix)]
        {
            let file = File::open(dir)
                .with_context(|| format!("failed to open `{}` to lock it", dir.display()))?;
            file.lock()
                .with_context(|| format!("failed to lock `{}`", dir.display()))?;
            Ok(DirLock { _file: Some(file) })
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Ok(DirLock { _file: None })
        }
    }
}
