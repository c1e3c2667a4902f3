//! Reading a crate's file from a sparse index, as cargo would, with the
//! token cargo would send (raw, no `Bearer`).

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde::Deserialize;

use crate::credentials::Secret;
use crate::error::UserError;
use crate::net;
use crate::registry_url::IndexUrl;
use crate::shell::Shell;

#[derive(Debug, Clone, Deserialize)]
pub struct IndexEntry {
    pub vers: String,
    #[serde(default)]
    pub yanked: bool,
}

/// `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd...`, from the lower-cased name.
pub fn file_path(name: &str) -> String {
    let name = name.to_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// The versions the index lists for `name` (on CNB: the registry's own,
/// or the crates.io proxy's when the registry has none); empty when the
/// index does not know the crate.
pub fn versions(
    client: &Client,
    index: &IndexUrl,
    name: &str,
    token: &Secret,
    shell: &Shell,
) -> anyhow::Result<Vec<IndexEntry>> {
    let url = index
        .http_url()
        .join(&file_path(name))
        .map_err(|e| UserError::new(format!("cannot build the index URL for `{name}`: {e}")))?;
    shell.debug(format!("GET {url}"));
    let response = net::send(
        || {
            client
                .get(url.clone())
                .header("cargo-protocol", "version=1")
                .header(reqwest::header::AUTHORIZATION, token.expose())
        },
        true,
        url.as_str(),
        shell,
    )
    .map_err(|e| {
        UserError::new(format!(
            "could not read the index at `{url}` ({})",
            net::err_kind(&e)
        ))
        .hint("check the network and the registry's index URL")
    })?;
    match response.status() {
        StatusCode::NOT_FOUND | StatusCode::GONE => return Ok(Vec::new()),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            return Err(UserError::new(format!(
                "the registry refused the token when reading `{url}` ({})",
                response.status().as_u16()
            ))
            .hint("run `cnbcargo login` again, or set `CNB_TOKEN`")
            .into());
        }
        status if !status.is_success() => {
            return Err(UserError::new(format!(
                "reading `{url}` failed with status {}",
                status.as_u16()
            ))
            .into());
        }
        _ => {}
    }
    let text = response.text().map_err(|e| {
        UserError::new(format!(
            "could not read the index at `{url}` ({})",
            net::err_kind(&e)
        ))
    })?;
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry: IndexEntry = serde_json::from_str(line).map_err(|e| {
            UserError::new(format!(
                "the index file `{url}` has a malformed line {}: {e}",
                number + 1
            ))
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_cargo_layout() {
        assert_eq!(file_path("a"), "1/a");
        assert_eq!(file_path("ab"), "2/ab");
        assert_eq!(file_path("abc"), "3/a/abc");
        assert_eq!(file_path("Serde"), "se/rd/serde");
    }
}
