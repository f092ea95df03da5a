//! `aidc serve`: a server on an ephemeral port, driven over loopback with a plain HTTP client
//! (std's TcpStream): runs stream and match the command line, refusals name the field, a closed
//! stream stops its run, old runs are dropped, no request (fuzzed) brings it down. The browser
//! test is in [`browser`].

mod browser;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// A running `aidc serve`, killed when dropped.
pub struct Served {
    child: Child,
    /// Its port.
    pub port: u16,
    /// Its output folder.
    pub out: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `aidc serve --port 0 --out <dir>/srv <extra>` and reads its port from the first line.
pub fn serve(dir: &Path, extra: &[&str]) -> Served {
    let out = dir.join("srv");
    let mut args = vec!["serve", "--port", "0", "--out", s(&out)];
    args.extend_from_slice(extra);
    let mut child = command(dir, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("aidc serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line).expect("aidc serve prints its address");
    let port = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|hp| hp.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("aidc serve prints http://HOST:PORT/, printed {line:?}"));
    Served { child, port, out }
}

/// An HTTP response: status, headers (lower-case names) and the body (chunks decoded).
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("a JSON body ({e}): {}", self.text()))
    }

    /// The Server-Sent Events of the body: (event, data).
    pub fn events(&self) -> Vec<(String, Value)> {
        self.text()
            .split("\n\n")
            .filter_map(|ev| {
                let name = ev.lines().find_map(|l| l.strip_prefix("event: "))?;
                let data = ev.lines().find_map(|l| l.strip_prefix("data: "))?;
                Some((name.to_string(), serde_json::from_str(data).unwrap_or_else(|e| panic!("event data is JSON ({e}): {data}"))))
            })
            .collect()
    }
}

/// Sends raw bytes and reads the answer: to the end of its body (Content-Length or the last
/// chunk), or to the end of the stream (a peer that keeps the connection open answers too).
pub fn raw(port: u16, request: &[u8]) -> std::io::Result<Vec<u8>> {
    send_raw(port, request, false)
}

/// [`raw`], closing the sending side after the request when `half_close` (so that a server
/// waiting for the rest of a truncated request sees its end at once).
pub fn send_raw(port: u16, request: &[u8], half_close: bool) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.write_all(request)?;
    if half_close {
        s.shutdown(std::net::Shutdown::Write)?;
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if complete(&out) {
            return Ok(out);
        }
        match s.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if out.is_empty() => return Err(e),
            Err(_) => return Ok(out),
        }
    }
}

/// Whether `bytes` hold a whole response.
fn complete(bytes: &[u8]) -> bool {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let body = &bytes[end + 4..];
    if head.contains("transfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n") && parse(bytes).is_some();
    }
    match head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|n| n.trim().parse::<usize>().ok()) {
        Some(n) => body.len() >= n,
        None => false,
    }
}

/// Parses an HTTP/1.1 response, decoding a chunked body.
pub fn parse(bytes: &[u8]) -> Option<Reply> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let mut body = bytes[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(rest.get(eol + 2..eol + 2 + n)?);
            rest = rest.get(eol + 4 + n..)?;
        }
        body = out;
    }
    Some(Reply { status, headers, body })
}

/// `METHOD path` with a body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> Reply {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let bytes = raw(port, req.as_bytes()).expect("the server answers");
    parse(&bytes).unwrap_or_else(|| panic!("an HTTP response, got {:?}", String::from_utf8_lossy(&bytes)))
}

/// POST /api/run.
pub fn run(port: u16, ask: &Value) -> Reply {
    http(port, "POST", "/api/run", &ask.to_string())
}

/// The `done` event of a streamed run.
fn done(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let events = reply.events();
    let names: Vec<String> = events.iter().map(|e| e.0.clone()).collect();
    let started = names.iter().find(|n| *n != "queued").map(String::as_str);
    assert_eq!(
        started,
        Some("start"),
        "a run starts (after waiting, maybe): {names:?} in {:?}",
        reply.text().chars().take(400).collect::<String>()
    );
    assert!(names.iter().any(|n| n == "points"), "a run streams points: {names:?}");
    events.into_iter().find(|e| e.0 == "done").unwrap_or_else(|| panic!("a run ends with done: {names:?}")).1
}

/// `aidc run` of a served run's resolved scenario: its summary.json.
pub fn command_line_summary(dir: &Path, run: &Path) -> Vec<u8> {
    let out = dir.join(format!("cli-{}", run.file_name().unwrap().to_string_lossy()));
    let o = aidc_in(dir, ["run", s(&run.join("scenario.resolved.toml")), "--out", s(&out), "-q"]);
    assert_ok(&o);
    std::fs::read(out.join("summary.json")).unwrap()
}

#[test]
fn a_served_run_streams_and_matches_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &[]);
    let page = http(srv.port, "GET", "/", "");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<canvas"), "the page has its plots");
    assert!(!page.text().contains("http"), "the page loads nothing from the network");
    let offers = http(srv.port, "GET", "/api/scenarios", "").json();
    assert!(offers["scenarios"].as_array().is_some_and(|a| a.iter().any(|o| o["id"] == "classroom")), "{offers}");

    // (Not demand or growth: those are not scenario fields, so scenario.resolved.toml cannot hold them.)
    let reply = run(srv.port, &json!({"scenario": "classroom", "racks": 6, "policy": "fifo"}));
    let done = done(&reply);
    assert!(reply.headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("text/event-stream")), "{:?}", reply.headers);
    let points: Vec<Value> = reply.events().into_iter().filter(|e| e.0 == "points").flat_map(|e| e.1.as_array().unwrap().clone()).collect();
    assert!(points.len() > 100 && points.len() <= 1000, "{} points", points.len());
    let last = points.last().unwrap();
    assert_eq!(last[0].as_f64(), Some(720.0), "the last point is at the horizon (30 days): {last}");
    assert!(last[4].as_f64().is_some() && last[5].as_f64().is_some_and(|p| p > 1.0), "facility power and PUE: {last}");

    let run_dir = srv.out.join(done["run"].as_str().unwrap());
    let written = std::fs::read(run_dir.join("summary.json")).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&written).unwrap(), done["summary"], "done carries summary.json");
    let cli = command_line_summary(tmp.path(), &run_dir);
    assert!(
        cli == written,
        "the same run from the command line:\n{}\nserved:\n{}",
        String::from_utf8_lossy(&cli),
        String::from_utf8_lossy(&written)
    );
    let resolved = std::fs::read_to_string(run_dir.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("policy = \"fifo\""), "{resolved}");
    let summary = read_json(&run_dir.join("summary.json"));
    assert_eq!(summary["capacity"]["accelerators"], 6 * 4 * 8, "{}", summary["capacity"]);

    let report = http(srv.port, "GET", done["report"].as_str().unwrap(), "");
    assert_eq!(report.status, 200);
    assert!(report.text().contains("<html"), "the full report is served");
    let rows = done["rows"]["zh"].as_array().unwrap();
    assert!(rows.iter().any(|r| r[0].as_str().is_some_and(|l| l.contains("利用率"))), "zh key figures: {rows:?}");
}

#[test]
fn refusals_name_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &[]);
    for (ask, field, says) in [
        (json!({"scenario": "classroom", "racks": "many"}), "halls[0].racks[0].count", ""),
        (json!({"scenario": "classroom", "racks": 0}), "halls[0].racks[0].count", ""),
        (json!({"scenario": "classroom", "racks": 1000}), "halls[0].racks[0].count", "at most 4096"),
        (json!({"scenario": "classroom", "policy": "lottery"}), "scheduler.policy", "lottery"),
        (json!({"scenario": "classroom", "city": "atlantis"}), "site.climate", "atlantis"),
        (json!({"scenario": "classroom", "horizon": "400d"}), "simulation.horizon", "366"),
        (json!({"scenario": "classroom", "supply": 95}), "facility.chilled_water.supply", ""),
        (json!({"scenario": "classroom", "demand": 9}), "demand", "0 to 4"),
        (json!({"scenario": "classroom", "growth": "lots"}), "growth", "5%/month"),
        (json!({"scenario": "demo/fifo", "cooling": "air"}), "cooling", "IT only"),
        (json!({"scenario": "nowhere"}), "scenario", "classroom"),
        (json!({"scenario": "classroom", "sneaky": 1}), "body", "unknown field"),
    ] {
        let r = run(srv.port, &ask);
        assert_eq!(r.status, 400, "{ask} is refused: {}", r.text());
        let e = r.json();
        assert_eq!(e["field"], field, "{ask}: {e}");
        assert!(e["message"].as_str().unwrap().contains(says), "{ask}: {e}");
    }
    // The same value in a file gets the same message.
    let text =
        std::fs::read_to_string(root().join("scenarios/classroom.toml")).unwrap().replace("policy = \"backfill\"", "policy = \"lottery\"");
    let file = tmp.path().join("classroom.toml");
    std::fs::write(&file, text).unwrap();
    let o = aidc_in(tmp.path(), ["check", s(&file)]);
    assert_eq!(o.status.code(), Some(2));
    let served = run(srv.port, &json!({"scenario": "classroom", "policy": "lottery"})).json();
    let tail = |m: &str| m.split("scheduler.policy: ").nth(1).map(|t| t.trim().to_string());
    assert_eq!(tail(served["message"].as_str().unwrap()), tail(&printed(&o)), "{served} vs {}", printed(&o));
    assert!(names(&srv.out).iter().all(|n| n == ".aidc-output"), "a refused run writes nothing: {:?}", names(&srv.out));
}

#[test]
fn a_closed_stream_stops_its_run_and_old_runs_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &["--keep", "2"]);
    // A year at five-minute steps (about a second of simulation): close the stream after its start.
    let body = json!({"scenario": "classroom", "horizon": "365d"}).to_string();
    let req = format!("POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    // Read until the run has started (its staging folder exists), then close.
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("event: start") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the stream ended before the start: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 200"));
    drop(s);
    // Its staging folder goes away and it never becomes a run (finished, it would be run-1).
    let deadline = Instant::now() + Duration::from_secs(60);
    while names(&srv.out) != [".aidc-output"] {
        assert!(Instant::now() < deadline, "the stopped run left {:?}", names(&srv.out));
        std::thread::sleep(Duration::from_millis(50));
    }
    for _ in 0..3 {
        done(&run(srv.port, &json!({"scenario": "demo/fifo", "horizon": "2d"})));
    }
    let mut left = names(&srv.out);
    left.sort();
    // The stopped run never became run-1; of the three finished, the two newest are kept.
    assert_eq!(left, [".aidc-output", "run-3", "run-4"], "{left:?}");
    let marker = std::fs::read_to_string(srv.out.join(".aidc-output")).unwrap();
    assert!(marker.contains("kind = \"serve\"") && marker.contains("run-4") && !marker.contains("run-2"), "{marker}");
}

#[test]
fn a_taken_port_and_a_foreign_folder_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &[]);
    let o = aidc_in(tmp.path(), ["serve", "--port", &srv.port.to_string(), "--out", "other"]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    assert!(printed(&o).contains("--port"), "{}", printed(&o));
    assert!(!tmp.path().join("other").exists(), "a refused start writes nothing");
    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let o = aidc_in(tmp.path(), ["serve", "--port", "0", "--out", "mine"]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    assert!(std::fs::read_to_string(foreign.join("notes.txt")).is_ok_and(|t| t == "mine"));
}

#[test]
fn another_host_is_printed_as_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("srv");
    let mut child = command(tmp.path(), ["serve", "--port", "0", "--host", "0.0.0.0", "--out", s(&out)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("warning: listening on 0.0.0.0"), "{line}");
}

/// A small deterministic generator (xorshift), so that a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[(self.next() % of.len() as u64) as usize]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn fuzzed_requests_never_bring_the_server_down() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &[]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "BREW", ""];
    let paths = [
        "/",
        "/api/run",
        "/api/scenarios",
        "/runs/run-1/report.html",
        "/runs/../../etc/passwd",
        "/runs/run-1/../../x",
        "/runs/%2e%2e/x",
        "/app.js?x=1",
        "//",
        "/\u{0}",
        "/api/run?scenario=classroom",
        "*",
    ];
    let keys = ["scenario", "racks", "policy", "cooling", "supply", "city", "horizon", "demand", "growth", "deferral", "lang", "x"];
    let values = [
        json!("classroom"),
        json!("demo/fifo"),
        json!(-1),
        json!(1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("ß☃\u{0}"),
        json!(null),
        json!(true),
        json!([1, 2]),
        json!({"a": 1}),
        json!("9".repeat(400)),
        json!(0.000001),
        json!("365d"),
        json!("1ms"),
        json!("1000000%/month"),
        json!("-100%"),
        json!(4.0),
        json!("immersion"),
        json!("best-fit"),
    ];
    for i in 0..400 {
        let method = rng.pick(&methods);
        let long = (rng.next() % 5000) as usize;
        let path = if i % 7 == 0 { format!("/{}", "a".repeat(long)) } else { rng.pick(&paths).to_string() };
        let body: Vec<u8> = match i % 4 {
            0 => {
                let n = (rng.next() % 300) as usize;
                rng.bytes(n)
            }
            1 => "[".repeat(10_000).into_bytes(),
            _ => {
                let mut m = serde_json::Map::new();
                for _ in 0..(rng.next() % 6) {
                    m.insert(rng.pick(&keys).to_string(), values[(rng.next() % values.len() as u64) as usize].clone());
                }
                if i % 3 == 0 {
                    m.insert("scenario".into(), json!("demo/fifo"));
                    m.insert("horizon".into(), json!("1d"));
                }
                Value::Object(m).to_string().into_bytes()
            }
        };
        let length = if i % 11 == 0 { "99999999999".to_string() } else { body.len().to_string() };
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {length}\r\n\r\n").into_bytes();
        req.extend_from_slice(&body);
        if i % 13 == 0 {
            req = rng.bytes(200);
        }
        let _ = send_raw(srv.port, &req, true);
    }
    // A body far above the bound is refused before it is read.
    let big = format!("{{\"scenario\": \"{}\"}}", "x".repeat(100_000));
    assert_eq!(http(srv.port, "POST", "/api/run", &big).status, 413);
    // Still serving, and nothing outside its folder.
    assert_eq!(http(srv.port, "GET", "/", "").status, 200);
    done(&run(srv.port, &json!({"scenario": "demo/fifo", "horizon": "1d"})));
    let outside: Vec<String> = names(tmp.path()).into_iter().filter(|n| n != "srv").collect();
    assert!(outside.is_empty(), "written outside the server's folder: {outside:?}");
}

/// Thirty clients at once on loopback: every run finishes (queued when the slots are taken).
#[test]
fn thirty_clients_at_once_all_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &[]);
    let started = Instant::now();
    let port = srv.port;
    let handles: Vec<_> = (0..30)
        .map(|i| {
            std::thread::spawn(move || {
                let scenario = ["classroom", "demo/fifo", "demo/backfill"][i % 3];
                done(&run(port, &json!({"scenario": scenario, "horizon": "7d", "racks": 4 + i % 5})))
            })
        })
        .collect();
    let runs: Vec<String> = handles.into_iter().map(|h| h.join().expect("a client")["run"].as_str().unwrap().to_string()).collect();
    assert_eq!(runs.len(), 30);
    // Figures for BENCHMARKS.md (printed with --nocapture, never asserted): wall time and the
    // server's peak resident memory.
    let status = std::fs::read_to_string(format!("/proc/{}/status", srv.child.id())).unwrap_or_default();
    let peak = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: unknown").to_string();
    eprintln!("30 clients, 7-day runs: {:.2} s; server {peak}", started.elapsed().as_secs_f64());
}
