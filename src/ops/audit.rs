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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::cargo_config::RegistryDef;
use crate::client::sparse::SparseIndex;
use crate::context::Context;
use crate::env;
use crate::error::UserError;
use crate::explain::{Op, VersionNames, explain};
use crate::registry_url::IndexUrl;
use crate::settings;
use crate::shell::clean_line;

/// crates.io's sparse index, unless `CNBCARGO_CRATES_IO_INDEX` says otherwise.
pub const CRATES_IO_INDEX: &str = "https://index.crates.io/";
/// Lookups in flight at once (CNB's API and crates.io's index together).
const JOBS: usize = 8;
/// CNB versions named in one message; the JSON report has them all.
const VERSIONS_SHOWN: usize = 5;

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

/// One `[[package]]` of `Cargo.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    pub source: Option<String>,
}

/// Reads `Cargo.lock`'s packages; `Ok(None)` when there is no lock file.
/// Anything that is not a lock file is an error, never a panic.
pub fn read_lock(path: &Path) -> Result<Option<Vec<Locked>>> {
    let Some(bytes) = crate::fs::read_regular(path)? else {
        return Ok(None);
    };
    parse_lock(&bytes).map(Some).map_err(|why| {
        UserError::new(format!(
            "`{}` is not a valid `Cargo.lock`: {why}",
            path.display()
        ))
        .hint("run `cargo generate-lockfile` to write it again")
        .into()
    })
}

fn parse_lock(bytes: &[u8]) -> Result<Vec<Locked>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_string())?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| clean_line(e.message()).trim().to_string())?;
    let Some(item) = doc.get("package") else {
        return Ok(Vec::new());
    };
    let tables = item
        .as_array_of_tables()
        .ok_or("`package` is not an array of tables (`[[package]]`)")?;
    let mut packages = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let field = |key: &str| table.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err(format!(
                "`[[package]]` number {} lacks `name` or `version`",
                i + 1
            ));
        };
        crate::spec::validate_crate_name(&name)
            .map_err(|_| format!("`{}` is not a crate name", clean_line(&name)))?;
        packages.push(Locked {
            name,
            version,
            source: field("source"),
        });
    }
    Ok(packages)
}

/// crates.io's index: `CNBCARGO_CRATES_IO_INDEX`, else `https://index.crates.io/`.
pub fn crates_io_index() -> Result<IndexUrl> {
    let Some(text) = env::var_non_empty(env::CNBCARGO_CRATES_IO_INDEX) else {
        return Ok(
            IndexUrl::from_config_value(&format!("sparse+{CRATES_IO_INDEX}"))
                .expect("crates.io's index URL parses"),
        );
    };
    let prefixed = if text.starts_with("sparse+") {
        text.clone()
    } else {
        format!("sparse+{text}")
    };
    IndexUrl::from_config(&prefixed).map_err(|e| {
        UserError::new(format!(
            "`{}` is not a sparse index URL",
            env::CNBCARGO_CRATES_IO_INDEX
        ))
        .hint(
            "set it to crates.io's sparse index or a mirror of it, e.g. `https://index.crates.io/`",
        )
        .caused_by(e)
        .into()
    })
}

/// Whether crates.io's index lists each name (`None` where it could not be
/// asked), and the first failure, explained. Never sends a token.
pub fn crates_io_has(
    ctx: &Context,
    names: &[String],
) -> Result<(Vec<Option<bool>>, Option<anyhow::Error>)> {
    let index = crates_io_index()?;
    let http = ctx.http()?;
    let sparse = SparseIndex::new(http, index.clone(), None);
    let answers = crate::parallel::map(names, JOBS, |name| sparse.versions(name));
    let mut failure = None;
    let found = answers
        .into_iter()
        .map(|answer| match answer {
            Ok(entries) => Some(!entries.is_empty()),
            Err(err) => {
                failure.get_or_insert(err);
                None
            }
        })
        .collect();
    let failure = failure.map(|err| {
        let err = explain(
            err,
            format!("cannot ask crates.io's index `{index}` which crate names it has"),
            Op::Read,
        );
        UserError::new(format!("{err:#}"))
            .hint(format!(
                "where crates.io is out of reach, point `{}` at a mirror of its sparse index",
                env::CNBCARGO_CRATES_IO_INDEX
            ))
            .into()
    });
    Ok((found, failure))
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
        return Err(
            UserError::new("no CNB registry is configured here: nothing to audit")
                .hint("run `cnbcargo init <group/registry>` first, or pass `--registry NAME`")
                .into(),
        );
    }
    chosen
        .into_iter()
        .map(|registry| {
            let index = crate::settings::registry_index(&registry, "be audited")?;
            Ok((registry, index))
        })
        .collect()
}

/// Audits the project in the current directory against the CNB registries
/// (`requested` narrows them to one). Errors are for what stops the audit
/// (no project, a malformed lock file, CNB's API refusing); crates.io out
/// of reach is not one: it is in the report.
pub fn run(ctx: &Context, requested: Option<&str>, endpoint_flag: Option<&str>) -> Result<Report> {
    let shell = &ctx.shell;
    let metadata = ctx.cargo.workspace(None).map_err(|e| {
        // A cargo stopped at its limit says so itself: no project is
        // missing then.
        if crate::cargo::stopped(&e) {
            return e;
        }
        UserError::new("cannot read the project's manifests")
            .hint("run `cnbcargo audit` in a cargo project or workspace")
            .caused_by(e)
            .into()
    })?;
    let lock_path = metadata.workspace_root.join("Cargo.lock");
    let lock = read_lock(&lock_path)?;
    if lock.is_none() {
        shell.note(format!(
            "no `{}`: only the declared dependencies are checked",
            lock_path.display()
        ));
        shell.hint("run `cargo generate-lockfile` to check what cargo would lock too");
    }

    let mut usages: Vec<Usage> = registries(ctx, requested)?
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
    for package in lock.iter().flatten() {
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

    // What CNB holds (per registry and name) and what crates.io has (per
    // name), all asked side by side.
    let mut apis = Vec::new();
    for usage in &usages {
        if usage.names().is_empty() {
            apis.push(None);
            continue;
        }
        let via_provider = ctx.via_provider(&usage.registry)?;
        let (token, _) =
            settings::require_token(&usage.registry, ctx.cargo_home()?, via_provider, shell)?;
        apis.push(Some(ctx.api_for(&usage.index, &token, endpoint_flag)?));
    }
    let mut lookups: Vec<(usize, String)> = Vec::new();
    for (i, usage) in usages.iter().enumerate() {
        lookups.extend(usage.names().into_iter().map(|name| (i, name)));
    }
    let all_names: Vec<String> = lookups
        .iter()
        .map(|(_, name)| name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (cnb, crates_io) = std::thread::scope(|scope| {
        let crates_io = scope.spawn(|| crates_io_has(ctx, &all_names));
        let cnb = crate::parallel::map(&lookups, JOBS, |(i, name)| {
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
    let crates_io_has = |name: &str| {
        all_names
            .iter()
            .position(|n| n == name)
            .and_then(|i| on_crates_io[i])
    };

    let mut findings = Vec::new();
    for ((i, name), versions) in lookups.iter().zip(cnb) {
        let usage = &usages[*i];
        let versions = versions?;
        findings.extend(judge(usage, name, versions, crates_io_has(name)));
    }
    findings.sort_by(|a, b| {
        (&a.registry, &a.name, a.kind, &a.locked).cmp(&(&b.registry, &b.name, b.kind, &b.locked))
    });
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings.len() - errors;
    Ok(Report {
        ok: errors == 0,
        workspace_root: metadata.workspace_root.clone(),
        lock_file: lock.is_some(),
        registries: usages
            .iter()
            .map(|u| RegistryReport {
                name: u.registry.name.clone(),
                index: u.index.to_string(),
                names: u.names().into_iter().collect(),
            })
            .collect(),
        crates_io: CratesIoReport {
            index: crates_io_index()?.to_string(),
            reachable: crates_io_error.is_none(),
            error: crates_io_error.map(|e| format!("{e:#}")),
        },
        findings,
        summary: Summary {
            names: lookups.len(),
            errors,
            warnings,
        },
    })
}

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

/// The findings for one name from one registry.
fn judge(
    usage: &Usage,
    name: &str,
    cnb_versions: Vec<String>,
    crates_io: Option<bool>,
) -> Vec<Finding> {
    let registry = usage.registry.name.as_str();
    let declared = usage.declared.contains(name);
    let locked: Vec<Option<String>> = match usage.locked.get(name) {
        Some(versions) => versions.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    let finding = |level, kind, locked: Option<String>, message: String, hint: String| Finding {
        level,
        kind,
        registry: registry.to_string(),
        name: name.to_string(),
        locked,
        declared,
        cnb_versions: cnb_versions.clone(),
        crates_io,
        message,
        hint,
    };
    let mut findings = Vec::new();
    if cnb_versions.is_empty() {
        let owner = match crates_io {
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
            findings.push(finding(
                Level::Error,
                Kind::DependencyConfusion,
                locked,
                message,
                hint.clone(),
            ));
        }
        return findings;
    }
    for version in locked.into_iter().flatten() {
        if cnb_versions.contains(&version) {
            continue;
        }
        findings.push(finding(
            Level::Error,
            Kind::LockedThroughProxy,
            Some(version.clone()),
            format!(
                "`Cargo.lock` pins `{name}@{version}` from `{registry}`, which is not one of `{registry}`'s own versions of `{name}` ({}): it was locked through the registry's crates.io proxy, from crates.io's crate",
                some_versions(&cnb_versions)
            ),
            format!(
                "run `cargo update -p {name}@{version}` to lock one of `{registry}`'s own versions"
            ),
        ));
    }
    if crates_io == Some(true) {
        findings.push(finding(
            Level::Warning,
            Kind::Shadowed,
            None,
            format!(
                "`{name}` is in `{registry}` and on crates.io: those who use `{registry}` as a crates.io mirror no longer reach crates.io's `{name}` through it, and deleting every version of `{name}` in `{registry}` would make the name fall through to crates.io's crate"
            ),
            format!(
                "keep at least one version of `{name}` in `{registry}` (yank rather than delete the last one)"
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_are_read_and_bad_ones_refused() {
        let lock = parse_lock(
            br#"version = 4

[[package]]
name = "a"
version = "0.1.0"

[[package]]
name = "b"
version = "1.0.0"
source = "sparse+http://127.0.0.1:1/acme/crates/-/packages/"
"#,
        )
        .unwrap();
        assert_eq!(lock.len(), 2);
        assert_eq!(lock[0].source, None);
        assert_eq!(
            lock[1].source.as_deref(),
            Some("sparse+http://127.0.0.1:1/acme/crates/-/packages/")
        );
        assert!(parse_lock(b"").unwrap().is_empty());
        for bad in [
            &b"[[package]\nname = 1"[..],
            b"package = 3",
            b"[[package]]\nname = \"a\"",
            b"[[package]]\nname = \"../x\"\nversion = \"1\"",
            b"\xff\xfe",
        ] {
            assert!(parse_lock(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn lock_parsing_never_panics(text in "\\PC{0,200}") {
            let _ = parse_lock(text.as_bytes());
        }
    }
}
