//! A token in memory: no `Display`, a redacted `Debug`, wiped on drop;
//! and what a token's characters may be. A leaf: it imports nothing of
//! cnbcargo's, so that every layer can hold a token.

use std::fmt;

use zeroize::Zeroizing;

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

#[cfg(test)]
mod tests {
    use super::*;

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
