//! All human-facing output goes through here, to stderr, in cargo's style:
//! a right-aligned green verb, `warning:`, `note:` and `hint:` lines.
//! stdout is kept for data (diffs, completions, JSON).

use std::io::{IsTerminal, Write};

use crate::env;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
    VeryVerbose,
}

#[derive(Debug)]
pub struct Shell {
    verbosity: Verbosity,
    color: bool,
}

const GREEN: &str = "\x1b[1;32m";
const YELLOW: &str = "\x1b[1;33m";
const RED: &str = "\x1b[1;31m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

impl Shell {
    pub fn new(verbosity: Verbosity) -> Self {
        Shell {
            verbosity,
            color: color_wanted(),
        }
    }

    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn emit(&self, line: &str) {
        let mut stderr = std::io::stderr().lock();
        // A closed stderr must not turn into a panic.
        let _ = writeln!(stderr, "{line}");
    }

    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// `    Updating something`, the verb right-aligned in 12 columns.
    pub fn status(&self, verb: &str, message: impl AsRef<str>) {
        if self.verbosity > Verbosity::Quiet {
            let verb = self.paint(GREEN, &format!("{verb:>12}"));
            self.emit(&format!("{verb} {}", message.as_ref()));
        }
    }

    /// `label: message`, unless quiet.
    fn labelled(&self, style: &str, label: &str, message: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.emit(&format!("{}: {message}", self.paint(style, label)));
        }
    }

    pub fn warn(&self, message: impl AsRef<str>) {
        self.labelled(YELLOW, "warning", message.as_ref());
    }

    pub fn note(&self, message: impl AsRef<str>) {
        self.labelled(CYAN, "note", message.as_ref());
    }

    pub fn hint(&self, message: impl AsRef<str>) {
        self.labelled(CYAN, "hint", message.as_ref());
    }

    /// Shown with `-v` and above.
    pub fn verbose(&self, message: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Verbose {
            self.emit(&format!(
                "{} {}",
                self.paint(CYAN, "[verbose]"),
                message.as_ref()
            ));
        }
    }

    /// Shown with `-vv`.
    pub fn debug(&self, message: impl AsRef<str>) {
        if self.verbosity >= Verbosity::VeryVerbose {
            self.emit(&format!(
                "{} {}",
                self.paint(CYAN, "[debug]"),
                message.as_ref()
            ));
        }
    }

    /// Prints an error and its causes; errors are shown even when quiet.
    pub fn error(&self, err: &anyhow::Error) {
        let label = self.paint(RED, "error");
        self.emit(&format!("{label}: {err}"));
        let causes: Vec<String> = err.chain().skip(1).map(|c| c.to_string()).collect();
        if !causes.is_empty() {
            self.emit("");
            self.emit("Caused by:");
            for cause in causes {
                for line in cause.lines() {
                    self.emit(&format!("  {line}"));
                }
            }
        }
        let hints: Vec<&String> = err
            .chain()
            .filter_map(|c| c.downcast_ref::<crate::error::UserError>())
            .flat_map(|e| e.hints())
            .collect();
        if !hints.is_empty() {
            self.emit("");
            for hint in hints {
                let label = self.paint(CYAN, "hint");
                self.emit(&format!("{label}: {hint}"));
            }
        }
    }

    /// Writes data to stdout; a closed pipe ends the program quietly.
    pub fn out(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            std::process::exit(0);
        }
    }
}

fn color_wanted() -> bool {
    if std::env::var_os(env::NO_COLOR).is_some_and(|v| !v.is_empty()) {
        return false;
    }
    match std::env::var(env::CARGO_TERM_COLOR).as_deref() {
        Ok("always") => true,
        Ok("never") => false,
        _ => std::io::stderr().is_terminal(),
    }
}
