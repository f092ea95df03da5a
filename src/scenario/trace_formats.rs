//! Importers of published trace layouts: the Alibaba GPU v2023 pod list, and the Acme and Helios
//! job logs. Each names its columns itself (the scenario only names the format).
//!
//! ## How it works
//! Rows are streamed with `csv::ByteRecord` (one reused record, no string per row); repeated
//! text (class labels, GPU constraints, states) is interned into small tables and the job keeps
//! a 16-bit index. A row that cannot be replayed is counted under its reason in
//! [`Trace::skipped`] and a malformed cell is an error naming the file, the line, the column
//! (1-based position in the header) and the column name.
//!
//! - **alibaba-v2023** (Weng et al., "Beware of Fragmentation", ATC'23; alibaba/clusterdata
//!   cluster-trace-gpu-v2023): one job per pod. `num_gpu` accelerators, each shared at
//!   `gpu_milli`/1000 (a pod with `num_gpu` = 0 is CPU-only), `cpu_milli`, `memory_mib`,
//!   `gpu_spec` ("V100M16|V100M32": any of these node models) and `qos` as the class label.
//!   Submit = `creation_time`; run time = `deletion_time - scheduled_time`: the time the pod held
//!   its resources in the production cluster (its queueing there is not replayed: the twin queues
//!   it again on its own). Pods without `scheduled_time` never ran and are skipped; so are pods
//!   deleted before they were created or scheduled (none in openb_pod_list_default.csv). Files
//!   without the time columns (openb_pod_list_multigpu50.csv) are rejected, naming the missing
//!   columns: they are resamplings for packing studies with no arrival or run time to replay.
//! - **acme** (Hu et al., NSDI'24) and **helios** (Hu et al., SC'21): `gpu_num` accelerators,
//!   `node_num` nodes, `type` (Acme) or `vc` (Helios) as the class label, `submit_time`
//!   (seconds or "YYYY-MM-DD HH:MM:SS[+HH:MM]"), `duration` (s), `state` kept per job. Jobs
//!   with `gpu_num` = 0 ran on CPU nodes the twin does not model and are skipped, as are rows
//!   with an empty `duration`.

use std::path::Path;

use super::error::{ScenarioError, csv_error, csv_error_at};
use crate::config::{Trace, TraceFormat, TraceJob};

/// Options shared by the importers.
pub struct Options<'a> {
    /// Unit of numeric time cells, ms.
    pub unit_ms: u64,
    /// Label of rows without a class.
    pub class: &'a str,
    /// Utilization of every job (these traces carry none).
    pub utilization: f64,
    /// The largest job (accelerators) the cluster can hold; larger whole-node jobs are an error.
    pub largest: u64,
}

/// Interned strings with a 16-bit index.
#[derive(Default)]
struct Table(Vec<String>);

impl Table {
    fn index(&mut self, s: &str) -> Option<u16> {
        if let Some(i) = self.0.iter().position(|x| x == s) {
            return Some(i as u16);
        }
        if self.0.len() >= u16::MAX as usize - 1 {
            return None;
        }
        self.0.push(s.to_string());
        Some((self.0.len() - 1) as u16)
    }
}

/// A CSV file open for reading with its header.
struct Reader<'a> {
    file: &'a Path,
    rdr: csv::Reader<super::input::Bounded<std::fs::File>>,
    header: Vec<String>,
}

/// The cells of one row, with the position to name in errors.
struct Row<'a> {
    file: &'a Path,
    rec: &'a csv::ByteRecord,
    line: usize,
    header: &'a [String],
}

impl Row<'_> {
    fn str(&self, col: usize) -> &str {
        self.rec.get(col).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("").trim()
    }

    fn bad(&self, col: usize, what: &str) -> ScenarioError {
        csv_error_at(self.file, Some(self.line), col + 1, &self.header[col], format!("expected {what}, found {:?}", self.str(col)))
    }

    /// A whole number in [0, max].
    fn int(&self, col: usize, max: u64) -> Result<u64, ScenarioError> {
        match self.str(col).parse::<f64>() {
            Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= max as f64 => Ok(v as u64),
            _ => Err(self.bad(col, &format!("a whole number from 0 to {max}"))),
        }
    }

    /// A time: a number of `unit_ms`, or a date and time; in ms (may be negative before 1970).
    fn time(&self, col: usize, unit_ms: u64) -> Result<i64, ScenarioError> {
        let s = self.str(col);
        let ms = match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() * (unit_ms as f64) < 1e17 => Some((v * unit_ms as f64).round() as i64),
            Ok(_) => None,
            Err(_) => parse_datetime_ms(s),
        };
        ms.ok_or_else(|| self.bad(col, "a time in seconds or \"YYYY-MM-DD HH:MM:SS\""))
    }
}

impl<'a> Reader<'a> {
    fn open(file: &'a Path) -> Result<Reader<'a>, ScenarioError> {
        let mut rdr = super::input::csv_reader(file)?;
        let header = rdr.headers().map_err(|e| super::input::csv_failure(file, &e, true))?.iter().map(str::to_string).collect();
        Ok(Reader { file, rdr, header })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The positions of `names`, or an error naming every missing one and what the format needs them for.
    fn require(&self, format: &str, names: &[&str], why: &str) -> Result<Vec<usize>, ScenarioError> {
        let missing: Vec<&str> = names.iter().copied().filter(|n| self.find(n).is_none()).collect();
        if missing.is_empty() {
            return Ok(names.iter().filter_map(|n| self.find(n)).collect());
        }
        Err(csv_error(
            self.file,
            Some(1),
            missing[0],
            format!(
                "format = {format:?} needs the column(s) {}{why}; the header has: {}",
                missing.join(", "),
                super::input::header_list(self.header.iter().map(String::as_str))
            ),
        ))
    }

    /// Calls `f` on every row.
    fn rows(&mut self, mut f: impl FnMut(&Row) -> Result<(), ScenarioError>) -> Result<(), ScenarioError> {
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        loop {
            n += 1;
            match self.rdr.read_byte_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = rec.position().map_or(0, |p| p.line() as usize);
                    if n > super::trace::MAX_ROWS {
                        return Err(super::trace::too_long(self.file, Some(line)));
                    }
                    f(&Row { file: self.file, rec: &rec, line, header: &self.header })?;
                }
                Err(e) => return Err(super::input::csv_failure(self.file, &e, false)),
            }
        }
    }
}

/// Days from 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    crate::time::calendar::Date { year: y as i32, month: m as u32, day: d as u32 }.days()
}

/// "YYYY-MM-DD HH:MM:SS[.fff][+HH:MM|Z]" (or with a 'T') as ms since 1970-01-01 UTC.
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let (date, rest) = s.split_at_checked(10)?;
    let d = crate::time::calendar::Date::parse(date)?;
    let rest = rest.strip_prefix([' ', 'T'])?;
    let (time, offset_s) = match rest.find(['+', 'Z']).or_else(|| rest.rfind('-').filter(|&i| i >= 8)) {
        Some(i) => {
            let (t, z) = rest.split_at(i);
            let off = if z == "Z" {
                0
            } else {
                let sign = if z.starts_with('-') { -1 } else { 1 };
                let mut hm = z[1..].split(':');
                let h: i64 = hm.next()?.parse().ok()?;
                let m: i64 = hm.next().unwrap_or("0").parse().ok()?;
                sign * (h * 3600 + m * 60)
            };
            (t, off)
        }
        None => (rest, 0),
    };
    let mut hms = time.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let sec: f64 = hms.next().unwrap_or("0").parse().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let days = days_from_civil(d.year as i64, d.month as i64, d.day as i64);
    Some((days * 86_400 + h * 3600 + m * 60 - offset_s) * 1000 + (sec * 1000.0).round() as i64)
}

/// Adds one to the count of `reason`.
fn skip(skipped: &mut Vec<(String, u64)>, reason: &str) {
    match skipped.iter_mut().find(|(r, _)| r == reason) {
        Some((_, n)) => *n += 1,
        None => skipped.push((reason.to_string(), 1)),
    }
}

/// An empty trace of a format, to fill.
fn empty(file: &Path, format: TraceFormat, o: &Options) -> Trace {
    Trace {
        file: file.to_path_buf(),
        columns: None,
        time_unit_ms: o.unit_ms,
        start_at_zero: false,
        class: o.class.to_string(),
        utilization: o.utilization,
        labels: Vec::new(),
        jobs: Vec::new(),
        format,
        specs: Vec::new(),
        states: Vec::new(),
        skipped: Vec::new(),
    }
}

/// Finishes a trace: at least one job, sorted by submit time (stable: file order among equals),
/// times made non-negative relative to the earliest submission when they start before 1970.
fn finish(file: &Path, mut t: Trace, labels: Table, specs: Table, states: Table, submits: Vec<i64>) -> Result<Trace, ScenarioError> {
    if t.jobs.is_empty() {
        return Err(csv_error(file, None, "rows", "expected at least one job row that can be replayed"));
    }
    let min = submits.iter().copied().min().unwrap_or(0).min(0);
    for (j, s) in t.jobs.iter_mut().zip(&submits) {
        j.submit_ms = (s - min) as u64;
    }
    t.jobs.sort_by_key(|j| j.submit_ms);
    t.labels = labels.0;
    t.specs = specs.0;
    t.states = states.0;
    Ok(t)
}

fn label(file: &Path, line: usize, col: usize, name: &str, table: &mut Table, s: &str) -> Result<u16, ScenarioError> {
    if s.contains(['"', '\n', ',']) {
        return Err(csv_error_at(file, Some(line), col + 1, name, "expected a label without commas or quotes"));
    }
    table.index(s).ok_or_else(|| csv_error_at(file, Some(line), col + 1, name, "more than 65,534 distinct values"))
}

/// Reads an Alibaba GPU v2023 pod list.
pub fn read_alibaba(file: &Path, o: &Options) -> Result<Trace, ScenarioError> {
    const FORMAT: &str = "alibaba-v2023";
    let mut r = Reader::open(file)?;
    let req = r.require(FORMAT, &["cpu_milli", "memory_mib", "num_gpu", "gpu_milli"], "")?;
    let (cpu, mem, ngpu, milli) = (req[0], req[1], req[2], req[3]);
    let times = r.require(
        FORMAT,
        &["creation_time", "deletion_time", "scheduled_time"],
        " (pods are submitted at creation_time and run for deletion_time - scheduled_time; a pod list without times, \
         like openb_pod_list_multigpu50.csv, has nothing to replay)",
    )?;
    let (created, deleted, scheduled) = (times[0], times[1], times[2]);
    let (qos, spec, phase) = (r.find("qos"), r.find("gpu_spec"), r.find("pod_phase"));
    let mut t = empty(file, TraceFormat::AlibabaV2023, o);
    let (mut labels, mut specs, mut states) = (Table::default(), Table::default(), Table::default());
    let mut submits = Vec::new();
    let unit = o.unit_ms;
    r.rows(|row| {
        let accelerators = row.int(ngpu, 64)? as u32;
        let gpu_milli = if accelerators == 0 { 0 } else { row.int(milli, 1000)? as u16 };
        if accelerators > 0 && (gpu_milli == 0 || (accelerators > 1 && gpu_milli < 1000)) {
            return Err(row.bad(milli, "a share from 1 to 1000 (exactly 1000 for pods of several GPUs)"));
        }
        let cpu_milli = row.int(cpu, u32::MAX as u64)? as u32;
        let memory_mib = row.int(mem, u32::MAX as u64)? as u32;
        let submit = row.time(created, unit)?;
        if row.str(scheduled).is_empty() {
            skip(&mut t.skipped, "never scheduled (no scheduled_time)");
            return Ok(());
        }
        let start = row.time(scheduled, unit)?;
        let end = row.time(deleted, unit)?;
        if end < submit || end < start || start < submit {
            skip(&mut t.skipped, "deleted before created or scheduled, or scheduled before created");
            return Ok(());
        }
        let class = qos.map(|c| row.str(c)).filter(|s| !s.is_empty()).unwrap_or(o.class);
        let label = label(file, row.line, qos.unwrap_or(0), "qos", &mut labels, class)?;
        let spec = match spec.map(|c| (c, row.str(c))) {
            Some((c, s)) if !s.is_empty() => 1 + self::label(file, row.line, c, "gpu_spec", &mut specs, s)?,
            _ => 0,
        };
        let state = match phase.map(|c| (c, row.str(c))) {
            Some((c, s)) if !s.is_empty() => 1 + self::label(file, row.line, c, "pod_phase", &mut states, s)?,
            _ => 0,
        };
        submits.push(submit);
        t.jobs.push(TraceJob {
            gpu_milli,
            cpu_milli,
            memory_mib,
            spec,
            state,
            ..TraceJob::whole(0, accelerators, (end - start) as u64, label, o.utilization, row.line as u32)
        });
        Ok(())
    })?;
    finish(file, t, labels, specs, states, submits)
}

/// Reads an Acme (`format` = Acme, class from `type`) or Helios (class from `vc`) job log.
pub fn read_job_log(file: &Path, format: TraceFormat, o: &Options) -> Result<Trace, ScenarioError> {
    let (name, class_col) = if format == TraceFormat::Acme { ("acme", "type") } else { ("helios", "vc") };
    let mut r = Reader::open(file)?;
    let req = r.require(name, &["gpu_num", "submit_time", "duration"], "")?;
    let (gpus, submit, dur) = (req[0], req[1], req[2]);
    let (class, state, nodes, cpus) = (r.find(class_col), r.find("state"), r.find("node_num"), r.find("cpu_num"));
    let mut t = empty(file, format, o);
    let (mut labels, specs, mut states) = (Table::default(), Table::default(), Table::default());
    let mut submits = Vec::new();
    let unit = o.unit_ms;
    r.rows(|row| {
        let accelerators = row.int(gpus, u32::MAX as u64)? as u32;
        let submit_ms = row.time(submit, unit)?;
        if accelerators == 0 {
            skip(&mut t.skipped, "CPU-only job (gpu_num = 0)");
            return Ok(());
        }
        if row.str(dur).is_empty() {
            skip(&mut t.skipped, "no duration");
            return Ok(());
        }
        let duration_ms = match row.str(dur).parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 && v * (unit as f64) < 1e17 => (v * unit as f64).round() as u64,
            _ => return Err(row.bad(dur, "a non-negative duration in seconds")),
        };
        if accelerators as u64 > o.largest {
            return Err(csv_error_at(
                file,
                Some(row.line),
                gpus + 1,
                "gpu_num",
                format!("a job of {accelerators} accelerators can never run: the largest pool of identical nodes has {}", o.largest),
            ));
        }
        let text = class.map(|c| row.str(c)).filter(|s| !s.is_empty()).unwrap_or(o.class);
        let label = label(file, row.line, class.unwrap_or(0), class_col, &mut labels, text)?;
        let state = match state.map(|c| (c, row.str(c))) {
            Some((c, s)) if !s.is_empty() => 1 + self::label(file, row.line, c, "state", &mut states, s)?,
            _ => 0,
        };
        let nodes = match nodes {
            Some(c) if !row.str(c).is_empty() => row.int(c, u16::MAX as u64)? as u16,
            _ => 0,
        };
        let cpu_milli = match cpus {
            Some(c) if !row.str(c).is_empty() => (row.int(c, (u32::MAX / 1000) as u64)? * 1000) as u32,
            _ => 0,
        };
        submits.push(submit_ms);
        t.jobs.push(TraceJob {
            nodes,
            state,
            cpu_milli,
            ..TraceJob::whole(0, accelerators, duration_ms, label, o.utilization, row.line as u32)
        });
        Ok(())
    })?;
    finish(file, t, labels, specs, states, submits)
}

#[cfg(test)]
mod tests {
    use super::parse_datetime_ms;

    #[test]
    fn datetimes_parse_to_epoch_ms() {
        // 2020-04-01 00:00:00 UTC is 1,585,699,200 s after the epoch (date -d @1585699200).
        assert_eq!(parse_datetime_ms("2020-04-01 00:00:00"), Some(1_585_699_200_000));
        assert_eq!(parse_datetime_ms("2020-04-01T08:00:07+08:00"), Some(1_585_699_207_000));
        assert_eq!(parse_datetime_ms("2020-04-01 00:00:01.5Z"), Some(1_585_699_201_500));
        assert_eq!(parse_datetime_ms("2020-04-01 00:00:00-01:00"), Some(1_585_702_800_000));
        assert_eq!(parse_datetime_ms("2020-13-01 00:00:00"), None);
        assert_eq!(parse_datetime_ms("soon"), None);
    }
}
