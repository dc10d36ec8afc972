//! The command line. Everything else is in the library, so tests start the same thing.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::IsTerminal;
use std::process::ExitCode;

use barrio::config::{Cli, Command};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        None | Some(Command::Serve) => barrio::run_server(cli.settings).await,
        Some(Command::User(cmd)) => barrio::run_user_command(cli.settings, cmd).await,
        Some(Command::Demo { books, posts, seed }) => {
            barrio::run_demo(cli.settings, books, posts, seed).await
        }
        Some(cmd) => barrio::backup::cli::run(cli.settings, cmd).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("barrio: {e:#}");
            ExitCode::FAILURE
        }
    }
}
