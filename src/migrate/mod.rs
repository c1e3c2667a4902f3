//! Copying crates into a CNB registry, byte for byte: each version's
//! original `.crate`, its checksum checked against the source's index, is
//! uploaded through the destination's Web API with publish metadata
//! rebuilt from the source's index entry; yanks are replayed; versions
//! already there are skipped, so a rerun resumes.

pub mod manifest;
pub mod source;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::Serialize;

use crate::client::cnb::CnbApi;
use crate::client::sparse::{FullEntry, SparseIndex};
use crate::client::webapi::WebApi;
use crate::placeholder::{self, VERSION as PLACEHOLDER_VERSION};
use crate::shell::Shell;
use crate::spec::VersionMatch;
use source::Source;

/// Room left before a downloaded `.crate` for the publish body's header
/// (lengths and metadata), so the upload needs no second copy of it.
const HEADROOM: usize = 64 << 10;

/// The registry crates are copied into.
pub struct Destination<'h> {
    pub name: String,
    pub api: CnbApi<'h>,
    pub web: WebApi<'h>,
    pub index: SparseIndex<'h>,
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
    /// The destination had it already.
    Skipped,
    Failed,
    /// `--dry-run`: would be copied.
    Planned,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub name: String,
    pub version: String,
    pub action: Action,
    /// Yanked in the source (and so in the destination once copied).
    pub yanked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaceholderReport {
    pub name: String,
    pub version: &'static str,
    pub state: placeholder::State,
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
}

/// What the command layer hears as the work goes: each version's outcome
/// (for the progress bar and the per-version lines).
pub trait Progress: Sync {
    fn planned(&self, to_copy: usize);
    fn done(&self, version: &VersionReport);
}

struct Item {
    entry: FullEntry,
    in_destination: bool,
}

/// The versions of one name, as found in the source and the destination.
struct NamePlan {
    name: String,
    items: Vec<Item>,
    /// The destination's own versions (CNB's API), none meaning the index
    /// may be the crates.io proxy's.
    destination_empty: bool,
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
    let mut report = Report::default();
    // What each side has, name by name, side by side.
    let looked_up = crate::parallel::map(wanted, jobs, |w| look_up(source, dest, w, shell));
    let mut plans = Vec::new();
    for (w, result) in wanted.iter().zip(looked_up) {
        match result {
            Ok(plan) => plans.push(plan),
            Err(err) => report.versions.push(VersionReport {
                name: w.name.clone(),
                version: "*".to_string(),
                action: Action::Failed,
                yanked: false,
                error: Some(format!("{err:#}")),
            }),
        }
    }
    for plan in &plans {
        for item in plan.items.iter().filter(|i| i.in_destination) {
            let skipped = VersionReport {
                name: item.entry.name.clone(),
                version: item.entry.vers.clone(),
                action: Action::Skipped,
                yanked: item.entry.yanked,
                error: None,
            };
            progress.done(&skipped);
            report.versions.push(skipped);
        }
    }
    progress.planned(
        plans
            .iter()
            .flat_map(|p| &p.items)
            .filter(|i| !i.in_destination)
            .count(),
    );

    for level in levels(&plans, source) {
        let level: Vec<&NamePlan> = level.into_iter().map(|i| &plans[i]).collect();
        // A name the destination has no version of, whose index lists a
        // version being copied (the crates.io proxy's): a placeholder goes
        // up first, as `publish` does, so the registry serves its own
        // index for the name.
        let mut blocked = BTreeSet::new();
        let mut placeholders = Vec::new();
        let fresh: Vec<&NamePlan> = level
            .iter()
            .copied()
            .filter(|p| p.destination_empty)
            .collect();
        let collisions = crate::parallel::map(&fresh, jobs, |plan| {
            let proxied: BTreeSet<String> = dest
                .index
                .versions(&plan.name, shell)
                .map(|listed| listed.into_iter().map(|e| e.vers).collect())
                .unwrap_or_default();
            plan.items
                .iter()
                .any(|i| !i.in_destination && proxied.contains(&i.entry.vers))
        });
        for (plan, collides) in fresh.into_iter().zip(collisions) {
            if !collides {
                continue;
            }
            let state = if dry_run {
                placeholder::State::Planned
            } else {
                match placeholder::upload(&dest.web, &plan.name, shell) {
                    Ok(()) => {
                        shell.status(
                            "Uploaded",
                            format!("the placeholder `{}@{PLACEHOLDER_VERSION}`: `{}` serves crates.io's index for the name until it holds a version", plan.name, dest.name),
                        );
                        placeholders.push(plan.name.clone());
                        placeholder::State::InRegistry
                    }
                    Err(why) => {
                        blocked.insert(plan.name.clone());
                        shell.warn(format!("{why:#}"));
                        placeholder::State::Failed
                    }
                }
            };
            report.placeholders.push(PlaceholderReport {
                name: plan.name.clone(),
                version: PLACEHOLDER_VERSION,
                state,
            });
        }

        let work: Vec<&Item> = level
            .iter()
            .flat_map(|p| &p.items)
            .filter(|i| !i.in_destination)
            .collect();
        let results = crate::parallel::map(&work, jobs, |item| {
            let entry = &item.entry;
            let outcome = if dry_run {
                Ok(Action::Planned)
            } else if blocked.contains(&entry.name) {
                Err("its placeholder could not be uploaded".to_string())
            } else {
                copy(source, dest, entry, shell).map(|()| Action::Copied)
            };
            let version = match outcome {
                Ok(action) => VersionReport {
                    name: entry.name.clone(),
                    version: entry.vers.clone(),
                    action,
                    yanked: entry.yanked,
                    error: None,
                },
                Err(why) => VersionReport {
                    name: entry.name.clone(),
                    version: entry.vers.clone(),
                    action: Action::Failed,
                    yanked: entry.yanked,
                    error: Some(why),
                },
            };
            progress.done(&version);
            version
        });
        report.versions.extend(results);

        for name in placeholders {
            let state = placeholder::remove(Some(&dest.api), || Ok(&dest.web), &name, false, shell);
            if let Some(p) = report.placeholders.iter_mut().find(|p| p.name == name) {
                p.state = state;
            }
        }
    }
    if !dry_run {
        verify(dest, &plans, &mut report, jobs, shell);
    }
    Ok(report)
}

fn look_up(
    source: &Source<'_>,
    dest: &Destination<'_>,
    wanted: &Wanted,
    shell: &Shell,
) -> Result<NamePlan> {
    let mut entries: Vec<FullEntry> = source
        .versions(&wanted.name, shell)?
        .into_iter()
        .filter(|e| matches(&wanted.versions, &e.vers))
        .collect();
    if entries.is_empty() {
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
    // Oldest first, as they were published.
    entries.sort_by(|a, b| {
        match (
            semver::Version::parse(&a.vers),
            semver::Version::parse(&b.vers),
        ) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => a.vers.cmp(&b.vers),
        }
    });
    let present: BTreeSet<String> = dest
        .api
        .version_names(&entries[0].name, shell)?
        .into_iter()
        .collect();
    let destination_empty = present.is_empty();
    Ok(NamePlan {
        name: entries[0].name.clone(),
        items: entries
            .into_iter()
            .map(|entry| Item {
                in_destination: present.contains(&entry.vers),
                entry,
            })
            .collect(),
        destination_empty,
    })
}

fn matches(wanted: &VersionMatch, vers: &str) -> bool {
    let Ok(version) = semver::Version::parse(vers) else {
        return false;
    };
    match wanted {
        VersionMatch::All => true,
        VersionMatch::Exact(v) => *v == version,
        VersionMatch::Req(req) => req.matches(&version),
    }
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
                .filter(|d| d.registry.as_deref().is_none_or(|r| source.is_self(r)))
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
    shell: &Shell,
) -> Result<(), String> {
    let mut body = vec![0u8; HEADROOM];
    source.fetch(entry, &mut body, shell)?;
    let unpacked = manifest::unpack(&body[HEADROOM..])?;
    let metadata = manifest::publish_metadata(entry, &unpacked.package_meta(), |registry| {
        // The source's own crates are the destination's now; crates.io
        // stays crates.io.
        registry.filter(|r| !source.is_self(r)).map(str::to_string)
    });
    let json = serde_json::to_vec(&metadata).map_err(|e| e.to_string())?;
    let crate_len =
        u32::try_from(body.len() - HEADROOM).map_err(|_| "the `.crate` is too large to upload")?;
    let json_len = u32::try_from(json.len()).map_err(|_| "the metadata is too large to upload")?;
    // `u32 json length, json, u32 crate length, .crate`, laid out in the
    // room before the crate; metadata too large for it costs one copy.
    let body = if json.len() + 8 <= HEADROOM {
        let start = HEADROOM - 8 - json.len();
        body[start..start + 4].copy_from_slice(&json_len.to_le_bytes());
        body[start + 4..HEADROOM - 4].copy_from_slice(&json);
        body[HEADROOM - 4..HEADROOM].copy_from_slice(&crate_len.to_le_bytes());
        body.drain(..start);
        body
    } else {
        let mut laid = Vec::with_capacity(8 + json.len() + crate_len as usize);
        laid.extend_from_slice(&json_len.to_le_bytes());
        laid.extend_from_slice(&json);
        laid.extend_from_slice(&crate_len.to_le_bytes());
        laid.extend_from_slice(&body[HEADROOM..]);
        laid
    };
    dest.web
        .publish_body(body, shell)
        .map_err(|e| format!("the upload failed: {e}"))?;
    if entry.yanked {
        dest.web
            .yank(&entry.name, &entry.vers, shell)
            .map_err(|e| format!("uploaded, but the yank failed: {e}"))?;
    }
    Ok(())
}

/// After the copy, the destination's index must list each copied version
/// with the source's checksum and yank state.
fn verify(
    dest: &Destination<'_>,
    plans: &[NamePlan],
    report: &mut Report,
    jobs: usize,
    shell: &Shell,
) {
    let copied: Vec<&NamePlan> = plans
        .iter()
        .filter(|p| {
            report
                .versions
                .iter()
                .any(|v| v.action == Action::Copied && v.name == p.name)
        })
        .collect();
    let listed = crate::parallel::map(&copied, jobs, |plan| {
        dest.index.full_entries(&plan.name, shell)
    });
    for (plan, listed) in copied.iter().zip(listed) {
        let listed = match listed {
            Ok(listed) => listed,
            Err(e) => {
                shell.warn(format!(
                    "could not read `{}`'s index entry in `{}` to check the copies: {e}",
                    plan.name, dest.name
                ));
                continue;
            }
        };
        for item in &plan.items {
            let Some(version) = report.versions.iter_mut().find(|v| {
                v.action == Action::Copied
                    && v.name == item.entry.name
                    && v.version == item.entry.vers
            }) else {
                continue;
            };
            let problem = match listed.iter().find(|l| l.vers == item.entry.vers) {
                None => Some("uploaded, but the destination's index does not list it".to_string()),
                Some(l) if !l.cksum.eq_ignore_ascii_case(&item.entry.cksum) => Some(format!(
                    "the destination's index lists checksum {} where the source's has {}",
                    crate::shell::clean_line(&l.cksum),
                    item.entry.cksum
                )),
                Some(l) if l.yanked != item.entry.yanked => Some(format!(
                    "the destination's index lists it {}yanked, the source {}",
                    if l.yanked { "" } else { "not " },
                    if item.entry.yanked {
                        "yanked"
                    } else {
                        "not yanked"
                    }
                )),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                version.action = Action::Failed;
                version.error = Some(problem);
            }
        }
    }
}
