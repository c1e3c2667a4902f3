//! The supply-chain audit of a project's CNB dependencies, shared by
//! `cnbcargo audit`, `doctor` and (for crates.io's side) `delete`.
//!
//! CNB's registry serves crates.io's index for any crate name it holds no
//! version of (the merge rule is inferred from what the registry serves,
//! so every check here goes by what CNB's API and the indexes answer):
//! - a dependency declared with `registry = "<cnb>"` whose name has no
//!   version in CNB resolves, silently, to crates.io's crate of that name,
//!   which whoever owns the name on crates.io controls;
//! - a lock file can pin a version that is not one of CNB's own: it was
//!   resolved through the proxy;
//! - once a name has any version in CNB, crates.io's crate of that name is
//!   no longer reachable through the registry, and deleting every CNB
//!   version makes the name fall through to crates.io's crate again.

mod crates_io;
mod judge;
mod lock;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::cargo_config::RegistryDef;
use crate::context::Context;
use crate::error::UserError;
use crate::explain::VersionNames;
use crate::registry_url::IndexUrl;
use crate::settings;
use crate::shell::plural;
use crate::workspace::Metadata;

pub use crates_io::{crates_io_has, crates_io_index};
pub use lock::{Locked, read_lock};

/// Lookups in flight at once (CNB's API and crates.io's index together).
const JOBS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// ✗: the build can get code from someone else than the registry's owners.
    Error,
    /// !: nothing is wrong yet, but a delete would make it so.
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The registry holds no version of the name: it resolves to crates.io's crate.
    DependencyConfusion,
    /// The locked version is not one of the registry's own.
    LockedThroughProxy,
    /// The name is in the registry and on crates.io.
    Shadowed,
}

impl Kind {
    /// The id of `doctor`'s check for this kind.
    pub fn check_id(self) -> &'static str {
        match self {
            Kind::DependencyConfusion => "audit.confusion",
            Kind::LockedThroughProxy => "audit.lock",
            Kind::Shadowed => "audit.shadowed",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub level: Level,
    pub kind: Kind,
    /// The registry's name in cargo's config.
    pub registry: String,
    pub name: String,
    /// The version `Cargo.lock` pins from the registry, if any.
    pub locked: Option<String>,
    /// Declared with `registry = ...` by a workspace member (else only locked).
    pub declared: bool,
    /// Every version the registry holds of the name (CNB's API).
    pub cnb_versions: Vec<String>,
    /// Whether crates.io's index lists the name; `null` when it could not be asked.
    pub crates_io: Option<bool>,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegistryReport {
    pub name: String,
    pub index: String,
    /// Crate names from this registry the project declares or locks.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CratesIoReport {
    pub index: String,
    /// `false` when a lookup failed; the `shadowed` check is then incomplete.
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub names: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// What `cnbcargo audit --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// No `error` finding.
    pub ok: bool,
    pub workspace_root: PathBuf,
    /// `Cargo.lock` was found and read.
    pub lock_file: bool,
    pub registries: Vec<RegistryReport>,
    pub crates_io: CratesIoReport,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

/// What the audit could not check, shown before its findings (by
/// `audit` as a warning, by `doctor` as a warning check).
pub struct Notice {
    pub message: String,
    pub hint: String,
}

impl Report {
    /// crates.io out of reach: names shadowed there go unreported.
    pub fn crates_io_notice(&self) -> Option<Notice> {
        self.crates_io.error.as_ref().map(|error| Notice {
            message: format!(
                "crates.io's index could not be asked, so names shadowed there are not reported: {error}"
            ),
            hint: crates_io::out_of_reach_hint(),
        })
    }

    /// What was checked and against what: ``2 crate names from `a` against
    /// CNB's API and crates.io's index``.
    pub fn scope(&self) -> String {
        let registries: Vec<String> = self
            .registries
            .iter()
            .map(|r| format!("`{}`", r.name))
            .collect();
        let against = if self.crates_io.reachable {
            "CNB's API and crates.io's index"
        } else {
            "CNB's API only (crates.io's index could not be asked)"
        };
        format!(
            "{} from {} against {against}",
            plural(self.summary.names, "crate name", "crate names"),
            registries.join(", ")
        )
    }

    /// The dependencies that resolve through the crates.io proxy, counted
    /// by name: one name locked at two versions is one dependency.
    pub fn proxied_dependencies(&self) -> usize {
        let mut names: Vec<(&str, &str)> = self
            .findings
            .iter()
            .filter(|f| f.level == Level::Error)
            .map(|f| (f.registry.as_str(), f.name.as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }
}

/// The project as the audit sees it: which names each CNB registry
/// supplies, declared or locked.
struct Usage {
    registry: RegistryDef,
    index: IndexUrl,
    /// Names declared with `registry = ...` by a workspace member.
    declared: BTreeSet<String>,
    /// Name → versions `Cargo.lock` pins from this registry.
    locked: BTreeMap<String, BTreeSet<String>>,
}

impl Usage {
    fn names(&self) -> BTreeSet<String> {
        self.declared
            .iter()
            .chain(self.locked.keys())
            .cloned()
            .collect()
    }

    fn report(&self) -> RegistryReport {
        RegistryReport {
            name: self.registry.name.clone(),
            index: self.index.to_string(),
            names: self.names().into_iter().collect(),
        }
    }
}

/// The CNB registries to audit: `--registry`, else every registry in
/// cargo's config whose index has CNB's shape.
fn registries(ctx: &Context, requested: Option<&str>) -> Result<Vec<(RegistryDef, IndexUrl)>> {
    let chosen = match requested {
        Some(name) => vec![ctx.registry(Some(name))?],
        None => ctx
            .config()?
            .registries()
            .into_iter()
            .filter(|r| r.index_url().is_some_and(|u| u.looks_like_cnb()))
            .collect(),
    };
    if chosen.is_empty() {
        return Err(settings::no_cnb_registry(&ctx.config()?.registries()));
    }
    chosen
        .into_iter()
        .map(|registry| {
            let index = settings::registry_index(&registry, "be audited")?;
            Ok((registry, index))
        })
        .collect()
}

/// Audits the project in the current directory against the CNB registries
/// (`requested` narrows them to one). Errors are for what stops the audit
/// (no registry, no project, a malformed lock file, CNB's API refusing);
/// crates.io out of reach is not one: it is in the report.
pub fn run(ctx: &Context, requested: Option<&str>, endpoint_flag: Option<&str>) -> Result<Report> {
    // The registries first: before `cnbcargo init`, cargo cannot read a
    // project that names the registry either, and the registry is what
    // is missing.
    let registries = registries(ctx, requested)?;
    let metadata = project(ctx)?;
    let lock_path = metadata.workspace_root.join("Cargo.lock");
    let lock = read_lock(&lock_path)?;
    if lock.is_none() {
        ctx.shell.note(format!(
            "no `{}`: only the declared dependencies are checked",
            lock_path.display()
        ));
        ctx.shell
            .hint("run `cargo generate-lockfile` to check what cargo would lock too");
    }
    let usages = usages(registries, &metadata, lock.as_deref().unwrap_or_default());
    let mut lookups: Vec<(usize, String)> = Vec::new();
    for (i, usage) in usages.iter().enumerate() {
        lookups.extend(usage.names().into_iter().map(|name| (i, name)));
    }
    let answers = ask(ctx, &usages, &lookups, endpoint_flag)?;
    let mut findings = Vec::new();
    for ((i, name), versions) in lookups.iter().zip(answers.cnb) {
        let on_crates_io = answers.crates_io.get(name).copied().flatten();
        findings.extend(judge::judge(&usages[*i], name, versions?, on_crates_io));
    }
    findings.sort_by(|a, b| {
        (&a.registry, &a.name, a.kind, &a.locked).cmp(&(&b.registry, &b.name, b.kind, &b.locked))
    });
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    Ok(Report {
        ok: errors == 0,
        workspace_root: metadata.workspace_root.clone(),
        lock_file: lock.is_some(),
        registries: usages.iter().map(Usage::report).collect(),
        crates_io: CratesIoReport {
            index: crates_io_index()?.to_string(),
            reachable: answers.crates_io_error.is_none(),
            error: answers.crates_io_error.map(|e| format!("{e:#}")),
        },
        summary: Summary {
            names: lookups.len(),
            errors,
            warnings: findings.len() - errors,
        },
        findings,
    })
}

/// The project's manifests, as `cargo metadata` reads them.
fn project(ctx: &Context) -> Result<Metadata> {
    ctx.cargo.workspace(None).map_err(|e| {
        // A cargo stopped at its limit says so itself: no project is
        // missing then.
        if crate::cargo::stopped(&e) {
            return e;
        }
        // In a project (a `Cargo.toml` here or above, which cargo could
        // not read), cargo's own error below says what to fix.
        let in_project = ctx
            .cwd()
            .is_ok_and(|cwd| cwd.ancestors().any(|d| d.join("Cargo.toml").is_file()));
        let hint = if in_project {
            "fix what cargo reports about the project's manifests"
        } else {
            "run `cnbcargo audit` in a cargo project or workspace"
        };
        UserError::new("cannot read the project's manifests")
            .hint(hint)
            .caused_by(e)
            .into()
    })
}

/// Which names each registry supplies: declared by a member, or locked.
fn usages(
    registries: Vec<(RegistryDef, IndexUrl)>,
    metadata: &Metadata,
    lock: &[Locked],
) -> Vec<Usage> {
    let mut usages: Vec<Usage> = registries
        .into_iter()
        .map(|(registry, index)| Usage {
            registry,
            index,
            declared: BTreeSet::new(),
            locked: BTreeMap::new(),
        })
        .collect();
    for member in &metadata.packages {
        for dep in &member.dependencies {
            // A path dependency builds from its path here, but one with a
            // `registry` is published pointing there: what its users get
            // is what the registry serves for the name. A dev one is not
            // part of what users resolve.
            if dep.path.is_some() && !dep.travels() {
                continue;
            }
            let Some(url) = dep.registry.as_deref().and_then(IndexUrl::normalize) else {
                continue;
            };
            if let Some(usage) = usages.iter_mut().find(|u| u.index == url) {
                usage.declared.insert(dep.name.clone());
            }
        }
    }
    for package in lock {
        let Some(url) = package.source.as_deref().and_then(IndexUrl::normalize) else {
            continue;
        };
        if let Some(usage) = usages.iter_mut().find(|u| u.index == url) {
            usage
                .locked
                .entry(package.name.clone())
                .or_default()
                .insert(package.version.clone());
        }
    }
    usages
}

/// What CNB and crates.io answered.
struct Answers {
    /// CNB's versions, one answer per lookup.
    cnb: Vec<Result<Vec<String>>>,
    /// Whether crates.io lists each name (`None`: it could not be asked).
    crates_io: BTreeMap<String, Option<bool>>,
    crates_io_error: Option<anyhow::Error>,
}

/// What CNB holds (per registry and name) and what crates.io has (per
/// name), all asked side by side.
fn ask(
    ctx: &Context,
    usages: &[Usage],
    lookups: &[(usize, String)],
    endpoint_flag: Option<&str>,
) -> Result<Answers> {
    let mut apis = Vec::new();
    for usage in usages {
        if usage.names().is_empty() {
            apis.push(None);
            continue;
        }
        let via_provider = ctx.via_provider(&usage.registry)?;
        let (token, _) =
            settings::require_token(&usage.registry, ctx.cargo_home()?, via_provider, &ctx.shell)?;
        apis.push(Some(ctx.api_for(&usage.index, &token, endpoint_flag)?));
    }
    let names: Vec<String> = lookups
        .iter()
        .map(|(_, name)| name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (cnb, crates_io) = std::thread::scope(|scope| {
        let crates_io = scope.spawn(|| crates_io_has(ctx, &names));
        let cnb = crate::parallel::map(lookups, JOBS, |(i, name)| {
            let api = apis[*i]
                .as_ref()
                .expect("an API for every registry with names");
            api.version_names(name)
        });
        let crates_io = crates_io
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (cnb, crates_io)
    });
    let (on_crates_io, crates_io_error) = crates_io?;
    Ok(Answers {
        cnb,
        crates_io: names.into_iter().zip(on_crates_io).collect(),
        crates_io_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(registry: &str, name: &str, level: Level, locked: &str) -> Finding {
        Finding {
            level,
            kind: Kind::LockedThroughProxy,
            registry: registry.into(),
            name: name.into(),
            locked: Some(locked.into()),
            declared: true,
            cnb_versions: Vec::new(),
            crates_io: None,
            message: String::new(),
            hint: String::new(),
        }
    }

    fn report(names: usize, error: Option<&str>, findings: Vec<Finding>) -> Report {
        Report {
            ok: true,
            workspace_root: PathBuf::from("/p"),
            lock_file: true,
            registries: ["a", "b"]
                .map(|name| RegistryReport {
                    name: name.into(),
                    index: String::new(),
                    names: Vec::new(),
                })
                .into(),
            crates_io: CratesIoReport {
                index: "https://index.crates.io/".into(),
                reachable: error.is_none(),
                error: error.map(str::to_string),
            },
            findings,
            summary: Summary {
                names,
                errors: 0,
                warnings: 0,
            },
        }
    }

    #[test]
    fn the_scope_says_what_was_asked() {
        let asked = report(1, None, Vec::new());
        assert_eq!(
            asked.scope(),
            "1 crate name from `a`, `b` against CNB's API and crates.io's index"
        );
        assert!(asked.crates_io_notice().is_none());
        let unreachable = report(3, Some("refused"), Vec::new());
        assert_eq!(
            unreachable.scope(),
            "3 crate names from `a`, `b` against CNB's API only (crates.io's index could not be asked)"
        );
        let notice = unreachable.crates_io_notice().unwrap();
        assert!(notice.message.ends_with("are not reported: refused"));
        assert!(notice.hint.contains(crate::env::CNBCARGO_CRATES_IO_INDEX));
    }

    #[test]
    fn proxied_dependencies_are_counted_by_registry_and_name() {
        let findings = vec![
            finding("a", "x", Level::Error, "1.0.0"),
            finding("a", "x", Level::Error, "2.0.0"),
            finding("b", "x", Level::Error, "1.0.0"),
            finding("a", "y", Level::Warning, "1.0.0"),
        ];
        assert_eq!(report(2, None, findings).proxied_dependencies(), 2);
    }
}
