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
//! ## Bounds
//! | bound | value | why |
//! |---|---|---|
//! | [`MAX_INPUT_BYTES`] | 1 GiB | a CSV input is held in memory as rows; the public GPU traces are a few hundred MB at most (Helios, Acme, Alibaba PAI), so a larger file is almost surely the wrong file (or `/dev/zero`) |
//! | [`MAX_LINE_BYTES`] | 1 MiB | a trace row is a few hundred bytes; a longer "line" is a binary file or a file without newlines |
//! | [`MAX_TEXT_BYTES`] | 16 MiB | a scenario, plan or climate file is a few kB; the largest generated scenario in this repository is under 100 kB |
//!
//! Streams are bounded while they are read ([`Bounded`]), not by the size a file reports, so a
//! pipe or a device is bounded too.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use super::error::{ScenarioError, csv_error};

/// The largest CSV input (trace, node list, weather, grid series, durations), bytes.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;
/// The longest line of a CSV input, bytes.
pub const MAX_LINE_BYTES: u64 = 1 << 20;
/// The largest scenario, plan, climate or profile file, bytes.
pub const MAX_TEXT_BYTES: u64 = 16 << 20;

/// Where to get the shared data, for error messages.
const DATA_HINT: &str = "the public traces come from https://github.com/alibaba/clusterdata (cluster-trace-gpu-v2023, \
     cluster-trace-gpu-v2020); put them in ../shared/data (see its README.md) or set AIDC_DATA to the folder that holds them";

/// A bound that a stream broke, with the 1-based line where it happened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Limit {
    /// The line being read when the bound was reached.
    pub line: usize,
    /// What was exceeded.
    pub message: String,
}

/// A reader that fails (with a [`Limit`] inside the `io::Error`) once a line is longer than
/// `max_line` bytes or the whole stream longer than `max_total` bytes.
#[derive(Debug)]
pub struct Bounded<R> {
    inner: R,
    max_total: u64,
    max_line: u64,
    total: u64,
    line: usize,
    line_len: u64,
}

impl<R: Read> Bounded<R> {
    /// Wraps `inner` with the given bounds.
    pub fn new(inner: R, max_total: u64, max_line: u64) -> Bounded<R> {
        Bounded { inner, max_total, max_line, total: 0, line: 1, line_len: 0 }
    }

    fn limit(&self, message: String) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, Limit { line: self.line, message })
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.max_total {
            return Err(self.limit(format!("the file is larger than {}, the most an input file may be", bytes(self.max_total))));
        }
        for chunk in buf[..n].split_inclusive(|b| *b == b'\n') {
            self.line_len += chunk.len() as u64;
            if self.line_len > self.max_line + 1 {
                return Err(self.limit(format!(
                    "line {} is longer than {}, the longest line an input may have",
                    self.line,
                    bytes(self.max_line)
                )));
            }
            if chunk.last() == Some(&b'\n') {
                self.line += 1;
                self.line_len = 0;
            }
        }
        Ok(n)
    }
}

/// "1 GiB", "16 MiB", "1 MiB".
fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n.is_multiple_of(1 << 30) => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
}

/// Resolves a file name of a scenario (see the module doc) and checks that it names something
/// readable that is not a folder. Returns an absolute path, or a message saying what is wrong.
pub fn locate(name: &str, dir: &Path) -> Result<PathBuf, String> {
    let path = match name.strip_prefix("data:") {
        Some(rest) => data_file(rest, dir)?,
        None => {
            let p = Path::new(name);
            let joined = if p.is_absolute() { p.to_path_buf() } else { dir.join(p) };
            std::path::absolute(&joined).unwrap_or(joined)
        }
    };
    match std::fs::metadata(&path) {
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        Ok(m) if m.is_dir() => Err(format!("{} is a folder; expected a file", path.display())),
        Ok(_) => Ok(path),
    }
}

/// `data:REST`: a file inside the data folder.
fn data_file(rest: &str, dir: &Path) -> Result<PathBuf, String> {
    let rel = Path::new(rest);
    if rest.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(format!(
            "expected data:PATH with PATH inside the data folder (no \"..\", no leading \"/\"), found {:?}",
            format!("data:{rest}")
        ));
    }
    let found = |root: &Path| -> Option<Result<PathBuf, String>> {
        let p = root.join(rel);
        if !p.is_file() {
            return None;
        }
        let (Ok(real), Ok(real_root)) = (p.canonicalize(), root.canonicalize()) else { return Some(Ok(p)) };
        Some(if real.starts_with(&real_root) {
            Ok(real)
        } else {
            Err(format!("data:{rest} leads outside the data folder {} (to {})", real_root.display(), real.display()))
        })
    };
    if let Some(root) = std::env::var_os("AIDC_DATA").filter(|v| !v.is_empty()) {
        let root = PathBuf::from(root);
        return found(&root)
            .unwrap_or_else(|| Err(format!("{} not found (AIDC_DATA = {}); {DATA_HINT}", root.join(rel).display(), root.display())));
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
    Err(format!("{rest} is not in the shared data folder (looked in {}); {DATA_HINT}", tried.join(", ")))
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

/// Reads a whole text file of at most `max` bytes (a scenario, plan, climate or profile),
/// whatever it is (file, pipe, device): a larger one is an `InvalidData` error that says so.
pub fn read_text(path: &Path, max: u64) -> io::Result<String> {
    let mut bytes = Vec::new();
    File::open(path)?.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the file is larger than {}, the most it may be", self::bytes(max)),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(io::ErrorKind::InvalidData, format!("the file is not UTF-8 text (at byte {})", e.utf8_error().valid_up_to()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8], total: u64, line: u64) -> Result<Vec<u8>, Limit> {
        let mut out = Vec::new();
        let mut r = Bounded::new(text, total, line);
        let mut buf = [0u8; 3];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return Err(e.get_ref().and_then(|x| x.downcast_ref::<Limit>()).cloned().expect("a Limit")),
            }
        }
    }

    #[test]
    fn bounds_lines_and_totals_at_the_right_line() {
        assert_eq!(read_all(b"ab\ncd\n", 100, 2).unwrap(), b"ab\ncd\n");
        let e = read_all(b"ab\ncde\nf\n", 100, 2).unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        assert!(e.message.contains("line 2 is longer than 2 bytes"), "{e:?}");
        let e = read_all(b"ab\ncd\nef\n", 7, 10).unwrap_err();
        assert!(e.message.contains("larger than 7 bytes"), "{e:?}");
        // A CRLF line of exactly the bound is fine.
        assert!(read_all(b"ab\r\ncd\r\n", 100, 3).is_ok());
    }

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
            assert!(e.contains("inside the data folder"), "{bad}: {e}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("secret.csv"), data.join("link.csv")).unwrap();
            let e = locate("data:link.csv", &dir).unwrap_err();
            assert!(e.contains("leads outside the data folder"), "{e}");
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
        let e = locate("nope.csv", tmp.path()).unwrap_err();
        assert!(e.starts_with("cannot read ") && e.contains("nope.csv"), "{e}");
        std::fs::create_dir(tmp.path().join("d.csv")).unwrap();
        assert!(locate("d.csv", tmp.path()).unwrap_err().contains("is a folder"));
    }

    #[test]
    fn text_files_are_bounded_whatever_they_are() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("big.toml");
        std::fs::write(&p, "x".repeat(100)).unwrap();
        assert_eq!(read_text(&p, 100).unwrap().len(), 100);
        assert!(read_text(&p, 99).unwrap_err().to_string().contains("larger than 99 bytes"));
        #[cfg(unix)]
        assert!(read_text(Path::new("/dev/zero"), 1 << 10).unwrap_err().to_string().contains("larger than"));
    }
}
