//! Waiting for a registry to catch up with what was just done to it: a
//! real one may answer an upload before its index lists the version (CNB
//! goes on serving the crates.io proxy's entries for the name meanwhile),
//! and before its API finds it to delete or yank. One loop, bounded and
//! backing off, serves `publish`, `migrate` and the placeholder's removal.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use crate::client::Error;
use crate::client::sparse::{FullEntry, SparseIndex};
use crate::shell::Shell;

const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// Long enough not to hammer a registry, short enough that a lag of a
/// few seconds costs little more than itself.
const LONGEST_PAUSE: Duration = Duration::from_secs(2);

/// Calls `attempt` until it breaks, pausing between calls (0.1 s, doubling
/// up to 2 s), for at most `limit` in all (at least one call, and one at
/// the limit): `Ok` with what it broke with, else `Err` with its last
/// answer.
pub fn poll<T>(limit: Duration, mut attempt: impl FnMut() -> ControlFlow<T, T>) -> Result<T, T> {
    let started = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        match attempt() {
            ControlFlow::Break(done) => return Ok(done),
            ControlFlow::Continue(last) => {
                let left = limit.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Err(last);
                }
                std::thread::sleep(pause.min(left));
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        }
    }
}

/// Calls `call` until it answers anything but 404, for at most `limit`: a
/// registry's API may not find a version its index lists already, or not
/// yet (an upload it has just answered). `what` names it for `-v`.
pub fn retry_not_found<T>(
    limit: Duration,
    what: &str,
    shell: &Shell,
    mut call: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let mut said = false;
    poll(limit, || match call() {
        Err(e) if e.status() == Some(404) => {
            if !said {
                shell.verbose(format!(
                    "the registry does not find {what} yet; trying again for up to {} s",
                    limit.as_secs()
                ));
                said = true;
            }
            ControlFlow::Continue(Err(e))
        }
        answer => ControlFlow::Break(answer),
    })
    .unwrap_or_else(|last| last)
}

/// `name`'s index file as last read, and whether it showed what was
/// waited for before the time ran out.
pub struct Listing {
    pub entries: Vec<FullEntry>,
    pub complete: bool,
    pub waited: Duration,
}

/// Reads `name`'s index file until `done` accepts it, for at most `limit`.
/// With `spinner`, a terminal shows it while waiting (not under another
/// progress bar: `migrate` passes none). A read that fails ends the wait:
/// the HTTP layer has retried it already.
pub fn until_listed(
    index: &SparseIndex<'_>,
    name: &str,
    limit: Duration,
    spinner: Option<String>,
    shell: &Shell,
    done: impl Fn(&[FullEntry]) -> bool,
) -> Result<Listing, Error> {
    let started = Instant::now();
    let spinner = spinner.map(|message| shell.spinner(message));
    let read = poll(limit, || match index.full_entries(name) {
        Ok(entries) if done(&entries) => ControlFlow::Break(Ok(entries)),
        Ok(entries) => ControlFlow::Continue(Ok(entries)),
        Err(e) => ControlFlow::Break(Err(e)),
    });
    drop(spinner);
    let (entries, complete) = match read {
        Ok(entries) => (entries?, true),
        Err(entries) => (entries?, false),
    };
    Ok(Listing {
        entries,
        complete,
        waited: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_until_done_or_the_limit() {
        let mut calls = 0;
        assert_eq!(
            poll(Duration::from_secs(5), || {
                calls += 1;
                if calls == 3 {
                    ControlFlow::Break(calls)
                } else {
                    ControlFlow::Continue(calls)
                }
            }),
            Ok(3)
        );
        let started = Instant::now();
        let mut calls = 0;
        let last = poll(Duration::from_millis(250), || {
            calls += 1;
            ControlFlow::<u32, u32>::Continue(calls)
        });
        // At 0 ms, 100 ms, and 250 ms (the pause cut to what is left).
        assert_eq!(last, Err(3));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(
            poll(Duration::ZERO, || ControlFlow::<u8, u8>::Continue(1)),
            Err(1)
        );
    }
}
