//! Printing for people: stdout that a closed pipe cannot turn into a panic.
//!
//! `println!` panics when stdout is gone (`aidc run ... | head -1`). The commands print through
//! `outln!` and `out!` (macros of [`crate::cli`]) instead: on a closed pipe (EPIPE) they stop
//! printing and the command finishes its work and exits with the code it would have had, since
//! the reader chose to stop reading. Any other stdout failure (a full disk under `> file`) is
//! remembered and turns a successful exit into exit code 1 with a message ([`finish`]).
//! `errln!` prints to stderr and ignores failures.

use std::fmt;
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout failed: nothing more is printed.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// The first stdout failure other than a closed pipe.
static FAILED: Mutex<Option<String>> = Mutex::new(None);

/// Writes formatted text to stdout (and a newline when `newline`), never panicking.
pub fn print(args: fmt::Arguments<'_>, newline: bool) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    let written = out.write_fmt(args).and_then(|_| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = written {
        failed(e);
    }
}

/// Writes formatted text and a newline to stderr; a failure is ignored (there is nowhere left to say it).
pub fn eprint(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|_| err.write_all(b"\n"));
}

fn failed(e: io::Error) {
    CLOSED.store(true, Ordering::Relaxed);
    if e.kind() != io::ErrorKind::BrokenPipe {
        let mut f = FAILED.lock().unwrap_or_else(|p| p.into_inner());
        f.get_or_insert_with(|| e.to_string());
    }
}

/// Flushes stdout; returns the first failure other than a closed pipe, if any.
pub fn finish() -> Option<String> {
    if !CLOSED.load(Ordering::Relaxed)
        && let Err(e) = io::stdout().lock().flush()
    {
        failed(e);
    }
    FAILED.lock().unwrap_or_else(|p| p.into_inner()).clone()
}
