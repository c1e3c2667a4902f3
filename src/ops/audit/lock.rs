//! `Cargo.lock`, read as the audit (and `migrate`) needs it: each
//! package's name, version and source.

use std::path::Path;

use anyhow::Result;

use crate::error::UserError;
use crate::shell::clean_line;

/// One `[[package]]` of `Cargo.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    pub source: Option<String>,
}

/// Reads `Cargo.lock`'s packages; `Ok(None)` when there is no lock file.
/// Anything that is not a lock file is an error, never a panic.
pub fn read_lock(path: &Path) -> Result<Option<Vec<Locked>>> {
    let Some(bytes) = crate::fs::read_regular(path)? else {
        return Ok(None);
    };
    parse_lock(&bytes).map(Some).map_err(|why| {
        UserError::new(format!(
            "`{}` is not a valid `Cargo.lock`: {why}",
            path.display()
        ))
        .hint("run `cargo generate-lockfile` to write it again")
        .into()
    })
}

fn parse_lock(bytes: &[u8]) -> Result<Vec<Locked>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_string())?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| clean_line(e.message()).trim().to_string())?;
    let Some(item) = doc.get("package") else {
        return Ok(Vec::new());
    };
    let tables = item
        .as_array_of_tables()
        .ok_or("`package` is not an array of tables (`[[package]]`)")?;
    let mut packages = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let field = |key: &str| table.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err(format!(
                "`[[package]]` number {} lacks `name` or `version`",
                i + 1
            ));
        };
        crate::spec::validate_crate_name(&name)
            .map_err(|_| format!("`{}` is not a crate name", clean_line(&name)))?;
        packages.push(Locked {
            name,
            version,
            source: field("source"),
        });
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_are_read_and_bad_ones_refused() {
        let lock = parse_lock(
            br#"version = 4

[[package]]
name = "a"
version = "0.1.0"

[[package]]
name = "b"
version = "1.0.0"
source = "sparse+http://127.0.0.1:1/acme/crates/-/packages/"
"#,
        )
        .unwrap();
        assert_eq!(lock.len(), 2);
        assert_eq!(lock[0].source, None);
        assert_eq!(
            lock[1].source.as_deref(),
            Some("sparse+http://127.0.0.1:1/acme/crates/-/packages/")
        );
        assert!(parse_lock(b"").unwrap().is_empty());
        for bad in [
            &b"[[package]\nname = 1"[..],
            b"package = 3",
            b"[[package]]\nname = \"a\"",
            b"[[package]]\nname = \"../x\"\nversion = \"1\"",
            b"\xff\xfe",
        ] {
            assert!(parse_lock(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn lock_parsing_never_panics(text in "\\PC{0,200}") {
            let _ = parse_lock(text.as_bytes());
        }
    }
}
