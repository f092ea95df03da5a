//! Why a report could not be written. Missing and malformed inputs are the user's (exit code 2);
//! the rest is the machine's.

use std::path::PathBuf;

use super::plot::PlotError;

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The folder is not an output folder, or lacks a file the report needs.
    #[error("{}: {what}", dir.display())]
    Missing {
        /// The folder.
        dir: PathBuf,
        /// What is missing, in words.
        what: String,
    },
    /// A file is there but cannot be read as what it should be.
    #[error("{}: {msg}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        msg: String,
    },
    /// Reading or writing failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

impl ReportError {
    /// Whether the user's input is at fault (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ReportError::Missing { .. } | ReportError::Malformed { .. })
    }

    /// An I/O error while reading `path`.
    pub fn read(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
        move |source| ReportError::Io { action: "read", path: path.to_path_buf(), source }
    }

    /// An I/O error while writing `path`.
    pub fn write(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
        move |source| ReportError::Io { action: "write", path: path.to_path_buf(), source }
    }
}
