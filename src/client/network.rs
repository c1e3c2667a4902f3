//! The network settings the client applies, as plain data: `settings`
//! reads them from cargo's config and the environment, the client only
//! takes them.

use std::path::PathBuf;
use std::time::Duration;

use crate::origin::Origin;

/// cargo's defaults (`http.timeout` 30 s, `net.retry` 3).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_RETRIES: u32 = 3;

/// A value and where it came from, for messages and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// A PEM file of CA certificates trusted on top of the system's.
    pub cainfo: Option<Sourced<PathBuf>>,
    /// cargo's proxy for every request (`http.proxy`), a URL; it wins over
    /// `https_proxy` and the like. Empty: no proxy at all (libcurl's
    /// meaning), the variables included.
    pub proxy: Option<Sourced<String>>,
    /// The whole-request timeout; `None` for the default.
    pub timeout: Option<Sourced<Duration>>,
    /// Retries of a request that failed in a way worth retrying.
    pub retries: Option<Sourced<u32>>,
    /// cargo is told to stay off the network.
    pub offline: Option<Sourced<bool>>,
}

impl Network {
    pub fn timeout(&self) -> Duration {
        self.timeout.as_ref().map_or(DEFAULT_TIMEOUT, |t| t.value)
    }

    pub fn retries(&self) -> u32 {
        self.retries.as_ref().map_or(DEFAULT_RETRIES, |r| r.value)
    }

    /// Where offline mode was asked for, when it was.
    pub fn offline(&self) -> Option<&Origin> {
        self.offline.as_ref().filter(|o| o.value).map(|o| &o.origin)
    }
}
