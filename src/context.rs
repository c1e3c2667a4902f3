//! What every command works with, resolved once per run (cargo's
//! `GlobalContext`): the working directory, `CARGO_HOME`, the config files
//! cargo reads, the cargo to run, the HTTP client and the shell. Each is
//! built on first use, so a command pays only for what it needs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context as _, Result};

use crate::cargo::Cargo;
use crate::cargo_config::{self, ConfigStack, RegistryDef};
use crate::client::Http;
use crate::client::cnb::CnbApi;
use crate::client::sparse::SparseIndex;
use crate::credentials::Secret;
use crate::env;
use crate::error::UserError;
use crate::registry_url::IndexUrl;
use crate::settings::network::Network;
use crate::settings::{self, CopyState, TokenSource};
use crate::shell::Shell;

pub struct Context {
    pub shell: Shell,
    pub cargo: Cargo,
    cwd: OnceLock<PathBuf>,
    cargo_home: OnceLock<PathBuf>,
    config: OnceLock<ConfigStack>,
    net: OnceLock<Network>,
    http: OnceLock<Http>,
    /// The registry whose token choice was told: `publish` resolves its
    /// target twice, and says it once.
    told: OnceLock<String>,
    /// Asked of cargo once a run: each answer costs a cargo process.
    workspace_root: OnceLock<PathBuf>,
    metadata: OnceLock<crate::workspace::Metadata>,
}

/// A registry with everything needed to talk to it.
pub struct Target {
    pub registry: RegistryDef,
    pub index: IndexUrl,
    pub token: Secret,
    pub token_source: TokenSource,
    /// cnbcargo is the registry's credential provider: cargo asks it,
    /// and ignores `CARGO_REGISTRIES_<NAME>_TOKEN`.
    pub via_provider: bool,
}

impl Target {
    /// For child cargo processes: the token through cargo's own variable
    /// (never argv), when cargo could not find this token by itself. In
    /// the provider's mode cargo finds it through cnbcargo, from the same
    /// sources.
    pub fn cargo_env(&self) -> Option<(String, &Secret)> {
        (!self.token_source.is_cargos_own() && !self.via_provider)
            .then(|| (env::registry_var(&self.registry.name, "TOKEN"), &self.token))
    }
}

impl Context {
    pub fn new(shell: Shell) -> Context {
        Context {
            cargo: Cargo::from_env().with_output_of(&shell),
            shell,
            cwd: OnceLock::new(),
            cargo_home: OnceLock::new(),
            config: OnceLock::new(),
            net: OnceLock::new(),
            http: OnceLock::new(),
            told: OnceLock::new(),
            workspace_root: OnceLock::new(),
            metadata: OnceLock::new(),
        }
    }

    pub fn cwd(&self) -> Result<&Path> {
        if let Some(cwd) = self.cwd.get() {
            return Ok(cwd);
        }
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Ok(self.cwd.get_or_init(|| cwd))
    }

    /// `$CARGO_HOME`, else `~/.cargo`.
    pub fn cargo_home(&self) -> Result<&Path> {
        if let Some(home) = self.cargo_home.get() {
            return Ok(home);
        }
        let home = cargo_config::cargo_home(self.cwd()?)?;
        Ok(self.cargo_home.get_or_init(|| home))
    }

    /// The config files cargo reads from here, read once.
    pub fn config(&self) -> Result<&ConfigStack> {
        if let Some(stack) = self.config.get() {
            return Ok(stack);
        }
        let stack = ConfigStack::discover(self.cwd()?, self.cargo_home()?)?;
        for file in &stack.files {
            self.shell.debug(format!("read `{}`", file.path.display()));
        }
        Ok(self.config.get_or_init(|| stack))
    }

    /// The workspace root of the project here, as cargo sees it, else the
    /// current directory. cargo reads every config file on the way, and
    /// would block for ever on a FIFO there: those are refused first.
    pub fn workspace_root(&self) -> Result<PathBuf> {
        if let Some(root) = self.workspace_root.get() {
            return Ok(root.clone());
        }
        let cwd = self.cwd()?;
        for path in cargo_config::config_paths(cwd, self.cargo_home()?) {
            crate::fs::check_regular(&path)?;
        }
        let root = self
            .cargo
            .workspace_root(cwd)?
            .unwrap_or_else(|| cwd.to_path_buf());
        Ok(self.workspace_root.get_or_init(|| root).clone())
    }

    /// The workspace here, from `cargo metadata --no-deps`, asked once.
    pub fn metadata(&self) -> Result<&crate::workspace::Metadata> {
        if let Some(metadata) = self.metadata.get() {
            return Ok(metadata);
        }
        let metadata = self.cargo.workspace(None)?;
        Ok(self.metadata.get_or_init(|| metadata))
    }

    /// cargo's network settings (`http.*`, `net.*`), read once.
    pub fn net(&self) -> Result<&Network> {
        if let Some(net) = self.net.get() {
            return Ok(net);
        }
        let net = settings::network::network(self.config()?, self.cwd()?)?;
        Ok(self.net.get_or_init(|| net))
    }

    pub fn http(&self) -> Result<&Http> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let http = Http::new(self.net()?)?.with_trace(self.shell.clone());
        self.shell
            .debug(format!("trusting {}", http.trust().describe()));
        Ok(self.http.get_or_init(|| http))
    }

    /// Fails at once, before any work, when cargo is set offline
    /// (`net.offline`, `CARGO_NET_OFFLINE`, or `flag`: the command's
    /// `--offline` or `--frozen`) and the command cannot do without the
    /// network.
    pub fn require_online(&self, command: &str, flag: Option<&str>) -> Result<()> {
        // The hint names what set it: a flag is dropped, a setting unset.
        let (origin, hint) = if let Some(flag) = flag {
            (
                format!("`{flag}`"),
                format!("run it without `{flag}` when online"),
            )
        } else if let Some(o) = self.net()?.offline() {
            (
                format!("`net.offline` ({o})"),
                "unset it for this run (e.g. `CARGO_NET_OFFLINE=false`), or run the command when online"
                    .to_string(),
            )
        } else {
            return Ok(());
        };
        Err(UserError::new(format!(
            "`cnbcargo {command}` needs the network, and cargo is set offline by {origin}"
        ))
        .hint(hint)
        .into())
    }

    /// The registry to act on (see `settings::registry`).
    pub fn registry(&self, requested: Option<&str>) -> Result<RegistryDef> {
        settings::registry(self.config()?, requested, &self.shell)
    }

    /// The registry, its index (checked fit for a token) and its token.
    pub fn target(&self, requested: Option<&str>) -> Result<Target> {
        let registry = self.registry(requested)?;
        let index = settings::index_for_token(&registry)?;
        let via_provider = self.via_provider(&registry)?;
        let (token, token_source) =
            settings::require_token(&registry, self.cargo_home()?, via_provider, &self.shell)?;
        let target = Target {
            registry,
            index,
            token,
            token_source,
            via_provider,
        };
        self.tell_token(&target);
        Ok(target)
    }

    /// Which copy of the token the command uses (`-v`, never the value),
    /// and a warning for a copy that holds another token and is not used.
    fn tell_token(&self, target: &Target) {
        let shell = &self.shell;
        let name = &target.registry.name;
        if self.told.get() == Some(name) {
            return;
        }
        let _ = self.told.set(name.clone());
        let source = &target.token_source;
        match target.cargo_env() {
            _ if target.via_provider => shell.verbose(format!(
                "using the token from {source}, as the `cnbcargo` credential provider gives it to cargo"
            )),
            None => shell.verbose(format!(
                "using cargo's own token for `{name}`, from {source}"
            )),
            Some((var, _)) => shell.verbose(format!(
                "using the token from {source}: cargo has none of its own for `{name}`, and the cargo cnbcargo runs gets it through `{var}`"
            )),
        }
        for copy in settings::unused_copies(&target.registry, &target.token, source, shell) {
            let what = match copy.state {
                CopyState::Same => {
                    shell.verbose(format!("{} holds the same token", copy.source));
                    continue;
                }
                CopyState::Other => format!(
                    "{} holds another token for `{name}` than cargo's",
                    copy.source
                ),
                CopyState::Invalid(why) => {
                    shell.warn(format!(
                        "{why}; it is not used: cnbcargo sends cargo's own ({source}), as cargo does"
                    ));
                    shell.hint(format!(
                        "set `{}` to the token CNB shows, or unset it",
                        env::CNB_TOKEN
                    ));
                    continue;
                }
            };
            shell.warn(format!(
                "{what}, which is not used: cnbcargo sends cargo's own ({source}), as cargo does"
            ));
            shell.hint(match (&copy.source, source) {
                (TokenSource::CnbTokenEnv, TokenSource::CargoEnv(var)) => {
                    format!("unset `{var}` to use `{}`", env::CNB_TOKEN)
                }
                (TokenSource::CnbTokenEnv, _) => format!(
                    "to use `{}`, run `cnbcargo login --registry {name}` (it gives cargo that token); else unset it",
                    env::CNB_TOKEN
                ),
                _ => format!(
                    "run `cnbcargo login --registry {name}` with the token to use: cargo gets it and the keyring copy goes"
                ),
            });
        }
    }

    /// Whether cnbcargo is the registry's own credential provider.
    pub fn via_provider(&self, registry: &RegistryDef) -> Result<bool> {
        Ok(crate::settings::provider::Mode::of(self.config()?, &registry.name).is_cnbcargo())
    }

    /// CNB's API for the target's registry.
    pub fn api(&self, target: &Target, endpoint_flag: Option<&str>) -> Result<CnbApi<'_>> {
        self.api_for(&target.index, &target.token, endpoint_flag)
    }

    /// CNB's API for the registry at `index`, used with `token`.
    pub fn api_for(
        &self,
        index: &IndexUrl,
        token: &Secret,
        endpoint_flag: Option<&str>,
    ) -> Result<CnbApi<'_>> {
        let (base, source) = settings::api_endpoint(endpoint_flag, index)?;
        let slug = index.cnb_slug().ok_or_else(|| {
            UserError::new(format!(
                "the index `{index}` is not a CNB registry URL (`.../<group>/<registry>/-/packages/`)"
            ))
            .hint("CNB's API addresses registries by that path")
        })?;
        self.shell.verbose(format!(
            "CNB API at `{}` ({source}), registry `{slug}`",
            crate::registry_url::redact(&base)
        ));
        Ok(CnbApi::new(self.http()?, base, slug, token.clone()))
    }

    /// The target's Web API (the `api` of its `config.json`), for uploads
    /// and yanks with its token.
    pub fn web_api(&self, target: &Target) -> Result<crate::client::webapi::WebApi<'_>> {
        use crate::client::sparse::ConfigAnswer;
        let action = "cannot read the registry's `config.json`";
        let config = match self.index(target)?.config(true, None) {
            Ok(ConfigAnswer::Config(config)) => config,
            Ok(ConfigAnswer::Unauthorized { .. }) => {
                return Err(crate::explain::index_refused_token(action));
            }
            Err(e) => {
                return Err(crate::explain::explain(e, action, crate::explain::Op::Read));
            }
        };
        let text = config.api.ok_or_else(|| {
            UserError::new("the registry's `config.json` names no `api`: it takes no uploads")
        })?;
        let api = crate::registry_url::check_endpoint(&text, "the registry's `api` URL")?;
        Ok(crate::client::webapi::WebApi::new(
            self.http()?,
            api,
            target.token.clone(),
        ))
    }

    /// The target's sparse index, read with its token.
    pub fn index(&self, target: &Target) -> Result<SparseIndex<'_>> {
        Ok(SparseIndex::new(
            self.http()?,
            target.index.clone(),
            Some(target.token.clone()),
        ))
    }
}

/// The transport's trace goes to the shell: requests at `-vv`, retries at
/// `-v`.
impl crate::client::Trace for Shell {
    fn request(&self, line: &str) {
        self.debug(line);
    }

    fn note(&self, line: &str) {
        self.verbose(line);
    }
}
