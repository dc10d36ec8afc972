//! The command line and its environment variables: every flag can also be set with the
//! `BARRIO_…` variable beside it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::auth::{Argon2Settings, Role};

#[derive(Debug, Parser)]
#[command(
    name = "barrio",
    version,
    about = "Runs a neighborhood bookstore and video club, and its community, from one data file."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the web UI (the default).
    Serve,
    /// Manage accounts directly in a data dir whose server is stopped.
    #[command(subcommand)]
    User(UserCommand),
    /// Load a realistic demo shop (accounts, genres, books, films, inventory, products) into
    /// an empty data dir whose server is stopped. Deterministic: the same seed, the same shop.
    Demo {
        /// How many books.
        #[arg(long, default_value_t = 2000)]
        books: usize,
        /// How many community posts by the demo accounts about those books (Spanish and
        /// English).
        #[arg(long, default_value_t = 0)]
        posts: usize,
        /// The random seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Write a consistent backup of the data file to OUT. Works while the server runs (it
    /// asks the server for a snapshot) and while it is stopped.
    Backup {
        /// Where to write the backup, e.g. `barrio-2026-11-05.redb`.
        out: PathBuf,
    },
    /// Replace the data file by a backup, keeping the replaced file beside it. The server
    /// must be stopped.
    Restore {
        /// The backup file to restore.
        backup: PathBuf,
    },
    /// Check the data file (or FILE, e.g. a backup): redb's integrity check and the
    /// application's invariants. Exits non-zero on any problem. The server must be stopped.
    Check {
        /// A data file to check instead of the data dir's.
        file: Option<PathBuf>,
        /// Rebuild derived indexes (and sequences) where that is safe.
        #[arg(long)]
        repair: bool,
    },
    /// Write every record, sequence and blob as JSON (blobs base64) to OUT.
    Export { out: PathBuf },
    /// Create the data file of an empty data dir from a JSON export.
    Import { input: PathBuf },
    /// Rebuild the search index (`<data dir>/index/`) from the data file. The server must
    /// be stopped; a running server rebuilds a missing or stale index by itself.
    Reindex,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account, e.g. the owner: `barrio user create --username ana --role super_admin --password-stdin`.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "user")]
        role: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Where the data file (barrio.redb) and the search index live.
    #[arg(long, env = "BARRIO_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// The address to listen on.
    #[arg(long, env = "BARRIO_ADDR", default_value = "127.0.0.1:8080", global = true)]
    pub addr: SocketAddr,
    /// Secret for signing tokens; generated and kept in the data file when not given.
    #[arg(long, env = "BARRIO_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// Token lifetime in seconds.
    #[arg(long, env = "BARRIO_TOKEN_TTL", default_value_t = 3600, global = true)]
    pub token_ttl: u64,
    /// argon2id memory cost in KiB.
    #[arg(long, env = "BARRIO_ARGON2_M_KIB", default_value_t = 19456, global = true)]
    pub argon2_m_kib: u32,
    /// argon2id iterations.
    #[arg(long, env = "BARRIO_ARGON2_T", default_value_t = 2, global = true)]
    pub argon2_t: u32,
    /// argon2id lanes.
    #[arg(long, env = "BARRIO_ARGON2_P", default_value_t = 1, global = true)]
    pub argon2_p: u32,
    /// SMTP relay for notification e-mails, e.g. smtp://127.0.0.1:25 or
    /// smtps://user:pass@mail.example.com; unset: no e-mail.
    #[arg(long, env = "BARRIO_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,
    /// The sender of notification e-mails.
    #[arg(
        long,
        env = "BARRIO_SMTP_FROM",
        default_value = "Barrio <barrio@localhost>",
        global = true
    )]
    pub smtp_from: String,
    /// Attempts before a failing event handler's entry goes to the dead-letter list.
    #[arg(long, env = "BARRIO_EVENTS_MAX_ATTEMPTS", default_value_t = 5, global = true)]
    pub events_max_attempts: u32,
    /// First retry delay (ms) of event handlers and e-mail; doubles per attempt, up to 60×.
    #[arg(long, env = "BARRIO_EVENTS_BACKOFF_MS", default_value_t = 500, global = true)]
    pub events_backoff_ms: u64,
    /// Developer option: add a subscriber that fails on every event (to see dead letters).
    #[arg(
        long,
        env = "BARRIO_CHAOS_SUBSCRIBER",
        default_value_t = false,
        hide = true,
        global = true
    )]
    pub chaos_subscriber: bool,
    /// The most followers one timeline fan-out job delivers to (tests and benches).
    #[arg(long, env = "BARRIO_FANOUT_CHUNK", default_value_t = crate::community::timeline::FAN_OUT_CHUNK, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), hide = true, global = true)]
    pub fanout_chunk: usize,
    /// Take scheduled backups into this directory (none when not set).
    #[arg(long, env = "BARRIO_BACKUP_DIR", global = true)]
    pub backup_dir: Option<PathBuf>,
    /// How often to take a scheduled backup: `30s`, `15m`, `6h`, `1d`.
    #[arg(long, env = "BARRIO_BACKUP_EVERY", default_value = "24h", value_parser = parse_every, global = true)]
    pub backup_every: Duration,
    /// How many scheduled backups to keep (older ones are deleted).
    #[arg(long, env = "BARRIO_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub backup_keep: u32,
    /// Memory (MiB) for the data file's page cache. Pages beyond it are read again from the
    /// operating system's file cache, which does not count against Barrio's memory.
    #[arg(long, env = "BARRIO_CACHE_MIB", default_value_t = crate::store::DEFAULT_CACHE_MIB, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub cache_mib: u32,
}

/// `30s`, `15m`, `6h`, `1d`, or plain seconds.
pub fn parse_every(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| format!("{s:?}: use a number and s, m, h or d, like 6h"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("{s:?}: the unit is s, m, h or d")),
    };
    if secs == 0 {
        return Err("the interval must be at least 1s".into());
    }
    Ok(Duration::from_secs(secs))
}

impl Settings {
    pub fn data_dir(&self) -> DataDir {
        DataDir { root: self.data_dir.clone() }
    }

    pub fn events(&self) -> crate::events::EventSettings {
        crate::events::EventSettings {
            smtp_url: self.smtp_url.clone().filter(|u| !u.is_empty()),
            smtp_from: self.smtp_from.clone(),
            max_attempts: self.events_max_attempts,
            backoff: std::time::Duration::from_millis(self.events_backoff_ms.max(1)),
            chaos: self.chaos_subscriber,
            fanout_chunk: self.fanout_chunk,
        }
    }

    pub fn argon2(&self) -> Argon2Settings {
        Argon2Settings { m_kib: self.argon2_m_kib, t: self.argon2_t, p: self.argon2_p }
    }

    pub fn role(name: &str) -> anyhow::Result<Role> {
        Role::parse(name)
            .ok_or_else(|| anyhow::anyhow!("unknown role {name:?}: use user, admin or super_admin"))
    }
}

/// The data directory, one method per path in it.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    /// The one file that matters.
    pub fn db_path(&self) -> PathBuf {
        self.root.join("barrio.redb")
    }

    /// The search index, derived from the data file and rebuilt when missing.
    pub fn index_path(&self) -> PathBuf {
        self.root.join("index")
    }

    /// Written by a running server: its address and the local secret that lets the command
    /// line on this machine ask it for a backup.
    pub fn server_file(&self) -> PathBuf {
        self.root.join("server.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_every("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_every("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_every("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_every("2d"), Ok(Duration::from_secs(2 * 86400)));
        assert_eq!(parse_every("90"), Ok(Duration::from_secs(90)));
        for bad in ["", "h", "0s", "6 hours", "-1s", "1.5h"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
    }
}
