//! `aidc catalog`: list built-in equipment.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::catalog::Catalog;

/// List the built-in catalogs (accelerators: dense peaks, memory, power, sources; platforms:
/// server designs with their nameplate and parts).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  aidc catalog accelerators\n  aidc catalog accelerators --json\n  aidc catalog platforms")]
pub struct CatalogArgs {
    /// Which catalog.
    kind: Kind,
    /// Print the full entries as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// Accelerator models.
    Accelerators,
    /// Server platforms (node types name them with `platform = "ID"`).
    Platforms,
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x}"))
}

pub fn catalog(a: CatalogArgs) -> anyhow::Result<ExitCode> {
    let c = Catalog::builtin()?;
    match a.kind {
        Kind::Accelerators => {
            if a.json {
                let all: Vec<_> = c.iter().collect();
                outln!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            outln!("Dense peak TFLOPS (TOPS for int8); 2:4 sparse figures are in --json. '-' = no public figure.");
            outln!(
                "{:<16} {:<9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>8} {:>6} {:>6}",
                "id",
                "vendor",
                "fp64",
                "fp32",
                "bf16",
                "fp16",
                "fp8",
                "mem GB",
                "mem GB/s",
                "TDP W",
                "idle W"
            );
            for d in c.iter() {
                let t = &d.dense_tflops;
                outln!(
                    "{:<16} {:<9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>8} {:>6} {:>6}",
                    d.id,
                    d.vendor.as_deref().unwrap_or("-"),
                    num(t.fp64),
                    num(t.fp32),
                    num(t.bf16),
                    num(t.fp16),
                    num(t.fp8),
                    num(d.memory_gb),
                    num(d.memory_bw_gbps),
                    num(d.tdp_w),
                    num(d.idle_w)
                );
            }
            outln!("\nSources: aidc catalog accelerators --json (field \"source\"), or assets/accelerators.toml.");
        }
        Kind::Platforms => {
            if a.json {
                let all: Vec<_> = c.platforms.iter().collect();
                outln!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            outln!("Parts at full load, W; nameplate = the vendor's maximum input power ('-' = none published).");
            outln!(
                "{:<16} {:<3} {:<16} {:>9} {:>6} {:>6} {:>6} {:>7} {:>6} {:>6} {:>4}  {}",
                "id",
                "n",
                "accelerator",
                "nameplate",
                "cpus",
                "memory",
                "nics",
                "storage",
                "other",
                "fans",
                "air",
                "name"
            );
            for p in c.platforms.iter() {
                outln!(
                    "{:<16} {:<3} {:<16} {:>9} {:>6} {:>6} {:>6} {:>7} {:>6} {:>6} {:>4}  {}",
                    p.id,
                    p.accelerators,
                    p.accelerator.as_deref().unwrap_or("-"),
                    num(p.nameplate_w),
                    p.cpu.count as f64 * p.cpu.max_w,
                    p.memory.power_w,
                    p.nics.power_w,
                    p.storage.power_w,
                    p.other.power_w,
                    p.fans.max_w,
                    p.fans.air_share,
                    p.name
                );
            }
            outln!("\nSources of every part: aidc catalog platforms --json, or assets/platforms.toml.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
