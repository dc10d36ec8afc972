//! Full-text search over books, products and posts: a tantivy index in `<data dir>/index/`,
//! derived entirely from the data file.
//!
//! - [`schema`]: the one schema for every kind, the folding analyzer, and how a record
//!   becomes a document.
//! - [`indexer`]: follows the change log and keeps its own cursor in the index's commit
//!   payload (so index and cursor never disagree); rebuilds from the store when the index is
//!   missing, corrupt, of an older schema, or behind a trimmed change log.
//! - [`query`]: the hand-made query (folding, prefix for the word being typed, typos,
//!   phrases, codes), facets and snippets.
//! - [`routes`]: `GET /api/search`.

pub mod indexer;
pub mod query;
mod routes;
pub mod schema;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tantivy::{Index, IndexReader, ReloadPolicy};

pub use routes::router;
use schema::Fields;

/// Bumped whenever the schema or the analysis changes: an index of another version is
/// rebuilt at start-up.
pub const SCHEMA_VERSION: u32 = 1;

/// The meta key (`cursor:search`) the indexer mirrors its committed sequence to, so the
/// change-log trimmer never trims past what the index holds.
pub const SUBSCRIBER: &str = "search";

/// The commit payload: which schema wrote the index and the last change it holds.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Payload {
    pub schema: u32,
    pub seq: u64,
}

/// The open index, shared by the handlers and the indexer.
pub struct Search {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    /// False until the index has caught up with the store after a start that found it
    /// missing, corrupt, of an older schema or behind.
    ready: AtomicBool,
    /// Set at open: the index must be rebuilt from the store before it is ready.
    needs_rebuild: AtomicBool,
    /// True while a full rebuild runs.
    rebuilding: AtomicBool,
    /// The change-log sequence of the last commit (what searches see).
    committed: AtomicU64,
    /// The threads queries run on, one per core (see `crate::workers`).
    pub(crate) queries: crate::workers::Pool<()>,
}

/// How far the index is behind the data file, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Status {
    /// False until the index has caught up after a start that found it missing, corrupt,
    /// of an older schema or behind.
    pub ready: bool,
    /// A full rebuild from the store is running.
    pub rebuilding: bool,
    /// The last change-log sequence the index holds.
    pub seq: u64,
    /// Change-log entries after it. Changes that touch no document are committed lazily
    /// (within about 2 s), so a small number may show for that long.
    pub behind: u64,
}

impl Search {
    /// Opens the index in `path`, or creates an empty one (marked for a rebuild) when it is
    /// missing, unreadable or of another schema version.
    pub fn open(path: &Path) -> anyhow::Result<Arc<Search>> {
        let (index, fresh) = match open_existing(path) {
            Ok(index) => (index, false),
            Err(why) => {
                if path.exists() {
                    tracing::warn!("search index at {}: {why}; rebuilding it", path.display());
                    std::fs::remove_dir_all(path).map_err(|e| {
                        anyhow::anyhow!("cannot remove the index {}: {e}", path.display())
                    })?;
                } else {
                    tracing::info!("no search index at {}; building it", path.display());
                }
                std::fs::create_dir_all(path)?;
                let index = Index::create_in_dir(path, schema::build())?;
                (index, true)
            }
        };
        schema::register(&index);
        let fields = Fields::of(&index.schema())?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let search = Arc::new(Search {
            index,
            reader,
            fields,
            ready: AtomicBool::new(false),
            needs_rebuild: AtomicBool::new(fresh),
            rebuilding: AtomicBool::new(false),
            committed: AtomicU64::new(0),
            queries: crate::workers::Pool::start("barrio-search", crate::workers::cores(), || ())?,
        });
        if let Some(p) = search.payload() {
            search.committed.store(p.seq, Ordering::Release);
        }
        Ok(search)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Ready, rebuilding, and how far behind the change log of `store` the index is.
    pub fn status(&self, store: &crate::store::Store) -> crate::store::Result<Status> {
        let head = store.read(|r| crate::store::Reader::last_change(r))?;
        let seq = self.committed.load(Ordering::Acquire);
        Ok(Status {
            ready: self.is_ready(),
            rebuilding: self.rebuilding.load(Ordering::Acquire),
            seq,
            behind: head.saturating_sub(seq),
        })
    }

    pub(crate) fn set_rebuilding(&self, on: bool) {
        self.rebuilding.store(on, Ordering::Release);
    }

    pub(crate) fn set_committed(&self, seq: u64) {
        self.committed.store(seq, Ordering::Release);
    }

    pub(crate) fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// The payload of the last commit (none for a fresh index).
    pub fn payload(&self) -> Option<Payload> {
        let metas = self.index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }
}

fn open_existing(path: &Path) -> anyhow::Result<Index> {
    if !path.exists() {
        anyhow::bail!("missing");
    }
    let index = Index::open_in_dir(path).map_err(|e| anyhow::anyhow!("cannot open: {e}"))?;
    let metas = index.load_metas().map_err(|e| anyhow::anyhow!("cannot read metas: {e}"))?;
    let payload: Option<Payload> =
        metas.payload.as_deref().and_then(|p| serde_json::from_str(p).ok());
    match payload {
        Some(p) if p.schema == SCHEMA_VERSION => {}
        Some(p) => {
            anyhow::bail!("schema version {} (this Barrio writes {SCHEMA_VERSION})", p.schema)
        }
        None => anyhow::bail!("never committed"),
    }
    if index.schema() != schema::build() {
        anyhow::bail!("its schema differs from this Barrio's");
    }
    // Every segment must be readable.
    let reader: IndexReader =
        index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    drop(reader);
    Ok(index)
}
