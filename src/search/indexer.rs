//! Keeps the index in step with the data file.
//!
//! One thread owns the `IndexWriter`. It follows the change log from the sequence stored in
//! the index's own commit payload, so the index and its cursor are committed together and
//! can never disagree. After each commit it mirrors that sequence to meta `cursor:search`,
//! which only bounds the change-log trimmer from below. Commits happen at most every
//! 200 ms while there are changes, so a write is searchable well within a second, also
//! under a steady write load.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::indexer::{IndexWriterOptions, LogMergePolicy, NoMergePolicy};
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::schema::Kind;
use super::{Payload, SCHEMA_VERSION, SUBSCRIBER, Search};
use crate::accounts::User;
use crate::catalog::model::{BOOKS_BY_GENRE, Book, Genre, Product};
use crate::community::{POSTS_BY_AUTHOR, Post};
use crate::store::{Change, Reader, Record, Store};

/// tantivy's smallest budget for one indexing thread. It is what the writer may buffer
/// before it flushes a segment; more only makes a full rebuild flush a little less often,
/// and every byte of it can become resident memory during a write burst.
const WRITER_MEMORY: usize = 15_000_000;
const MIN_COMMIT_GAP: Duration = Duration::from_millis(200);
/// How long changes that touch no document may wait before the cursor moves past them.
const LAZY_COMMIT: Duration = Duration::from_secs(2);
const BATCH: usize = 2000;
const PAGE: usize = 1000;

/// One indexing thread and one merge thread (tantivy's default is four merge threads: on
/// 2 cores they only ran merges side by side, each holding its segments' memory).
fn writer(search: &Search) -> anyhow::Result<IndexWriter<TantivyDocument>> {
    let options = IndexWriterOptions::builder()
        .num_worker_threads(1)
        .num_merge_threads(1)
        .memory_budget_per_thread(WRITER_MEMORY)
        .build();
    Ok(search.index.writer_with_options(options)?)
}

/// Starts the indexer thread: rebuilds first if needed, then follows the change log until
/// `stop` turns true.
pub fn spawn(search: Arc<Search>, store: Store, stop: tokio::sync::watch::Receiver<bool>) {
    let handle = tokio::runtime::Handle::current();
    let spawned = std::thread::Builder::new().name("search-indexer".into()).spawn(move || {
        if let Err(e) = run(&search, &store, stop, &handle) {
            tracing::error!("the search indexer stopped: {e:#}");
        }
    });
    if let Err(e) = spawned {
        tracing::error!("cannot start the search indexer: {e}");
    }
}

fn run(
    search: &Search,
    store: &Store,
    mut stop: tokio::sync::watch::Receiver<bool>,
    rt: &tokio::runtime::Handle,
) -> anyhow::Result<()> {
    let mut w = writer(search)?;
    let mut seq = match prepare(search, store)? {
        Some(seq) => seq,
        None => {
            let started = Instant::now();
            let (seq, docs) = rebuild(search, store, &mut w)?;
            tracing::info!(
                "search index rebuilt: {docs} documents in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            seq
        }
    };
    mirror_cursor(store, seq, rt);
    let mut changes = store.changes();
    let mut last_commit = Instant::now() - MIN_COMMIT_GAP;
    // Changes read but not yet committed: only ones that touched no document, which are
    // committed lazily (the cursor only has to move eventually, for the trimmer).
    let mut applied = seq;
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let (read_to, touched, caught_up) = follow(search, store, &mut w, applied)?;
        applied = read_to;
        if applied > seq && (touched || last_commit.elapsed() >= LAZY_COMMIT) {
            commit(search, &mut w, applied)?;
            seq = applied;
            mirror_cursor(store, seq, rt);
            last_commit = Instant::now();
        }
        if caught_up && !search.is_ready() {
            search.set_ready();
        }
        if !caught_up {
            continue;
        }
        // Wait for the next write (or a second), then leave at least MIN_COMMIT_GAP between
        // commits so a steady load is taken in batches.
        rt.block_on(async {
            tokio::select! {
                _ = changes.changed() => {}
                _ = stop.changed() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        });
        let since = last_commit.elapsed();
        if since < MIN_COMMIT_GAP {
            std::thread::sleep(MIN_COMMIT_GAP - since);
        }
    }
}

/// Decides whether the index can follow on from its own cursor: then searches are ready at
/// once (it catches up with the few changes after it within moments) and the cursor is
/// returned; otherwise it is marked for a rebuild, and ready once rebuilt. Called before the
/// server answers (from `app::build_state`), so a healthy index never shows `ready: false`
/// at start-up, and again by the indexer itself.
pub fn prepare(search: &Search, store: &Store) -> anyhow::Result<Option<u64>> {
    use std::sync::atomic::Ordering;
    match search.payload() {
        Some(p) if !search.needs_rebuild.load(Ordering::Acquire) && usable(store, p.seq)? => {
            search.set_ready();
            Ok(Some(p.seq))
        }
        _ => {
            search.needs_rebuild.store(true, Ordering::Release);
            Ok(None)
        }
    }
}

/// Whether an index at `seq` can catch up from the change log: nothing after it trimmed,
/// and not ahead of the data file (an index of another file).
fn usable(store: &Store, seq: u64) -> anyhow::Result<bool> {
    let (first, last) =
        store.read(|r| Ok((r.changes_after(0, 1)?.first().map(|c| c.seq), r.last_change()?)))?;
    if seq > last {
        tracing::warn!("the search index is ahead of the data file ({seq} > {last}); rebuilding");
        return Ok(false);
    }
    if let Some(f) = first
        && f > seq + 1
    {
        tracing::warn!(
            "the change log was trimmed past the search index ({f} > {seq} + 1); rebuilding"
        );
        return Ok(false);
    }
    Ok(true)
}

fn mirror_cursor(store: &Store, seq: u64, rt: &tokio::runtime::Handle) {
    let store = store.clone();
    let key = format!("cursor:{SUBSCRIBER}");
    let done = rt.block_on(async move {
        store.write(None, move |w| w.set_meta(&key, &seq.to_le_bytes())).await
    });
    if let Err(e) = done {
        tracing::warn!("cannot record the search cursor: {e}");
    }
}

fn commit(search: &Search, w: &mut IndexWriter<TantivyDocument>, seq: u64) -> anyhow::Result<()> {
    let mut prepared = w.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(&Payload { schema: SCHEMA_VERSION, seq })?);
    prepared.commit()?;
    search.reader.reload()?;
    search.set_committed(seq);
    Ok(())
}

/// Applies what the change log holds after `seq` (up to a batch) to the writer, without
/// committing. Returns the sequence read up to, whether any document may have changed, and
/// whether the log is now exhausted.
fn follow(
    search: &Search,
    store: &Store,
    w: &mut IndexWriter<TantivyDocument>,
    seq: u64,
) -> anyhow::Result<(u64, bool, bool)> {
    let changes = store.read(|r| r.changes_after(seq, BATCH))?;
    let Some(last) = changes.last().map(|c| c.seq) else { return Ok((seq, false, true)) };
    let f = search.fields;
    let touched = store.read(|r| {
        let mut keys: HashSet<(Kind, u64)> = HashSet::new();
        for c in &changes {
            affected(r, c, &mut keys)?;
        }
        for &(kind, id) in &keys {
            w.delete_term(Term::from_field_text(f.key, &kind.key(id)));
            if let Some(doc) = current(search, r, kind, id)?
                && let Err(e) = w.add_document(doc)
            {
                tracing::error!("cannot index {}: {e}", kind.key(id));
            }
        }
        Ok(!keys.is_empty())
    })?;
    Ok((last, touched, changes.len() < BATCH))
}

/// The documents a change may alter.
fn affected(
    r: &impl Reader,
    c: &Change,
    keys: &mut HashSet<(Kind, u64)>,
) -> crate::store::Result<()> {
    match c.kind.as_str() {
        Book::TABLE => {
            keys.insert((Kind::Book, c.id));
        }
        Product::TABLE => {
            keys.insert((Kind::Product, c.id));
        }
        Post::TABLE => {
            keys.insert((Kind::Post, c.id));
        }
        // A renamed genre changes the text of its books.
        Genre::TABLE => {
            let mut after: Option<Vec<u8>> = None;
            loop {
                let page =
                    r.scan(BOOKS_BY_GENRE, &c.id.to_be_bytes(), after.as_deref(), PAGE, false)?;
                for (_, id) in &page {
                    keys.insert((Kind::Book, *id));
                }
                match page.last() {
                    Some((k, _)) if page.len() == PAGE => after = Some(k.clone()),
                    _ => break,
                }
            }
        }
        // A renamed or deleted account changes (or removes) its posts.
        User::TABLE => {
            let mut after: Option<Vec<u8>> = None;
            loop {
                let page =
                    r.scan(POSTS_BY_AUTHOR, &c.id.to_be_bytes(), after.as_deref(), PAGE, false)?;
                for (_, id) in &page {
                    keys.insert((Kind::Post, *id));
                }
                match page.last() {
                    Some((k, _)) if page.len() == PAGE => after = Some(k.clone()),
                    _ => break,
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The document of a record as it is now, or None if it must not be found.
fn current(
    search: &Search,
    r: &impl Reader,
    kind: Kind,
    id: u64,
) -> crate::store::Result<Option<TantivyDocument>> {
    let f = &search.fields;
    Ok(match kind {
        Kind::Book => match r.get::<Book>(id)? {
            Some(b) => Some(f.book(r, &b)?),
            None => None,
        },
        Kind::Product => r.get::<Product>(id)?.and_then(|p| f.product(&p)),
        Kind::Post => match r.get::<Post>(id)? {
            Some(p) => f.post(r, &p)?,
            None => None,
        },
    })
}

/// Replaces the whole index by the documents of one snapshot of the store; returns the
/// change-log sequence of that snapshot and how many documents it holds.
pub fn rebuild(
    search: &Search,
    store: &Store,
    w: &mut IndexWriter<TantivyDocument>,
) -> anyhow::Result<(u64, u64)> {
    search.set_rebuilding(true);
    // No background merges while the rebuild commits its segments: the rebuild merges them
    // all into one itself at the end, and tantivy refuses a merge of segments that a
    // background merge has already taken (that stopped the indexer for good on a
    // 100,000-book shop, where the rebuild flushes more than a few segments).
    w.set_merge_policy(Box::new(NoMergePolicy));
    let out = rebuild_all(search, store, w);
    w.set_merge_policy(Box::<LogMergePolicy>::default());
    search.set_rebuilding(false);
    out
}

fn rebuild_all(
    search: &Search,
    store: &Store,
    w: &mut IndexWriter<TantivyDocument>,
) -> anyhow::Result<(u64, u64)> {
    let f = search.fields;
    w.delete_all_documents()?;
    let mut count = 0u64;
    let seq = store.read(|r| {
        let seq = r.last_change()?;
        let mut add = |doc: Option<TantivyDocument>| {
            if let Some(doc) = doc {
                count += 1;
                if let Err(e) = w.add_document(doc) {
                    tracing::error!("cannot index a document: {e}");
                }
            }
        };
        let mut after = None;
        loop {
            let page = r.list::<Book>(after, PAGE, false)?;
            for b in &page {
                add(Some(f.book(r, b)?));
            }
            match page.last() {
                Some(b) if page.len() == PAGE => after = Some(b.id),
                _ => break,
            }
        }
        let mut after = None;
        loop {
            let page = r.list::<Product>(after, PAGE, false)?;
            for p in &page {
                add(f.product(p));
            }
            match page.last() {
                Some(p) if page.len() == PAGE => after = Some(p.id),
                _ => break,
            }
        }
        let mut after = None;
        loop {
            let page = r.list::<Post>(after, PAGE, false)?;
            for p in &page {
                add(f.post(r, p)?);
            }
            match page.last() {
                Some(p) if page.len() == PAGE => after = Some(p.id),
                _ => break,
            }
        }
        Ok(seq)
    })?;
    commit(search, w, seq)?;
    // One segment: every query walks each segment's term dictionaries (the typo and prefix
    // automata) once, so a rebuilt index of several segments answers measurably slower.
    // A failed merge leaves a correct index of several segments: worth a warning, not the
    // indexer.
    let segments = search.index.searchable_segment_ids()?;
    if segments.len() > 1 {
        match w.merge(&segments).wait() {
            Ok(_) => search.reader.reload()?,
            Err(e) => tracing::warn!("cannot merge the rebuilt index into one segment: {e}"),
        }
    }
    Ok((seq, count))
}

/// Rebuilds the whole index with a writer of its own (offline, benches); returns the
/// sequence it holds and how many documents.
pub fn rebuild_now(search: &Search, store: &Store) -> anyhow::Result<(u64, u64)> {
    let mut w = writer(search)?;
    let out = rebuild(search, store, &mut w)?;
    w.wait_merging_threads()?;
    search.set_ready();
    Ok(out)
}

/// `barrio reindex`: rebuilds the index of a stopped server's data dir.
pub async fn reindex_offline(dir: &crate::config::DataDir) -> anyhow::Result<()> {
    let path = dir.index_path();
    if path.exists() {
        std::fs::remove_dir_all(&path)?;
    }
    let store = Store::open(&dir.db_path())?;
    let result = async {
        let search = Search::open(&path)?;
        let started = Instant::now();
        let (seq, docs) = tokio::task::block_in_place(|| rebuild_now(&search, &store))?;
        let key = format!("cursor:{SUBSCRIBER}");
        store.write(None, move |w| w.set_meta(&key, &seq.to_le_bytes())).await?;
        println!(
            "rebuilt the search index in {:.1} s: {docs} documents, {} bytes",
            started.elapsed().as_secs_f64(),
            dir_size(&path)
        );
        Ok::<_, anyhow::Error>(())
    }
    .await;
    store.shutdown().await;
    result
}

pub fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| rd.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}
