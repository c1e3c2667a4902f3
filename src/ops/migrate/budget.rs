//! How many bytes of `.crate` files the jobs of a `migrate` hold at once.
//! Each job holds its crate from the download to the end of its upload:
//! eight jobs copying eight large crates held eight of them. A job takes
//! its crate's size from the budget before reading it (the whole budget
//! when the size is not known, or is larger), and gives it back after.
//! So memory holds at most the budget, or the one crate larger than it.

use std::sync::{Condvar, Mutex};

/// The bytes of `.crate` files held at once by all jobs together.
pub const CRATE_BYTES: u64 = 32 << 20;

/// Makes freed crate buffers go back to the system. glibc's malloc raises
/// its mmap threshold each time a large block is freed (up to 32 MiB):
/// after the first crate, crate-sized buffers come from the per-thread
/// arenas, which keep them resident once freed, so eight jobs kept eight
/// crates' worth (96 MiB for 12 MiB crates) though the budget let two be
/// live. A fixed threshold keeps each buffer over 1 MiB a mapping of its
/// own, unmapped when freed. Other allocators (musl's, the BSDs') unmap
/// large blocks anyway.
pub fn return_large_frees() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a tuning parameter of the allocator; it
    // is called before the jobs' threads start, and any value is valid.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

pub struct Budget {
    total: u64,
    free: Mutex<u64>,
    freed: Condvar,
}

/// Bytes taken from a `Budget`, given back when dropped.
pub struct Taken<'b> {
    budget: &'b Budget,
    bytes: u64,
}

impl Budget {
    pub fn new(total: u64) -> Budget {
        Budget {
            total,
            free: Mutex::new(total),
            freed: Condvar::new(),
        }
    }

    /// Waits until `bytes` (at most the whole budget; all of it when not
    /// known) are free, and takes them. A job takes once, before it
    /// holds anything, and gives all back at once: no job waits while
    /// holding a part, so none can wait for another forever.
    pub fn take(&self, bytes: Option<u64>) -> Taken<'_> {
        let bytes = bytes.unwrap_or(self.total).min(self.total);
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free < bytes {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= bytes;
        Taken {
            budget: self,
            bytes,
        }
    }

    /// `take`, if there is room now.
    pub fn try_take(&self, bytes: Option<u64>) -> Option<Taken<'_>> {
        let bytes = bytes.unwrap_or(self.total).min(self.total);
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if *free < bytes {
            return None;
        }
        *free -= bytes;
        Some(Taken {
            budget: self,
            bytes,
        })
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut free = self.budget.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += self.bytes;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_wait_for_room_and_a_large_take_has_it_all() {
        let budget = Budget::new(100);
        let a = budget.take(Some(60));
        let b = budget.take(Some(40));
        assert_eq!(*budget.free.lock().unwrap(), 0);
        let waited = std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let started = std::time::Instant::now();
                let _all = budget.take(Some(1000));
                started.elapsed()
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            drop(a);
            drop(b);
            waiter.join().unwrap()
        });
        assert!(waited >= std::time::Duration::from_millis(90));
        assert_eq!(*budget.free.lock().unwrap(), 100);
        drop(budget.take(None));
        assert_eq!(*budget.free.lock().unwrap(), 100);
    }
}
