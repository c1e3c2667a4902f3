//! cargo's `credentials.toml`, where the `cargo:token` provider keeps
//! tokens in plain text. cnbcargo only ever removes an entry from it: when
//! a registry's token moves to the `cnbcargo` provider, the plaintext copy
//! cargo no longer reads must not stay behind.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::UserError;
use crate::fs::write;

/// Removes `[registries.<name>] token` from `$CARGO_HOME/credentials.toml`
/// (or the legacy `credentials`), atomically, the rest of the file kept;
/// the file it was removed from, if any.
pub fn remove_token(cargo_home: &Path, name: &str) -> Result<Option<PathBuf>> {
    for file in ["credentials.toml", "credentials"] {
        let path = cargo_home.join(file);
        let lock = match crate::fs::read_regular(&path)? {
            Some(_) => write::DirLock::for_file(&path)?,
            None => continue,
        };
        // Read again under the lock: another run may have changed it.
        let Some(bytes) = crate::fs::read_regular(&path)? else {
            continue;
        };
        let text = zeroize::Zeroizing::new(String::from_utf8(bytes).map_err(|_| {
            UserError::new(format!(
                "`{}` is not valid UTF-8; not changed",
                path.display()
            ))
        })?);
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|_| {
            UserError::new(format!(
                "`{}` is not valid TOML; not changed",
                path.display()
            ))
        })?;
        let Some(entry) = doc
            .get_mut("registries")
            .and_then(|r| r.get_mut(name))
            .and_then(|e| e.as_table_like_mut())
        else {
            continue;
        };
        // The (perhaps now empty) table stays, with the comments around it.
        if entry.remove("token").is_none() {
            continue;
        }
        let edited = zeroize::Zeroizing::new(doc.to_string());
        write::write_atomic(&lock, &path, edited.as_bytes())?;
        return Ok(Some(path));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_the_registrys_token() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("credentials.toml");
        std::fs::write(
            &path,
            "# mine\n[registries.cnb]\ntoken = \"secret-a\"\n\n[registries.other]\ntoken = \"secret-b\"\n\n[registry]\ntoken = \"crates-io\"\n",
        )
        .unwrap();
        assert_eq!(
            remove_token(home.path(), "cnb").unwrap(),
            Some(path.clone())
        );
        let left = std::fs::read_to_string(&path).unwrap();
        assert!(!left.contains("secret-a"), "{left}");
        assert!(left.contains("# mine") && left.contains("secret-b") && left.contains("crates-io"));
        assert_eq!(remove_token(home.path(), "cnb").unwrap(), None);
        assert_eq!(remove_token(home.path(), "nowhere").unwrap(), None);
    }
}
