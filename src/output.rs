//! Output folders written atomically: files go into a hidden temporary sibling folder, which is
//! renamed into place only when everything succeeded. A failed run leaves no half files and
//! does not touch an earlier run's folder.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A temporary folder that becomes `target` on [`Staging::commit`] and is removed if dropped.
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    target: PathBuf,
    done: bool,
}

impl Staging {
    /// Creates the temporary folder beside `target` (creating `target`'s parents).
    pub fn new(target: &Path) -> io::Result<Staging> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        remove_stale(parent, &name);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir(&tmp)?;
        Ok(Staging { tmp, target: target.to_path_buf(), done: false })
    }

    /// Where to write.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// A path inside the temporary folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Moves the folder into place, replacing an earlier output folder.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        if self.target.exists() {
            let old = self.tmp.with_extension("old");
            if old.exists() {
                fs::remove_dir_all(&old)?;
            }
            fs::rename(&self.target, &old)?;
            fs::rename(&self.tmp, &self.target)?;
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&self.tmp, &self.target)?;
        }
        self.done = true;
        Ok(self.target.clone())
    }
}

/// Removes temporary folders of earlier runs into the same target whose process is gone
/// (a run killed by a signal cannot clean up after itself).
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&prefix).and_then(|p| p.split('.').next()).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if pid != std::process::id() && !alive {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_staging_leaves_nothing_and_commit_replaces() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        {
            let s = Staging::new(&target).unwrap();
            fs::write(s.file("a.txt"), "x").unwrap();
        }
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
        let s = Staging::new(&target).unwrap();
        fs::write(s.file("a.txt"), "1").unwrap();
        s.commit().unwrap();
        let s = Staging::new(&target).unwrap();
        fs::write(s.file("b.txt"), "2").unwrap();
        s.commit().unwrap();
        assert!(!target.join("a.txt").exists());
        assert_eq!(fs::read_to_string(target.join("b.txt")).unwrap(), "2");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
