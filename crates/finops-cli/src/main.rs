//! `finops`: simulate AI API traffic, analyze call logs into FinOps reports, and serve them live.
#[macro_use]
mod output;
mod allocator;
mod analyze;
mod cli;
mod cluster;
mod demo;
mod evaluate;
mod export;
mod map_cmd;
mod pricing_check;
mod pricing_cmd;
mod progress;
mod reprice;
mod simulate;
mod sql_cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    allocator::tune();
    let cli = cli::Cli::parse();
    let filter = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
