//! Errors that the user can act on carry hints and an exit code; everything
//! else is an `anyhow` chain printed as `error:` plus `Caused by:` lines.

use std::fmt;

/// Exit code for a failed command.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad usage, the same as clap's.
pub const EXIT_USAGE: u8 = 2;

/// Every exit code, for every command: the top-level `--help`, the man
/// page and `docs/exit-codes.md` are made from this table.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (
        0,
        "success; for `doctor`, no check failed (warnings allowed)",
    ),
    (
        EXIT_FAILURE,
        "the command failed: the registry, the API, cargo, the network or a file said no; \
         `doctor` found a failing check; `list`, `yank` or `delete` named a crate or version \
         the registry does not have; some deletions or yanks failed (the rest were done)",
    ),
    (
        EXIT_USAGE,
        "bad usage: an unknown flag, a missing or invalid argument, or a question that \
         needs a terminal when there is none (`delete` without `--yes`, or of a name's last \
         versions that crates.io also has without `--allow-fall-through`)",
    ),
];

/// The exit codes as `--help` shows them.
pub fn exit_codes_help() -> String {
    let mut help = String::from("Exit status:");
    for (code, meaning) in EXIT_CODES {
        help.push_str(&format!("\n  {code}  {meaning}"));
    }
    help
}

/// `docs/exit-codes.md`, generated (a test keeps it fresh).
#[cfg(test)]
pub fn exit_codes_md() -> String {
    let mut md = String::from(
        "# Exit codes\n\n<!-- generated from `src/error.rs` by `CNBCARGO_BLESS=1 cargo test` -->\n\n\
         Every command exits with one of these; `cnbcargo --help` shows the same table.\n\n\
         | code | meaning |\n|---|---|\n",
    );
    for (code, meaning) in EXIT_CODES {
        md.push_str(&format!("| {code} | {meaning} |\n"));
    }
    md
}

#[derive(Debug)]
pub struct UserError {
    message: String,
    hints: Vec<String>,
    exit_code: u8,
    source: Option<anyhow::Error>,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hints: Vec::new(),
            exit_code: EXIT_FAILURE,
            source: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        UserError {
            exit_code: EXIT_USAGE,
            ..UserError::new(message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Keeps `source` as the cause, shown under `Caused by:`, with its own
    /// hints still found.
    pub fn caused_by(mut self, source: impl Into<anyhow::Error>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The first hint anywhere in an error's chain.
    pub fn first_hint(err: &anyhow::Error) -> Option<String> {
        err.chain()
            .filter_map(|c| c.downcast_ref::<UserError>())
            .flat_map(|e| e.hints().first().cloned())
            .next()
    }

    pub fn hints(&self) -> &[String] {
        &self.hints
    }

    pub fn exit_code(&self) -> u8 {
        self.exit_code
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| {
            let e: &(dyn std::error::Error + Send + Sync + 'static) = e.as_ref();
            e as &(dyn std::error::Error + 'static)
        })
    }
}
