//! Atomic writes: an output folder staged in a hidden sibling and renamed into place, a file
//! written beside itself and renamed. A failed or interrupted command leaves neither half files
//! nor a changed earlier output.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::marker::Marker;
use super::temp::{self, TempPath};
use super::{OutputError, Target, Why};

/// The folder that holds `path`, and `path`'s name; a path without a name (`/`, `x/..`) is refused.
fn split(path: &Path) -> Result<(PathBuf, String), OutputError> {
    let Some(name) = path.file_name() else {
        return Err(OutputError::Refused {
            path: path.to_path_buf(),
            why: Why::Protected("a path that names no folder of its own (name the folder, without `..`)".into()),
        });
    };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
}

/// A temporary folder that becomes the target on [`Staging::commit`] and is removed if dropped.
#[derive(Debug)]
pub struct Staging {
    tmp: TempPath,
    target: Target,
}

impl Staging {
    /// Creates `.NAME.tmp-PID` beside the target (creating the target's parents); removes the
    /// temporary folders of the same target that dead processes left. The caller has checked the rule.
    pub(super) fn new(target: &Target) -> Result<Staging, OutputError> {
        let (parent, name) = split(&target.path)?;
        fs::create_dir_all(&parent).map_err(OutputError::io(&parent))?;
        temp::remove_stale(&parent, &name);
        let tmp = TempPath::hold(parent.join(temp::tmp_name(&name)));
        temp::remove_any(tmp.path()).map_err(OutputError::io(tmp.path()))?;
        fs::create_dir(tmp.path()).map_err(OutputError::io(tmp.path()))?;
        Ok(Staging { tmp, target: target.clone() })
    }

    /// Where to write.
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// A path inside the temporary folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Marks the folder with what it holds and moves it into place, replacing what the rule
    /// allows there (checked again: the target may have changed while the command ran).
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        Marker::listing(self.target.kind, self.dir()).map_err(OutputError::io(self.dir()))?.write(self.dir())?;
        self.target.check(true)?;
        let target = self.target.path.clone();
        let mut held = temp::lock();
        let swapped = swap(self.tmp.path(), &target);
        if swapped.is_ok() {
            self.tmp.release(&mut held);
        }
        drop(held);
        swapped.map_err(OutputError::io(&target))?;
        Ok(target)
    }
}

/// Renames `tmp` to `target`, moving a folder there aside first and removing it after; a file
/// or link there (allowed by `--force`) is removed. On failure the old folder is put back.
fn swap(tmp: &Path, target: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return fs::rename(tmp, target),
        Err(e) => return Err(e),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        fs::remove_file(target)?;
        return fs::rename(tmp, target);
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let old = target.with_file_name(temp::old_name(&name));
    temp::remove_any(&old)?;
    fs::rename(target, &old)?;
    if let Err(e) = fs::rename(tmp, target) {
        let _ = fs::rename(&old, target);
        return Err(e);
    }
    // The new output is in place; an old folder that cannot be removed is removed as stale later.
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// Removes what is at `path` (a file, a link, or a folder with what it holds).
pub(super) fn remove_entry(path: &Path) -> io::Result<()> {
    temp::remove_any(path)
}

/// Writes `bytes` to `path` atomically: into `.NAME.tmp-PID` beside it, flushed, then renamed.
/// A failure or a signal leaves `path` as it was and no temporary file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let (parent, name) = split(path)?;
    temp::remove_stale(&parent, &name);
    let tmp = TempPath::hold(parent.join(temp::tmp_name(&name)));
    let written = fs::File::create(tmp.path()).and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()));
    written.map_err(OutputError::io(path))?;
    tmp.rename_to(path).map_err(OutputError::io(path))
}

/// Applies the rule to an output FILE: `path` may be absent, or a file that `ours` recognises
/// as `what`; with `force` any file or link (never a folder).
pub fn check_file(path: &Path, what: &'static str, force: bool, ours: impl FnOnce(&Path) -> bool) -> Result<(), OutputError> {
    let refused = |why| Err(OutputError::Refused { path: path.to_path_buf(), why });
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(OutputError::Io { path: path.to_path_buf(), source: e }),
        Ok(m) if m.is_dir() => refused(Why::Folder),
        Ok(_) if force => Ok(()),
        Ok(m) if m.file_type().is_symlink() => refused(Why::Link),
        Ok(_) if ours(path) => Ok(()),
        Ok(_) => refused(Why::ForeignFile(what)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, marker_of};
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn dropped_staging_leaves_nothing_and_commit_replaces_an_aidc_folder() {
        let root = tempfile::tempdir().unwrap();
        let target = Target::new(root.path().join("out"), Kind::Run);
        {
            let s = target.stage().unwrap();
            fs::write(s.file("a.txt"), "x").unwrap();
        }
        assert!(names(root.path()).is_empty());
        let s = target.stage().unwrap();
        fs::write(s.file("a.txt"), "1").unwrap();
        s.commit().unwrap();
        assert_eq!(marker_of(&target.path).unwrap().files, ["a.txt"]);
        let s = target.stage().unwrap();
        fs::write(s.file("b.txt"), "2").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&target.path), [".aidc-output", "b.txt"]);
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn a_foreign_folder_or_file_is_refused_and_kept_unless_forced() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("out");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("thesis.tex"), "mine").unwrap();
        let target = Target::new(&path, Kind::Forecast);
        let e = target.stage().unwrap_err();
        assert!(e.is_refused() && e.to_string().contains("--force"), "{e}");
        assert_eq!(names(&path), ["thesis.tex"]);
        let s = target.clone().force(true).stage().unwrap();
        fs::write(s.file("forecast.csv"), "").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&path), [".aidc-output", "forecast.csv"]);
        let file = root.path().join("f");
        fs::write(&file, "mine").unwrap();
        assert!(Target::new(&file, Kind::Run).stage().unwrap_err().is_refused());
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
        assert_eq!(names(root.path()), ["f", "out"], "no .old or temporary entry is left");
    }

    #[test]
    fn write_atomic_replaces_a_file_and_leaves_no_temporary_file() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("report.html");
        write_atomic(&p, b"1").unwrap();
        write_atomic(&p, b"2").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "2");
        assert!(write_atomic(&root.path().join("no/such/folder/x"), b"3").is_err());
        assert_eq!(names(root.path()), ["report.html"]);
    }

    #[test]
    fn an_output_file_replaces_only_its_own_kind_unless_forced() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("p.json");
        assert!(check_file(&p, "a profile", false, |_| false).is_ok(), "nothing there");
        fs::write(&p, "x").unwrap();
        assert!(check_file(&p, "a profile", false, |_| true).is_ok());
        assert!(check_file(&p, "a profile", false, |_| false).unwrap_err().is_refused());
        assert!(check_file(&p, "a profile", true, |_| false).is_ok());
        assert!(check_file(root.path(), "a profile", true, |_| true).unwrap_err().is_refused(), "never a folder");
    }
}
