//! The completion scripts (`cnbcargo completions SHELL` prints one), and the candidates the completion scripts
//! ask for as the user types. The scripts call cnbcargo back
//! (`CNBCARGO_COMPLETE=<shell> cnbcargo -- <words>`), so `--registry` can offer the
//! registries cargo's config names in the current directory and `-p` the
//! workspace's packages, which no static script could know.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::Path;

use clap::ValueEnum;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Shells, Zsh};

use crate::cargo::Cargo;
use crate::cargo_config::{self, ConfigStack};
use crate::env;

/// The shells cnbcargo can complete in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellName {
    Bash,
    Zsh,
    Fish,
    #[value(name = "powershell")]
    PowerShell,
    Elvish,
    #[value(alias = "nu")]
    Nushell,
}

impl ShellName {
    fn completer(self) -> &'static dyn EnvCompleter {
        match self {
            ShellName::Bash => &Bash,
            ShellName::Zsh => &Zsh,
            ShellName::Fish => &Fish,
            ShellName::PowerShell => &Powershell,
            ShellName::Elvish => &Elvish,
            ShellName::Nushell => &Nushell,
        }
    }

    /// The file in `completions/` that holds this shell's script.
    #[cfg(test)]
    pub fn file_name(self) -> &'static str {
        match self {
            ShellName::Bash => "cnbcargo.bash",
            ShellName::Zsh => "_cnbcargo",
            ShellName::Fish => "cnbcargo.fish",
            ShellName::PowerShell => "_cnbcargo.ps1",
            ShellName::Elvish => "cnbcargo.elv",
            ShellName::Nushell => "cnbcargo.nu",
        }
    }
}

/// Every shell whose completion requests cnbcargo answers.
pub const SHELLS: Shells<'static> = Shells(&[&Bash, &Elvish, &Fish, &Powershell, &Zsh, &Nushell]);

const BIN: &str = "cnbcargo";

/// How long `-p` completion waits for `cargo metadata`.
const COMPLETION_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The script a shell sources to complete `cnbcargo`.
pub fn registration(shell: ShellName) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = shell
        .completer()
        .write_registration(env::COMPLETE, BIN, BIN, BIN, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `--registry`: the registries cargo's config names from here.
pub fn registries(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    registries_in(&cwd, current)
}

fn registries_in(cwd: &Path, current: &str) -> Vec<CompletionCandidate> {
    let Ok(home) = cargo_config::cargo_home(cwd) else {
        return Vec::new();
    };
    let Ok(stack) = ConfigStack::discover(cwd, &home) else {
        return Vec::new();
    };
    // A repository's config can name a registry anything, escapes and
    // newlines included, and the shells print candidates as they are: only
    // names cargo would accept are offered.
    stack
        .registries()
        .into_iter()
        .filter(|r| is_registry_name(&r.name) && r.name.starts_with(current))
        .map(|r| CompletionCandidate::new(&r.name).help(Some(r.index_shown().into())))
        .collect()
}

/// A name cargo accepts for a registry (its `validate_registry_name`): a
/// Unicode XID start character or `_`, then XID characters or `-`. Such a
/// name holds no control, space, quote or shell character.
fn is_registry_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(|c| c == '-' || unicode_ident::is_xid_continue(c))
}

/// `-p` and `--exclude`: the workspace's packages, as `cargo metadata`
/// lists them.
pub fn packages(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    // A completion must not keep the shell waiting: past a few seconds
    // (a cold cargo, a toolchain being installed, a cargo blocked on a
    // FIFO) it offers nothing, and the cargo is stopped, not left behind.
    let cargo = Cargo::from_env().with_limit(COMPLETION_LIMIT);
    let Ok(metadata) = cargo.workspace(None) else {
        return Vec::new();
    };
    // `Metadata::parse` refused the whole answer if any name was not a
    // crate name (ASCII letters, digits, `-`, `_`); the version's text is
    // cleaned all the same, for a `cargo` that is not cargo.
    metadata
        .packages
        .iter()
        .filter(|p| p.name.starts_with(current))
        .map(|p| {
            CompletionCandidate::new(&p.name)
                .help(Some(crate::shell::clean_line(&p.version).into()))
        })
        .collect()
}

/// Nushell, which clap_complete does not cover: an external completer
/// that asks cnbcargo for `cnbcargo` command lines and hands any other
/// command to the completer that was set before.
#[derive(Debug, Clone, Copy)]
pub struct Nushell;

impl EnvCompleter for Nushell {
    fn name(&self) -> &'static str {
        "nushell"
    }

    fn is(&self, name: &str) -> bool {
        name == "nushell" || name == "nu"
    }

    fn write_registration(
        &self,
        var: &str,
        _name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let script = r#"# Completion for BIN: it asks BIN itself as you type, so `--registry`
# offers the registries cargo's config names here and `-p` the workspace's
# packages. Save this file and `source` it from your config.nu; a completer
# set before it keeps completing every other command.
let __BIN_previous_completer = $env.config.completions.external.completer?
$env.config.completions.external.enable = true
$env.config.completions.external.completer = {|spans|
    if ($spans | first) == "BIN" {
        VAR=nushell ^"COMPLETER" -- ...$spans
        | lines
        | each {|line|
            let parts = ($line | split row "\t")
            {value: ($parts | first), description: ($parts | get 1? | default "")}
        }
    } else if $__BIN_previous_completer != null {
        do $__BIN_previous_completer $spans
    }
}
"#
        .replace("BIN", bin)
        .replace("COMPLETER", completer)
        .replace("VAR", var);
        buf.write_all(script.as_bytes())
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let index = args.len().saturating_sub(1);
        for candidate in clap_complete::engine::complete(cmd, args, index, current_dir)? {
            let value = candidate.get_value().to_string_lossy();
            // A tab or newline in a value would split it into two candidates.
            let value: String = value.chars().filter(|c| !c.is_control()).collect();
            match candidate.get_help() {
                Some(help) => {
                    let help = help.to_string();
                    writeln!(buf, "{value}\t{}", help.lines().next().unwrap_or_default())?
                }
                None => writeln!(buf, "{value}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_come_from_cargo_config_here() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("p/.cargo")).unwrap();
        std::fs::write(
            dir.path().join("p/.cargo/config.toml"),
            "[registries.cnb]\nindex = \"sparse+https://cargo.cnb.cool/a/b/-/packages/\"\n\
             [registries.other]\nindex = \"sparse+https://example.com/\"\n",
        )
        .unwrap();
        let found = |prefix: &str| -> Vec<String> {
            registries_in(&dir.path().join("p"), prefix)
                .iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(found(""), ["cnb", "other"]);
        assert_eq!(found("o"), ["other"]);
        assert!(found("x").is_empty());
    }

    #[test]
    fn only_names_cargo_accepts_for_a_registry_are_offered() {
        for good in ["cnb", "cnb-cargo-repo", "_x", "a1", "müll", "Ünïcödé_1"] {
            assert!(is_registry_name(good), "{good}");
        }
        for bad in [
            "",
            "1cnb",
            "-x",
            "evil\u{1b}]0;X\u{7}",
            "a\nb",
            "a b",
            "a\tb",
            "x\u{202e}y",
            "a;b",
            "a.b",
            "a'b",
        ] {
            assert!(!is_registry_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn nushell_answers_one_candidate_per_line() {
        let mut cmd = crate::cli::command(false);
        cmd.build();
        let mut out = Vec::new();
        let args = ["cnbcargo", "doctor", "--off"].map(OsString::from).to_vec();
        Nushell
            .write_complete(&mut cmd, args, None, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().any(|l| l.starts_with("--offline\t")), "{text}");
    }

    /// `cargo install` installs neither completions nor man pages: README.md
    /// says how, for every shell `completions` takes, and the man pages
    /// it points at are there.
    #[test]
    fn the_readme_says_how_to_install_completions_and_man_pages() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        for shell in ShellName::value_variants() {
            let name = shell.to_possible_value().unwrap();
            assert!(
                readme.contains(name.get_name()),
                "README.md must name `{}`",
                name.get_name()
            );
        }
        assert!(readme.contains("cnbcargo completions SHELL"));
        assert!(readme.contains("cp docs/man/*.1 "));
        assert!(root.join("docs/man/cnbcargo-init.1").is_file());
    }
}
