//! Every example a newcomer can copy runs as written from a fresh checkout: the `aidc ...` lines
//! of the README's `sh` blocks and its complete inline commands, and the "Examples:" of `aidc
//! --help` and of every subcommand's `--help`.
//!
//! Each source runs in its own empty folder holding a copy of `scenarios/` (as a fresh clone
//! has it), in the order it is written (a later example may read an earlier one's outputs, as
//! `aidc report output/classroom` after `aidc run scenarios/classroom.toml`), with `aidc` on
//! the PATH, through `bash -c` so that quoting works as in a shell. The Slurm recipe
//! (`#SBATCH` blocks) needs a cluster: tests/aidc/slurm.rs runs it against a real one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::support::*;

/// Longest one example may take here before it counts as hung (the slowest takes seconds).
const HUNG: Duration = Duration::from_secs(600);

/// The `aidc` commands of the README's shell blocks (continued lines joined, comments cut) and
/// its inline commands that are complete: no placeholder (`SCENARIO`, `DIR`, `[...]`), and a
/// file or a demo or catalog name to act on.
fn readme_examples(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for line in readme.lines() {
        let t = line.trim();
        if let Some(lines) = block.as_mut() {
            if t.starts_with("```") {
                let lines = block.take().unwrap_or_default();
                if !lines.iter().any(|l| l.contains("#SBATCH")) {
                    out.extend(shell_commands(&lines));
                }
            } else {
                lines.push(t.to_string());
            }
        } else if t == "```sh" {
            block = Some(Vec::new());
        } else {
            out.extend(inline_commands(line));
        }
    }
    out
}

/// `aidc` commands of a shell block: `\` continuations joined, `# comments` cut.
fn shell_commands(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for l in lines {
        let code = match l.find(" #") {
            Some(i) => l[..i].trim_end(),
            None => l.as_str(),
        };
        if let Some(head) = code.strip_suffix('\\') {
            cur.push_str(head.trim_end());
            cur.push(' ');
            continue;
        }
        cur.push_str(code.trim());
        let cmd = std::mem::take(&mut cur);
        if cmd.starts_with("aidc ") {
            out.push(cmd);
        }
    }
    out
}

/// The complete `aidc ...` commands in backticks on a line of prose.
fn inline_commands(line: &str) -> Vec<String> {
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("aidc "))
        .filter(|c| {
            let words: Vec<&str> = c.split_whitespace().skip(1).collect();
            let placeholder =
                words.iter().any(|w| w.chars().any(|ch| ch.is_ascii_uppercase()) || w.contains(['[', '|', '<']) || w.contains("..."));
            let acts_on = words.iter().any(|w| w.contains('/')) || (matches!(words.first(), Some(&"demo" | &"catalog")) && words.len() > 1);
            !placeholder && acts_on
        })
        .map(str::to_string)
        .collect()
}

/// The `aidc ...` lines under "Examples:" of a `--help` text.
fn help_examples(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .take_while(|l| l.starts_with("  ") || l.trim().is_empty())
        .map(str::trim)
        .filter(|l| l.starts_with("aidc "))
        .map(str::to_string)
        .collect()
}

/// The subcommands `aidc --help` lists.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// A copy of `from` (a folder) at `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs `commands` in order in a fresh folder with a copy of `scenarios/`; returns the failures.
fn run_all(what: &str, commands: &[String]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("scenarios"), &tmp.path().join("scenarios"));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_aidc"));
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut failures = Vec::new();
    for cmd in commands {
        if cmd.split_whitespace().nth(1) == Some("serve") {
            if let Err(e) = serve_answers(cmd, tmp.path(), &path) {
                failures.push(format!("{what}: `{cmd}`: {e}"));
            }
            continue;
        }
        let started = Instant::now();
        let mut child = Command::new("bash")
            .args(["-c", cmd])
            .current_dir(tmp.path())
            .env("PATH", &path)
            .env("AIDC_DATA", root().join("../shared/data"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if started.elapsed() > HUNG {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let o = child.wait_with_output().unwrap();
        eprintln!("{what}: `{cmd}` {:.1} s", started.elapsed().as_secs_f64());
        if status.is_none_or(|s| !s.success()) {
            failures.push(format!(
                "{what}: `{cmd}` {}\n{}{}",
                status.map_or("hung".to_string(), |s| s.to_string()),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    failures
}

/// Starts a `aidc serve` example, reads the address it prints, asks it for its page and stops
/// it (a server runs until stopped: "runs as written" is "serves its page").
fn serve_answers(cmd: &str, dir: &Path, path: &str) -> Result<(), String> {
    use std::io::{BufRead, Read, Write};
    let mut child = Command::new("bash")
        .args(["-c", &format!("exec {cmd}")])
        .current_dir(dir)
        .env("PATH", path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let result = (|| {
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .map_err(|_| "printed no address in 30 s".to_string())?;
            if let Some(i) = line.find("http://") {
                break line[i + 7..].split('/').next().unwrap_or_default().to_string();
            }
        };
        let port = url.rsplit(':').next().unwrap_or_default();
        let mut conn = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).map_err(|e| format!("{url}: {e}"))?;
        conn.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
        conn.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").map_err(|e| e.to_string())?;
        let mut answer = String::new();
        conn.read_to_string(&mut answer).map_err(|e| e.to_string())?;
        if answer.starts_with("HTTP/1.1 200") && answer.contains("<html") {
            Ok(())
        } else {
            Err(format!("GET / on {url}: {}", answer.lines().next().unwrap_or("")))
        }
    })();
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    result
}

#[test]
fn the_readme_finds_its_examples() {
    let text = "```sh\naidc sweep a.toml --set x=1 \\\n    --set y=2 -n 3   # six runs\ncargo test\n```\n\
                Run `aidc demo payback` or `aidc run SCENARIO`, see `aidc run --report` and `aidc run scenarios/c.toml --report`.\n\
                ```sh\n#SBATCH --array=1-5\nsrun aidc sweep x\n```\n";
    assert_eq!(
        readme_examples(text),
        ["aidc sweep a.toml --set x=1 --set y=2 -n 3", "aidc demo payback", "aidc run scenarios/c.toml --report"]
    );
    let help = "Usage: aidc run\n\nExamples:\n  aidc run a.toml\n  aidc run b.toml --quiet\n";
    assert_eq!(help_examples(help), ["aidc run a.toml", "aidc run b.toml --quiet"]);
}

#[test]
fn every_readme_and_help_example_runs_from_a_fresh_checkout() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let from_readme = readme_examples(&readme);
    assert!(from_readme.len() >= 10, "the README's examples were found: {from_readme:?}");
    let top = stdout(&aidc(["--help"]));
    let mut from_help = help_examples(&top);
    let subs = subcommands(&top);
    assert!(subs.len() >= 8, "subcommands listed: {subs:?}");
    for sub in &subs {
        let text = stdout(&aidc([sub.as_str(), "--help"]));
        let examples = help_examples(&text);
        assert!(!examples.is_empty(), "`aidc {sub} --help` has examples:\n{text}");
        from_help.extend(examples);
    }
    // The two sources side by side: each a fresh checkout of its own.
    let readme_run = std::thread::spawn(move || run_all("README", &from_readme));
    let mut failures = run_all("--help", &from_help);
    failures.extend(readme_run.join().unwrap());
    assert!(failures.is_empty(), "examples that fail as written:\n\n{}", failures.join("\n\n"));
}
