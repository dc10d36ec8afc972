//! The store: redb lives here and only here.
//!
//! Everything Barrio keeps is in one redb file. Domains talk to it through typed operations
//! ([`ReadTx`], [`WriteTx`]) over [`Record`]s, never through redb types, so the seam toward a
//! distributed store (see DESIGN.md, "Beyond one machine") stays clean.
//!
//! # Layout
//! - `codec`: postcard encoding behind a one-byte schema version per record type.
//! - `tx`: the read and write transaction wrappers: records, unique indexes, ordered
//!   indexes, meta, sequences and the change log.
//! - `writer`: the single writer thread and its group commit.
//! - `migrate`: the schema version in `meta` and the ordered list of migrations.
//! - `registry`: what the tools need to know about each record type ([`RecordType`]), and
//!   which kind each table is by its name.
//! - `backup`: online snapshots from one read transaction, verification, restore.
//! - `check`: redb's integrity check plus the application's invariants, and `--repair`.
//! - `export`: the whole shop as JSON, and back.

pub mod backup;
pub mod check;
mod codec;
pub mod export;
mod migrate;
mod registry;
mod tx;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use redb::ReadableDatabase;
use tokio::sync::watch;

pub use codec::Record;
pub use migrate::{Migration, SCHEMA_VERSION};
pub use registry::RecordType;
pub use tx::{Change, Op, ReadTx, Reader, WriteTx};
pub use writer::WriteStats;

/// The bytes a record is stored as (schema version byte, then postcard); for benches and
/// tools that measure the codec on its own.
pub fn encode_record<T: Record>(record: &T) -> Result<Vec<u8>> {
    codec::encode(record)
}

/// The record stored as `bytes` (see [`encode_record`]).
pub fn decode_record<T: Record>(bytes: &[u8]) -> Result<T> {
    codec::decode(bytes)
}

/// Errors of the storage layer. They are internal: the HTTP layer logs them and answers 500,
/// except the start-up ones, which the command line prints as they are.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the data file {0} is in use by another Barrio process (is a server running on this data dir?)"
    )]
    AlreadyOpen(String),
    #[error(
        "the data file was written by a newer Barrio (schema version {file}); this binary understands up to version {binary}. Upgrade Barrio; the file was not touched"
    )]
    NewerSchema { file: u32, binary: u32 },
    #[error("the file is not a Barrio data file: {0}")]
    NotBarrio(String),
    #[error(
        "the data file is damaged ({0}). Run `barrio check --repair`, or restore the last backup with `barrio restore`"
    )]
    Damaged(String),
    #[error("record in table {table} has schema version {found}, expected {expected}")]
    RecordVersion { table: &'static str, found: u8, expected: u8 },
    #[error("storage: {0}")]
    Db(#[from] redb::Error),
    #[error("record encoding: {0}")]
    Codec(#[from] postcard::Error),
    /// A unique key is held by another record. Not an internal error: the HTTP layer answers
    /// 409 naming the field.
    #[error("{key:?} is already taken in {index}")]
    Conflict { index: &'static str, key: String, holder: u64 },
    #[error("the writer has stopped")]
    WriterGone,
    #[error("a write job panicked")]
    JobPanicked,
    #[error("a read on the scan threads panicked")]
    ScanFailed,
    #[error("cannot start the store's threads: {0}")]
    Threads(String),
    #[error("commit failed: {0}")]
    CommitFailed(String),
    /// A JSON document kept in `meta` (the shop settings) that does not read or write.
    #[error("{0}")]
    Document(String),
}

// redb reports each operation with its own error type; all of them convert into redb::Error.
macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Db(e.into()) }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The server's default page cache (MiB; `BARRIO_CACHE_MIB`). redb's own default is 1 GiB, and
/// it fills with every page ever read: a 136 MiB file at 100,000 books became ~100 MiB of
/// resident memory. The operating system keeps the file cached anyway, outside the process,
/// so a miss costs a `pread` of a cached page, not a disk read; figures in benches/RESULTS.md.
pub const DEFAULT_CACHE_MIB: u32 = 16;

/// The open data file plus its writer. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<redb::Database>,
    writer: writer::Writer,
    changes: watch::Receiver<u64>,
    reads: AtomicU64,
    /// The threads [`Store::read_blocking`] scans run on, one per core.
    scanners: crate::workers::Pool<()>,
}

impl Store {
    /// Opens (or creates) the data file, refusing one that another process holds or that a
    /// newer Barrio wrote, and runs pending migrations in one transaction.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, migrate::MIGRATIONS, None)
    }

    /// [`Store::open`] with a page cache of `cache_mib` MiB (the server's setting).
    pub fn open_with_cache(path: &Path, cache_mib: u32) -> Result<Store> {
        Self::open_with(path, migrate::MIGRATIONS, Some(cache_mib as usize * 1024 * 1024))
    }

    pub(crate) fn open_with(
        path: &Path,
        migrations: &[Migration],
        cache_bytes: Option<usize>,
    ) -> Result<Store> {
        // Look before opening for writing: a file we must refuse is left byte for byte as it
        // was (opening a redb file for writing updates its header).
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            match check::open_read_only(path) {
                Ok(ro) => {
                    let looked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let rtx = ro.begin_read()?;
                        migrate::check(&rtx, migrations)
                    }));
                    match looked {
                        Ok(Err(StoreError::Db(e))) => {
                            return Err(StoreError::Damaged(e.to_string()));
                        }
                        Ok(found) => found.map(|_| ())?,
                        Err(_) => {
                            return Err(StoreError::Damaged(
                                "reading it crashed the storage engine".into(),
                            ));
                        }
                    }
                }
                Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                    return Err(StoreError::AlreadyOpen(path.display().to_string()));
                }
                Err(e) if e.to_string().contains("magic number") => {
                    return Err(StoreError::NotBarrio("it is not a redb file".into()));
                }
                Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(msg))) => {
                    return Err(StoreError::Damaged(msg));
                }
                // Needs recovery after a crash: opening for writing repairs it, and the same
                // checks run again below.
                Err(_) => {}
            }
        }
        // redb can panic on some damaged files: that is an answer about the file, not a crash.
        let created = std::panic::catch_unwind(|| {
            let mut builder = redb::Database::builder();
            if let Some(bytes) = cache_bytes {
                builder.set_cache_size(bytes);
            }
            builder.create(path)
        })
        .unwrap_or_else(|_| {
            Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(
                "reading it crashed the storage engine".into(),
            )))
        });
        let db = match created {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::AlreadyOpen(path.display().to_string()));
            }
            Err(e) if e.to_string().contains("magic number") => {
                return Err(StoreError::NotBarrio("it is not a redb file".into()));
            }
            Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(msg))) => {
                return Err(StoreError::Damaged(msg));
            }
            Err(e) => return Err(e.into()),
        };
        migrate::run(&db, migrations)?;
        let last = {
            let rtx = db.begin_read()?;
            ReadTx::new(&rtx).last_change()?
        };
        let db = Arc::new(db);
        let (tx, rx) = watch::channel(last);
        let writer = writer::Writer::start(db.clone(), tx);
        let scanners = crate::workers::Pool::start("barrio-scan", crate::workers::cores(), || ())
            .map_err(|e| StoreError::Threads(e.to_string()))?;
        Ok(Store {
            inner: Arc::new(Inner { db, writer, changes: rx, reads: AtomicU64::new(0), scanners }),
        })
    }

    /// Runs `f` in a read transaction: a consistent snapshot that never waits for the writer.
    /// Point reads are cheap enough to run on the async runtime; scans over many records
    /// should go through [`Store::read_blocking`].
    pub fn read<T>(&self, f: impl FnOnce(&ReadTx<'_>) -> Result<T>) -> Result<T> {
        self.inner.reads.fetch_add(1, Ordering::Relaxed);
        let rtx = self.inner.db.begin_read()?;
        f(&ReadTx::new(&rtx))
    }

    /// Like [`Store::read`], but on the scan threads (one per core), for scans: off the
    /// async runtime, and a burst of them queues instead of growing threads.
    pub async fn read_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTx<'_>) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        self.inner.scanners.run(move |_| store.read(f)).await.map_err(|_| StoreError::ScanFailed)?
    }

    /// Runs `f` inside the writer's next transaction, with `actor` recorded in the change log
    /// entries it appends. Resolves once the transaction is durably committed.
    ///
    /// `f` may run more than once: if a neighbour in the same batch fails after writing, the
    /// batch is replayed without it. So `f` must not have effects outside `tx`. Returning an
    /// error from `f` before writing anything is the cheap way to refuse.
    pub async fn write<T, E, F>(&self, actor: Option<u64>, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnMut(&mut WriteTx<'_>) -> Result<T, E> + Send + 'static,
    {
        self.inner.writer.submit(actor, f).await
    }

    /// How many transactions and writes the writer has committed.
    pub fn write_stats(&self) -> WriteStats {
        self.inner.writer.stats()
    }

    /// A receiver that changes whenever a commit appends to the change log; its value is the
    /// last change-log sequence number.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.clone()
    }

    /// Stops the writer after it has committed everything submitted so far.
    pub async fn shutdown(&self) {
        self.inner.writer.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Item {
        id: u64,
        n: u32,
    }
    impl Record for Item {
        const TABLE: &'static str = "items";
        const VERSION: u8 = 1;
        fn id(&self) -> u64 {
            self.id
        }
    }

    #[derive(Debug)]
    enum E {
        Late,
        Store,
    }
    impl From<StoreError> for E {
        fn from(_: StoreError) -> Self {
            E::Store
        }
    }

    #[tokio::test]
    async fn a_job_failing_after_writing_is_rolled_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.redb")).unwrap();
        // Submit many jobs at once so they share batches; every third one writes and then
        // fails, one panics.
        let jobs = (0..60u32).map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(None, move |w| {
                        let id = w.next_id(Item::TABLE)?;
                        w.insert(&Item { id, n })?;
                        if n == 31 {
                            panic!("a bug in a job");
                        }
                        if n % 3 == 0 { Err(E::Late) } else { Ok(id) }
                    })
                    .await
            })
        });
        let results: Vec<_> =
            futures::future::join_all(jobs).await.into_iter().map(|r| r.unwrap()).collect();
        for (n, r) in results.iter().enumerate() {
            match (n % 3 == 0, n == 31) {
                (true, _) => assert!(matches!(r, Err(E::Late)), "job {n}: {r:?}"),
                (_, true) => assert!(matches!(r, Err(E::Store)), "job {n}: {r:?}"),
                _ => assert!(r.is_ok(), "job {n}: {r:?}"),
            }
        }
        let items: Vec<Item> = store.read(|r| r.list(None, 100, false)).unwrap();
        let mut ns: Vec<u32> = items.iter().map(|i| i.n).collect();
        ns.sort();
        let expected: Vec<u32> = (0..60).filter(|n| n % 3 != 0 && *n != 31).collect();
        assert_eq!(ns, expected, "exactly the successful jobs' writes are there");
        // Ids handed to successful jobs are the ids their records have.
        for r in results.iter().flatten() {
            assert!(items.iter().any(|i| i.id == *r));
        }
        let stats = store.write_stats();
        assert_eq!(stats.writes, expected.len() as u64);
        assert!(stats.replays > 0);
        // The change log has one entry per committed record, in order.
        let changes = store.read(|r| r.changes_after(0, 1000)).unwrap();
        assert_eq!(changes.len(), expected.len());
        assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
        store.shutdown().await;
    }
}
