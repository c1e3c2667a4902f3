//! All human-facing output goes through here, to stderr, in cargo's style:
//! a right-aligned green verb, `warning:`, `note:` and `hint:` lines.
//! stdout is kept for data (diffs, completions, JSON).

use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};

use crate::env;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
    VeryVerbose,
}

/// `--color`, as cargo spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal
    Auto,
    /// Colour, terminal or not
    Always,
    /// No colour
    Never,
}

#[derive(Debug, Clone)]
pub struct Shell {
    /// The progress bar or spinner on screen, if any: every line printed
    /// meanwhile goes above it, and none is left behind in the scrollback.
    /// Shared by the clones (the HTTP client's trace is one).
    bar: Arc<Mutex<Option<ProgressBar>>>,
    verbosity: Verbosity,
    color: bool,
    /// The choice cargo must be told of: one cargo would not make by
    /// itself (`--color`, or `NO_COLOR`, which cargo does not read).
    cargo_color: Option<bool>,
}

const GREEN: &str = "\x1b[1;32m";
const YELLOW: &str = "\x1b[1;33m";
const RED: &str = "\x1b[1;31m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

impl Shell {
    pub fn new(verbosity: Verbosity, color: Option<ColorChoice>) -> Self {
        let cargo_color = match color {
            Some(ColorChoice::Always) => Some(true),
            Some(ColorChoice::Never) => Some(false),
            Some(ColorChoice::Auto) => None,
            None => env::var_non_empty(env::NO_COLOR).map(|_| false),
        };
        Shell {
            bar: Arc::default(),
            verbosity,
            color: color_for_stderr(color),
            cargo_color,
        }
    }

    /// `Some` when cargo must be told the colour choice (see `cargo_color`).
    pub fn cargo_color(&self) -> Option<bool> {
        self.cargo_color
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn emit(&self, line: &str) {
        let write = || {
            let mut stderr = std::io::stderr().lock();
            // A closed stderr must not turn into a panic.
            let _ = writeln!(stderr, "{line}");
        };
        match &*self.slot() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a person can answer: both stdin and stderr are terminals.
    pub fn is_interactive(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    /// Whether progress is worth drawing: a terminal, and not `--quiet`.
    fn shows_progress(&self) -> bool {
        !self.is_quiet() && std::io::stderr().is_terminal()
    }

    /// A bar counting `len` steps, `  Verb [=====>   ] 3/10 message`, on a
    /// terminal only; gone from the screen when the `Progress` is dropped.
    pub fn progress(&self, verb: &str, len: u64) -> Progress {
        if !self.shows_progress() || len < 2 {
            return Progress::hidden();
        }
        let bar = ProgressBar::new(len);
        let template = format!("{verb:>12} [{{bar:30}}] {{pos}}/{{len}} {{wide_msg}}");
        bar.set_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        self.show(bar)
    }

    /// A spinner with `message` while something is awaited, on a terminal
    /// only; gone from the screen when the `Progress` is dropped.
    pub fn spinner(&self, message: impl AsRef<str>) -> Progress {
        if !self.shows_progress() {
            return Progress::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(clean_line(message.as_ref()));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        self.show(bar)
    }

    fn show(&self, bar: ProgressBar) -> Progress {
        *self.slot() = Some(bar.clone());
        Progress {
            bar,
            slot: Some(self.bar.clone()),
        }
    }

    /// Prints `question` (any lines before the last are shown as they
    /// are, cleaned) and reads one line from stdin: `None` at the end of
    /// input. The caller checks `is_interactive` first.
    pub fn ask(&self, question: &str) -> std::io::Result<Option<String>> {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "{}", clean(question));
        let _ = stderr.flush();
        drop(stderr);
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            // The prompt's line ends here rather than in the next message.
            self.emit("");
            return Ok(None);
        }
        Ok(Some(line.trim().to_string()))
    }

    /// Asks a yes/no `question`; anything but `y` or `yes` is a no.
    pub fn confirm(&self, question: &str) -> std::io::Result<bool> {
        let answer = self.ask(question)?.unwrap_or_default();
        Ok(matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
    }

    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// `    Updating something`, the verb right-aligned in 12 columns.
    pub fn status(&self, verb: &str, message: impl AsRef<str>) {
        // cargo's alignment: a longer verb would push its line out of step.
        debug_assert!(verb.len() <= 12, "status verb `{verb}` is over 12 columns");
        if self.verbosity > Verbosity::Quiet {
            let verb = self.paint(GREEN, &format!("{verb:>12}"));
            self.emit(&format!("{verb} {}", clean_line(message.as_ref())));
        }
    }

    /// `label: message`, unless quiet. One line, whatever the message
    /// holds: a server's or a file's text (a crate or dependency name, an
    /// error body) must not start a line of its own, e.g. a forged `hint:`.
    fn labelled(&self, style: &str, label: &str, message: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.emit(&format!(
                "{}: {}",
                self.paint(style, label),
                clean_line(message)
            ));
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

    /// One line of a report, `✗ message` or `! message` (the mark red or
    /// yellow), with its hint indented below, all on one line each: the
    /// message may quote a server. Shown even when quiet: the caller picks
    /// which lines a quiet run keeps.
    pub fn report_line(&self, mark: &str, message: &str, hint: Option<&str>) {
        let style = match mark {
            "✗" => RED,
            "!" => YELLOW,
            _ => GREEN,
        };
        self.emit(&format!(
            "{} {}",
            self.paint(style, mark),
            clean_line(message)
        ));
        if let Some(hint) = hint {
            self.emit(&format!(
                "  {}: {}",
                self.paint(CYAN, "hint"),
                clean_line(hint)
            ));
        }
    }

    /// Shown with `-v` and above, on one line (see `labelled`).
    pub fn verbose(&self, message: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Verbose {
            self.emit(&format!(
                "{} {}",
                self.paint(CYAN, "[verbose]"),
                clean_line(message.as_ref())
            ));
        }
    }

    /// Shown with `-vv`.
    pub fn debug(&self, message: impl AsRef<str>) {
        if self.verbosity >= Verbosity::VeryVerbose {
            self.emit(&format!(
                "{} {}",
                self.paint(CYAN, "[debug]"),
                clean_line(message.as_ref())
            ));
        }
    }

    /// Prints an error and its causes; errors are shown even when quiet.
    pub fn error(&self, err: &anyhow::Error) {
        let label = self.paint(RED, "error");
        // The message and hints on one line each (see `labelled`); the
        // causes, indented, keep their lines.
        self.emit(&format!("{label}: {}", clean_line(&err.to_string())));
        let causes: Vec<String> = err
            .chain()
            .skip(1)
            .map(|c| clean(&c.to_string()).into_owned())
            .collect();
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
                self.emit(&format!("{label}: {}", clean_line(hint)));
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

/// A progress bar or spinner on screen (or nothing, where none is shown).
pub struct Progress {
    bar: ProgressBar,
    slot: Option<Arc<Mutex<Option<ProgressBar>>>>,
}

impl Progress {
    fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            slot: None,
        }
    }

    pub fn inc(&self) {
        self.bar.inc(1);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        if let Some(slot) = &self.slot {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
}

/// `1 crate name`, `2 crate names`: a count with its noun agreeing.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Text safe for a terminal: escape sequences (CSI, OSC and the rest),
/// control characters other than newline and tab, C1 controls and the
/// bidirectional overrides that reorder what is shown are removed. Every
/// line the shell prints goes through it, so text from a server (crate
/// names, versions, error messages) cannot move the cursor, clear the
/// screen, set the window title or hide part of a message.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            match chars.peek() {
                // CSI: parameters and intermediates up to a final byte.
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or the string terminator.
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                // Two-character sequences (`ESC c` resets the terminal).
                Some(_) => {
                    chars.next();
                }
                None => {}
            }
            continue;
        }
        if !is_unsafe(c) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `clean`, on one line: newlines and tabs become spaces, so server text
/// cannot start a line of its own (a fake `hint:`, say).
pub fn clean_line(text: &str) -> String {
    clean(text)
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether to colour stderr: `--color always|never`, else `NO_COLOR` (set
/// and not empty) turns colour off, else `CARGO_TERM_COLOR`, else colour
/// when stderr is a terminal. A flag is the user's word for this run, so it
/// beats both variables (as no-color.org asks).
pub fn color_for_stderr(flag: Option<ColorChoice>) -> bool {
    color_forced(flag).unwrap_or_else(|| std::io::stderr().is_terminal())
}

/// The colour choice when the flag or a variable makes one; `None` leaves
/// it to whether the stream is a terminal.
pub fn color_forced(flag: Option<ColorChoice>) -> Option<bool> {
    match flag {
        Some(ColorChoice::Always) => return Some(true),
        Some(ColorChoice::Never) => return Some(false),
        Some(ColorChoice::Auto) => return None,
        None => {}
    }
    if env::var_non_empty(env::NO_COLOR).is_some() {
        return Some(false);
    }
    match env::var_non_empty(env::CARGO_TERM_COLOR).as_deref() {
        Some("always") => Some(true),
        Some("never") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        assert_eq!(clean("plain text\n"), "plain text\n");
        assert_eq!(clean("\x1b[2Jboom\x1b[1;31m!"), "boom!");
        assert_eq!(clean("\x1b]0;pwned\x07name"), "name");
        assert_eq!(clean("\x1b]8;;http://x\x1b\\link"), "link");
        assert_eq!(clean("a\x1bcb\x07c\rd\x7fe\u{9b}f"), "abcdef");
        assert_eq!(clean("evil\u{202e}txt"), "eviltxt");
        assert_eq!(clean_line("one\ntwo\tthree"), "one two three");
        assert_eq!(clean("\x1b"), "");
        assert_eq!(clean("\x1b["), "");
    }

    proptest::proptest! {
        #[test]
        fn cleaned_text_has_no_control_characters(text in "\\PC{0,40}|[\\x00-\\x7f]{0,40}") {
            let cleaned = clean(&text);
            proptest::prop_assert!(!cleaned.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        }
    }
}
