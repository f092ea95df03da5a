//! Streaming a run to its page: the timeseries rows are written to the run's timeseries.csv and,
//! folded into at most [`MAX_POINTS`] points, sent to the page as Server-Sent Events.
//!
//! ## How it works
//! The engine writes one timeseries.csv row per sampling tick into a row sink. The run's sink is
//! a [`Tee`]: the file, and a [`Points`] that reads the columns the page plots from the row,
//! averages them over `every` ticks and sends the points in batches, at most every
//! [`BATCH_MS`] (the first point at once). A failed write to the page (the tab was closed, the
//! stop button pressed) is an error of the sink: the engine returns it at the next tick and the
//! run stops there. The engine needs no hook for this.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The most points a run sends (a plot is about a thousand pixels wide).
pub const MAX_POINTS: u64 = 1000;
/// Points are sent in batches at most this often, ms.
pub const BATCH_MS: u128 = 40;

/// The page's end of a run: the socket, shared by the sink and the request's thread.
pub type Page = Arc<Mutex<Box<dyn Write + Send>>>;

/// Writes one Server-Sent Event as one chunk of the chunked response and flushes it; an
/// error means the page is gone.
pub fn send(page: &Page, event: &str, data: &str) -> io::Result<()> {
    let body = format!("event: {event}\ndata: {data}\n\n");
    let mut w = page.lock().map_err(|_| io::Error::other("the page's stream is poisoned"))?;
    write!(w, "{:x}\r\n{body}\r\n", body.len())?;
    w.flush()
}

/// The plotted columns: time_s, utilization_allocated, queue_length, it_power_kw,
/// facility_power_kw, pue, outdoor_db_c (the last three with a facility).
const COLUMNS: [&str; 7] = ["time_s", "utilization_allocated", "queue_length", "it_power_kw", "facility_power_kw", "pue", "outdoor_db_c"];

/// Folds timeseries rows into points and sends them to the page: each point is
/// [hours, utilization %, queue, IT kW, facility kW, PUE, outdoor °C], null where absent.
pub struct Points {
    page: Page,
    every: u64,
    index: Option<[Option<usize>; 7]>,
    line: Vec<u8>,
    sum: [f64; 7],
    n: u64,
    batch: String,
    last_send: Option<Instant>,
}

impl Points {
    /// Points of `every` ticks each, sent to `page`.
    pub fn new(page: Page, every: u64) -> Points {
        Points {
            page,
            every: every.max(1),
            index: None,
            line: Vec::with_capacity(256),
            sum: [0.0; 7],
            n: 0,
            batch: String::new(),
            last_send: None,
        }
    }

    fn row(&mut self) {
        let text = String::from_utf8_lossy(&self.line);
        let text = text.trim_end();
        let Some(index) = self.index else {
            let names: Vec<&str> = text.split(',').collect();
            self.index = Some(COLUMNS.map(|c| names.iter().position(|n| *n == c)));
            return;
        };
        let cells: Vec<&str> = text.split(',').collect();
        for (k, i) in index.iter().enumerate() {
            let v = i.and_then(|i| cells.get(i)).and_then(|c| c.parse::<f64>().ok()).unwrap_or(f64::NAN);
            // Time is the tick's own; the rest is the mean over the point's ticks.
            self.sum[k] = if k == 0 { v } else { self.sum[k] + v };
        }
        self.n += 1;
        if self.n >= self.every {
            self.point();
        }
    }

    fn point(&mut self) {
        if self.n == 0 {
            return;
        }
        let n = self.n as f64;
        let v = |k: usize, scale: f64, digits: usize| {
            let x = if k == 0 { self.sum[0] } else { self.sum[k] / n } * scale;
            if x.is_finite() { format!("{x:.digits$}") } else { "null".to_string() }
        };
        let p = [v(0, 1.0 / 3600.0, 3), v(1, 100.0, 2), v(2, 1.0, 1), v(3, 1.0, 1), v(4, 1.0, 1), v(5, 1.0, 4), v(6, 1.0, 2)];
        if !self.batch.is_empty() {
            self.batch.push(',');
        }
        self.batch.push('[');
        self.batch.push_str(&p.join(","));
        self.batch.push(']');
        self.sum = [0.0; 7];
        self.n = 0;
    }

    /// Sends the points not sent yet, if a batch is due (or `now`).
    fn send_due(&mut self, now: bool) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let due = self.last_send.is_none_or(|t| t.elapsed().as_millis() >= BATCH_MS);
        if !(now || due) {
            return Ok(());
        }
        let data = format!("[{}]", self.batch);
        self.batch.clear();
        send(&self.page, "points", &data)?;
        self.last_send = Some(Instant::now());
        Ok(())
    }

    /// Sends the last, partial point and what is left of the batch.
    pub fn finish(&mut self) -> io::Result<()> {
        self.point();
        self.send_due(true)
    }
}

impl Write for Points {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            if b == b'\n' {
                self.row();
                self.line.clear();
            } else {
                self.line.push(b);
            }
        }
        self.send_due(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A row sink of a served run: timeseries.csv with its points to the page, or jobs.csv.
pub enum Tee {
    /// timeseries.csv and the page.
    Timeseries(BufWriter<File>, Box<Points>),
    /// jobs.csv.
    Jobs(BufWriter<File>),
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Tee::Timeseries(f, p) => {
                f.write_all(buf)?;
                p.write_all(buf)?;
            }
            Tee::Jobs(f) => f.write_all(buf)?,
        }
        Ok(buf.len())
    }

    /// Flushes the file; the timeseries' also sends the last points (the engine flushes its
    /// sinks once, when the run ends).
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Tee::Timeseries(f, p) => {
                f.flush()?;
                p.finish()
            }
            Tee::Jobs(f) => f.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rows_fold_into_mean_points() {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let page: Page = Arc::new(Mutex::new(Box::new(Shared(buf.clone()))));
        let mut p = Points::new(page, 2);
        p.write_all(b"time_s,utilization_allocated,queue_length,it_power_kw\n3600,0.5,2,10\n7200,0.7,4,30\n10800,1,0,").unwrap();
        p.write_all(b"5\n").unwrap();
        p.finish().unwrap();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        // The first point goes out at once, the last (partial) one at the finish.
        let events: Vec<&str> = text.split("\r\n").filter(|c| c.starts_with("event")).collect();
        assert_eq!(
            events,
            [
                "event: points\ndata: [[2.000,60.00,3.0,20.0,null,null,null]]\n\n",
                "event: points\ndata: [[3.000,100.00,0.0,5.0,null,null,null]]\n\n"
            ]
        );
    }
}
