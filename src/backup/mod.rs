//! Backups as the owner sees them: scheduled backups with rotation, the owner's download
//! (`GET /api/admin/backup`), the `server.json` file that lets the command line on this
//! machine ask a running server for a snapshot, and the maintenance commands (`backup`,
//! `restore`, `check`, `export`, `import`).
//!
//! The snapshot itself, its checks, restore and export are in `store::backup`,
//! `store::check` and `store::export`, where redb lives; why the command line asks the
//! server instead of opening the file is explained in `store::backup`.
//!
//! - `routes`: the download endpoint.
//! - `cli`: the commands, and the small HTTP client that asks the local server.

pub mod cli;
mod routes;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use routes::router;

use crate::config::{DataDir, Settings};
use crate::store::Store;
use crate::store::backup::{BackupInfo, file_time, now_ms};

/// Scheduled backups: where, how often, how many to keep.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// The backup state of a running server.
pub struct Backups {
    data_dir: DataDir,
    /// Lets the command line on this machine ask for a snapshot (see `server.json`).
    local_secret: String,
    /// UTC milliseconds of the last backup this server wrote and checked; 0 for none.
    last_ms: AtomicI64,
    pub schedule: Option<Schedule>,
}

/// Scheduled backup files are named `barrio-<time>.redb`.
const PREFIX: &str = "barrio-";
const SUFFIX: &str = ".redb";
/// Snapshots taken for a download live beside the data file only while they are built.
const DOWNLOAD_PREFIX: &str = ".download-";

impl Backups {
    pub fn new(settings: &Settings) -> Arc<Backups> {
        let schedule = settings.backup_dir.clone().map(|dir| Schedule {
            dir,
            every: settings.backup_every,
            keep: settings.backup_keep as usize,
        });
        let last = schedule.as_ref().and_then(|s| newest_backup(&s.dir)).unwrap_or(0);
        let secret: [u8; 32] = rand::random();
        Arc::new(Backups {
            data_dir: settings.data_dir(),
            local_secret: hex::encode(secret),
            last_ms: AtomicI64::new(last),
            schedule,
        })
    }

    /// When the last good backup was taken (UTC ms): by the schedule, for a download, or, at
    /// start-up, the newest file in the backup dir.
    pub fn last_backup_ms(&self) -> Option<i64> {
        Some(self.last_ms.load(Ordering::Relaxed)).filter(|&ms| ms > 0)
    }

    fn record(&self, at_ms: i64) {
        self.last_ms.fetch_max(at_ms, Ordering::Relaxed);
    }

    /// Compares in constant time: the secret must not leak through timing.
    pub fn is_local_secret(&self, given: &str) -> bool {
        let (a, b) = (self.local_secret.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// A checked snapshot of the data file, as an open file that is already unlinked (so it
    /// disappears however the download ends), its length, and its time.
    pub async fn snapshot_for_download(
        &self,
        store: &Store,
    ) -> anyhow::Result<(std::fs::File, u64, i64)> {
        let at = now_ms();
        let tag: u64 = rand::random();
        let path = self.data_dir.root.join(format!("{DOWNLOAD_PREFIX}{tag:016x}.redb"));
        let (store, p) = (store.clone(), path.clone());
        let info = tokio::task::spawn_blocking(move || store.backup_to(&p, &crate::records::all()))
            .await??;
        let file = std::fs::File::open(&path);
        let _ = std::fs::remove_file(&path);
        let file = file?;
        self.record(at);
        report_findings(&info);
        Ok((file, info.bytes, at))
    }

    /// Takes one scheduled backup and rotates the old ones.
    pub async fn take_scheduled(&self, store: &Store) -> anyhow::Result<BackupInfo> {
        let Some(s) = &self.schedule else { anyhow::bail!("no backup dir is configured") };
        std::fs::create_dir_all(&s.dir)?;
        let at = now_ms();
        let path = s.dir.join(format!("{PREFIX}{}{SUFFIX}", file_time(at)));
        let store = store.clone();
        let info =
            tokio::task::spawn_blocking(move || store.backup_to(&path, &crate::records::all()))
                .await??;
        self.record(at);
        report_findings(&info);
        rotate(&s.dir, s.keep);
        Ok(info)
    }

    /// Runs the schedule: a backup at start, then one every interval. Returns at once when no
    /// backup dir is configured.
    pub async fn run_schedule(self: Arc<Self>, store: Store) {
        let Some(every) = self.schedule.as_ref().map(|s| s.every) else { return };
        loop {
            match self.take_scheduled(&store).await {
                Ok(info) => tracing::info!(
                    "backup written and checked: {} ({} tables, {} entries, {} bytes)",
                    info.path.display(),
                    info.tables,
                    info.entries,
                    info.bytes
                ),
                Err(e) => tracing::error!("scheduled backup failed: {e:#}"),
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Removes leftovers of snapshots that a crash interrupted.
    pub fn clean_leftovers(&self) {
        let mut dirs = vec![self.data_dir.root.clone()];
        dirs.extend(self.schedule.as_ref().map(|s| s.dir.clone()));
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let partial = name.starts_with('.') && name.contains(".partial-");
                if partial || name.starts_with(DOWNLOAD_PREFIX) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

fn report_findings(info: &BackupInfo) {
    for f in &info.findings {
        tracing::warn!("backup {}: {f}", info.path.display());
    }
}

fn backup_files(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<_> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(PREFIX) && name.ends_with(SUFFIX)
        })
        .filter_map(|e| Some((e.path(), e.metadata().ok()?.modified().ok()?)))
        .collect();
    // Names carry the time, so they sort like it.
    files.sort();
    files
}

fn newest_backup(dir: &Path) -> Option<i64> {
    let (_, modified) = backup_files(dir).pop()?;
    let d = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(d.as_millis() as i64)
}

/// Keeps the newest `keep` scheduled backups.
fn rotate(dir: &Path, keep: usize) {
    let files = backup_files(dir);
    let excess = files.len().saturating_sub(keep);
    for (path, _) in files.into_iter().take(excess) {
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!("removed old backup {}", path.display()),
            Err(e) => tracing::warn!("cannot remove old backup {}: {e}", path.display()),
        }
    }
}

/// What a running server writes into its data dir for the command line on this machine.
#[derive(Debug, Serialize, Deserialize)]
pub struct ServerFile {
    pub pid: u32,
    /// Where to reach the server from this machine.
    pub addr: SocketAddr,
    /// Sent as `X-Barrio-Local-Secret` to ask for a backup.
    pub secret: String,
}

pub const LOCAL_SECRET_HEADER: &str = "x-barrio-local-secret";

/// Writes `server.json` (readable by the data dir's owner only) for a server listening on
/// `addr`.
pub fn write_server_file(backups: &Backups, addr: SocketAddr) -> anyhow::Result<()> {
    use std::io::Write;
    let mut reach = addr;
    if addr.ip().is_unspecified() {
        reach.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let file =
        ServerFile { pid: std::process::id(), addr: reach, secret: backups.local_secret.clone() };
    let path = backups.data_dir.server_file();
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(&file)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// Removes `server.json` when the server stops (a stale one is harmless: the command line
/// only reads it when the data file is held by a process).
pub fn remove_server_file(backups: &Backups) {
    let _ = std::fs::remove_file(backups.data_dir.server_file());
}
