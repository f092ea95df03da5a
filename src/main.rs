//! The `aidc` binary: parse the command line, call the library, map errors to exit codes
//! (0 success, 2 bad input or usage, 1 other failure).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aidc::cli::Cli::parse();
    match aidc::cli::main_with(cli) {
        Ok(code) => code,
        Err(err) => {
            let top = err.to_string();
            eprintln!("error: {top}");
            for cause in err.chain().skip(1).map(|c| c.to_string()).filter(|c| !top.contains(c.as_str())) {
                eprintln!("  caused by: {cause}");
            }
            if aidc::cli::is_bad_input(&err) { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}
