//! Reading any file aidc is given (scenarios, plans, climates, calibration profiles, every CSV
//! input) with bounds, so that no file can make aidc exhaust the machine. Where a scenario's
//! file names lead is [`crate::scenario::input`]'s business; this module only reads.
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
use std::path::Path;

/// The largest CSV input (trace, node list, weather, grid series, durations), bytes.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;
/// The longest line of a CSV input, bytes.
pub const MAX_LINE_BYTES: u64 = 1 << 20;
/// The largest scenario, plan, climate or profile file, bytes.
pub const MAX_TEXT_BYTES: u64 = 16 << 20;

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
