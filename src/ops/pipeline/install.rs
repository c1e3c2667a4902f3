//! How the pipeline gets cnbcargo: the command given, nothing (an image
//! that has it), or the pinned `cargo install` of the very source and
//! version the running cnbcargo was installed from, read from cargo's
//! install records. Never an unpinned install from crates.io: anyone could
//! publish a crate under that name there, and the pipeline would run it
//! with `CNB_TOKEN` in its environment.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::client::sparse::SparseIndex;
use crate::context::Context;
use crate::error::UserError;
use crate::explain::Op;
use crate::ops::audit;

/// The running cnbcargo's package name and version.
const NAME: &str = "cnbcargo";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// crates.io's index as cargo's install records name it: the git index
/// URL cargo keeps as crates.io's identity, or its sparse URL.
const CRATES_IO_IDS: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// The most either install record file may hold: cargo's own files stay
/// far below this even with hundreds of installs.
const RECORDS_LIMIT: u64 = 4 << 20;

/// How the pipeline gets cnbcargo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// A stage runs this command.
    Command(String),
    /// The image already has cnbcargo: no install stage.
    InImage,
}

impl Install {
    /// The install stage's script, `None` for no install stage.
    pub fn command(&self) -> Option<&str> {
        match self {
            Install::Command(command) => Some(command),
            Install::InImage => None,
        }
    }
}

/// Where cargo's records say a package came from.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    /// crates.io itself.
    CratesIo,
    /// Another registry, by the index URL `cargo install --index` takes.
    Registry(String),
    /// A git repository at an exact commit.
    Git { url: String, rev: String },
    /// A local path: CI has no copy of it.
    Path,
    /// Anything else, by its kind (`directory`, `local-registry`, junk).
    Other(String),
}

/// `--install` wins; else `--image` alone means the image has cnbcargo;
/// else the install the running cnbcargo came from, pinned, or an error
/// saying why there is none.
pub fn choose(ctx: &Context, install: Option<&str>, image: Option<&str>) -> Result<Install> {
    if let Some(command) = install {
        return Ok(Install::Command(command.to_string()));
    }
    if image.is_some() {
        return Ok(Install::InImage);
    }
    let (records, source) = recorded_source(ctx)?;
    let command = match source {
        Some(Source::CratesIo) => crates_io_command(ctx)?,
        Some(Source::Registry(index)) => {
            format!("cargo install --locked {NAME} --version ={VERSION} --index {index}")
        }
        Some(Source::Git { url, rev }) => {
            format!("cargo install --locked --git {url} --rev {rev} {NAME}")
        }
        Some(Source::Path) => {
            return Err(refusal(format!(
                "{NAME} {VERSION} was installed from a local path, which the pipeline cannot reach"
            )));
        }
        Some(Source::Other(kind)) => {
            return Err(refusal(format!(
                "{NAME} {VERSION} was installed from a `{kind}` source, which the pipeline cannot install from"
            )));
        }
        None => {
            return Err(refusal(format!(
                "cannot tell how {NAME} {VERSION} was installed: no readable install record of it in `{}`",
                records.display()
            )));
        }
    };
    Ok(Install::Command(command))
}

fn refusal(why: String) -> anyhow::Error {
    UserError::new(why)
        .hint(format!(
            "pass `--install COMMAND` (how the pipeline installs {NAME}) or `--image IMAGE` (an image that already has {NAME})"
        ))
        .into()
}

/// The pinned crates.io line, only when crates.io's index lists this exact
/// version (not yanked). Asked without a token.
fn crates_io_command(ctx: &Context) -> Result<String> {
    let index = audit::crates_io_index()?;
    let sparse = SparseIndex::new(ctx.http()?, index.clone(), None);
    let entries = sparse.versions(NAME).map_err(|err| {
        let err = crate::explain::explain(
            err,
            format!("cannot ask crates.io's index `{index}` whether it lists {NAME} {VERSION}"),
            Op::Read,
        );
        UserError::new(format!("{err:#}")).hint(format!(
            "pass `--install COMMAND` or `--image IMAGE`; where crates.io is out of reach, point `{}` at a mirror of its sparse index",
            crate::env::CNBCARGO_CRATES_IO_INDEX
        ))
    })?;
    if !entries.iter().any(|e| e.vers == VERSION && !e.yanked) {
        return Err(refusal(format!(
            "{NAME} {VERSION} was installed from crates.io, but crates.io's index `{index}` does not list that version"
        )));
    }
    Ok(format!(
        "cargo install --locked {NAME} --version ={VERSION}"
    ))
}

/// The source of the running cnbcargo's install record, and the record
/// file named when there is none.
///
/// `cargo install --root R` puts the binary in `R/bin` and its records in
/// `R`, so the running binary's own root is asked first; then
/// `$CARGO_HOME`, whose record stands for this binary when the package and
/// version match even if it runs from elsewhere (a copy, a build tree):
/// the line installs that same version, which is all the pipeline needs.
fn recorded_source(ctx: &Context) -> Result<(PathBuf, Option<Source>)> {
    let home = ctx.cargo_home()?.to_path_buf();
    let own_root = std::env::current_exe().ok().and_then(|exe| {
        let bin = exe.parent()?;
        (bin.file_name()? == "bin").then(|| bin.parent().map(Path::to_path_buf))?
    });
    for root in own_root.iter().chain([&home]) {
        if let Some(source) = record_in(root) {
            return Ok((root.join(".crates2.json"), Some(source)));
        }
    }
    Ok((home.join(".crates2.json"), None))
}

/// The running cnbcargo's record in an install root: `.crates2.json`, else
/// the older `.crates.toml`. A file that cannot be read or parsed counts as
/// no record.
fn record_in(root: &Path) -> Option<Source> {
    let read = |name: &str| {
        crate::fs::read_regular_limited(&root.join(name), RECORDS_LIMIT)
            .ok()
            .flatten()
    };
    let from_json = read(".crates2.json").and_then(|bytes| {
        let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let installs = doc.get("installs")?.as_object()?;
        installs.iter().find_map(|(key, info)| {
            let bins = info.get("bins")?.as_array()?;
            let bins = bins.iter().filter_map(|b| b.as_str());
            matching(key, bins)
        })
    });
    from_json.or_else(|| {
        let text = String::from_utf8(read(".crates.toml")?).ok()?;
        let doc: toml_edit::DocumentMut = text.parse().ok()?;
        let v1 = doc.get("v1")?.as_table_like()?;
        v1.iter().find_map(|(key, bins)| {
            let bins = bins.as_array()?.iter().filter_map(|b| b.as_str());
            matching(key, bins)
        })
    })
}

/// The source of a record `NAME VERSION (SOURCE)` that is the running
/// cnbcargo's: this package and version, with a `cnbcargo` binary.
fn matching<'b>(key: &str, mut bins: impl Iterator<Item = &'b str>) -> Option<Source> {
    let (name, rest) = key.split_once(' ')?;
    let (version, source) = rest.split_once(" (")?;
    let source = source.strip_suffix(')')?;
    let ours =
        name == NAME && version == VERSION && bins.any(|b| b == NAME || b == format!("{NAME}.exe"));
    ours.then(|| parse_source(source))
}

/// A source id as cargo writes it (`SourceIdAsUrl` in cargo's
/// `core/source_id.rs`): `KIND+URL` (`registry`, `sparse`, `path`,
/// `local-registry`, `directory`), a git URL followed by
/// `?branch=`/`?tag=`/`?rev=` and `#COMMIT`, the commit it built.
fn parse_source(id: &str) -> Source {
    if CRATES_IO_IDS.contains(&id) {
        return Source::CratesIo;
    }
    let Some((kind, url)) = id.split_once('+') else {
        return Source::Other("unknown".to_string());
    };
    let reachable = |url: &str| remote_url(url).then(|| url.to_string());
    match kind {
        "path" => Source::Path,
        "registry" => reachable(url).map_or_else(|| Source::Other(kind.into()), Source::Registry),
        "sparse" => reachable(url).map_or_else(
            || Source::Other(kind.into()),
            |url| Source::Registry(format!("sparse+{url}")),
        ),
        "git" => {
            let (url, commit) = url.split_once('#').unwrap_or((url, ""));
            let url = url.split_once('?').map_or(url, |(url, _)| url);
            let commit_ok =
                (7..=64).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit());
            match reachable(url) {
                Some(url) if commit_ok => Source::Git {
                    url,
                    rev: commit.to_string(),
                },
                _ => Source::Other(kind.into()),
            }
        }
        _ if kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            Source::Other(kind.to_string())
        }
        _ => Source::Other("unknown".to_string()),
    }
}

/// A URL a pipeline can reach and that goes into a shell line and a plain
/// YAML scalar as it is: a network scheme, no credentials (`@`), and only
/// characters neither the shell nor YAML reads specially.
fn remote_url(url: &str) -> bool {
    let network = ["https://", "http://", "git://", "ssh://"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    network
        && url
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/%+=".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_as_cargo_writes_them() {
        assert_eq!(parse_source(CRATES_IO_IDS[0]), Source::CratesIo);
        assert_eq!(parse_source(CRATES_IO_IDS[1]), Source::CratesIo);
        assert_eq!(
            parse_source("sparse+https://cargo.cnb.cool/acme/tools/-/packages/"),
            Source::Registry("sparse+https://cargo.cnb.cool/acme/tools/-/packages/".into())
        );
        assert_eq!(
            parse_source("registry+https://example.com/index"),
            Source::Registry("https://example.com/index".into())
        );
        let sha = "0123456789abcdef0123456789abcdef01234567";
        for query in ["", "?branch=main", "?tag=v1", "?rev=0123456"] {
            assert_eq!(
                parse_source(&format!("git+https://cnb.cool/acme/cnbcargo{query}#{sha}")),
                Source::Git {
                    url: "https://cnb.cool/acme/cnbcargo".into(),
                    rev: sha.into()
                }
            );
        }
        assert_eq!(parse_source("path+file:///home/me/cnbcargo"), Source::Path);
    }

    #[test]
    fn unreachable_or_unsafe_sources_are_refused() {
        let other = |k: &str| Source::Other(k.into());
        // No commit, a local repository, credentials, shell syntax.
        assert_eq!(parse_source("git+https://h/r"), other("git"));
        assert_eq!(parse_source("git+file:///tmp/r#0123456789"), other("git"));
        assert_eq!(parse_source("git+https://u:p@h/r#0123456789"), other("git"));
        assert_eq!(parse_source("git+https://h/r;rm#0123456789"), other("git"));
        assert_eq!(parse_source("sparse+https://h/$(x)/"), other("sparse"));
        assert_eq!(parse_source("registry+file:///r"), other("registry"));
        assert_eq!(parse_source("directory+file:///v"), other("directory"));
        assert_eq!(parse_source("\u{1b}[31m+x"), other("unknown"));
        assert_eq!(parse_source("junk"), other("unknown"));
    }

    #[test]
    fn only_this_package_version_and_binary() {
        let key = |v: &str| format!("{NAME} {v} (path+file:///x)");
        assert_eq!(
            matching(&key(VERSION), ["cnbcargo"].into_iter()),
            Some(Source::Path)
        );
        assert_eq!(matching(&key(VERSION), ["cargo-cnb"].into_iter()), None);
        assert_eq!(
            matching(&key("0.0.0-other"), ["cnbcargo"].into_iter()),
            None
        );
        assert_eq!(matching("cnbcargo", ["cnbcargo"].into_iter()), None);
        let other = format!("other {VERSION} (path+file:///x)");
        assert_eq!(matching(&other, ["cnbcargo"].into_iter()), None);
    }
}
