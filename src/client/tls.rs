//! Which certificate authorities cnbcargo trusts: those cargo trusts.
//! cargo (libcurl) trusts the operating system's store (on Linux the
//! system bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR`) plus `http.cainfo`.
//! A network whose HTTPS passes an inspecting proxy works for cargo once
//! the proxy's CA is in one of those; it must work for cnbcargo the same
//! way, so no bundled list of web roots is used.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::network::Sourced;
use crate::env;
use crate::error::UserError;
use crate::origin::Origin;

/// A CA file larger than this is not a CA file (the system bundle is
/// about 200 KiB).
const MAX_CAINFO_BYTES: u64 = 16 << 20;

/// Where the trusted certificates came from, for `doctor` and `-vv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustReport {
    /// Certificates taken from the system's store.
    pub system: usize,
    /// The variables that chose the system's store, when set.
    pub system_from: Vec<&'static str>,
    /// What the system's store could not give (a missing `SSL_CERT_FILE`,
    /// an unreadable file), cleaned for messages.
    pub system_errors: Vec<String>,
    /// `http.cainfo`: the file, where it was set, how many certificates.
    pub cainfo: Option<(PathBuf, Origin, usize)>,
}

impl TrustReport {
    pub fn describe(&self) -> String {
        let mut text = match self.system_from.as_slice() {
            [] => format!("{} certificates from the system store", self.system),
            vars => format!(
                "{} certificates from the system store ({})",
                self.system,
                vars.iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        if let Some((path, origin, count)) = &self.cainfo {
            text.push_str(&format!(
                ", {count} from `http.cainfo` `{}` ({origin})",
                path.display()
            ));
        }
        text
    }
}

/// The TLS set-up of the HTTP client, built once per run.
pub struct Trust {
    pub config: rustls::ClientConfig,
    pub report: TrustReport,
}

/// Builds the client's TLS configuration: the system's roots, plus the
/// certificates of `http.cainfo`. A `cainfo` that cannot be read or holds
/// no certificate is an error, as it is for cargo.
pub fn trust(cainfo: Option<&Sourced<PathBuf>>) -> Result<Trust, UserError> {
    let mut roots = RootCertStore::empty();
    let native = system_certs();
    let (system, _ignored) = roots.add_parsable_certificates(native.certs);
    let system_errors = native
        .errors
        .iter()
        .map(|e| crate::shell::clean_line(&e.to_string()))
        .collect();
    let system_from = [env::SSL_CERT_FILE, env::SSL_CERT_DIR]
        .into_iter()
        .filter(|v| env::var_os(v).is_some())
        .collect();
    let cainfo = match cainfo {
        Some(file) => {
            let certs = read_cainfo(file)?;
            let count = certs.len();
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(cainfo_error(file, "none of its certificates can be used"));
            }
            Some((file.value.clone(), file.origin.clone(), count))
        }
        None => None,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| UserError::new(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // cnbcargo's client speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Trust {
        config,
        report: TrustReport {
            system,
            system_from,
            system_errors,
            cainfo,
        },
    })
}

/// The system's certificates, as OpenSSL finds them. With neither
/// `SSL_CERT_FILE` nor `SSL_CERT_DIR` set, the distribution's bundle file
/// alone when there is one: it holds what the hashed directory beside it
/// holds (both are written by `update-ca-certificates`), and reading that
/// directory file by file costs every command several milliseconds.
fn system_certs() -> rustls_native_certs::CertificateResult {
    #[cfg(all(unix, not(target_os = "macos")))]
    if env::var_os(env::SSL_CERT_FILE).is_none()
        && env::var_os(env::SSL_CERT_DIR).is_none()
        && let Some(file) = openssl_probe::probe().cert_file
    {
        return rustls_native_certs::load_certs_from_paths(Some(&file), None);
    }
    rustls_native_certs::load_native_certs()
}

fn cainfo_error(file: &Sourced<PathBuf>, why: &str) -> UserError {
    UserError::new(format!(
        "cannot use `http.cainfo` `{}` ({}): {why}",
        file.value.display(),
        file.origin
    ))
    .hint("point `http.cainfo` (or `CARGO_HTTP_CAINFO`) at a PEM file of CA certificates; cargo cannot use this one either")
}

/// The certificates of a PEM file, read with a bound.
fn read_cainfo(file: &Sourced<PathBuf>) -> Result<Vec<CertificateDer<'static>>, UserError> {
    let bytes = crate::fs::read_regular_limited(&file.value, MAX_CAINFO_BYTES)
        .map_err(|e| cainfo_error(file, &e.to_string()))?
        .ok_or_else(|| cainfo_error(file, "no such file"))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| cainfo_error(file, &format!("not a PEM file ({e})")))?;
    if certs.is_empty() {
        return Err(cainfo_error(file, "it holds no `CERTIFICATE` block"));
    }
    Ok(certs)
}
