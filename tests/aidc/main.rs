//! The integration tests of aidc: one test binary (as ripgrep has), so that the library is linked
//! once for all of them, with one module per theme and a shared [`support`] module (the one way to
//! run the `aidc` binary, the project's paths, scenario builders, readers of what a run writes).
//!
//! `cargo test --release --test aidc` runs them all; a module or a test is chosen by filter, e.g.
//! `cargo test --release --test aidc cli::` or `cargo test --release --test aidc fuzz::long_campaign`.
//! Every test runs in its own temporary folder and passes what it needs to a child process through
//! that child's command line and environment, never through this process's (tests share it).

mod support;

mod air_side;
mod bad_input;
mod build_out;
mod calibration;
mod cli;
mod combined;
mod determinism;
mod ends;
mod examples;
mod facility;
mod failures;
mod federation;
mod federation_report;
mod finance;
mod forecast;
mod fuzz;
mod grid;
mod guards;
mod invariants;
mod network;
mod output_safety;
mod plant;
mod platforms;
mod power;
mod properties;
mod reference;
mod registry;
mod report;
mod report_pages;
mod sampling;
mod scheduler_reference;
mod scheduling;
mod serve;
mod slurm;
mod storage;
mod sweep;
mod traces;
mod warmup;
