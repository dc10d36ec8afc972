//! The command line. Everything else is in the library, so tests start the same thing.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::IsTerminal;
use std::process::ExitCode;

use barrio::config::{Cli, Command};
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    limit_malloc_arenas();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("barrio: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives threads that allocate at the same moment arenas of their own (up to 8 per
/// core) and keeps in each what was freed there. With the server's dozen threads that kept
/// ~30 MiB more resident during a write burst on the 100,000-book shop (164 MiB peak against
/// 128 MiB with two arenas, at the same throughput: benches/RESULTS.md). glibc reads the
/// limit only from the environment at start-up, so when it is not set the binary runs itself
/// again with `MALLOC_ARENA_MAX=2`: same process id, same arguments and standard streams.
/// Setting the variable yourself (any value) skips this.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        const VAR: &str = "MALLOC_ARENA_MAX";
        if std::env::var_os(VAR).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        let err =
            std::process::Command::new(exe).args(std::env::args_os().skip(1)).env(VAR, "2").exec();
        // `exec` returns only if it failed: carry on with glibc's default.
        eprintln!("barrio: could not limit the allocator's arenas ({err}); going on without");
    }
}

async fn run() -> ExitCode {
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
