//! `aidc serve`: the live classroom web page ([`crate::serve`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::BadInput;
use crate::serve::{Config, ServeError, bind};

/// Serve the live classroom: a web page where a class changes a center and watches it run.
///
/// The page (bundled in the binary: no network needed) picks a demo or ready scenario, changes
/// the scheduler policy, racks, cooling and its set-point, city, demand, growth and price-aware
/// deferral, streams utilization, queue, power, PUE and outdoor temperature as the run advances,
/// shows the key figures of up to four runs side by side and links to each run's full report.
///
/// It listens on 127.0.0.1 (this computer only) unless --host says otherwise. Every request is
/// validated like a scenario file; designs larger than a classroom's (4,096 accelerators, 366
/// days) are refused; at most min(cores, 4) runs simulate at once and 64 wait. Runs are written
/// under --out (a folder the server marks as its own); beyond --keep runs the oldest is deleted.
/// Stop it with Ctrl-C.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  aidc serve\n  aidc serve --port 8080\n  aidc serve --host 0.0.0.0 --keep 100")]
pub struct ServeArgs {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8750)]
    port: u16,
    /// The address to listen on; 0.0.0.0 opens the page to every computer that can reach this one.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's output folder [default: output/serve].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace DIR even when it is not an aidc serve folder.
    #[arg(long)]
    force: bool,
    /// Runs kept in DIR; beyond, the oldest the server wrote is deleted (1 to 10,000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    keep: u64,
}

/// Runs `aidc serve`.
pub fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::new(a.out.unwrap_or_else(|| PathBuf::from("output").join("serve")));
    cfg.force = a.force;
    cfg.keep = a.keep as usize;
    let host = a.host.trim();
    let addr = if host.contains(':') && !host.starts_with('[') { format!("[{host}]:{}", a.port) } else { format!("{host}:{}", a.port) };
    let served = bind(&addr, cfg.clone()).map_err(|e| match e {
        ServeError::Bind { .. } => anyhow::Error::new(BadInput(e.to_string())),
        ServeError::Output(o) => o.into(),
    })?;
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "::1" | "[::1]");
    if !loopback {
        errln!("warning: listening on {host}: every computer that can reach this one can run simulations here");
    }
    let shown = if host == "0.0.0.0" || host == "::" { "127.0.0.1" } else { host };
    outln!("aidc serve: http://{shown}:{}/  (runs in {}; Ctrl-C stops)", served.port(), cfg.out.display());
    served.serve();
    Ok(ExitCode::SUCCESS)
}
