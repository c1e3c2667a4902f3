//! The command line, defined once: help, completions and the man page all
//! come from here.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use crate::shell::{ColorChoice, Verbosity};

pub mod complete;

/// The registry name CNB's docs use.
pub const DEFAULT_REGISTRY_NAME: &str = "cnb-cargo-repo";

const ABOUT: &str = "A companion to cargo for CNB's Cargo registry (cnb.cool)";

const LONG_ABOUT: &str = "A companion to cargo for CNB's Cargo registry (cnb.cool).

It configures cargo for a CNB registry (`init`), gives cargo a token it has \
checked first (`login`, `logout`), publishes a crate or a whole workspace \
past CNB's crates.io proxy (`publish`), deletes, yanks and lists versions \
through CNB's API where cargo has no command (`delete`, `yank`, `list`), \
finds what is wrong with a setup (`doctor`), finds dependencies that \
CNB's crates.io proxy would supply (`audit`) and writes a CNB pipeline that \
publishes on tag pushes (`ci`). cargo 1.73 or later is required.

Installed with it, `cargo-cnb` runs the same commands as `cargo cnb ...`.";

#[derive(Debug, Parser)]
#[command(
    name = "cnbcargo",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    propagate_version = true,
    after_help = "Examples:\n  cnbcargo init acme/crates\n  echo \"$CNB_TOKEN\" | cnbcargo login\n  cnbcargo publish",
    after_long_help = crate::error::exit_codes_help(),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Say more (`-vv` for even more), passed on to cargo; tokens are never shown
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print only errors (cargo's too); data asked for on stdout still comes
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Colour: `auto`, `always` or `never` (default: `NO_COLOR`, then
    /// `CARGO_TERM_COLOR`, then whether stderr is a terminal)
    #[arg(long, value_name = "WHEN", value_enum, global = true)]
    pub color: Option<ColorChoice>,
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

/// Whether this process is `cargo-cnb`, run by cargo as `cargo cnb`.
pub fn invoked_as_plugin(args: &[OsString]) -> bool {
    args.first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .is_some_and(|stem| stem == "cargo-cnb")
}

/// The command line definition, named after how it was run, so that usage
/// lines and errors say `cargo cnb` to a plugin's user.
pub fn command(plugin: bool) -> clap::Command {
    let command = Cli::command();
    if plugin {
        command.name("cargo-cnb").bin_name("cargo cnb")
    } else {
        command
    }
}

/// Parses the arguments (the program name first). clap's own help and
/// errors follow the same colour choice as the rest of the output.
pub fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    // Help goes to stdout and errors to stderr: unless colour is forced,
    // clap decides for each stream itself.
    let color = match crate::shell::color_forced(color_flag(args)) {
        Some(true) => clap::ColorChoice::Always,
        Some(false) => clap::ColorChoice::Never,
        None => clap::ColorChoice::Auto,
    };
    let matches = command(invoked_as_plugin(args))
        .color(color)
        .try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// `--color WHEN` as given, read before clap parses (clap's own messages
/// need it); an invalid value is left for clap to refuse.
fn color_flag(args: &[OsString]) -> Option<ColorChoice> {
    let mut value = None;
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        let given = match word.strip_prefix("--color") {
            Some("") => words.next().map(|w| w.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        if let Some(given) = given {
            value = ColorChoice::from_str(&given, true).ok();
        }
    }
    value
}

/// Answers a shell's completion request (`CNBCARGO_COMPLETE=<shell>
/// cnbcargo -- ...`) and exits; returns at once on any ordinary run. Only a
/// shell's name with `--` in the arguments asks: any other value leaves the
/// command to run as usual, never silently skipped.
pub fn complete_if_asked(args: &[OsString]) {
    let asked = crate::env::var_non_empty(crate::env::COMPLETE)
        .is_some_and(|shell| complete::SHELLS.completer(&shell).is_some());
    if !asked || !args.iter().any(|a| a == "--") {
        return;
    }
    let current_dir = std::env::current_dir().ok();
    match clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(crate::env::COMPLETE)
        .shells(complete::SHELLS)
        .try_complete(args.iter().cloned(), current_dir.as_deref())
    {
        Ok(false) => {}
        Ok(true) => std::process::exit(0),
        // A completion that fails offers nothing rather than an error in
        // the middle of the user's command line.
        Err(_) => std::process::exit(0),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(InitArgs),
    Login(LoginArgs),
    Logout(LogoutArgs),
    Publish(PublishArgs),
    Delete(DeleteArgs),
    Migrate(MigrateArgs),
    Yank(YankArgs),
    List(ListArgs),
    Doctor(DoctorArgs),
    Audit(AuditArgs),
    Ci(CiArgs),
    Completions(CompletionsArgs),
}

/// Configure cargo to use a CNB registry
///
/// Adds `[registries.NAME]`, `registry.default` and the `cargo:token`
/// credential provider to the project's `.cargo/config.toml` (or, with
/// `--global`, `$CARGO_HOME/config.toml`), leaving the rest of the file as
/// it was. With `--credential-provider cnbcargo` the registry gets
/// cnbcargo itself as its own provider instead: cargo then takes the token
/// from `CNB_TOKEN` or the OS keyring, and never writes it to
/// `credentials.toml`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo init acme/crates\n  \
    cnbcargo init acme/crates --credential-provider cnbcargo\n  \
    cnbcargo init --dry-run https://cargo.cnb.cool/acme/crates/-/packages/\n  \
    cnbcargo init --global --name cnb acme/team/crates\n  \
    cnbcargo init acme/crates --domain cnb.build")]
pub struct InitArgs {
    /// The index URL CNB shows, or the registry path `group[/subgroup...]/registry`
    /// (expanded to `https://cargo.cnb.cool/<path>/-/packages/`, a derived
    /// address: the registry's page on CNB shows the real one)
    pub target: Option<String>,

    /// The CNB domain a registry path expands under, for CNB on another
    /// domain: `https://cargo.<DOMAIN>/<path>/-/packages/` (default
    /// `cnb.cool`)
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// The name cargo knows the registry by
    #[arg(long, default_value = DEFAULT_REGISTRY_NAME)]
    pub name: String,

    /// Edit `$CARGO_HOME/config.toml` instead of the project's config
    #[arg(long)]
    pub global: bool,

    /// Do not make this registry `registry.default`
    #[arg(long)]
    pub no_default: bool,

    /// Where cargo gets the registry's token: `cargo:token` (the default:
    /// `credentials.toml`, as CNB's docs set up) or `cnbcargo` (cnbcargo as
    /// the registry's own provider: `CNB_TOKEN`, else the OS keyring)
    #[arg(long, value_name = "PROVIDER")]
    pub credential_provider: Option<ProviderChoice>,

    /// Print the change as a diff and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Check a CNB token and give it to cargo for a registry
///
/// The token is checked first: the registry's index must accept it (an
/// authenticated `config.json`), and what it may do (read, publish, delete)
/// is asked of the registry. A token the registry refuses is an error and
/// nothing is stored; a token that may not publish is stored with a
/// warning. Then it goes to `cargo login --registry NAME` on its standard
/// input (never the command line): cargo's copy is the one cnbcargo uses
/// too, and a copy an earlier login kept in the OS keyring is removed.
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

    /// Do not keep a copy of the token in the OS keyring (kept only where
    /// cnbcargo cannot read cargo's own store)
    #[arg(long)]
    pub no_keyring: bool,

    /// Store the token without asking the registry what it may do (cargo
    /// still reads the index's `config.json`)
    #[arg(long)]
    pub no_verify_token: bool,

    #[command(flatten)]
    pub api: ApiArg,
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
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete::registries))]
    pub registry: Option<String>,
}

/// Which crate versions a command acts on.
#[derive(Debug, Args)]
pub struct SpecsArg {
    /// `name@version`, `name@REQ`, or `name` with `--all`
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<String>,
}

impl SpecsArg {
    /// The specs; `all` is the command's own `--all`.
    pub fn parse(&self, all: bool) -> Result<Vec<crate::spec::CrateSpec>, crate::error::UserError> {
        self.specs
            .iter()
            .map(|s| crate::spec::CrateSpec::parse(s, all))
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

/// The credential providers `init` can set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderChoice {
    /// `registry.global-credential-providers = ["cargo:token"]`
    #[value(name = "cargo:token")]
    CargoToken,
    /// `registries.NAME.credential-provider = "cnbcargo"`
    #[value(name = "cnbcargo")]
    Cnbcargo,
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

/// Publish crates, working around CNB's crates.io proxy
///
/// At a workspace root, every publishable member, in dependency order (as
/// `cargo publish --workspace`); in a package's directory, that package;
/// `-p`, `--workspace` and `--exclude` choose as for cargo. Versions the
/// registry already holds are skipped, so a rerun resumes.
///
/// cargo's own checks (`cargo publish --dry-run`: clean tree, manifest,
/// verification build) run for every package before anything is uploaded.
/// When the registry has no version of a crate, CNB serves the crates.io
/// proxy's index for it, and cargo refuses a version crates.io already
/// has: cnbcargo then uploads a placeholder version
/// (`0.0.0-cnbcargo.placeholder`) through the registry's Web API first,
/// publishes the real version, and deletes the placeholder once the index
/// lists the real one.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo publish                       # the workspace, or this package\n  \
    cnbcargo publish -p my-crate --dry-run\n  \
    cnbcargo publish --workspace --exclude xtask --allow-dirty\n  \
    cnbcargo publish --json > report.json")]
pub struct PublishArgs {
    /// Package(s) to publish
    #[arg(short, long = "package", value_name = "SPEC", add = ArgValueCompleter::new(complete::packages))]
    pub packages: Vec<String>,

    /// Publish every member of the workspace
    #[arg(long)]
    pub workspace: bool,

    /// Leave these packages out (with `--workspace`, or at the workspace root)
    #[arg(long, value_name = "SPEC", add = ArgValueCompleter::new(complete::packages))]
    pub exclude: Vec<String>,

    /// Path to the `Cargo.toml`
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    #[command(flatten)]
    pub registry: RegistryArg,

    /// When to publish a placeholder version first
    #[arg(long, value_enum, default_value_t = PlaceholderMode::Auto)]
    pub placeholder: PlaceholderMode,

    /// Leave the placeholder versions in the registry
    #[arg(long)]
    pub keep_placeholder: bool,

    /// Run cargo's checks and show the plan; upload nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Seconds to wait for the index to list an upload (a placeholder
    /// before cargo runs, a new version before its dependents or the
    /// placeholder's removal) or for the API to find a placeholder to remove
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub index_timeout: u64,

    /// Print a machine-readable report on standard output
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub cargo: CargoPublishFlags,

    #[command(flatten)]
    pub api: ApiArg,

    /// More arguments for `cargo publish`
    #[arg(last = true, value_name = "CARGO_PUBLISH_ARGS")]
    pub cargo_args: Vec<String>,
}

/// `cargo publish`'s own flags, passed on as given.
#[derive(Debug, Args)]
#[command(next_help_heading = "cargo publish options")]
pub struct CargoPublishFlags {
    /// Allow a dirty working directory
    #[arg(long)]
    pub allow_dirty: bool,

    /// Do not verify the contents by building them
    #[arg(long)]
    pub no_verify: bool,

    /// Features to activate (space or comma separated)
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,

    /// Activate all features
    #[arg(long)]
    pub all_features: bool,

    /// Do not activate the `default` feature
    #[arg(long)]
    pub no_default_features: bool,

    /// Build for this target triple
    #[arg(long, value_name = "TRIPLE")]
    pub target: Vec<String>,

    /// Directory for the verification build
    #[arg(long, value_name = "DIRECTORY")]
    pub target_dir: Option<PathBuf>,

    /// Parallel build jobs
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<String>,

    /// Do not stop the verification build at the first error
    #[arg(long)]
    pub keep_going: bool,

    /// Assert that `Cargo.lock` stays unchanged
    #[arg(long)]
    pub locked: bool,

    /// Run without the network
    #[arg(long)]
    pub offline: bool,

    /// `--locked` and `--offline`
    #[arg(long)]
    pub frozen: bool,
}

impl CargoPublishFlags {
    /// The flags as cargo takes them.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut flag = |on: bool, name: &str| {
            if on {
                args.push(name.to_string());
            }
        };
        flag(self.allow_dirty, "--allow-dirty");
        flag(self.no_verify, "--no-verify");
        flag(self.all_features, "--all-features");
        flag(self.no_default_features, "--no-default-features");
        flag(self.keep_going, "--keep-going");
        flag(self.locked, "--locked");
        flag(self.offline, "--offline");
        flag(self.frozen, "--frozen");
        for features in &self.features {
            args.extend(["--features".to_string(), features.clone()]);
        }
        for target in &self.target {
            args.extend(["--target".to_string(), target.clone()]);
        }
        if let Some(dir) = &self.target_dir {
            args.extend(["--target-dir".to_string(), dir.display().to_string()]);
        }
        if let Some(jobs) = &self.jobs {
            args.extend(["--jobs".to_string(), jobs.clone()]);
        }
        args
    }
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

    /// Delete the named crates whole: every version, in one request per crate
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub registry: RegistryArg,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(short, long)]
    pub yes: bool,

    /// List what would be deleted, delete nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Allow deleting the last versions of a name that crates.io also has,
    /// after which the registry serves crates.io's crate of that name
    /// (needed with `--yes` or without a terminal; the question says so)
    #[arg(long)]
    pub allow_fall_through: bool,

    /// Deletions in flight at once
    #[arg(short, long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    #[command(flatten)]
    pub api: ApiArg,
}

/// Yank (or with `--undo`, unyank) crate versions through cargo
///
/// A yanked version stays in the registry: lock files that pin it still
/// build, new resolutions skip it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo yank my-crate@0.1.0\n  \
    cnbcargo yank 'my-crate@<0.3' --dry-run\n  \
    cnbcargo yank --undo my-crate@0.1.0")]
pub struct YankArgs {
    #[command(flatten)]
    pub specs: SpecsArg,

    /// Every version of the named crates
    #[arg(long)]
    pub all: bool,

    /// List what would be yanked (or unyanked), change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Unyank instead
    #[arg(long)]
    pub undo: bool,

    #[command(flatten)]
    pub registry: RegistryArg,

    #[command(flatten)]
    pub api: ApiArg,
}

/// Copy crates into the CNB registry from another registry, byte for byte
///
/// Each version's original `.crate` is downloaded from SOURCE, checked
/// against the source index's `cksum`, and uploaded through the
/// registry's Web API with the metadata of the source's index entry
/// (dependencies on SOURCE itself now point at this registry; crates.io
/// stays crates.io). Yanked versions are yanked again. Versions already in
/// the registry are skipped, so running the same command again resumes.
/// SOURCE is a sparse index URL, a registry name from cargo's config, or a
/// directory of `.crate` files; its token comes from `CNBCARGO_FROM_TOKEN`,
/// or standard input with `--from-token-stdin`, never the command line.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    CNBCARGO_FROM_TOKEN=... cnbcargo migrate --from sparse+https://old.example/index/ --all\n  \
    cnbcargo migrate --from old-registry --lock Cargo.lock --dry-run\n  \
    cnbcargo migrate --from ./crates/ my-crate 'other@>=1'")]
pub struct MigrateArgs {
    /// Where to copy from: a sparse index URL, a registry name, or a
    /// directory of `.crate` files
    #[arg(long, value_name = "SOURCE")]
    pub from: String,

    /// Crates to copy: `name` (every version) or `name@REQ`
    #[arg(value_name = "CRATE")]
    pub crates: Vec<String>,

    /// Copy every crate `Cargo.lock` resolves from SOURCE
    #[arg(long, value_name = "PATH")]
    pub lock: Option<PathBuf>,

    /// Copy every crate SOURCE lists (its search API; a directory lists itself)
    #[arg(long)]
    pub all: bool,

    /// Read SOURCE's token from standard input
    #[arg(long)]
    pub from_token_stdin: bool,

    /// Versions copied at once
    #[arg(short, long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Show the plan; upload nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print the report as JSON on stdout
    #[arg(long)]
    pub json: bool,

    /// Seconds to wait for the destination's index to list an upload (a
    /// placeholder, a copy, a yank), or its API to find one, before that
    /// step counts as failed
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub index_timeout: u64,

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

/// Find dependencies that CNB's crates.io proxy supplies instead of the registry
///
/// CNB's registry serves crates.io's index for any crate name it holds no
/// version of. In this project (its manifests and `Cargo.lock`), for each
/// crate from a CNB registry: ✗ when the registry holds no version of a
/// name declared with `registry = ...` (it resolves to crates.io's crate
/// of that name, which crates.io's owner of the name controls), ✗ when the
/// lock file pins a version that is not one of the registry's own (it was
/// locked through the proxy), ! when the name is also on crates.io (it
/// shadows crates.io's crate, and deleting its last version in the
/// registry would let crates.io's through). Exits 1 on any ✗.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo audit\n  \
    cnbcargo audit --registry cnb --json > audit.json")]
pub struct AuditArgs {
    /// Audit only this registry (default: every CNB registry in cargo's config)
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete::registries))]
    pub registry: Option<String>,

    /// Print a machine-readable report on standard output
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub api: ApiArg,
}

/// Write a `.cnb.yaml` pipeline that publishes on tag pushes
///
/// The pipeline installs cnbcargo (the exact version and source this one
/// was installed from; a local-path install needs `--install` or
/// `--image`), logs cargo in with the pipeline's `CNB_TOKEN` and runs
/// `cnbcargo publish`, caching cargo's downloads and build in CNB cache
/// volumes. An existing `.cnb.yaml` keeps every line it has; the pipeline
/// is added to its `$: tag_push:` list.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo ci --dry-run\n  \
    cnbcargo ci --install 'cargo install --locked --git https://cnb.cool/acme/cnbcargo --tag v0.1.0'\n  \
    cnbcargo ci --image docker.cnb.cool/acme/cnbcargo:0.1.0\n  \
    cnbcargo ci --audit --dev-env")]
pub struct CiArgs {
    /// Print the change as a diff and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// The command the pipeline runs to install cnbcargo (default: the
    /// pinned `cargo install` of the source and version this cnbcargo was
    /// installed from, per cargo's install records; none with `--image`)
    #[arg(long, value_name = "COMMAND")]
    pub install: Option<String>,

    /// The pipeline's Docker image (default: `rust:<version>`, the newest
    /// of the workspace's `rust-version` and what cnbcargo needs); alone,
    /// an image that already has cnbcargo: no install stage
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,

    /// Run `cnbcargo audit` before publishing: the run fails on a
    /// dependency that CNB's crates.io proxy would supply
    #[arg(long)]
    pub audit: bool,

    /// Also add CNB's cloud workspace (`$:`'s `vscode:`, the branch page's
    /// Workspace button) in the pipeline's image, with Docker
    #[arg(long)]
    pub dev_env: bool,
}

/// Print a shell completion script
///
/// The script asks cnbcargo for candidates as you type, so `--registry`
/// offers the registries cargo's config names here and `-p` the
/// workspace's packages.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cnbcargo completions bash > ~/.local/share/bash-completion/completions/cnbcargo\n  \
    cnbcargo completions zsh > ~/.zfunc/_cnbcargo\n  \
    cnbcargo completions nushell | save -f ($nu.default-config-dir | path join cnbcargo.nu)")]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: complete::ShellName,
}

/// Files generated from this definition and committed: shell completions
/// and man pages. A test fails when they are stale.
#[cfg(test)]
pub fn generated_files() -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for shell in complete::ShellName::value_variants() {
        files.push((
            root.join("completions").join(shell.file_name()),
            complete::registration(*shell).into_bytes(),
        ));
    }
    files.push((
        root.join("docs/exit-codes.md"),
        crate::error::exit_codes_md().into_bytes(),
    ));
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
