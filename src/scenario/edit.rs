//! Editing a scenario document by dotted path, before it is resolved.
//!
//! ## How it works
//! A scenario file is read once as a [`toml::Table`]. [`Document::with`] sets values at paths
//! like `scheduler.policy`, `workload.classes.0.rate`, `halls[0].racks[1].count` (the form
//! scenario errors print) or `workload.classes[name=debug].rate` (the array element whose
//! `name` is `debug`), creating missing tables on the way. The edited table is written back to
//! TOML text and resolved by [`crate::scenario::load_str`] as if it were the original file, so
//! every swept value goes through exactly the validation a scenario file gets, and relative
//! file references still resolve from the scenario's folder. [`Document::resolve_with`] also
//! applies typed [`Overrides`] (command-line flags, a forecast's demand and expansion, the seed
//! of a replication) to the parsed document before resolving it. Nothing edits a resolved
//! scenario.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::error::{FieldPath, Source};
use super::overrides::Overrides;
use super::raw::RawScenario;
use super::{Scenario, ScenarioError};

/// Why a document could not be edited at a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The path does not parse, or does not lead to a place in the document.
    #[error("{path}: {message}")]
    Path {
        /// The path as written (or "(document)").
        path: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// One step of a parameter path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key (or, on an array, a decimal index).
    Key(String),
    /// An array index written `[i]`.
    Index(usize),
    /// The array element whose `key` equals `value`, written `[key=value]`.
    Select {
        /// The field compared, e.g. `name`.
        key: String,
        /// The value looked for, e.g. `debug`.
        value: String,
    },
}

/// A parsed parameter path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamPath {
    /// As the user wrote it.
    pub text: String,
    /// Its steps.
    pub segs: Vec<Seg>,
}

impl fmt::Display for ParamPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn bad(path: &str, msg: impl fmt::Display) -> EditError {
    EditError::Path { path: path.to_string(), message: msg.to_string() }
}

impl ParamPath {
    /// Parses `a.b.0.c`, `a.b[0].c` or `a.b[name=x].c`.
    pub fn parse(text: &str) -> Result<ParamPath, EditError> {
        let t = text.trim();
        let mut segs = Vec::new();
        let mut rest = t;
        if t.is_empty() {
            return Err(bad(text, "expected a dotted path like scheduler.policy"));
        }
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let Some(end) = inner.find(']') else { return Err(bad(text, "unclosed '['")) };
                let body = inner[..end].trim();
                segs.push(match body.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                        Seg::Select { key: k.trim().to_string(), value: v.trim().trim_matches('"').to_string() }
                    }
                    Some(_) => return Err(bad(text, format!("expected [key=value] or [index], found [{body}]"))),
                    None => Seg::Index(body.parse().map_err(|_| bad(text, format!("expected [index] or [key=value], found [{body}]")))?),
                });
                rest = &inner[end + 1..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
                continue;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = rest[..end].trim();
            if key.is_empty() {
                return Err(bad(text, "empty path segment"));
            }
            segs.push(Seg::Key(key.to_string()));
            rest = &rest[end..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
        Ok(ParamPath { text: t.to_string(), segs })
    }
}

/// A scenario file as an editable TOML table.
#[derive(Debug, Clone)]
pub struct Document {
    /// The scenario file (errors and relative references are taken from it).
    pub path: PathBuf,
    /// The file's text as read.
    pub text: String,
    /// The parsed table.
    pub table: Table,
}

impl Document {
    /// Reads and parses a scenario file (syntax only; resolving checks the rest).
    pub fn read(path: &Path) -> Result<Document, ScenarioError> {
        let text = crate::input::read_text(path, crate::input::MAX_TEXT_BYTES)
            .map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
        // Syntax errors get the scenario loader's located message.
        let table: Table = match text.parse() {
            Ok(t) => t,
            Err(_) => {
                let src = Source::new(path, text);
                return Err(super::parse(&src).err().unwrap_or_else(|| src.error(&FieldPath::default(), "malformed TOML")));
            }
        };
        Ok(Document { path: path.to_path_buf(), text, table })
    }

    /// A copy with `value` set at each path.
    pub fn with(&self, sets: &[(&ParamPath, &Value)]) -> Result<Document, EditError> {
        let mut doc = self.clone();
        for (path, value) in sets {
            set(&mut doc.table, path, (*value).clone())?;
        }
        doc.text = toml::to_string(&doc.table).map_err(|e| bad("(document)", e))?;
        Ok(doc)
    }

    /// Resolves the (edited) document.
    pub fn resolve(&self) -> Result<Scenario, ScenarioError> {
        super::load_str(&self.text, &self.path)
    }

    /// Resolves the (edited) document with `overrides` applied to it first.
    pub fn resolve_with(&self, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
        super::load_str_with(&self.text, &self.path, overrides)
    }

    /// The (edited) document in the raw schema, as written: no default filled in.
    pub fn raw(&self) -> Result<RawScenario, ScenarioError> {
        super::parse(&Source::new(&self.path, self.text.clone()))
    }
}

/// Sets `value` at `path` in `table`, creating missing tables on the way.
pub fn set(table: &mut Table, path: &ParamPath, value: Value) -> Result<(), EditError> {
    let mut root = Value::Table(std::mem::take(table));
    let result = set_in(&mut root, path, value);
    if let Value::Table(t) = root {
        *table = t;
    }
    result
}

fn set_in(root: &mut Value, path: &ParamPath, value: Value) -> Result<(), EditError> {
    let Some((last, init)) = path.segs.split_last() else { return Err(bad(&path.text, "empty path")) };
    let mut walked = String::new();
    let mut here = root;
    for seg in init {
        here = step(here, seg, &path.text, &mut walked, true)?;
    }
    match (last, here) {
        (Seg::Key(k), Value::Table(t)) => {
            t.insert(k.clone(), value);
        }
        (seg, here) => *step(here, seg, &path.text, &mut walked, false)? = value,
    }
    Ok(())
}

/// One step down from `here`; `create` makes missing tables.
fn step<'v>(here: &'v mut Value, seg: &Seg, full: &str, walked: &mut String, create: bool) -> Result<&'v mut Value, EditError> {
    let at = if walked.is_empty() { "the document".to_string() } else { walked.clone() };
    match (seg, here) {
        (Seg::Key(k), Value::Array(a)) => {
            let Ok(i) = k.parse::<usize>() else {
                return Err(bad(full, format!("{at} is an array: expected an index like {at}.0 or a selector like {at}[name=...]")));
            };
            walked.push_str(&format!("[{i}]"));
            let n = a.len();
            a.get_mut(i).ok_or_else(|| bad(full, format!("{at} has {n} entries; index {i} is out of range")))
        }
        (Seg::Key(k), Value::Table(t)) => {
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(k);
            if !t.contains_key(k) {
                if !create {
                    return Err(bad(full, format!("{walked} does not exist")));
                }
                t.insert(k.clone(), Value::Table(Table::new()));
            }
            t.get_mut(k).ok_or_else(|| bad(full, "unreachable"))
        }
        (Seg::Index(i), Value::Array(a)) => {
            walked.push_str(&format!("[{i}]"));
            let n = a.len();
            a.get_mut(*i).ok_or_else(|| bad(full, format!("{at} has {n} entries; index {i} is out of range")))
        }
        (Seg::Select { key, value }, Value::Array(a)) => {
            let found: Vec<String> = a.iter().filter_map(|e| e.get(key).map(plain)).collect();
            let i = a.iter().position(|e| e.get(key).map(plain).as_deref() == Some(value.as_str()));
            let Some(i) = i else {
                return Err(bad(full, format!("{at} has no entry with {key} = {value:?}; found: {}", found.join(", "))));
            };
            walked.push_str(&format!("[{i}]"));
            a.get_mut(i).ok_or_else(|| bad(full, "unreachable"))
        }
        (_, other) => Err(bad(full, format!("{at} is a {}, not a table or an array", other.type_str()))),
    }
}

/// A TOML value as plain text: strings without quotes, numbers as written by Rust.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ParamPath {
        ParamPath::parse(s).unwrap()
    }

    #[test]
    fn paths_parse_in_all_three_forms() {
        assert_eq!(p("a.b.0.c").segs.len(), 4);
        assert_eq!(p("a.b[0].c").segs, vec![Seg::Key("a".into()), Seg::Key("b".into()), Seg::Index(0), Seg::Key("c".into())]);
        assert_eq!(p("w.c[name=debug].rate").segs[2], Seg::Select { key: "name".into(), value: "debug".into() });
        assert!(ParamPath::parse("a..b").is_err());
        assert!(ParamPath::parse("a[x").is_err());
    }

    #[test]
    fn set_edits_arrays_selects_and_creates_tables() {
        let mut t: Table = "[[c]]\nname = 'a'\nrate = 1\n[[c]]\nname = 'b'\nrate = 2\n".parse().unwrap();
        set(&mut t, &p("c.1.rate"), Value::Integer(5)).unwrap();
        set(&mut t, &p("c[name=a].rate"), Value::Integer(7)).unwrap();
        set(&mut t, &p("s.policy"), Value::String("fifo".into())).unwrap();
        assert_eq!(t["c"][1]["rate"].as_integer(), Some(5));
        assert_eq!(t["c"][0]["rate"].as_integer(), Some(7));
        assert_eq!(t["s"]["policy"].as_str(), Some("fifo"));
        let e = set(&mut t, &p("c.9.rate"), Value::Integer(1)).unwrap_err().to_string();
        assert!(e.contains("c has 2 entries"), "{e}");
        let e = set(&mut t, &p("c[name=z].rate"), Value::Integer(1)).unwrap_err().to_string();
        assert!(e.contains("found: a, b"), "{e}");
        assert_eq!(t["c"][1]["rate"].as_integer(), Some(5));
    }
}
