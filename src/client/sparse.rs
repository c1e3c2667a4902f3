//! cargo's sparse index, read as cargo reads it: `config.json`, and a
//! crate's file with the token cargo would send (raw, no `Bearer`).

use std::io::{BufRead, BufReader, Read};
use std::time::Duration;

use reqwest::header;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{
    Auth, Call, Error, Http, INDEX_CONFIG, INDEX_FILE, INDEX_LINE, Limit, decode_error, redact,
    server_text,
};
use crate::credentials::Secret;
use crate::registry_url::IndexUrl;
use crate::spec::validate_crate_name;

const HEADERS: &[(&str, &str)] = &[("cargo-protocol", "version=1")];

/// The most memory the entries read from one index file may take (as
/// `Weigh` counts it). The file's cap (`INDEX_FILE`) bounds the bytes
/// read, not what they parse to: 64 MiB of short valid lines made 400 MiB
/// of entries. 12 MiB holds ~150,000 versions as `list` reads them, and
/// every field of crates.io's large files (`windows`, `aws-sdk-*`); only
/// the few with thousands of features a version (`web-sys`, `icondata`)
/// are over it when every field is read, as `migrate` does. With it, a
/// command reading an endless index stays under 32 MiB.
pub const INDEX_ENTRIES: Limit = Limit {
    bytes: 12 << 20,
    what: "the entries of a crate's index file, parsed",
};

#[derive(Debug, Clone, Deserialize)]
pub struct IndexEntry {
    pub vers: String,
    #[serde(default)]
    pub yanked: bool,
}

/// Features, as the index lists them.
pub type FeatureMap = BTreeMap<String, Vec<String>>;

/// One version with every field cargo reads from the index, for copying it
/// to another registry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct FullEntry {
    pub name: String,
    pub vers: String,
    #[serde(default)]
    pub deps: Vec<IndexDep>,
    pub cksum: String,
    #[serde(default)]
    pub features: FeatureMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features2: Option<FeatureMap>,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default)]
    pub links: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_version: Option<String>,
}

impl FullEntry {
    /// `features` and `features2` together: registries split them
    /// differently (`features2` holds the `dep:` and `?/` syntax), and a
    /// copy is faithful when the union is the same.
    pub fn all_features(&self) -> FeatureMap {
        let mut all = self.features.clone();
        if let Some(more) = &self.features2 {
            all.extend(more.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        all
    }
}

/// A dependency as the index lists it: `name` is the name in the
/// dependent's manifest (the alias), `package` the real name when renamed;
/// `registry` is `None` for the index's own registry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct IndexDep {
    pub name: String,
    pub req: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default = "default_true")]
    pub default_features: bool,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub registry: Option<String>,
    #[serde(default)]
    pub package: Option<String>,
}

fn default_true() -> bool {
    true
}

/// Roughly the memory a parsed entry holds: its own size, each heap
/// block with the allocator's overhead, and room for the `Vec` it is in
/// to double. An estimate on the high side, so `INDEX_ENTRIES` is a bound.
pub trait Weigh {
    fn weight(&self) -> usize;
}

/// A `String`'s heap block (none when empty).
fn heap(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        text.len().next_multiple_of(16) + 16
    }
}

fn strings_weight(list: &[String]) -> usize {
    list.iter()
        .map(|s| std::mem::size_of::<String>() + heap(s))
        .sum::<usize>()
        + if list.is_empty() { 0 } else { 16 }
}

fn features_weight(map: &FeatureMap) -> usize {
    // A B-tree's key and value, and its share of a node.
    let per_item = std::mem::size_of::<String>() + std::mem::size_of::<Vec<String>>() + 16;
    map.iter()
        .map(|(k, v)| per_item + heap(k) + strings_weight(v))
        .sum()
}

impl Weigh for IndexEntry {
    fn weight(&self) -> usize {
        2 * std::mem::size_of::<Self>() + heap(&self.vers)
    }
}

impl Weigh for FullEntry {
    fn weight(&self) -> usize {
        let text = |t: &Option<String>| t.as_deref().map_or(0, heap);
        let deps: usize = self
            .deps
            .iter()
            .map(|d| {
                std::mem::size_of::<IndexDep>()
                    + heap(&d.name)
                    + heap(&d.req)
                    + strings_weight(&d.features)
                    + text(&d.target)
                    + text(&d.kind)
                    + text(&d.registry)
                    + text(&d.package)
            })
            .sum();
        2 * std::mem::size_of::<Self>()
            + heap(&self.name)
            + heap(&self.vers)
            + heap(&self.cksum)
            + deps
            + if self.deps.is_empty() { 0 } else { 16 }
            + features_weight(&self.features)
            + self.features2.as_ref().map_or(0, features_weight)
            + text(&self.links)
            + text(&self.rust_version)
    }
}

/// The parts of `config.json` cnbcargo uses.
#[derive(Debug, Clone, Deserialize)]
pub struct IndexConfig {
    /// Required, so that an answer without it is not taken for a registry's.
    pub dl: String,
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default, rename = "auth-required")]
    pub auth_required: bool,
}

/// What `config.json` answered.
#[derive(Debug)]
pub enum ConfigAnswer {
    Config(IndexConfig),
    /// 401, with the `www-authenticate` challenge if there was one.
    Unauthorized {
        challenge: Option<String>,
    },
}

/// `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd...`, from the lower-cased name.
/// The name is checked first, so it cannot add path segments, and a
/// multi-byte character cannot be cut in half.
pub fn file_path(name: &str) -> Result<String, crate::error::UserError> {
    validate_crate_name(name)?;
    let name = name.to_ascii_lowercase();
    Ok(match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    })
}

pub struct SparseIndex<'h> {
    http: &'h Http,
    index: IndexUrl,
    token: Option<Secret>,
}

impl<'h> SparseIndex<'h> {
    pub fn new(http: &'h Http, index: IndexUrl, token: Option<Secret>) -> SparseIndex<'h> {
        SparseIndex { http, index, token }
    }

    fn auth(&self) -> Auth<'_> {
        self.token.as_ref().map_or(Auth::None, Auth::Raw)
    }

    /// The index this reads.
    pub fn url(&self) -> &IndexUrl {
        &self.index
    }

    /// `config.json`, anonymously or with the token; `timeout` shortens
    /// the client's for quick checks.
    pub fn config(
        &self,
        with_token: bool,
        timeout: Option<Duration>,
    ) -> Result<ConfigAnswer, Error> {
        let url = self.index.join("config.json");
        let call = Call {
            auth: if with_token { self.auth() } else { Auth::None },
            headers: HEADERS,
            timeout,
            // A read like any other: a 503 or a dropped connection is
            // tried again (`net.retry`), a 401 is an answer.
            idempotent: true,
            ..Call::get(url.clone(), Auth::None)
        };
        let answer = self.http.send(call)?;
        if answer.status().as_u16() == 401 {
            let challenge = answer
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| server_text(&String::from_utf8_lossy(v.as_bytes()), None));
            return Ok(ConfigAnswer::Unauthorized { challenge });
        }
        let body = answer.success_bytes(INDEX_CONFIG)?;
        let config: IndexConfig = serde_json::from_slice(&body).map_err(|e| {
            let reason = if body.trim_ascii_start().starts_with(b"<") {
                "an HTML page, not a registry's `config.json`".to_string()
            } else {
                format!("not a registry's `config.json` ({e})")
            };
            decode_error(&url, reason, self.token.as_ref())
        })?;
        Ok(ConfigAnswer::Config(config))
    }

    /// The versions the index lists for `name` (on CNB: the registry's
    /// own, or the crates.io proxy's when the registry has none); empty
    /// when the index does not know the crate. The file is read line by
    /// line, so its size does not become memory.
    pub fn versions(&self, name: &str) -> Result<Vec<IndexEntry>, Error> {
        self.entries(name)
    }

    /// Every field of each version the index lists for `name`.
    pub fn full_entries(&self, name: &str) -> Result<Vec<FullEntry>, Error> {
        self.entries(name)
    }

    /// The index file of `name`, one `T` per line.
    fn entries<T: DeserializeOwned + Weigh>(&self, name: &str) -> Result<Vec<T>, Error> {
        let path = file_path(name).map_err(|e| Error::Decode {
            url: redact(self.index.http_url()),
            reason: e.to_string(),
        })?;
        let url = self.index.join(&path);
        let call = Call {
            headers: HEADERS,
            ..Call::get(url.clone(), self.auth())
        };
        let answer = self.http.send(call)?;
        match answer.status().as_u16() {
            404 | 410 => return Ok(Vec::new()),
            status if !(200..300).contains(&status) => return Err(answer.into_error()),
            _ => {}
        }
        let shown = redact(&url);
        let too_large = |limit| Error::TooLarge {
            url: shown.clone(),
            limit,
        };
        if answer
            .content_length()
            .is_some_and(|len| len > INDEX_FILE.bytes)
        {
            return Err(too_large(INDEX_FILE));
        }
        let mut reader = BufReader::new(answer.reader().take(INDEX_FILE.bytes + 1));
        let mut entries = Vec::new();
        let mut line = Vec::new();
        let mut total = 0u64;
        let mut held = 0usize;
        for number in 1.. {
            line.clear();
            let read = (&mut reader)
                .take(INDEX_LINE.bytes + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| super::body_error(e, &shown))?;
            if read == 0 {
                break;
            }
            total += read as u64;
            if total > INDEX_FILE.bytes {
                return Err(too_large(INDEX_FILE));
            }
            if line.len() as u64 > INDEX_LINE.bytes {
                return Err(too_large(INDEX_LINE));
            }
            if line.trim_ascii().is_empty() {
                continue;
            }
            let entry: T = serde_json::from_slice(&line).map_err(|e| {
                decode_error(
                    &url,
                    format!("line {number} is not an index entry: {e}"),
                    self.token.as_ref(),
                )
            })?;
            held += entry.weight();
            if held as u64 > INDEX_ENTRIES.bytes {
                return Err(too_large(INDEX_ENTRIES));
            }
            entries.push(entry);
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_cargo_layout() {
        assert_eq!(file_path("a").unwrap(), "1/a");
        assert_eq!(file_path("ab").unwrap(), "2/ab");
        assert_eq!(file_path("abc").unwrap(), "3/a/abc");
        assert_eq!(file_path("Serde").unwrap(), "se/rd/serde");
    }

    #[test]
    fn names_that_are_not_crate_names_never_make_a_path() {
        for name in ["krätze", "ää", "../../x?y#z", "", "a/b", "a b", "é"] {
            assert!(file_path(name).is_err(), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn file_path_never_panics(name in "\\PC{0,70}") {
            if let Ok(path) = file_path(&name) {
                proptest::prop_assert!(path.ends_with(&name.to_ascii_lowercase()));
            }
        }
    }
}
