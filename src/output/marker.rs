//! The marker of an output folder (`.aidc-output`), and the test of what a folder holds.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Found, Kind, OutputError, Why, temp};

/// The marker file's name.
pub const MARKER: &str = ".aidc-output";

/// Files a desktop leaves in folders it shows; never the user's work.
const LITTER: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// Entries named in a refusal; the rest are counted.
const NAMED: usize = 5;

/// Markers are a few hundred bytes; a larger file is not one.
const MAX_MARKER_BYTES: u64 = 1 << 20;

const HEADER: &str = "\
# Written by aidc: this folder is an aidc output. aidc replaces it (a sweep adds to it) only while
# this file names the command's kind and the folder holds nothing but what aidc wrote: the files
# listed here, report.html and plots/. Delete this file to keep aidc from ever replacing the folder.
";

/// What `.aidc-output` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// The command that wrote the folder.
    pub kind: Kind,
    /// The aidc version that wrote it.
    pub version: String,
    /// The entries aidc wrote (file and folder names), sorted.
    pub files: Vec<String>,
}

impl Marker {
    /// A marker of this version.
    pub fn new(kind: Kind, mut files: Vec<String>) -> Marker {
        files.sort();
        Marker { kind, version: crate::VERSION.to_string(), files }
    }

    /// A marker listing what `dir` holds now (temporary files aside).
    pub fn listing(kind: Kind, dir: &Path) -> io::Result<Marker> {
        let mut files = Vec::new();
        for e in fs::read_dir(dir)? {
            let name = e?.file_name().to_string_lossy().into_owned();
            if name != MARKER && !temp::is_temp_name(&name) {
                files.push(name);
            }
        }
        Ok(Marker::new(kind, files))
    }

    /// Writes `dir/.aidc-output` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), OutputError> {
        let path = dir.join(MARKER);
        let body = toml::to_string(self).map_err(|e| OutputError::Io { path: path.clone(), source: io::Error::other(e) })?;
        super::write_atomic(&path, format!("{HEADER}{body}").as_bytes())
    }
}

/// The marker of a folder, if it has a readable one.
pub fn marker_of(dir: &Path) -> Option<Marker> {
    let path = dir.join(MARKER);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX_MARKER_BYTES {
        return None;
    }
    toml::from_str(&fs::read_to_string(&path).ok()?).ok()
}

/// Why [`inspect`] did not accept a path.
pub(super) enum Inspect {
    /// The path could not be read.
    Io(io::Error),
    /// The rule refuses it.
    Refused(Why),
}

/// Applies the rule to what is at `path` (protected targets aside).
pub(super) fn inspect(path: &Path, kind: Kind, replace: bool) -> Result<Found, Inspect> {
    let meta = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(Inspect::Io(e)),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return Err(Inspect::Refused(Why::Link));
    }
    if !meta.is_dir() {
        return Err(Inspect::Refused(Why::File));
    }
    if fs::read_dir(path).map_err(Inspect::Io)?.next().is_none() {
        return Ok(Found::Empty);
    }
    let Some(m) = marker_of(path) else { return Err(Inspect::Refused(Why::Foreign)) };
    if m.kind != kind {
        return Err(Inspect::Refused(Why::OtherKind(m.kind, kind)));
    }
    if replace {
        let mut extra = foreign_entries(path, &m).map_err(Inspect::Io)?;
        if !extra.is_empty() {
            if extra.len() > NAMED {
                let more = extra.len() - NAMED;
                extra.truncate(NAMED);
                extra.push(format!("and {more} more"));
            }
            return Err(Inspect::Refused(Why::Extra(extra)));
        }
    }
    Ok(Found::Ours)
}

/// The entries of an aidc folder that aidc did not write, sorted (`sub/name` inside folders).
fn foreign_entries(dir: &Path, m: &Marker) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type()?;
        let ours = if name == MARKER || temp::is_temp_name(&name) || LITTER.contains(&name.as_str()) {
            true
        } else if ft.is_symlink() {
            false
        } else if name == "report.html" || name == "report.zh.html" {
            ft.is_file()
        } else if ft.is_dir() && name == "plots" {
            out.extend(plots_foreign(&e.path())?.into_iter().map(|f| format!("plots/{f}")));
            true
        } else if ft.is_dir() && m.files.contains(&name) {
            match marker_of(&e.path()) {
                Some(sub) => {
                    out.extend(foreign_entries(&e.path(), &sub)?.into_iter().map(|f| format!("{name}/{f}")));
                    true
                }
                None => false,
            }
        } else {
            ft.is_file() && m.files.contains(&name)
        };
        if !ours {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// The entries of plots/ that are not PNG or SVG files (or aidc's temporary files).
fn plots_foreign(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let plot = e.file_type()?.is_file() && (name.ends_with(".png") || name.ends_with(".svg"));
        if !plot && !temp::is_temp_name(&name) && !LITTER.contains(&name.as_str()) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: Result<Found, Inspect>) -> Option<Why> {
        match r {
            Err(Inspect::Refused(w)) => Some(w),
            _ => None,
        }
    }

    #[test]
    fn a_marked_folder_is_ours_only_while_it_holds_what_aidc_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        assert!(matches!(inspect(&d, Kind::Run, true), Ok(Found::Nothing)));
        fs::create_dir(&d).unwrap();
        assert!(matches!(inspect(&d, Kind::Run, true), Ok(Found::Empty)));
        fs::write(d.join("summary.json"), "{}").unwrap();
        assert_eq!(refused(inspect(&d, Kind::Run, true)), Some(Why::Foreign));
        Marker::listing(Kind::Run, &d).unwrap().write(&d).unwrap();
        assert_eq!(marker_of(&d).unwrap().files, ["summary.json"]);
        assert!(matches!(inspect(&d, Kind::Run, true), Ok(Found::Ours)));
        assert_eq!(refused(inspect(&d, Kind::Sweep, false)), Some(Why::OtherKind(Kind::Run, Kind::Sweep)));
        fs::create_dir(d.join("plots")).unwrap();
        fs::write(d.join("plots/a.png"), "").unwrap();
        fs::write(d.join("report.html"), "").unwrap();
        fs::write(d.join(".report.html.tmp-1"), "").unwrap();
        assert!(matches!(inspect(&d, Kind::Run, true), Ok(Found::Ours)));
        fs::write(d.join("plots/notes.txt"), "").unwrap();
        fs::write(d.join("notes.txt"), "").unwrap();
        assert_eq!(refused(inspect(&d, Kind::Run, true)), Some(Why::Extra(vec!["notes.txt".into(), "plots/notes.txt".into()])));
        assert!(matches!(inspect(&d, Kind::Run, false), Ok(Found::Ours)), "adding to the folder deletes nothing");
    }

    #[test]
    fn a_listed_subfolder_must_be_an_aidc_folder_too() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("demo");
        fs::create_dir_all(d.join("a")).unwrap();
        fs::write(d.join("a/summary.json"), "{}").unwrap();
        Marker::listing(Kind::Demo, &d).unwrap().write(&d).unwrap();
        assert_eq!(refused(inspect(&d, Kind::Demo, true)), Some(Why::Extra(vec!["a".into()])), "a listed folder without its marker");
        Marker::listing(Kind::Run, &d.join("a")).unwrap().write(&d.join("a")).unwrap();
        assert!(matches!(inspect(&d, Kind::Demo, true), Ok(Found::Ours)));
        fs::write(d.join("a/mine.ipynb"), "").unwrap();
        assert_eq!(refused(inspect(&d, Kind::Demo, true)), Some(Why::Extra(vec!["a/mine.ipynb".into()])));
    }
}
