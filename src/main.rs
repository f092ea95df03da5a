//! The `aidc` binary: parse the command line, call the library, map errors to exit codes
//! (0 success, 2 bad input or usage, 1 other failure; 130, 143 or 129 when stopped by SIGINT,
//! SIGTERM or SIGHUP, after removing its temporary files).

use std::process::ExitCode;

use aidc::cli::stdout::eprint;
use clap::Parser;

fn main() -> ExitCode {
    aidc::output::install_signal_cleanup();
    let cli = aidc::cli::Cli::parse();
    let code = match aidc::cli::main_with(cli) {
        Ok(code) => code,
        Err(err) => {
            let top = err.to_string();
            eprint(format_args!("error: {top}"));
            for cause in err.chain().skip(1).map(|c| c.to_string()).filter(|c| !top.contains(c.as_str())) {
                eprint(format_args!("  caused by: {cause}"));
            }
            if aidc::cli::is_bad_input(&err) { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    };
    let code = match aidc::cli::stdout::finish() {
        Some(e) if code == ExitCode::SUCCESS => {
            eprint(format_args!("error: cannot write to stdout: {e}"));
            ExitCode::from(1)
        }
        _ => code,
    };
    aidc::output::settle();
    code
}
