//! `cnbcargo login` and `logout`: arguments to `ops::login`'s options,
//! and what the registry said about the token, told.

use anyhow::Result;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::context::Context;
use crate::credentials;
use crate::ops::login::{self, Options};
use crate::ops::token_check::{Report, Right};
use crate::shell::Shell;

pub fn login(args: &LoginArgs, ctx: &Context) -> Result<()> {
    let opts = Options {
        registry: args.registry.registry.as_deref(),
        token_stdin: args.token_stdin,
        no_keyring: args.no_keyring,
        api_endpoint: args.api.api_endpoint.as_deref(),
    };
    let read = login::read(&opts, ctx)?;
    if args.no_verify_token {
        ctx.shell
            .note("the token was not checked with the registry (`--no-verify-token`)");
    } else {
        let report = login::verify(&read, &opts, ctx)?;
        tell(&report, &read.registry.name, &ctx.shell);
    }
    login::store(&read, &opts, ctx)
}

pub fn logout(args: &LogoutArgs, ctx: &Context) -> Result<()> {
    login::logout(args.registry.registry.as_deref(), ctx)
}

/// What the registry said, as status, warnings and notes.
fn tell(report: &Report, name: &str, shell: &Shell) {
    if !report.index_checked {
        shell.note(format!(
            "`{name}` does not have a sparse index: the token could not be checked"
        ));
        return;
    }
    let granted = report.granted();
    if report.index_public {
        shell.note(format!(
            "the index of `{name}` is public: it answers any token, so only the API could check this one"
        ));
    }
    match (granted.is_empty(), report.index_public) {
        (true, true) => shell.note("nothing else answered for it: the token was not checked"),
        (true, false) => shell.status("Checked", format!("the token with the index of `{name}`")),
        (false, _) => shell.status(
            "Checked",
            format!("the token with `{name}`: it may {}", granted.join(", ")),
        ),
    }
    // Without read or publish a token is of little use: a warning; without
    // delete it is what most tokens are: a note.
    for (right, what, denied, warn) in [
        (
            &report.read,
            "read",
            format!(
                "this token may not read `{name}`: `cnbcargo list`, `publish`, `yank` and `delete` read the registry through CNB's API and will fail with 403"
            ),
            true,
        ),
        (
            &report.publish,
            "publish",
            format!(
                "this token may not publish `{name}`: `cnbcargo publish`, `cargo publish` and `cargo yank` will fail with 403"
            ),
            true,
        ),
        (
            &report.delete,
            "delete",
            format!(
                "this token may not delete from `{name}`: `cnbcargo delete` will fail (it needs `registry-package-delete:rw`)"
            ),
            false,
        ),
    ] {
        match right {
            Right::Denied if warn => {
                shell.warn(denied);
                shell.hint(format!("create a token with {}", credentials::SCOPES));
            }
            Right::Denied => shell.note(denied),
            Right::Unknown(why) => shell.note(format!(
                "could not tell whether the token may {what}: {why}"
            )),
            Right::NotAsked(why) => {
                shell.verbose(format!("not asked whether the token may {what}: {why}"))
            }
            Right::Granted => {}
        }
    }
}
