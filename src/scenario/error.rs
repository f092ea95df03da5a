//! Scenario errors that name the file, the line, the column and the field, and say what is expected.
//!
//! Type and unit errors come from serde with a span; semantic errors found while resolving come
//! with a [`FieldPath`], which [`Source::span_of`] maps to a position by walking toml's spanned
//! parse tree of the same text.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// One step of a field path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path into the scenario document, e.g. `halls[0].racks[1].count`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The path of a top-level key.
    pub fn root(key: &str) -> FieldPath {
        FieldPath(vec![Seg::Key(key.to_string())])
    }

    /// This path with a key appended.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    /// This path with an index appended.
    pub fn index(&self, i: usize) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A located problem in an input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The file (scenario, trace or duration CSV).
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field path or CSV column.
    pub field: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}: {}", clip(&self.field), clip(&self.message))
    }
}

/// The most characters of one echoed value (a quoted string or a word) that an error shows.
pub const ECHO_CHARS: usize = 200;
/// The most characters of a whole message, whatever it echoes.
pub const MESSAGE_CHARS: usize = 10 * ECHO_CHARS;

/// `text` with every quoted part ("..." or `...`) and every word longer than [`ECHO_CHARS`]
/// cut to that length, and the whole cut to [`MESSAGE_CHARS`], so that an error echoing a huge
/// value stays readable.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= ECHO_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(4 * ECHO_CHARS);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '"' || c == '`' {
            let body = &rest[1..];
            let end = closing(body, c);
            out.push(c);
            out.push_str(&cut(&body[..end.unwrap_or(body.len())]));
            match end {
                Some(e) => {
                    out.push(c);
                    rest = &body[e + 1..];
                }
                None => rest = "",
            }
        } else if c.is_whitespace() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        } else {
            let end = rest.find(|x: char| x.is_whitespace() || x == '"' || x == '`').unwrap_or(rest.len());
            out.push_str(&cut(&rest[..end]));
            rest = &rest[end..];
        }
    }
    if let Some((i, _)) = out.char_indices().nth(MESSAGE_CHARS) {
        let more = out[i..].chars().count();
        out.truncate(i);
        out += &format!("…[{more} more characters]");
    }
    std::borrow::Cow::Owned(out)
}

/// Byte index of the quote `q` that closes `s` (backslash escapes skipped).
fn closing(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == q => return Some(i),
            _ => {}
        }
    }
    None
}

fn cut(s: &str) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    match s.char_indices().nth(ECHO_CHARS) {
        Some((i, _)) => std::borrow::Cow::Owned(format!("{}…[{} more characters]", &s[..i], n - ECHO_CHARS)),
        None => std::borrow::Cow::Borrowed(s),
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The input is wrong; the diagnostic says where and why.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

/// The text of a scenario file, kept to turn field paths and byte spans into line and column.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as given by the user.
    pub file: PathBuf,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// Wraps a file's text.
    pub fn new(file: &Path, text: String) -> Source {
        Source { file: file.to_path_buf(), text }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The byte span of the deepest part of `path` present in the document.
    pub fn span_of(&self, path: &FieldPath) -> Option<std::ops::Range<usize>> {
        let root = DeTable::parse(&self.text).ok()?;
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        let mut value: Option<&DeValue<'_>> = None;
        let mut span = None;
        for seg in &path.0 {
            let next = match (seg, table, value) {
                (Seg::Key(k), Some(t), _) => t.get(k.as_str()),
                (Seg::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            };
            let Some(next) = next else { break };
            span = Some(next.span());
            value = Some(next.get_ref());
            table = next.get_ref().as_table();
        }
        span
    }

    /// An error at `path` saying `message`.
    pub fn error(&self, path: &FieldPath, message: impl Into<String>) -> ScenarioError {
        let pos = self.span_of(path).map(|s| self.line_col(s.start));
        ScenarioError::Invalid(Box::new(Diagnostic {
            file: self.file.clone(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            field: path.to_string(),
            message: message.into(),
        }))
    }

    /// An error at a byte span (from the TOML parser) for `field`.
    pub fn error_at(&self, span: Option<std::ops::Range<usize>>, field: String, message: String) -> ScenarioError {
        let pos = span.map(|s| self.line_col(s.start));
        ScenarioError::Invalid(Box::new(Diagnostic {
            file: self.file.clone(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            field,
            message,
        }))
    }
}

/// An error in a CSV input (trace or durations) at a 1-based line.
pub fn csv_error(file: &Path, line: Option<usize>, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(Box::new(Diagnostic {
        file: file.to_path_buf(),
        line,
        column: None,
        field: field.to_string(),
        message: message.into(),
    }))
}

/// An error in a CSV input at a 1-based line and a 1-based column (the position of the cell's
/// column in the header), naming the column.
pub fn csv_error_at(file: &Path, line: Option<usize>, column: usize, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(Box::new(Diagnostic {
        file: file.to_path_buf(),
        line,
        column: line.map(|_| column),
        field: field.to_string(),
        message: message.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_like_toml_keys() {
        let p = FieldPath::root("halls").index(0).key("racks").index(2).key("count");
        assert_eq!(p.to_string(), "halls[0].racks[2].count");
    }

    #[test]
    fn long_echoed_values_are_cut() {
        let long = "x".repeat(5000);
        let msg = format!("expected one of a, b, found {long:?}; or `{long}` or {long} and \"{}\"", "y".repeat(10));
        let c = clip(&msg);
        assert!(c.len() < 1000, "{c}");
        assert_eq!(c.matches("…[4800 more characters]").count(), 3, "{c}");
        assert!(c.starts_with("expected one of a, b, found \"xxx") && c.contains("\"yyyyyyyyyy\""), "{c}");
        let short = "expected \"a\", found \"b\"";
        assert_eq!(clip(short), short);
        let spaced = format!("found {}", "ab ".repeat(5000));
        assert!(clip(&spaced).chars().count() < MESSAGE_CHARS + 40, "a long message with short words is cut too");
        let escaped = format!("found {:?} then {:?}", format!("a\"{}", "z".repeat(300)), "ok");
        assert!(clip(&escaped).ends_with("then \"ok\""), "{}", clip(&escaped));
    }

    #[test]
    fn locates_nested_array_of_tables() {
        let text = "name = 'x'\n\n[[halls]]\nname = 'a'\n[[halls.racks]]\ncount = 1\n[[halls.racks]]\ncount = 0\n";
        let src = Source::new(Path::new("s.toml"), text.to_string());
        let p = FieldPath::root("halls").index(0).key("racks").index(1).key("count");
        let e = src.error(&p, "expected a positive integer").to_string();
        assert_eq!(e, "s.toml:8:9: halls[0].racks[1].count: expected a positive integer");
    }
}
