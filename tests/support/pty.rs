//! A pseudo-terminal for the interactive tests: the command gets a new
//! session whose controlling terminal is the pty (so `/dev/tty`, which
//! hidden prompts read, is the pty too); the test reads the screen and
//! types. Every wait is bounded.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any one wait in a pty test may take.
pub const PTY_DEADLINE: Duration = Duration::from_secs(20);

pub struct Pty {
    master: File,
    child: Child,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Starts `cmd` with stdin, stdout and stderr on a new pty.
    pub fn spawn(cmd: &mut Command) -> Pty {
        let (mut master, mut slave): (RawFd, RawFd) = (-1, -1);
        let size = libc::winsize {
            ws_row: 24,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes the two descriptors it opens.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // Not inherited by the commands other tests start meanwhile.
        for fd in [master, slave] {
            // SAFETY: both are open descriptors of ours.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        // The child's stdio: duplicates of the slave (`Stdio` makes them
        // the child's 0, 1 and 2, which exec keeps).
        let stdio = || {
            // SAFETY: `slave` is open; the duplicate is checked and owned.
            let fd = unsafe { libc::fcntl(slave, libc::F_DUPFD_CLOEXEC, 0) };
            assert!(fd >= 0, "dup: {}", std::io::Error::last_os_error());
            // SAFETY: `fd` is a fresh descriptor nothing else owns.
            Stdio::from(unsafe { File::from_raw_fd(fd) })
        };
        cmd.stdin(stdio()).stdout(stdio()).stderr(stdio());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn in a pty");
        // SAFETY: the parent's copy of the slave is no longer needed.
        unsafe { libc::close(slave) };
        // SAFETY: `master` is an open descriptor that nothing else owns.
        let master = unsafe { File::from_raw_fd(master) };
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("clone the pty master");
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child and its children have exited.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            child,
            screen,
        }
    }

    /// Everything shown so far, with the terminal's `\r\n` as `\n`.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).replace("\r\n", "\n")
    }

    /// Waits until the screen shows `text` (`count` times in all).
    #[track_caller]
    pub fn expect_count(&self, text: &str, count: usize) {
        let started = Instant::now();
        while self.screen().matches(text).count() < count {
            assert!(
                started.elapsed() < PTY_DEADLINE,
                "waited {PTY_DEADLINE:?} for {text:?} (x{count}); the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[track_caller]
    pub fn expect(&self, text: &str) {
        self.expect_count(text, 1);
    }

    /// Types `text` (a newline ends a line).
    pub fn send(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Waits for the command to exit; killed past the deadline.
    #[track_caller]
    pub fn wait(mut self) -> (ExitStatus, String) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take what is still in the pty.
                std::thread::sleep(Duration::from_millis(50));
                return (status, self.screen());
            }
            if started.elapsed() > PTY_DEADLINE {
                // `Drop` ends it.
                panic!(
                    "still running after {PTY_DEADLINE:?}; the screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A test that failed midway leaves no command waiting at its prompt.
impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
