//! The watchdog of a script's process group, for when desk itself dies (kill -9, a
//! crash) while the script runs: it leads the group the script joins and waits on a
//! pipe whose only writer is desk; when the kernel closes that pipe, it kills its group,
//! the script and all it started with it. Nothing of a script outlives desk.
//!
//! On Linux it is a process that shares desk's memory (`clone` with `CLONE_VM`, the
//! way `posix_spawn` starts a child) and runs a few system calls, never a program: a
//! `/bin/sh` in its place took its start-up's CPU from desk and the script on every
//! run, 0.5 ms of the 4 ms of a `desk new` with the shop's CRM script on two cores.
//! Elsewhere it is that `/bin/sh`.

use std::io::PipeWriter;

use rustix::process::Pid;

/// A running watchdog: dropping it (or `finish`) ends it and reaps it.
pub struct Watchdog {
    pid: Pid,
    /// The pipe's only writer; closing it tells the watchdog to kill its group.
    pipe: Option<PipeWriter>,
    inner: imp::Inner,
}

impl Watchdog {
    /// A watchdog leading a new process group, or `None` if none could start (the
    /// script then leads its own group, still killed at its timeout).
    pub fn start() -> Option<Watchdog> {
        let (read, write) = std::io::pipe().ok()?;
        let (pid, inner) = imp::start(read, &write)?;
        Some(Watchdog {
            pid,
            pipe: Some(write),
            inner,
        })
    }

    /// The process group it leads, for the script to join.
    pub fn group(&self) -> Pid {
        self.pid
    }

    /// Kills the group, the watchdog with it, and reaps it.
    pub fn finish(mut self) {
        self.end();
    }

    fn end(&mut self) {
        if self.pipe.take().is_some() {
            let _ = rustix::process::kill_process_group(self.pid, rustix::process::Signal::KILL);
            self.inner.reap(self.pid);
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.end();
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::io::{PipeReader, PipeWriter};
    use std::mem::MaybeUninit;
    use std::os::fd::{AsRawFd, IntoRawFd};

    use rustix::process::Pid;

    /// The watchdog's stack, 16-byte aligned, left uninitialised: the kernel gives
    /// the pages it touches.
    #[repr(C, align(16))]
    struct Stack([u8; STACK]);
    const STACK: usize = 16 * 1024;

    pub struct Inner {
        /// Freed once the watchdog is reaped; leaked if it cannot be, as it may run.
        stack: Option<Box<MaybeUninit<Stack>>>,
    }

    /// What the watchdog runs, in desk's memory and on its own stack: system calls
    /// only. It shares desk's memory and thread-local storage, so it must not allocate,
    /// unwind or touch libc's state; rustix's calls set no `errno`. `arg` is the pipe's
    /// reading end.
    extern "C" fn watch(arg: *mut libc::c_void) -> libc::c_int {
        let read = arg as usize as u32;
        // Every other descriptor is desk's, copied at the clone: the pipe's writer
        // above all, and another thread's pipes to its children, whose ends of file
        // would otherwise wait for this watchdog. `close_range` cannot fail with these
        // arguments but on a kernel before 5.9 (ENOSYS, set in desk's errno by libc);
        // the writer alone is closed then.
        // SAFETY: closes descriptors of this process's own table.
        unsafe {
            let mut closed = true;
            if read > 0 {
                closed &= libc::syscall(libc::SYS_close_range, 0u32, read - 1, 0u32) == 0;
            }
            closed &= libc::syscall(libc::SYS_close_range, read + 1, u32::MAX, 0u32) == 0;
            if !closed {
                rustix::io::close((arg as usize >> 32) as i32);
            }
        }
        // Leading its own group (the parent sets it too, whoever is first).
        let _ = rustix::process::setpgid(None, None);
        // SAFETY: the reader stays open in this process until it exits.
        let fd = unsafe { rustix::fd::BorrowedFd::borrow_raw(read as i32) };
        let mut byte = [0u8; 1];
        while matches!(
            rustix::io::read(fd, &mut byte),
            Ok(1) | Err(rustix::io::Errno::INTR)
        ) {}
        let me = rustix::process::getpid();
        let _ = rustix::process::kill_process_group(me, rustix::process::Signal::KILL);
        0
    }

    pub fn start(read: PipeReader, write: &PipeWriter) -> Option<(Pid, Inner)> {
        let mut stack = Box::<Stack>::new_uninit();
        let read = read.into_raw_fd();
        let arg = (write.as_raw_fd() as u32 as usize) << 32 | read as u32 as usize;
        // SAFETY: `watch` touches nothing of desk's but its argument and its stack,
        // which is freed only after the watchdog is reaped (`reap`), or never.
        let pid = unsafe {
            let top = stack
                .as_mut_ptr()
                .cast::<u8>()
                .add(STACK)
                .cast::<libc::c_void>();
            libc::clone(
                watch,
                top,
                libc::CLONE_VM | libc::SIGCHLD,
                arg as *mut libc::c_void,
            )
        };
        // SAFETY: desk's copy of the reader, owned here; the watchdog has its own.
        unsafe { rustix::io::close(read) };
        let pid = Pid::from_raw(pid)?;
        // Set here too, so the script can join the group as soon as this returns.
        let _ = rustix::process::setpgid(Some(pid), Some(pid));
        Some((pid, Inner { stack: Some(stack) }))
    }

    impl Inner {
        pub fn reap(&mut self, pid: Pid) {
            let reaped = loop {
                match rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty()) {
                    Err(rustix::io::Errno::INTR) => continue,
                    other => break other,
                }
            };
            if !matches!(reaped, Ok(Some(_))) {
                // It may still run on its stack: leave it be.
                std::mem::forget(self.stack.take());
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::io::{PipeReader, PipeWriter};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    use rustix::process::Pid;

    pub struct Inner {
        child: std::process::Child,
    }

    pub fn start(read: PipeReader, _write: &PipeWriter) -> Option<(Pid, Inner)> {
        let child = Command::new("/bin/sh")
            .args(["-c", "read _x; kill -s KILL -- -$$"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdin(read)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .ok()?;
        Some((Pid::from_child(&child), Inner { child }))
    }

    impl Inner {
        pub fn reap(&mut self, _pid: Pid) {
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::Command;

    use super::Watchdog;

    #[test]
    fn when_desk_lets_go_its_group_is_killed() {
        let mut w = Watchdog::start().expect("a watchdog starts");
        let mut child = Command::new("sleep")
            .arg("300")
            .process_group(w.group().as_raw_nonzero().get())
            .spawn()
            .expect("sleep starts");
        // As when desk dies: the pipe closes, and nobody kills the group.
        drop(w.pipe.take());
        let status = child.wait().expect("sleep ends");
        assert_eq!(status.signal(), Some(9), "{status:?}");
        w.inner.reap(w.pid);
    }

    #[test]
    fn it_holds_none_of_desks_descriptors() {
        let (read, write) = std::io::pipe().expect("a pipe");
        let w = Watchdog::start().expect("a watchdog starts");
        drop(write);
        // The end of file comes at once: the watchdog closed its copy of the writer.
        let mut fds = [rustix::event::PollFd::new(
            &read,
            rustix::event::PollFlags::IN,
        )];
        let timeout = rustix::event::Timespec {
            tv_sec: 5,
            tv_nsec: 0,
        };
        assert_eq!(rustix::event::poll(&mut fds, Some(&timeout)), Ok(1));
        assert!(fds[0].revents().contains(rustix::event::PollFlags::HUP));
        w.finish();
    }
}
