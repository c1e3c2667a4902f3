//! CNB's OpenAPI for the test registry's packages, on a port of its own:
//! list packages, package detail, list versions (an object keyed by
//! `"cargo"`, or a bare array), version detail, delete a version, delete a package. Bearer
//! tokens carry scopes; 401, 403 and 404 come with `{errcode, errmsg}`.

use std::sync::Mutex;

use serde_json::{Value, json};

use super::http::{HttpRequest, Method, Reply};
use super::registry::{DELETE, READ, State, WRITE, answer, log, percent_decode, take_fault};

fn cnb_error(status: u16, errcode: i64, errmsg: &str) -> Reply {
    Reply::json(
        status,
        json!({"errcode": errcode, "errmsg": errmsg, "errparam": {}}),
    )
}

fn query(url: &str, key: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_decode(v))
}

/// The page number and page size a list request gets: what it asks for,
/// unless the test made the server cap the size or ignore the page.
fn page_params(st: &State, url: &str) -> (usize, usize) {
    let page: usize = query(url, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let size: usize = query(url, "page_size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let page = if st.repeat_pages { 1 } else { page };
    (page, size.min(st.page_size_cap.unwrap_or(size)))
}

/// A full page of made-up items, unique across pages, for `endless_pages`.
fn endless_page(st: &State, url: &str, item: impl Fn(usize, usize) -> Value) -> Value {
    let (page, size) = page_params(st, url);
    Value::Array((0..size).map(|i| item(page, i)).collect())
}

fn page<T: Clone>(st: &State, items: &[T], url: &str) -> Vec<T> {
    let (page, size) = page_params(st, url);
    items
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .cloned()
        .collect()
}

pub fn handle(request: HttpRequest, state: &Mutex<State>, base: &str) -> Reply {
    let fault = take_fault(state, &request.url);
    let reply = answer(
        state,
        &request,
        fault,
        |st| route(st, &request, base),
        |status, message| cnb_error(status, status as i64, message),
    );
    log(state, request, reply.status, true);
    reply
}

fn route(st: &mut State, request: &HttpRequest, base: &str) -> Reply {
    let url = request.url.as_str();
    let path = url.split('?').next().unwrap_or(url);
    if request.header("accept") != Some("application/vnd.cnb.api+json") {
        return cnb_error(406, 406, "send Accept: application/vnd.cnb.api+json");
    }
    let scopes = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| st.tokens.get(t));
    let Some(scopes) = scopes.cloned() else {
        return cnb_error(401, 10401, "unauthorized: missing or invalid token");
    };
    let Some(rest) = path.strip_prefix(base) else {
        return cnb_error(404, 10404, "registry not found");
    };
    let can_read = scopes.contains(READ) || scopes.contains(WRITE) || scopes.contains(DELETE);
    let is_delete = request.method == Method::DELETE;
    if is_delete && !scopes.contains(DELETE) {
        return cnb_error(
            403,
            10403,
            "forbidden: the token lacks registry-package-delete:rw",
        );
    }
    if !is_delete && !can_read {
        return cnb_error(403, 10403, "forbidden: the token lacks registry-package:r");
    }
    let parts: Vec<String> = rest
        .trim_start_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    match (&request.method, parts.as_slice()) {
        (Method::GET, []) => {
            if query(url, "type").as_deref() != Some("cargo") {
                return cnb_error(400, 10400, "type=cargo is required");
            }
            if st.endless_pages {
                return Reply::json(
                    200,
                    endless_page(
                        st,
                        url,
                        |page, i| json!({"name": format!("endless-{page}-{i}"), "type": "cargo", "tag_total": 1}),
                    ),
                );
            }
            let keyword = query(url, "name").unwrap_or_default();
            // CNB's list: the version count as `count`, the last version
            // pushed as `last_artifact_name`; a bare list has neither.
            let bare = st.bare_package_list;
            let packages: Vec<Value> = st
                .crates
                .keys()
                .filter(|name| name.contains(&keyword))
                .map(|name| (name, st.visible(name)))
                .filter(|(_, versions)| !versions.is_empty())
                .map(|(name, versions)| {
                    if bare {
                        json!({"name": name, "package": name})
                    } else {
                        json!({
                            "name": name, "package": name, "count": versions.len(),
                            "last_artifact_name": versions.last().map(|v| v.vers()),
                            "pull_count": 0, "recent_pull_count": 0, "labels": [],
                            "last_pusher": {"username": "cnb"},
                        })
                    }
                })
                .collect();
            Reply::json(200, Value::Array(page(st, &packages, url)))
        }
        (Method::GET, ["cargo", name]) => match versions(st, name) {
            Some(tags) => Reply::json(
                200,
                json!({"cargo": {"name": name, "tag_total": tags.len(), "tags": page(st, &tags, url)}}),
            ),
            None => cnb_error(404, 10404, "package not found"),
        },
        (Method::DELETE, ["cargo", name]) if st.visible(name).is_empty() => {
            cnb_error(404, 10404, "package not found")
        }
        (Method::DELETE, ["cargo", name]) => {
            st.crates.remove(&name.to_lowercase());
            Reply::empty(200)
        }
        (Method::GET, ["cargo", name, "-", "tags"]) if st.endless_pages => {
            let tags = endless_page(st, url, |page, i| {
                json!({"name": format!("{page}.{i}.0"), "size": 10, "status": "normal",
                       "digest": "0".repeat(64), "last_pusher": {"username": "cnb"}})
            });
            Reply::json(200, tag_list(st, tags, name))
        }
        // Only the asked page is turned into JSON, so that listing tens of
        // thousands of versions (the benchmark) costs the server little.
        (Method::GET, ["cargo", name, "-", "tags"]) => match st
            .crates
            .get(&name.to_lowercase())
            .filter(|l| l.iter().any(|v| v.visible(st.index_delay())))
        {
            Some(list) => {
                let (number, size) = page_params(st, url);
                let skip = (number - 1).saturating_mul(size);
                let delay = st.index_delay();
                // Without a delay every version shows: the page is a slice
                // of the list, not a scan of it (the benchmark lists
                // 40,000 versions a page at a time).
                let tags: Vec<Value> = if delay.is_zero() {
                    list.iter().skip(skip).take(size).map(tag_json).collect()
                } else {
                    list.iter()
                        .filter(|v| v.visible(delay))
                        .skip(skip)
                        .take(size)
                        .map(tag_json)
                        .collect()
                };
                Reply::json(200, tag_list(st, tags, name))
            }
            None => cnb_error(404, 10404, "package not found"),
        },
        (Method::GET, ["cargo", name, "-", "tag", tag]) => {
            match versions(st, name).and_then(|tags| tags.into_iter().find(|t| t["name"] == *tag)) {
                Some(detail) => Reply::json(200, json!({"cargo": detail})),
                None => cnb_error(404, 10404, "tag not found"),
            }
        }
        (Method::DELETE, ["cargo", name, "-", "tag", tag])
            if !st.visible(name).iter().any(|v| v.vers() == *tag) =>
        {
            match st.crates.get(&name.to_lowercase()) {
                Some(_) => cnb_error(404, 10404, "tag not found"),
                None => cnb_error(404, 10404, "package not found"),
            }
        }
        (Method::DELETE, ["cargo", name, "-", "tag", tag]) => {
            let key = name.to_lowercase();
            let Some(list) = st.crates.get_mut(&key) else {
                return cnb_error(404, 10404, "package not found");
            };
            let before = list.len();
            list.retain(|v| v.vers() != *tag);
            if list.len() == before {
                return cnb_error(404, 10404, "tag not found");
            }
            if list.is_empty() {
                st.crates.remove(&key);
            }
            Reply::empty(200)
        }
        _ => cnb_error(404, 10404, "not found"),
    }
}

/// A page of the version list: an object keyed by `cargo`, as CNB's spec
/// has it, or the bare array public clients read.
fn tag_list(st: &State, tags: impl Into<Value>, name: &str) -> Value {
    let tags = tags.into();
    if st.tags_as_array {
        tags
    } else {
        json!({"cargo": tags, "package": name})
    }
}

/// The versions the registry shows (none: `None`, an unknown package).
fn versions(st: &State, name: &str) -> Option<Vec<Value>> {
    let list = Some(st.visible(name)).filter(|l| !l.is_empty())?;
    Some(list.into_iter().map(tag_json).collect())
}

/// One version as CNB's API describes it.
fn tag_json(v: &super::registry::StoredVersion) -> Value {
    json!({
        "name": v.vers(),
        "size": v.crate_file.len(),
        "status": if v.yanked() { "yanked" } else { "normal" },
        "digest": v.entry["cksum"],
        "last_pusher": {"username": "cnb"},
    })
}
