//! The kernel keyring, as the keyring tests see it: a service name of the
//! test's own, whether the machine has a usable keyring (asked of the
//! kernel, not of the code under test), and its entries by description.

use super::{TestEnv, TestRegistry};

/// A service name of this test's own, with the keyring turned on.
pub fn own_service(env: &mut TestEnv, registry: &TestRegistry, tag: &str) -> String {
    let service = format!(
        "cnbcargo-test-{tag}-{}-{}",
        std::process::id(),
        registry.port()
    );
    env.env("CNBCARGO_NO_KEYRING", "")
        .env("CNBCARGO_KEYRING_SERVICE", &service);
    service
}

/// Whether this machine's kernel keyring takes entries (containers may
/// forbid it), asked of the kernel directly rather than of the code under
/// test. `CNBCARGO_TEST_REQUIRE_KEYRING=1` turns a missing keyring into a
/// failure instead of a skip.
pub fn usable() -> bool {
    let usable = probe_kernel_keyring();
    if !usable {
        assert!(
            std::env::var_os("CNBCARGO_TEST_REQUIRE_KEYRING").is_none(),
            "no usable kernel keyring, and CNBCARGO_TEST_REQUIRE_KEYRING is set"
        );
        eprintln!("skipped: no usable kernel keyring here");
    }
    usable
}

#[cfg(target_os = "linux")]
fn probe_kernel_keyring() -> bool {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let Ok(ring) = KeyRing::from_special_id(KeyRingIdentifier::Session, false) else {
        return false;
    };
    let description = format!("cnbcargo-test-probe-{}", std::process::id());
    let Ok(key) = ring.add_key(&description, b"probe") else {
        return false;
    };
    let readable = key.read_to_vec().is_ok_and(|v| v == b"probe");
    let _ = key.invalidate();
    // The tests check entries through /proc/keys.
    readable && std::fs::read_to_string("/proc/keys").is_ok()
}

#[cfg(not(target_os = "linux"))]
fn probe_kernel_keyring() -> bool {
    false
}

/// Whether the kernel keyring lists an entry, by its description
/// (`keyring-rs:ACCOUNT@SERVICE`); the secret itself is not read. `None`
/// when `/proc/keys` cannot be read.
pub fn has(account: &str, service: &str) -> Option<bool> {
    let keys = std::fs::read_to_string("/proc/keys").ok()?;
    let description = format!("keyring-rs:{account}@{service}:");
    Some(keys.lines().any(|line| line.contains(&description)))
}

/// Waits (up to 2 s) until `/proc/keys` no longer lists the entry: the
/// kernel collects an invalidated key shortly after, not at once.
pub fn gone(account: &str, service: &str) -> bool {
    (0..40).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        has(account, service) == Some(false)
    })
}

/// A keyring entry a test put there itself (as an earlier cnbcargo's
/// `login` left it), removed again when dropped, whatever the test's
/// outcome.
pub struct Planted {
    account: String,
    service: String,
}

/// Writes `token` under `keyring-rs:ACCOUNT@SERVICE` in the session
/// keyring, where cnbcargo's `keyring_store` reads it. Only after
/// `usable()` said yes.
#[cfg(target_os = "linux")]
pub fn plant(account: &str, service: &str, token: &str) -> Planted {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let ring =
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).expect("session keyring");
    ring.add_key(&format!("keyring-rs:{account}@{service}"), token.as_bytes())
        .expect("add a keyring entry");
    Planted {
        account: account.to_string(),
        service: service.to_string(),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn plant(_account: &str, _service: &str, _token: &str) -> Planted {
    unreachable!("`usable()` is false off Linux")
}

impl Drop for Planted {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use linux_keyutils::{KeyRing, KeyRingIdentifier};
            let description = format!("keyring-rs:{}@{}", self.account, self.service);
            if let Ok(ring) = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
                && let Ok(key) = ring.search(&description)
            {
                let _ = key.invalidate();
            }
        }
    }
}
