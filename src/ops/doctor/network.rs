//! cargo's network settings as cnbcargo applies them, and where its trust
//! in certificates comes from.

use crate::context::Context;
use crate::error::UserError;
use crate::settings;

use super::Check;

pub(super) fn checks(net: &settings::network::Network, ctx: &Context) -> Vec<Check> {
    let mut set = Vec::new();
    if let Some(proxy) = &net.proxy {
        set.push(if proxy.value.is_empty() {
            format!("`http.proxy` is empty: no proxy ({})", proxy.origin)
        } else {
            format!(
                "`http.proxy` = `{}` ({})",
                crate::registry_url::redact_text(&proxy.value),
                proxy.origin
            )
        });
    }
    if let Some(timeout) = &net.timeout {
        set.push(format!(
            "`http.timeout` = {} s ({})",
            timeout.value.as_secs_f64(),
            timeout.origin
        ));
    }
    if let Some(retries) = &net.retries {
        set.push(format!(
            "`net.retry` = {} ({})",
            retries.value, retries.origin
        ));
    }
    if let Some(offline) = &net.offline {
        set.push(format!(
            "`net.offline` = {} ({})",
            offline.value, offline.origin
        ));
    }
    let mut checks = vec![if set.is_empty() {
        Check::pass("net.settings", "cargo's network defaults")
    } else {
        Check::pass("net.settings", set.join("; "))
    }];
    checks.push(match ctx.http() {
        Err(err) => {
            let hint = UserError::first_hint(&err)
                .unwrap_or_else(|| "check `http.cainfo` and `SSL_CERT_FILE`".into());
            Check::fail("tls.trust", format!("{err:#}")).hint(hint)
        }
        Ok(http) => {
            let trust = http.trust();
            if trust.system == 0 && trust.cainfo.is_none() {
                let mut check = Check::fail("tls.trust", "no CA certificate is trusted: every `https://` request will fail")
                    .hint("install the system's CA certificates (e.g. the `ca-certificates` package), or point `SSL_CERT_FILE` or `http.cainfo` at a PEM bundle");
                if let Some(error) = trust.system_errors.first() {
                    check = check.source(error);
                }
                check
            } else if let Some(error) = trust.system_errors.first() {
                Check::warn("tls.trust", trust.describe())
                    .source(error)
                    .hint("part of the system's store could not be read; check `SSL_CERT_FILE` and `SSL_CERT_DIR`")
            } else {
                Check::pass("tls.trust", trust.describe())
            }
        }
    });
    checks
}
