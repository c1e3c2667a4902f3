//! Tokens: the type that keeps them from being printed ([`secret`]),
//! where they come from ([`input`]), and the OS keyring copy
//! ([`keyring_store`]).

mod input;
pub mod keyring;
mod secret;

/// The name callers know the keyring by.
pub use self::keyring as keyring_store;
pub use input::{
    LoginTokenSource, SCOPES, cnb_token_env, prompt_hidden, read_login_token, read_source_token,
    validate_token,
};
pub use secret::{Secret, TOKEN_SHAPE, check_token_chars};
