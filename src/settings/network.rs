//! cargo's network settings, read as cargo reads them: `http.cainfo`,
//! `http.proxy`, `http.timeout`, `net.retry` and `net.offline`, from the
//! config files (the deepest file wins) with their `CARGO_*` variables on
//! top. cnbcargo's requests then behave as cargo's do on the same machine:
//! the same proxy, the same extra CA, the same retries, the same
//! offline switch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use crate::cargo_config::{ConfigStack, Origin};
use crate::env;
use crate::error::UserError;

/// Past this, a setting is a mistake rather than a slow link.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;
/// cargo takes any `u32`; more retries than this only wait longer.
const MAX_RETRIES: u32 = 100;

#[cfg(test)]
use crate::client::network::{DEFAULT_RETRIES, DEFAULT_TIMEOUT};
pub use crate::client::network::{Network, Sourced};

/// The text of a key: its `CARGO_*` variable, else the deepest file that
/// sets it. A file's value that is not of the expected TOML type is an
/// error naming it, as cargo makes it.
fn lookup(stack: &ConfigStack, var: &str, path: &[&str]) -> Option<(Raw, Origin)> {
    if let Some(text) = env::var_non_empty(var) {
        return Some((Raw::Text(text), Origin::Env(var.to_string())));
    }
    let (item, origin) = stack.lookup(path).into_iter().next()?;
    let raw = match item.as_value() {
        Some(toml_edit::Value::String(s)) => Raw::Text(s.value().clone()),
        Some(toml_edit::Value::Integer(i)) => Raw::Integer(*i.value()),
        Some(toml_edit::Value::Boolean(b)) => Raw::Bool(*b.value()),
        _ => Raw::Other,
    };
    Some((raw, origin))
}

enum Raw {
    Text(String),
    Integer(i64),
    Bool(bool),
    Other,
}

fn invalid(key: &str, origin: &Origin, expected: &str) -> anyhow::Error {
    UserError::new(format!("`{key}` ({origin}) must be {expected}"))
        .hint("cargo refuses this value too; fix it or remove it")
        .into()
}

/// Reads the settings from the config stack and the environment. `cwd`
/// resolves a relative path given in a variable, as cargo does.
pub fn network(stack: &ConfigStack, cwd: &Path) -> Result<Network> {
    let mut net = Network::default();

    if let Some((raw, origin)) = lookup(stack, env::CARGO_HTTP_CAINFO, &["http", "cainfo"]) {
        let Raw::Text(text) = raw else {
            return Err(invalid("http.cainfo", &origin, "a path to a PEM file"));
        };
        net.cainfo = Some(Sourced {
            value: config_path(&text, &origin, cwd),
            origin,
        });
    }

    if let Some((raw, origin)) = lookup(stack, env::CARGO_HTTP_PROXY, &["http", "proxy"]) {
        let Raw::Text(text) = raw else {
            return Err(invalid("http.proxy", &origin, "a proxy URL"));
        };
        let text = text.trim();
        // Empty, for libcurl and so for cargo: go direct, whatever
        // `https_proxy` says.
        let value = if text.is_empty() {
            String::new()
        } else {
            proxy_url(text)
        };
        net.proxy = Some(Sourced { value, origin });
    }

    if let Some((raw, origin)) = lookup(stack, env::CARGO_HTTP_TIMEOUT, &["http", "timeout"]) {
        let seconds = match raw {
            Raw::Integer(i) => u64::try_from(i).ok(),
            Raw::Text(text) => text.trim().parse::<u64>().ok(),
            _ => None,
        }
        .ok_or_else(|| invalid("http.timeout", &origin, "a whole number of seconds"))?;
        // 0 leaves curl's own defaults for cargo: the default here.
        if seconds > 0 {
            net.timeout = Some(Sourced {
                value: Duration::from_secs_f64((seconds as f64).min(MAX_TIMEOUT_SECS)),
                origin,
            });
        }
    }

    if let Some((raw, origin)) = lookup(stack, env::CARGO_NET_RETRY, &["net", "retry"]) {
        let retries = match raw {
            Raw::Integer(i) => u32::try_from(i).ok(),
            Raw::Text(text) => text.trim().parse::<u32>().ok(),
            _ => None,
        }
        .ok_or_else(|| invalid("net.retry", &origin, "a whole number, 0 or more"))?;
        net.retries = Some(Sourced {
            value: retries.min(MAX_RETRIES),
            origin,
        });
    }

    if let Some((raw, origin)) = lookup(stack, env::CARGO_NET_OFFLINE, &["net", "offline"]) {
        let offline = match raw {
            Raw::Bool(b) => Some(b),
            Raw::Text(text) => match text.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| invalid("net.offline", &origin, "`true` or `false`"))?;
        net.offline = Some(Sourced {
            value: offline,
            origin,
        });
    }
    Ok(net)
}

/// A path from cargo's config: absolute as is; relative to the directory
/// holding the file's `.cargo` directory (`/p/.cargo/config.toml` → `/p`)
/// when it comes from a file, to the current directory when it comes from
/// a variable. This is cargo's `ConfigRelativePath`.
fn config_path(text: &str, origin: &Origin, cwd: &Path) -> PathBuf {
    let path = Path::new(text);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match origin {
        Origin::File { path: file, .. } => file
            .parent()
            .and_then(Path::parent)
            .unwrap_or(cwd)
            .join(path),
        Origin::Env(_) => cwd.join(path),
    }
}

/// `http.proxy` is in libcurl's form, `[scheme://]host[:port]`: without a
/// scheme it is an HTTP proxy, as curl takes it.
fn proxy_url(text: &str) -> String {
    if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack_with(config: &str) -> (tempfile::TempDir, ConfigStack) {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("p");
        std::fs::create_dir_all(project.join(".cargo")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::write(project.join(".cargo/config.toml"), config).unwrap();
        let stack = ConfigStack::discover(&project, &dir.path().join("home")).unwrap();
        (dir, stack)
    }

    #[test]
    fn settings_are_read_from_the_config_files_as_cargo_reads_them() {
        let (dir, stack) = stack_with(
            "[http]\ncainfo = \"certs/ca.pem\"\nproxy = \"proxy.corp:3128\"\ntimeout = 7\n\
             [net]\nretry = 0\noffline = true\n",
        );
        let net = network(&stack, Path::new("/elsewhere")).unwrap();
        // Relative to the directory that holds `.cargo`, not to the cwd.
        assert_eq!(
            net.cainfo.as_ref().unwrap().value,
            dir.path().join("p").join("certs/ca.pem")
        );
        assert_eq!(net.proxy.as_ref().unwrap().value, "http://proxy.corp:3128");
        assert_eq!(net.timeout(), Duration::from_secs(7));
        assert_eq!(net.retries(), 0);
        assert!(net.offline().is_some());
    }

    #[test]
    fn defaults_and_bad_values() {
        let (_dir, stack) = stack_with("[net]\noffline = false\n");
        let net = network(&stack, Path::new("/")).unwrap();
        assert_eq!(net.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(net.retries(), DEFAULT_RETRIES);
        assert!(net.offline().is_none());
        let (_dir, stack) = stack_with("[http]\ntimeout = 0\nproxy = \"\"\n[net]\nretry = 4000\n");
        let net = network(&stack, Path::new("/")).unwrap();
        assert_eq!(net.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(net.retries(), MAX_RETRIES);
        assert_eq!(net.proxy.unwrap().value, "");
        for bad in [
            "[http]\ntimeout = -1\n",
            "[http]\ntimeout = \"soon\"\n",
            "[net]\nretry = -1\n",
            "[net]\noffline = \"yes\"\n",
            "[http]\ncainfo = 3\n",
        ] {
            let (_dir, stack) = stack_with(bad);
            let err = network(&stack, Path::new("/")).unwrap_err().to_string();
            assert!(err.contains("config.toml:"), "{bad}: {err}");
        }
    }
}
