//! cargo's Web API (the registry's `api` URL from `config.json`): publish
//! a `.crate` built in memory, and yank. The token goes as cargo sends it.

use std::io::Write;

use reqwest::Method;
use serde_json::json;
use url::Url;

use super::{Auth, Call, ERROR_BODY, Error, Http, decode_error, url_with_segments};
use crate::credentials::Secret;

pub struct WebApi<'h> {
    http: &'h Http,
    api: Url,
    token: Secret,
}

/// A `.crate` and the metadata cargo would send with it.
pub struct CrateUpload {
    pub metadata: serde_json::Value,
    pub crate_file: Vec<u8>,
}

impl<'h> WebApi<'h> {
    /// `api` comes from the index's `config.json`.
    pub fn new(http: &'h Http, api: Url, token: Secret) -> WebApi<'h> {
        WebApi { http, api, token }
    }

    fn call(&self, method: Method, segments: &[&str]) -> Result<Call<'_>, Error> {
        let path = ["api", "v1", "crates"]
            .into_iter()
            .chain(segments.iter().copied());
        Ok(Call {
            method,
            url: url_with_segments(&self.api, path, &[])?,
            auth: Auth::Raw(&self.token),
            headers: &[("accept", "application/json")],
            idempotent: false,
            timeout: None,
            body: None,
        })
    }

    /// Reads a success answer: cargo's Web API reports errors in the body
    /// even with a 200 (`{"errors":[{"detail":...}]}`).
    fn finish(&self, call_url: &Url, answer: super::Answer<'_>) -> Result<(), Error> {
        let method = answer.method.clone();
        if !answer.status().is_success() {
            return Err(answer.into_error());
        }
        let status = answer.status().as_u16();
        let body = answer.bytes(ERROR_BODY)?;
        if let Some(detail) = super::error_detail(&body)
            && serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|v| v.get("errors").is_some())
        {
            return Err(Error::Status {
                method,
                url: super::redact(call_url),
                status,
                detail: Some(super::server_text(&detail, Some(&self.token))),
            });
        }
        if !body.is_empty() && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
            return Err(decode_error(
                call_url,
                "the answer is not JSON",
                Some(&self.token),
            ));
        }
        Ok(())
    }

    /// `PUT /api/v1/crates/new`: `u32 LE json length, json, u32 LE crate
    /// length, .crate`. Not retried: an upload that may have landed is for
    /// the caller to look up.
    pub fn publish(&self, upload: &CrateUpload) -> Result<(), Error> {
        self.publish_parts(&upload.metadata, upload.crate_file.clone())
    }

    /// `PUT /api/v1/crates/new`: `u32 LE json length, json, u32 LE crate
    /// length, .crate`, the `.crate` sent from the buffer it is in (not
    /// copied). Not retried: an upload that may have landed is for the
    /// caller to look up. Big bodies get time to go up: the request's
    /// timeout grows with the size, at 256 KiB/s.
    pub fn publish_parts(
        &self,
        metadata: &serde_json::Value,
        crate_file: Vec<u8>,
    ) -> Result<(), Error> {
        let json = serde_json::to_vec(metadata).map_err(|e| Error::Input(e.to_string()))?;
        let too_big = |what: &str| Error::Input(format!("the {what} is too large to upload"));
        let json_len = u32::try_from(json.len()).map_err(|_| too_big("metadata"))?;
        let crate_len = u32::try_from(crate_file.len()).map_err(|_| too_big(".crate"))?;
        let mut head = Vec::with_capacity(8 + json.len());
        head.extend_from_slice(&json_len.to_le_bytes());
        head.extend_from_slice(&json);
        head.extend_from_slice(&crate_len.to_le_bytes());
        let size = (head.len() + crate_file.len()) as u64;
        let mut call = self.call(Method::PUT, &["new"])?;
        call.timeout =
            Some(self.http.timeout() + std::time::Duration::from_secs(size / (256 << 10)));
        call.body = Some(std::sync::Arc::new(vec![head, crate_file]));
        let url = call.url.clone();
        let answer = self.http.send(call)?;
        self.finish(&url, answer)
    }

    /// Sends a yank that can yank nothing (see `token_check`) and returns
    /// the status, to learn whether the token may change the registry.
    pub fn probe_yank(
        &self,
        name: &str,
        version: &str,
        timeout: Option<std::time::Duration>,
    ) -> Result<u16, Error> {
        let mut call = self.call(Method::DELETE, &[name, version, "yank"])?;
        call.timeout = timeout;
        self.http.send(call)?.status_only()
    }

    /// `DELETE /api/v1/crates/{name}/{version}/yank`.
    pub fn yank(&self, name: &str, version: &str) -> Result<(), Error> {
        let mut call = self.call(Method::DELETE, &[name, version, "yank"])?;
        // Yanking twice leaves the same state: safe to retry.
        call.idempotent = true;
        let url = call.url.clone();
        let answer = self.http.send(call)?;
        self.finish(&url, answer)
    }
}

/// A minimal library crate, `name@version`, as a `.crate` (a gzipped tar
/// of `name-version/`), with the metadata cargo would send for it.
pub fn minimal_crate(name: &str, version: &str, description: &str) -> std::io::Result<CrateUpload> {
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
         description = \"{description}\"\nlicense = \"MIT OR Apache-2.0\"\n\n[lib]\npath = \"src/lib.rs\"\n"
    );
    let lib = "//! A placeholder published by cnbcargo.\n";
    let mut tar = tar::Builder::new(Vec::new());
    for (path, contents) in [
        ("Cargo.toml", manifest.as_str()),
        ("Cargo.toml.orig", manifest.as_str()),
        ("src/lib.rs", lib),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        // A fixed time, as cargo uses, so the same placeholder has the same bytes.
        header.set_mtime(1_153_704_088);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("{name}-{version}/{path}"),
            contents.as_bytes(),
        )?;
    }
    let tar = tar.into_inner()?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar)?;
    let crate_file = gz.finish()?;
    let metadata = json!({
        "name": name,
        "vers": version,
        "deps": [],
        "features": {},
        "authors": [],
        "description": description,
        "documentation": null,
        "homepage": null,
        "readme": null,
        "readme_file": null,
        "keywords": [],
        "categories": [],
        "license": "MIT OR Apache-2.0",
        "license_file": null,
        "repository": null,
        "badges": {},
        "links": null,
        "rust_version": null,
    });
    Ok(CrateUpload {
        metadata,
        crate_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_minimal_crate_unpacks_to_a_package() {
        let upload = minimal_crate("acme", "0.0.0-x", "d").unwrap();
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(upload.crate_file.as_slice())
            .read_to_end(&mut tar)
            .unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "acme-0.0.0-x/Cargo.toml",
                "acme-0.0.0-x/Cargo.toml.orig",
                "acme-0.0.0-x/src/lib.rs"
            ]
        );
        assert_eq!(upload.metadata["vers"], "0.0.0-x");
        // The same input gives the same bytes.
        assert_eq!(
            minimal_crate("acme", "0.0.0-x", "d").unwrap().crate_file,
            upload.crate_file
        );
    }
}
