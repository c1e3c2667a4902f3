//! Which crates to copy, and from where: the names given (`name` or
//! `name@REQ`), a `Cargo.lock`, or everything the source lists; the
//! source a directory, an index URL, or a registry in cargo's config.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Wanted;
use super::source::Source;
use crate::cargo_config::RegistryDef;
use crate::context::Context;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::settings;
use crate::spec::{CrateSpec, VersionMatch, validate_crate_name};

/// Which crates: exactly one of the three ways to say so.
pub enum Which {
    Named(Vec<Wanted>),
    Lock(PathBuf),
    All,
}

impl Which {
    /// From the names given, `--lock PATH` and `--all`; the names are
    /// checked before anything is asked of a server.
    pub fn of(crates: &[String], lock: Option<&Path>, all: bool) -> Result<Which, UserError> {
        let chosen = [!crates.is_empty(), lock.is_some(), all];
        if chosen.iter().filter(|c| **c).count() != 1 {
            return Err(UserError::usage(
                "say which crates to copy: name them, or pass `--lock PATH` or `--all` (one of the three)",
            )
            .hint("e.g. `cnbcargo migrate --from SOURCE my-crate 'other@>=1'`"));
        }
        if all {
            return Ok(Which::All);
        }
        if let Some(lock) = lock {
            return Ok(Which::Lock(lock.to_path_buf()));
        }
        let named: Vec<Wanted> = crates
            .iter()
            .map(|text| wanted_of(text))
            .collect::<Result<_, _>>()?;
        for (i, w) in named.iter().enumerate() {
            if named[..i]
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&w.name))
            {
                return Err(UserError::usage(format!("`{}` is named twice", w.name))
                    .hint("name each crate once: `name` for every version, `name@REQ` for some"));
            }
        }
        Ok(Which::Named(named))
    }

    /// The names to copy, with the versions wanted of each.
    pub fn wanted(self, source: &Source<'_>) -> Result<Vec<Wanted>> {
        Ok(match self {
            Which::All => source
                .all_names()?
                .into_iter()
                .map(|name| Wanted {
                    name,
                    versions: VersionMatch::All,
                })
                .collect(),
            Which::Lock(lock) => from_lock(&lock, source)?,
            Which::Named(named) => named,
        })
    }
}

/// `name` (every version) or `name@REQ`.
fn wanted_of(text: &str) -> Result<Wanted, UserError> {
    if text.contains('@') {
        let spec = CrateSpec::parse(text, false)?;
        Ok(Wanted {
            name: spec.name,
            versions: spec.versions,
        })
    } else {
        validate_crate_name(text.trim())?;
        Ok(Wanted {
            name: text.trim().to_string(),
            versions: VersionMatch::All,
        })
    }
}

/// SOURCE (`from`): a directory, an index URL, or a registry in cargo's
/// config. `token_from_stdin`: the user means to give a token (which a
/// directory does not take); the token is read only for a source that
/// may take one (`settings::source_token`: the one given, else a
/// configured registry's own in cargo's config).
pub fn open_source<'c>(
    ctx: &'c Context,
    from: &str,
    token_from_stdin: bool,
    destination: &IndexUrl,
) -> Result<Source<'c>> {
    let text = from.trim();
    let path = ctx.cwd()?.join(text);
    if path.is_dir() {
        if token_from_stdin {
            return Err(UserError::usage("a directory source takes no token").into());
        }
        return Source::dir(&path);
    }
    let looks_like_url = ["sparse+", "http://", "https://"]
        .iter()
        .any(|p| text.starts_with(p));
    let (index, registry) = if looks_like_url {
        let value = if text.starts_with("sparse+") {
            text.to_string()
        } else {
            format!("sparse+{text}")
        };
        (IndexUrl::from_config(&value)?, None)
    } else {
        configured(ctx, text)?
    };
    if &index == destination {
        return Err(UserError::usage(format!(
            "the source `{index}` is the destination registry itself"
        ))
        .into());
    }
    let cargos = match &registry {
        Some(registry) => Some((registry, ctx.cargo_home()?)),
        None => None,
    };
    let token = settings::source_token(token_from_stdin, cargos, &ctx.shell)?;
    Source::index(ctx.http()?, index, token)
}

/// A registry in cargo's config, by name, and its index.
fn configured(ctx: &Context, name: &str) -> Result<(IndexUrl, Option<RegistryDef>)> {
    let stack = ctx.config()?;
    let Some(registry) = stack.registries().into_iter().find(|r| r.name == name) else {
        return Err(UserError::usage(format!(
            "`{}` is not a directory, an index URL or a registry in cargo's config",
            crate::shell::clean_line(name)
        ))
        .hint("pass `--from sparse+https://.../index/`, `--from NAME` for a configured registry, or `--from DIR` with `.crate` files")
        .into());
    };
    let index = settings::registry_index(&registry, "be a source")?;
    Ok((index, Some(registry)))
}

/// Every name `Cargo.lock` resolves from the source (every version of each).
fn from_lock(path: &Path, source: &Source<'_>) -> Result<Vec<Wanted>> {
    let packages = crate::ops::audit::read_lock(path)?.ok_or_else(|| {
        UserError::new(format!("there is no `{}`", path.display()))
            .hint("pass the path of a `Cargo.lock`, e.g. `--lock Cargo.lock`")
    })?;
    let dir_names = match source {
        Source::Dir(_) => Some(source.all_names()?),
        Source::Index(_) => None,
    };
    let mut names: Vec<String> = packages
        .into_iter()
        .filter(|p| match (&dir_names, &p.source) {
            (Some(names), _) => names.iter().any(|n| n.eq_ignore_ascii_case(&p.name)),
            (None, Some(locked)) => source.is_self(locked),
            (None, None) => false,
        })
        .map(|p| p.name)
        .collect();
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|name| Wanted {
            name,
            versions: VersionMatch::All,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_way_to_say_which_crates() {
        let lock = Path::new("Cargo.lock");
        for (crates, lock, all) in [
            (names(&[]), None, false),
            (names(&["a"]), Some(lock), false),
            (names(&[]), Some(lock), true),
            (names(&["a"]), None, true),
        ] {
            let err = Which::of(&crates, lock, all).err().unwrap();
            assert!(
                err.to_string().starts_with("say which crates to copy"),
                "{err}"
            );
        }
        assert!(matches!(Which::of(&[], None, true), Ok(Which::All)));
        assert!(matches!(Which::of(&[], Some(lock), false), Ok(Which::Lock(p)) if p == lock));
    }

    #[test]
    fn named_crates_are_checked_before_any_server_is_asked() {
        let Ok(Which::Named(named)) = Which::of(&names(&["a", " b@>=1 "]), None, false) else {
            panic!("not named");
        };
        assert_eq!(named[0].versions, VersionMatch::All);
        assert_eq!(named[1].name, "b");
        assert!(matches!(named[1].versions, VersionMatch::Req(_)));
        let twice = Which::of(&names(&["a", "A@1.0.0"]), None, false)
            .err()
            .unwrap();
        assert_eq!(twice.to_string(), "`A` is named twice");
        assert!(Which::of(&names(&["no good"]), None, false).is_err());
    }
}
