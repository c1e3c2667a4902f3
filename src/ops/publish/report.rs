//! What a publish did, for the summary, the error and `--json`.

use serde::{Serialize, Serializer};

use crate::ops::placeholder::{self, PlaceholderReport, State};

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub ok: bool,
    pub dry_run: bool,
    pub registry: String,
    pub published: Vec<String>,
    pub skipped: Vec<Skipped>,
    #[serde(serialize_with = "by_package")]
    pub placeholders: Vec<PlaceholderReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    pub package: String,
    pub reason: SkipReason,
}

/// Why a package is not published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum SkipReason {
    /// The registry holds the version already (a rerun resumes).
    Already,
    /// Its `package.publish` leaves the registry out (why, as said).
    NotHere(String),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Already => f.write_str("the registry already has this version"),
            SkipReason::NotHere(why) => f.write_str(why),
        }
    }
}

impl From<SkipReason> for String {
    fn from(reason: SkipReason) -> String {
        reason.to_string()
    }
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub package: String,
    pub step: FailedStep,
    pub error: String,
}

/// The step a publish stopped at (named so in `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FailedStep {
    #[serde(rename = "cargo's checks")]
    Checks,
    #[serde(rename = "uploading the placeholder")]
    UploadPlaceholder,
    #[serde(rename = "waiting for the index to list the placeholder")]
    WaitForPlaceholder,
    #[serde(rename = "cargo publish")]
    Publish,
    #[serde(rename = "waiting for the index")]
    WaitForIndex,
}

/// The placeholders as `--json` has always named them: by `package`.
fn by_package<S: Serializer>(list: &[PlaceholderReport], out: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Entry<'a> {
        package: &'a str,
        version: &'a str,
        state: State,
    }
    out.collect_seq(list.iter().map(|p| Entry {
        package: &p.name,
        version: p.version,
        state: p.state,
    }))
}

/// `n` and the noun, singular or plural.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Report {
    pub(super) fn new(dry_run: bool, registry: String) -> Report {
        Report {
            dry_run,
            registry,
            ..Report::default()
        }
    }

    pub(super) fn placeholder(&mut self, package: &str, state: State) {
        placeholder::record(&mut self.placeholders, package, state);
    }

    /// Whether this run uploaded `package`'s placeholder and it is there.
    pub(super) fn uploaded_placeholder(&self, package: &str) -> bool {
        self.placeholders
            .iter()
            .any(|p| p.name == package && p.state == State::InRegistry)
    }

    /// The placeholders the registry still holds.
    pub fn placeholders_left(&self) -> impl Iterator<Item = &PlaceholderReport> {
        self.placeholders
            .iter()
            .filter(|p| p.state != State::Deleted)
    }

    /// What a successful run did, after `Published`: what went up, what
    /// was there already and what was skipped, e.g. `a@1.0.0 to `cnb`;
    /// `b@2.0.0` is there already`.
    pub fn summary(&self) -> String {
        let already: Vec<&str> = self
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::Already)
            .map(|s| s.package.as_str())
            .collect();
        let not_here = self.skipped.len() - already.len();
        let nothing = self.published.is_empty();
        let mut parts = Vec::new();
        match already.as_slice() {
            [] => {}
            [one] => parts.push(format!("`{one}` is there already")),
            _ if nothing && not_here == 0 => parts.push("every version is there already".into()),
            many => parts.push(format!(
                "{} are there already",
                count(many.len(), "version", "versions")
            )),
        }
        match not_here {
            0 => {}
            1 => parts.push("1 package was skipped".to_string()),
            n => parts.push(format!("{n} packages were skipped")),
        }
        let head = if nothing {
            format!("nothing to `{}`", self.registry)
        } else {
            format!("{} to `{}`", self.published.join(", "), self.registry)
        };
        match (parts.is_empty(), nothing) {
            (true, _) => head,
            (false, true) => format!("{head}: {}", parts.join(", and ")),
            (false, false) => format!("{head}; {}", parts.join(", and ")),
        }
    }

    /// What the registry holds now, in a sentence.
    pub(super) fn state_sentence(&self) -> String {
        let mut parts = Vec::new();
        parts.push(if self.published.is_empty() {
            "nothing was published".to_string()
        } else {
            format!("published: {}", self.published.join(", "))
        });
        for p in &self.placeholders {
            parts.push(match p.state {
                State::Deleted => {
                    format!("the placeholder `{}@{}` was deleted", p.name, p.version)
                }
                state => format!(
                    "the registry holds the placeholder `{}@{}`, {}",
                    p.name,
                    p.version,
                    state.describe()
                ),
            });
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(published: &[&str], already: &[&str], not_here: &[&str]) -> Report {
        let skipped = |list: &[&str], reason: SkipReason| -> Vec<Skipped> {
            list.iter()
                .map(|p| Skipped {
                    package: p.to_string(),
                    reason: reason.clone(),
                })
                .collect()
        };
        let mut skips = skipped(not_here, SkipReason::NotHere("`publish = false`".into()));
        skips.extend(skipped(already, SkipReason::Already));
        Report {
            ok: true,
            registry: "cnb".to_string(),
            published: published.iter().map(|p| p.to_string()).collect(),
            skipped: skips,
            ..Report::default()
        }
    }

    #[test]
    fn the_summary_reads_well_in_every_combination() {
        // Published, there already, skipped (not for this registry); the summary.
        type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a str);
        let cases: &[Case] = &[
            (&["a@1.0.0"], &[], &[], "a@1.0.0 to `cnb`"),
            (
                &["a@1.0.0", "b@2.0.0"],
                &[],
                &[],
                "a@1.0.0, b@2.0.0 to `cnb`",
            ),
            (
                &[],
                &["a@1.0.0"],
                &[],
                "nothing to `cnb`: `a@1.0.0` is there already",
            ),
            (
                &[],
                &["a@1.0.0", "b@2.0.0"],
                &[],
                "nothing to `cnb`: every version is there already",
            ),
            (
                &["a@1.0.0"],
                &["b@2.0.0"],
                &[],
                "a@1.0.0 to `cnb`; `b@2.0.0` is there already",
            ),
            (
                &["a@1.0.0"],
                &["b@2.0.0", "c@3.0.0"],
                &[],
                "a@1.0.0 to `cnb`; 2 versions are there already",
            ),
            (
                &["a@1.0.0"],
                &[],
                &["x@0.1.0"],
                "a@1.0.0 to `cnb`; 1 package was skipped",
            ),
            (
                &[],
                &["a@1.0.0", "b@2.0.0"],
                &["x@0.1.0", "y@0.1.0"],
                "nothing to `cnb`: 2 versions are there already, and 2 packages were skipped",
            ),
            (
                &["a@1.0.0"],
                &["b@2.0.0"],
                &["x@0.1.0"],
                "a@1.0.0 to `cnb`; `b@2.0.0` is there already, and 1 package was skipped",
            ),
        ];
        for (published, already, not_here, want) in cases {
            assert_eq!(report(published, already, not_here).summary(), *want);
        }
    }

    #[test]
    fn json_names_steps_reasons_and_placeholders_as_before() {
        let mut report = report(&[], &["a@1.0.0"], &[]);
        report.placeholder("a", State::Deleted);
        report.failed = Some(Failure {
            package: "b@1.0.0".to_string(),
            step: FailedStep::WaitForPlaceholder,
            error: "slow".to_string(),
        });
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["skipped"][0]["reason"],
            "the registry already has this version"
        );
        assert_eq!(
            json["placeholders"][0],
            serde_json::json!({"package": "a", "version": placeholder::VERSION, "state": "deleted"})
        );
        assert_eq!(
            json["failed"]["step"],
            "waiting for the index to list the placeholder"
        );
    }

    #[test]
    fn counts() {
        assert_eq!(count(1, "version", "versions"), "1 version");
        assert_eq!(count(0, "version", "versions"), "0 versions");
        assert_eq!(count(3, "version", "versions"), "3 versions");
    }
}
