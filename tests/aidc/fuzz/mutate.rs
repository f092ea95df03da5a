//! Mutations of scenario TOML files and CSV inputs for the fuzzer (the parent module, `fuzz`).
//!
//! A scenario is mutated mostly in its parsed form (a leaf's value replaced by an extreme, a
//! wrong type, a swapped unit, an empty or a very long string; a key or table deleted; an array
//! element duplicated; a key added), then as bytes (lines duplicated, deleted or swapped,
//! garbage inserted, the file truncated, integers past u64, deep nesting). A CSV is mutated as
//! rows and cells (extreme cells, columns deleted or renamed, rows duplicated, deleted or
//! shuffled, a line past the length bound, a BOM, CRLF) and as bytes. Every choice comes from
//! a seeded [`Rng`], so a case is reproduced from its number alone.

use toml::{Table, Value};

/// SplitMix64: small, seedable, good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }

    /// One of `xs`.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Numbers written before a unit or into a cell: zeros, negatives, huge, tiny, past u32/u64.
const NUMBERS: [&str; 18] = [
    "0",
    "1",
    "-1",
    "-0",
    "0.001",
    "0.0000000000001",
    ".5",
    "5.",
    "1000000",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999",
    "123456789012345678901234567890",
    "1e308",
    "NaN",
    "inf",
    "",
    "999999999",
];

/// Units of every dimension (and a few that are none), to swap into unit strings.
const UNITS: [&str; 31] = [
    "W", "kW", "MW", "GW", "TW", "ms", "s", "m", "min", "h", "d", "w", "y", "/s", "/h", "/d", "/ms", "C", "K", "F", "bps", "Gbps", "TB/s",
    "B", "GiB", "kPa", "bar", "us", "ns", "x", "",
];

/// Whole strings: empty, special numbers, paths that must not be read, names of the schema.
const STRINGS: [&str; 24] = [
    "",
    " ",
    "NaN",
    "inf",
    "-inf",
    "0",
    "-1",
    "\u{0}",
    "../../etc/passwd",
    "data:../../etc/passwd",
    "data:",
    "/dev/zero",
    "/",
    "é∂\u{feff}",
    "fifo",
    "backfill",
    "immersion",
    "fat-tree",
    "young-daly",
    "N+1",
    "peak-shaving",
    "alibaba-v2023",
    "2025-02-30",
    "1/0",
];

/// Keys to add: real field names in the wrong place, and unknown ones.
const KEYS: [&str; 12] =
    ["count", "horizon", "step", "nodes", "rate", "file", "unknown_field", "power", "accelerators", "seed", "supply", "cap"];

/// One step of a path into a TOML value.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every path of `v` (tables, arrays and leaves), depth first.
fn paths(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Table(t) => {
            for (k, x) in t {
                at.push(Seg::Key(k.clone()));
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Seg::Index(i));
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), Value::Table(t)) => t.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn show(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => format!(".{k}"),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// A replacement for a string: its number or unit changed, or another string.
fn new_string(s: &str, rng: &mut Rng) -> String {
    let t = s.trim_start_matches(['-', '+']);
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let has_unit = end > 0 && end < t.len();
    match rng.below(if has_unit { 6 } else { 3 }) {
        0 => rng.pick(&STRINGS).to_string(),
        1 => "x".repeat(*rng.pick(&[300, 10_000, 100_000])),
        2 => format!("{s}{s}"),
        3 => format!("{}{}", rng.pick(&NUMBERS), &t[end..]),
        4 => format!("{}{}", &t[..end], rng.pick(&UNITS)),
        _ => format!("{}{}{}", &t[..end], "0".repeat(1 + rng.below(15)), &t[end..]),
    }
}

/// A plausible change of `old` (doubled, halved, one more or less), which often stays valid
/// and so drives the engine rather than the resolver; None for values it does not apply to.
fn nudge(old: &Value, rng: &mut Rng) -> Option<Value> {
    Some(match old {
        Value::Integer(i) => Value::Integer(match rng.below(4) {
            0 => i.saturating_mul(2),
            1 => i / 2,
            2 => i.saturating_add(1),
            _ => i.saturating_sub(1),
        }),
        Value::Float(f) => Value::Float(f * rng.pick(&[0.5, 0.9, 1.1, 2.0])),
        Value::String(s) => {
            let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
            let n: f64 = s[..end].parse().ok()?;
            let scaled = n * rng.pick(&[0.5, 2.0, 10.0, 0.1]);
            Value::String(format!("{scaled}{}", &s[end..]))
        }
        Value::Boolean(b) => Value::Boolean(!b),
        _ => return None,
    })
}

/// A replacement for `old`: an extreme of its type or a value of another type.
fn new_value(old: &Value, rng: &mut Rng) -> Value {
    if rng.chance(1, 3)
        && let Some(v) = nudge(old, rng)
    {
        return v;
    }
    if rng.chance(1, 7) {
        return match rng.below(6) {
            0 => Value::Boolean(true),
            1 => Value::String("5".into()),
            2 => Value::Integer(5),
            3 => Value::Array(vec![]),
            4 => Value::Table(Table::new()),
            _ => Value::Float(0.5),
        };
    }
    match old {
        Value::String(s) => Value::String(new_string(s, rng)),
        Value::Integer(i) => Value::Integer(match rng.below(12) {
            0 => 0,
            1 => -1,
            2 => *rng.pick(&[1, 2, 3, 63, 64, 65, 1023, 1024, 1025]),
            3 => u32::MAX as i64,
            4 => u32::MAX as i64 + 1,
            5 => i64::MAX,
            6 => i64::MIN,
            7 => (1 << 24) + 1,
            8 => i.saturating_mul(10i64.pow(1 + rng.below(9) as u32)),
            9 => i.saturating_add(1),
            10 => i.saturating_sub(1),
            _ => -i,
        }),
        Value::Float(f) => Value::Float(match rng.below(12) {
            0 => 0.0,
            1 => -0.0,
            2 => -1.0,
            3 => *rng.pick(&[0.5, 1.0, 1.0000001, 2.0, 0.9999999]),
            4 => 1e308,
            5 => -1e308,
            6 => f64::NAN,
            7 => f64::INFINITY,
            8 => f64::NEG_INFINITY,
            9 => 5e-324,
            10 => f * 1e6,
            _ => f * 1e-6,
        }),
        Value::Boolean(b) => Value::Boolean(!b),
        Value::Array(a) if !a.is_empty() && rng.chance(1, 2) => {
            let mut a = a.clone();
            let extra = a[rng.below(a.len())].clone();
            for _ in 0..*rng.pick(&[1, 20, 100]) {
                a.push(extra.clone());
            }
            Value::Array(a)
        }
        Value::Array(_) => Value::Array(vec![]),
        Value::Table(_) => Value::Table(Table::new()),
        Value::Datetime(_) => Value::String(rng.pick(&STRINGS).to_string()),
    }
}

/// One plausible change of a leaf of `root` ([`nudge`]); returns what was done.
fn nudge_tree(root: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    paths(root, &mut Vec::new(), &mut all);
    for _ in 0..8 {
        let Some(path) = all.get(rng.below(all.len())).cloned() else { break };
        let Some(v) = get_mut(root, &path) else { continue };
        if let Some(new) = nudge(v, rng) {
            let shown: String = format!("{new}").chars().take(60).collect();
            *v = new;
            return format!("nudge {} = {shown}", show(&path));
        }
    }
    "no nudge".into()
}

/// One structural mutation of `root`; returns what was done.
fn mutate_tree(root: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    paths(root, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return "nothing to mutate".into();
    }
    let path = all[rng.below(all.len())].clone();
    match rng.below(12) {
        0 | 1 => {
            let (last, parent) = path.split_last().expect("non-empty path");
            match (get_mut(root, parent), last) {
                (Some(Value::Table(t)), Seg::Key(k)) => {
                    t.remove(k);
                }
                (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
                    a.remove(*i);
                }
                _ => {}
            }
            format!("delete {}", show(&path))
        }
        2 => {
            let (last, parent) = path.split_last().expect("non-empty path");
            if let (Some(Value::Array(a)), Seg::Index(i)) = (get_mut(root, parent), last) {
                let x = a[*i].clone();
                a.push(x);
                return format!("duplicate {}", show(&path));
            }
            let key = rng.pick(&KEYS).to_string();
            if let Some(Value::Table(t)) = get_mut(root, parent) {
                let v = new_value(&Value::String("5m".into()), rng);
                t.insert(key.clone(), v);
            }
            format!("add {}{}.{key}", show(parent), "")
        }
        _ => {
            let Some(v) = get_mut(root, &path) else { return "no value".into() };
            let new = new_value(v, rng);
            let shown: String = format!("{new}").chars().take(60).collect();
            *v = new;
            format!("set {} = {shown}", show(&path))
        }
    }
}

/// Byte ranges of the lines of `b` (without their newline).
fn lines(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        if *c == b'\n' {
            out.push((start, i));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

/// One byte-level mutation of a text file.
fn mutate_bytes(b: &mut Vec<u8>, rng: &mut Rng, toml: bool) -> String {
    let ls = lines(b);
    let line = if ls.is_empty() { (0, 0) } else { ls[rng.below(ls.len())] };
    match rng.below(if toml { 9 } else { 7 }) {
        0 => {
            let copy = b[line.0..line.1].to_vec();
            let at = line.1.min(b.len());
            b.splice(at..at, [b"\n".as_slice(), &copy].concat());
            "duplicate a line".into()
        }
        1 => {
            b.drain(line.0..(line.1 + 1).min(b.len()));
            "delete a line".into()
        }
        2 => {
            let at = rng.below(b.len() + 1);
            b.truncate(at);
            format!("truncate at byte {at}")
        }
        3 => {
            let junk: &[&str] =
                &["\0", "\u{feff}", "[[", "[", "]", "=", "\"", "'''", "\n[x]\n", "#", "\\", "\t", "{", "}", ",", "\r", "\u{ff}"];
            let j = rng.pick(junk);
            let at = rng.below(b.len() + 1);
            b.splice(at..at, j.bytes());
            format!("insert {j:?} at byte {at}")
        }
        4 => {
            if !b.is_empty() {
                let at = rng.below(b.len());
                b[at] = (rng.next() & 0xff) as u8;
            }
            "overwrite a byte".into()
        }
        5 => {
            let other = if ls.is_empty() { (0, 0) } else { ls[rng.below(ls.len())] };
            let (x, y) = (b[line.0..line.1].to_vec(), b[other.0..other.1].to_vec());
            if line.0 < other.0 && line.1 <= other.0 {
                b.splice(other.0..other.1, x);
                b.splice(line.0..line.1, y);
            }
            "swap two lines".into()
        }
        6 => {
            // The first run of digits on the line becomes a number past u64 or a huge exponent.
            let s = &b[line.0..line.1];
            if let Some(d) = s.iter().position(u8::is_ascii_digit) {
                let e = s[d..].iter().position(|c| !c.is_ascii_digit()).map_or(s.len(), |e| d + e);
                const BIG: [&str; 4] = ["18446744073709551616", "1e999", "-9223372036854775809", "340282366920938463463374607431768211456"];
                let big = BIG[rng.below(BIG.len())];
                b.splice(line.0 + d..line.0 + e, big.bytes());
            }
            "a number past u64".into()
        }
        7 => {
            let depth = *rng.pick(&[100, 10_000]);
            let deep = format!("\nzz = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
            b.extend_from_slice(deep.as_bytes());
            format!("nesting {depth} deep")
        }
        _ => {
            let key = rng.pick(&KEYS);
            let at = line.1.min(b.len());
            let dup = format!("\n{key} = 1\n{key} = 2");
            b.splice(at..at, dup.bytes());
            format!("duplicate key {key}")
        }
    }
}

/// `base` with one or two top-level sections taken from `donor` (added, or replacing its own):
/// failures, a network, services or a grid meet designs and workloads they were not written
/// for. Returns the text and what was taken.
pub fn splice(base: &str, donor: &str, rng: &mut Rng) -> (String, String) {
    let (Ok(mut b), Ok(d)) = (base.parse::<Table>(), donor.parse::<Table>()) else { return (base.to_string(), "no splice".into()) };
    let keys: Vec<&String> = d.keys().filter(|k| *k != "name").collect();
    let mut taken = Vec::new();
    for _ in 0..1 + rng.below(2) {
        if keys.is_empty() {
            break;
        }
        let k = keys[rng.below(keys.len())];
        b.insert(k.clone(), d[k].clone());
        taken.push(k.clone());
    }
    (toml::to_string(&b).unwrap_or_else(|_| base.to_string()), format!("splice {}", taken.join(", ")))
}

/// A mutated scenario and a log of what was done.
pub fn scenario(text: &str, rng: &mut Rng) -> (Vec<u8>, Vec<String>) {
    let mut log = Vec::new();
    let mut root = match text.parse::<Table>() {
        Ok(t) => Value::Table(t),
        Err(_) => return (text.as_bytes().to_vec(), vec!["seed does not parse".into()]),
    };
    // A third of the cases only nudge values (they mostly resolve and so drive the engine);
    // the rest break things.
    let gentle = rng.chance(1, 3);
    let tree_ops = *rng.pick(&[1, 1, 2, 3, 5]);
    for _ in 0..tree_ops {
        log.push(if gentle { nudge_tree(&mut root, rng) } else { mutate_tree(&mut root, rng) });
    }
    let mut bytes = match &root {
        Value::Table(t) => toml::to_string(t).unwrap_or_else(|e| format!("# cannot serialize: {e}\n")).into_bytes(),
        _ => Vec::new(),
    };
    if !gentle && rng.chance(1, 4) {
        log.push(mutate_bytes(&mut bytes, rng, true));
    }
    (bytes, log)
}

/// Cells for a CSV: extremes, separators, quotes, dates, labels of the known formats.
const CELLS: [&str; 30] = [
    "",
    " ",
    "-1",
    "0",
    "1",
    "0.5",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "-inf",
    "18446744073709551615",
    "4294967296",
    "99999999999999999999999",
    "1e-300",
    "\"",
    "\"a,b\"",
    "2023-13-45 25:61:61",
    "1970-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "0001-01-01 00:00:00",
    "2023-06-01 00:00:00",
    "G2",
    "T4",
    "V100M16|V100M32",
    "Running",
    "LS",
    "Pretrain",
    "COMPLETED",
    "65",
];

/// A mutated CSV and a log of what was done.
pub fn csv(text: &[u8], rng: &mut Rng) -> (Vec<u8>, Vec<String>) {
    let mut log = Vec::new();
    let s = String::from_utf8_lossy(text).into_owned();
    let mut rows: Vec<Vec<String>> = s.lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
    let ops = 1 + rng.below(3);
    for _ in 0..ops {
        if rows.is_empty() {
            rows.push(vec![String::new()]);
        }
        let r = rng.below(rows.len());
        if rows[r].is_empty() {
            rows[r].push(String::new());
        }
        let c = rng.below(rows[r].len());
        match rng.below(11) {
            0..=3 => {
                let old = rows[r][c].clone();
                let new = match rng.below(4) {
                    0 => format!("{old}{}", "0".repeat(1 + rng.below(20))),
                    1 => format!("-{old}"),
                    2 => "x".repeat(*rng.pick(&[300, 10_000])),
                    _ => rng.pick(&CELLS).to_string(),
                };
                log.push(format!("cell {}:{} {:?} -> {:?}", r + 1, c + 1, old, new.chars().take(40).collect::<String>()));
                rows[r][c] = new;
            }
            4 => {
                for row in rows.iter_mut() {
                    if c < row.len() {
                        row.remove(c);
                    }
                }
                log.push(format!("delete column {}", c + 1));
            }
            5 => {
                let k = *rng.pick(&[1, 2, 10, 1000]);
                let row = rows[r].clone();
                for _ in 0..k {
                    rows.insert(r, row.clone());
                }
                log.push(format!("duplicate row {} x{k}", r + 1));
            }
            6 => {
                rows.remove(r);
                log.push(format!("delete row {}", r + 1));
            }
            7 => {
                // Reverse the data rows: submit times out of order.
                if rows.len() > 2 {
                    rows[1..].reverse();
                }
                log.push("reverse the rows".into());
            }
            8 => {
                rows[r].push(rng.pick(&CELLS).to_string());
                log.push(format!("extra cell on row {}", r + 1));
            }
            9 => {
                rows.truncate(rng.below(2));
                log.push(format!("keep {} rows", rows.len()));
            }
            _ => {
                if rng.chance(1, 10) {
                    rows.insert(r.max(1).min(rows.len()), vec!["9".repeat(2 << 20)]);
                    log.push("a line of 2 MiB".into());
                } else {
                    let new = rng.pick(&CELLS).to_string();
                    let last = rows[0].len().saturating_sub(1);
                    if rows[0].is_empty() {
                        rows[0].push(String::new());
                    }
                    rows[0][c.min(last)] = new.clone();
                    log.push(format!("header cell {} -> {new:?}", c + 1));
                }
            }
        }
    }
    let sep = if rng.chance(1, 10) { "\r\n" } else { "\n" };
    let mut out = String::new();
    if rng.chance(1, 20) {
        out.push('\u{feff}');
        log.push("BOM".into());
    }
    for row in &rows {
        out += &row.join(",");
        out += sep;
    }
    let mut bytes = out.into_bytes();
    if rng.chance(1, 5) {
        log.push(mutate_bytes(&mut bytes, rng, false));
    }
    (bytes, log)
}
