//! Copying crates into a CNB registry, byte for byte: each version's
//! original `.crate`, its checksum checked against the source's index, is
//! uploaded through the destination's Web API with publish metadata
//! rebuilt from the source's index entry; yanks are replayed; versions
//! already there are skipped, so a rerun resumes.

pub mod budget;
pub mod manifest;
pub mod select;
pub mod source;
pub mod summary;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::client::cnb::CnbApi;
use crate::client::sparse::{FullEntry, SparseIndex};
use crate::client::webapi::WebApi;
use crate::explain::VersionNames;
use crate::ops::placeholder::{self, Leftover, PlaceholderReport, VERSION as PLACEHOLDER_VERSION};
use crate::ops::wait;
use crate::shell::Shell;
use crate::spec::VersionMatch;
use source::Source;

/// The registry crates are copied into.
pub struct Destination<'h> {
    pub name: String,
    pub api: CnbApi<'h>,
    pub web: WebApi<'h>,
    pub index: SparseIndex<'h>,
    /// How long its index (and API) may take to show an upload or a yank
    /// (`--index-timeout`; 60 s by default, as cargo waits after a publish).
    pub index_timeout: Duration,
}

/// One name to copy, with the versions wanted.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub name: String,
    pub versions: VersionMatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Copied,
    /// The destination had it already, as the source has it.
    Skipped,
    /// The destination had it, unyanked: yanked now, as in the source.
    Yanked,
    Failed,
    /// `--dry-run`: would be copied.
    Planned,
    /// Never copied: cnbcargo's own placeholder version, a leftover in the
    /// source (copied, the next run would delete it as its own leftover).
    Ignored,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub name: String,
    pub version: String,
    pub action: Action,
    /// Yanked in the source (and so in the destination once copied).
    pub yanked: bool,
    /// A failed version that is in the destination all the same (its yank
    /// or the check after the upload failed): a rerun finishes it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub uploaded: bool,
    /// A failed version the destination holds with other bytes than the
    /// source's (left as it is).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conflict: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl VersionReport {
    fn new(entry: &FullEntry, action: Action) -> VersionReport {
        VersionReport {
            name: entry.name.clone(),
            version: entry.vers.clone(),
            action,
            yanked: entry.yanked,
            uploaded: false,
            conflict: false,
            error: None,
        }
    }

    fn failed(entry: &FullEntry, uploaded: bool, why: String) -> VersionReport {
        VersionReport {
            uploaded,
            error: Some(why),
            ..VersionReport::new(entry, Action::Failed)
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub versions: Vec<VersionReport>,
    pub placeholders: Vec<PlaceholderReport>,
}

impl Report {
    pub fn count(&self, action: Action) -> usize {
        self.versions.iter().filter(|v| v.action == action).count()
    }

    /// Versions the destination holds with other bytes than the source's.
    pub fn conflicts(&self) -> usize {
        self.versions.iter().filter(|v| v.conflict).count()
    }

    /// Versions this run put in the destination.
    pub fn uploaded(&self) -> usize {
        self.versions
            .iter()
            .filter(|v| v.action == Action::Copied || v.uploaded)
            .count()
    }
}

/// What the command layer hears as the work goes: each version's outcome
/// (for the progress bar and the per-version lines).
pub trait Progress: Sync {
    fn planned(&self, to_copy: usize);
    fn done(&self, version: &VersionReport);
}

enum Todo {
    Copy,
    /// In the destination already, as it lists it (when it does).
    Present(Option<FullEntry>),
    /// Not a version that can be copied (the reason).
    Refused(String),
    /// cnbcargo's placeholder: not a real version, never copied.
    Ignored,
}

struct Item {
    entry: FullEntry,
    todo: Todo,
}

/// The versions of one name, as found in the source and the destination.
struct NamePlan {
    name: String,
    items: Vec<Item>,
    /// The destination holds no version of its own (CNB's API): its index
    /// lists the crates.io proxy's.
    destination_empty: bool,
    /// What the destination's index lists for the name.
    listed: Vec<FullEntry>,
    /// An earlier run's placeholder.
    leftover: Leftover,
}

impl NamePlan {
    fn to_copy(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| matches!(i.todo, Todo::Copy))
    }

    /// The destination holds no version of the name (a leftover
    /// placeholder aside): its first upload creates the crate there.
    fn is_new(&self) -> bool {
        self.destination_empty || self.listed.iter().all(|l| l.vers == PLACEHOLDER_VERSION)
    }

    /// A placeholder must go up first: the index the destination serves
    /// for the name is the proxy's, and lists a version being copied.
    fn collides(&self) -> bool {
        placeholder::collides(
            self.destination_empty,
            &self.listed,
            self.to_copy().map(|i| i.entry.vers.as_str()),
        )
    }
}

/// Plans and (unless `dry_run`) carries out the copy. Failures of single
/// versions are in the report; the rest goes on.
pub fn run(
    source: &Source<'_>,
    dest: &Destination<'_>,
    wanted: &[Wanted],
    jobs: usize,
    dry_run: bool,
    shell: &Shell,
    progress: &dyn Progress,
) -> Result<Report> {
    let work = Work {
        source,
        dest,
        jobs,
        dry_run,
        shell,
        progress,
        budget: budget::Budget::new(budget::CRATE_BYTES),
    };
    budget::return_large_frees();
    let mut report = Report::default();
    let mut plans = work.look_up_all(wanted, &mut report);
    refuse_missing_dependencies(source, dest, &mut plans, jobs);
    work.settle_present(&plans, &mut report);
    progress.planned(plans.iter().map(|p| p.to_copy().count()).sum());
    for level in levels(&plans, source) {
        let level: Vec<&NamePlan> = level.into_iter().map(|i| &plans[i]).collect();
        work.copy_level(&level, &mut report);
    }
    Ok(report)
}

/// One run's settings and helpers, shared by its steps.
struct Work<'r, 'h> {
    source: &'r Source<'h>,
    dest: &'r Destination<'h>,
    jobs: usize,
    dry_run: bool,
    shell: &'r Shell,
    progress: &'r dyn Progress,
    budget: budget::Budget,
}

impl Work<'_, '_> {
    /// What each side has, name by name, side by side; a name that
    /// cannot be looked up is a failure in the report.
    fn look_up_all(&self, wanted: &[Wanted], report: &mut Report) -> Vec<NamePlan> {
        let (source, dest, progress) = (self.source, self.dest, self.progress);
        let looked_up = crate::parallel::map(wanted, self.jobs, |w| look_up(source, dest, w));
        let mut plans = Vec::new();
        for (w, result) in wanted.iter().zip(looked_up) {
            match result {
                Ok(plan) => plans.push(plan),
                Err(err) => {
                    let failed = VersionReport {
                        name: w.name.clone(),
                        version: "*".to_string(),
                        action: Action::Failed,
                        yanked: false,
                        uploaded: false,
                        conflict: false,
                        error: Some(format!("{err:#}")),
                    };
                    progress.done(&failed);
                    report.versions.push(failed);
                }
            }
        }
        plans
    }

    /// What is there already: as the source has it, or yanked now to match,
    /// or (other bytes) a conflict left alone.
    fn settle_present(&self, plans: &[NamePlan], report: &mut Report) {
        let (dest, dry_run, progress) = (self.dest, self.dry_run, self.progress);
        for plan in plans {
            for item in &plan.items {
                let outcome = match &item.todo {
                    Todo::Copy => continue,
                    Todo::Ignored => VersionReport::new(&item.entry, Action::Ignored),
                    Todo::Refused(why) => VersionReport::failed(&item.entry, false, why.clone()),
                    Todo::Present(listed) => present(dest, &item.entry, listed.as_ref(), dry_run),
                };
                progress.done(&outcome);
                report.versions.push(outcome);
            }
        }
    }

    /// One level of names: placeholders up where needed, the copies,
    /// their check, and the placeholders gone again.
    fn copy_level(&self, level: &[&NamePlan], report: &mut Report) {
        let (dest, dry_run, shell) = (self.dest, self.dry_run, self.shell);
        // Names whose versions are not uploaded, and why.
        let mut blocked = BTreeMap::new();
        let uploaded_placeholders = self.upload_placeholders(level, &mut blocked, report);
        self.wait_placeholders(&uploaded_placeholders, &mut blocked);
        let mut results = self.copy_versions(level, &blocked);

        // The next level depends on this one, a yank needs the version
        // there, and a placeholder may only go once the name's own
        // versions are served: wait until the destination's index lists
        // the copies as its own, replay the yanks, and check them.
        let uploaded: Vec<bool> = results.iter().map(|o| o.action == Action::Copied).collect();
        if !dry_run {
            confirm_listed(dest, level, &mut results, self.jobs, shell);
        }
        // Said now, whether they passed or not.
        for (outcome, _) in results.iter().zip(uploaded).filter(|(_, u)| *u) {
            self.progress.done(outcome);
        }
        report.versions.extend(results);

        for name in uploaded_placeholders {
            let state = placeholder::remove(
                Some(&dest.api),
                || Ok(&dest.web),
                &name,
                Leftover::None,
                dest.index_timeout,
                shell,
            );
            placeholder::record(&mut report.placeholders, &name, state);
        }
        for plan in level {
            if plan.leftover.is_some() && !dry_run {
                let state = placeholder::remove(
                    Some(&dest.api),
                    || Ok(&dest.web),
                    &plan.name,
                    plan.leftover,
                    dest.index_timeout,
                    shell,
                );
                placeholder::record(&mut report.placeholders, &plan.name, state);
            }
        }
    }

    /// A placeholder up first for each name that collides; the names
    /// whose placeholder went up.
    fn upload_placeholders(
        &self,
        level: &[&NamePlan],
        blocked: &mut BTreeMap<String, String>,
        report: &mut Report,
    ) -> Vec<String> {
        let (dest, dry_run, shell) = (self.dest, self.dry_run, self.shell);
        let mut uploaded_placeholders = Vec::new();
        for plan in level.iter().filter(|p| p.collides()) {
            let state = if dry_run {
                placeholder::State::Planned
            } else {
                match placeholder::upload(&dest.web, &plan.name, shell) {
                    Ok(()) => {
                        shell.status(
                            "Uploaded",
                            format!(
                                "the placeholder `{}@{PLACEHOLDER_VERSION}`: `{}` serves crates.io's index for the name until it holds a version",
                                plan.name, dest.name
                            ),
                        );
                        uploaded_placeholders.push(plan.name.clone());
                        placeholder::State::InRegistry
                    }
                    Err(why) => {
                        blocked.insert(
                            plan.name.clone(),
                            "its placeholder could not be uploaded".to_string(),
                        );
                        shell.warn(format!("{why:#}"));
                        placeholder::State::Failed
                    }
                }
            };
            placeholder::record(&mut report.placeholders, &plan.name, state);
        }
        uploaded_placeholders
    }

    /// A name's copies go up only once the registry serves its own
    /// index for it, as cargo's publish would need. The waits overlap.
    fn wait_placeholders(&self, uploaded: &[String], blocked: &mut BTreeMap<String, String>) {
        let (dest, shell) = (self.dest, self.shell);
        let served = crate::parallel::map(uploaded, self.jobs, |name| {
            placeholder::wait_served(
                &dest.index,
                &dest.name,
                name,
                dest.index_timeout,
                false,
                shell,
            )
        });
        for (name, served) in uploaded.iter().zip(served) {
            if let Err(why) = served {
                shell.warn(format!("{why:#}"));
                blocked.insert(
                    name.clone(),
                    format!(
                        "`{}`'s index did not list its placeholder in time",
                        dest.name
                    ),
                );
            }
        }
    }

    /// A name new to the destination gets its oldest version alone
    /// first (a registry creates the crate with it), the rest after,
    /// side by side.
    fn copy_versions(
        &self,
        level: &[&NamePlan],
        blocked: &BTreeMap<String, String>,
    ) -> Vec<VersionReport> {
        let mut first: Vec<&Item> = Vec::new();
        let mut rest: Vec<&Item> = Vec::new();
        for plan in level {
            let new = plan.is_new();
            for (i, item) in plan.to_copy().enumerate() {
                if new && i == 0 {
                    first.push(item);
                } else {
                    rest.push(item);
                }
            }
        }
        let copy_one = |item: &&Item| {
            let entry = &item.entry;
            let outcome = if self.dry_run {
                VersionReport::new(entry, Action::Planned)
            } else if let Some(why) = blocked.get(&entry.name) {
                VersionReport::failed(entry, false, why.clone())
            } else {
                copy(self.source, self.dest, entry, &self.budget)
            };
            if outcome.action != Action::Copied {
                self.progress.done(&outcome);
            }
            outcome
        };
        let mut results = crate::parallel::map(&first, self.jobs, copy_one);
        results.extend(crate::parallel::map(&rest, self.jobs, copy_one));
        results
    }
}

/// A version the destination has already: the same bytes (else a conflict,
/// left alone), and yanked when the source's is.
fn present(
    dest: &Destination<'_>,
    entry: &FullEntry,
    listed: Option<&FullEntry>,
    dry_run: bool,
) -> VersionReport {
    let Some(listed) = listed else {
        return VersionReport::new(entry, Action::Skipped);
    };
    if !listed.cksum.eq_ignore_ascii_case(&entry.cksum) {
        return VersionReport {
            conflict: true,
            ..VersionReport::failed(
                entry,
                false,
                format!(
                    "`{}` already holds it with other bytes (`cksum` {}, the source's {}); left as it is",
                    dest.name,
                    crate::shell::clean_line(&listed.cksum),
                    entry.cksum
                ),
            )
        };
    }
    if entry.yanked && !listed.yanked {
        if dry_run {
            return VersionReport::new(entry, Action::Yanked);
        }
        return match dest.web.yank(&entry.name, &entry.vers) {
            Ok(()) => VersionReport::new(entry, Action::Yanked),
            Err(e) => VersionReport::failed(
                entry,
                true,
                format!("it is there, but the yank failed: {e}"),
            ),
        };
    }
    VersionReport::new(entry, Action::Skipped)
}

/// Versions whose dependencies on the source registry are neither copied
/// now nor in the destination are refused: uploaded, they would point at
/// whatever the destination serves for those names (on CNB, crates.io's
/// crate through the proxy). Dev dependencies do not count.
fn refuse_missing_dependencies(
    source: &Source<'_>,
    dest: &Destination<'_>,
    plans: &mut [NamePlan],
    jobs: usize,
) {
    let copied: BTreeSet<String> = plans.iter().map(|p| p.name.to_ascii_lowercase()).collect();
    let needed = |item: &Item| -> Vec<String> {
        item.entry
            .deps
            .iter()
            .filter(|d| d.kind.as_deref() != Some("dev"))
            .filter(|d| source.is_own_dependency(d.registry.as_deref()))
            .map(|d| d.package.clone().unwrap_or_else(|| d.name.clone()))
            .filter(|n| !copied.contains(&n.to_ascii_lowercase()))
            .collect()
    };
    let mut others: Vec<String> = plans
        .iter()
        .flat_map(|p| p.to_copy())
        .flat_map(needed)
        .collect();
    others.sort();
    others.dedup();
    let held = crate::parallel::map(&others, jobs, |name| {
        dest.api.version_names(name).map(|v| !v.is_empty())
    });
    let missing: BTreeSet<&String> = others
        .iter()
        .zip(held)
        .filter(|(_, held)| !matches!(held, Ok(true)))
        .map(|(name, _)| name)
        .collect();
    if missing.is_empty() {
        return;
    }
    for plan in plans.iter_mut() {
        for item in plan.items.iter_mut() {
            if !matches!(item.todo, Todo::Copy) {
                continue;
            }
            let lacking: Vec<String> = needed(item)
                .into_iter()
                .filter(|n| missing.contains(n))
                .map(|n| format!("`{n}`"))
                .collect();
            if !lacking.is_empty() {
                item.todo = Todo::Refused(format!(
                    "it depends on {} from the source, which is not being copied and `{}` holds no version of: copied alone, it would get what `{}` serves for the name (crates.io's crate, through CNB's proxy); copy {} too",
                    lacking.join(", "),
                    dest.name,
                    dest.name,
                    if lacking.len() == 1 { "it" } else { "them" }
                ));
            }
        }
    }
}

/// One name, both sides: what the source has of it, and which of those
/// versions the destination holds already.
fn look_up(source: &Source<'_>, dest: &Destination<'_>, wanted: &Wanted) -> Result<NamePlan> {
    let mut items = source_items(source, wanted)?;
    let name = items[0].entry.name.clone();
    let present: BTreeSet<String> = dest.api.version_names(&name)?.into_iter().collect();
    let listed = dest.index.full_entries(&name).map_err(|e| {
        crate::explain::explain(
            e,
            format!("cannot read `{}`'s index entry for `{name}`", dest.name),
            crate::explain::Op::Read,
        )
    })?;
    for item in &mut items {
        if matches!(item.todo, Todo::Copy) && present.contains(&item.entry.vers) {
            let shown = listed.iter().find(|l| l.vers == item.entry.vers).cloned();
            item.todo = Todo::Present(shown);
        }
    }
    let leftover = Leftover::find(&present, &listed);
    Ok(NamePlan {
        name,
        items,
        destination_empty: present.is_empty(),
        listed,
        leftover,
    })
}

/// The versions of `wanted` the source holds (every one that matches,
/// each with what to do with it), oldest first, as they were published.
fn source_items(source: &Source<'_>, wanted: &Wanted) -> Result<Vec<Item>> {
    let all = source.versions(&wanted.name)?;
    // An index file lists its own crate only: an entry of another name
    // would upload a crate nobody asked for.
    if let Some(other) = all
        .iter()
        .find(|e| !e.name.eq_ignore_ascii_case(&wanted.name))
    {
        return Err(crate::error::UserError::new(format!(
            "the source's index file for `{}` lists a version of `{}`: refused",
            wanted.name,
            crate::shell::clean_line(&other.name)
        ))
        .into());
    }
    let mut items: Vec<Item> = Vec::new();
    for entry in all {
        let version = semver::Version::parse(&entry.vers);
        let refusal = source.refusal(&entry);
        let todo = match &version {
            Err(_) => Todo::Refused(format!(
                "`{}` is not a semver version",
                crate::shell::clean_line(&entry.vers)
            )),
            Ok(_) if !is_sha256_hex(&entry.cksum) => {
                Todo::Refused("its `cksum` in the source's index is not a sha256".to_string())
            }
            Ok(v) if !wanted.versions.matches(v) => continue,
            Ok(_) if refusal.is_some() => Todo::Refused(refusal.unwrap_or_default()),
            // A source that held a placeholder (another tool's leftover, or
            // a registry cnbcargo published to): copied, it would be taken
            // for this run's leftover and deleted on the next.
            Ok(_) if entry.vers == PLACEHOLDER_VERSION => Todo::Ignored,
            Ok(_) => Todo::Copy,
        };
        let entry = match todo {
            // Shown in messages: never a server's raw text.
            Todo::Refused(_) => FullEntry {
                vers: crate::shell::clean_line(&entry.vers),
                ..entry
            },
            _ => entry,
        };
        items.push(Item { entry, todo });
    }
    if items.is_empty() {
        return Err(crate::error::UserError::new(format!(
            "`{}` has no {}in `{}`",
            wanted.name,
            match wanted.versions {
                VersionMatch::All => String::new(),
                _ => "matching version ".to_string(),
            },
            source.shown()
        ))
        .into());
    }
    items.sort_by(|a, b| {
        match (
            semver::Version::parse(&a.entry.vers),
            semver::Version::parse(&b.entry.vers),
        ) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => a.entry.vers.cmp(&b.entry.vers),
        }
    });
    Ok(items)
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The names in groups that can go in parallel, each after the groups
/// holding what its versions depend on (in the source registry). Dev
/// dependencies are left out of the order (they may point back); what
/// is left of a cycle goes last, together.
fn levels(plans: &[NamePlan], source: &Source<'_>) -> Vec<Vec<usize>> {
    let index: BTreeMap<String, usize> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.to_ascii_lowercase(), i))
        .collect();
    let needs: Vec<BTreeSet<usize>> = plans
        .iter()
        .enumerate()
        .map(|(me, plan)| {
            plan.items
                .iter()
                .flat_map(|i| &i.entry.deps)
                .filter(|d| d.kind.as_deref() != Some("dev"))
                .filter(|d| source.is_own_dependency(d.registry.as_deref()))
                .filter_map(|d| {
                    let real = d.package.as_deref().unwrap_or(&d.name);
                    index.get(&real.to_ascii_lowercase()).copied()
                })
                .filter(|&i| i != me)
                .collect()
        })
        .collect();
    let mut placed = vec![false; plans.len()];
    let mut levels = Vec::new();
    while placed.iter().any(|p| !p) {
        let ready: Vec<usize> = (0..plans.len())
            .filter(|&i| !placed[i] && needs[i].iter().all(|&d| placed[d]))
            .collect();
        let level = if ready.is_empty() {
            (0..plans.len()).filter(|&i| !placed[i]).collect()
        } else {
            ready
        };
        for &i in &level {
            placed[i] = true;
        }
        levels.push(level);
    }
    levels
}

/// Downloads, checks, uploads and (when the source's is) yanks one version.
fn copy(
    source: &Source<'_>,
    dest: &Destination<'_>,
    entry: &FullEntry,
    budget: &budget::Budget,
) -> VersionReport {
    let mut crate_file = Vec::new();
    // Held until the upload is done: the crate's bytes are in memory.
    let _taken = match source.fetch(entry, &mut crate_file, budget) {
        Ok(taken) => taken,
        Err(why) => return VersionReport::failed(entry, false, why),
    };
    let unpacked = match manifest::unpack(crate_file.as_slice()) {
        Ok(unpacked) => unpacked,
        Err(why) => return VersionReport::failed(entry, false, why),
    };
    if let Err(why) = unpacked.check_identity(entry) {
        return VersionReport::failed(entry, false, why);
    }
    let metadata = manifest::publish_metadata(entry, &unpacked.package_meta(), |registry| {
        // The source's own crates are the destination's now (as is one
        // naming the destination itself); crates.io stays crates.io.
        source.registry_for_destination(registry, dest.index.url())
    });
    drop(unpacked);
    if let Err(e) = dest.web.publish_parts(&metadata, crate_file) {
        // A rerun after an upload that landed unseen: the same bytes there
        // are a skip, not a failure.
        if e.status() == Some(409)
            && let Ok(listed) = dest.index.full_entries(&entry.name)
            && listed
                .iter()
                .any(|l| l.vers == entry.vers && l.cksum.eq_ignore_ascii_case(&entry.cksum))
        {
            return present(
                dest,
                entry,
                listed.iter().find(|l| l.vers == entry.vers),
                false,
            );
        }
        return VersionReport::failed(entry, false, format!("the upload failed: {e}"));
    }
    // A yank is replayed once the index lists the copy (`confirm_listed`):
    // a registry may not find the version to yank before then.
    VersionReport::new(entry, Action::Copied)
}

/// For each name of the level with copies, side by side: waits (up to
/// `--index-timeout`) until the destination's index lists each copy with
/// the source's `cksum` (its own entry: while the registry shows no
/// version of the name, CNB serves the crates.io proxy's, whose entry of
/// the same version has other bytes), yanks those the source has yanked
/// and waits until the index shows them so. A version that does not pass
/// fails, with the reason.
fn confirm_listed(
    dest: &Destination<'_>,
    level: &[&NamePlan],
    results: &mut [VersionReport],
    jobs: usize,
    shell: &Shell,
) {
    let names: Vec<(&str, Vec<&FullEntry>)> = level
        .iter()
        .map(|plan| {
            let copied: Vec<&FullEntry> = results
                .iter()
                .filter(|r| r.action == Action::Copied && r.name == plan.name)
                .filter_map(|r| {
                    plan.items
                        .iter()
                        .find(|i| i.entry.vers == r.version)
                        .map(|i| &i.entry)
                })
                .collect();
            (plan.name.as_str(), copied)
        })
        .filter(|(_, copied)| !copied.is_empty())
        .collect();
    let problems = crate::parallel::map(&names, jobs, |(name, copied)| {
        confirm_name(dest, name, copied, shell)
    });
    for ((name, copied), problems) in names.iter().zip(problems) {
        for (entry, problem) in copied.iter().zip(problems) {
            let Some(problem) = problem else { continue };
            if let Some(result) = results
                .iter_mut()
                .find(|r| r.name == *name && r.version == entry.vers)
            {
                result.action = Action::Failed;
                result.uploaded = true;
                result.error = Some(problem);
            }
        }
    }
}

/// `confirm_listed` for one name's copies: the problem of each, if any.
fn confirm_name(
    dest: &Destination<'_>,
    name: &str,
    copied: &[&FullEntry],
    shell: &Shell,
) -> Vec<Option<String>> {
    let limit = dest.index_timeout;
    let unreadable = |e: crate::client::Error| {
        let why = format!(
            "uploaded, but `{}`'s index could not be read to check it: {e}",
            dest.name
        );
        copied.iter().map(|_| Some(why.clone())).collect()
    };
    let listing = match wait::until_listed(&dest.index, name, limit, None, shell, |listed| {
        copied.iter().all(|e| own(listed, e).is_some())
    }) {
        Ok(listing) => listing,
        Err(e) => return unreadable(e),
    };
    let (mut problems, to_yank) = listing_problems(dest, &listing.entries, copied);
    let mut yanked = Vec::new();
    for i in to_yank {
        let entry = copied[i];
        let what = format!("`{}@{}`", entry.name, entry.vers);
        match wait::retry_not_found(limit, &what, shell, || {
            dest.web.yank(&entry.name, &entry.vers)
        }) {
            Ok(()) => yanked.push(i),
            Err(e) => problems[i] = Some(format!("uploaded, but the yank failed: {e}")),
        }
    }
    if yanked.is_empty() {
        return problems;
    }
    let listing = match wait::until_listed(&dest.index, name, limit, None, shell, |listed| {
        yanked
            .iter()
            .all(|&i| own(listed, copied[i]).is_some_and(|l| l.yanked))
    }) {
        Ok(listing) => listing,
        Err(e) => return unreadable(e),
    };
    for i in yanked {
        if !own(&listing.entries, copied[i]).is_some_and(|l| l.yanked) {
            problems[i] = Some(format!(
                "uploaded and yanked, but `{}`'s index does not list it yanked after {} s",
                dest.name,
                limit.as_secs()
            ));
        }
    }
    problems
}

/// The destination's own entry of `entry`: the same version, the same bytes.
fn own(listed: &[FullEntry], entry: &FullEntry) -> Option<FullEntry> {
    listed
        .iter()
        .find(|l| l.vers == entry.vers && l.cksum.eq_ignore_ascii_case(&entry.cksum))
        .cloned()
}

/// Each copy against what the destination's index lists: its problem, if
/// any, and which copies are still to be yanked (by position).
fn listing_problems(
    dest: &Destination<'_>,
    listed: &[FullEntry],
    copied: &[&FullEntry],
) -> (Vec<Option<String>>, Vec<usize>) {
    let limit = dest.index_timeout;
    let mut problems: Vec<Option<String>> = vec![None; copied.len()];
    let mut to_yank = Vec::new();
    for (i, entry) in copied.iter().enumerate() {
        match own(listed, entry) {
            Some(listed) if entry.yanked && !listed.yanked => to_yank.push(i),
            Some(listed) if listed.yanked && !entry.yanked => {
                problems[i] = Some(format!(
                    "uploaded, but `{}`'s index lists it yanked, the source not yanked",
                    dest.name
                ));
            }
            Some(_) => {}
            None => {
                problems[i] = Some(match listed.iter().find(|l| l.vers == entry.vers) {
                    None => format!(
                        "uploaded, but `{}`'s index does not list it after {} s",
                        dest.name,
                        limit.as_secs()
                    ),
                    Some(other) => format!(
                        "uploaded, but after {} s `{}`'s index still lists checksum {} for it where the source's has {} (not its own copy: e.g. the crates.io proxy's entry)",
                        limit.as_secs(),
                        dest.name,
                        crate::shell::clean_line(&other.cksum),
                        entry.cksum
                    ),
                });
            }
        }
    }
    (problems, to_yank)
}
