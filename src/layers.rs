//! The layering of `src/` (docs/architecture.md, "Layers"), checked by reading the sources: a
//! top-level folder may use the folders of the layers below it, and those of its own layer as
//! long as no cycle forms; never a folder above it.
//!
//! ## How it works
//! Every `.rs` file is read with its comments removed (doc links may point anywhere). The
//! folders it uses are the first segments of its `crate::` paths (`crate::model::x`,
//! `crate::{model::x, config}`) and of `super::` chains that climb to the crate root. A use of
//! a folder in a higher layer, or of a folder missing from [`LAYERS`], fails the test, as does a
//! cycle in the graph of folders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level folders (and single files) of `src/`, from the top layer down. `output` (staging
/// of output folders) uses nothing of the crate and sits at the bottom.
const LAYERS: &[&[&str]] = &[
    &["main", "cli"],
    &["report", "sweep", "forecast", "serve"],
    &["engine"],
    &["scenario"],
    &["model"],
    &["metrics"],
    &["calibrate"],
    &["config"],
    &["catalog", "time", "output", "input"],
];

/// Files of `src/` that belong to no layer: the crate root declares every module.
const ROOT_FILES: [&str; 2] = ["lib", "layers"];

fn layer(folder: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&folder))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.expect("directory entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text without `//` comments (doc comments included) and `/* */` blocks.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    out.lines().map(|l| l.find("//").map_or(l, |i| &l[..i])).collect::<Vec<_>>().join("\n")
}

/// The first segments of the path(s) that start at `rest`: `a` for `a::b`, `a` and `c` for
/// `{a::b, c}`.
fn first_segments(rest: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let Some(group) = rest.strip_prefix('{') else { return vec![ident(rest)] };
    let (mut depth, mut names, mut start) = (1, Vec::new(), true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => start = true,
            c if start && depth == 1 && !c.is_whitespace() => {
                names.push(ident(&group[i..]));
                start = false;
            }
            _ => {}
        }
    }
    names
}

/// The top-level items of the crate a file's code names; `depth` is the length of the file's
/// module path (`model/compute/power.rs`: 3, `model/compute/mod.rs`: 2).
fn referenced(code: &str, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        out.extend(first_segments(&code[i + "crate::".len()..]));
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("::") || code[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut rest = &code[i..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            climbs += 1;
        }
        if climbs >= depth {
            out.extend(first_segments(rest));
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The folders of a graph that lie on a cycle, if any (depth-first search).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// The graph of top-level folders of `src/` and the uses that go up a layer or reach an
/// unknown folder.
fn scan(src: &Path) -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).expect("under src");
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
        let folder = parts[0].clone();
        if ROOT_FILES.contains(&folder.as_str()) {
            continue;
        }
        let depth = if parts.last().is_some_and(|p| p == "mod") { parts.len() - 1 } else { parts.len() };
        let code = without_comments(&std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display())));
        let Some(from) = layer(&folder) else {
            problems.push(format!("src/{} is in no layer: add `{folder}` to LAYERS", rel.display()));
            continue;
        };
        for used in referenced(&code, depth) {
            if used == folder {
                continue;
            }
            let is_module = src.join(&used).is_dir() || src.join(format!("{used}.rs")).exists();
            match layer(&used) {
                None if is_module => problems.push(format!("src/{} uses crate::{used}, which is in no layer", rel.display())),
                None => {} // an item of the crate root, e.g. VERSION
                Some(to) if to < from => problems.push(format!("src/{} uses crate::{used}, a layer above {folder}", rel.display())),
                Some(_) => {
                    graph.entry(folder.clone()).or_default().insert(used);
                }
            }
        }
    }
    (graph, problems)
}

#[test]
fn no_folder_uses_one_above_it_and_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (graph, problems) = scan(&src);
    assert!(problems.is_empty(), "layering of src/ (see src/layers.rs):\n{}", problems.join("\n"));
    assert_eq!(cycle(&graph), None, "a cycle between folders of src/");
    assert!(graph.get("engine").is_some_and(|g| g.contains("model")), "the scan sees the engine using the model: {graph:?}");
}

#[test]
fn paths_groups_and_climbs_are_read() {
    let code = without_comments(
        "use crate::{model::x, config::{a, b}};\n// crate::cli in a comment\nlet v = crate::VERSION; use super::super::time::Clock;",
    );
    let found: Vec<String> = referenced(&code, 2).into_iter().collect();
    assert_eq!(found, ["VERSION", "config", "model", "time"]);
    assert!(referenced("use super::super::time::Clock;", 3).is_empty(), "two climbs from depth 3 stay inside the folder");
    let g: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a")].iter().map(|(x, y)| (x.to_string(), BTreeSet::from([y.to_string()]))).collect();
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let dag: BTreeMap<String, BTreeSet<String>> = [("a".to_string(), BTreeSet::from(["b".to_string()]))].into();
    assert_eq!(cycle(&dag), None);
}
