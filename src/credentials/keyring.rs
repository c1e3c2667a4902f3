//! The OS keyring copy of a registry's token, for cnbcargo's own API calls.

use super::Secret;
use crate::env;

const SERVICE: &str = "cnbcargo";

/// False when `--no-keyring` or `CNBCARGO_NO_KEYRING` turned it off.
pub fn enabled(no_keyring_flag: bool) -> bool {
    let env_off = env::var_non_empty(env::CNBCARGO_NO_KEYRING)
        .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
    !(no_keyring_flag || env_off)
}

fn service() -> String {
    env::var_non_empty(env::CNBCARGO_KEYRING_SERVICE).unwrap_or_else(|| SERVICE.to_string())
}

/// The account an index's token is kept under: the index as cargo
/// names it to a provider (`sparse+https://host/path/`, normalised), so
/// that the entry `cnbcargo login` writes is the one cargo's requests
/// find, however the config spells the URL.
pub fn account(index: &str) -> String {
    crate::registry_url::IndexUrl::from_config_value(index)
        .map_or_else(|| index.to_string(), |url| url.config_value())
}

/// Errors are returned as text without the token, for a note.
pub fn store(account: &str, token: &Secret) -> Result<(), String> {
    backend::store(&service(), account, token.expose())
}

pub fn load(account: &str) -> Result<Option<Secret>, String> {
    backend::load(&service(), account)
}

/// `Ok(false)` when there was nothing to remove.
pub fn delete(account: &str) -> Result<bool, String> {
    backend::delete(&service(), account)
}

#[cfg(target_os = "linux")]
mod backend {
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

    use super::Secret;

    /// The description keyring-rs gives its entries, so either finds the other's.
    fn description(service: &str, account: &str) -> String {
        format!("keyring-rs:{account}@{service}")
    }

    fn describe(err: KeyError) -> String {
        format!("no usable kernel keyring on this machine ({err:?})")
    }

    fn session() -> Result<KeyRing, String> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).map_err(describe)
    }

    pub fn store(service: &str, account: &str, token: &str) -> Result<(), String> {
        let session = session()?;
        let key = session
            .add_key(&description(service, account), token.as_bytes())
            .map_err(describe)?;
        // The persistent keyring outlives the login session; where it
        // cannot be linked (containers, CI) the session copy still serves.
        if let Ok(persistent) = KeyRing::get_persistent(KeyRingIdentifier::Session) {
            let _ = persistent.link_key(key);
        }
        Ok(())
    }

    pub fn load(service: &str, account: &str) -> Result<Option<Secret>, String> {
        let key = match session()?.search(&description(service, account)) {
            Ok(key) => key,
            Err(KeyError::KeyDoesNotExist) => return Ok(None),
            Err(e) => return Err(describe(e)),
        };
        let bytes = zeroize::Zeroizing::new(key.read_to_vec().map_err(describe)?);
        let text =
            std::str::from_utf8(&bytes).map_err(|_| "the keyring entry is not text".to_string())?;
        Ok(Some(Secret::new(text.to_string())))
    }

    pub fn delete(service: &str, account: &str) -> Result<bool, String> {
        match session()?.search(&description(service, account)) {
            Ok(key) => key.invalidate().map(|()| true).map_err(describe),
            Err(KeyError::KeyDoesNotExist) => Ok(false),
            Err(e) => Err(describe(e)),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod backend {
    use super::Secret;

    fn entry(service: &str, account: &str) -> ::keyring::Result<::keyring::Entry> {
        ::keyring::Entry::new(service, account)
    }

    // keyring's errors describe the platform failure, never the secret.
    fn describe(err: ::keyring::Error) -> String {
        format!("no usable keyring on this machine ({err})")
    }

    pub fn store(service: &str, account: &str, token: &str) -> Result<(), String> {
        entry(service, account)
            .and_then(|e| e.set_password(token))
            .map_err(describe)
    }

    pub fn load(service: &str, account: &str) -> Result<Option<Secret>, String> {
        match entry(service, account).and_then(|e| e.get_password()) {
            Ok(token) => Ok(Some(Secret::new(token))),
            Err(::keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(e)),
        }
    }

    pub fn delete(service: &str, account: &str) -> Result<bool, String> {
        match entry(service, account).and_then(|e| e.delete_credential()) {
            Ok(()) => Ok(true),
            Err(::keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(describe(e)),
        }
    }
}
