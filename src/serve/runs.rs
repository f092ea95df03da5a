//! The server's runs: the folder they are written to, the queue that bounds how many simulate
//! at once, and one run from its scenario to its report.
//!
//! The server owns one output folder (`--out`, marked `serve`). Each run is written into a
//! staging folder and renamed into place as `run-N` (a `run` folder with its report), under the
//! output rule of [`crate::output`]; when more than `keep` runs are there, the oldest the server
//! wrote is deleted. Nothing else is written, and nothing the server did not write is deleted.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::config::Scenario;
use crate::engine::Simulation;
use crate::output::{Kind, Marker, OutputError, Target, marker_of};
use crate::report::Lang;

use super::stream::{MAX_POINTS, Page, Points, Tee, send};

/// The server's output folder and the runs it wrote there, oldest first.
pub struct Store {
    root: PathBuf,
    keep: usize,
    runs: Mutex<(u64, VecDeque<String>)>,
}

fn run_number(name: &str) -> Option<u64> {
    name.strip_prefix("run-")?.parse().ok()
}

impl Store {
    /// Opens (creates, or reuses when it is a `serve` folder) the output folder; adopts the runs
    /// its marker lists. `force` replaces a folder that is not the server's.
    pub fn open(root: &Path, keep: usize, force: bool) -> Result<Store, OutputError> {
        Target::new(root, Kind::Serve).force(force).open_in_place(&[])?;
        let mut runs: Vec<String> = marker_of(root)
            .map(|m| m.files)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| run_number(f).is_some() && root.join(f).is_dir())
            .collect();
        runs.sort_by_key(|f| run_number(f));
        let next = runs.last().and_then(|f| run_number(f)).map_or(1, |n| n + 1);
        let runs: VecDeque<String> = runs.into();
        let store = Store { root: root.to_path_buf(), keep: keep.max(1), runs: Mutex::new((next, VecDeque::new())) };
        store.mark(&runs)?;
        store.lock().1 = runs;
        Ok(store)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, VecDeque<String>)> {
        self.runs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the folder as holding `runs` (called with the lock held: one writer at a time).
    fn mark(&self, runs: &VecDeque<String>) -> Result<(), OutputError> {
        Marker::new(Kind::Serve, runs.iter().cloned().collect()).write(&self.root)
    }

    /// A new run's name.
    fn reserve(&self) -> String {
        let mut g = self.lock();
        let name = format!("run-{}", g.0);
        g.0 += 1;
        name
    }

    /// Records a finished run, deletes the oldest beyond `keep` and marks the folder, under the
    /// lock (the marker is written atomically through one temporary name).
    fn add(&self, name: String) -> Result<(), OutputError> {
        let mut g = self.lock();
        g.1.push_back(name);
        let over = g.1.len().saturating_sub(self.keep);
        let dropped: Vec<String> = g.1.drain(..over).collect();
        for d in dropped {
            let dir = self.root.join(&d);
            // Only a run folder the server wrote (its marker says so) is deleted.
            if marker_of(&dir).is_some_and(|m| m.kind == Kind::Run) {
                std::fs::remove_dir_all(&dir).map_err(OutputError::io(&dir))?;
            }
        }
        self.mark(&g.1)
    }

    /// The file `rel` (`run-3/report.html`, `run-3/plots/x.svg`) of a run the server holds.
    pub fn file(&self, rel: &str) -> Option<PathBuf> {
        let segs: Vec<&str> = rel.split('/').collect();
        let ok = |s: &str| !s.is_empty() && !s.starts_with('.') && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !(2..=3).contains(&segs.len()) || !segs.iter().all(|s| ok(s)) || !self.lock().1.iter().any(|r| r == segs[0]) {
            return None;
        }
        let path = segs.iter().fold(self.root.clone(), |p, s| p.join(s));
        path.is_file().then_some(path)
    }
}

/// The bound on concurrent simulations and on runs waiting for one.
pub struct Slots {
    state: Mutex<(usize, usize)>,
    freed: Condvar,
    running: usize,
    waiting: usize,
}

/// A place in the queue; dropped, it gives its place (and its slot) back.
pub struct Ticket<'a> {
    slots: &'a Slots,
    running: bool,
}

impl Slots {
    /// At most `running` simulations at once and `waiting` runs waiting.
    pub fn new(running: usize, waiting: usize) -> Slots {
        Slots { state: Mutex::new((0, 0)), freed: Condvar::new(), running: running.max(1), waiting }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (usize, usize)> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// (simulating, waiting) now.
    pub fn load(&self) -> (usize, usize) {
        *self.lock()
    }

    /// A place in the queue, or None when it is full.
    pub fn enter(&self) -> Option<Ticket<'_>> {
        let mut g = self.lock();
        if g.1 >= self.waiting {
            return None;
        }
        g.1 += 1;
        Some(Ticket { slots: self, running: false })
    }
}

impl Ticket<'_> {
    /// Waits up to `wait` for a slot; Err(waiting runs) when none came free.
    pub fn wait(&mut self, wait: Duration) -> Result<(), usize> {
        let s = self.slots;
        let deadline = Instant::now() + wait;
        let mut g = s.lock();
        while g.0 >= s.running {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(g.1);
            }
            g = s.freed.wait_timeout(g, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
        g.0 += 1;
        g.1 -= 1;
        self.running = true;
        Ok(())
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let mut g = self.slots.lock();
        if self.running {
            g.0 -= 1;
        } else {
            g.1 -= 1;
        }
        drop(g);
        self.slots.freed.notify_all();
    }
}

/// A finished run.
#[derive(Debug)]
pub struct Done {
    /// Its folder name (`run-N`).
    pub name: String,
    /// Its summary.json as written.
    pub summary: serde_json::Value,
    /// Simulation time, s.
    pub wall_s: f64,
}

/// Why a run did not finish.
#[derive(Debug)]
pub enum Failed {
    /// The page went away (its run was stopped).
    Gone,
    /// Writing the run failed.
    Output(String),
}

/// Runs `sc` into a new run folder of `store`, streaming its points to `page`, and writes its
/// report in `lang`.
pub fn execute(sc: &Scenario, store: &Store, page: &Page, lang: Lang) -> Result<Done, Failed> {
    let out = |e: &dyn std::fmt::Display| Failed::Output(e.to_string());
    let name = store.reserve();
    let staging = Target::new(store.root().join(&name), Kind::Run).stage().map_err(|e| out(&e))?;
    let dir = staging.dir().to_path_buf();
    let create = |f: &str| File::create(dir.join(f)).map(|f| BufWriter::with_capacity(1 << 16, f)).map_err(|e| out(&e));
    let samples = sc.horizon_ms.saturating_sub(sc.warmup_ms) / sc.step_ms.max(1) + 1;
    let every = samples.div_ceil(MAX_POINTS);
    let ts = Tee::Timeseries(create("timeseries.csv")?, Box::new(Points::new(page.clone(), every)));
    let jobs = Tee::Jobs(create("jobs.csv")?);
    let facility = sc.facility.is_some();
    let start = serde_json::json!({"run": name, "horizon_h": sc.horizon_ms as f64 / 3.6e6, "facility": facility,
        "accelerators": sc.accelerators(), "every": every});
    send(page, "start", &start.to_string()).map_err(|_| Failed::Gone)?;
    let started = Instant::now();
    let mut sim = Simulation::new(sc, ts, jobs).map_err(|e| out(&e))?;
    if sim.run(|_| {}).is_err() {
        // The only row sink that fails without a disk error is the page's stream.
        return Err(if send(page, "ping", "{}").is_err() { Failed::Gone } else { Failed::Output("writing the run failed".into()) });
    }
    let wall_s = started.elapsed().as_secs_f64();
    crate::engine::finish_into(sc, sim, &dir, wall_s).map_err(
        |e| {
            if send(page, "ping", "{}").is_err() { Failed::Gone } else { out(&e) }
        },
    )?;
    let summary = crate::report::data::read_json(&dir.join("summary.json")).map_err(|e| out(&e))?;
    crate::report::write_report(&dir, lang).map_err(|e| out(&e))?;
    staging.commit().map_err(|e| out(&e))?;
    store.add(name.clone()).map_err(|e| out(&e))?;
    Ok(Done { name, summary, wall_s })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_bound_running_and_waiting() {
        let slots = Slots::new(1, 2);
        let mut a = slots.enter().unwrap();
        let mut b = slots.enter().unwrap();
        assert!(slots.enter().is_none(), "the queue holds two");
        a.wait(Duration::ZERO).unwrap();
        assert_eq!(slots.load(), (1, 1));
        assert_eq!(b.wait(Duration::from_millis(10)), Err(1), "one simulates at once");
        let c = slots.enter().expect("a place came free when a started");
        drop(c);
        drop(a);
        b.wait(Duration::ZERO).unwrap();
        drop(b);
        assert_eq!(slots.load(), (0, 0));
    }
}
