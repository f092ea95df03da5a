//! Temporary paths: their names, the list of those this process holds, their removal on a
//! signal, and the removal of those that processes no longer running left behind.
//!
//! A temporary path is `.NAME.tmp-PID` (a file or folder becoming NAME) or `.NAME.old-PID` (an
//! output folder being replaced). While one exists it is held in a list behind one lock; the
//! signal handler takes that lock, removes what the list holds and exits, so a signal that
//! arrives while a folder is being renamed into place waits until the rename is done.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The temporary paths this process holds, in the order they were made.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The list of held paths, locked: a signal is handled only once this is released.
pub(super) fn lock() -> MutexGuard<'static, Vec<PathBuf>> {
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

/// The temporary name of `name` for this process: `.NAME.tmp-PID`.
pub fn tmp_name(name: &str) -> String {
    format!(".{name}.tmp-{}", std::process::id())
}

/// The name an output folder has while it is being replaced: `.NAME.old-PID`.
pub fn old_name(name: &str) -> String {
    format!(".{name}.old-{}", std::process::id())
}

/// Whether a file name is one of aidc's temporary names.
pub fn is_temp_name(name: &str) -> bool {
    owner(name).is_some()
}

/// The process id in a temporary name.
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, pid) = rest.rsplit_once(".tmp-").or_else(|| rest.rsplit_once(".old-"))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process may still be running. Without /proc (not Linux) nothing is known, so
/// every process is taken as running and nothing is removed.
fn running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    pid == std::process::id() || !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes a file, a link or a folder with what it holds (links are removed, never followed).
pub(super) fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes the temporary paths of NAME in `parent` (`.NAME.tmp-PID`, `.NAME.old-PID`, and
/// `NAME.tmp-PID` of earlier versions) whose process no longer runs: a process killed without
/// a chance to clean up (SIGKILL, a power cut) leaves them.
pub fn remove_stale(parent: &Path, name: &str) {
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-"), format!("{name}.tmp-")];
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let pid = prefixes.iter().find_map(|p| file_name.strip_prefix(p.as_str())).filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok())
            && !running(pid)
        {
            let _ = remove_any(&e.path());
        }
    }
}

/// A temporary file or folder held until it is renamed into place; removed when dropped.
#[derive(Debug)]
pub struct TempPath {
    path: PathBuf,
    held: bool,
}

impl TempPath {
    /// Holds `path` (before it is created, so that a signal never misses it).
    pub fn hold(path: PathBuf) -> TempPath {
        lock().push(path.clone());
        TempPath { path, held: true }
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the path to `to`; a signal waits until the rename is done.
    pub fn rename_to(mut self, to: &Path) -> io::Result<()> {
        let mut held = lock();
        fs::rename(&self.path, to)?;
        self.release(&mut held);
        Ok(())
    }

    /// Stops holding the path (it was renamed) while the list is locked.
    pub(super) fn release(&mut self, held: &mut Vec<PathBuf>) {
        if let Some(i) = held.iter().rposition(|p| *p == self.path) {
            held.remove(i);
        }
        self.held = false;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.held {
            let mut held = lock();
            let _ = remove_any(&self.path);
            self.release(&mut held);
        }
    }
}

/// Installs the handler of SIGINT, SIGTERM and SIGHUP: it removes every temporary path this
/// process holds and exits with 128 + the signal (130, 143, 129). Call once, from `main`.
pub fn install_signal_cleanup() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        let handler = move || {
            if let Some(sig) = signals.forever().next() {
                let mut held = lock();
                for p in held.drain(..).rev() {
                    let _ = remove_any(&p);
                }
                let name = match sig {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                use std::io::Write;
                let _ = writeln!(io::stderr(), "\naidc: stopped by {name}; its temporary files are removed");
                // The lock stays held: nothing else touches the list before the process ends.
                std::process::exit(128 + sig);
            }
        };
        let _ = std::thread::Builder::new().name("aidc-signals".into()).spawn(handler);
    }
}

/// Waits while a signal is being handled; `main` calls it before returning, so that a command
/// whose files a signal just removed does not report that as its own failure.
pub fn settle() {
    drop(lock());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_the_process_id() {
        assert!(is_temp_name(&tmp_name("out")) && is_temp_name(&old_name("out")));
        assert_eq!(owner(".report.html.tmp-42"), Some(42));
        for not in ["out", ".out.tmp-", ".out.tmp-4x", "out.tmp-42", ".out.old"] {
            assert!(!is_temp_name(not), "{not}");
        }
    }

    #[test]
    fn stale_paths_of_dead_processes_go_and_others_stay() {
        if !Path::new("/proc").is_dir() {
            return; // without /proc nothing is ever taken as stale
        }
        let tmp = tempfile::tempdir().unwrap();
        let dead = u32::MAX - 1; // above any pid_max
        let mine = tmp_name("out");
        for n in [format!(".out.tmp-{dead}"), format!(".out.old-{dead}"), format!("out.tmp-{dead}"), mine.clone()] {
            fs::create_dir(tmp.path().join(n)).unwrap();
        }
        fs::write(tmp.path().join(format!(".other.tmp-{dead}")), "").unwrap();
        remove_stale(tmp.path(), "out");
        let mut left: Vec<String> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(left, [format!(".other.tmp-{dead}"), mine]);
    }

    #[test]
    fn a_dropped_temporary_path_is_removed_and_a_renamed_one_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let a = TempPath::hold(tmp.path().join(tmp_name("a")));
        fs::create_dir(a.path()).unwrap();
        fs::write(a.path().join("x"), "1").unwrap();
        let b = TempPath::hold(tmp.path().join(tmp_name("b")));
        fs::write(b.path(), "2").unwrap();
        drop(a);
        b.rename_to(&tmp.path().join("b")).unwrap();
        let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["b"]);
        assert!(!lock().iter().any(|p| p.starts_with(tmp.path())), "nothing of this test is held any more");
    }
}
