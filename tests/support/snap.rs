//! Whole-output snapshots with snapbox, as cargo's own tests pin their
//! messages: the expected text sits inline in the test (`str![[..]]`), so
//! a wording change shows in review, and `SNAPSHOTS=overwrite cargo test`
//! re-blesses every expectation in place.
//!
//! What varies between runs is redacted to a placeholder before comparing
//! (`[ROOT]` for the test's temp dir, `[PORT]`/`[API_PORT]` for the test
//! registry's ports); `[..]` in an expectation matches any text within a
//! line (a duration), `...` on a line of its own any lines.

use std::process::Output;

use snapbox::{Assert, IntoData, Redactions, assert::DEFAULT_ACTION_ENV, filter::RedactedValue};

use super::{TestEnv, TestRegistry, real_cargo, stderr, stdout, tail};

/// The redactions of one test's snapshots.
#[derive(Clone)]
pub struct Redact {
    redactions: Redactions,
}

impl Redact {
    /// `[ROOT]` for `env`'s temp dir (so `[ROOT]/project/...`,
    /// `[ROOT]/cargo-home/...`), `[CARGO]` for the real cargo's path.
    pub fn new(env: &TestEnv) -> Redact {
        let mut redactions = Redactions::new();
        redactions
            .insert("[ROOT]", env.path().to_path_buf())
            .unwrap();
        // The cargo these tests run (doctor names it): where the toolchain
        // is installed varies by machine.
        redactions.insert("[CARGO]", real_cargo()).unwrap();
        Redact { redactions }
    }

    /// `[PORT]` and `[API_PORT]` for `registry`'s index and OpenAPI ports.
    pub fn registry(self, registry: &TestRegistry) -> Redact {
        self.with("[PORT]", registry.port().to_string())
            .with("[API_PORT]", registry.api_port().to_string())
    }

    /// Any other text that varies, as `placeholder` (`[A-Z_]` in brackets).
    pub fn with(mut self, placeholder: &'static str, value: impl Into<RedactedValue>) -> Redact {
        self.redactions.insert(placeholder, value).unwrap();
        self
    }

    fn assert(&self) -> Assert {
        // Messages are compared as printed: no `\` to `/` (paths here
        // are Unix ones).
        Assert::new()
            .action_env(DEFAULT_ACTION_ENV)
            .normalize_paths(false)
            .redact_with(self.redactions.clone())
    }
}

/// Pins a finished command's whole stderr (redacted) and its exit code.
/// The text is compared first, so that `SNAPSHOTS=overwrite` re-blesses
/// it even where the code changed too.
#[track_caller]
pub fn assert_snapshot(out: &Output, code: i32, redact: &Redact, expected_stderr: impl IntoData) {
    redact.assert().eq(stderr(out), expected_stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
        tail(&stdout(out)),
        tail(&stderr(out))
    );
}

/// Pins a finished command's whole stdout (redacted).
#[track_caller]
pub fn assert_stdout_snapshot(out: &Output, redact: &Redact, expected_stdout: impl IntoData) {
    redact.assert().eq(stdout(out), expected_stdout);
}
