//! Which credential provider cargo asks for a registry's token, as cargo
//! decides it from its config: cnbcargo, another, or the global list.

use std::path::Path;

use crate::cargo_config::{ConfigStack, Origin};

/// The value `init --credential-provider cnbcargo` writes: cargo finds
/// the program on `PATH`, where `cargo install` puts it.
pub const NAME: &str = "cnbcargo";

/// How a registry's token reaches cargo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `credential-provider = "cnbcargo"` for this registry.
    Cnbcargo { program: String, origin: Origin },
    /// Another provider of the registry's own.
    Other { provider: String, origin: Origin },
    /// No provider of its own: `registry.global-credential-providers`.
    Global,
}

impl Mode {
    pub fn of(stack: &ConfigStack, registry: &str) -> Mode {
        match stack.registry_provider(registry) {
            Some((words, origin)) => match words.first() {
                Some(program) if is_cnbcargo(program) => Mode::Cnbcargo {
                    program: program.clone(),
                    origin,
                },
                _ => Mode::Other {
                    provider: words.join(" "),
                    origin,
                },
            },
            None => Mode::Global,
        }
    }

    pub fn is_cnbcargo(&self) -> bool {
        matches!(self, Mode::Cnbcargo { .. })
    }
}

/// `cnbcargo`, or a path to it (`/usr/local/bin/cnbcargo`, `cnbcargo.exe`).
fn is_cnbcargo(program: &str) -> bool {
    Path::new(program)
        .file_stem()
        .is_some_and(|stem| stem == NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_itself_by_program_name() {
        assert!(is_cnbcargo("cnbcargo"));
        assert!(is_cnbcargo("/usr/local/bin/cnbcargo"));
        assert!(is_cnbcargo("cnbcargo.exe"));
        assert!(!is_cnbcargo("cargo:token"));
        assert!(!is_cnbcargo("cargo-credential-cnbcargo"));
    }
}
