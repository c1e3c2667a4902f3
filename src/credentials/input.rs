//! Reading a token from where the user gives it: standard input, a
//! variable, or a hidden prompt on the terminal; and checking it. The one
//! place tokens come in (`login`, `migrate`'s source, the provider's
//! `cargo login`).

use std::fmt;
use std::io::{IsTerminal, Read};

use anyhow::Result;
use zeroize::Zeroizing;

use super::secret::{Secret, TOKEN_SHAPE, check_token_chars};
use crate::env;
use crate::error::UserError;

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
        let source = LoginTokenSource::Stdin;
        Ok((validate_token(read_stdin()?, &source)?, source))
    };
    let terminal = stdin_is_terminal();
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
    let raw = prompt_hidden(&format!("token for `{registry}` (input hidden): ")).map_err(|e| {
        UserError::new(format!("failed to read the token: {e}"))
            .hint(format!("set `{}` or pipe the token in", env::CNB_TOKEN))
    })?;
    let source = if token_stdin {
        LoginTokenSource::Stdin
    } else {
        LoginTokenSource::Prompt
    };
    Ok((validate_token(raw, &source)?, source))
}

/// The source registry's token for `migrate`, as given: `--from-token-stdin`
/// (piped, or asked for on a terminal), else `CNBCARGO_FROM_TOKEN`; checked
/// like a login token. `settings::source_token` adds cargo's own.
pub fn read_source_token(from_stdin: bool) -> Result<Option<Secret>> {
    if from_stdin {
        if stdin_is_terminal() {
            let raw = prompt_hidden("token for the source registry (input hidden): ")
                .map_err(|e| UserError::new(format!("failed to read the token: {e}")))?;
            return Ok(Some(source_secret(raw, &"the prompt")?));
        }
        return Ok(Some(source_secret(read_stdin()?, &"standard input")?));
    }
    let var = env::CNBCARGO_FROM_TOKEN;
    match env_text(var)? {
        None => Ok(None),
        Some(raw) if raw.is_empty() => Ok(None),
        Some(raw) => Ok(Some(validate_token(raw, &format!("`{var}`"))?)),
    }
}

/// A source token, checked like a login token; an empty one is told where
/// the source's token comes from (not `CNB_TOKEN`, the destination's).
fn source_secret(raw: Zeroizing<String>, from: &dyn fmt::Display) -> Result<Secret> {
    if raw.trim_end_matches(['\n', '\r']).is_empty() {
        return Err(UserError::new(format!("the source's token from {from} is empty"))
            .hint(format!(
                "pipe the source registry's token in (`cnbcargo migrate --from-token-stdin ... < token.txt`) or set `{}`",
                env::CNBCARGO_FROM_TOKEN
            ))
            .into());
    }
    Ok(validate_token(raw, from)?)
}

/// `CNB_TOKEN`, checked: a value that is not Unicode, or not a token, is
/// an error naming the variable (never its value).
pub fn cnb_token_env() -> Result<Option<Secret>, UserError> {
    let Some(raw) = env_text(env::CNB_TOKEN)
        .map_err(|e| e.hint(format!("set `{}` to the token CNB shows", env::CNB_TOKEN)))?
    else {
        return Ok(None);
    };
    validate_token(raw, &LoginTokenSource::CnbTokenEnv).map(Some)
}

/// Whether standard input is a terminal (a prompt can be shown) rather
/// than a pipe (the token is read from it).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// All of standard input, as a token's text.
pub fn read_stdin() -> Result<Zeroizing<String>, UserError> {
    let mut raw = Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut raw).map_err(|e| {
        UserError::new(format!("failed to read the token from standard input: {e}"))
    })?;
    Ok(raw)
}

/// Asks for a token on the terminal, without echo.
pub fn prompt_hidden(prompt: &str) -> std::io::Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt).map(Zeroizing::new)
}

/// A variable holding a token, as text: `None` when unset; an error
/// naming it (never its value) when it is not Unicode.
pub fn env_text(var: &str) -> Result<Option<Zeroizing<String>>, UserError> {
    let Some(raw) = env::var_os(var) else {
        return Ok(None);
    };
    let raw = raw
        .into_string()
        .map_err(|_| UserError::new(format!("`{var}` is not valid Unicode")))?;
    Ok(Some(Zeroizing::new(raw)))
}

/// The scopes each command needs, for prompts and hints.
pub const SCOPES: &str = "`registry-package:rw` to publish and yank (it includes reading), `registry-package-delete:rw` to delete";

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
}
