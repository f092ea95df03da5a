//! Files that a scenario names (traces, node lists, duration samples, weather, climates, grid
//! series, calibration profiles), and the scenario and plan files themselves: where a name
//! leads, and reading with bounds, so that no file can make aidc exhaust the machine.
//!
//! ## Where a name leads
//! A plain name is relative to the scenario's folder (or absolute). `data:REST` names
//! `$AIDC_DATA/REST` when that variable is set, else `../shared/data/REST` seen from the
//! scenario's folder or the nearest of its ancestors that has it. REST stays inside the data
//! folder: a name with `..` or a root is refused, and so is a symbolic link that leads outside.
//! [`locate`] also checks that the file exists and is not a folder, so that a missing file is
//! reported at the scenario field that names it.
//!
//! Reading is bounded: [`crate::input`] (every CSV through [`csv_reader`]).

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use super::error::{ScenarioError, csv_error};
pub use crate::input::{Bounded, Limit, MAX_INPUT_BYTES, MAX_LINE_BYTES, MAX_TEXT_BYTES, read_text};

/// Where to get the shared data, for error messages.
const DATA_HINT: &str = "the public traces come from https://github.com/alibaba/clusterdata (cluster-trace-gpu-v2023, \
     cluster-trace-gpu-v2020); put them in ../shared/data (see its README.md) or set AIDC_DATA to the folder that holds them";

/// Why a file name of a scenario leads to no readable file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Nothing readable at the path (the I/O error's text).
    #[error("cannot read {}: {why}", .path.display())]
    Unreadable {
        /// Where the name leads.
        path: PathBuf,
        /// What the system said.
        why: String,
    },
    /// The name leads to a folder.
    #[error("{} is a folder; expected a file", .path.display())]
    Folder {
        /// Where the name leads.
        path: PathBuf,
    },
    /// `data:REST` with `..`, a root or nothing after the colon.
    #[error("expected data:PATH with PATH inside the data folder (no \"..\", no leading \"/\"), found {:?}", format!("data:{rest}"))]
    DataName {
        /// The name after `data:`.
        rest: String,
    },
    /// `data:REST` is a symbolic link that leads outside the data folder.
    #[error("data:{rest} leads outside the data folder {} (to {})", .root.display(), .real.display())]
    OutsideData {
        /// The name after `data:`.
        rest: String,
        /// The data folder.
        root: PathBuf,
        /// Where the link leads.
        real: PathBuf,
    },
    /// `AIDC_DATA` is set and the file is not under it.
    #[error("{} not found (AIDC_DATA = {}); {hint}", .path.display(), .root.display(), hint = DATA_HINT)]
    NotUnderAidcData {
        /// Where it was looked for.
        path: PathBuf,
        /// The value of `AIDC_DATA`.
        root: PathBuf,
    },
    /// No shared data folder near the scenario holds it.
    #[error("{rest} is not in the shared data folder (looked in {}); {hint}", .tried.join(", "), hint = DATA_HINT)]
    NotInSharedData {
        /// The name after `data:`.
        rest: String,
        /// The folders looked in.
        tried: Vec<String>,
    },
}

/// Resolves a file name of a scenario (see the module doc) and checks that it names something
/// readable that is not a folder. Returns an absolute path, or why it names no file.
pub fn locate(name: &str, dir: &Path) -> Result<PathBuf, FileError> {
    let path = match name.strip_prefix("data:") {
        Some(rest) => data_file(rest, dir)?,
        None => {
            let p = Path::new(name);
            let joined = if p.is_absolute() { p.to_path_buf() } else { dir.join(p) };
            std::path::absolute(&joined).unwrap_or(joined)
        }
    };
    match std::fs::metadata(&path) {
        Err(e) => Err(FileError::Unreadable { path, why: e.to_string() }),
        Ok(m) if m.is_dir() => Err(FileError::Folder { path }),
        Ok(_) => Ok(path),
    }
}

/// `data:REST`: a file inside the data folder.
fn data_file(rest: &str, dir: &Path) -> Result<PathBuf, FileError> {
    let rel = Path::new(rest);
    if rest.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(FileError::DataName { rest: rest.to_string() });
    }
    let found = |root: &Path| -> Option<Result<PathBuf, FileError>> {
        let p = root.join(rel);
        if !p.is_file() {
            return None;
        }
        let (Ok(real), Ok(real_root)) = (p.canonicalize(), root.canonicalize()) else { return Some(Ok(p)) };
        Some(if real.starts_with(&real_root) {
            Ok(real)
        } else {
            Err(FileError::OutsideData { rest: rest.to_string(), root: real_root, real })
        })
    };
    if let Some(root) = std::env::var_os("AIDC_DATA").filter(|v| !v.is_empty()) {
        let root = PathBuf::from(root);
        return found(&root).unwrap_or_else(|| Err(FileError::NotUnderAidcData { path: root.join(rel), root }));
    }
    let start = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut tried = Vec::new();
    for anc in start.ancestors().take(4) {
        let root = anc.join("../shared/data");
        if let Some(r) = found(&root) {
            return r;
        }
        tried.push(root.display().to_string());
    }
    Err(FileError::NotInSharedData { rest: rest.to_string(), tried })
}

/// The cells of a CSV header for an error message: plain names as they are, anything else
/// quoted (so that a newline or a quote inside shows escaped and [`super::error::clip`] cuts a
/// long one), at most 40 of them.
pub fn header_list<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    const MAX: usize = 40;
    let cells: Vec<&str> = cells.into_iter().collect();
    let plain = |c: &str| !c.is_empty() && c.chars().all(|x| x.is_alphanumeric() || "_-.:/()%".contains(x));
    let mut out: Vec<String> = cells.iter().take(MAX).map(|c| if plain(c) { c.to_string() } else { format!("{c:?}") }).collect();
    if cells.len() > MAX {
        out.push(format!("... ({} columns in all)", cells.len()));
    }
    out.join(", ")
}

/// Opens a CSV input (header on line 1, cells trimmed), bounded by [`MAX_INPUT_BYTES`] and
/// [`MAX_LINE_BYTES`].
pub fn csv_reader(path: &Path) -> Result<csv::Reader<Bounded<File>>, ScenarioError> {
    let file = File::open(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    Ok(csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(Bounded::new(file, MAX_INPUT_BYTES, MAX_LINE_BYTES)))
}

/// A located error for a CSV read failure (a bound, a malformed row, an OS error); `header`
/// says whether it happened while reading the header.
pub fn csv_failure(path: &Path, e: &csv::Error, header: bool) -> ScenarioError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(limit) = io.get_ref().and_then(|r| r.downcast_ref::<Limit>()) {
            return csv_error(path, Some(limit.line), "row", limit.message.clone());
        }
        return csv_error(path, None, "file", format!("cannot read: {io}"));
    }
    let line = e.position().map(|p| p.line() as usize).or(header.then_some(1));
    csv_error(path, line, if header { "header" } else { "row" }, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_names_stay_inside_the_data_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("shared/data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("t.csv"), "a\n").unwrap();
        std::fs::write(tmp.path().join("secret.csv"), "a\n").unwrap();
        let dir = tmp.path().join("proj");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(locate("data:t.csv", &dir).is_ok());
        for bad in ["data:../secret.csv", "data:/etc/passwd", "data:../../etc/passwd", "data:", "data:./../secret.csv"] {
            let e = locate(bad, &dir).unwrap_err();
            assert!(matches!(e, FileError::DataName { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("inside the data folder"), "{bad}: {e}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("secret.csv"), data.join("link.csv")).unwrap();
            let e = locate("data:link.csv", &dir).unwrap_err();
            assert!(matches!(e, FileError::OutsideData { .. }), "{e}");
            assert!(e.to_string().contains("leads outside the data folder"), "{e}");
        }
    }

    #[test]
    fn headers_show_odd_cells_quoted_and_few() {
        assert_eq!(header_list(["a", "b_c", "x y", "q\"\nr", ""]), "a, b_c, \"x y\", \"q\\\"\\nr\", \"\"");
        let many: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let shown = header_list(many.iter().map(String::as_str));
        assert!(shown.ends_with("c39, ... (100 columns in all)"), "{shown}");
    }

    #[test]
    fn missing_files_and_folders_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let e = locate("nope.csv", tmp.path()).unwrap_err().to_string();
        assert!(e.starts_with("cannot read ") && e.contains("nope.csv"), "{e}");
        std::fs::create_dir(tmp.path().join("d.csv")).unwrap();
        assert!(locate("d.csv", tmp.path()).unwrap_err().to_string().contains("is a folder"));
    }
}
