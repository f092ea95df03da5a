//! The page in a real browser: headless Chromium driven by chromedriver's WebDriver API (plain
//! HTTP and JSON over loopback). Skipped, with a message, where chromium or chromedriver is not
//! installed (`.ci/run` installs Debian's `chromium` and `chromium-driver` where it can).
//!
//! With `AIDC_SHOTS=DIR` it saves screenshots (1280 wide) there: mid-run and after comparing,
//! in English and Chinese.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{command_line_summary, http, serve};

fn find(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file()))
}

struct Driver {
    child: Child,
    port: u16,
    session: String,
    /// The browser's own profile folder: it names the browser processes to stop.
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let req = format!("DELETE /session/{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", self.session);
        let _ = super::raw(self.port, req.as_bytes());
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium outlives chromedriver when the session's DELETE has not closed it yet:
        // stop every process started with this test's profile folder.
        let _ = std::process::Command::new("pkill").args(["-f", "--"]).arg(format!("--user-data-dir={}", self.profile.display())).status();
    }
}

impl Driver {
    fn start(chromium: &Path, chromedriver: &Path, profile: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut d = Driver { child, port, session: String::new(), profile: profile.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while super::raw(port, b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_err() {
            assert!(Instant::now() < deadline, "chromedriver answers within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1400",
            "--lang=en-US",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium.display().to_string(), "args": args}}}});
        let r = http(port, "POST", "/session", &caps.to_string()).json();
        d.session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("a WebDriver session: {r}")).to_string();
        d
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let r = http(self.port, method, &format!("/session/{}{path}", self.session), &body.to_string());
        let v = r.json();
        assert!(r.status == 200, "WebDriver {method} {path}: {v}");
        v["value"].clone()
    }

    fn js(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", &json!({"script": script, "args": []}))
    }

    fn element(&self, css: &str) -> String {
        let v = self.call("POST", "/element", &json!({"using": "css selector", "value": css}));
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap().to_string()
    }

    fn click(&self, css: &str) {
        let e = self.element(css);
        self.call("POST", &format!("/element/{e}/click"), &json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.call("POST", &format!("/element/{e}/clear"), &json!({}));
        self.call("POST", &format!("/element/{e}/value"), &json!({"text": text}));
    }

    /// Polls `script` until it returns one of `wanted`.
    fn wait_for(&self, script: &str, wanted: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.js(script);
            let s = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            if wanted.contains(&s.as_str()) {
                return s;
            }
            assert!(Instant::now() < deadline, "{script} never gave one of {wanted:?} (last {s})");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn shot(&self, name: &str) {
        let Some(dir) = std::env::var_os("AIDC_SHOTS") else { return };
        let b64 = self.call("GET", "/screenshot", &json!({}));
        let png = decode_base64(b64.as_str().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(name), png).unwrap();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for q in clean.chunks(4) {
        let n = q.iter().enumerate().fold(0u32, |n, (i, &c)| n | (val(c) as u32) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..q.len()]);
    }
    out
}

const STATE: &str = "return document.getElementById('status').dataset.state";

#[test]
fn the_page_runs_plots_and_shows_the_command_line_figures() {
    let (Some(chromium), Some(chromedriver)) = (find("chromium"), find("chromedriver")) else {
        eprintln!("skipped: the browser test needs chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let srv = serve(tmp.path(), &[]);
    let d = Driver::start(&chromium, &chromedriver, &tmp.path().join("profile"));
    d.call("POST", "/url", &json!({"url": format!("http://127.0.0.1:{}/", srv.port)}));
    d.wait_for("return String(document.getElementById('f-scenario').options.length > 0)", &["true"]);
    assert_eq!(d.js("return document.getElementById('f-racks').value"), "8", "the classroom's racks are shown");

    // Change a parameter and run; the plots fill and the figures are those of summary.json.
    d.type_into("#f-racks", "6");
    d.click("#run");
    assert_eq!(d.wait_for(STATE, &["done", "error"]), "done", "{}", d.js("return document.body.innerText"));
    let points =
        d.js("return ['c-util','c-queue','c-power','c-pue','c-temp'].map(id => Number(document.getElementById(id).dataset.points))");
    assert!(points.as_array().unwrap().iter().all(|p| p.as_u64().is_some_and(|n| n > 100)), "every plot is drawn: {points}");
    let cells = d.js("return [...document.querySelectorAll('#figures td[data-run]')].map(td => [td.dataset.row, td.textContent])");
    let run_dir = srv.out.join("run-1");
    let cli: Value = serde_json::from_slice(&command_line_summary(tmp.path(), &run_dir)).unwrap();
    assert_eq!(cli["capacity"]["accelerators"], 6 * 4 * 8);
    let rows = aidc::report::compare::compare_rows(&[&cli], aidc::report::Lang::En);
    let shown: Vec<(String, String)> =
        cells.as_array().unwrap().iter().map(|c| (c[0].as_str().unwrap().to_string(), c[1].as_str().unwrap().to_string())).collect();
    let expected: Vec<(String, String)> = rows.into_iter().map(|(k, v)| (k, v.concat())).collect();
    assert!(!expected.is_empty());
    assert_eq!(shown, expected, "the page shows the key figures of the same run from the command line");

    // Click-to-first-point and click-to-done, as the page measured them (printed, never asserted).
    let mut times = vec![d.js("const t = aidc.runs[0].times; return [t.first - t.click, t.end - t.click]")];
    for racks in ["10", "8", "12"] {
        d.type_into("#f-racks", racks);
        d.click("#run");
        assert_eq!(d.wait_for(STATE, &["done", "error"]), "done");
        times.push(d.js("const t = aidc.runs[aidc.runs.length - 1].times; return [t.first - t.click, t.end - t.click]"));
    }
    eprintln!("page times, ms from the click to the first point and to the end (30-day classroom): {times:?}");
    assert_eq!(d.js("return document.querySelectorAll('#figures thead th').length"), 5, "four runs side by side");
    d.shot("en-compare.png");
    d.click("#lang-zh");
    let labels = d.js("return [...document.querySelectorAll('#figures tbody td:first-child')].map(td => td.textContent).join(' ')");
    assert!(labels.as_str().unwrap().contains("利用率"), "the figures in Chinese: {labels}");
    let status = d.js("return document.getElementById('status').textContent");
    assert!(status.as_str().unwrap().starts_with("完成"), "the status line follows the language: {status}");
    let wide = d.js("const c = document.getElementById('compare'); return c.scrollWidth <= c.clientWidth");
    assert_eq!(wide, true, "four runs' figures fit the width without a sideways scroll");
    d.shot("zh-compare.png");

    // A refused value is shown with its field.
    d.type_into("#f-racks", "1000");
    d.click("#run");
    assert_eq!(d.wait_for(STATE, &["done", "error"]), "error");
    assert_eq!(d.js("return document.getElementById('error').dataset.field"), "halls[0].racks[0].count");

    // Mid-run screenshots: a year at five-minute steps streams long enough to catch.
    if std::env::var_os("AIDC_SHOTS").is_some() {
        for lang in ["zh", "en"] {
            d.click(&format!("#lang-{lang}"));
            d.type_into("#f-racks", "8");
            d.type_into("#f-horizon", "365d");
            let before = d.js("return aidc.seq");
            d.click("#run");
            let mid = format!(
                "const r = aidc.runs[aidc.runs.length - 1]; return String(aidc.seq > {before} && r.id === aidc.seq && r.points.length > 150)"
            );
            d.wait_for(&mid, &["true"]);
            d.shot(&format!("{lang}-mid-run.png"));
            d.wait_for(STATE, &["done", "error"]);
        }
    }
}
