//! What a migration did, in words and as JSON: the counts, the
//! placeholders left behind, and the error of a run that did not get
//! everything through.

use serde::Serialize;

use super::{Action, PlaceholderReport, Report, VersionReport};
use crate::error::UserError;
use crate::ops::placeholder::State as PlaceholderState;
use crate::shell::plural;

/// `--json`'s report.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    source: String,
    registry: &'a str,
    dry_run: bool,
    copied: usize,
    skipped: usize,
    failed: usize,
    planned: usize,
    /// cnbcargo's own placeholder versions found in the source: never copied.
    ignored: usize,
    versions: &'a [VersionReport],
    placeholders: &'a [PlaceholderReport],
}

/// How one version's outcome is said, as the run goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Said {
    /// A status line: the verb, and the rest.
    Status(&'static str, String),
    /// Only with `-v`.
    Verbose(String),
    Warning(String),
}

impl VersionReport {
    pub fn said(&self) -> Said {
        let name = format!("`{}@{}`", self.name, self.version);
        let label = format!("{name}{}", if self.yanked { " (yanked)" } else { "" });
        match self.action {
            Action::Copied => Said::Status("Copied", label),
            Action::Skipped => Said::Verbose(format!("{label} is there already: skipped")),
            // The verb says it is yanked: no `(yanked)` after the name.
            Action::Yanked => {
                Said::Status("Yanked", format!("{name}, there already, as in the source"))
            }
            Action::Planned => Said::Status("Would copy", label),
            Action::Ignored => Said::Status(
                "Skipped",
                format!("{label}: cnbcargo's placeholder version, never copied"),
            ),
            Action::Failed => Said::Warning(format!(
                "{label} was not copied: {}",
                self.error.as_deref().unwrap_or("it failed")
            )),
        }
    }
}

impl Report {
    pub fn json<'a>(&'a self, source: String, registry: &'a str, dry_run: bool) -> JsonReport<'a> {
        JsonReport {
            source,
            registry,
            dry_run,
            copied: self.count(Action::Copied),
            skipped: self.count(Action::Skipped),
            failed: self.count(Action::Failed),
            planned: self.count(Action::Planned),
            ignored: self.count(Action::Ignored),
            versions: &self.versions,
            placeholders: &self.placeholders,
        }
    }

    /// Versions the destination had already (and may have yanked now).
    fn there(&self) -> usize {
        self.count(Action::Skipped) + self.count(Action::Yanked)
    }

    /// `--dry-run`'s notes: the placeholders that would go up, and the counts.
    pub fn dry_run_notes(&self, registry: &str) -> Vec<String> {
        let mut notes: Vec<String> = self
            .placeholders
            .iter()
            .map(|p| format!(
                "`{registry}` serves crates.io's index for `{}`: a placeholder `{}@{}` would go up first and be removed after",
                p.name, p.name, p.version
            ))
            .collect();
        let yanked = self.count(Action::Yanked);
        notes.push(format!(
            "dry run: nothing was uploaded ({} to copy, {} already in `{registry}`{})",
            plural(self.count(Action::Planned), "version", "versions"),
            self.there(),
            if yanked > 0 {
                format!(", {yanked} of them to yank")
            } else {
                String::new()
            }
        ));
        notes
    }

    /// The line after a run: `4 versions into `r``, then what else
    /// happened, if anything (`; 2 were there already, 1 failed`).
    pub fn migrated(&self, registry: &str) -> String {
        let copied = plural(self.count(Action::Copied), "version", "versions");
        let mut also = Vec::new();
        let (there, yanked) = (self.there(), self.count(Action::Yanked));
        if there > 0 {
            let was = if there == 1 { "was" } else { "were" };
            let yanked_now = match yanked {
                0 => String::new(),
                n => format!(" ({n} yanked now, as in the source)"),
            };
            also.push(format!("{there} {was} there already{yanked_now}"));
        }
        let failed = self.count(Action::Failed);
        if failed > 0 {
            also.push(format!("{failed} failed"));
        }
        let ignored = self.count(Action::Ignored);
        if ignored > 0 {
            also.push(format!(
                "{} skipped",
                plural(ignored, "placeholder version", "placeholder versions")
            ));
        }
        if also.is_empty() {
            format!("{copied} into `{registry}`")
        } else {
            format!("{copied} into `{registry}`; {}", also.join(", "))
        }
    }

    /// The placeholders the destination still holds after the run.
    fn placeholders_left(&self) -> impl Iterator<Item = &PlaceholderReport> {
        self.placeholders.iter().filter(|p| {
            matches!(
                p.state,
                PlaceholderState::Yanked
                    | PlaceholderState::InRegistry
                    | PlaceholderState::LeftYanked
            )
        })
    }

    /// A warning and its hint for each placeholder the run left behind.
    pub fn placeholders_left_behind(&self, registry: &str) -> Vec<(String, String)> {
        self.placeholders_left()
            .map(|p| {
                let yanked = if p.state == PlaceholderState::InRegistry {
                    ""
                } else {
                    ", yanked"
                };
                let placeholder = format!("{}@{}", p.name, p.version);
                (
                    format!("`{registry}` still holds the placeholder `{placeholder}`{yanked}"),
                    format!(
                        "delete it with `cnbcargo delete {placeholder}` and a token that may delete"
                    ),
                )
            })
            .collect()
    }

    /// The error of a run some versions did not get through, saying what
    /// the registry holds: what it had, and what this run put there (a
    /// failed yank or check leaves the version uploaded).
    pub fn incomplete(&self, registry: &str) -> Option<UserError> {
        let failed = self.count(Action::Failed);
        if failed == 0 {
            return None;
        }
        let left: Vec<String> = self
            .placeholders_left()
            .map(|p| format!("`{}@{}`", p.name, p.version))
            .collect();
        let placeholders = match left.len() {
            0 => String::new(),
            1 => format!(", and the placeholder {}", left[0]),
            _ => format!(", and the placeholders {}", left.join(", ")),
        };
        // A conflicting version is one the registry had too.
        let conflicts = self.conflicts();
        let had = self.there() + conflicts;
        let conflicts = match conflicts {
            0 => String::new(),
            1 if had == 1 => " (with other bytes than the source's, left as it is)".to_string(),
            1 => " (one of them with other bytes than the source's, left as it is)".to_string(),
            n => format!(" ({n} of them with other bytes than the source's, left as they are)"),
        };
        Some(UserError::new(format!(
            "{} not get through; `{registry}` now holds the {} it had{conflicts} and the {} uploaded by this run{placeholders}",
            plural(failed, "version did", "versions did"),
            plural(had, "version", "versions"),
            self.uploaded(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(actions: &[Action]) -> Report {
        let versions = actions
            .iter()
            .enumerate()
            .map(|(i, &action)| VersionReport {
                name: "a".into(),
                version: format!("0.{i}.0"),
                action,
                yanked: false,
                uploaded: false,
                conflict: false,
                error: None,
            })
            .collect();
        Report {
            versions,
            placeholders: Vec::new(),
        }
    }

    #[test]
    fn the_summary_reads_as_a_sentence() {
        use Action::*;
        assert_eq!(report(&[Copied]).migrated("r"), "1 version into `r`");
        assert_eq!(report(&[Copied; 4]).migrated("r"), "4 versions into `r`");
        assert_eq!(
            report(&[Copied, Skipped, Yanked, Failed, Ignored, Ignored]).migrated("r"),
            "1 version into `r`; 2 were there already (1 yanked now, as in the source), 1 failed, 2 placeholder versions skipped"
        );
        assert_eq!(
            report(&[Skipped, Ignored]).migrated("r"),
            "0 versions into `r`; 1 was there already, 1 placeholder version skipped"
        );
        assert_eq!(
            report(&[Planned, Skipped]).dry_run_notes("r"),
            ["dry run: nothing was uploaded (1 version to copy, 1 already in `r`)"]
        );
    }

    #[test]
    fn each_version_is_said_once_with_its_state() {
        let mut yanked = report(&[Action::Yanked]).versions.remove(0);
        yanked.yanked = true;
        assert_eq!(
            yanked.said(),
            Said::Status(
                "Yanked",
                "`a@0.0.0`, there already, as in the source".into()
            )
        );
        yanked.action = Action::Planned;
        assert_eq!(
            yanked.said(),
            Said::Status("Would copy", "`a@0.0.0` (yanked)".into())
        );
        yanked.action = Action::Failed;
        assert_eq!(
            yanked.said(),
            Said::Warning("`a@0.0.0` (yanked) was not copied: it failed".into())
        );
    }

    #[test]
    fn an_incomplete_run_says_what_the_registry_holds() {
        use Action::*;
        assert!(report(&[Copied]).incomplete("r").is_none());
        let mut partial = report(&[Copied, Copied, Failed]);
        assert_eq!(
            partial.incomplete("r").unwrap().to_string(),
            "1 version did not get through; `r` now holds the 0 versions it had and the 2 uploaded by this run"
        );
        partial.versions[2].conflict = true;
        partial.versions.push(report(&[Failed]).versions.remove(0));
        assert_eq!(
            partial.incomplete("r").unwrap().to_string(),
            "2 versions did not get through; `r` now holds the 1 version it had (with other bytes than the source's, left as it is) and the 2 uploaded by this run"
        );
    }
}
