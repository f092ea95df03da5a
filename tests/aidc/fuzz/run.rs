//! Running one fuzz case and checking the contract (issue 12): no panic, only exit codes 0, 1
//! or 2, a bad input located and its echoes cut, no partial output folder, and for a run that
//! succeeds, IT energy >= 0 and PUE >= 1.
//!
//! [`in_process`] loads and runs the case with the library (fast; a panic is caught; the
//! engine's invariants are checked at the end); [`binary`] runs the `aidc` binary under a
//! memory limit (real exit codes, output folders, stderr). Both stop a case after a time limit
//! and say so; whether that is a failure is the campaign's call (the long mode only).
//! Horizons are forced to at most 2 days. The resource guards of `aidc run` apply (with a
//! memory figure of 4 GiB, as on a shared machine); runs they accept but that are too busy for
//! a campaign ([`too_large`]) are checked with `aidc check` through the binary, not run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aidc::engine::Simulation;
use aidc::scenario::{Scenario, ScenarioError};

use crate::support::BIN;

/// The longest horizon a case runs, ms.
pub const HORIZON_MS: u64 = 2 * 86_400_000;

/// A case: a scenario and the files beside it.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it is (seed and mutations).
    pub label: String,
    /// The scenario file's bytes.
    pub scenario: Vec<u8>,
    /// Other files written beside it: (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

/// What a case did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The exit code aidc gives (or would give): 0, 1, 2; anything else is a problem.
    pub code: i32,
    /// CPU time where Linux says, else wall time, s.
    pub secs: f64,
    /// Why it was not run: refused by the guards (exit 2) or only checked ([`too_large`]).
    pub capped: Option<String>,
    /// Stopped after its time limit (a finding in the long mode only).
    pub abandoned: bool,
    /// Broken promises.
    pub problems: Vec<String>,
}

impl Case {
    /// Writes the case into `dir` (emptied first); returns the scenario's path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("case folder");
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(name), bytes).expect("case file");
        }
        let path = dir.join("scenario.toml");
        std::fs::write(&path, &self.scenario).expect("case scenario");
        path
    }
}

/// The memory a case may count on (as `AIDC_MAX_MEMORY`, the guards' knob for a shared
/// machine): two workers and the binary's address-space limit fit in a small machine.
pub const CAMPAIGN_MEMORY: u64 = 4 << 30;

/// The `capped` reason of a run that the resource guards refused (exit code 2).
pub const GUARDED: &str = "refused by the resource guards";

/// Why a run accepted by the resource guards is still too busy for a campaign of thousands of
/// cases, if it is: an overloaded queue (more than 10^6 arrivals, or failures, in 2 days) is
/// correct but slow, since each scheduling pass costs with the queue and the running jobs
/// (`tests/fixtures/fuzz/*-overloaded`; more than 60 s of CPU for 2 million arrivals on 10,240
/// accelerators). Large designs are the guards' call and run.
pub fn too_large(sc: &Scenario) -> Option<String> {
    let horizon_s = sc.horizon_ms.min(HORIZON_MS) as f64 / 1000.0;
    let arrivals: f64 = sc.classes.iter().map(|c| c.rate_per_s).sum::<f64>() * horizon_s;
    let failures: f64 =
        sc.failures.as_ref().map_or(0.0, |f| f.components.iter().map(|c| sc.accelerators() as f64 * horizon_s * 1000.0 / c.mtbf_ms).sum());
    if arrivals > 1e6 {
        Some(format!("arrivals: {arrivals:.0}"))
    } else if failures > 1e6 {
        Some(format!("failures: {failures:.0}"))
    } else {
        None
    }
}

/// Checks a located error: file and field named, a line where the field is in the scenario,
/// echoes cut.
fn check_error(e: &ScenarioError, scenario: &Path, problems: &mut Vec<String>) {
    let text = e.to_string();
    if text.chars().count() > 3_000 {
        problems.push(format!("an error of {} characters (echoes not cut)", text.chars().count()));
    }
    match e {
        ScenarioError::Io { path, .. } => {
            if path != scenario {
                problems.push(format!("an unlocated I/O error on a referenced file: {text}"));
            }
        }
        ScenarioError::Invalid(d) => {
            if d.field.is_empty() || d.message.is_empty() {
                problems.push(format!("an error without field or message: {text}"));
            }
            let located = d.line.is_some() || d.file != scenario || !present(scenario, &d.field);
            if !located {
                problems.push(format!("no line for a scenario field: {text}"));
            }
        }
    }
}

/// CPU seconds used so far by `/proc/<what>/stat` ("thread-self" or a pid), where Linux says;
/// time limits count CPU, not wall time, so that a busy machine does not make a case fail.
pub fn cpu_s(what: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{what}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// A clock for a time limit: CPU time of this thread where Linux says, else wall time.
struct Clock {
    wall: Instant,
    cpu: Option<f64>,
}

impl Clock {
    fn start() -> Clock {
        Clock { wall: Instant::now(), cpu: cpu_s("thread-self") }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, cpu_s("thread-self")) {
            (Some(a), Some(b)) => Duration::from_secs_f64((b - a).max(0.0)),
            _ => self.wall.elapsed(),
        }
    }
}

/// Whether the field `a.b[0].c` is written in the scenario at `path` (an absent one has no line).
fn present(path: &Path, field: &str) -> bool {
    use aidc::scenario::error::Seg;
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let mut segs = Vec::new();
    for part in field.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        segs.push(Seg::Key(key.to_string()));
        for idx in rest.split('[').map(|s| s.trim_end_matches(']')).filter(|s| !s.is_empty()) {
            match idx.parse() {
                Ok(i) => segs.push(Seg::Index(i)),
                Err(_) => return false,
            }
        }
    }
    let fp = aidc::scenario::FieldPath(segs);
    let src = aidc::scenario::Source::new(path, text);
    // Present when the deepest span found is the field's own (its parent's span differs).
    let own = src.span_of(&fp);
    let parent = aidc::scenario::FieldPath(fp.0[..fp.0.len().saturating_sub(1)].to_vec());
    own.is_some() && (fp.0.len() == 1 || own != src.span_of(&parent))
}

/// Checks a successful run's summary: energy >= 0, facility >= IT, PUE >= 1.
fn check_summary(s: &serde_json::Value, problems: &mut Vec<String>) {
    let num = |p: &[&str]| p.iter().try_fold(s, |v, k| v.get(k)).and_then(serde_json::Value::as_f64);
    match num(&["energy", "it_kwh"]) {
        Some(e) if e >= 0.0 && e.is_finite() => {
            if let Some(f) = num(&["energy", "facility_kwh"])
                && !(e * (1.0 - 1e-12)..).contains(&f)
            {
                problems.push(format!("facility energy {f} kWh below IT energy {e} kWh"));
            }
        }
        other => problems.push(format!("IT energy {other:?} kWh (negative, not finite or missing)")),
    }
    for key in ["annual", "min_month", "max_month"] {
        if let Some(p) = num(&["pue", key])
            && !(1.0..).contains(&p)
        {
            problems.push(format!("PUE {key} = {p}"));
        }
    }
}

/// Names in `dir` that a run left beside its output: temporary or old folders.
fn leftovers(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else { return vec![] };
    rd.filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out") || (n.contains(".tmp-") && n.starts_with('.')))
        .collect()
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "?".into())
}

/// Loads and runs a case with the library in `dir`, as `aidc run` would (horizon at most 2 d,
/// rows discarded), checking the engine's invariants at the end. A run still going after
/// `deadline` is abandoned between two slices of simulated time (`abandoned`).
pub fn in_process(case: &Case, dir: &Path, deadline: Duration) -> Outcome {
    let path = case.write(dir);
    let started = Instant::now();
    let clock = Clock::start();
    let mut o = Outcome::default();
    let result = catch_unwind(AssertUnwindSafe(|| -> (i32, Option<String>, bool, Vec<String>) {
        let mut problems = Vec::new();
        let mut sc = match aidc::scenario::load(&path) {
            Ok(sc) => sc,
            Err(e) => {
                check_error(&e, &path, &mut problems);
                return (2, None, false, problems);
            }
        };
        sc.horizon_ms = sc.horizon_ms.min(HORIZON_MS);
        sc.step_ms = sc.step_ms.min(sc.horizon_ms);
        // The resource guards of `aidc run` (issue 12, item 4).
        {
            use aidc::engine::budget;
            if let Ok(mut limits) = budget::Limits::of_machine(None, false) {
                if let Some(m) = limits.memory.as_mut() {
                    m.bytes = m.bytes.min(CAMPAIGN_MEMORY);
                }
                if let Err(r) = budget::check(&budget::estimate(&sc, budget::Outputs::files(false)), &limits) {
                    check_error(&r.located(&sc, None), &path, &mut problems);
                    return (2, Some(GUARDED.into()), false, problems);
                }
            }
        }
        if let Some(why) = too_large(&sc) {
            return (0, Some(why), false, problems);
        }
        let mut sim = match Simulation::new(&sc, std::io::sink(), std::io::sink()) {
            Ok(s) => s,
            Err(e) => return (1, None, false, vec![format!("cannot start on a sink: {e}")]),
        };
        let slice = (sc.horizon_ms / 200).max(1);
        let mut t = 0;
        while t < sc.horizon_ms {
            t = t.saturating_add(slice).min(sc.horizon_ms);
            if let Err(e) = sim.run_until(t, |_| {}) {
                problems.push(format!("I/O error on a sink: {e}"));
            }
            if t < sc.horizon_ms && clock.elapsed() > deadline {
                return (0, None, true, problems);
            }
        }
        if let Err(e) = sim.check_invariants() {
            problems.push(format!("invariant: {e}"));
        }
        match sim.finish(started.elapsed().as_secs_f64()) {
            Ok((summary, ..)) => check_summary(&serde_json::to_value(&summary).unwrap_or_default(), &mut problems),
            Err(e) => problems.push(format!("I/O error on a sink: {e}")),
        }
        (0, None, false, problems)
    }));
    o.secs = clock.elapsed().as_secs_f64();
    match result {
        Ok((code, capped, abandoned, problems)) => {
            o.code = code;
            o.capped = capped;
            o.abandoned = abandoned;
            o.problems = problems;
        }
        Err(p) => {
            o.code = 101;
            o.problems.push(format!("panic: {}", panic_text(p.as_ref())));
        }
    }
    o
}

/// Runs the `aidc` binary on a case in `dir` (`run`, with `--horizon 2d` past 2 days, or
/// `check` for a run too busy for a campaign), under an 8 GiB address-space limit; `limit` kills it after that long.
pub fn binary(case: &Case, dir: &Path, check_only: bool, limit: Duration) -> Outcome {
    let path = case.write(dir);
    // Shorten a horizon past 2 days (never lengthen a shorter one).
    let long = aidc::scenario::load(&path).is_ok_and(|sc| sc.horizon_ms > HORIZON_MS);
    let mut args = vec!["run", "scenario.toml", "--out", "out", "--quiet"];
    if long {
        args.extend(["--horizon", "2d"]);
    }
    if check_only {
        args = vec!["check", "scenario.toml"];
    }
    let started = Instant::now();
    let child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 8388608 2>/dev/null; exec \"$@\"")
        .arg("sh")
        .arg(BIN)
        .args(&args)
        .current_dir(dir)
        .env("AIDC_MAX_MEMORY", CAMPAIGN_MEMORY.to_string() + "B")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut o = Outcome::default();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            o.code = -1;
            o.problems.push(format!("cannot start aidc: {e}"));
            return o;
        }
    };
    // Drain the pipes on threads so that a chatty child cannot block on a full pipe.
    let mut err_pipe = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = std::io::Read::read_to_end(p, &mut s);
        }
        s
    });
    let mut out_pipe = child.stdout.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = std::io::Read::read_to_end(p, &mut s);
        }
        s
    });
    // The child's CPU time where Linux says (sh execs aidc in place: same pid), else wall time;
    // a child stopped 10 times past the limit in wall time whatever its CPU.
    let pid = child.id().to_string();
    let mut cpu = 0.0;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {
                cpu = cpu_s(&pid).unwrap_or(cpu);
                let used = if cfg!(target_os = "linux") { cpu } else { started.elapsed().as_secs_f64() };
                if used > limit.as_secs_f64() || started.elapsed() > 10 * limit {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => break None,
        }
    };
    o.secs = if cpu > 0.0 { cpu } else { started.elapsed().as_secs_f64() };
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let _ = out_reader.join();
    let Some(status) = status else {
        o.code = -1;
        o.abandoned = true;
        return o;
    };
    o.code = status.code().unwrap_or(-1);
    if !matches!(o.code, 0..=2) {
        o.problems.push(format!("exit {:?} ({status})", status.code()));
    }
    if stderr.contains("panicked") {
        o.problems.push(format!("panic: {}", stderr.lines().take(3).collect::<Vec<_>>().join(" / ")));
    }
    if o.code == 2 && !stderr.starts_with("error: ") {
        o.problems.push(format!("bad input without `error: `: {}", stderr.chars().take(200).collect::<String>()));
    }
    if stderr.chars().count() > 6_000 {
        o.problems.push(format!("stderr of {} characters (echoes not cut)", stderr.chars().count()));
    }
    let out = dir.join("out");
    if o.code != 0 && out.exists() {
        o.problems.push("a failed run left its output folder".into());
    }
    if o.code == 0 && !check_only {
        match std::fs::read_to_string(out.join("summary.json")).ok().and_then(|t| serde_json::from_str(&t).ok()) {
            Some(json) => check_summary(&json, &mut o.problems),
            None => o.problems.push("a successful run without a readable summary.json".into()),
        }
    }
    let left = leftovers(dir);
    if !left.is_empty() {
        o.problems.push(format!("left behind: {}", left.join(", ")));
    }
    o
}
