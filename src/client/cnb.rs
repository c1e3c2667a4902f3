//! CNB's OpenAPI for a Cargo registry: list and delete packages and
//! versions. The registry is addressed by its slug (the index URL's path
//! before `/-/packages`).

use reqwest::Method;
use serde::Deserialize;
use url::Url;

use super::{API_PAGE, Auth, Call, ERROR_BODY, Error, Http, Page, decode_error, paginate};
use crate::credentials::Secret;

const MEDIA_TYPE: &str = "application/vnd.cnb.api+json";
const HEADERS: &[(&str, &str)] = &[("accept", MEDIA_TYPE)];
pub const PAGE_SIZE: usize = 100;
/// A bound on pages (100,000 items at the size asked, 10,000 at CNB's
/// default), so a server that never sends an empty page cannot keep us
/// looping; past it the listing is an error.
pub const MAX_PAGES: usize = 1000;

/// A crate in the registry's package list. The list's field names are not
/// documented, so the known spellings are read (`count` is what CNB's
/// packages list uses, `tag_total` its package detail); what is missing
/// is `None`, for the caller to look up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageSummary {
    pub name: String,
    /// How many versions the registry holds.
    pub versions: Option<u64>,
    /// The newest (highest) version, when the list names it.
    pub latest: Option<String>,
}

const COUNT_FIELDS: &[&str] = &["tag_total", "count", "version_count", "versions_count"];
/// Fields that name the newest version. CNB's `last_artifact_name` is the
/// last one pushed, which is not the newest after a backport: not used.
const LATEST_FIELDS: &[&str] = &["latest", "latest_version", "max_version"];

fn parse_package_page(body: &[u8]) -> Result<Vec<PackageSummary>, String> {
    // `null` is how a Go server spells an empty list (the page past the last).
    let items: Option<Vec<serde_json::Value>> =
        serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let items = items.unwrap_or_default();
    items
        .into_iter()
        .map(|item| {
            let name = item
                .get("name")
                .and_then(|v| v.as_str())
                .ok_or("a package without a `name`")?
                .to_string();
            let versions = COUNT_FIELDS
                .iter()
                .find_map(|f| item.get(*f).and_then(|v| v.as_u64()));
            let latest = LATEST_FIELDS
                .iter()
                .find_map(|f| item.get(*f).and_then(|v| v.as_str()))
                // An artifact may be named `name:version` or `name@version`.
                .map(|v| {
                    v.strip_prefix(name.as_str())
                        .and_then(|rest| rest.strip_prefix([':', '@']))
                        .unwrap_or(v)
                        .to_string()
                })
                .filter(|v| semver::Version::parse(v).is_ok());
            Ok(PackageSummary {
                name,
                versions,
                latest,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawTag")]
pub struct Tag {
    /// The crate version.
    pub name: String,
    pub size: Option<u64>,
    /// When the version was pushed, as the server wrote it
    /// (`last_pusher.push_at`, else `updated_at`), unparsed: the field's
    /// name and format differ between the spec and what clients read.
    pub pushed_at: Option<String>,
}

/// A version as sent; the time fields are read as any JSON, so an
/// unexpected type there cannot fail the whole list.
#[derive(Deserialize)]
struct RawTag {
    name: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    last_pusher: Option<serde_json::Value>,
    #[serde(default)]
    updated_at: Option<serde_json::Value>,
}

impl From<RawTag> for Tag {
    fn from(raw: RawTag) -> Tag {
        let text = |v: Option<&serde_json::Value>| match v? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let pushed_at = text(raw.last_pusher.as_ref().and_then(|p| p.get("push_at")))
            .or_else(|| text(raw.updated_at.as_ref()));
        Tag {
            name: raw.name,
            size: raw.size,
            pushed_at,
        }
    }
}

/// How a delete ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Now,
    /// A first attempt timed out or failed after it may have reached the
    /// server, and the retry found the version gone: the first one worked.
    ByEarlierAttempt,
}

/// CNB's spec has the version list as an object keyed by the package type,
/// `{"cargo": [...], "package": "..."}`; clients that met the server read
/// a bare array of the same versions. Both are read. A missing or `null`
/// list is an empty one: a Go server omits or nulls an empty slice, which
/// is what the page past the last one holds. An object with neither
/// `cargo` nor `package` (an error sent with a 200) is not a list.
fn parse_tag_page(body: &[u8]) -> Result<Vec<Tag>, String> {
    use serde_json::Value;
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let list = match value {
        Value::Array(_) => value,
        Value::Null => return Ok(Vec::new()),
        Value::Object(mut object) => match object.remove("cargo") {
            Some(Value::Null) => return Ok(Vec::new()),
            None if object.is_empty() || object.contains_key("package") => {
                return Ok(Vec::new());
            }
            None => return Err("an object without the `cargo` list of versions".to_string()),
            Some(list) => list,
        },
        _ => {
            return Err("expected a list of versions, or an object keyed by `cargo`".to_string());
        }
    };
    let Value::Array(items) = list else {
        return Err("the versions under `cargo` are not a list".to_string());
    };
    items
        .into_iter()
        .map(|item| {
            // serde would read `["1.0.0"]` as a version too.
            if !item.is_object() {
                return Err("a version that is not a JSON object".to_string());
            }
            serde_json::from_value(item).map_err(|e| e.to_string())
        })
        .collect()
}

pub struct CnbApi<'h> {
    http: &'h Http,
    base: Url,
    slug: Vec<String>,
    token: Secret,
}

impl<'h> CnbApi<'h> {
    /// `base` must have passed `registry_url::check_endpoint`.
    pub fn new(http: &'h Http, base: Url, slug: &str, token: Secret) -> CnbApi<'h> {
        CnbApi {
            http,
            base,
            slug: slug
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            token,
        }
    }

    /// `{base}/{slug}/-/packages/{segments...}`: every segment is
    /// percent-encoded, so a name or version cannot change the path.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, Error> {
        let all = self
            .slug
            .iter()
            .map(String::as_str)
            .chain(["-", "packages"])
            .chain(segments.iter().copied());
        super::url_with_segments(&self.base, all, query)
    }

    fn call(&self, method: Method, url: Url) -> Call<'_> {
        Call {
            method,
            url,
            auth: Auth::Bearer(&self.token),
            headers: HEADERS,
            // Every call made here is idempotent: reads, and deletes of a fixed version.
            idempotent: true,
            timeout: None,
            body: None,
        }
    }

    /// A GET whose body is JSON; `None` on 404.
    fn get_page(&self, url: Url) -> Result<Option<Vec<u8>>, Error> {
        let answer = self.http.send(self.call(Method::GET, url))?;
        if answer.status().as_u16() == 404 {
            return Ok(None);
        }
        answer.success_bytes(API_PAGE).map(Some)
    }

    /// Every version of a crate in the registry (not the proxy's); an
    /// empty list when the registry has no such package.
    pub fn versions(&self, name: &str) -> Result<Vec<Tag>, Error> {
        let list = self.url(&["cargo", name, "-", "tags"], &[])?;
        // A version appears once in the list: its number tells the items apart.
        paginate(
            &list,
            MAX_PAGES,
            |tag: &Tag| &tag.name,
            |page| {
                let page = page.to_string();
                let size = PAGE_SIZE.to_string();
                let url = self.url(
                    &["cargo", name, "-", "tags"],
                    &[("page", &page), ("page_size", &size)],
                )?;
                let Some(body) = self.get_page(url.clone())? else {
                    return Ok(None);
                };
                parse_tag_page(&body)
                    .map(|tags| Some(Page::of(tags)))
                    .map_err(|reason| decode_error(&url, reason, Some(&self.token)))
            },
        )
    }

    /// The registry's crates, optionally filtered by a keyword.
    pub fn packages(&self, keyword: Option<&str>) -> Result<Vec<PackageSummary>, Error> {
        let list = self.url(&[], &[])?;
        paginate(
            &list,
            MAX_PAGES,
            |package: &PackageSummary| &package.name,
            |number| {
                let page = number.to_string();
                let size = PAGE_SIZE.to_string();
                let mut query = vec![
                    ("type", "cargo"),
                    ("page", page.as_str()),
                    ("page_size", size.as_str()),
                ];
                if let Some(keyword) = keyword {
                    query.push(("name", keyword));
                }
                let url = self.url(&[], &query)?;
                // A 404 on page 1 is a registry that is not there; past
                // it, a server's way to say there is no such page.
                let body = if number == 1 {
                    let answer = self.http.send(self.call(Method::GET, url.clone()))?;
                    answer.success_bytes(API_PAGE)?
                } else {
                    match self.get_page(url.clone())? {
                        Some(body) => body,
                        None => return Ok(None),
                    }
                };
                parse_package_page(&body)
                    .map(|packages| Some(Page::of(packages)))
                    .map_err(|e| decode_error(&url, e, Some(&self.token)))
            },
        )
    }

    /// One cheap authenticated read: can the token read this registry?
    pub fn probe(&self, timeout: Option<std::time::Duration>) -> Result<(), Error> {
        let url = self.url(&[], &[("type", "cargo"), ("page", "1"), ("page_size", "1")])?;
        let mut call = self.call(Method::GET, url.clone());
        call.timeout = timeout;
        call.idempotent = false;
        let body = self.http.send(call)?.success_bytes(API_PAGE)?;
        serde_json::from_slice::<Vec<serde_json::Value>>(&body)
            .map(|_| ())
            .map_err(|e| {
                decode_error(
                    &url,
                    format!("expected a JSON list of packages: {e}"),
                    Some(&self.token),
                )
            })
    }

    /// Sends a DELETE that can delete nothing (see `token_check`) and
    /// returns the status, to learn whether the token may delete.
    pub fn probe_delete(
        &self,
        name: &str,
        tag: &str,
        timeout: Option<std::time::Duration>,
    ) -> Result<u16, Error> {
        let mut call = self.call(
            Method::DELETE,
            self.url(&["cargo", name, "-", "tag", tag], &[])?,
        );
        call.idempotent = false;
        call.timeout = timeout;
        self.http.send(call)?.status_only()
    }

    fn delete(&self, url: Url) -> Result<Deleted, Error> {
        let answer = self.http.send(self.call(Method::DELETE, url))?;
        let status = answer.status();
        if status.is_success() {
            // The body is not used; read a little so the connection can be reused.
            let _ = answer.bytes(ERROR_BODY);
            return Ok(Deleted::Now);
        }
        if status.as_u16() == 404 && answer.attempts > 1 {
            self.http
                .trace()
                .note("the retried delete found nothing: the earlier attempt had deleted it");
            return Ok(Deleted::ByEarlierAttempt);
        }
        Err(answer.into_error())
    }

    pub fn delete_version(&self, name: &str, version: &str) -> Result<Deleted, Error> {
        self.delete(self.url(&["cargo", name, "-", "tag", version], &[])?)
    }

    pub fn delete_package(&self, name: &str) -> Result<Deleted, Error> {
        self.delete(self.url(&["cargo", name], &[])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_at<'h>(http: &'h Http, base: &str, slug: &str) -> CnbApi<'h> {
        CnbApi::new(
            http,
            Url::parse(base).unwrap(),
            slug,
            Secret::new("t".into()),
        )
    }

    #[test]
    fn segments_are_percent_encoded() {
        let http = Http::new(&crate::settings::network::Network::default()).unwrap();
        let api = api_at(&http, "https://api.cnb.cool", "acme/sub/crates");
        assert_eq!(
            api.url(&["cargo", "my-crate", "-", "tag", "1.0.0+build.5"], &[])
                .unwrap()
                .as_str(),
            "https://api.cnb.cool/acme/sub/crates/-/packages/cargo/my-crate/-/tag/1.0.0%2Bbuild.5"
        );
        assert_eq!(
            api.url(&["cargo", "a/b"], &[]).unwrap().as_str(),
            "https://api.cnb.cool/acme/sub/crates/-/packages/cargo/a%2Fb"
        );
        assert_eq!(
            api.url(&["cargo", "x?y#z"], &[("page", "1")])
                .unwrap()
                .as_str(),
            "https://api.cnb.cool/acme/sub/crates/-/packages/cargo/x%3Fy%23z?page=1"
        );
        assert!(api.url(&["cargo", ".."], &[]).is_err());
        let prefixed = api_at(&http, "http://127.0.0.1:9/api/", "a/b");
        assert_eq!(
            prefixed
                .url(&[], &[("type", "cargo"), ("name", "a&b")])
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/api/a/b/-/packages?type=cargo&name=a%26b"
        );
    }

    #[test]
    fn package_lists_in_either_spelling_are_read() {
        let cnb = parse_package_page(
            br#"[{"name":"a","package":"a","count":3,"last_artifact_name":"1.2.0","pull_count":9}]"#,
        )
        .unwrap();
        assert_eq!(cnb[0].versions, Some(3));
        assert_eq!(cnb[0].latest, None);
        let detail =
            parse_package_page(br#"[{"name":"b","tag_total":2,"latest":"b:0.1.0"}]"#).unwrap();
        assert_eq!(detail[0].versions, Some(2));
        assert_eq!(detail[0].latest.as_deref(), Some("0.1.0"));
        let bare =
            parse_package_page(br#"[{"name":"c","last_artifact_name":"sha256:x"}]"#).unwrap();
        assert_eq!((bare[0].versions, bare[0].latest.as_deref()), (None, None));
        assert!(parse_package_page(br#"[{"count":1}]"#).is_err());
        // The page past the last one, as a Go server may write it.
        assert!(parse_package_page(b"null").unwrap().is_empty());
        assert!(parse_package_page(br#"{"name":"a"}"#).is_err());
    }

    #[test]
    fn version_list_is_read_in_either_shape() {
        let object = parse_tag_page(
            br#"{"cargo":[{"name":"1.0.0","size":10,"status":"normal","digest":"x","last_pusher":{"push_at":"2026-05-01T10:00:00Z"}}],"package":"x"}"#,
        )
        .unwrap();
        assert_eq!(object[0].name, "1.0.0");
        assert_eq!(object[0].size, Some(10));
        assert_eq!(object[0].pushed_at.as_deref(), Some("2026-05-01T10:00:00Z"));
        let array = parse_tag_page(
            br#"[{"name":"1.0.0","updated_at":"2026-05-02","new":[1]},{"name":"1.1.0","last_pusher":{"push_at":7},"updated_at":"x"}]"#,
        )
        .unwrap();
        let read: Vec<_> = array
            .iter()
            .map(|t| (t.name.as_str(), t.size, t.pushed_at.as_deref()))
            .collect();
        assert_eq!(
            read,
            [
                ("1.0.0", None, Some("2026-05-02")),
                ("1.1.0", None, Some("7"))
            ]
        );
        // A time field of an unexpected type is not read, and fails nothing.
        let odd = parse_tag_page(br#"[{"name":"1.0.0","last_pusher":"cnb","updated_at":{}}]"#);
        assert_eq!(odd.unwrap()[0].pushed_at, None);
        // The page past the last one, as servers may write it.
        for empty in [
            &br#"{}"#[..],
            br#"[]"#,
            br#"null"#,
            br#"{"package":"x"}"#,
            br#"{"cargo":null}"#,
        ] {
            assert!(parse_tag_page(empty).unwrap().is_empty());
        }
        for bad in [
            &b"not json"[..],
            br#"{"cargo":"x"}"#,
            br#"{"errcode":500,"errmsg":"oops"}"#,
            br#""1.0.0""#,
            br#"7"#,
            br#"[{"version":"1.0.0"}]"#,
            br#"[["1.0.0"]]"#,
        ] {
            assert!(
                parse_tag_page(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_bad_version_list_is_an_error_naming_its_url() {
        let url = Url::parse("https://api.example/acme/crates/-/packages/cargo/x/-/tags").unwrap();
        let err = decode_error(&url, parse_tag_page(b"7").unwrap_err(), None).to_string();
        assert!(
            err.contains("https://api.example/acme/crates/-/packages/cargo/x/-/tags")
                && err.contains("an object keyed by `cargo`"),
            "{err}"
        );
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
