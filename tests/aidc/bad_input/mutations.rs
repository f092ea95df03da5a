//! Never panics: deterministic mutations of the classroom and base scenarios through `check`.

use super::*;

// Never panics: deterministic mutations of the classroom scenario through `check`.

/// How a line is mutated.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    Delete,
    Number(&'static str),
    String(&'static str),
    Duplicate,
    Truncate,
}

const MUTATIONS: [Mutation; 10] = [
    Mutation::Delete,
    Mutation::Number("-1"),
    Mutation::Number("0"),
    Mutation::Number("1e30"),
    Mutation::Number("\"x\""),
    Mutation::String(""),
    Mutation::String("x"),
    Mutation::Duplicate,
    Mutation::Truncate,
    Mutation::Number("18446744073709551616"),
];

/// Byte range of the first number in the value of `key = value` (outside strings).
fn first_number(line: &str) -> Option<std::ops::Range<usize>> {
    let eq = line.find('=')?;
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = eq + 1;
    while i < b.len() {
        match b[i] {
            b'"' => in_str = !in_str,
            b'#' if !in_str => return None,
            c if !in_str && c.is_ascii_digit() && !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') => {
                let end = (i..b.len()).find(|&j| !(b[j].is_ascii_digit() || b[j] == b'.')).unwrap_or(b.len());
                return Some(i..end);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Byte range of the contents of the first string in the value of `key = value`.
fn first_string(line: &str) -> Option<std::ops::Range<usize>> {
    let eq = line.find('=')?;
    let start = eq + 1 + line[eq + 1..].find('"')? + 1;
    let end = start + line[start..].find('"')?;
    Some(start..end)
}

/// The mutated line (None: delete it), or None when the mutation does not apply.
fn mutate(line: &str, m: Mutation) -> Option<Option<String>> {
    let splice = |r: std::ops::Range<usize>, with: &str| format!("{}{with}{}", &line[..r.start], &line[r.end..]);
    match m {
        Mutation::Delete => Some(None),
        Mutation::Number(v) => first_number(line).map(|r| Some(splice(r, v))),
        Mutation::String(v) => first_string(line).map(|r| Some(splice(r, v))),
        Mutation::Duplicate => Some(Some(format!("{line}\n{line}"))),
        Mutation::Truncate => {
            let half = line.char_indices().nth(line.chars().count() / 2).map_or(0, |(i, _)| i);
            (half > 0).then(|| Some(line[..half].to_string()))
        }
    }
}

/// One mutant per meaningful line, cycling through [`MUTATIONS`] (the next one that applies).
fn mutants(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut turn = 0;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some((m, new)) =
            (0..MUTATIONS.len()).map(|k| MUTATIONS[(turn + k) % MUTATIONS.len()]).find_map(|m| mutate(line, m).map(|n| (m, n)))
        else {
            continue;
        };
        turn += 1;
        let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match new {
            Some(l) => v[i] = l,
            None => {
                v.remove(i);
            }
        }
        out.push((format!("line {}: {m:?} of {line:?}", i + 1), v.join("\n") + "\n"));
    }
    out
}

#[test]
fn check_never_panics_on_mutated_scenarios() {
    let text = fs::read_to_string(ready_path("classroom.toml")).unwrap();
    let list = mutants(&text);
    assert!(list.len() >= 30, "expected at least 30 mutants, made {}", list.len());
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mutant.toml");
    let mut failures = Vec::new();
    let mut rejected = 0;
    for (what, mutant) in &list {
        fs::write(&file, mutant).unwrap();
        let o = aidc_in(tmp.path(), ["check", "mutant.toml"]);
        let err = stderr(&o);
        match o.status.code() {
            Some(0) => {}
            Some(2) if err.starts_with("error: mutant.toml") && !err.contains("panicked") => rejected += 1,
            code => failures.push(format!("{what}: exit {code:?}\n{err}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} mutants failed badly:\n{}", failures.len(), list.len(), failures.join("\n"));
    assert!(rejected >= list.len() / 3, "most mutants should be rejected, only {rejected} of {} were", list.len());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "check writes nothing");
}

#[test]
fn check_never_panics_on_mutated_base() {
    let text = base();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mutant.toml");
    let mut failures = Vec::new();
    // A second pass over a different scenario, starting the mutation cycle elsewhere.
    for (what, mutant) in mutants(&text).iter().skip(1) {
        fs::write(&file, mutant).unwrap();
        let o = aidc_in(tmp.path(), ["check", "mutant.toml"]);
        let err = stderr(&o);
        if !matches!(o.status.code(), Some(0 | 2)) || err.contains("panicked") {
            failures.push(format!("{what}: exit {:?}\n{err}", o.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
