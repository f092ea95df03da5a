//! Output folders and files: one rule for every command that writes one, atomic writes, and
//! removal of temporary files on failure, on Ctrl-C and after a crash.
//!
//! ## The rule
//! Every output folder aidc creates carries a marker file, [`MARKER`] (`.aidc-output`), that
//! names its [`Kind`] (`run`, `sweep`, `forecast`, `demo`, `serve`), the aidc version and the entries aidc
//! wrote into it. `--out DIR` is accepted when DIR
//! - does not exist (it is created, with its parents), or
//! - is an empty folder, or
//! - is a folder whose marker names the same kind. To be *replaced* (run, forecast, demo,
//!   sweep merge) it must also hold nothing but what aidc wrote there: the entries its marker
//!   lists, `report.html`, `plots/` with PNG and SVG files, aidc's own temporary files and the
//!   files a desktop leaves (`.DS_Store`, `Thumbs.db`, `desktop.ini`); a listed subfolder (the
//!   runs of a demo) must pass the same test. A sweep adds to the folder (it resumes) and
//!   deletes nothing else.
//!
//! Anything else — a file or a symbolic link at DIR, a folder without a marker, a marker of
//! another kind, an aidc folder holding files aidc did not write — is refused before any work
//! with exit code 2, naming DIR and the flag `--force`. With `--force` DIR is replaced whatever
//! it holds (a link is replaced, not what it points to), once the new output is complete (a
//! sweep, which writes in place, empties it first).
//!
//! Some targets are refused even with `--force` (compared after following symbolic links): the
//! filesystem root, the home folder or any folder above it, the current folder or any folder
//! above it, and any folder that holds an input of the command (the scenario file, a plan, a
//! demand file, the shards of a merge). A profile FILE (`aidc calibrate --out`) follows the
//! same rule for files: an existing file is replaced only when it is an aidc profile.
//!
//! ## How it works
//! [`Target`] names a path, a kind, `--force` and the command's inputs; [`Target::check`]
//! applies the rule. [`Target::stage`] gives a [`Staging`]: a hidden sibling folder
//! `.NAME.tmp-PID` that becomes DIR on [`Staging::commit`] (the marker is written then, listing
//! what is there), so a failed or interrupted command leaves nothing half-written and the old
//! folder untouched. [`Target::open_in_place`] is the sweep's way: create or reuse the folder.
//! Single files go through [`write_atomic`] (`.NAME.tmp-PID` renamed into place). Every
//! temporary path is registered in [`temp`] while it exists: the handler installed by
//! [`install_signal_cleanup`] removes them on SIGINT, SIGTERM or SIGHUP and exits with
//! 128 + the signal (130, 143, 129); temporary paths of processes that no longer run are
//! removed by the next command that writes beside them.

mod marker;
mod staging;
pub mod temp;

use std::fmt;
use std::path::{Path, PathBuf};

pub use marker::{MARKER, Marker, marker_of};
pub use staging::{Staging, check_file, write_atomic};
pub use temp::{install_signal_cleanup, settle};

/// What kind of output a folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `aidc run`.
    Run,
    /// `aidc sweep` and `aidc sweep merge`.
    Sweep,
    /// `aidc forecast`.
    Forecast,
    /// `aidc demo`.
    Demo,
    /// `aidc serve`: the server's folder of runs (each a `run` folder).
    Serve,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Forecast => "forecast",
            Kind::Demo => "demo",
            Kind::Serve => "serve",
        })
    }
}

/// An output that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The rule refuses the target (bad input, exit code 2).
    #[error("--out {}: {why}", path.display())]
    Refused {
        /// The target as given.
        path: PathBuf,
        /// Why, and what to do.
        why: Why,
    },
    /// Writing failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl OutputError {
    /// Whether the rule refused the target (the user's input: exit code 2).
    pub fn is_refused(&self) -> bool {
        matches!(self, OutputError::Refused { .. })
    }

    /// An I/O error at `path`.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
        move |source| OutputError::Io { path: path.to_path_buf(), source }
    }
}

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Never written over, even with `--force`: the root, home, the current folder, an input's folder.
    Protected(String),
    /// A file is at the path.
    File,
    /// A symbolic link is at the path.
    Link,
    /// A folder is at the path where a file is written.
    Folder,
    /// A non-empty folder without a marker.
    Foreign,
    /// An aidc folder of another kind: (found, wanted).
    OtherKind(Kind, Kind),
    /// An aidc folder of the same kind that holds entries aidc did not write (a few named).
    Extra(Vec<String>),
    /// A file that is not an aidc output of the expected kind.
    ForeignFile(&'static str),
}

const OVERRIDE: &str = "choose another --out, or pass --force to replace it";

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Protected(what) => write!(f, "refusing to write over {what}, even with --force; choose another --out"),
            Why::File => write!(f, "a file is in the way (aidc writes a folder there); {OVERRIDE}"),
            Why::Link => write!(f, "a symbolic link is in the way; {OVERRIDE} (the link, not what it points to)"),
            Why::Folder => write!(f, "a folder is in the way (aidc writes a file there); choose another --out"),
            Why::Foreign => {
                write!(f, "the folder is not empty and is not an aidc output folder (it has no {MARKER}); {OVERRIDE} and everything in it")
            }
            Why::OtherKind(found, want) => write!(f, "the folder holds an aidc {found} output, not a {want} output; {OVERRIDE}"),
            Why::Extra(names) => {
                write!(f, "the folder holds entries aidc did not write ({}); move them away, or {OVERRIDE}", names.join(", "))
            }
            Why::ForeignFile(what) => write!(f, "the file is not {what}; {OVERRIDE}"),
        }
    }
}

/// Where a command writes its output, and what it may do there.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path as given.
    pub path: PathBuf,
    /// The kind of output.
    pub kind: Kind,
    /// `--force`: replace whatever is there, protected targets aside.
    pub force: bool,
    /// Files and folders the command reads: a target holding one is refused.
    pub inputs: Vec<PathBuf>,
}

/// What is at a target that the rule accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Nothing.
    Nothing,
    /// An empty folder.
    Empty,
    /// An aidc folder of the same kind.
    Ours,
    /// Something else, accepted because of `--force`.
    Forced,
}

impl Target {
    /// A target of `kind` at `path`, without `--force` and inputs.
    pub fn new(path: impl Into<PathBuf>, kind: Kind) -> Target {
        Target { path: path.into(), kind, force: false, inputs: Vec::new() }
    }

    /// Sets `--force`.
    pub fn force(mut self, yes: bool) -> Target {
        self.force = yes;
        self
    }

    /// Adds an input the target must not hold.
    pub fn input(mut self, path: impl Into<PathBuf>) -> Target {
        self.inputs.push(path.into());
        self
    }

    fn refused(&self, why: Why) -> OutputError {
        OutputError::Refused { path: self.path.clone(), why }
    }

    /// Applies the rule for a command that replaces the folder (`replace`) or adds to it.
    pub fn check(&self, replace: bool) -> Result<Found, OutputError> {
        if let Some(what) = protected(&self.path, &self.inputs) {
            return Err(self.refused(Why::Protected(what)));
        }
        let why = match marker::inspect(&self.path, self.kind, replace) {
            Ok(found) => return Ok(found),
            Err(marker::Inspect::Io(e)) => return Err(OutputError::Io { path: self.path.clone(), source: e }),
            Err(marker::Inspect::Refused(why)) => why,
        };
        if self.force { Ok(Found::Forced) } else { Err(self.refused(why)) }
    }

    /// A staging folder that replaces the target on commit; refused here, before any work.
    pub fn stage(&self) -> Result<Staging, OutputError> {
        self.check(true)?;
        Staging::new(self)
    }

    /// Creates the folder, or reuses an aidc folder of the same kind (a sweep resuming), and
    /// marks it as holding `files`. With `--force`, what else is there is removed first.
    pub fn open_in_place(&self, files: &[&str]) -> Result<&Path, OutputError> {
        if self.check(false)? == Found::Forced {
            staging::remove_entry(&self.path).map_err(OutputError::io(&self.path))?;
        }
        std::fs::create_dir_all(&self.path).map_err(OutputError::io(&self.path))?;
        if marker_of(&self.path).is_none() {
            let m = Marker::new(self.kind, files.iter().map(|f| f.to_string()).collect());
            m.write(&self.path)?;
        }
        Ok(&self.path)
    }
}

/// Names what a target would destroy if it is never to be written over: the filesystem root,
/// the home folder or one above it, the current folder or one above it, a folder holding an
/// input. Paths are compared after following symbolic links.
pub fn protected(path: &Path, inputs: &[PathBuf]) -> Option<String> {
    let t = resolved(path)?;
    if t.parent().is_none() {
        return Some("the filesystem root".into());
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()).and_then(|h| std::fs::canonicalize(h).ok())
        && home.starts_with(&t)
    {
        return Some(if home == t {
            "the home folder".into()
        } else {
            format!("a folder that holds the home folder ({})", home.display())
        });
    }
    if let Some(cwd) = std::env::current_dir().ok().and_then(|c| std::fs::canonicalize(c).ok())
        && cwd.starts_with(&t)
    {
        return Some(if cwd == t { "the current folder".into() } else { "a folder that holds the current folder".into() });
    }
    for input in inputs {
        if let Some(i) = resolved(input)
            && i.starts_with(&t)
        {
            return Some(format!("a folder that holds an input of this command ({})", input.display()));
        }
    }
    None
}

/// The absolute path with symbolic links followed: the canonical form of the longest existing
/// ancestor, joined with the rest (`..` and `.` resolved by name where nothing exists yet).
fn resolved(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let abs = std::path::absolute(path).ok()?;
    let parts: Vec<Component> = abs.components().collect();
    for split in (1..=parts.len()).rev() {
        let Ok(mut out) = std::fs::canonicalize(parts[..split].iter().collect::<PathBuf>()) else { continue };
        for part in &parts[split..] {
            match part {
                Component::ParentDir => {
                    out.pop();
                }
                Component::Normal(p) => out.push(p),
                _ => {}
            }
        }
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_the_current_folder_and_an_inputs_folder_are_protected() {
        assert!(protected(Path::new("/"), &[]).is_some_and(|w| w.contains("root")));
        assert!(protected(Path::new("."), &[]).is_some_and(|w| w.contains("current folder")));
        assert!(protected(Path::new(".."), &[]).is_some_and(|w| w.contains("holds the current folder")));
        let tmp = tempfile::tempdir().unwrap();
        let scenario = tmp.path().join("a/s.toml");
        std::fs::create_dir_all(scenario.parent().unwrap()).unwrap();
        std::fs::write(&scenario, "").unwrap();
        assert!(protected(&tmp.path().join("a"), std::slice::from_ref(&scenario)).is_some_and(|w| w.contains("s.toml")));
        assert!(protected(&tmp.path().join("a/./../a"), std::slice::from_ref(&scenario)).is_some(), "by name too");
        assert_eq!(protected(&tmp.path().join("b"), &[scenario]), None);
    }
}
