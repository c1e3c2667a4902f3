//! The plan: what the registry holds for each package, decided before any
//! upload, and the steps that follow from it, in the order they run.

use std::collections::HashMap;

use anyhow::Result;

use crate::client::cnb::CnbApi;
use crate::client::sparse::SparseIndex;
use crate::error::UserError;
use crate::explain::{Op, VersionNames, explain};
use crate::ops::placeholder::{self, Leftover, Mode, Need};
use crate::shell::Shell;
use crate::workspace::Member;

use super::report::SkipReason;

/// What the registry holds for one package, decided before any upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// The version is there: skipped (a rerun resumes); an earlier run's
    /// placeholder may be there too.
    Already { leftover: Leftover },
    /// Published, with what its placeholder needs.
    Publish(Need),
}

/// One thing the executor does, or with `--dry-run` says it would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Skip {
        package: String,
        reason: SkipReason,
    },
    /// `cargo publish --dry-run` for these packages.
    Check {
        packages: Vec<String>,
    },
    /// `collision`: the crates.io proxy lists the version (said first).
    UploadPlaceholder {
        package: String,
        collision: bool,
    },
    /// Until the index lists the placeholder (uploaded now, or an earlier
    /// run's `leftover`), cargo may still see the crates.io proxy's
    /// entries for the name and refuse.
    WaitForPlaceholder {
        package: String,
        leftover: Leftover,
    },
    /// `shadows`: this first version hides crates.io's crate of the name.
    Publish {
        package: String,
        version: String,
        shadows: bool,
    },
    WaitForIndex {
        package: String,
        version: String,
    },
    /// This run's placeholder (`Leftover::None`) or an earlier run's.
    RemovePlaceholder {
        package: String,
        leftover: Leftover,
    },
}

/// `name@version`, as packages are named in messages and the report.
pub(super) fn spec(member: &Member) -> String {
    format!("{}@{}", member.name, member.version)
}

/// Per package, from the API (what the registry holds) and the index
/// (whether the proxy lists the version), fetched side by side.
pub(super) fn decide_all(
    members: &[&Member],
    api: Option<&CnbApi<'_>>,
    index: &SparseIndex<'_>,
    mode: Mode,
    shell: &Shell,
) -> Result<HashMap<String, Decision>> {
    let lookups: Vec<Result<Decision>> = std::thread::scope(|scope| {
        let handles: Vec<_> = members
            .iter()
            .map(|member| scope.spawn(move || decide_one(member, api, index, mode, shell)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut decisions = HashMap::new();
    for (member, decision) in members.iter().zip(lookups) {
        decisions.insert(member.name.clone(), decision?);
    }
    Ok(decisions)
}

fn decide_one(
    member: &Member,
    api: Option<&CnbApi<'_>>,
    index: &SparseIndex<'_>,
    mode: Mode,
    shell: &Shell,
) -> Result<Decision> {
    let listed = index.versions(&member.name).map_err(|e| {
        explain(
            e,
            format!("cannot read the index entry of `{}`", member.name),
            Op::Read,
        )
    })?;
    let Some(api) = api else {
        // No API: the index is all there is to go by.
        return Ok(if listed.iter().any(|e| e.vers == member.version) {
            Decision::Already {
                leftover: Leftover::None,
            }
        } else {
            Decision::Publish(Need::NONE)
        });
    };
    let held = api.version_names(&member.name)?;
    shell.verbose(format!(
        "the registry holds {} of `{}`; its index lists {}",
        super::report::count(held.len(), "version", "versions"),
        member.name,
        listed.len()
    ));
    decide(&held, &listed, &member.version, mode).map_err(|placeholder::Refused| {
        UserError::new(format!(
            "`{}` cannot be published as is: the registry has no version of `{}`, so CNB serves the crates.io proxy's index for it, which already lists {}; nothing was uploaded",
            spec(member), member.name, member.version
        ))
        .hint("cargo would refuse with \"already exists\"; run without `--placeholder never` to publish a placeholder version first")
        .into()
    })
}

/// A version the registry holds is there already; any other goes up with
/// what the placeholder rule (`Need::of`) says it needs.
fn decide(
    held: &[String],
    listed: &[impl placeholder::Listed],
    version: &str,
    mode: Mode,
) -> Result<Decision, placeholder::Refused> {
    if held.iter().any(|v| v == version) {
        return Ok(Decision::Already {
            leftover: Leftover::find(held, listed),
        });
    }
    Need::of(held, listed, version, mode).map(Decision::Publish)
}

/// The steps after cargo's checks, in the order they run (with
/// `check_each`, each package's check just before its upload); a package
/// waits for the index to list the ones it depends on.
pub(super) fn plan(
    steps: &mut Vec<Step>,
    ordered: &[&Member],
    decisions: &HashMap<String, Decision>,
    check_each: bool,
    keep_placeholder: bool,
) {
    for member in ordered {
        if let Decision::Already { .. } = decisions[&member.name] {
            steps.push(Step::Skip {
                package: spec(member),
                reason: SkipReason::Already,
            });
        }
    }
    let to_publish: Vec<&Member> = ordered
        .iter()
        .copied()
        .filter(|m| matches!(decisions[&m.name], Decision::Publish(_)))
        .collect();
    for member in ordered {
        let package = member.name.clone();
        match decisions[&member.name] {
            Decision::Already { leftover } if leftover.is_some() && !keep_placeholder => {
                steps.push(Step::RemovePlaceholder { package, leftover });
            }
            Decision::Already { .. } => {}
            Decision::Publish(need) => {
                let has_dependents = to_publish.iter().any(|other| {
                    other
                        .dependencies
                        .iter()
                        .any(|d| d.path.is_some() && d.name == member.name)
                });
                let each = Each {
                    check: check_each,
                    keep_placeholder,
                    has_dependents,
                };
                publish_steps(steps, member, need, each);
            }
        }
    }
}

/// How one package's steps go, besides what its placeholder needs.
struct Each {
    /// Checked alone, just before its upload (cargo before 1.90).
    check: bool,
    keep_placeholder: bool,
    /// Another package published now depends on it by path.
    has_dependents: bool,
}

/// One package's steps: its check, its placeholder, its upload, the wait
/// for the index, the placeholder's removal.
fn publish_steps(steps: &mut Vec<Step>, member: &Member, need: Need, each: Each) {
    let package = member.name.clone();
    if each.check {
        // Before 1.90 cargo checks one package at a time, against
        // what the registry holds: each just before its upload.
        steps.push(Step::Check {
            packages: vec![package.clone()],
        });
    }
    if need.upload && !need.leftover.is_some() {
        steps.push(Step::UploadPlaceholder {
            package: package.clone(),
            collision: need.collision,
        });
    }
    if need.involves_placeholder() {
        steps.push(Step::WaitForPlaceholder {
            package: package.clone(),
            leftover: need.leftover,
        });
    }
    steps.push(Step::Publish {
        package: package.clone(),
        version: member.version.clone(),
        shadows: need.shadows,
    });
    let removes = !each.keep_placeholder && need.involves_placeholder();
    if removes || each.has_dependents {
        steps.push(Step::WaitForIndex {
            package: package.clone(),
            version: member.version.clone(),
        });
    }
    if removes {
        steps.push(Step::RemovePlaceholder {
            package,
            leftover: need.leftover,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::sparse::IndexEntry;
    use crate::ops::placeholder::VERSION as PLACEHOLDER_VERSION;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn listed(list: &[(&str, bool)]) -> Vec<IndexEntry> {
        list.iter()
            .map(|(vers, yanked)| IndexEntry {
                vers: vers.to_string(),
                yanked: *yanked,
            })
            .collect()
    }

    fn publish(upload: bool, collision: bool, leftover: Leftover, shadows: bool) -> Decision {
        Decision::Publish(Need {
            upload,
            collision,
            leftover,
            shadows,
        })
    }

    #[test]
    fn decisions() {
        use Mode::*;
        let none = Leftover::None;
        let proxy = listed(&[("1.0.0", false)]);
        let empty = listed(&[]);
        assert_eq!(
            decide(&v(&["1.0.0"]), &proxy, "1.0.0", Auto),
            Ok(Decision::Already { leftover: none })
        );
        assert_eq!(
            decide(&v(&[]), &proxy, "1.0.0", Auto),
            Ok(publish(true, true, none, true))
        );
        assert_eq!(
            decide(&v(&[]), &empty, "1.0.0", Auto),
            Ok(publish(false, false, none, false))
        );
        assert_eq!(
            decide(&v(&[]), &empty, "1.0.0", Always),
            Ok(publish(true, false, none, false))
        );
        assert_eq!(
            decide(&v(&[]), &proxy, "1.0.0", Never),
            Err(placeholder::Refused)
        );
        assert_eq!(
            decide(&v(&["0.9.0"]), &proxy, "1.0.0", Auto),
            Ok(publish(false, false, none, false))
        );
        let yanked = listed(&[(PLACEHOLDER_VERSION, true)]);
        assert_eq!(
            decide(&v(&[PLACEHOLDER_VERSION]), &yanked, "1.0.0", Auto),
            Ok(publish(false, false, Leftover::Yanked, false))
        );
        let there = listed(&[(PLACEHOLDER_VERSION, false), ("1.0.0", false)]);
        assert_eq!(
            decide(&v(&[PLACEHOLDER_VERSION, "1.0.0"]), &there, "1.0.0", Auto),
            Ok(Decision::Already {
                leftover: Leftover::InRegistry
            })
        );
    }
}
