//! The one way cnbcargo changes a text file the user owns (`init`'s cargo
//! config, `ci`'s `.cnb.yaml`): read whole and bounded, changed by a pure
//! function of the text, then shown as a unified diff (dry run) or written
//! atomically under the directory lock. On any refusal the file is left
//! byte-identical, and the error says where and why.

use std::path::Path;

use anyhow::Result;

use super::write::{self, DirLock};
use crate::error::UserError;
use crate::shell::Shell;

/// More than any config or pipeline file is: a larger one is refused
/// rather than read into memory.
pub const MAX_EDITED_BYTES: u64 = 8 << 20;

/// Why an edit leaves the file alone.
#[derive(Debug)]
pub struct Refusal {
    /// Where in the file (1-based line and column), when one place is
    /// to blame.
    pub at: Option<(usize, usize)>,
    pub why: String,
    /// What to do; it says that the file was not changed.
    pub hint: String,
}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file already says what the edit would write.
    Unchanged,
    /// A dry run: the diff was shown, nothing was written.
    Shown,
    Created,
    Updated,
}

/// Edits the text file at `path` with `edit`, which gets the current text
/// (empty when there is no file) and returns the new one and what it wants
/// to tell its caller. Unless `dry_run`, the file's directory is locked
/// from the read to the write, so concurrent runs take turns; a dry run
/// prints the diff and a note, a write prints `Created` or `Updated`. An
/// unchanged file prints nothing: the caller says why it is fresh.
pub fn edit_file<T>(
    path: &Path,
    dry_run: bool,
    shell: &Shell,
    edit: impl FnOnce(&str) -> Result<(String, T), Refusal>,
) -> Result<(Outcome, T)> {
    // A dry run changes nothing and needs no lock (nor the directory the
    // lock would create).
    let lock = if dry_run {
        None
    } else {
        Some(DirLock::for_file(path)?)
    };
    let original = read_text(path)?;
    let existed = original.is_some();
    let original = original.unwrap_or_default();
    let (edited, answer) = edit(&original).map_err(|refusal| refused(path, refusal))?;
    let outcome = if edited == original {
        Outcome::Unchanged
    } else if let Some(lock) = &lock {
        write::write_atomic(lock, path, edited.as_bytes())?;
        let (outcome, verb) = if existed {
            (Outcome::Updated, "Updated")
        } else {
            (Outcome::Created, "Created")
        };
        shell.status(verb, path.display().to_string());
        outcome
    } else {
        shell.out(&unified_diff(path, &original, &edited));
        shell.note("dry run: nothing was written");
        Outcome::Shown
    };
    Ok((outcome, answer))
}

fn refused(path: &Path, refusal: Refusal) -> anyhow::Error {
    let place = match refusal.at {
        Some((line, column)) => format!("{}:{line}:{column}", path.display()),
        None => path.display().to_string(),
    };
    UserError::new(format!("`{place}`: {}", refusal.why))
        .hint(refusal.hint)
        .into()
}

/// The file's text, `None` when there is no file; one that is not UTF-8
/// is refused at the first byte that is not.
fn read_text(path: &Path) -> Result<Option<String>> {
    let Some(bytes) = super::read_regular_limited(path, MAX_EDITED_BYTES)? else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        refused(
            path,
            Refusal {
                at: Some(line_col(valid, valid.len())),
                why: "the file is not valid UTF-8".into(),
                hint: "save it as UTF-8; the file was not changed".into(),
            },
        )
    })
}

/// The change from `old` to `new` as a unified diff, both sides named
/// `path`.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}

/// 1-based line and column (in characters) of a byte offset in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Verbosity;

    fn shell() -> Shell {
        Shell::new(Verbosity::Quiet, None)
    }

    fn append(text: &str) -> Result<(String, ()), Refusal> {
        Ok((format!("{text}added\n"), ()))
    }

    #[test]
    fn creates_updates_and_leaves_a_fresh_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/file.txt");
        let (outcome, ()) = edit_file(&path, false, &shell(), append).unwrap();
        assert_eq!(outcome, Outcome::Created);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "added\n");
        let (outcome, ()) = edit_file(&path, false, &shell(), append).unwrap();
        assert_eq!(outcome, Outcome::Updated);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "added\nadded\n");
        let same = |t: &str| Ok((t.to_string(), ()));
        let (outcome, ()) = edit_file(&path, false, &shell(), same).unwrap();
        assert_eq!(outcome, Outcome::Unchanged);
    }

    #[test]
    fn a_dry_run_writes_nothing_and_creates_no_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/file.txt");
        let (outcome, ()) = edit_file(&path, true, &shell(), append).unwrap();
        assert_eq!(outcome, Outcome::Shown);
        assert!(!dir.path().join("sub").exists());
        assert_eq!(
            unified_diff(&path, "a\n", "a\nb\n"),
            format!(
                "--- {p}\n+++ {p}\n@@ -1 +1,2 @@\n a\n+b\n",
                p = path.display()
            )
        );
    }

    #[test]
    fn a_refusal_leaves_the_file_byte_identical_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.txt");
        std::fs::write(&path, b"one\r\ntwo").unwrap();
        let refuse = |_: &str| -> Result<(String, ()), Refusal> {
            Err(Refusal {
                at: Some((2, 3)),
                why: "no".into(),
                hint: "the file was not changed".into(),
            })
        };
        let err = edit_file(&path, false, &shell(), refuse).unwrap_err();
        let err = err.downcast_ref::<UserError>().unwrap();
        assert_eq!(err.to_string(), format!("`{}:2:3`: no", path.display()));
        assert_eq!(std::fs::read(&path).unwrap(), b"one\r\ntwo");

        std::fs::write(&path, b"ok\nh\xc3llo").unwrap();
        let err = edit_file(&path, false, &shell(), append).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("`{}:2:2`: the file is not valid UTF-8", path.display())
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"ok\nh\xc3llo");
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        // Inside a character: the start of it.
        assert_eq!(line_col("é", 1), (1, 1));
        assert_eq!(line_col("a", 99), (1, 2));
    }
}
