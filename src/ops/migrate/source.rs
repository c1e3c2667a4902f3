//! Where crates are copied from: any cargo registry's sparse index (its
//! `dl` for the bytes, its search API for `--all`), or a directory of
//! `.crate` files.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::budget::{Budget, Taken};
use super::manifest;
use crate::client::sparse::{ConfigAnswer, FullEntry, SparseIndex, file_path};
use crate::client::{self, Auth, Call, Error, Http, Limit};
use crate::credentials::Secret;
use crate::error::UserError;
use crate::explain::{Op, explain};
use crate::registry_url;
use crate::registry_url::IndexUrl;

/// The largest `.crate` copied. crates.io takes 10 MiB; private registries
/// allow more. The cap only stops a hostile source: memory holds one crate
/// per job.
pub const CRATE_FILE: Limit = Limit {
    bytes: 512 << 20,
    what: "a `.crate` file",
};
/// Pages of the source's search API read for `--all` before giving up.
const MAX_SEARCH_PAGES: usize = 1000;
const SEARCH_PAGE: usize = 100;
const SEARCH_BODY: Limit = Limit {
    bytes: 4 << 20,
    what: "a page of the source's search API",
};

pub enum Source<'h> {
    Index(Box<IndexSource<'h>>),
    Dir(DirSource),
}

pub struct IndexSource<'h> {
    http: &'h Http,
    index: SparseIndex<'h>,
    dl: String,
    /// `config.json`'s `api`, checked only when `--all` reads it: named
    /// crates need no API, and a URL never contacted cannot leak a token.
    api: Option<String>,
    /// Sent with downloads as cargo does: when the index requires it.
    download_token: Option<Secret>,
    token: Option<Secret>,
}

pub struct DirSource {
    pub root: PathBuf,
    crates: Vec<DirCrate>,
}

struct DirCrate {
    path: PathBuf,
    entry: FullEntry,
    /// Why it is not copied: other files hold the same version with
    /// other bytes, and which one is right cannot be told.
    refused: Option<String>,
}

impl<'h> Source<'h> {
    /// Opens a sparse index: its `config.json` is read now.
    pub fn index(http: &'h Http, url: IndexUrl, token: Option<Secret>) -> Result<Source<'h>> {
        if token.is_some() {
            url.check_token_allowed()?;
        }
        let index = SparseIndex::new(http, url.clone(), token.clone());
        let action = format!("cannot read the source index's `config.json` ({url})");
        let config = match index.config(token.is_some(), None) {
            Ok(ConfigAnswer::Config(config)) => config,
            Ok(ConfigAnswer::Unauthorized { .. }) => {
                return Err(UserError::new(format!(
                    "{action}: it needs a token{}",
                    if token.is_some() {
                        ", and refused the one given (401)"
                    } else {
                        ""
                    }
                ))
                .hint(format!(
                    "set `{}` or pass `--from-token-stdin`",
                    crate::env::CNBCARGO_FROM_TOKEN
                ))
                .into());
            }
            Err(e) => return Err(explain(e, action, Op::Read)),
        };
        Ok(Source::Index(Box::new(IndexSource {
            http,
            index,
            dl: config.dl,
            api: config.api,
            download_token: token.clone().filter(|_| config.auth_required),
            token,
        })))
    }

    /// Reads every `.crate` in `root` (not below): its manifest and sha256.
    pub fn dir(root: &Path) -> Result<Source<'static>> {
        let listing = std::fs::read_dir(root)
            .map_err(|e| UserError::new(format!("cannot read `{}`: {e}", root.display())))?;
        let mut crates = Vec::new();
        let mut paths: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "crate") && p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let shown = path.display().to_string();
            let read = || -> Result<FullEntry, String> {
                let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
                let unpacked = manifest::unpack(std::io::BufReader::new(file))?;
                let mut file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
                let mut hasher = Sha256::new();
                std::io::copy(&mut file, &mut HashWriter(&mut hasher))
                    .map_err(|e| e.to_string())?;
                unpacked.entry(hex(&hasher.finalize()))
            };
            let entry = read().map_err(|why| UserError::new(format!("`{shown}`: {why}")))?;
            crate::spec::validate_crate_name(&entry.name).map_err(|_| {
                UserError::new(format!(
                    "`{shown}`: its `Cargo.toml` names `{}`, which is not a crate name",
                    crate::shell::clean_line(&entry.name)
                ))
            })?;
            // One version in several files: the same bytes are one crate;
            // other bytes are refused, every file named, since which one
            // is the version cannot be told.
            let same = |c: &DirCrate| {
                c.entry.name.eq_ignore_ascii_case(&entry.name) && c.entry.vers == entry.vers
            };
            match crates.iter().position(same) {
                None => crates.push(DirCrate {
                    path,
                    entry,
                    refused: None,
                }),
                Some(_)
                    if crates
                        .iter()
                        .filter(|c| same(c))
                        .all(|c| c.entry.cksum == entry.cksum) => {}
                Some(first) => {
                    let mut paths: Vec<String> = crates
                        .iter()
                        .filter(|c| same(c))
                        .map(|c| format!("`{}`", c.path.display()))
                        .collect();
                    paths.push(format!("`{shown}`"));
                    paths.dedup();
                    crates[first].refused = Some(format!(
                        "{} hold it with different bytes: all refused, since which one is the version cannot be told; keep one of them in the directory",
                        paths.join(" and ")
                    ));
                    crates.push(DirCrate {
                        path,
                        entry,
                        refused: Some(String::new()),
                    });
                }
            }
        }
        // One entry per version: the first file's, carrying the refusal.
        crates.retain(|c| c.refused.as_deref() != Some(""));
        if crates.is_empty() {
            return Err(
                UserError::new(format!("`{}` holds no `.crate` files", root.display())).into(),
            );
        }
        Ok(Source::Dir(DirSource {
            root: root.to_path_buf(),
            crates,
        }))
    }

    /// What to call the source in messages.
    pub fn shown(&self) -> String {
        match self {
            Source::Index(s) => s.index.url().to_string(),
            Source::Dir(d) => d.root.display().to_string(),
        }
    }

    /// Whether an index `registry` value names this source (a dependency
    /// on another crate of the same registry).
    pub fn is_self(&self, registry: &str) -> bool {
        match self {
            Source::Index(s) => IndexUrl::normalize(registry).as_ref() == Some(s.index.url()),
            Source::Dir(_) => false,
        }
    }

    /// Whether a dependency with this index `registry` is on a crate of
    /// the source itself: what `migrate` must copy first, or find in the
    /// destination. In crates.io's own index (or a mirror of it) no
    /// `registry` means crates.io, elsewhere the registry itself (and, for
    /// a directory, the registry being migrated: see `manifest::Unpacked::entry`).
    pub fn is_own_dependency(&self, registry: Option<&str>) -> bool {
        match registry {
            None => !self.is_crates_io(),
            Some(r) => self.is_self(r),
        }
    }

    /// A dependency's `registry` as the destination's publish metadata
    /// carries it: the source's own crates (`is_own_dependency`, and any
    /// naming the destination) are the destination's now (`None`);
    /// crates.io stays crates.io, and so does any other registry.
    pub fn registry_for_destination(
        &self,
        registry: Option<&str>,
        destination: &IndexUrl,
    ) -> Option<String> {
        if self.is_own_dependency(registry) {
            return None;
        }
        match registry {
            // Only a crates.io source gets here: its own crates are crates.io's.
            None => Some(manifest::CRATES_IO_INDEX.to_string()),
            Some(r) if IndexUrl::normalize(r).as_ref() == Some(destination) => None,
            Some(r) => Some(r.to_string()),
        }
    }

    fn is_crates_io(&self) -> bool {
        match self {
            Source::Index(s) => s
                .index
                .url()
                .http_url()
                .host_str()
                .is_some_and(|h| h == "index.crates.io"),
            Source::Dir(_) => false,
        }
    }

    /// Why a version the source lists cannot be copied at all, if so.
    pub fn refusal(&self, entry: &FullEntry) -> Option<String> {
        match self {
            Source::Dir(d) => d
                .crates
                .iter()
                .find(|c| c.entry.name == entry.name && c.entry.vers == entry.vers)
                .and_then(|c| c.refused.clone()),
            Source::Index(_) => None,
        }
    }

    /// Every crate the source lists: its search API, or the directory.
    pub fn all_names(&self) -> Result<Vec<String>> {
        match self {
            Source::Dir(d) => {
                let mut names: Vec<String> =
                    d.crates.iter().map(|c| c.entry.name.clone()).collect();
                names.sort();
                names.dedup();
                Ok(names)
            }
            Source::Index(s) => s.search_all(),
        }
    }

    /// Every version of `name` the source has; empty when it has none.
    pub fn versions(&self, name: &str) -> Result<Vec<FullEntry>> {
        match self {
            Source::Dir(d) => Ok(d
                .crates
                .iter()
                .filter(|c| c.entry.name.eq_ignore_ascii_case(name))
                .map(|c| c.entry.clone())
                .collect()),
            Source::Index(s) => s.index.full_entries(name).map_err(|e| {
                explain(
                    e,
                    format!("cannot read the source index's entry for `{name}`"),
                    Op::Read,
                )
            }),
        }
    }

    /// Appends the `.crate` of `entry` to `buffer`, refusing bytes whose
    /// sha256 is not the index's `cksum`. Its size is taken from `budget`
    /// before it is read, for as long as the caller holds what is returned.
    pub fn fetch<'b>(
        &self,
        entry: &FullEntry,
        buffer: &mut Vec<u8>,
        budget: &'b Budget,
    ) -> Result<Taken<'b>, String> {
        let mut hasher = Sha256::new();
        let taken = match self {
            Source::Dir(d) => {
                let found = d
                    .crates
                    .iter()
                    .find(|c| c.entry.name == entry.name && c.entry.vers == entry.vers)
                    .ok_or("no such file in the directory")?;
                let file = std::fs::File::open(&found.path)
                    .map_err(|e| format!("cannot read `{}`: {e}", found.path.display()))?;
                let len = file.metadata().ok().map(|meta| meta.len());
                let taken = budget.take(len);
                if let Some(len) = len {
                    reserve(buffer, len);
                }
                read_capped(file, buffer, &mut hasher)
                    .map_err(|e| format!("cannot read `{}`: {e}", found.path.display()))?;
                taken
            }
            Source::Index(s) => s.download(entry, buffer, &mut hasher, budget)?,
        };
        let actual = hex(&hasher.finalize());
        if !actual.eq_ignore_ascii_case(&entry.cksum) {
            return Err(format!(
                "its bytes do not match the source index's checksum (`cksum` {}, the bytes {actual}): refused",
                crate::shell::clean_line(&entry.cksum)
            ));
        }
        Ok(taken)
    }
}

impl IndexSource<'_> {
    /// The download URL from `dl`, as cargo builds it.
    fn download_url(&self, entry: &FullEntry) -> Result<Url, String> {
        crate::spec::validate_crate_name(&entry.name).map_err(|e| e.to_string())?;
        semver::Version::parse(&entry.vers).map_err(|e| {
            format!(
                "`{}` is not a version: {e}",
                crate::shell::clean_line(&entry.vers)
            )
        })?;
        let path = file_path(&entry.name).map_err(|e| e.to_string())?;
        let prefix = path.rsplit_once('/').map_or("", |(p, _)| p).to_string();
        let markers = [
            "{crate}",
            "{version}",
            "{prefix}",
            "{lowerprefix}",
            "{sha256-checksum}",
        ];
        let text = if markers.iter().any(|m| self.dl.contains(m)) {
            self.dl
                .replace("{crate}", &entry.name)
                .replace("{version}", &entry.vers)
                .replace("{prefix}", &prefix_of(&entry.name))
                .replace("{lowerprefix}", &prefix)
                .replace("{sha256-checksum}", &entry.cksum)
        } else {
            // As cargo builds it: no marker, the path appended as is.
            format!("{}/{}/{}/download", self.dl, entry.name, entry.vers)
        };
        download_url_check(&text, self.download_token.is_some())
    }

    /// The answer with the `.crate`'s bytes, redirects followed.
    fn open(&self, entry: &FullEntry) -> Result<(Url, client::Answer<'_>), String> {
        let mut url = self.download_url(entry)?;
        let mut auth = self.download_token.as_ref().map_or(Auth::None, Auth::Raw);
        let mut hops = 0;
        loop {
            let answer = self
                .http
                .send(Call::get(url.clone(), auth))
                .map_err(|e| e.to_string())?;
            // Downloads are often sent on to storage elsewhere (a CDN, S3):
            // followed, as cargo does, without the token, which stays with
            // the source; the checksum vouches for the bytes.
            let location = answer
                .status()
                .is_redirection()
                .then(|| answer.headers().get(reqwest::header::LOCATION).cloned())
                .flatten();
            match location {
                Some(location) if hops < MAX_DOWNLOAD_REDIRECTS => {
                    let text = String::from_utf8_lossy(location.as_bytes()).into_owned();
                    let next = url.join(&text).map_err(|e| {
                        format!(
                            "the download from `{}` redirects to an invalid URL: {e}",
                            registry_url::redact(&url)
                        )
                    })?;
                    if next.origin() != url.origin() {
                        auth = Auth::None;
                    }
                    url = download_url_check(next.as_str(), !matches!(auth, Auth::None))?;
                    hops += 1;
                }
                _ if !answer.status().is_success() => {
                    return Err(answer.into_error().to_string());
                }
                _ => {
                    if answer
                        .content_length()
                        .is_some_and(|len| len > CRATE_FILE.bytes)
                    {
                        return Err(Error::TooLarge {
                            url: registry_url::redact(&url),
                            limit: CRATE_FILE,
                        }
                        .to_string());
                    }
                    return Ok((url, answer));
                }
            }
        }
    }

    fn download<'b>(
        &self,
        entry: &FullEntry,
        buffer: &mut Vec<u8>,
        hasher: &mut Sha256,
        budget: &'b Budget,
    ) -> Result<Taken<'b>, String> {
        let (mut url, mut answer) = self.open(entry)?;
        // Its size is known from here: taken from the budget at once when
        // there is room; else the connection is not left idle (its time
        // limit runs) while other jobs finish: it is dropped, and the
        // download asked again once there is room.
        let taken = match budget.try_take(answer.content_length()) {
            Some(taken) => taken,
            None => {
                let len = answer.content_length();
                drop(answer);
                let taken = budget.take(len);
                (url, answer) = self.open(entry)?;
                match answer.content_length() {
                    // Another size this time: taken again as it is.
                    again if again != len => {
                        drop(taken);
                        budget.take(again)
                    }
                    _ => taken,
                }
            }
        };
        if let Some(len) = answer.content_length() {
            reserve(buffer, len);
        }
        let shown = registry_url::redact(&url);
        read_capped(answer.reader(), buffer, hasher).map_err(|e| match e.kind() {
            std::io::ErrorKind::FileTooLarge => Error::TooLarge {
                url: shown.clone(),
                limit: CRATE_FILE,
            }
            .to_string(),
            _ => format!("the download from `{shown}` broke off: {e}"),
        })?;
        Ok(taken)
    }

    /// `GET /api/v1/crates?q=&per_page=&page=`, page after page until
    /// `meta.total` names are in, or an empty page when the answer has no
    /// total (a short page alone ends nothing: a source may cap
    /// `per_page`); a source that never gets there, or repeats a name, is
    /// an error, not a silent cut.
    fn search_all(&self) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct SearchPage {
            crates: Vec<Named>,
            #[serde(default)]
            meta: Option<Meta>,
        }
        #[derive(Deserialize)]
        struct Named {
            name: String,
        }
        #[derive(Deserialize)]
        struct Meta {
            total: u64,
        }
        let api = self.api.as_deref().ok_or_else(|| {
            UserError::new(
                "the source's `config.json` names no `api`, so it cannot list its crates",
            )
            .hint("name the crates, or pass `--lock Cargo.lock`")
        })?;
        let api = &api_url(api, self.token.is_some())?;
        let page_url = |page: usize| {
            client::url_with_segments(
                api,
                ["api", "v1", "crates"],
                &[
                    ("q", ""),
                    ("per_page", &SEARCH_PAGE.to_string()),
                    ("page", &page.to_string()),
                ],
            )
        };
        let first = page_url(1).map_err(|e| explain(e, "cannot build the search URL", Op::Read))?;
        let auth = self.token.as_ref().map_or(Auth::None, Auth::Raw);
        let mut names = client::paginate(&first, MAX_SEARCH_PAGES, String::as_str, |page| {
            let url = page_url(page)?;
            let body = self
                .http
                .send(Call::get(url.clone(), auth))?
                .success_bytes(SEARCH_BODY)?;
            let parsed: SearchPage = serde_json::from_slice(&body).map_err(|e| {
                client::decode_error(
                    &url,
                    format!("not cargo's search answer: {e}"),
                    self.token.as_ref(),
                )
            })?;
            Ok(Some(client::Page {
                items: parsed.crates.into_iter().map(|c| c.name).collect(),
                total: parsed.meta.map(|m| m.total),
            }))
        })
        .map_err(|e| match e {
            Error::RepeatedItem { .. } | Error::TooManyPages { .. } => {
                UserError::new(format!("cannot list the source's crates: {e}"))
                    .hint("name the crates to copy instead of `--all`, or pass `--lock Cargo.lock`")
                    .into()
            }
            e => explain(e, "cannot list the source's crates", Op::Read),
        })?;
        for name in &names {
            // The source's fault, not a usage error: exit 1, naming it.
            if crate::spec::validate_crate_name(name).is_err() {
                return Err(UserError::new(format!(
                    "the source's search API (`{}`) lists `{}`, which is not a crate name: refused",
                    registry_url::redact(&first),
                    crate::shell::clean_line(name)
                ))
                .hint("name the crates to copy instead of `--all`")
                .into());
            }
        }
        // In name order, as a directory source lists them.
        names.sort();
        Ok(names)
    }
}

/// The source's `api` URL, checked as every endpoint is; plain `http://`
/// to another machine only when no token goes with the requests (an
/// anonymous internal registry is common, and its index is plain http too).
fn api_url(text: &str, with_token: bool) -> Result<Url, UserError> {
    const WHAT: &str = "the source's `api` URL";
    match Url::parse(text) {
        Ok(url) if !with_token && url.scheme() == "http" => {
            // Every other check, on the same URL spoken over https.
            let mut secure = url.clone();
            let _ = secure.set_scheme("https");
            match registry_url::check_endpoint(secure.as_str(), WHAT) {
                Ok(_) => Ok(url),
                // The same check fails on the URL as written, and its
                // message then shows that one.
                Err(_) => registry_url::check_endpoint(text, WHAT),
            }
        }
        _ => registry_url::check_endpoint(text, WHAT),
    }
}

/// Redirects of a download followed (each one checked as the first URL).
const MAX_DOWNLOAD_REDIRECTS: u32 = 5;

/// A download URL may be `http(s)` with no user info; a query is fine (a
/// signed storage URL). Plain http to another machine only without a
/// token: an anonymous internal registry is common.
fn download_url_check(text: &str, with_token: bool) -> Result<Url, String> {
    let shown = crate::shell::clean_line(&registry_url::redact_text(text));
    let url = registry_url::parse_url(text, "the download link").map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{shown}` is not an `http(s)` download URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "the download URL `{shown}` carries a user name or password"
        ));
    }
    if with_token && !registry_url::may_carry_token(&url) {
        return Err(format!(
            "refusing to send the source's token to `{shown}` over plain `http://`"
        ));
    }
    Ok(url)
}

/// `{prefix}` keeps the name's case: `1`, `2`, `3/A`, `Ab/Cd`.
fn prefix_of(name: &str) -> String {
    match name.len() {
        1 => "1".to_string(),
        2 => "2".to_string(),
        3 => format!("3/{}", &name[..1]),
        _ => format!("{}/{}", &name[..2], &name[2..4]),
    }
}

/// Room for a `.crate` of the size announced, so the buffer is not
/// regrown (a regrowth holds the old and the new buffer at once).
fn reserve(buffer: &mut Vec<u8>, len: u64) {
    if len <= CRATE_FILE.bytes {
        buffer.reserve_exact(len as usize);
    }
}

/// Reads all of `reader` onto `buffer` and into `hasher`, at most
/// `CRATE_FILE` bytes.
fn read_capped(
    reader: impl Read,
    buffer: &mut Vec<u8>,
    hasher: &mut Sha256,
) -> std::io::Result<()> {
    let mut reader = reader.take(CRATE_FILE.bytes + 1);
    let mut chunk = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        if total > CRATE_FILE.bytes {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "too large",
            ));
        }
        hasher.update(&chunk[..n]);
        buffer.extend_from_slice(&chunk[..n]);
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_source<'h>(http: &'h Http, url: &str) -> Source<'h> {
        let url = IndexUrl::from_config(url).unwrap();
        Source::Index(Box::new(IndexSource {
            http,
            index: SparseIndex::new(http, url, None),
            dl: String::new(),
            api: None,
            download_token: None,
            token: None,
        }))
    }

    #[test]
    fn a_plain_http_api_is_refused_only_with_a_token() {
        let url = "http://registry.example/";
        assert_eq!(api_url(url, false).unwrap().as_str(), url);
        let err = api_url(url, true).unwrap_err().to_string();
        assert!(
            err.contains("plain `http://` would send the token"),
            "{err}"
        );
        // Every other check stands, its message showing the URL as written.
        let err = api_url("http://registry.example/?q", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`http://registry.example/?q`"), "{err}");
    }

    /// What `migrate` must copy first (or find in the destination) and
    /// what its copies point at in the destination agree, for crates.io's
    /// index (no `registry`: crates.io) as for another registry's (no
    /// `registry`: the registry itself).
    #[test]
    fn own_dependencies_are_those_that_point_at_the_destination() {
        let http = Http::new(&crate::settings::network::Network::default()).unwrap();
        let dest = IndexUrl::from_config("sparse+https://cargo.cnb.cool/a/b/-/packages/").unwrap();
        let crates_io = index_source(&http, "sparse+https://index.crates.io/");
        let other = index_source(&http, "sparse+https://old.example/index/");
        for (source, registry, own) in [
            (&crates_io, None, false),
            (&crates_io, Some(manifest::CRATES_IO_INDEX), false),
            (&crates_io, Some("sparse+https://elsewhere.example/"), false),
            (&other, None, true),
            (&other, Some("sparse+https://old.example/index/"), true),
            (&other, Some(manifest::CRATES_IO_INDEX), false),
        ] {
            assert_eq!(source.is_own_dependency(registry), own, "{registry:?}");
            assert_eq!(
                source.registry_for_destination(registry, &dest).is_none(),
                own,
                "{registry:?}"
            );
        }
        assert_eq!(
            crates_io.registry_for_destination(None, &dest).as_deref(),
            Some(manifest::CRATES_IO_INDEX)
        );
    }
}
