//! Finding, reading and editing cargo's config files the way cargo does.

pub mod cnb_block;
pub mod credentials_file;
pub mod splice;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use toml_edit::Document;

use crate::env;
use crate::error::UserError;
use crate::registry_url::IndexUrl;

/// `$CARGO_HOME`, else `~/.cargo`; a relative `CARGO_HOME` is taken from
/// the current directory, as cargo does.
pub fn cargo_home(cwd: &Path) -> Result<PathBuf> {
    if let Some(home) = env::var_os(env::CARGO_HOME) {
        return Ok(cwd.join(home));
    }
    let home = dirs::home_dir().ok_or_else(|| {
        UserError::new("cannot find the home directory to locate cargo's config")
            .hint("set `CARGO_HOME` to cargo's home directory")
    })?;
    Ok(home.join(".cargo"))
}

/// The config file cargo reads in `dir/.cargo`: the legacy extensionless
/// `config` wins when it exists (cargo warns and uses it), else `config.toml`.
pub fn config_file_in_cargo_dir(cargo_dir: &Path) -> PathBuf {
    let legacy = cargo_dir.join("config");
    // As cargo decides: anything there (a FIFO too, which is then refused
    // when read rather than passed over), a dangling symlink not.
    if legacy.exists() {
        legacy
    } else {
        cargo_dir.join("config.toml")
    }
}

/// The config files cargo reads from `cwd`, deepest first, then
/// `$CARGO_HOME`'s unless the walk up already met it.
pub fn config_paths(cwd: &Path, cargo_home: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for dir in cwd.ancestors() {
        let path = config_file_in_cargo_dir(&dir.join(".cargo"));
        // Anything there counts, as for cargo: reading it refuses a FIFO or
        // a directory with a clear error, where skipping it would hide it.
        // A dangling symlink is passed over, as cargo does.
        if path.exists() {
            paths.push(path);
        }
    }
    let home_config = config_file_in_cargo_dir(cargo_home);
    let home_canonical = home_config.canonicalize().ok();
    let seen = paths.iter().any(|p| {
        p == &home_config || (home_canonical.is_some() && p.canonicalize().ok() == home_canonical)
    });
    if home_config.exists() && !seen {
        paths.push(home_config);
    }
    paths
}

/// One parsed config file.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub doc: Document<String>,
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<ConfigFile> {
        let bytes = crate::fs::read_regular(path)?
            .ok_or_else(|| UserError::new(format!("`{}` disappeared", path.display())))?;
        let text = String::from_utf8(bytes)
            .with_context(|| format!("`{}` is not valid UTF-8", path.display()))?;
        let doc = Document::parse(text.clone()).map_err(|e| {
            let (line, column) = crate::fs::edit::line_col(&text, e.span().map_or(0, |s| s.start));
            UserError::new(format!(
                "`{}:{line}:{column}`: invalid TOML: {}",
                path.display(),
                e.message().trim()
            ))
            .hint("cargo cannot read this file either; fix it and run again")
        })?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    fn line_of(&self, offset: Option<usize>) -> usize {
        crate::fs::edit::line_col(self.doc.raw(), offset.unwrap_or(0)).0
    }
}

pub use crate::origin::Origin;

#[derive(Debug, Clone)]
pub struct RegistryDef {
    pub name: String,
    /// The `index` value as written.
    pub index: String,
    pub origin: Origin,
    /// Whether cargo reads its own token store for this registry.
    pub cargo_store: CargoStore,
}

/// Whether cargo reads `CARGO_REGISTRIES_<NAME>_TOKEN` and
/// `credentials.toml` for a registry: only its `cargo:token` provider
/// does, and only when that provider is the one cargo asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CargoStore {
    /// `cargo:token` is the registry's provider, or the first one cargo
    /// asks among the global ones.
    Read,
    /// Global providers list `cnbcargo` after `cargo:token`: cargo asks
    /// cnbcargo first, and its store only when cnbcargo has no token.
    ReadAfterCnbcargo,
    /// Another provider: cargo never reads its store for this registry.
    NotRead,
}

impl RegistryDef {
    pub fn index_url(&self) -> Option<IndexUrl> {
        IndexUrl::from_config_value(&self.index)
    }

    /// The `index` value for messages: a password in it is not shown.
    pub fn index_shown(&self) -> String {
        crate::shell::clean_line(&crate::registry_url::redact_text(&self.index))
    }
}

/// Every config file cargo reads from `cwd`, deepest first, then
/// `$CARGO_HOME`'s.
#[derive(Debug)]
pub struct ConfigStack {
    pub files: Vec<ConfigFile>,
}

impl ConfigStack {
    pub fn discover(cwd: &Path, cargo_home: &Path) -> Result<ConfigStack> {
        let paths = config_paths(cwd, cargo_home);
        let files = paths
            .iter()
            .map(|p| ConfigFile::read(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(ConfigStack { files })
    }

    /// All `[registries.NAME]` with an index, deeper files winning, with
    /// `CARGO_REGISTRIES_<NAME>_INDEX` applied on top.
    pub fn registries(&self) -> Vec<RegistryDef> {
        let mut defs: Vec<RegistryDef> = Vec::new();
        for file in &self.files {
            let Some(table) = file
                .doc
                .as_table()
                .get("registries")
                .and_then(|r| r.as_table_like())
            else {
                continue;
            };
            for (name, entry) in table.iter() {
                if defs.iter().any(|d| d.name == name) {
                    continue;
                }
                let Some(index) = entry
                    .as_table_like()
                    .and_then(|e| e.get("index"))
                    .and_then(|i| i.as_value())
                else {
                    continue;
                };
                let Some(text) = index.as_str() else { continue };
                defs.push(RegistryDef {
                    name: name.to_string(),
                    index: text.to_string(),
                    origin: Origin::File {
                        path: file.path.clone(),
                        line: file.line_of(index.span().map(|s| s.start)),
                    },
                    cargo_store: self.cargo_store(name),
                });
            }
        }
        for def in &mut defs {
            let var = format!(
                "{}{}_INDEX",
                env::CARGO_REGISTRIES_PREFIX,
                env::registry_env_name(&def.name)
            );
            if let Some(index) = env::var_non_empty(&var) {
                def.index = index;
                def.origin = Origin::Env(var);
            }
        }
        defs
    }

    /// How cargo's own token store serves the registry `name` (see
    /// `CargoStore`): its own `credential-provider`, else
    /// `registry.global-credential-providers` (the variable, else every
    /// file's list joined, `$CARGO_HOME`'s first as cargo joins arrays;
    /// `["cargo:token"]` when none is set), the last entry asked first.
    pub fn cargo_store(&self, name: &str) -> CargoStore {
        let token_only = |words: &[String]| words.len() == 1 && words[0] == "cargo:token";
        if let Some((words, _)) = self.registry_provider(name) {
            return if token_only(&words) {
                CargoStore::Read
            } else {
                CargoStore::NotRead
            };
        }
        let global: Vec<String> =
            match env::var_non_empty(env::CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS) {
                Some(text) => split_words(&text),
                None => {
                    let lists = self.lookup(&["registry", "global-credential-providers"]);
                    if lists.is_empty() {
                        vec!["cargo:token".to_string()]
                    } else {
                        lists
                            .iter()
                            .rev()
                            .filter_map(|(item, _)| item.as_value()?.as_array())
                            .flat_map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)))
                            .collect()
                    }
                }
            };
        // cargo asks the last entry first.
        let mut asked = global.iter().rev().map(|entry| split_words(entry));
        match asked.position(|words| token_only(&words)) {
            None => CargoStore::NotRead,
            Some(0) => CargoStore::Read,
            Some(before) => {
                let earlier: Vec<Vec<String>> = global
                    .iter()
                    .rev()
                    .take(before)
                    .map(|entry| split_words(entry))
                    .collect();
                if earlier.iter().all(|w| {
                    w.first()
                        .and_then(|p| Path::new(p).file_stem())
                        .is_some_and(|stem| stem == "cnbcargo")
                }) {
                    CargoStore::ReadAfterCnbcargo
                } else {
                    CargoStore::NotRead
                }
            }
        }
    }

    /// Every occurrence of a dotted key, deepest file first.
    pub fn lookup(&self, path: &[&str]) -> Vec<(&toml_edit::Item, Origin)> {
        let mut found = Vec::new();
        for file in &self.files {
            let mut item = file.doc.as_item();
            let mut ok = true;
            for key in path {
                match item.as_table_like().and_then(|t| t.get(key)) {
                    Some(next) => item = next,
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                let offset = item
                    .span()
                    .or_else(|| item.as_value().and_then(|v| v.span()));
                found.push((
                    item,
                    Origin::File {
                        path: file.path.clone(),
                        line: file.line_of(offset.map(|s| s.start)),
                    },
                ));
            }
        }
        found
    }

    /// The registry's own `credential-provider` (which, since cargo 1.86,
    /// replaces rather than merges across files): the
    /// `CARGO_REGISTRIES_<NAME>_CREDENTIAL_PROVIDER` variable, else the
    /// deepest file. A string is split on whitespace, as cargo does; an
    /// alias from `[credential-alias]` is resolved.
    pub fn registry_provider(&self, name: &str) -> Option<(Vec<String>, Origin)> {
        let var = env::registry_var(name, "CREDENTIAL_PROVIDER");
        let (words, origin) = match env::var_non_empty(&var) {
            Some(text) => (split_words(&text), Origin::Env(var)),
            None => {
                let (item, origin) = self
                    .lookup(&["registries", name, "credential-provider"])
                    .into_iter()
                    .next()?;
                (provider_words(item)?, origin)
            }
        };
        if let [alias] = words.as_slice()
            && let Some((item, _)) = self
                .lookup(&["credential-alias", alias.as_str()])
                .into_iter()
                .next()
            && let Some(resolved) = provider_words(item)
        {
            return Some((resolved, origin));
        }
        Some((words, origin))
    }

    /// `registry.default`: `CARGO_REGISTRY_DEFAULT`, else the deepest file.
    pub fn registry_default(&self) -> Option<(String, Origin)> {
        if let Some(name) = env::var_non_empty(env::CARGO_REGISTRY_DEFAULT) {
            return Some((name, Origin::Env(env::CARGO_REGISTRY_DEFAULT.to_string())));
        }
        self.files.iter().find_map(|file| {
            let value = file
                .doc
                .as_table()
                .get("registry")
                .and_then(|r| r.as_table_like())
                .and_then(|r| r.get("default"))
                .and_then(|d| d.as_value())?;
            Some((
                value.as_str()?.to_string(),
                Origin::File {
                    path: file.path.clone(),
                    line: file.line_of(value.span().map(|s| s.start)),
                },
            ))
        })
    }
}

fn split_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// A provider value: `"path args"` or `["path", "args"]`.
fn provider_words(item: &toml_edit::Item) -> Option<Vec<String>> {
    let value = item.as_value()?;
    if let Some(text) = value.as_str() {
        return Some(split_words(text));
    }
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod provider_tests {
    use super::*;

    #[test]
    fn whether_cargo_reads_its_token_store_follows_its_providers() {
        let project = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(project.path().join(".cargo")).unwrap();
        let store = |config: &str, name: &str| {
            std::fs::write(project.path().join(".cargo/config.toml"), config).unwrap();
            ConfigStack::discover(project.path(), home.path())
                .unwrap()
                .cargo_store(name)
        };
        assert_eq!(store("", "r"), CargoStore::Read);
        let own = "[registries.r]\ncredential-provider = ";
        assert_eq!(
            store(&format!("{own}\"cargo:token\"\n"), "r"),
            CargoStore::Read
        );
        assert_eq!(
            store(&format!("{own}\"cargo:token-from-stdout echo x\"\n"), "r"),
            CargoStore::NotRead
        );
        let global = "[registry]\nglobal-credential-providers = ";
        for (list, expected) in [
            ("[\"cargo:token\"]", CargoStore::Read),
            ("[\"cargo:libsecret\", \"cargo:token\"]", CargoStore::Read),
            (
                "[\"cargo:token\", \"cnbcargo\"]",
                CargoStore::ReadAfterCnbcargo,
            ),
            (
                "[\"cargo:token\", \"cargo:libsecret\"]",
                CargoStore::NotRead,
            ),
            ("[\"cargo:libsecret\"]", CargoStore::NotRead),
        ] {
            assert_eq!(store(&format!("{global}{list}\n"), "r"), expected, "{list}");
        }
    }

    #[test]
    fn a_registrys_own_provider_is_read_as_cargo_reads_it() {
        let project = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(project.path().join(".cargo")).unwrap();
        std::fs::write(
            project.path().join(".cargo/config.toml"),
            "[registries.by-string]\ncredential-provider = \"cnbcargo --x\"\n\
             [registries.by-array]\ncredential-provider = [\"/opt/bin/cnbcargo\", \"a b\"]\n\
             [registries.by-alias]\ncredential-provider = \"mine\"\n\
             [credential-alias]\nmine = [\"cnbcargo\"]\n",
        )
        .unwrap();
        // The deeper file wins over `$CARGO_HOME`'s: no merging.
        std::fs::write(
            home.path().join("config.toml"),
            "[registries.by-string]\ncredential-provider = \"cargo:token\"\n\
             [registries.home-only]\ncredential-provider = \"cargo:libsecret\"\n",
        )
        .unwrap();
        let stack = ConfigStack::discover(project.path(), home.path()).unwrap();
        let words = |name: &str| stack.registry_provider(name).map(|(w, _)| w);
        assert_eq!(words("by-string").unwrap(), ["cnbcargo", "--x"]);
        assert_eq!(words("by-array").unwrap(), ["/opt/bin/cnbcargo", "a b"]);
        assert_eq!(words("by-alias").unwrap(), ["cnbcargo"]);
        assert_eq!(words("home-only").unwrap(), ["cargo:libsecret"]);
        assert!(words("none-at-all").is_none());
    }
}
