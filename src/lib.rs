//! Barrio: one binary that runs a neighborhood bookstore and video club and its community
//! from one embedded data file.
//!
//! # Layout, in the order data flows
//! - [`config`]: the command line and `BARRIO_…` environment; `DataDir` names the paths.
//! - [`app`]: the state every handler reaches, the router that merges each domain's router,
//!   and `serve(listener, state, shutdown)`.
//! - [`http`] and [`error`]: the HTTP conventions every domain shares (JSON bodies that name
//!   the field at fault, list pages, one error format).
//! - [`auth`]: passwords, tokens, login throttling, the role policy, the extractors.
//! - Domains, each with its model, rules and routes: [`accounts`], [`catalog`] (genres,
//!   books, inventory, products, views), [`courses`] (courses, enrolment, waiting lists),
//!   [`deliveries`] (clients, locations, resources, travels), [`community`] (posts,
//!   follows, likes, timelines).
//! - [`settings`]: the shop's settings (name, tax id, time zone, language, switches), and the
//!   formats people read (money `$ 12.500,50`, dates in the shop's zone).
//! - [`search`]: the full-text index of books, products and posts (tantivy), kept in
//!   step by following the change log, and `GET /api/search`.
//! - [`backup`]: scheduled backups, the owner's download, and the maintenance commands
//!   (`backup`, `restore`, `check`, `export`, `import`); [`records`] lists every record type
//!   for them.
//! - [`events`]: domain events emitted inside write jobs, the change-log subscribers, and
//!   the notifications they produce.
//! - [`store`]: redb, and only there: records, indexes, the single writer with group
//!   commit, the change log, migrations, and the snapshots, checks and exports of the file.
//! - [`media`]: uploaded images, recognised by content.
//! - [`ui`]: the embedded web UI and API docs page.
//! - [`workers`]: fixed pools of dedicated threads for blocking work (hashes, queries, scans).
//!
//! `main.rs` is only the command line; tests and benches start the same app through here.

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod app;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod community;
pub mod config;
pub mod courses;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod http;
pub mod media;
pub mod records;
pub mod search;
pub mod settings;
pub mod store;
pub mod text;
pub mod ui;
pub mod workers;

use std::io::{BufRead, Write};

use config::{Settings, UserCommand};

/// `barrio serve`: binds, says where it listens (on stdout, for scripts and tests), and
/// serves until SIGINT or SIGTERM.
pub async fn run_server(settings: Settings) -> anyhow::Result<()> {
    let state = app::build_state(&settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!("data file {}", settings.data_dir().db_path().display());
    if let Err(e) = backup::write_server_file(&state.backups, addr) {
        tracing::warn!(
            "cannot write server.json (`barrio backup` will not reach this server): {e}"
        );
    }
    let schedule = tokio::spawn(state.backups.clone().run_schedule(state.store.clone()));
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "barrio listening on http://{addr}")?;
        out.flush()?;
    }
    let backups = state.backups.clone();
    let served = app::serve(listener, state, shutdown_signal()).await;
    schedule.abort();
    backup::remove_server_file(&backups);
    served?;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// `barrio user …`: works on the data file of a stopped server.
pub async fn run_user_command(settings: Settings, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create { username, role, password_stdin: _, email, display_name } => {
            let role = Settings::role(&role)?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let form = accounts::AccountForm {
                username: accounts::Username::parse(&username).map_err(api)?,
                password: accounts::Password::parse("password", password).map_err(api)?,
                email: email.as_deref().map(accounts::Email::parse).transpose().map_err(api)?,
                display_name,
                role,
            };
            let dir = settings.data_dir();
            std::fs::create_dir_all(&dir.root)?;
            let store = store::Store::open(&dir.db_path())?;
            let passwords = auth::Passwords::new(settings.argon2())?;
            let result = accounts::create_account(&store, &passwords, form, None, false).await;
            store.shutdown().await;
            let user = result.map_err(api)?;
            println!("created {} (id {}) with role {}", user.username, user.id, user.role.as_str());
            Ok(())
        }
    }
}

/// `barrio demo`: loads the demo shop into the data dir of a stopped server.
pub async fn run_demo(
    settings: Settings,
    books: usize,
    posts: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let dir = settings.data_dir();
    std::fs::create_dir_all(&dir.root)?;
    let store = store::Store::open(&dir.db_path())?;
    let passwords = auth::Passwords::new(settings.argon2())?;
    let started = std::time::Instant::now();
    let result = async {
        let s = catalog::demo::load(&store, &passwords, books, seed).await?;
        let posts = catalog::demo::load_posts(&store, posts, seed).await?;
        Ok::<_, anyhow::Error>((s, posts))
    }
    .await;
    store.shutdown().await;
    let (s, posts) = result?;
    println!(
        "loaded a demo shop into {} in {:.1} s: {} books, {} films, {} genres, {} inventory lines, {} products, {} price changes, {} posts",
        dir.db_path().display(),
        started.elapsed().as_secs_f64(),
        s.books,
        s.films,
        s.genres,
        s.inventory,
        s.products,
        s.price_changes,
        posts,
    );
    println!("accounts (password for all: {}):", catalog::demo::DEMO_PASSWORD);
    for (name, role) in &s.accounts {
        println!("  {name:<10} {}", role.as_str());
    }
    Ok(())
}

fn api(e: error::ApiError) -> anyhow::Error {
    match e.field {
        Some(f) => anyhow::anyhow!("{f}: {}", e.message),
        None => anyhow::anyhow!("{}", e.message),
    }
}
