//! cnbcargo as cargo's credential provider (protocol version 1, through
//! the `cargo-credential` crate). cargo runs `cnbcargo --cargo-plugin`
//! for a registry whose `credential-provider` is `cnbcargo`, and asks it
//! for the token: `CNB_TOKEN` when set (CI needs no login at all), else the
//! OS keyring entry that `cargo login`/`cnbcargo login` stored through it.
//! No token is ever written to `credentials.toml` in this mode.

use std::ffi::OsString;
use std::path::Path;

use cargo_credential::{
    Action, CacheControl, Credential, CredentialHello, CredentialRequest, CredentialResponse,
    Error, LoginOptions, RegistryInfo,
};

use crate::cargo_config::Origin;
use crate::credentials::{self, Secret, keyring_store};
use crate::env;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::settings::{self, TokenSource};
use crate::shell::{ColorChoice, Shell, Verbosity};

pub use crate::settings::provider::Mode;

/// The argument cargo adds when it runs a provider.
const PLUGIN_FLAG: &str = "--cargo-plugin";

/// True when cargo runs this program as a credential provider: cargo runs
/// exactly `<program> --cargo-plugin` (the config's arguments for the
/// provider arrive in the request, not on argv).
pub fn requested(args: &[OsString]) -> bool {
    args.len() == 2 && args[1] == PLUGIN_FLAG
}

/// The longest request line read from cargo; real ones are a few hundred
/// bytes.
const MAX_REQUEST_BYTES: u64 = 1 << 20;

/// Answers cargo's requests on stdin/stdout until cargo closes stdin.
///
/// The loop is cargo-credential's own (`cargo_credential::main`), written
/// here for one reason: that one answers a request it cannot read with
/// serde's message, which quotes the value it choked on. Its types borrow
/// their strings, so a token holding `\` or `"` (escaped in JSON) cannot
/// be read, and the error would carry the token to cargo, which prints
/// it. Here such a request gets an answer that quotes nothing.
pub fn serve() {
    use std::io::{BufRead, Read, Write};
    let stdout = std::io::stdout();
    let hello = CredentialHello { v: vec![1] };
    if writeln!(stdout.lock(), "{}", serde_json::json!(hello)).is_err() {
        return;
    }
    let mut stdin = std::io::stdin().lock();
    loop {
        let mut line = zeroize::Zeroizing::new(Vec::new());
        match (&mut stdin)
            .take(MAX_REQUEST_BYTES)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let answer = answer(&line);
        let text = serde_json::to_string(&answer).unwrap_or_else(|_| {
            r#"{"Err":{"kind":"other","message":"cnbcargo could not write its answer"}}"#
                .to_string()
        });
        let mut out = stdout.lock();
        if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
            return;
        }
        if !line.ends_with(b"\n") {
            // Cut at the bound: what follows is not a request.
            return;
        }
    }
}

/// The answer to one request line. A line that cannot be read is
/// answered without quoting any of it.
fn answer(line: &[u8]) -> Result<CredentialResponse, Error> {
    let Ok(text) = std::str::from_utf8(line) else {
        return Err("`cnbcargo` could not read cargo's request (not UTF-8)".into());
    };
    match serde_json::from_str::<CredentialRequest<'_>>(text) {
        Ok(request) if request.v == 1 => {
            Provider.perform(&request.registry, &request.action, &request.args)
        }
        Ok(request) => Err(format!("unsupported protocol version {}", request.v).into()),
        // Valid JSON that the borrowing types cannot take holds an escaped
        // character: in practice the token, which CNB never makes so.
        Err(_) if serde_json::from_str::<serde_json::Value>(text).is_ok() => Err(format!(
            "`cnbcargo` could not read cargo's request: a value in it, most likely the token, holds a character JSON escapes (`\\`, `\"` or a control character), which CNB tokens never hold; {}",
            credentials::TOKEN_SHAPE
        )
        .into()),
        Err(_) => {
            Err("`cnbcargo` could not read cargo's request (not the credential protocol)".into())
        }
    }
}

/// Where cargo would find the provider's program: on `PATH` for a bare
/// name, else the path itself. `None` when it is not there.
pub fn find_program(program: &str) -> Option<std::path::PathBuf> {
    let path = Path::new(program);
    if path.components().count() > 1 {
        return path.is_file().then(|| path.to_path_buf());
    }
    let exe = format!("{program}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&env::var_os(env::PATH)?)
        .map(|dir| dir.join(&exe))
        .find(|candidate| candidate.is_file())
}

/// An error unless cargo can run the provider's program.
pub fn check_program(program: &str, origin: &Origin) -> Result<std::path::PathBuf, UserError> {
    find_program(program).ok_or_else(|| {
        UserError::new(format!(
            "cargo runs the credential provider `{program}` ({origin}), but there is no `{program}` on `PATH`"
        ))
        .hint("install cnbcargo with `cargo install` (it puts `cnbcargo` in `~/.cargo/bin`), or add its directory to `PATH`")
    })
}

/// What the provider program said to a `get`, as cargo would ask it.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Token,
    NotFound,
    Failed(String),
}

/// Asks the provider program for the token of the registry at `index`,
/// as cargo does (the hello, one `get`), within 10 s. The token in the
/// answer is dropped unread: only whether there was one matters.
pub fn ask(program: &Path, index: &str, name: &str) -> Answer {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let request = serde_json::json!({
        "v": 1,
        "registry": {"index-url": keyring_store::account(index), "name": name},
        "kind": "get",
        "operation": "read",
        "args": [],
    });
    let child = Command::new(program)
        .arg(PLUGIN_FLAG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return Answer::Failed(format!("could not run `{}`: {e}", program.display())),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{request}");
    }
    let stdout = child.stdout.take().expect("stdout was piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Two lines, each bounded: a program that is not a provider
        // cannot make this read for ever or without limit.
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stdout).take(64 * 1024);
        for _ in 0..2 {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            lines.push(line);
        }
        let _ = tx.send(lines);
    });
    let lines = rx.recv_timeout(std::time::Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
    let Ok(lines) = lines else {
        return Answer::Failed("it did not answer within 10 s".to_string());
    };
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let speaks_v1 = parsed
        .first()
        .and_then(|h| h.get("v"))
        .and_then(|v| v.as_array())
        .is_some_and(|v| v.iter().any(|n| n.as_u64() == Some(1)));
    if !speaks_v1 {
        return Answer::Failed(
            "it does not speak cargo's credential protocol (version 1)".to_string(),
        );
    }
    match parsed.get(1) {
        Some(answer) if answer.pointer("/Ok/kind").and_then(|k| k.as_str()) == Some("get") => {
            Answer::Token
        }
        Some(answer)
            if answer.pointer("/Err/kind").and_then(|k| k.as_str()) == Some("not-found") =>
        {
            Answer::NotFound
        }
        Some(answer) => Answer::Failed(crate::shell::clean_line(
            answer
                .pointer("/Err/message")
                .and_then(|m| m.as_str())
                .unwrap_or("an answer that is not a token"),
        )),
        None => Answer::Failed("it gave no answer".to_string()),
    }
}

/// The token the provider gives cargo for `index_url`: `CNB_TOKEN`, else
/// the keyring entry. `settings::provider_token` decides.
fn token(index_url: &str, shell: &Shell) -> Result<Option<(Secret, TokenSource)>, Error> {
    settings::provider_token(index_url, |why| {
        shell.warn(format!("the OS keyring could not be read: {why}"));
    })
    .map_err(|e| Error::from(format!("{e:#}")))
}

struct Provider;

impl Credential for Provider {
    fn perform(
        &self,
        registry: &RegistryInfo<'_>,
        action: &Action<'_>,
        _args: &[&str],
    ) -> Result<CredentialResponse, Error> {
        // cargo shows the provider's stderr as it is: plain lines, no
        // colour, whatever the terminal.
        let shell = Shell::new(Verbosity::Normal, Some(ColorChoice::Never));
        match action {
            Action::Get(_) => get(registry, &shell),
            Action::Login(options) => login(registry, options, &shell),
            Action::Logout => logout(registry),
            _ => Err(Error::OperationNotSupported),
        }
    }
}

/// The registry's name for messages, else its index.
fn shown(registry: &RegistryInfo<'_>) -> String {
    let name = registry.name.map_or_else(
        || crate::registry_url::redact_text(registry.index_url),
        str::to_string,
    );
    crate::shell::clean_line(&name)
}

fn registry_flag(registry: &RegistryInfo<'_>) -> String {
    registry
        .name
        .map(|n| format!(" --registry {}", crate::shell::clean_line(n)))
        .unwrap_or_default()
}

/// The index cargo asks about, when this provider serves it: a CNB
/// registry's sparse index (`.../-/packages/`). Any other (crates.io,
/// another kind of registry) is "not supported", and cargo asks its next
/// provider: `CNB_TOKEN` never goes anywhere else, even when cnbcargo is
/// in `registry.global-credential-providers`. Nor over plain http to
/// another machine.
fn served(registry: &RegistryInfo<'_>) -> Result<IndexUrl, Error> {
    let index = IndexUrl::from_config_value(registry.index_url)
        .filter(IndexUrl::looks_like_cnb)
        .ok_or(Error::UrlNotSupported)?;
    index
        .check_token_allowed()
        .map_err(|e| Error::from(e.to_string()))?;
    Ok(index)
}

fn get(registry: &RegistryInfo<'_>, shell: &Shell) -> Result<CredentialResponse, Error> {
    served(registry)?;
    match token(registry.index_url, shell)? {
        Some((token, _)) => Ok(CredentialResponse::Get {
            token: token.expose().to_string().into(),
            cache: CacheControl::Session,
            operation_independent: true,
        }),
        None if env::var_non_empty(env::CNBCARGO_PROVIDER_QUIET).is_some() => Err(Error::NotFound),
        None => {
            if let Some((note, hint)) = settings::cnb_token_withheld(registry.index_url) {
                shell.note(note);
                shell.hint(hint);
                return Err(Error::NotFound);
            }
            // cargo's own message for "not found" names `cargo login` and
            // `CARGO_REGISTRIES_*_TOKEN`, which this provider does not
            // read: the way that works is said first.
            shell.note(format!(
                "no token for `{}`: `{}` is not set and the OS keyring holds none",
                shown(registry),
                env::CNB_TOKEN
            ));
            shell.hint(format!(
                "run `cnbcargo login{}`, or set `{}` (CI)",
                registry_flag(registry),
                env::CNB_TOKEN
            ));
            Err(Error::NotFound)
        }
    }
}

fn login(
    registry: &RegistryInfo<'_>,
    options: &LoginOptions<'_>,
    shell: &Shell,
) -> Result<CredentialResponse, Error> {
    let index = served(registry)?;
    if !keyring_store::enabled(false) {
        return Err(format!(
            "the `cnbcargo` credential provider keeps tokens in the OS keyring, which `{}` turns off; set `{}` instead",
            env::CNBCARGO_NO_KEYRING,
            env::CNB_TOKEN
        )
        .into());
    }
    let raw = match &options.token {
        Some(token) => zeroize::Zeroizing::new(token.to_owned().expose()),
        // On a terminal, as `cnbcargo login` asks: without echo, saying
        // where CNB tokens are made (cargo's `login_url` is the registry's
        // own, not a page of CNB's).
        None => {
            let place = index
                .token_page()
                .map_or("in your CNB account's settings".to_string(), |p| {
                    format!("at {p}")
                });
            shell.note(format!(
                "create a token {place}, with {}",
                credentials::SCOPES
            ));
            let prompt = format!("token for `{}` (input hidden): ", shown(registry));
            credentials::prompt_hidden(&prompt)
                .map_err(|e| Error::from(format!("failed to read the token: {e}")))?
        }
    };
    let token = credentials::validate_token(raw, &"`cargo login`")
        .map_err(|e| Error::from(e.to_string()))?;
    keyring_store::store(&keyring_store::account(registry.index_url), &token).map_err(|why| {
        Error::from(format!(
            "the token for `{}` was not stored: {why}",
            shown(registry)
        ))
    })?;
    Ok(CredentialResponse::Login)
}

fn logout(registry: &RegistryInfo<'_>) -> Result<CredentialResponse, Error> {
    served(registry)?;
    match keyring_store::delete(&keyring_store::account(registry.index_url)) {
        Ok(true) => Ok(CredentialResponse::Logout),
        Ok(false) => Err(Error::NotFound),
        Err(why) => Err(format!("the OS keyring could not be reached: {why}").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_as_a_plugin_only_with_cargos_flag() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(requested(&args(&["cnbcargo", "--cargo-plugin"])));
        assert!(!requested(&args(&["cnbcargo", "list", "--cargo-plugin"])));
        assert!(!requested(&args(&["cnbcargo", "--cargo-plugin", "login"])));
        assert!(!requested(&args(&["cnbcargo", "login"])));
        assert!(!requested(&args(&["--cargo-plugin"])));
    }
}
