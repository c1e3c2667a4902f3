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

/// Refuses a path that exists and is not a regular file (after
/// following symlinks); `Ok(false)` when nothing is there.
pub fn check_regular(path: &Path) -> Result<bool, UserError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(true),
        Ok(meta) => Err(UserError::new(format!(
            "`{}` is not a regular file ({})",
            path.display(),
            kind(&meta)
        ))
        .hint("cnbcargo reads and writes plain files only; move it away and run again")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(UserError::new(format!(
            "cannot read `{}`: {e}",
            path.display()
        ))),
    }
}

/// The bytes of a regular file, `None` when it does not exist.
pub fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, UserError> {
    if !check_regular(path)? {
        return Ok(None);
    }
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(UserError::new(format!(
            "cannot read `{}`: {e}",
            path.display()
        ))),
    }
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
        assert_eq!(read_regular(&dir.path().join("f")).unwrap().unwrap(), b"x");
    }
}
