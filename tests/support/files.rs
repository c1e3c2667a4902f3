//! Files a test makes or inspects: scripts, FIFOs, stray temp files, the
//! walk under a directory, cargo's credentials store, and the checks that
//! an edit only added to a file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::TestEnv;

/// Writes an executable shell script.
pub fn write_script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out
}

/// A FIFO at `path` (its directory made first): a file that blocks
/// whoever opens it for reading.
pub fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// `.cnbcargo-*.tmp` files in `dir`.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cnbcargo-") && n.ends_with(".tmp"))
        .collect()
}

/// A stale temp file, as a run killed mid-write leaves; a day old.
pub fn stray_temp_file(path: &Path) {
    std::fs::write(path, "half a config").unwrap();
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(day_ago)
        .unwrap();
}

/// cargo's `credentials.toml` in the test's `CARGO_HOME` ("" when absent).
pub fn credentials(env: &TestEnv) -> String {
    std::fs::read_to_string(env.cargo_home().join("credentials.toml")).unwrap_or_default()
}

/// `original`'s lines (without their line endings) appear, in order and unchanged, among `edited`'s.
pub fn keeps_every_line(original: &str, edited: &str) -> bool {
    let mut edited_lines = edited.lines();
    original
        .lines()
        .all(|line| edited_lines.any(|candidate| candidate == line))
}

/// Every byte of `original` is in `edited`, in order: the edit only added.
pub fn is_byte_subsequence(original: &[u8], edited: &[u8]) -> bool {
    let mut rest = edited.iter();
    original.iter().all(|b| rest.any(|c| c == b))
}
