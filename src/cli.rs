//! The command line, defined once: help, completions and the man page all
//! come from here.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell as CompletionShell;

use crate::shell::Verbosity;

/// The registry name CNB's docs use.
pub const DEFAULT_REGISTRY_NAME: &str = "cnb-cargo-repo";

#[derive(Debug, Parser)]
#[command(
    name = "cnbcargo",
    version,
    about = "A companion to cargo for CNB's Cargo registry (cnb.cool)",
    long_about = "A companion to cargo for CNB's Cargo registry (cnb.cool): configures cargo \
                  for a CNB registry and logs cargo into it.",
    propagate_version = true,
    after_help = "Examples:\n  cnbcargo init acme/crates\n  echo \"$CNB_TOKEN\" | cnbcargo login"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Say more (`-vv` for even more); tokens are never shown
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

impl GlobalArgs {
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::VeryVerbose,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(InitArgs),
    Login(LoginArgs),
    Logout(LogoutArgs),
    Publish(PublishArgs),
    Delete(DeleteArgs),
    Yank(YankArgs),
    List(ListArgs),
    Doctor(DoctorArgs),
    Ci(CiArgs),
    Completions(CompletionsArgs),
}

/// Configure cargo to use a CNB registry
///
/// Adds `[registries.NAME]`, `registry.default` and the `cargo:token`
/// credential provider to the project's `.cargo/config.toml` (or, with
/// `--global`, `$CARGO_HOME/config.toml`), leaving the rest of the file as
/// it was.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo init acme/crates\n  \
    cnbcargo init --dry-run https://cargo.cnb.cool/acme/crates/-/packages/\n  \
    cnbcargo init --global --name cnb acme/team/crates")]
pub struct InitArgs {
    /// The index URL CNB shows, or the registry path `group[/subgroup...]/registry`
    pub target: Option<String>,

    /// The name cargo knows the registry by
    #[arg(long, default_value = DEFAULT_REGISTRY_NAME)]
    pub name: String,

    /// Edit `$CARGO_HOME/config.toml` instead of the project's config
    #[arg(long)]
    pub global: bool,

    /// Do not make this registry `registry.default`
    #[arg(long)]
    pub no_default: bool,

    /// Print the change as a diff and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Give cargo a CNB token for a registry
///
/// Hands the token to `cargo login --registry NAME` on its standard input
/// and keeps a copy in the OS keyring for cnbcargo's own API calls.
/// The token comes from `--token-stdin`, else `CNB_TOKEN`, else piped
/// standard input, else a hidden prompt.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo login                          # prompts for the token\n  \
    CNB_TOKEN=... cnbcargo login            # CI\n  \
    cnbcargo login --registry cnb --token-stdin < token.txt")]
pub struct LoginArgs {
    #[command(flatten)]
    pub registry: RegistryArg,

    /// Read the token from standard input
    #[arg(long)]
    pub token_stdin: bool,

    /// Do not keep a copy of the token in the OS keyring
    #[arg(long)]
    pub no_keyring: bool,
}

/// Remove a registry's token from cargo and from the OS keyring
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  cnbcargo logout\n  cnbcargo logout --registry cnb")]
pub struct LogoutArgs {
    #[command(flatten)]
    pub registry: RegistryArg,
}

#[derive(Debug, Args)]
pub struct RegistryArg {
    /// The registry, by its name in cargo's config (default: `registry.default`,
    /// else the only CNB registry configured)
    #[arg(long, value_name = "NAME")]
    pub registry: Option<String>,
}

/// Which crate versions a command acts on.
#[derive(Debug, Args)]
pub struct SpecsArg {
    /// `name@version`, `name@REQ`, or `name` with `--all`
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<String>,

    /// Every version of the named crates (for delete: the whole package)
    #[arg(long)]
    pub all: bool,
}

impl SpecsArg {
    pub fn parse(&self) -> Result<Vec<crate::spec::CrateSpec>, crate::error::UserError> {
        self.specs
            .iter()
            .map(|s| crate::spec::CrateSpec::parse(s, self.all))
            .collect()
    }
}

#[derive(Debug, Args)]
pub struct ApiArg {
    /// The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else
    /// `https://api.<domain>` for an index on `cargo.<domain>`)
    #[arg(long, value_name = "URL")]
    pub api_endpoint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlaceholderMode {
    /// Only when CNB's crates.io proxy already lists the version
    Auto,
    /// Whenever the version is not in the registry yet
    Always,
    /// Never; stop with an explanation instead
    Never,
}

/// Publish a crate, working around CNB's crates.io proxy
///
/// When the registry has no version of the crate, CNB serves the crates.io
/// proxy's index for it, and cargo refuses to publish a version crates.io
/// already has. cnbcargo then publishes a placeholder version
/// (`0.0.0-cnbcargo.placeholder`) first, so the registry's own index is
/// served, publishes the real version with `cargo publish`, and deletes
/// the placeholder. A version already in the registry is reported and
/// skipped, so reruns in CI are safe.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo publish\n  \
    cnbcargo publish -p my-crate --dry-run\n  \
    cnbcargo publish -- --allow-dirty --no-verify")]
pub struct PublishArgs {
    /// The package to publish
    #[arg(short, long, value_name = "SPEC")]
    pub package: Option<String>,

    /// Path to the package's `Cargo.toml`
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    #[command(flatten)]
    pub registry: RegistryArg,

    /// When to publish a placeholder version first
    #[arg(long, value_enum, default_value_t = PlaceholderMode::Auto)]
    pub placeholder: PlaceholderMode,

    /// Leave the placeholder version in the registry
    #[arg(long)]
    pub keep_placeholder: bool,

    /// Say what would happen, upload nothing
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub api: ApiArg,

    /// Passed on to `cargo publish`
    #[arg(last = true, value_name = "CARGO_PUBLISH_ARGS")]
    pub cargo_args: Vec<String>,
}

/// Delete crate versions from a CNB registry (cargo cannot)
///
/// SPEC is `name@version`, `name@REQ` with a semver requirement matched
/// against the registry's versions, or `name` with `--all` for the whole
/// package.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo delete my-crate@0.1.0\n  \
    cnbcargo delete 'my-crate@<0.3' --dry-run\n  \
    cnbcargo delete 'my-crate@>=1, <2' --yes\n  \
    cnbcargo delete my-crate --all")]
pub struct DeleteArgs {
    #[command(flatten)]
    pub specs: SpecsArg,

    #[command(flatten)]
    pub registry: RegistryArg,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(short, long)]
    pub yes: bool,

    /// List what would be deleted, delete nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Deletions in flight at once
    #[arg(short, long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    #[command(flatten)]
    pub api: ApiArg,
}

/// Yank (or with `--undo`, unyank) crate versions through cargo
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo yank my-crate@0.1.0\n  \
    cnbcargo yank 'my-crate@<0.3'\n  \
    cnbcargo yank --undo my-crate@0.1.0")]
pub struct YankArgs {
    #[command(flatten)]
    pub specs: SpecsArg,

    /// Unyank instead
    #[arg(long)]
    pub undo: bool,

    #[command(flatten)]
    pub registry: RegistryArg,

    #[command(flatten)]
    pub api: ApiArg,
}

/// List the registry's crates, or one crate's versions
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo list\n  \
    cnbcargo list my-crate\n  \
    cnbcargo list my-crate --json")]
pub struct ListArgs {
    /// A crate whose versions to list
    pub name: Option<String>,

    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub registry: RegistryArg,

    #[command(flatten)]
    pub api: ApiArg,
}

/// Find what is wrong with this machine's setup, and say how to fix it
///
/// One line per check (✓ pass, ! warning, ✗ failure) with where the setting
/// came from and a hint. Exits 1 when a check failed.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo doctor\n  \
    cnbcargo doctor --offline\n  \
    cnbcargo doctor --json > doctor.json")]
pub struct DoctorArgs {
    #[command(flatten)]
    pub registry: RegistryArg,

    /// Print a machine-readable report
    #[arg(long)]
    pub json: bool,

    /// Skip the checks that use the network
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub api: ApiArg,
}

/// Write a `.cnb.yaml` pipeline that publishes on tag pushes
///
/// The pipeline installs cnbcargo, logs cargo in with the pipeline's
/// `CNB_TOKEN` and runs `cnbcargo publish`. An existing `.cnb.yaml` keeps
/// every line it has; the pipeline is added to its `$: tag_push:` list.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo ci --dry-run\n  \
    cnbcargo ci --install 'cargo install --locked --git https://cnb.cool/acme/cnbcargo'")]
pub struct CiArgs {
    /// Print the change as a diff and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// The command the pipeline runs to install cnbcargo
    #[arg(
        long,
        value_name = "COMMAND",
        default_value = "cargo install --locked cnbcargo"
    )]
    pub install: String,
}

/// Print a shell completion script
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo completions bash > ~/.local/share/bash-completion/completions/cnbcargo\n  \
    cnbcargo completions zsh > ~/.zfunc/_cnbcargo")]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Files generated from this definition and committed: shell completions
/// and man pages. A test fails when they are stale.
#[cfg(test)]
pub fn generated_files() -> Vec<(std::path::PathBuf, Vec<u8>)> {
    use clap::CommandFactory;
    use clap_complete::Shell;

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "cnbcargo.bash"),
        (Shell::Zsh, "_cnbcargo"),
        (Shell::Fish, "cnbcargo.fish"),
        (Shell::PowerShell, "_cnbcargo.ps1"),
        (Shell::Elvish, "cnbcargo.elv"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "cnbcargo", &mut out);
        files.push((root.join("completions").join(name), out));
    }
    let command = Cli::command();
    let mut pages = vec![("cnbcargo.1".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("cnbcargo-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().display_name(name.clone())));
    }
    files.push((
        root.join("docs/environment.md"),
        crate::env::environment_md().into_bytes(),
    ));
    for (file, page) in pages {
        let mut out = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut out)
            .expect("render a man page");
        files.push((root.join("docs/man").join(file), out));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `CNBCARGO_BLESS=1 cargo test` rewrites them.
    #[test]
    fn completions_and_man_pages_are_fresh() {
        let bless = crate::env::var_os(crate::env::CNBCARGO_BLESS).is_some();
        let mut stale = Vec::new();
        for (path, contents) in generated_files() {
            if std::fs::read(&path).ok().as_deref() == Some(contents.as_slice()) {
                continue;
            }
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, contents).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files (run `CNBCARGO_BLESS=1 cargo test` and commit): {stale:#?}"
        );
    }

    #[test]
    fn every_command_has_an_example() {
        for sub in Cli::command().get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Examples:"),
                "`{}` has no example",
                sub.get_name()
            );
        }
    }
}
