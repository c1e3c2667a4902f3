//! The rules: what one name from one registry amounts to.

use crate::shell::clean_line;

use super::{Finding, Kind, Level, Usage};

/// CNB versions named in one message; the JSON report has them all.
const VERSIONS_SHOWN: usize = 5;

/// `a, b, c and 4 more`, cleaned: versions come from a server.
fn some_versions(versions: &[String]) -> String {
    let mut shown: Vec<String> = versions
        .iter()
        .take(VERSIONS_SHOWN)
        .map(|v| format!("`{}`", clean_line(v)))
        .collect();
    if versions.len() > VERSIONS_SHOWN {
        shown.push(format!("{} more", versions.len() - VERSIONS_SHOWN));
    }
    shown.join(", ")
}

/// One name from one registry, with what CNB and crates.io said of it.
struct Subject<'a> {
    registry: &'a str,
    name: &'a str,
    declared: bool,
    cnb_versions: Vec<String>,
    crates_io: Option<bool>,
}

impl Subject<'_> {
    fn finding(
        &self,
        level: Level,
        kind: Kind,
        locked: Option<String>,
        message: String,
        hint: String,
    ) -> Finding {
        Finding {
            level,
            kind,
            registry: self.registry.to_string(),
            name: self.name.to_string(),
            locked,
            declared: self.declared,
            cnb_versions: self.cnb_versions.clone(),
            crates_io: self.crates_io,
            message,
            hint,
        }
    }
}

/// The findings for one name from one registry.
pub(super) fn judge(
    usage: &Usage,
    name: &str,
    cnb_versions: Vec<String>,
    crates_io: Option<bool>,
) -> Vec<Finding> {
    let subject = Subject {
        registry: usage.registry.name.as_str(),
        name,
        declared: usage.declared.contains(name),
        cnb_versions,
        crates_io,
    };
    let locked: Vec<Option<String>> = match usage.locked.get(name) {
        Some(versions) => versions.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    if subject.cnb_versions.is_empty() {
        return confusion(&subject, locked);
    }
    let mut findings = proxied_locks(&subject, locked.into_iter().flatten());
    findings.extend(shadowed(&subject));
    findings
}

/// The registry holds no version of the name: each use of it resolves
/// to crates.io's crate.
fn confusion(subject: &Subject, locked: Vec<Option<String>>) -> Vec<Finding> {
    let Subject {
        registry,
        name,
        declared,
        ..
    } = *subject;
    let owner = match subject.crates_io {
        Some(false) => format!(
            "crates.io has no `{name}` either: whoever registers that name on crates.io would supply it"
        ),
        Some(true) => format!("whoever owns `{name}` on crates.io controls that code"),
        None => format!("whoever owns (or registers) `{name}` on crates.io controls that code"),
    };
    let hint = if declared {
        format!(
            "publish `{name}` to `{registry}` (`cnbcargo publish` in its workspace) and run `cargo update -p {name}`; if crates.io's `{name}` is the one meant, drop `registry = \"{registry}\"`"
        )
    } else {
        format!(
            "publish `{name}` to `{registry}`, or make the crates that depend on it take it from crates.io, then run `cargo update -p {name}`"
        )
    };
    let mut findings = Vec::new();
    for locked in locked {
        let message = match (&locked, declared) {
            (Some(v), true) => format!(
                "`{name}` is declared with `registry = \"{registry}\"`, but `{registry}` holds no version of it: the registry serves crates.io's index for the name, and cargo locked `{name}@{v}` through it; {owner}"
            ),
            (None, _) => format!(
                "`{name}` is declared with `registry = \"{registry}\"`, but `{registry}` holds no version of it: the registry serves crates.io's index for the name, so cargo resolves it to crates.io's crate; {owner}"
            ),
            (Some(v), false) => format!(
                "`Cargo.lock` pins `{name}@{v}` from `{registry}`, which holds no version of `{name}`: it came through the registry's crates.io proxy; {owner}"
            ),
        };
        findings.push(subject.finding(
            Level::Error,
            Kind::DependencyConfusion,
            locked,
            message,
            hint.clone(),
        ));
    }
    findings
}

/// Locked versions that are not the registry's own came through the proxy.
fn proxied_locks(subject: &Subject, locked: impl Iterator<Item = String>) -> Vec<Finding> {
    let Subject { registry, name, .. } = *subject;
    locked
        .filter(|version| !subject.cnb_versions.contains(version))
        .map(|version| {
            subject.finding(
                Level::Error,
                Kind::LockedThroughProxy,
                Some(version.clone()),
                format!(
                    "`Cargo.lock` pins `{name}@{version}` from `{registry}`, which is not one of `{registry}`'s own versions of `{name}` ({}): it was locked through the registry's crates.io proxy, from crates.io's crate",
                    some_versions(&subject.cnb_versions)
                ),
                format!(
                    "run `cargo update -p {name}@{version}` to lock one of `{registry}`'s own versions"
                ),
            )
        })
        .collect()
}

/// A name in the registry and on crates.io hides crates.io's crate.
fn shadowed(subject: &Subject) -> Option<Finding> {
    let Subject { registry, name, .. } = *subject;
    (subject.crates_io == Some(true)).then(|| {
        subject.finding(
            Level::Warning,
            Kind::Shadowed,
            None,
            format!(
                "`{name}` is in `{registry}` and on crates.io: those who use `{registry}` as a crates.io mirror no longer reach crates.io's `{name}` through it, and deleting every version of `{name}` in `{registry}` would make the name fall through to crates.io's crate"
            ),
            format!(
                "keep at least one version of `{name}` in `{registry}` (yank rather than delete the last one)"
            ),
        )
    })
}
