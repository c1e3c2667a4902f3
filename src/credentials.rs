//! Tokens: the type that keeps them from being printed, where they come
//! from, and the OS keyring copy.

use std::fmt;
use std::io::{IsTerminal, Read};

use anyhow::Result;
use zeroize::Zeroizing;

use crate::env;
use crate::error::UserError;

/// A secret value. It has no `Display`, and `Debug` prints `REDACTED`, so
/// it cannot reach a message by accident; `expose` marks where it leaves.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(Zeroizing::new(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether two copies hold the same token, told without printing or
    /// branching on either: their SHA-256 digests are compared in
    /// constant time, so neither the values nor where they first differ
    /// leak through timing.
    pub fn same_as(&self, other: &Secret) -> bool {
        use sha2::{Digest, Sha256};
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(other.0.as_bytes());
        a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

/// Where a token was read from, for `-v` messages (never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTokenSource {
    Stdin,
    CnbTokenEnv,
    Prompt,
}

impl fmt::Display for LoginTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginTokenSource::Stdin => f.write_str("standard input"),
            LoginTokenSource::CnbTokenEnv => {
                write!(f, "the `{}` environment variable", env::CNB_TOKEN)
            }
            LoginTokenSource::Prompt => f.write_str("the prompt"),
        }
    }
}

/// What is wrong with a token's characters, if anything. A token is one
/// word of printable ASCII: anything else cannot be sent in a header (and
/// is a copy-paste accident).
pub fn check_token_chars(token: &str) -> Result<(), &'static str> {
    if token.is_empty() {
        Err("is empty")
    } else if token.chars().any(char::is_whitespace) {
        Err("contains whitespace")
    } else if token.chars().any(char::is_control) {
        Err("contains a control character")
    } else if !token.is_ascii() {
        Err("contains a character that is not ASCII")
    } else if token.contains(['\\', '"']) {
        // JSON escapes them, and cargo's credential protocol then cannot
        // carry the token to a provider: refused everywhere alike.
        Err(ESCAPED_PROBLEM)
    } else {
        Ok(())
    }
}

/// Why a token with `\` or `"` is refused.
pub const ESCAPED_PROBLEM: &str = "contains `\\` or `\"`, which CNB tokens never hold";
/// What a CNB token looks like, for hints.
pub const TOKEN_SHAPE: &str =
    "copy the token again: CNB access tokens are a single word of letters and digits";

/// Checks a token as typed, piped or set: one trailing newline is
/// dropped, and anything `check_token_chars` refuses is an error naming
/// where the token came from. The messages never include the token.
pub fn validate_token(
    raw: Zeroizing<String>,
    source: &dyn fmt::Display,
) -> Result<Secret, UserError> {
    let trimmed = raw.trim_end_matches(['\n', '\r']);
    match check_token_chars(trimmed) {
        Ok(()) => Ok(Secret::new(trimmed.to_string())),
        Err(problem @ "is empty") => Err(UserError::new(format!(
            "the token from {source} {problem}"
        ))
        .hint(format!(
            "pipe the token in (`cnbcargo login --token-stdin < token.txt`) or set `{}`",
            env::CNB_TOKEN
        ))),
        Err(problem) => {
            Err(UserError::new(format!("the token from {source} {problem}")).hint(TOKEN_SHAPE))
        }
    }
}

/// Reads the token for `login`: `--token-stdin`, else `CNB_TOKEN`, else
/// stdin when it is not a terminal, else a hidden prompt. A terminal is
/// always read without echo, `--token-stdin` or not; `before_prompt` runs
/// just before the prompt (to say where tokens come from).
pub fn read_login_token(
    token_stdin: bool,
    registry: &str,
    cnb_token_allowed: bool,
    before_prompt: impl FnOnce(),
) -> Result<(Secret, LoginTokenSource)> {
    let from_stdin = || -> Result<(Secret, LoginTokenSource)> {
        let mut raw = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut raw).map_err(|e| {
            UserError::new(format!("failed to read the token from standard input: {e}"))
        })?;
        Ok((
            validate_token(raw, &LoginTokenSource::Stdin)?,
            LoginTokenSource::Stdin,
        ))
    };
    let terminal = std::io::stdin().is_terminal();
    if token_stdin && !terminal {
        return from_stdin();
    }
    // `CNB_TOKEN` only for a CNB host (`cnb_hosts`): a look-alike
    // registry a repository defines must not get it through `login`.
    if !token_stdin
        && cnb_token_allowed
        && let Some(token) = cnb_token_env()?
    {
        return Ok((token, LoginTokenSource::CnbTokenEnv));
    }
    if !terminal {
        return from_stdin();
    }
    before_prompt();
    let raw = rpassword::prompt_password(format!("token for `{registry}` (input hidden): "))
        .map_err(|e| {
            UserError::new(format!("failed to read the token: {e}"))
                .hint(format!("set `{}` or pipe the token in", env::CNB_TOKEN))
        })?;
    let raw = Zeroizing::new(raw);
    let source = if token_stdin {
        LoginTokenSource::Stdin
    } else {
        LoginTokenSource::Prompt
    };
    Ok((validate_token(raw, &source)?, source))
}

/// `CNB_TOKEN`, checked: a value that is not Unicode, or not a token, is
/// an error naming the variable (never its value).
pub fn cnb_token_env() -> Result<Option<Secret>, UserError> {
    let Some(raw) = env::var_os(env::CNB_TOKEN) else {
        return Ok(None);
    };
    let raw = raw.into_string().map_err(|_| {
        UserError::new(format!("`{}` is not valid Unicode", env::CNB_TOKEN))
            .hint(format!("set `{}` to the token CNB shows", env::CNB_TOKEN))
    })?;
    validate_token(Zeroizing::new(raw), &LoginTokenSource::CnbTokenEnv).map(Some)
}

/// The OS keyring copy of a registry's token, for cnbcargo's own API calls.
pub mod keyring_store {
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
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| "the keyring entry is not text".to_string())?;
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

        fn entry(service: &str, account: &str) -> keyring::Result<keyring::Entry> {
            keyring::Entry::new(service, account)
        }

        // keyring's errors describe the platform failure, never the secret.
        fn describe(err: keyring::Error) -> String {
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
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(describe(e)),
            }
        }

        pub fn delete(service: &str, account: &str) -> Result<bool, String> {
            match entry(service, account).and_then(|e| e.delete_credential()) {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(describe(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> Result<String, String> {
        validate_token(Zeroizing::new(raw.to_string()), &LoginTokenSource::Stdin)
            .map(|s| s.expose().to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn trims_newline_and_refuses_bad_tokens() {
        assert_eq!(check("abc\n").unwrap(), "abc");
        assert_eq!(check("abc\r\n").unwrap(), "abc");
        assert!(check("").unwrap_err().contains("empty"));
        assert!(check("\n").unwrap_err().contains("empty"));
        let err = check("secret-part other-part\n").unwrap_err();
        assert!(err.contains("whitespace"));
        assert!(!err.contains("secret-part"));
        assert!(check(" abc").unwrap_err().contains("whitespace"));
        let err = check("abc\u{1}def").unwrap_err();
        assert!(
            err.contains("control character") && !err.contains("abc"),
            "{err}"
        );
        assert!(check("abc\u{e9}").unwrap_err().contains("not ASCII"));
    }

    #[test]
    fn copies_compare_by_value() {
        let a = Secret::new("tok-a".to_string());
        assert!(a.same_as(&Secret::new("tok-a".to_string())));
        assert!(!a.same_as(&Secret::new("tok-b".to_string())));
        assert!(!a.same_as(&Secret::new("tok-a2".to_string())));
    }

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new("hunter2".to_string());
        assert_eq!(format!("{secret:?}"), "Secret(REDACTED)");
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
    }
}
