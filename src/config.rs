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
    /// Take scheduled backups into this directory (none when not set).
    #[arg(long, env = "BARRIO_BACKUP_DIR", global = true)]
    pub backup_dir: Option<PathBuf>,
    /// How often to take a scheduled backup: `30s`, `15m`, `6h`, `1d`.
    #[arg(long, env = "BARRIO_BACKUP_EVERY", default_value = "24h", value_parser = parse_every, global = true)]
    pub backup_every: Duration,
    /// How many scheduled backups to keep (older ones are deleted).
    #[arg(long, env = "BARRIO_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub backup_keep: u32,
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
