//! Reading outputs as data, by name: CSV columns by their header, summary.json keys by their
//! dotted path. Reports never depend on the Rust structs that wrote the files, so a column or
//! key added by a newer model (the facility's `pue`, a sweep's metrics) shows up where present
//! and is skipped where absent.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ReportError;

/// A small CSV held as text cells (sweeps, forecasts): columns are found by header name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Header names, in file order.
    pub headers: Vec<String>,
    /// Rows of cells, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a CSV file with a header line.
    pub fn read(path: &Path) -> Result<Table, ReportError> {
        let text = crate::input::read_text(path, crate::input::MAX_INPUT_BYTES).map_err(ReportError::read(path))?;
        Table::parse(&text).map_err(|e| ReportError::Malformed { path: path.to_path_buf(), msg: e.to_string() })
    }

    /// Parses CSV text with a header line; rows of another length are an error naming the line.
    pub fn parse(text: &str) -> Result<Table, csv::Error> {
        let mut rd = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
        let headers: Vec<String> = rd.headers()?.iter().map(|h| h.trim().to_string()).collect();
        let mut rows = Vec::new();
        for rec in rd.records() {
            let rec = rec?;
            rows.push(rec.iter().map(|c| c.trim().to_string()).collect());
        }
        Ok(Table { headers, rows })
    }

    /// The index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// A column as text.
    pub fn text(&self, name: &str) -> Option<Vec<&str>> {
        let i = self.col(name)?;
        Some(self.rows.iter().map(|r| r.get(i).map_or("", String::as_str)).collect())
    }

    /// A column as numbers (NaN where a cell is empty or not a number).
    pub fn num(&self, name: &str) -> Option<Vec<f64>> {
        Some(self.text(name)?.into_iter().map(|c| c.parse().unwrap_or(f64::NAN)).collect())
    }

    /// Whether every non-empty cell of a column is a number.
    pub fn is_numeric(&self, name: &str) -> bool {
        self.text(name).is_some_and(|c| c.iter().all(|v| v.is_empty() || v.parse::<f64>().is_ok()))
    }
}

/// Numeric columns of a large CSV (timeseries.csv), read in one streaming pass.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    names: Vec<String>,
    cols: Vec<Vec<f64>>,
}

impl Columns {
    /// Reads the columns of `wanted` that the file has (the others are simply absent); empty or
    /// non-numeric cells read as NaN.
    pub fn read(path: &Path, wanted: &[&str]) -> Result<Columns, ReportError> {
        let bad = |msg: String| ReportError::Malformed { path: path.to_path_buf(), msg };
        let file = std::fs::File::open(path).map_err(ReportError::read(path))?;
        let mut rd = csv::ReaderBuilder::new().has_headers(true).buffer_capacity(1 << 16).from_reader(file);
        let headers = rd.byte_headers().map_err(|e| bad(e.to_string()))?.clone();
        let mut names = Vec::new();
        let mut idx = Vec::new();
        for w in wanted {
            if let Some(i) = headers.iter().position(|h| h == w.as_bytes()) {
                names.push(w.to_string());
                idx.push(i);
            }
        }
        let mut cols = vec![Vec::new(); idx.len()];
        let mut rec = csv::ByteRecord::new();
        while rd.read_byte_record(&mut rec).map_err(|e| bad(e.to_string()))? {
            for (c, &i) in cols.iter_mut().zip(&idx) {
                c.push(rec.get(i).and_then(|b| std::str::from_utf8(b).ok()).and_then(|s| s.parse().ok()).unwrap_or(f64::NAN));
            }
        }
        Ok(Columns { names, cols })
    }

    /// A column, if the file has it.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.names.iter().position(|n| n == name).map(|i| self.cols[i].as_slice())
    }

    /// Rows read.
    pub fn len(&self) -> usize {
        self.cols.first().map_or(0, Vec::len)
    }

    /// Whether no row was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Result<Value, ReportError> {
    let text = std::fs::read_to_string(path).map_err(ReportError::read(path))?;
    serde_json::from_str(&text).map_err(|e| ReportError::Malformed { path: path.to_path_buf(), msg: format!("not valid JSON: {e}") })
}

/// The value at a dotted path ("jobs.wait_s.p95"), if present.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The number at a dotted path, if present and a number.
pub fn num(v: &Value, path: &str) -> Option<f64> {
    at(v, path).and_then(Value::as_f64)
}

/// The text at a dotted path, if present and a string.
pub fn text<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

/// A path inside a folder, checked present.
pub fn need(dir: &Path, file: &str, what: &str) -> Result<PathBuf, ReportError> {
    let p = dir.join(file);
    if p.is_file() { Ok(p) } else { Err(ReportError::Missing { dir: dir.to_path_buf(), what: format!("no {file} ({what})") }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_by_name() {
        let t = Table::parse("a,b\n1,x\n,y\n").expect("valid csv");
        assert_eq!(t.text("b"), Some(vec!["x", "y"]));
        let a = t.num("a").expect("column a");
        assert_eq!(a[0], 1.0);
        assert!(a[1].is_nan());
        assert!(t.is_numeric("a"));
        assert!(!t.is_numeric("b"));
        assert!(t.num("c").is_none());
        assert!(Table::parse("a,b\n1\n").is_err());
    }

    #[test]
    fn dotted_paths() {
        let v: Value = serde_json::json!({"jobs": {"wait_s": {"p95": 12.5}}, "scenario": {"name": "x"}});
        assert_eq!(num(&v, "jobs.wait_s.p95"), Some(12.5));
        assert_eq!(text(&v, "scenario.name"), Some("x"));
        assert_eq!(num(&v, "pue.annual"), None);
    }
}
