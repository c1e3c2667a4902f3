//! Reading the files cnbcargo edits or consults, refusing anything that is
//! not a regular file: a FIFO would block a read forever, a device could
//! stream without end, a directory cannot be edited.

use std::path::Path;

use crate::error::UserError;

/// What kind of non-regular file sits at a path, for messages.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    "not a plain file"
}

fn not_regular(path: &Path, meta: &std::fs::Metadata) -> UserError {
    UserError::new(format!(
        "`{}` is not a regular file ({})",
        path.display(),
        kind(meta)
    ))
    .hint("cnbcargo reads and writes plain files only; move it away and run again")
}

/// Refuses a path that exists and is not a regular file (after
/// following symlinks); `Ok(false)` when nothing is there.
pub fn check_regular(path: &Path) -> Result<bool, UserError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(true),
        Ok(meta) => Err(not_regular(path, &meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(UserError::new(format!(
            "cannot read `{}`: {e}",
            path.display()
        ))),
    }
}

/// The bytes of a regular file, `None` when it does not exist. The file
/// is opened without blocking and its type checked on the open handle, so
/// a FIFO put there after any earlier check still cannot block the read.
pub fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, UserError> {
    read_regular_limited(path, u64::MAX)
}

/// `read_regular`, refusing a file of more than `limit` bytes (checked on
/// the open handle and again while reading, should it grow).
pub fn read_regular_limited(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, UserError> {
    use std::io::Read;

    let cannot =
        |e: std::io::Error| UserError::new(format!("cannot read `{}`: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // A directory cannot be opened on some systems: say what it is.
        Err(e) => {
            check_regular(path)?;
            return Err(cannot(e));
        }
    };
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let too_large = || {
        UserError::new(format!(
            "`{}` is larger than {} bytes, more than such a file can be",
            path.display(),
            limit
        ))
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_refused_and_missing_files_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file (a directory)"), "{err}");
        assert_eq!(read_regular(&dir.path().join("missing")).unwrap(), None);
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let err = read_regular(&fifo).unwrap_err().to_string();
                assert!(err.contains("(a FIFO)"), "{err}");
            }
        }
        assert_eq!(read_regular(&dir.path().join("f")).unwrap().unwrap(), b"x");
    }
}
