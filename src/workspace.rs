//! The workspace as `cargo metadata --no-deps` describes it: which members
//! a publish selects, in which order, and what would go wrong before any
//! upload (a path dependency without `registry`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use crate::error::UserError;
use crate::spec::validate_crate_name;

#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub packages: Vec<Member>,
    pub workspace_root: PathBuf,
    #[serde(default)]
    pub workspace_default_members: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub name: String,
    pub version: String,
    pub id: String,
    pub manifest_path: PathBuf,
    /// `None`: anywhere; `Some([])`: `publish = false`.
    #[serde(default)]
    pub publish: Option<Vec<String>>,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    #[serde(default)]
    pub rust_version: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Dependency {
    pub name: String,
    #[serde(default)]
    pub rename: Option<String>,
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// The registry's index URL; `None` is crates.io.
    #[serde(default)]
    pub registry: Option<String>,
    /// `None` for a normal dependency, `dev`, `build`.
    #[serde(default)]
    pub kind: Option<String>,
}

impl Dependency {
    /// Published with the crate and resolved when it is verified.
    pub fn travels(&self) -> bool {
        self.kind.as_deref() != Some("dev")
    }
}

impl Member {
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    /// May this member go to `registry`?
    pub fn publishable_to(&self, registry: &str) -> Result<(), String> {
        match &self.publish {
            None => Ok(()),
            Some(list) if list.is_empty() => {
                Err("its `package.publish = false` keeps it out of every registry".to_string())
            }
            Some(list) if list.iter().any(|r| r == registry) => Ok(()),
            Some(list) => Err(format!(
                "its `package.publish = [{}]` does not list `{registry}`",
                list.iter()
                    .map(|r| format!("\"{r}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// Without `--registry`: the one registry every member's
/// `package.publish` allows, if they agree on exactly one.
pub fn only_allowed_registry(members: &[&Member]) -> Option<String> {
    let mut only: Option<&String> = None;
    for member in members {
        match member.publish.as_deref() {
            Some([one]) if only.is_none_or(|o| o == one) => only = Some(one),
            Some([]) => continue,
            _ => return None,
        }
    }
    only.cloned()
}

/// A manifest as a TOML document, for a look before cargo reads it:
/// `None` when it cannot be read or parsed, which cargo explains. A
/// manifest is a few KiB; a larger one is left for cargo to refuse.
pub fn peek_manifest(path: &Path) -> Option<toml_edit::DocumentMut> {
    let Ok(Some(bytes)) = crate::fs::read_regular_limited(path, 4 << 20) else {
        return None;
    };
    String::from_utf8_lossy(&bytes).parse().ok()
}

/// Refuses a package name crates.io and CNB would not take; `manifest`
/// says where it was written.
pub fn check_package_name(name: &str, manifest: &Path) -> Result<(), UserError> {
    validate_crate_name(name).map_err(|e| {
        UserError::new(format!("cannot publish `{name}` ({})", manifest.display()))
            .hint("crates.io and CNB accept ASCII letters, digits, `-` and `_`, starting with a letter, at most 64 characters")
            .caused_by(e)
    })
}

/// Which members the user asked for.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub packages: Vec<String>,
    pub workspace: bool,
    pub exclude: Vec<String>,
}

impl Metadata {
    pub fn parse(json: &[u8]) -> Result<Metadata> {
        let metadata: Metadata = serde_json::from_slice(json)
            .map_err(|e| UserError::new(format!("cannot read `cargo metadata`'s output: {e}")))?;
        for member in &metadata.packages {
            check_package_name(&member.name, &member.manifest_path)?;
        }
        Ok(metadata)
    }

    fn member(&self, name: &str) -> Option<&Member> {
        self.packages.iter().find(|m| m.name == name)
    }

    /// The members to consider, as cargo chooses them: `-p` names them;
    /// `--workspace`, or running at the workspace root, takes the default
    /// members (every member unless `default-members` says otherwise) less
    /// `--exclude`; elsewhere, the member whose directory holds `anchor`.
    pub fn select(&self, selection: &Selection, anchor: &Path) -> Result<Vec<&Member>> {
        let names = |list: &[&Member]| {
            list.iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let all: Vec<&Member> = self.packages.iter().collect();
        for excluded in &selection.exclude {
            if self.member(excluded).is_none() {
                return Err(UserError::usage(format!(
                    "`--exclude {excluded}`: no such package in this workspace"
                ))
                .hint(format!("packages: {}", names(&all)))
                .into());
            }
        }
        if !selection.packages.is_empty() {
            let mut chosen = Vec::new();
            for spec in &selection.packages {
                let name = spec.split('@').next().unwrap_or(spec);
                let member = self.member(name).ok_or_else(|| {
                    UserError::usage(format!("no package `{name}` in this workspace"))
                        .hint(format!("packages: {}", names(&all)))
                })?;
                if !chosen.iter().any(|m: &&Member| m.name == member.name) {
                    chosen.push(member);
                }
            }
            return Ok(chosen);
        }
        let root = canonical(&self.workspace_root);
        let anchor = canonical(anchor);
        if selection.workspace || anchor == root {
            let defaults: Option<HashSet<&str>> = self
                .workspace_default_members
                .as_ref()
                .filter(|_| !selection.workspace)
                .map(|ids| ids.iter().map(String::as_str).collect());
            return Ok(self
                .packages
                .iter()
                .filter(|m| defaults.as_ref().is_none_or(|d| d.contains(m.id.as_str())))
                .filter(|m| !selection.exclude.contains(&m.name))
                .collect());
        }
        self.packages
            .iter()
            .filter(|m| anchor.starts_with(canonical(m.dir())))
            .max_by_key(|m| m.dir().components().count())
            .map(|m| vec![m])
            .ok_or_else(|| {
                UserError::usage("no package here to publish")
                    .hint("run it in a package's directory or at the workspace root, or pass `-p NAME` or `--workspace`")
                    .into()
            })
    }

    /// `members` ordered so that each comes after the members it depends
    /// on (normal and build dependencies, which travel with the crate).
    pub fn publish_order<'m>(&self, members: &[&'m Member]) -> Result<Vec<&'m Member>> {
        let chosen: HashMap<&str, &Member> =
            members.iter().map(|m| (m.name.as_str(), *m)).collect();
        let mut deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for member in members {
            let list = member
                .dependencies
                .iter()
                .filter(|d| d.travels() && d.path.is_some() && chosen.contains_key(d.name.as_str()))
                .filter(|d| d.name != member.name)
                .map(|d| d.name.as_str())
                .collect();
            deps.insert(member.name.as_str(), list);
        }
        // Depth-first, in the order given, so that the result is stable.
        let mut order: Vec<&'m Member> = Vec::new();
        let mut done: HashSet<&str> = HashSet::new();
        let mut visiting: Vec<&str> = Vec::new();
        fn visit<'a, 'm>(
            name: &'a str,
            deps: &BTreeMap<&'a str, Vec<&'a str>>,
            chosen: &HashMap<&'a str, &'m Member>,
            done: &mut HashSet<&'a str>,
            visiting: &mut Vec<&'a str>,
            order: &mut Vec<&'m Member>,
        ) -> Result<()> {
            if done.contains(name) {
                return Ok(());
            }
            if visiting.contains(&name) {
                visiting.push(name);
                return Err(UserError::new(format!(
                    "the packages depend on each other in a cycle: {}",
                    visiting.join(" -> ")
                ))
                .into());
            }
            visiting.push(name);
            for dep in deps.get(name).into_iter().flatten() {
                visit(dep, deps, chosen, done, visiting, order)?;
            }
            visiting.pop();
            done.insert(name);
            order.push(chosen[name]);
            Ok(())
        }
        for member in members {
            visit(
                member.name.as_str(),
                &deps,
                &chosen,
                &mut done,
                &mut visiting,
                &mut order,
            )?;
        }
        Ok(order)
    }
}

/// A path dependency published without `registry = "..."` points at
/// crates.io; for another registry that fails deep inside cargo. One
/// problem per dependency: the member, the dependency, where it is written.
pub fn registry_key_problems(members: &[&Member], registry: &str) -> Vec<String> {
    if registry == "crates-io" {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for member in members {
        for dep in &member.dependencies {
            if !dep.travels() || dep.path.is_none() || dep.registry.is_some() {
                continue;
            }
            let key = dep.rename.as_deref().unwrap_or(&dep.name);
            let at = manifest_line(&member.manifest_path, key)
                .map(|line| format!("{}:{line}", member.manifest_path.display()))
                .unwrap_or_else(|| member.manifest_path.display().to_string());
            problems.push(format!(
                "`{}` depends on `{key}` by path with no `registry` key ({at}): published as is, it would point at crates.io; add `registry = \"{registry}\"` to it",
                member.name
            ));
        }
    }
    problems
}

/// The line of a dependency `key` in any dependency table of a manifest.
fn manifest_line(manifest: &Path, key: &str) -> Option<usize> {
    let text = String::from_utf8(crate::fs::read_regular(manifest).ok()??).ok()?;
    let doc = text.parse::<toml_edit::Document<String>>().ok()?;
    let tables = ["dependencies", "build-dependencies", "dev-dependencies"];
    let mut candidates: Vec<&toml_edit::Item> = tables.iter().filter_map(|t| doc.get(t)).collect();
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
        for (_, target) in targets.iter() {
            candidates.extend(tables.iter().filter_map(|t| target.get(t)));
        }
    }
    for table in candidates {
        let Some(table) = table.as_table_like() else {
            continue;
        };
        if let Some((k, _)) = table.get_key_value(key) {
            let offset = k.span().map(|s| s.start)?;
            return Some(text[..offset].matches('\n').count() + 1);
        }
    }
    None
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, deps: &[&str]) -> Member {
        Member {
            name: name.into(),
            version: "1.0.0".into(),
            id: name.into(),
            manifest_path: PathBuf::from(format!("/ws/{name}/Cargo.toml")),
            publish: None,
            rust_version: None,
            dependencies: deps
                .iter()
                .map(|d| Dependency {
                    name: d.to_string(),
                    rename: None,
                    path: Some(PathBuf::from(format!("/ws/{d}"))),
                    registry: Some("r".into()),
                    kind: None,
                })
                .collect(),
        }
    }

    fn metadata(members: Vec<Member>) -> Metadata {
        Metadata {
            packages: members,
            workspace_root: PathBuf::from("/ws"),
            workspace_default_members: None,
        }
    }

    #[test]
    fn dependencies_come_first() {
        let m = metadata(vec![
            member("c", &["b"]),
            member("b", &["a"]),
            member("a", &[]),
            member("d", &[]),
        ]);
        let all: Vec<&Member> = m.packages.iter().collect();
        let order: Vec<&str> = m
            .publish_order(&all)
            .unwrap()
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        let cyclic = metadata(vec![member("x", &["y"]), member("y", &["x"])]);
        let all: Vec<&Member> = cyclic.packages.iter().collect();
        let err = cyclic.publish_order(&all).unwrap_err().to_string();
        assert!(err.contains("x -> y -> x"), "{err}");
    }

    #[test]
    fn selection_follows_cargo() {
        let m = metadata(vec![member("a", &[]), member("b", &[])]);
        let pick = |s: Selection, anchor: &str| -> Vec<String> {
            m.select(&s, Path::new(anchor))
                .unwrap()
                .iter()
                .map(|m| m.name.clone())
                .collect()
        };
        assert_eq!(pick(Selection::default(), "/ws"), ["a", "b"]);
        assert_eq!(pick(Selection::default(), "/ws/b/src"), ["b"]);
        let ws = Selection {
            workspace: true,
            exclude: vec!["a".into()],
            ..Selection::default()
        };
        assert_eq!(pick(ws, "/ws/a"), ["b"]);
        let p = Selection {
            packages: vec!["b@1.0.0".into(), "a".into()],
            ..Selection::default()
        };
        assert_eq!(pick(p, "/elsewhere"), ["b", "a"]);
        let unknown = Selection {
            packages: vec!["zz".into()],
            ..Selection::default()
        };
        assert!(m.select(&unknown, Path::new("/ws")).is_err());
    }

    #[test]
    fn publish_lists() {
        let mut m = member("a", &[]);
        assert!(m.publishable_to("r").is_ok());
        m.publish = Some(vec![]);
        assert!(
            m.publishable_to("r")
                .unwrap_err()
                .contains("package.publish = false")
        );
        m.publish = Some(vec!["other".into()]);
        assert!(m.publishable_to("r").unwrap_err().contains("\"other\""));
    }
}
