//! `aidc serve`: the live classroom. A small local web server (synchronous, [`http`]) serves one
//! self-contained page (assets/serve/, compiled in: no network) where a class picks a scenario,
//! changes a few parameters and watches the run stream in.
//!
//! ## Routes
//! - `GET /`, `/app.js`, `/style.css`: the page.
//! - `GET /api/scenarios`: the scenarios offered, their values of the form's fields, the cities
//!   and the server's bounds.
//! - `POST /api/run` with a JSON [`params::Ask`]: 400 with `{field, message}` when the request is
//!   refused (the scenario validation of files, the classroom cap, the machine's budget), 429
//!   when the queue is full, else a chunked `text/event-stream`: `queued` (while waiting for a
//!   slot), `start`, `points` (batches), then `done` (the key figures and the report's link)
//!   or `error`.
//! - `GET /runs/run-N/...`: the files of a run the server wrote (its report).
//!
//! ## Guards
//! A request body is at most [`MAX_BODY`] bytes and a URL [`MAX_URL`]; at most
//! [`Config::running`] simulations run at once and [`Config::waiting`] more wait; each is
//! checked against the machine's memory shared by the concurrent runs
//! ([`crate::engine::budget`]); a closed tab stops its run (see [`stream`]). A request thread
//! catches panics, so no request can bring the server down.

mod http;
pub mod params;
pub mod runs;
pub mod stream;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::report::Lang;
use params::{Ask, Refused};
use runs::{Failed, Slots, Store};
use stream::{Page, send};

/// The largest request body, bytes.
pub const MAX_BODY: usize = 16 * 1024;
/// The longest URL, bytes.
pub const MAX_URL: usize = 2048;
/// Requests handled at once (each has a thread); more are answered 503.
pub const MAX_THREADS: usize = 256;

const INDEX: &str = include_str!("../../assets/serve/index.html");
const APP_JS: &str = include_str!("../../assets/serve/app.js");
const STYLE: &str = include_str!("../../assets/serve/style.css");

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server's output folder.
    pub out: PathBuf,
    /// Replace `out` even when it is not a serve folder.
    pub force: bool,
    /// Runs kept in `out` (the oldest is deleted beyond).
    pub keep: usize,
    /// Simulations at once.
    pub running: usize,
    /// Runs waiting for a slot.
    pub waiting: usize,
}

impl Config {
    /// The defaults: `min(cores, 4)` simulations at once, 64 waiting, 50 runs kept.
    pub fn new(out: PathBuf) -> Config {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Config { out, force: false, keep: 50, running: cores.clamp(1, 4), waiting: 64 }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or cannot be bound.
    #[error("cannot listen on {addr}: {why}")]
    Bind {
        /// host:port.
        addr: String,
        /// The reason, with what to do.
        why: String,
    },
    /// The output folder is refused or cannot be written.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// A bound server, not yet serving.
pub struct Served {
    listener: TcpListener,
    state: Arc<State>,
}

struct State {
    store: Store,
    slots: Slots,
    cfg: Config,
    threads: AtomicUsize,
}

/// Binds `addr` (host:port; port 0 picks a free one) and opens the output folder.
pub fn bind(addr: &str, cfg: Config) -> Result<Served, ServeError> {
    // Bind first: a taken port leaves no folder behind.
    let listener = http::bind(addr).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse {
            "the port is in use: choose another with --port".to_string()
        } else {
            format!("{e} (check --host and --port)")
        };
        ServeError::Bind { addr: addr.to_string(), why }
    })?;
    let store = Store::open(&cfg.out, cfg.keep, cfg.force)?;
    let slots = Slots::new(cfg.running, cfg.waiting);
    Ok(Served { listener, state: Arc::new(State { store, slots, cfg, threads: AtomicUsize::new(0) }) })
}

impl Served {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// Serves until the process ends: one thread per connection, at most [`MAX_THREADS`].
    pub fn serve(self) {
        for conn in self.listener.incoming() {
            let Ok(stream) = conn else {
                // Out of file descriptors, say: let connections close and try again.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            if self.state.threads.load(Ordering::SeqCst) >= MAX_THREADS {
                http::reply(stream, 503, "application/json", br#"{"field": "", "message": "the server is busy: try again"}"#, false);
                continue;
            }
            self.state.threads.fetch_add(1, Ordering::SeqCst);
            let state = self.state.clone();
            let spawned = std::thread::Builder::new().name("aidc-serve".into()).spawn(move || {
                // A panic must not take the server down; the request's connection just closes.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(&state, stream)));
                state.threads.fetch_sub(1, Ordering::SeqCst);
            });
            if spawned.is_err() {
                self.state.threads.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

fn json(stream: TcpStream, status: u16, v: &serde_json::Value) {
    http::reply(stream, status, "application/json; charset=utf-8", v.to_string().as_bytes(), false);
}

fn refusal(stream: TcpStream, status: u16, r: &Refused) {
    json(stream, status, &serde_json::json!({"field": r.field, "message": r.message}));
}

fn handle(state: &State, stream: TcpStream) {
    let req = match http::read(stream, MAX_BODY) {
        Ok(r) => r,
        Err((stream, http::Bad(status, message))) => {
            let field = if status == 413 { "body" } else { "request" };
            return refusal(stream, status, &Refused { field: field.into(), message });
        }
    };
    if req.target.len() > MAX_URL {
        return refusal(req.stream, 414, &Refused { field: "url".into(), message: format!("the URL is longer than {MAX_URL} bytes") });
    }
    let path = req.target.split(['?', '#']).next().unwrap_or("").to_string();
    let head = req.method == "HEAD";
    let get = head || req.method == "GET";
    let page = |stream, body: &str, kind| http::reply(stream, 200, kind, body.as_bytes(), head);
    match (get, req.method.as_str(), path.as_str()) {
        (true, _, "/" | "/index.html") => page(req.stream, INDEX, "text/html; charset=utf-8"),
        (true, _, "/app.js") => page(req.stream, APP_JS, "text/javascript; charset=utf-8"),
        (true, _, "/style.css") => page(req.stream, STYLE, "text/css; charset=utf-8"),
        (true, _, "/api/scenarios") => page(req.stream, &catalog(state).to_string(), "application/json; charset=utf-8"),
        (false, "POST", "/api/run") => run(state, req),
        (true, _, p) if p.starts_with("/runs/") => {
            match state.store.file(&p["/runs/".len()..]).and_then(|f| Some((std::fs::read(&f).ok()?, f))) {
                Some((bytes, f)) => http::reply(req.stream, 200, content_type(&f), &bytes, head),
                None => http::reply(req.stream, 404, "text/plain; charset=utf-8", b"not found", head),
            }
        }
        (_, _, "/" | "/index.html" | "/app.js" | "/style.css" | "/api/scenarios" | "/api/run") => {
            http::reply(req.stream, 405, "text/plain; charset=utf-8", b"method not allowed", false)
        }
        _ => http::reply(req.stream, 404, "text/plain; charset=utf-8", b"not found", head),
    }
}

fn content_type(f: &std::path::Path) -> &'static str {
    match f.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

fn catalog(state: &State) -> serde_json::Value {
    serde_json::json!({
        "scenarios": params::offers(),
        "cities": params::CITIES,
        "policies": crate::config::Policy::ALL.iter().map(|(p, _)| p.name()).collect::<Vec<_>>(),
        "cooling": ["air", "cold-plate", "immersion"],
        "max": {"accelerators": params::MAX_ACCELERATORS, "horizon_days": params::MAX_HORIZON_DAYS, "demand": params::MAX_DEMAND,
                "running": state.cfg.running, "waiting": state.cfg.waiting, "keep": state.cfg.keep},
    })
}

/// POST /api/run: validate, queue, stream.
fn run(state: &State, req: http::Request) {
    let ask: Ask = match serde_json::from_slice(&req.body) {
        Ok(a) => a,
        Err(e) => {
            return refusal(req.stream, 400, &Refused { field: "body".into(), message: format!("expected the form as JSON: {e}") });
        }
    };
    let sc = match params::resolve(&ask).and_then(|sc| guard(state, &sc).map(|()| sc)) {
        Ok(sc) => sc,
        Err(r) => return refusal(req.stream, 400, &r),
    };
    let Some(mut ticket) = state.slots.enter() else {
        let (running, waiting) = state.slots.load();
        let msg = format!("the server is busy: {running} runs simulating and {waiting} waiting; try again in a moment");
        return refusal(req.stream, 429, &Refused { field: "".into(), message: msg });
    };
    let lang = if ask.lang.as_deref() == Some("zh") { Lang::Zh } else { Lang::En };
    let mut stream = req.stream;
    if http::start_events(&mut stream).is_err() {
        return;
    }
    let page: Page = Arc::new(std::sync::Mutex::new(Box::new(stream)));
    // Wait for a slot, telling the page its place each second (a closed tab leaves the queue).
    while let Err(waiting) = ticket.wait(Duration::from_secs(1)) {
        if send(&page, "queued", &serde_json::json!({"waiting": waiting}).to_string()).is_err() {
            return;
        }
    }
    let result = runs::execute(&sc, &state.store, &page, lang);
    drop(ticket);
    let _ = match result {
        Ok(done) => {
            let s = [&done.summary];
            let rows = |l| crate::report::compare::compare_rows(&s, l).into_iter().map(|(k, v)| (k, v.concat())).collect::<Vec<_>>();
            let data = serde_json::json!({
                "run": done.name, "report": format!("/runs/{}/report.html", done.name), "wall_s": done.wall_s,
                "rows": {"en": rows(Lang::En), "zh": rows(Lang::Zh)}, "summary": done.summary,
            });
            send(&page, "done", &data.to_string())
        }
        Err(Failed::Gone) => return,
        Err(Failed::Output(m)) => send(&page, "error", &serde_json::json!({"field": "", "message": m}).to_string()),
    };
    if let Ok(mut w) = page.lock() {
        let _ = w.write_all(b"0\r\n\r\n").and_then(|()| w.flush());
    }
}

/// The machine's budget, shared by the concurrent runs: the field that drives a refusal.
fn guard(state: &State, sc: &crate::config::Scenario) -> Result<(), Refused> {
    use crate::engine::budget;
    let limits = budget::Limits::of_machine(Some(state.store.root()), false)
        .map_err(|e| Refused { field: "".into(), message: e.to_string() })?
        .shared_by(state.cfg.running);
    budget::check(&budget::estimate(sc, budget::Outputs::files(true)), &limits)
        .map_err(|r| Refused { field: r.field.to_string(), message: r.message })
}
