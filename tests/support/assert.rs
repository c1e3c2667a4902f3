//! Assertions on a finished command: its exit code and what it said.
//! Each failure message shows both streams (long ones by their end).

use std::process::Output;

use super::{stderr, stdout, tail};

/// Asserts success, showing both streams when it failed.
#[track_caller]
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "expected success, got {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

/// Asserts the exit code `code`, showing both streams when it differs.
#[track_caller]
pub fn assert_failure(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

/// `assert_failure`/`assert_success` with only the end of long outputs
/// (a hostile server's body may fill them).
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}, got {}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
        out.status,
        tail(&stdout(out)),
        tail(&stderr(out))
    );
}

/// No Rust panic on stderr.
#[track_caller]
pub fn assert_no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{}", tail(&err));
}

/// Any failure but a crash.
#[track_caller]
pub fn assert_fails(out: &Output) {
    assert!(
        !out.status.success(),
        "expected a failure, got {}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
        out.status,
        tail(&stdout(out)),
        tail(&stderr(out))
    );
    assert_no_panic(out);
}

/// Exit 1 or 2 (a refusal, a usage error), never a crash.
#[track_caller]
pub fn assert_refused(out: &Output) {
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "expected exit 1 or 2, got {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        tail(&stdout(out)),
        tail(&stderr(out))
    );
    assert_no_panic(out);
}

/// Each of `words` is somewhere on stderr.
#[track_caller]
pub fn assert_stderr_has(out: &Output, words: &[&str]) {
    let err = stderr(out);
    for word in words {
        assert!(
            err.contains(word),
            "stderr lacks `{word}`\n--- stderr\n{}",
            tail(&err)
        );
    }
}

/// No ESC (0x1b) and no BEL (0x07) on either stream: server text reached
/// the terminal cleaned.
#[track_caller]
pub fn assert_no_terminal_controls(out: &Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
            "control bytes on {stream}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}
