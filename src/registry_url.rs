//! The registry's index URL: what `init` accepts as TARGET, how it is
//! normalised, and how an index written in a config file is compared.

use std::fmt;
use std::net::IpAddr;

use anyhow::Result;
use url::{Host, Url};

use crate::error::UserError;
use crate::shell::clean_line;

/// CNB's main domain. A bare `group/registry` path expands to an index on
/// `cargo.<domain>`, the pattern of CNB's other artifact hosts: CNB's docs
/// name no cargo host, so the result is derived, and `init` says so. Any
/// other host is reached by passing the full URL (or `--domain`).
pub const CNB_DOMAIN: &str = "cnb.cool";

/// A sparse registry index URL, always `http(s)://.../` with a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexUrl {
    url: Url,
}

impl IndexUrl {
    /// Parses a TARGET: a full index URL (optionally `sparse+`) or a CNB
    /// registry path `group[/subgroup...]/registry`.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "`init` passes its `--domain`: `parse_target_in`")
    )]
    pub fn parse_target(target: &str) -> Result<IndexUrl, UserError> {
        IndexUrl::parse_target_in(target, None)
    }

    /// Whether a TARGET is a registry path, which `parse_target` expands
    /// to a derived URL, rather than a URL.
    pub fn is_shorthand(target: &str) -> bool {
        let target = target.trim();
        !target.is_empty() && !target.starts_with("sparse+") && !target.contains("://")
    }

    /// `parse_target`, with a registry path expanded under the CNB domain
    /// `domain` (`cargo.<domain>`; default `cnb.cool`). A domain with a
    /// full URL is a usage error: the URL already names its host.
    pub fn parse_target_in(target: &str, domain: Option<&str>) -> Result<IndexUrl, UserError> {
        if let Some(domain) = domain
            && !IndexUrl::is_shorthand(target)
        {
            return Err(UserError::usage(format!(
                "`--domain {}` applies to a `group/registry` path, not to a URL",
                clean_line(domain)
            ))
            .hint("pass either the full index URL, or the path with `--domain`"));
        }
        let target = target.trim();
        if target.is_empty() {
            return Err(UserError::usage("the registry target is empty")
                .hint("pass the index URL CNB shows, or a path like `acme/crates`"));
        }
        let without_sparse = target.strip_prefix("sparse+").unwrap_or(target);
        if without_sparse.contains("://") {
            return IndexUrl::parse_url(without_sparse);
        }
        if target.starts_with("sparse+") {
            return Err(not_a_url(TARGET, target, "no `://`").hint(
                "a sparse index looks like `sparse+https://cargo.cnb.cool/acme/crates/-/packages/`",
            ));
        }
        IndexUrl::from_path(target, domain.unwrap_or(CNB_DOMAIN))
    }

    /// The host a path expands to under `domain`: `cargo.<domain>`.
    fn cargo_host(domain: &str) -> Result<String, UserError> {
        let shown = clean_line(domain);
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let valid = !domain.is_empty()
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid {
            return Err(UserError::usage(format!("`{shown}` is not a domain name"))
                .hint("pass CNB's domain alone, e.g. `--domain cnb.build`"));
        }
        if domain.starts_with("cargo.") {
            return Err(UserError::usage(format!(
                "`--domain {shown}` names the cargo host, not CNB's domain"
            ))
            .hint(format!(
                "pass `--domain {}` (the index is on `cargo.<domain>`)",
                domain.trim_start_matches("cargo.")
            )));
        }
        Ok(format!("cargo.{domain}"))
    }

    fn parse_url(text: &str) -> Result<IndexUrl, UserError> {
        // Messages never echo a password written into the URL.
        let shown = clean_line(&redact_text(text));
        let mut url = parse_url(text, TARGET).map_err(|e| {
            e.hint("a CNB index URL looks like `https://cargo.cnb.cool/acme/crates/-/packages/`")
        })?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(UserError::new(format!(
                    "refusing the plain `http://` index `{shown}`: the token would travel in clear"
                ))
                .hint("use the `https://` URL; plain http is only accepted for loopback hosts (127.0.0.1, ::1, localhost)"));
            }
            other => {
                return Err(UserError::new(format!(
                    "`{shown}` uses the unsupported scheme `{other}`"
                ))
                .hint("CNB registries are sparse indexes served over `https://`"));
            }
        }
        if url.host().is_none() {
            return Err(UserError::new(format!("`{shown}` has no host")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(UserError::new(format!(
                "`{shown}` has a query or fragment, which an index URL cannot have"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                UserError::new("the index URL must not carry credentials").hint(
                    "log in with `cnbcargo login` instead of putting a user or password in the URL",
                ),
            );
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(IndexUrl { url })
    }

    fn from_path(path: &str, domain: &str) -> Result<IndexUrl, UserError> {
        let trimmed = path.trim_matches('/');
        let segments: Vec<&str> = trimmed.split('/').collect();
        let first = segments.first().copied().unwrap_or_default();
        if first.contains('.') && segments.len() > 1 {
            return Err(
                UserError::usage(format!("`{path}` looks like a URL without its scheme"))
                    .hint(format!("write it as `https://{trimmed}`")),
            );
        }
        if segments.len() < 2 {
            return Err(UserError::usage(format!(
                "`{path}` is not a registry path: it needs a group and a registry name"
            ))
            .hint("pass `group/registry` (e.g. `acme/crates`) or the full index URL CNB shows"));
        }
        for segment in &segments {
            let valid = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !segment.starts_with('.')
                && *segment != "-";
            if !valid {
                return Err(UserError::usage(format!(
                    "`{path}` is not a registry path: `{segment}` is not a valid group or registry name"
                ))
                .hint("names hold letters, digits, `-`, `_` and `.`; pass the full index URL if CNB shows another form"));
            }
        }
        let host = IndexUrl::cargo_host(domain)?;
        let url = Url::parse(&format!("https://{host}/{trimmed}/-/packages/"))
            .map_err(|e| UserError::new(format!("`{path}` is not a registry path: {e}")))?;
        Ok(IndexUrl { url })
    }

    /// Reads an `index` value from a config file; `None` for git indexes and
    /// anything else that is not a sparse HTTP index.
    pub fn from_config_value(value: &str) -> Option<IndexUrl> {
        let rest = value.strip_prefix("sparse+")?;
        let mut url = Url::parse(rest).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Some(IndexUrl { url })
    }

    /// An index URL as cargo writes it anywhere (`Cargo.lock`'s `sparse+...`
    /// or `registry+...`, `cargo metadata`'s bare `registry`, an index
    /// entry's `registry`), normalised so that it compares equal to the
    /// registry's `index` however either is spelt; `None` for what is not
    /// an `http(s)` index (a git source).
    pub fn normalize(text: &str) -> Option<IndexUrl> {
        let bare = text
            .strip_prefix("sparse+")
            .or_else(|| text.strip_prefix("registry+"))
            .unwrap_or(text);
        IndexUrl::from_config_value(&format!("sparse+{bare}"))
    }

    /// An index to talk to, from a config file's `index` value: sparse,
    /// `http(s)`, with no user info, query or fragment. The messages never
    /// show a password written into the URL.
    pub fn from_config(value: &str) -> Result<IndexUrl, UserError> {
        let shown = clean_line(&redact_text(value));
        let Some(rest) = value.strip_prefix("sparse+") else {
            return Err(UserError::new(format!(
                "`{shown}` is not a sparse index (no `sparse+`)"
            ))
            .hint("CNB registries are sparse: write `index = \"sparse+https://...\"`, or run `cnbcargo init` with the registry's URL"));
        };
        let url = Url::parse(rest).map_err(|e| not_a_url("the index", value, e))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UserError::new(format!(
                "`{shown}` is not an `http(s)` index"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UserError::new(format!(
                "the index `sparse+{}` carries a user name or password",
                redact(&url)
            ))
            .hint("remove them from the URL: the token goes through `cnbcargo login`"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(UserError::new(format!(
                "the index `{shown}` has a query or fragment, which an index URL cannot have"
            )));
        }
        IndexUrl::from_config_value(value)
            .ok_or_else(|| UserError::new(format!("`{shown}` is not a sparse index")))
    }

    /// For an `index` value that is an `http(s)` URL without `sparse+`
    /// (cargo then takes it for a git index): the sparse index it was
    /// surely meant to be, to name the problem and to check it all the same.
    pub fn missing_sparse_prefix(value: &str) -> Option<IndexUrl> {
        if value.starts_with("sparse+") {
            return None;
        }
        let bare = value.strip_prefix("registry+").unwrap_or(value);
        let url = Url::parse(bare).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        IndexUrl::from_config(&format!("sparse+{bare}")).ok()
    }

    /// Refuses to let a token go to this index over plain http to another
    /// machine, whether cnbcargo sends it or hands it to cargo.
    pub fn check_token_allowed(&self) -> Result<(), UserError> {
        if may_carry_token(&self.url) {
            return Ok(());
        }
        Err(UserError::new(format!(
            "refusing to use a token with the index `{self}`: plain `http://` would send it in clear to a host that is not this machine"
        ))
        .hint("use the registry's `https://` URL (`cnbcargo init` rewrites the entry); plain http is only for loopback hosts"))
    }

    /// `https://host/path/`, what cargo requests files under.
    pub fn http_url(&self) -> &Url {
        &self.url
    }

    /// A file under the index (`config.json`, `se/rd/serde`).
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.url.clone();
        url.set_path(&format!("{}{path}", self.url.path()));
        url
    }

    /// The value for `index = ...` in a cargo config.
    pub fn config_value(&self) -> String {
        format!("sparse+{}", self.url)
    }

    /// True when the index has CNB's shape: a path ending in `/-/packages/`.
    pub fn looks_like_cnb(&self) -> bool {
        self.url.path().ends_with("/-/packages/")
    }

    /// Where CNB users create tokens, for an index on `cargo.<domain>`:
    /// `https://<domain>/profile/token`.
    pub fn token_page(&self) -> Option<String> {
        let host = self.url.host_str()?;
        let domain = host.strip_prefix("cargo.").filter(|d| !d.is_empty())?;
        Some(format!("https://{domain}/profile/token"))
    }

    /// The registry path between the host and `/-/packages`, which CNB's
    /// OpenAPI calls the slug.
    pub fn cnb_slug(&self) -> Option<&str> {
        let path = self.url.path().strip_suffix("/-/packages/")?;
        let slug = path.trim_start_matches('/');
        (!slug.is_empty()).then_some(slug)
    }
}

/// For messages: user info (which `from_config` refuses anyway) is never shown.
impl fmt::Display for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sparse+{}", redact(&self.url))
    }
}

/// Whether a host is this machine: plain `http://` is only for such.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `https://`, or `http://` to this machine: where a token may go.
pub fn may_carry_token(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(url),
        _ => false,
    }
}

/// A URL for messages: user info is replaced by `***`, so a password
/// written into a URL is never echoed.
pub fn redact(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("***");
    shown.to_string()
}

/// `redact` for text that may not even parse as a URL (a config value).
pub fn redact_text(text: &str) -> String {
    // `scheme://authority/...`, and also `scheme:user:pw@host`, which URL
    // parsers accept too.
    let prefix_len = match text.find("://") {
        Some(i) => i + 3,
        None => match text.find(':') {
            Some(i) => i + 1,
            None => return text.to_string(),
        },
    };
    let (prefix, rest) = text.split_at(prefix_len);
    let slashes = rest.len() - rest.trim_start_matches('/').len();
    let (slashes, rest) = rest.split_at(slashes);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{prefix}{slashes}***@{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// What `IndexUrl::parse_target` calls its input in messages.
const TARGET: &str = "the registry target";

/// Parses a URL the user gave (a flag, a variable, a config value, a
/// server's link): the one place a URL that does not parse is told, in
/// one wording. `what` names it (`the index`, `the API endpoint from
/// `CNB_API_ENDPOINT``).
pub fn parse_url(text: &str, what: &str) -> Result<Url, UserError> {
    Url::parse(text).map_err(|e| not_a_url(what, text, e))
}

/// `{what} is not a URL: `{shown}` ({reason})`, with a password written
/// into the text never shown, nor a control character.
fn not_a_url(what: &str, text: &str, reason: impl fmt::Display) -> UserError {
    let shown = clean_line(&redact_text(text));
    UserError::new(format!("{what} is not a URL: `{shown}` ({reason})"))
}

/// Checks a base URL that cnbcargo will send a token to: `http(s)`, a
/// host, no user info, no query, no fragment, and plain http only to a
/// loopback host. `what` names it in messages (`the API endpoint from
/// `CNB_API_ENDPOINT``).
pub fn check_endpoint(text: &str, what: &str) -> Result<Url, UserError> {
    let url = parse_url(text, what)?;
    let shown = redact(&url);
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UserError::new(format!(
            "{what} must be an `https://` URL, not `{shown}`"
        )));
    }
    if url.host().is_none() {
        return Err(UserError::new(format!("{what} has no host: `{shown}`")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            UserError::new(format!("{what} carries a user name or password: `{shown}`")).hint(
                "remove them from the URL: cnbcargo sends the token itself, and never shows a password",
            ),
        );
    }
    if url.query().is_some() {
        return Err(UserError::new(format!(
            "{what} has a query (`?...`), which a base URL cannot have: `{shown}`"
        ))
        .hint("drop everything from `?` on"));
    }
    if url.fragment().is_some() {
        return Err(UserError::new(format!(
            "{what} has a fragment (`#...`), which a base URL cannot have: `{shown}`"
        ))
        .hint("drop everything from `#` on"));
    }
    if !may_carry_token(&url) {
        return Err(UserError::new(format!(
            "refusing {what} `{shown}`: plain `http://` would send the token in clear"
        ))
        .hint("use `https://`; plain http is only accepted for loopback hosts (127.0.0.1, ::1, localhost)"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked() {
        let ok = |t: &str| check_endpoint(t, "the endpoint").map(|u| u.to_string());
        let err = |t: &str| check_endpoint(t, "the endpoint").unwrap_err().to_string();
        assert_eq!(ok("https://api.cnb.cool").unwrap(), "https://api.cnb.cool/");
        assert_eq!(
            ok("http://127.0.0.1:9/x/").unwrap(),
            "http://127.0.0.1:9/x/"
        );
        assert_eq!(ok("http://[::1]:9").unwrap(), "http://[::1]:9/");
        assert!(err("http://api.example.com").contains("in clear"));
        assert!(err("http://0.0.0.0:80").contains("in clear"));
        assert!(err("https://a.example/?x=1").contains("query"));
        assert!(err("https://a.example/#frag").contains("fragment"));
        assert!(err("ftp://a.example/").contains("https://"));
        let e = err("https://user:hunter2@a.example/");
        assert!(
            e.contains("user name or password") && !e.contains("hunter2"),
            "{e}"
        );
        let e = err("https://user:hunter2@[bad/");
        assert!(!e.contains("hunter2"), "{e}");
        let e = err("https:user:hunter2@[bad/");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_text("sparse+https://u:p@h.example/x@y/"),
            "sparse+https://***@h.example/x@y/"
        );
        assert_eq!(
            redact_text("https://h.example/a@b"),
            "https://h.example/a@b"
        );
        assert_eq!(redact_text("no url"), "no url");
        assert_eq!(redact_text("https:u:p@h.example/"), "https:***@h.example/");
        let url = Url::parse("https://u:p@h.example/").unwrap();
        assert_eq!(redact(&url), "https://***@h.example/");
    }

    #[test]
    fn index_urls_compare_however_spelt() {
        let a = IndexUrl::normalize("sparse+https://Cargo.cnb.cool/a/b/-/packages").unwrap();
        let b = IndexUrl::normalize("https://cargo.cnb.cool/a/b/-/packages/").unwrap();
        assert_eq!(a, b);
        assert!(IndexUrl::normalize("git+https://github.com/x/y?rev=1#abc").is_none());
        assert!(
            IndexUrl::normalize("registry+https://github.com/rust-lang/crates.io-index").is_some()
        );
    }

    fn ok(target: &str) -> String {
        IndexUrl::parse_target(target).unwrap().config_value()
    }

    fn err(target: &str) -> String {
        IndexUrl::parse_target(target).unwrap_err().to_string()
    }

    #[test]
    fn path_expands_to_cnb_url() {
        assert_eq!(
            ok("acme/crates"),
            "sparse+https://cargo.cnb.cool/acme/crates/-/packages/"
        );
        assert_eq!(
            ok("/acme/sub/crates/"),
            "sparse+https://cargo.cnb.cool/acme/sub/crates/-/packages/"
        );
    }

    #[test]
    fn urls_get_sparse_prefix_and_trailing_slash() {
        assert_eq!(
            ok("https://cargo.cnb.cool/acme/crates/-/packages"),
            "sparse+https://cargo.cnb.cool/acme/crates/-/packages/"
        );
        assert_eq!(
            ok("sparse+https://cargo.cnb.cool/acme/crates/-/packages/"),
            "sparse+https://cargo.cnb.cool/acme/crates/-/packages/"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080/x"),
            "sparse+http://127.0.0.1:8080/x/"
        );
        assert_eq!(ok("http://[::1]:8080/x/"), "sparse+http://[::1]:8080/x/");
        assert_eq!(ok("http://localhost/x/"), "sparse+http://localhost/x/");
        assert_eq!(ok("http://127.3.4.5/x/"), "sparse+http://127.3.4.5/x/");
    }

    #[test]
    fn refuses_clear_text_and_junk() {
        assert!(err("http://cargo.cnb.cool/acme/crates/-/packages/").contains("in clear"));
        assert!(err("http://10.0.0.1/x/").contains("in clear"));
        assert!(err("ftp://x/y").contains("scheme"));
        assert!(err("crates").contains("needs a group"));
        assert!(err("acme//crates").contains("not a valid group"));
        assert!(err("acme/cr ates").contains("not a valid group"));
        assert!(err("cargo.cnb.cool/acme/crates").contains("without its scheme"));
        assert!(err("https://user:pw@example.com/x/").contains("credentials"));
        assert_eq!(
            err("https://"),
            "the registry target is not a URL: `https://` (empty host)"
        );
        assert!(err("").contains("empty"));
        assert_eq!(
            err("sparse+acme/x"),
            "the registry target is not a URL: `sparse+acme/x` (no `://`)"
        );
        // Every URL that does not parse is told alike, without a password.
        assert_eq!(
            IndexUrl::from_config("sparse+https://u:hunter2@[bad/")
                .unwrap_err()
                .to_string(),
            "the index is not a URL: `sparse+https://***@[bad/` (invalid IPv6 address)"
        );
    }

    #[test]
    fn a_path_expands_under_the_domain_given() {
        let at = |target: &str, domain: Option<&str>| {
            IndexUrl::parse_target_in(target, domain).map(|u| u.config_value())
        };
        assert_eq!(
            at("acme/crates", Some("cnb.build")).unwrap(),
            "sparse+https://cargo.cnb.build/acme/crates/-/packages/"
        );
        assert_eq!(
            at("acme/crates", Some("CNB.Build.")).unwrap(),
            "sparse+https://cargo.cnb.build/acme/crates/-/packages/"
        );
        for bad in [
            "",
            "https://cnb.build",
            "cnb.build/x",
            "-cnb.build",
            "cnb..build",
        ] {
            let err = at("acme/crates", Some(bad)).unwrap_err();
            assert!(err.to_string().contains("not a domain"), "{bad}: {err}");
        }
        let err = at("acme/crates", Some("cargo.cnb.build")).unwrap_err();
        assert_eq!(
            err.hints()[0],
            "pass `--domain cnb.build` (the index is on `cargo.<domain>`)"
        );
        let err = at(
            "https://cargo.cnb.build/acme/crates/-/packages/",
            Some("cnb.build"),
        );
        assert!(err.unwrap_err().to_string().contains("not to a URL"));
        assert!(IndexUrl::is_shorthand(" acme/crates "));
        assert!(!IndexUrl::is_shorthand("sparse+https://x/"));
        assert!(!IndexUrl::is_shorthand("https://x/"));
    }

    #[test]
    fn slug_and_shape() {
        let url = IndexUrl::parse_target("acme/sub/crates").unwrap();
        assert!(url.looks_like_cnb());
        assert_eq!(url.cnb_slug(), Some("acme/sub/crates"));
        let other = IndexUrl::parse_target("https://example.com/index/").unwrap();
        assert!(!other.looks_like_cnb());
        assert_eq!(other.cnb_slug(), None);
    }

    #[test]
    fn indexes_from_config_files_are_checked() {
        let err = |v: &str| IndexUrl::from_config(v).unwrap_err().to_string();
        assert!(err("https://x.example/i/").contains("no `sparse+`"));
        let e = err("sparse+https://u:hunter2@x.example/i/");
        assert!(
            e.contains("user name or password") && !e.contains("hunter2"),
            "{e}"
        );
        assert!(err("sparse+https://x.example/i/?a=1").contains("query"));
        assert!(err("sparse+ftp://x.example/i/").contains("http(s)"));
        let url = IndexUrl::from_config("sparse+http://10.1.2.3/i/").unwrap();
        assert!(url.check_token_allowed().is_err());
        let url = IndexUrl::from_config("sparse+http://127.0.0.1:1/i").unwrap();
        assert!(url.check_token_allowed().is_ok());
        assert_eq!(
            url.join("config.json").as_str(),
            "http://127.0.0.1:1/i/config.json"
        );
    }

    #[test]
    fn config_values_compare_after_normalising() {
        let a =
            IndexUrl::from_config_value("sparse+https://Cargo.CNB.cool/a/b/-/packages").unwrap();
        let b = IndexUrl::parse_target("a/b").unwrap();
        assert_eq!(a, b);
        assert!(IndexUrl::from_config_value("https://github.com/x/index").is_none());
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(target in "\\PC{0,80}") {
            if let Ok(url) = IndexUrl::parse_target(&target) {
                proptest::prop_assert!(url.config_value().starts_with("sparse+http"));
                proptest::prop_assert!(url.config_value().ends_with('/'));
            }
            let _ = IndexUrl::from_config_value(&target);
        }

        #[test]
        fn registry_paths_round_trip(path in "[a-z][a-z0-9_-]{0,10}(/[a-z][a-z0-9_.-]{0,10}){1,3}") {
            let url = IndexUrl::parse_target(&path).unwrap();
            proptest::prop_assert_eq!(url.cnb_slug(), Some(path.as_str()));
        }
    }

    #[test]
    fn token_page_follows_the_index_host() {
        let cnb = IndexUrl::parse_target("acme/crates").unwrap();
        assert_eq!(
            cnb.token_page().as_deref(),
            Some("https://cnb.cool/profile/token")
        );
        let other = IndexUrl::parse_target("https://registry.example.com/x/").unwrap();
        assert_eq!(other.token_page(), None);
    }
}
