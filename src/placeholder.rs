//! The placeholder version that gets a name past CNB's crates.io proxy:
//! while the registry holds no version of a name it serves crates.io's
//! index for it; once it holds one (this), it serves its own. `publish`
//! and `migrate` upload it first and remove it after.

use serde::Serialize;

use crate::client::cnb::CnbApi;
use crate::client::webapi::{WebApi, minimal_crate};
use crate::client::{Op, explain};
use crate::shell::Shell;

/// A version no real crate uses and crates.io cannot have (cnbcargo's
/// pre-release tag), so the proxy never lists it.
pub const VERSION: &str = "0.0.0-cnbcargo.placeholder";

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

/// Uploads `name@VERSION`, a minimal library crate.
pub fn upload(web: &WebApi<'_>, name: &str, shell: &Shell) -> anyhow::Result<()> {
    let upload = minimal_crate(
        name,
        VERSION,
        "A placeholder published by cnbcargo so that the real versions can be published; it is deleted right after.",
    )
    .map_err(|e| {
        crate::error::UserError::new(format!("cannot build the placeholder crate: {e}"))
    })?;
    web.publish(&upload, shell).map_err(|e| {
        explain(
            e,
            format!("uploading the placeholder `{name}@{VERSION}` failed"),
            Op::Read,
        )
    })
}

/// Deletes the placeholder through CNB's API; where the token may not
/// delete, yanks it, unless an earlier run did already (`yanked`).
pub fn remove<'w>(
    api: Option<&CnbApi<'_>>,
    web: impl FnOnce() -> anyhow::Result<&'w WebApi<'w>>,
    name: &str,
    yanked: bool,
    shell: &Shell,
) -> State {
    let placeholder = format!("{name}@{VERSION}");
    let deleted = match api {
        Some(api) => api.delete_version(name, VERSION, shell),
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
        Err(err) if err.status() == Some(403) => {
            shell.warn(format!(
                "the token may not delete `{placeholder}` (it needs the `registry-package-delete:rw` scope and the Administrator role); yanking it instead"
            ));
            match web().and_then(|api| {
                api.yank(name, VERSION, shell)
                    .map_err(|e| explain(e, format!("cannot yank `{placeholder}`"), Op::Read))
            }) {
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
        Err(err) => {
            shell.warn(format!(
                "could not delete the placeholder `{placeholder}`: {err}"
            ));
            shell.hint(format!("delete it with `cnbcargo delete {placeholder}`"));
            if yanked {
                State::LeftYanked
            } else {
                State::InRegistry
            }
        }
    }
}
