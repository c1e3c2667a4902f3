//! The placeholder version that gets a name past CNB's crates.io proxy:
//! while the registry holds no version of a name it serves crates.io's
//! index for it; once it holds one (this), it serves its own. `publish`
//! and `migrate` upload it first and remove it after.

use std::time::Duration;

use serde::Serialize;

use crate::client::cnb::{CnbApi, Deleted};
use crate::client::sparse::{FullEntry, IndexEntry, SparseIndex};
use crate::client::webapi::{WebApi, minimal_crate};
use crate::error::UserError;
use crate::explain::{Op, explain};
use crate::ops::wait;
use crate::shell::Shell;

/// A version no real crate uses and crates.io cannot have (cnbcargo's
/// pre-release tag), so the proxy never lists it.
pub const VERSION: &str = "0.0.0-cnbcargo.placeholder";

/// When a placeholder goes up before a name's first version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only when the crates.io proxy lists a version being uploaded.
    Auto,
    /// Whenever the registry holds no version of the name.
    Always,
    /// Never: a collision is refused instead.
    Never,
}

/// An earlier run's placeholder, found in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leftover {
    None,
    /// There, not yanked.
    InRegistry,
    /// There, yanked (an earlier run's token could not delete it).
    Yanked,
}

impl Leftover {
    /// From the versions the registry holds (CNB's API) and what its index
    /// lists for the name (which says whether the placeholder is yanked).
    pub fn find<S: AsRef<str>>(
        held: impl IntoIterator<Item = S>,
        listed: &[impl Listed],
    ) -> Leftover {
        if !held.into_iter().any(|v| v.as_ref() == VERSION) {
            Leftover::None
        } else if listed
            .iter()
            .any(|l| l.version() == VERSION && l.is_yanked())
        {
            Leftover::Yanked
        } else {
            Leftover::InRegistry
        }
    }

    pub fn is_some(self) -> bool {
        self != Leftover::None
    }

    /// What the registry holds of it when nothing more is done to it.
    pub fn state(self) -> State {
        match self {
            Leftover::Yanked => State::LeftYanked,
            Leftover::None | Leftover::InRegistry => State::InRegistry,
        }
    }
}

/// An index entry as the placeholder rules read it: `publish` reads the
/// index's short entries, `migrate` its full ones.
pub trait Listed {
    fn version(&self) -> &str;
    fn is_yanked(&self) -> bool;
}

impl Listed for IndexEntry {
    fn version(&self) -> &str {
        &self.vers
    }
    fn is_yanked(&self) -> bool {
        self.yanked
    }
}

impl Listed for FullEntry {
    fn version(&self) -> &str {
        &self.vers
    }
    fn is_yanked(&self) -> bool {
        self.yanked
    }
}

/// The collision a placeholder gets past: the registry holds no version
/// of its own for the name (`holds_none`), so its index serves the crates.io
/// proxy's entries (`listed`), and those list a version being uploaded:
/// cargo (and the registry) would refuse it as already there.
pub fn collides<'v>(
    holds_none: bool,
    listed: &[impl Listed],
    mut uploading: impl Iterator<Item = &'v str>,
) -> bool {
    holds_none && uploading.any(|v| listed.iter().any(|l| l.version() == v))
}

/// What a name needs, placeholder-wise, before a version goes up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// A placeholder goes up first.
    pub upload: bool,
    /// The proxy's index lists the version (see `collides`).
    pub collision: bool,
    pub leftover: Leftover,
    /// The registry holds no version of the name and the proxy lists it:
    /// this first version hides crates.io's crate of that name.
    pub shadows: bool,
}

/// `Mode::Never` met a collision: the version cannot go up as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

impl Need {
    /// Nothing to do: no placeholder, none there.
    pub const NONE: Need = Need {
        upload: false,
        collision: false,
        leftover: Leftover::None,
        shadows: false,
    };

    /// The rule, from what the registry holds of the name (`held`, its API)
    /// and what its index lists (`listed`), for uploading `version`. With
    /// any version of its own (even a leftover placeholder) the registry
    /// serves its own index: no collision, no placeholder needed.
    pub fn of(
        held: &[String],
        listed: &[impl Listed],
        version: &str,
        mode: Mode,
    ) -> Result<Need, Refused> {
        let collision = collides(held.is_empty(), listed, std::iter::once(version));
        let upload = match mode {
            Mode::Always => held.is_empty(),
            Mode::Auto => collision,
            Mode::Never if collision => return Err(Refused),
            Mode::Never => false,
        };
        Ok(Need {
            upload,
            collision,
            leftover: Leftover::find(held, listed),
            shadows: held.is_empty() && !listed.is_empty(),
        })
    }

    /// The index must list a placeholder (this run's or a leftover) before
    /// the version goes up, and it is removed after.
    pub fn involves_placeholder(&self) -> bool {
        self.upload || self.leftover.is_some()
    }
}

/// A name's placeholder, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceholderReport {
    pub name: String,
    pub version: &'static str,
    pub state: State,
}

/// Records `state` as what became of `name`'s placeholder: one entry per
/// name, the latest state.
pub fn record(reports: &mut Vec<PlaceholderReport>, name: &str, state: State) {
    match reports.iter_mut().find(|p| p.name == name) {
        Some(p) => p.state = state,
        None => reports.push(PlaceholderReport {
            name: name.to_string(),
            version: VERSION,
            state,
        }),
    }
}

/// What became of a name's placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// `--dry-run`: one would go up first.
    Planned,
    /// Its upload failed: the name's versions were not uploaded.
    Failed,
    /// Uploaded by this run and still there, not yanked.
    InRegistry,
    Deleted,
    Yanked,
    /// Yanked by an earlier run and left so (the token may not delete).
    LeftYanked,
}

impl State {
    pub fn describe(self) -> &'static str {
        match self {
            State::Planned => "to be uploaded first",
            State::Failed => "not uploaded",
            State::InRegistry => "in the registry, not yanked",
            State::Deleted => "deleted",
            State::Yanked => "yanked (the token may not delete)",
            State::LeftYanked => "yanked earlier, left as it was",
        }
    }
}

/// Uploads `name@VERSION`, a minimal library crate. A 409 (the version is
/// there) is an earlier run's upload that its API did not show yet: the
/// placeholder's bytes are always the same, so it is taken as uploaded.
pub fn upload(web: &WebApi<'_>, name: &str, shell: &Shell) -> anyhow::Result<()> {
    let upload = minimal_crate(
        name,
        VERSION,
        "A placeholder published by cnbcargo so that the real versions can be published; it is deleted right after.",
    )
    .map_err(|e| {
        crate::error::UserError::new(format!("cannot build the placeholder crate: {e}"))
    })?;
    match web.publish(&upload) {
        Err(e) if e.status() == Some(409) => {
            shell.verbose(format!(
                "the registry has `{name}@{VERSION}` already (an earlier run's): using it"
            ));
            Ok(())
        }
        result => result.map_err(|e| {
            explain(
                e,
                format!("uploading the placeholder `{name}@{VERSION}` failed"),
                Op::Upload,
            )
        }),
    }
}

/// Waits (up to `limit`) until `registry`'s index lists the placeholder of
/// `name`: until then CNB may go on serving the crates.io proxy's entries
/// for the name, and cargo would still refuse the version as already
/// there. `spinner`: show one on a terminal.
pub fn wait_served(
    index: &SparseIndex<'_>,
    registry: &str,
    name: &str,
    limit: Duration,
    spinner: bool,
    shell: &Shell,
) -> anyhow::Result<()> {
    let placeholder = format!("{name}@{VERSION}");
    let listing = wait::until_listed(
        index,
        name,
        limit,
        spinner.then(|| format!("waiting for `{registry}`'s index to list `{placeholder}`")),
        shell,
        |listed| listed.iter().any(|e| e.vers == VERSION),
    )
    .map_err(|e| {
        explain(
            e,
            format!("cannot read `{registry}`'s index entry of `{name}`"),
            Op::Read,
        )
    })?;
    if listing.complete {
        shell.verbose(format!(
            "`{registry}`'s index lists `{placeholder}` ({} ms)",
            listing.waited.as_millis()
        ));
        return Ok(());
    }
    let serves = if listing.entries.is_empty() {
        "nothing for the name".to_string()
    } else {
        let versions: Vec<String> = listing
            .entries
            .iter()
            .take(5)
            .map(|e| crate::shell::clean_line(&e.vers))
            .collect();
        format!(
            "other entries for the name ({}{}: the crates.io proxy's)",
            versions.join(", "),
            if listing.entries.len() > 5 {
                ", ..."
            } else {
                ""
            }
        )
    };
    Err(UserError::new(format!(
        "`{registry}`'s index did not list the placeholder `{placeholder}` within {} s; it still serves {serves}",
        limit.as_secs()
    ))
    .hint("the registry is slow to update its index: pass a longer `--index-timeout`")
    .into())
}

/// Deletes the placeholder through CNB's API, trying a 404 again within
/// `limit` (the API may not find an upload it has just answered).
pub fn delete(
    api: &CnbApi<'_>,
    name: &str,
    limit: Duration,
    shell: &Shell,
) -> Result<Deleted, crate::client::Error> {
    wait::retry_not_found(limit, &format!("`{name}@{VERSION}`"), shell, || {
        api.delete_version(name, VERSION)
    })
}

/// Deletes the placeholder through CNB's API (this run's, or an earlier
/// run's `leftover`); where the token may not delete, yanks it, unless an
/// earlier run did already. A 404 from either is tried again within `limit`.
pub fn remove<'w>(
    api: Option<&CnbApi<'_>>,
    web: impl FnOnce() -> anyhow::Result<&'w WebApi<'w>>,
    name: &str,
    leftover: Leftover,
    limit: Duration,
    shell: &Shell,
) -> State {
    let yanked = leftover == Leftover::Yanked;
    let placeholder = format!("{name}@{VERSION}");
    let deleted = match api {
        Some(api) => delete(api, name, limit, shell),
        None => Err(crate::client::Error::Input(
            "no CNB API to delete with".to_string(),
        )),
    };
    match deleted {
        Ok(_) => {
            shell.status("Deleted", format!("the placeholder `{placeholder}`"));
            State::Deleted
        }
        Err(err) if err.status() == Some(403) && yanked => {
            shell.note(format!(
                "the leftover placeholder `{placeholder}` stays yanked: the token may not delete it"
            ));
            shell.hint(format!(
                "delete it with `cnbcargo delete {placeholder}` and a token with the `registry-package-delete:rw` scope"
            ));
            State::LeftYanked
        }
        Err(err) if err.status() == Some(403) => yank_instead(web, name, limit, shell),
        Err(err) => {
            let still = if err.status() == Some(404) {
                format!(" (not found there for {} s)", limit.as_secs())
            } else {
                String::new()
            };
            shell.warn(format!(
                "could not delete the placeholder `{placeholder}`: {err}{still}"
            ));
            shell.hint(format!("delete it with `cnbcargo delete {placeholder}`"));
            leftover.state()
        }
    }
}

/// The token may not delete the placeholder: it is yanked instead (a 404
/// tried again within `limit`), so that cargo does not pick it.
fn yank_instead<'w>(
    web: impl FnOnce() -> anyhow::Result<&'w WebApi<'w>>,
    name: &str,
    limit: Duration,
    shell: &Shell,
) -> State {
    let placeholder = format!("{name}@{VERSION}");
    shell.warn(format!(
        "the token may not delete `{placeholder}` (it needs the `registry-package-delete:rw` scope and the Administrator role); yanking it instead"
    ));
    let yanked = web().and_then(|api| {
        wait::retry_not_found(limit, &format!("`{placeholder}`"), shell, || {
            api.yank(name, VERSION)
        })
        .map_err(|e| explain(e, format!("cannot yank `{placeholder}`"), Op::Yank))
    });
    match yanked {
        Ok(()) => {
            shell.status("Yanked", format!("the placeholder `{placeholder}`"));
            shell.hint(format!(
                "delete it later with `cnbcargo delete {placeholder}` and a token that may delete"
            ));
            State::Yanked
        }
        Err(e) => {
            shell.warn(format!(
                "could not yank `{placeholder}` either ({e:#}); it stays in the registry"
            ));
            State::InRegistry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(list: &[(&str, bool)]) -> Vec<IndexEntry> {
        list.iter()
            .map(|(vers, yanked)| IndexEntry {
                vers: vers.to_string(),
                yanked: *yanked,
            })
            .collect()
    }

    fn full(list: &[(&str, bool)]) -> Vec<FullEntry> {
        list.iter()
            .map(|(vers, yanked)| FullEntry {
                name: "n".to_string(),
                vers: vers.to_string(),
                deps: Vec::new(),
                cksum: "0".repeat(64),
                features: Default::default(),
                features2: None,
                yanked: *yanked,
                links: None,
                rust_version: None,
            })
            .collect()
    }

    /// publish reads short entries, migrate full ones: the same answers.
    #[test]
    fn a_leftover_is_found_alike_in_either_kind_of_entry() {
        let held = [VERSION.to_string(), "1.0.0".to_string()];
        let cases = [
            (&[][..], &[(VERSION, true)][..], Leftover::None),
            (&held[..], &[(VERSION, false)][..], Leftover::InRegistry),
            (&held[..], &[][..], Leftover::InRegistry),
            (
                &held[..],
                &[("1.0.0", true), (VERSION, true)][..],
                Leftover::Yanked,
            ),
        ];
        for (held, listed, want) in cases {
            assert_eq!(Leftover::find(held, &short(listed)), want);
            assert_eq!(Leftover::find(held, &full(listed)), want);
        }
        assert_eq!(Leftover::Yanked.state(), State::LeftYanked);
        assert_eq!(Leftover::InRegistry.state(), State::InRegistry);
    }

    #[test]
    fn a_collision_needs_an_empty_registry_and_a_listed_version() {
        let proxy = full(&[("1.0.0", false), ("1.1.0", false)]);
        assert!(collides(true, &proxy, ["2.0.0", "1.1.0"].into_iter()));
        assert!(!collides(true, &proxy, ["2.0.0"].into_iter()));
        assert!(!collides(false, &proxy, ["1.0.0"].into_iter()));
        assert!(!collides(true, &full(&[]), ["1.0.0"].into_iter()));
    }

    #[test]
    fn never_refuses_only_a_collision() {
        let proxy = short(&[("1.0.0", false)]);
        assert_eq!(Need::of(&[], &proxy, "1.0.0", Mode::Never), Err(Refused));
        assert_eq!(
            Need::of(&[], &proxy, "2.0.0", Mode::Never),
            Ok(Need {
                shadows: true,
                ..Need::NONE
            })
        );
        let held = ["0.9.0".to_string()];
        assert_eq!(
            Need::of(&held, &proxy, "1.0.0", Mode::Always),
            Ok(Need::NONE)
        );
        let need = Need::of(&[], &short(&[]), "1.0.0", Mode::Always).unwrap();
        assert!(need.upload && !need.collision && need.involves_placeholder());
    }

    #[test]
    fn one_entry_per_name_with_the_latest_state() {
        let mut reports = Vec::new();
        record(&mut reports, "a", State::InRegistry);
        record(&mut reports, "b", State::Planned);
        record(&mut reports, "a", State::Deleted);
        let states: Vec<(&str, State)> =
            reports.iter().map(|p| (p.name.as_str(), p.state)).collect();
        assert_eq!(states, [("a", State::Deleted), ("b", State::Planned)]);
        assert!(reports.iter().all(|p| p.version == VERSION));
    }
}
