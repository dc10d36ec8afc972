//! Online backups and restore of the one data file.
//!
//! # A backup is one read transaction
//! redb is MVCC: a read transaction is a snapshot that never blocks the writer, and the
//! writer never blocks it. A backup opens one read transaction and copies every table of that
//! snapshot, by its kind (see `registry::kind_of`), into a new redb file, while the writer
//! keeps committing. Everything acknowledged before the backup began is in it; nothing half
//! written is. The copy is written next to its destination under a temporary name, committed
//! with two-phase commit, checked (redb integrity, a Barrio file of a schema this binary
//! knows, every table's entry count equal to the snapshot's), and only then renamed into
//! place. So the result is itself a valid data file: start a server on it with `--data-dir`.
//! The search index is not in it: it is derived and rebuilt on start.
//!
//! The application checks (`check.rs`) also run on the copy; their problems are reported as
//! warnings but do not fail the backup: a backup is a faithful copy, and a shop whose index
//! has a glitch needs its backups more, not less.
//!
//! # From the command line, while the server runs
//! redb locks the data file for the one process that has it open, so `barrio backup` cannot
//! open a file a server holds. Instead it asks that server: on start the server writes
//! `server.json` into the data dir (its address and a random local secret, readable only by
//! the owner of the data dir), and `barrio backup` calls `GET /api/admin/backup` with that
//! secret and writes the stream to disk, checking it the same way before renaming it into
//! place. Whoever can read the data dir can read the data file anyway, so the secret gives no
//! one more than they had. When no server holds the file, the command copies it directly
//! (after recovering it, as a start would, if a crash left it unclean). The alternative,
//! "stop the server to back up", is what this issue exists to avoid.
//!
//! # Restore
//! Checks the backup before touching anything (on a private copy inside the data dir: opening
//! a redb file for checking writes to its header, and the backup itself must stay as it was),
//! refuses while a server holds the data dir, keeps the replaced file beside it as
//! `barrio.redb.replaced-<time>`, deletes the derived search index, and renames the copy in.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use redb::{
    MultimapTableHandle, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    TableHandle,
};

use super::check::{self, Report};
use super::migrate::{self, SCHEMA_VERSION};
use super::registry::{RecordType, TableKind, kind_of};
use super::{Store, StoreError};

/// What a finished backup holds.
#[derive(Debug, Clone)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub tables: usize,
    pub entries: u64,
    pub bytes: u64,
    /// Findings of the application checks on the copy (warnings and problems): the backup is
    /// kept, but the owner should hear about them.
    pub findings: Vec<String>,
}

impl Store {
    /// Writes a consistent snapshot of the whole data file to `out` while writes go on.
    /// Blocking: call it from `spawn_blocking`.
    pub fn backup_to(&self, out: &Path, types: &[RecordType]) -> anyhow::Result<BackupInfo> {
        let rtx = self.inner.db.begin_read()?;
        snapshot(&rtx, out, types)
    }
}

/// Backs up the data file of a stopped server. Fails with [`StoreError::AlreadyOpen`] when a
/// process holds it (then ask that server).
pub fn backup_file(
    data_file: &Path,
    out: &Path,
    types: &[RecordType],
) -> anyhow::Result<BackupInfo> {
    let source = open_source(data_file)?;
    let rtx = source.begin_read()?;
    snapshot(&rtx, out, types)
}

/// A data file opened for reading only: read-only when it was closed cleanly, otherwise
/// opened the way a server would (which recovers it after a crash).
pub(crate) enum Source {
    ReadOnly(redb::ReadOnlyDatabase),
    Recovered(redb::Database),
}

impl Source {
    pub(crate) fn begin_read(&self) -> anyhow::Result<redb::ReadTransaction> {
        Ok(match self {
            Source::ReadOnly(db) => db.begin_read()?,
            Source::Recovered(db) => db.begin_read()?,
        })
    }
}

pub(crate) fn open_source(path: &Path) -> anyhow::Result<Source> {
    if !path.is_file() {
        anyhow::bail!("there is no data file at {}", path.display());
    }
    let source = match check::open_read_only(path) {
        Ok(db) => Source::ReadOnly(db),
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            return Err(StoreError::AlreadyOpen(path.display().to_string()).into());
        }
        Err(redb::DatabaseError::RepairAborted) => match check::open_checked(path, true) {
            Ok((db, _)) => Source::Recovered(db),
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::AlreadyOpen(path.display().to_string()).into());
            }
            Err(e) => return Err(e).context("cannot open the data file"),
        },
        Err(e) => return Err(e).context("cannot open the data file"),
    };
    match migrate::check(&source.begin_read()?, migrate::MIGRATIONS) {
        Ok(Some(_)) => Ok(source),
        Ok(None) => anyhow::bail!("{} is not a Barrio data file yet (empty)", path.display()),
        Err(e) => Err(e.into()),
    }
}

/// A name in `out`'s directory for the file being written.
fn temp_beside(out: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let name = out
        .file_name()
        .with_context(|| format!("{} is not a file name", out.display()))?
        .to_string_lossy();
    let tag: u32 = rand::random();
    Ok(out.with_file_name(format!(".{name}.{what}-{}-{tag:08x}", std::process::id())))
}

/// Removes the file on drop unless it was kept.
pub(crate) struct TempFile {
    pub(crate) path: PathBuf,
    keep: bool,
}

impl TempFile {
    pub(crate) fn new(path: PathBuf) -> TempFile {
        TempFile { path, keep: false }
    }
    /// Renames the file to `to` (atomically, same directory) and makes that durable.
    pub(crate) fn persist(mut self, to: &Path) -> anyhow::Result<()> {
        std::fs::File::open(&self.path)?.sync_all()?;
        std::fs::rename(&self.path, to)
            .with_context(|| format!("cannot rename into {}", to.display()))?;
        self.keep = true;
        sync_dir(to);
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Makes a rename in `path`'s directory durable (best effort: not every platform can).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) =
            std::fs::File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })
    {
        let _ = d.sync_all();
    }
}

fn copy<K: redb::Key + 'static, V: redb::Value + 'static>(
    rtx: &redb::ReadTransaction,
    wtx: &redb::WriteTransaction,
    name: &str,
) -> anyhow::Result<u64> {
    let def = TableDefinition::<K, V>::new(name);
    let src = rtx.open_table(def).with_context(|| {
        format!("table {name} does not have the types its name says; the backup cannot copy it")
    })?;
    let mut dst = wtx.open_table(def)?;
    let mut n = 0;
    for e in src.iter()? {
        let (k, v) = e?;
        dst.insert(k.value(), v.value())?;
        n += 1;
    }
    Ok(n)
}

fn copy_table(
    rtx: &redb::ReadTransaction,
    wtx: &redb::WriteTransaction,
    name: &str,
) -> anyhow::Result<u64> {
    match kind_of(name) {
        TableKind::Unique | TableKind::Sequences => copy::<&str, u64>(rtx, wtx, name),
        TableKind::Index => copy::<&[u8], u64>(rtx, wtx, name),
        TableKind::Bytes => copy::<&str, &[u8]>(rtx, wtx, name),
        TableKind::Records => copy::<u64, &[u8]>(rtx, wtx, name),
    }
}

fn table_len(rtx: &redb::ReadTransaction, name: &str) -> anyhow::Result<u64> {
    let t = rtx.open_untyped_table(redb::TableDefinition::<u64, u64>::new(name))?;
    Ok(t.len()?)
}

/// Copies every table of the snapshot `rtx` into a new file at `out` (see the module doc).
pub(crate) fn snapshot(
    rtx: &redb::ReadTransaction,
    out: &Path,
    types: &[RecordType],
) -> anyhow::Result<BackupInfo> {
    if let Some(m) = rtx.list_multimap_tables()?.next() {
        anyhow::bail!("multimap table {} is not something Barrio writes; not backing up", m.name());
    }
    let names: Vec<String> = rtx.list_tables()?.map(|h| h.name().to_owned()).collect();
    let tmp = TempFile::new(temp_beside(out, "partial")?);
    let _ = std::fs::remove_file(&tmp.path);
    let mut counts = Vec::with_capacity(names.len());
    {
        let db = redb::Database::create(&tmp.path)
            .with_context(|| format!("cannot create {}", tmp.path.display()))?;
        let mut wtx = db.begin_write()?;
        wtx.set_two_phase_commit(true);
        for n in &names {
            counts.push(copy_table(rtx, &wtx, n)?);
        }
        wtx.commit()?;
        db.close()?;
    }
    let verified = verify(&tmp.path, types)?;
    // The copy holds exactly what the snapshot held, table by table.
    let copy = check::open_read_only(&tmp.path)?;
    {
        let ctx = copy.begin_read()?;
        let copied: Vec<String> = ctx.list_tables()?.map(|h| h.name().to_owned()).collect();
        if copied != names {
            anyhow::bail!("the backup's tables differ from the data file's");
        }
        for (n, want) in names.iter().zip(&counts) {
            let (src, got) = (table_len(rtx, n)?, table_len(&ctx, n)?);
            if src != *want || got != *want {
                anyhow::bail!("table {n}: the backup has {got} entries, the snapshot {src}");
            }
        }
    }
    drop(copy);
    let bytes = std::fs::metadata(&tmp.path)?.len();
    tmp.persist(out)?;
    Ok(BackupInfo {
        path: out.to_path_buf(),
        tables: names.len(),
        entries: counts.iter().sum(),
        bytes,
        findings: verified.findings(),
    })
}

/// What [`verify`] found in a file that is a usable Barrio data file.
pub struct Verified {
    pub schema_version: u32,
    /// The application checks, when the file is of this binary's schema version.
    pub report: Option<Report>,
}

impl Verified {
    fn findings(&self) -> Vec<String> {
        self.report
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.level != check::Level::Ok)
            .map(|f| f.text.clone())
            .collect()
    }
}

/// Why a file cannot be used as a data file.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    #[error("it is damaged: {0}")]
    Damaged(String),
    #[error("it is not a Barrio data file: {0}")]
    NotBarrio(String),
    #[error(
        "it was written by a newer Barrio (schema version {file}); this binary understands up to version {binary}"
    )]
    Newer { file: u32, binary: u32 },
}

/// Checks that the file at `path` is an intact Barrio data file this binary can open, and
/// runs the application checks on it. Opens it for writing (redb's integrity check needs
/// that), so only call it on a file of one's own: a fresh backup, a private copy.
pub fn verify(path: &Path, types: &[RecordType]) -> Result<Verified, Unusable> {
    let len = std::fs::metadata(path).map_err(|e| Unusable::Damaged(e.to_string()))?.len();
    if len == 0 {
        return Err(Unusable::NotBarrio("the file is empty".into()));
    }
    let db = match check::open_checked(path, false) {
        Ok((db, _)) => db,
        Err(e) if e.to_string().contains("magic number") => {
            return Err(Unusable::NotBarrio("it is not even a redb file".into()));
        }
        Err(e) => return Err(Unusable::Damaged(e.to_string())),
    };
    let damaged = |e: &dyn std::fmt::Display| Unusable::Damaged(e.to_string());
    let rtx = db.begin_read().map_err(|e| damaged(&e))?;
    let version = match migrate::check(&rtx, migrate::MIGRATIONS) {
        Ok(Some(v)) => v,
        Ok(None) => return Err(Unusable::NotBarrio("it has no Barrio schema version".into())),
        Err(StoreError::NewerSchema { file, binary }) => {
            return Err(Unusable::Newer { file, binary });
        }
        Err(StoreError::NotBarrio(m)) => return Err(Unusable::NotBarrio(m)),
        Err(e) => return Err(damaged(&e)),
    };
    let report = if version == SCHEMA_VERSION {
        Some(check::report_of(&rtx, types).map_err(|e| damaged(&e))?)
    } else {
        None
    };
    Ok(Verified { schema_version: version, report })
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// Where the file that was replaced now is, if there was one.
    pub replaced: Option<PathBuf>,
    pub schema_version: u32,
}

/// A UTC time for file names: `2026-11-05T10-15-00.123Z` (sorts like time, no colons).
pub fn file_time(at_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}-{:02}-{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Replaces the data file `data_file` by the backup at `backup` (see the module doc).
/// `index_dir` is the derived search index, deleted so that it is rebuilt.
pub fn restore(
    data_file: &Path,
    index_dir: &Path,
    backup: &Path,
    types: &[RecordType],
) -> anyhow::Result<Restored> {
    if !backup.is_file() {
        anyhow::bail!("there is no backup file at {}", backup.display());
    }
    // Hold the current file (shared lock) until the swap, so that no server starts on it
    // meanwhile; a server running now makes this fail at once.
    let _hold = if data_file.exists() {
        match check::open_read_only(data_file) {
            Ok(db) => Some(db),
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => anyhow::bail!(
                "a Barrio server is running on this data dir ({} is in use); stop it before restoring. Nothing was changed",
                data_file.display()
            ),
            // A damaged or crashed current file is what one restores over.
            Err(_) => None,
        }
    } else {
        None
    };
    let dir = data_file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let copy = TempFile::new(temp_beside(data_file, "restoring")?);
    std::fs::copy(backup, &copy.path)
        .with_context(|| format!("cannot copy {} into the data dir", backup.display()))?;
    let verified = verify(&copy.path, types).map_err(|e| {
        anyhow::anyhow!("refusing to restore {}: {e}. Nothing was changed", backup.display())
    })?;
    if let Some(r) = &verified.report
        && r.problems() > 0
    {
        anyhow::bail!(
            "refusing to restore {}: it has {} problems (see `barrio check {}`; `--repair` on a copy may fix them). Nothing was changed\n{}",
            backup.display(),
            r.problems(),
            backup.display(),
            r.render()
        );
    }
    let replaced = if data_file.exists() {
        let name = data_file.file_name().map(|n| n.to_string_lossy().into_owned());
        let to = data_file.with_file_name(format!(
            "{}.replaced-{}",
            name.as_deref().unwrap_or("barrio.redb"),
            file_time(now_ms())
        ));
        std::fs::rename(data_file, &to)
            .with_context(|| format!("cannot move the current data file to {}", to.display()))?;
        Some(to)
    } else {
        None
    };
    if index_dir.exists() {
        std::fs::remove_dir_all(index_dir)
            .with_context(|| format!("cannot delete the search index {}", index_dir.display()))?;
    }
    copy.persist(data_file)?;
    Ok(Restored { replaced, schema_version: verified.schema_version })
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = TempFile::new(temp_beside(path, "writing")?);
    let mut f = std::fs::File::create(&tmp.path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    tmp.persist(path)
}
