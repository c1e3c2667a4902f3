//! CNB's OpenAPI for a Cargo registry: list and delete packages and
//! versions. The registry is addressed by its slug (the index URL's path
//! before `/-/packages`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::blocking::{Client, RequestBuilder};
use serde::Deserialize;
use url::Url;

use crate::credentials::Secret;
use crate::env;
use crate::error::UserError;
use crate::net;
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

/// Characters left alone in a path segment; everything else, `+` and `/`
/// included, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
const MEDIA_TYPE: &str = "application/vnd.cnb.api+json";
pub const PAGE_SIZE: usize = 100;
/// A bound on pages, so a server that never returns a short page cannot
/// keep us looping.
const MAX_PAGES: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("could not reach the CNB API at `{url}` ({kind})")]
    Transport {
        url: String,
        kind: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("the CNB API answered {status} for `{method} {url}`{}", detail(.errmsg))]
    Status {
        method: &'static str,
        url: String,
        status: u16,
        errcode: Option<i64>,
        errmsg: Option<String>,
    },
    #[error("unexpected answer from the CNB API for `{url}`: {reason}")]
    Decode { url: String, reason: String },
}

fn detail(errmsg: &Option<String>) -> String {
    match errmsg {
        Some(msg) if !msg.is_empty() => format!(": {msg}"),
        _ => String::new(),
    }
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    errcode: Option<i64>,
    errmsg: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PackageSummary {
    pub name: String,
    #[serde(default)]
    pub tag_total: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    /// The crate version.
    pub name: String,
    #[serde(default)]
    pub size: Option<u64>,
}

/// The version list is an object keyed by the package type,
/// `{"cargo": [...], "package": "..."}`, not an array.
fn parse_tag_page(body: &[u8]) -> Result<Vec<Tag>, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(mut object) = value else {
        return Err("expected an object keyed by `cargo`".to_string());
    };
    match object.remove("cargo") {
        Some(list) => serde_json::from_value(list).map_err(|e| e.to_string()),
        None => Ok(Vec::new()),
    }
}

pub struct CnbApi {
    client: Client,
    base: Url,
    slug: String,
    token: Secret,
}

impl CnbApi {
    pub fn new(client: Client, base: Url, slug: &str, token: Secret) -> CnbApi {
        CnbApi {
            client,
            base,
            slug: slug.trim_matches('/').to_string(),
            token,
        }
    }

    /// `{base}/{slug}/-/packages/{segments...}`; the slug keeps its `/`s,
    /// every segment is percent-encoded.
    fn url(&self, segments: &[&str]) -> String {
        let mut url = self.base.as_str().trim_end_matches('/').to_string();
        url.push('/');
        url.push_str(&self.slug);
        url.push_str("/-/packages");
        for segment in segments {
            url.push('/');
            if *segment == "-" {
                url.push('-');
            } else {
                url.push_str(&utf8_percent_encode(segment, SEGMENT).to_string());
            }
        }
        url
    }

    fn request(&self, method: reqwest::Method, url: &str) -> RequestBuilder {
        self.client
            .request(method, url)
            .header(reqwest::header::ACCEPT, MEDIA_TYPE)
            .bearer_auth(self.token.expose())
    }

    fn call(&self, method: reqwest::Method, url: &str, shell: &Shell) -> Result<Vec<u8>, ApiError> {
        let method_name: &'static str = match method {
            reqwest::Method::DELETE => "DELETE",
            reqwest::Method::POST => "POST",
            reqwest::Method::PUT => "PUT",
            _ => "GET",
        };
        shell.debug(format!("{method_name} {url}"));
        // Every call made here is idempotent: reads, and deletes of a fixed version.
        let response = net::send(|| self.request(method.clone(), url), true, url, shell).map_err(
            |source| ApiError::Transport {
                url: url.to_string(),
                kind: net::err_kind(&source),
                source,
            },
        )?;
        let status = response.status();
        let body = response.bytes().map_err(|source| ApiError::Transport {
            url: url.to_string(),
            kind: net::err_kind(&source),
            source,
        })?;
        if !status.is_success() {
            let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
            return Err(ApiError::Status {
                method: method_name,
                url: url.to_string(),
                status: status.as_u16(),
                errcode: parsed.as_ref().and_then(|b| b.errcode),
                errmsg: parsed.and_then(|b| b.errmsg),
            });
        }
        Ok(body.to_vec())
    }

    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        shell: &Shell,
    ) -> Result<T, ApiError> {
        let body = self.call(reqwest::Method::GET, url, shell)?;
        serde_json::from_slice(&body).map_err(|e| ApiError::Decode {
            url: url.to_string(),
            reason: e.to_string(),
        })
    }

    /// Every version of a crate in the registry (not the proxy's); an
    /// empty list when the registry has no such package.
    pub fn versions(&self, name: &str, shell: &Shell) -> Result<Vec<Tag>, ApiError> {
        let mut tags = Vec::new();
        for page in 1..=MAX_PAGES {
            let url = format!(
                "{}?page={page}&page_size={PAGE_SIZE}",
                self.url(&["cargo", name, "-", "tags"])
            );
            let body = match self.call(reqwest::Method::GET, &url, shell) {
                Ok(body) => body,
                Err(e) if e.status() == Some(404) => break,
                Err(e) => return Err(e),
            };
            let batch = parse_tag_page(&body).map_err(|reason| ApiError::Decode {
                url: url.clone(),
                reason,
            })?;
            let short = batch.len() < PAGE_SIZE;
            tags.extend(batch);
            if short {
                break;
            }
        }
        Ok(tags)
    }

    /// The version numbers of a crate in the registry, with errors
    /// explained for the user.
    pub fn version_names(&self, name: &str, shell: &Shell) -> anyhow::Result<Vec<String>> {
        Ok(self
            .versions(name, shell)
            .map_err(|e| explain(e, &format!("cannot list the versions of `{name}`")))?
            .into_iter()
            .map(|t| t.name)
            .collect())
    }

    /// The registry's crates, optionally filtered by a keyword.
    pub fn packages(
        &self,
        keyword: Option<&str>,
        shell: &Shell,
    ) -> Result<Vec<PackageSummary>, ApiError> {
        let mut packages = Vec::new();
        for page in 1..=MAX_PAGES {
            let mut url = format!(
                "{}?type=cargo&page={page}&page_size={PAGE_SIZE}",
                self.url(&[])
            );
            if let Some(keyword) = keyword {
                url.push_str("&name=");
                url.push_str(&utf8_percent_encode(keyword, SEGMENT).to_string());
            }
            let batch: Vec<PackageSummary> = self.get_json(&url, shell)?;
            let short = batch.len() < PAGE_SIZE;
            packages.extend(batch);
            if short {
                break;
            }
        }
        Ok(packages)
    }

    /// One cheap authenticated read: can the token read this registry?
    pub fn probe(&self, shell: &Shell) -> Result<(), ApiError> {
        let url = format!("{}?type=cargo&page=1&page_size=1", self.url(&[]));
        self.get_json::<serde_json::Value>(&url, shell).map(|_| ())
    }

    pub fn delete_version(&self, name: &str, version: &str, shell: &Shell) -> Result<(), ApiError> {
        let url = self.url(&["cargo", name, "-", "tag", version]);
        self.call(reqwest::Method::DELETE, &url, shell).map(|_| ())
    }

    pub fn delete_package(&self, name: &str, shell: &Shell) -> Result<(), ApiError> {
        let url = self.url(&["cargo", name]);
        self.call(reqwest::Method::DELETE, &url, shell).map(|_| ())
    }
}

/// `--api-endpoint`, else `CNB_API_ENDPOINT`, else `https://api.<domain>`
/// for an index on `cargo.<domain>`.
pub fn endpoint(flag: Option<&str>, index: &IndexUrl) -> Result<Url, UserError> {
    endpoint_from(flag, env::var_non_empty(env::CNB_API_ENDPOINT), index)
}

/// `endpoint` with the environment variable's value passed in.
fn endpoint_from(
    flag: Option<&str>,
    from_env: Option<String>,
    index: &IndexUrl,
) -> Result<Url, UserError> {
    let (text, source) = match flag {
        Some(text) => (text.to_string(), "--api-endpoint".to_string()),
        None => match from_env {
            Some(text) => (text, format!("`{}`", env::CNB_API_ENDPOINT)),
            None => {
                let host = index.http_url().host_str().unwrap_or_default();
                return match host.strip_prefix("cargo.") {
                    Some(domain) if !domain.is_empty() => {
                        Url::parse(&format!("https://api.{domain}/")).map_err(|e| {
                            UserError::new(format!("cannot build the API URL for `{domain}`: {e}"))
                        })
                    }
                    _ => Err(UserError::new(format!(
                        "cannot tell the CNB API endpoint for the index on `{host}`"
                    ))
                    .hint(format!(
                        "pass `--api-endpoint https://api.<domain>` or set `{}`",
                        env::CNB_API_ENDPOINT
                    ))),
                };
            }
        },
    };
    let url = Url::parse(&text)
        .map_err(|e| UserError::new(format!("the API endpoint from {source} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UserError::new(format!(
            "the API endpoint from {source} must be an http(s) URL"
        )));
    }
    Ok(url)
}

/// Turns an API error into a message with what the user can do.
pub fn explain(err: ApiError, action: &str) -> anyhow::Error {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true") || std::env::var_os("CNB").is_some();
    let hinted = match err.status() {
        Some(401) => UserError::new(format!("{action}: the CNB API refused the token (401)"))
            .hint("the token is missing, expired or wrong: run `cnbcargo login` again, or set `CNB_TOKEN`"),
        Some(403) if action.contains("delete") => {
            let mut e = UserError::new(format!("{action}: the token may not delete packages (403)"))
                .hint("deleting needs a token with the `registry-package-delete:rw` scope and the Administrator role on the registry");
            if in_ci {
                e = e.hint("a pipeline's `CNB_TOKEN` usually lacks that scope: use a personal access token");
            }
            e
        }
        Some(403) => UserError::new(format!("{action}: the token lacks a scope or role for this (403)"))
            .hint("reading needs `registry-package:r`, publishing `registry-package:rw`; check the token's scopes and your role"),
        Some(404) => UserError::new(format!("{action}: not found (404)"))
            .hint("check the crate name and version, and the registry path in the index URL"),
        _ => return UserError::new(action.to_string()).caused_by(err).into(),
    };
    hinted.caused_by(err).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        let api = CnbApi::new(
            net::client().unwrap(),
            Url::parse("https://api.cnb.cool").unwrap(),
            "acme/sub/crates",
            Secret::new("t".into()),
        );
        assert_eq!(
            api.url(&["cargo", "my-crate", "-", "tag", "1.0.0+build.5"]),
            "https://api.cnb.cool/acme/sub/crates/-/packages/cargo/my-crate/-/tag/1.0.0%2Bbuild.5"
        );
        assert_eq!(
            api.url(&["cargo", "a/b"]),
            "https://api.cnb.cool/acme/sub/crates/-/packages/cargo/a%2Fb"
        );
    }

    #[test]
    fn endpoint_is_derived_from_the_index_host() {
        let index = IndexUrl::parse_target("acme/crates").unwrap();
        let url = |flag: Option<&str>, from_env: Option<&str>| {
            endpoint_from(flag, from_env.map(str::to_string), &index).map(|u| u.to_string())
        };
        assert_eq!(url(None, None).unwrap(), "https://api.cnb.cool/");
        assert_eq!(
            url(Some("http://127.0.0.1:9"), Some("https://ignored/")).unwrap(),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            url(None, Some("https://api.example.com")).unwrap(),
            "https://api.example.com/"
        );
        assert!(url(None, Some("ftp://x")).is_err());
        let other = IndexUrl::parse_target("https://registry.example.com/x/").unwrap();
        let err = endpoint_from(None, None, &other).unwrap_err();
        assert!(err.hints()[0].contains("--api-endpoint"));
    }

    #[test]
    fn version_list_is_read_from_the_cargo_key() {
        let page = parse_tag_page(
            br#"{"cargo":[{"name":"1.0.0","size":10,"status":"normal","digest":"x","last_pusher":{}}],"package":"x"}"#,
        )
        .unwrap();
        assert_eq!(page[0].name, "1.0.0");
        assert_eq!(page[0].size, Some(10));
        assert!(parse_tag_page(br#"[{"name":"1.0.0"}]"#).is_err());
        assert!(parse_tag_page(b"not json").is_err());
        assert!(parse_tag_page(br#"{"cargo":"x"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn response_parsing_never_panics(body in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse_tag_page(&body);
        }

        #[test]
        fn json_shaped_responses_never_panic(body in "[\\[\\]{}\":,a-z0-9 ]{0,80}") {
            let _ = parse_tag_page(body.as_bytes());
        }
    }
}
