//! Typed reads and writes over redb transactions.
//!
//! Table kinds, all created on first use:
//! - a record table per [`Record`] type: `u64` id → version byte + postcard bytes;
//! - unique indexes `uniq:<name>`: normalised key → id, claimed in the same transaction as
//!   the record, which is what makes uniqueness hold under concurrency;
//! - ordered indexes `idx:<name>`: composite byte key (a prefix, then usually a big-endian
//!   id or time) → id, scanned by prefix in either direction for lists and timelines;
//! - `sequences`: name → last id handed out; `meta`: name → bytes;
//! - `changelog`: sequence → [`Change`], appended for every logged record write.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Bound;

use redb::{Key, ReadableTable, ReadableTableMetadata, TableDefinition, Value};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::{Result, StoreError};

const SEQUENCES_TABLE: &str = "sequences";
const BLOBS_TABLE: &str = "blobs";
const META_TABLE: &str = "meta";
const SEQUENCES: TableDefinition<&str, u64> = TableDefinition::new(SEQUENCES_TABLE);
const BLOBS: TableDefinition<&str, &[u8]> = TableDefinition::new(BLOBS_TABLE);
const META: TableDefinition<&str, &[u8]> = TableDefinition::new(META_TABLE);
const CHANGELOG_SEQ: &str = "changelog";

fn records(table: &str) -> TableDefinition<'_, u64, &'static [u8]> {
    TableDefinition::new(table)
}

fn unique_name(index: &str) -> String {
    format!("uniq:{index}")
}

fn index_name(index: &str) -> String {
    format!("idx:{index}")
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// One change-log entry: which record changed, how, by whom and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub kind: String,
    pub id: u64,
    pub op: Op,
    pub actor: Option<u64>,
    pub at_ms: i64,
}

impl Record for Change {
    const TABLE: &'static str = "changelog";
    const VERSION: u8 = 1;
    const LOGGED: bool = false;
    // An entry is keyed by its sequence number; `id` is the id of the record it is about.
    #[allow(clippy::misnamed_getters)]
    fn id(&self) -> u64 {
        self.seq
    }
}

/// Reads shared by [`ReadTx`] and [`WriteTx`]: a write transaction reads its own writes.
pub trait Reader {
    #[doc(hidden)]
    fn raw_get(&self, table: &str, id: u64) -> Result<Option<Vec<u8>>>;
    #[doc(hidden)]
    fn raw_list(
        &self,
        table: &str,
        after: Option<u64>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<Vec<u8>>>;
    #[doc(hidden)]
    fn raw_unique(&self, index: &str, key: &str) -> Result<Option<u64>>;
    #[doc(hidden)]
    fn raw_scan(
        &self,
        index: &str,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<(Vec<u8>, u64)>>;
    #[doc(hidden)]
    fn raw_meta(&self, key: &str) -> Result<Option<Vec<u8>>>;
    #[doc(hidden)]
    fn raw_sequence(&self, name: &str) -> Result<u64>;
    #[doc(hidden)]
    fn raw_blob(&self, hash: &str) -> Result<Option<Vec<u8>>>;
    #[doc(hidden)]
    fn raw_count(&self, table: &str) -> Result<u64>;

    /// How many records of this type there are (redb keeps the count: no scan).
    fn count<T: Record>(&self) -> Result<u64> {
        self.raw_count(T::TABLE)
    }

    /// The bytes of a blob by its content hash.
    fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        self.raw_blob(hash)
    }

    /// The record with this id, if any.
    fn get<T: Record>(&self, id: u64) -> Result<Option<T>> {
        self.raw_get(T::TABLE, id)?.map(|b| codec::decode(&b)).transpose()
    }

    /// Up to `limit` records in id order (descending if `rev`), starting after `after`.
    fn list<T: Record>(&self, after: Option<u64>, limit: usize, rev: bool) -> Result<Vec<T>> {
        self.raw_list(T::TABLE, after, limit, rev)?.iter().map(|b| codec::decode(b)).collect()
    }

    /// Records in id order after `after` that `keep` accepts, up to `limit`: a filtered list
    /// for filters no index serves. Reads in batches, so it stops as soon as the page is full.
    fn list_where<T: Record>(
        &self,
        mut after: Option<u64>,
        limit: usize,
        mut keep: impl FnMut(&T) -> bool,
    ) -> Result<Vec<T>> {
        const BATCH: usize = 256;
        let mut out = Vec::new();
        loop {
            let batch: Vec<T> = self.list(after, BATCH, false)?;
            let last = batch.len() < BATCH;
            for t in batch {
                after = Some(t.id());
                if keep(&t) {
                    out.push(t);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
            if last {
                return Ok(out);
            }
        }
    }

    /// The id that holds `key` in a unique index.
    fn unique(&self, index: &str, key: &str) -> Result<Option<u64>> {
        self.raw_unique(index, key)
    }

    /// Entries of an ordered index whose key starts with `prefix`, after the key `after`
    /// (before it, if `rev`), at most `limit`.
    fn scan(
        &self,
        index: &str,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<(Vec<u8>, u64)>> {
        self.raw_scan(index, prefix, after, limit, rev)
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.raw_meta(key)
    }

    /// The sequence number of the newest change-log entry ever appended (0 if none).
    fn last_change(&self) -> Result<u64> {
        self.raw_sequence(CHANGELOG_SEQ)
    }

    /// Change-log entries after `after`, oldest first.
    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>> {
        self.list::<Change>(Some(after), limit, false)
    }
}

/// The byte string just above every key starting with `prefix`, or `None` if there is none.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

// The table-level helpers below are written once over redb's `ReadableTable`, which both the
// read-only and the writable table types implement.

fn get_in(t: &impl ReadableTable<u64, &'static [u8]>, id: u64) -> Result<Option<Vec<u8>>> {
    Ok(t.get(id)?.map(|v| v.value().to_vec()))
}

fn list_in(
    t: &impl ReadableTable<u64, &'static [u8]>,
    after: Option<u64>,
    limit: usize,
    rev: bool,
) -> Result<Vec<Vec<u8>>> {
    let range = match (after, rev) {
        (None, _) => t.range::<u64>(..)?,
        (Some(a), false) => t.range::<u64>((Bound::Excluded(a), Bound::Unbounded))?,
        (Some(a), true) => t.range::<u64>(..a)?,
    };
    let mut out = Vec::new();
    let mut push = |e: std::result::Result<_, redb::StorageError>| -> Result<bool> {
        let (_, v): (_, redb::AccessGuard<&[u8]>) = e?;
        out.push(v.value().to_vec());
        Ok(out.len() < limit)
    };
    if rev {
        for e in range.rev() {
            if !push(e)? {
                break;
            }
        }
    } else {
        for e in range {
            if !push(e)? {
                break;
            }
        }
    }
    Ok(out)
}

fn scan_in(
    t: &impl ReadableTable<&'static [u8], u64>,
    prefix: &[u8],
    after: Option<&[u8]>,
    limit: usize,
    rev: bool,
) -> Result<Vec<(Vec<u8>, u64)>> {
    let end = prefix_end(prefix);
    let (lo, hi): (Bound<&[u8]>, Bound<&[u8]>) = match (after, rev) {
        (Some(a), false) => {
            (Bound::Excluded(a), end.as_deref().map_or(Bound::Unbounded, Bound::Excluded))
        }
        (Some(a), true) => (Bound::Included(prefix), Bound::Excluded(a)),
        (None, _) => {
            (Bound::Included(prefix), end.as_deref().map_or(Bound::Unbounded, Bound::Excluded))
        }
    };
    let range = t.range::<&[u8]>((lo, hi))?;
    let mut out = Vec::new();
    let mut push = |e: std::result::Result<
        (redb::AccessGuard<&[u8]>, redb::AccessGuard<u64>),
        redb::StorageError,
    >|
     -> Result<bool> {
        let (k, v) = e?;
        out.push((k.value().to_vec(), v.value()));
        Ok(out.len() < limit)
    };
    if rev {
        for e in range.rev() {
            if !push(e)? {
                break;
            }
        }
    } else {
        for e in range {
            if !push(e)? {
                break;
            }
        }
    }
    Ok(out)
}

/// Opens a table for reading, treating a table that was never created as empty.
macro_rules! open_or {
    ($tx:expr, $def:expr, $empty:expr) => {
        match $tx.open_table($def) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok($empty),
            Err(e) => return Err(e.into()),
        }
    };
}

/// A read transaction opens its tables per call (opening one read-only is cheap, and a
/// table that was never created reads as empty); [`WriteTx`] keeps its open instead.
impl Reader for ReadTx<'_> {
    fn raw_get(&self, table: &str, id: u64) -> Result<Option<Vec<u8>>> {
        let t = open_or!(self.tx, records(table), None);
        get_in(&t, id)
    }
    fn raw_list(
        &self,
        table: &str,
        after: Option<u64>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<Vec<u8>>> {
        let t = open_or!(self.tx, records(table), Vec::new());
        list_in(&t, after, limit, rev)
    }
    fn raw_unique(&self, index: &str, key: &str) -> Result<Option<u64>> {
        let name = unique_name(index);
        let t = open_or!(self.tx, TableDefinition::<&str, u64>::new(&name), None);
        Ok(t.get(key)?.map(|v| v.value()))
    }
    fn raw_scan(
        &self,
        index: &str,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<(Vec<u8>, u64)>> {
        let name = index_name(index);
        let t = open_or!(self.tx, TableDefinition::<&[u8], u64>::new(&name), Vec::new());
        scan_in(&t, prefix, after, limit, rev)
    }
    fn raw_meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let t = open_or!(self.tx, META, None);
        Ok(t.get(key)?.map(|v| v.value().to_vec()))
    }
    fn raw_sequence(&self, name: &str) -> Result<u64> {
        let t = open_or!(self.tx, SEQUENCES, 0);
        Ok(t.get(name)?.map_or(0, |v| v.value()))
    }
    fn raw_blob(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let t = open_or!(self.tx, BLOBS, None);
        Ok(t.get(hash)?.map(|v| v.value().to_vec()))
    }
    fn raw_count(&self, table: &str) -> Result<u64> {
        let t = open_or!(self.tx, records(table), 0);
        Ok(t.len()?)
    }
}

/// A read transaction: a consistent snapshot.
pub struct ReadTx<'a> {
    tx: &'a redb::ReadTransaction,
}

impl<'a> ReadTx<'a> {
    pub(crate) fn new(tx: &'a redb::ReadTransaction) -> Self {
        ReadTx { tx }
    }
}

/// The tables a write transaction has opened, kept open until it commits or aborts.
///
/// Opening a table in a write transaction looks it up in redb's table tree, and closing it
/// writes its root back; one create touches five or six tables, and a group commit runs
/// hundreds of jobs. So each table is opened once per transaction, on first use. Every access
/// of a write transaction goes through here (redb refuses to open a table twice at once).
/// One map per key/value type: redb's tables are typed.
struct Tables<'t> {
    tx: &'t redb::WriteTransaction,
    /// Record tables and the change log: id → bytes.
    by_id: RefCell<HashMap<String, redb::Table<'t, u64, &'static [u8]>>>,
    /// Unique indexes and `sequences`: string → id.
    by_str: RefCell<HashMap<String, redb::Table<'t, &'static str, u64>>>,
    /// Ordered indexes: byte key → id.
    by_key: RefCell<HashMap<String, redb::Table<'t, &'static [u8], u64>>>,
    /// `meta` and `blobs`: string → bytes.
    bytes_by_str: RefCell<HashMap<String, redb::Table<'t, &'static str, &'static [u8]>>>,
}

/// Runs `f` on the table `name` of `map`, opening it first if this transaction has not yet.
fn cached<'t, K: Key + 'static, V: Value + 'static, R>(
    tx: &'t redb::WriteTransaction,
    map: &RefCell<HashMap<String, redb::Table<'t, K, V>>>,
    name: &str,
    f: impl FnOnce(&mut redb::Table<'t, K, V>) -> Result<R>,
) -> Result<R> {
    let mut map = map.borrow_mut();
    if !map.contains_key(name) {
        let table = tx.open_table(TableDefinition::<K, V>::new(name))?;
        map.insert(name.to_owned(), table);
    }
    match map.get_mut(name) {
        Some(table) => f(table),
        None => Err(StoreError::CommitFailed(format!("table {name} vanished"))),
    }
}

impl<'t> Tables<'t> {
    fn new(tx: &'t redb::WriteTransaction) -> Self {
        Tables {
            tx,
            by_id: RefCell::default(),
            by_str: RefCell::default(),
            by_key: RefCell::default(),
            bytes_by_str: RefCell::default(),
        }
    }

    fn by_id<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut redb::Table<'t, u64, &'static [u8]>) -> Result<R>,
    ) -> Result<R> {
        cached(self.tx, &self.by_id, name, f)
    }

    fn by_str<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut redb::Table<'t, &'static str, u64>) -> Result<R>,
    ) -> Result<R> {
        cached(self.tx, &self.by_str, name, f)
    }

    fn by_key<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut redb::Table<'t, &'static [u8], u64>) -> Result<R>,
    ) -> Result<R> {
        cached(self.tx, &self.by_key, name, f)
    }

    fn bytes_by_str<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut redb::Table<'t, &'static str, &'static [u8]>) -> Result<R>,
    ) -> Result<R> {
        cached(self.tx, &self.bytes_by_str, name, f)
    }
}

/// A write transaction as the jobs of one group commit see it, one job after another.
///
/// Every write sets `dirty`: the writer uses it to know whether a job that then failed left
/// anything behind that has to be rolled back (by replaying the batch without it). Drop it
/// before committing or aborting the redb transaction: it holds the transaction's tables.
pub struct WriteTx<'a> {
    tables: Tables<'a>,
    actor: Option<u64>,
    now_ms: i64,
    dirty: bool,
}

impl<'a> WriteTx<'a> {
    pub(crate) fn new(tx: &'a redb::WriteTransaction, actor: Option<u64>, now_ms: i64) -> Self {
        WriteTx { tables: Tables::new(tx), actor, now_ms, dirty: false }
    }

    /// Starts the next job of the batch: its actor, and a clean `dirty` flag.
    pub(crate) fn begin_job(&mut self, actor: Option<u64>) {
        self.actor = actor;
        self.dirty = false;
    }

    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The time of this transaction (UTC milliseconds); every record written in one job
    /// shares it.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// The account on whose behalf this job writes, if any.
    pub fn actor(&self) -> Option<u64> {
        self.actor
    }

    /// Hands out the next id of a sequence (ids start at 1). Not counted as a write for the
    /// writer's replay logic: a job that refuses after taking an id only leaves a gap.
    pub fn next_id(&mut self, sequence: &str) -> Result<u64> {
        self.tables.by_str(SEQUENCES_TABLE, |t| {
            let next = t.get(sequence)?.map_or(0, |v| v.value()) + 1;
            t.insert(sequence, next)?;
            Ok(next)
        })
    }

    /// Refuses with [`StoreError::Conflict`] if another record holds one of `record`'s
    /// unique keys. Writes nothing.
    pub fn check_unique<T: Record>(&self, record: &T) -> Result<()> {
        for (index, key) in record.unique_keys() {
            if let Some(holder) = self.raw_unique(index, &key)?
                && holder != record.id()
            {
                return Err(StoreError::Conflict { index, key, holder });
            }
        }
        Ok(())
    }

    /// Writes a new record with its index entries, and logs its creation.
    pub fn insert<T: Record>(&mut self, record: &T) -> Result<()> {
        self.check_unique(record)?;
        self.dirty = true;
        for (index, key) in record.unique_keys() {
            self.claim_unique(index, &key, record.id())?;
        }
        for (index, key) in record.index_keys() {
            self.index_put(index, &key, record.id())?;
        }
        self.put(record, Op::Create)
    }

    /// Overwrites a record, moving its index entries, and logs the update.
    pub fn update<T: Record>(&mut self, record: &T) -> Result<()> {
        self.check_unique(record)?;
        let old: Option<T> = self.get(record.id())?;
        self.dirty = true;
        let (old_unique, old_index) =
            old.map_or_else(Default::default, |o| (o.unique_keys(), o.index_keys()));
        let (new_unique, new_index) = (record.unique_keys(), record.index_keys());
        for (index, key) in old_unique.iter().filter(|k| !new_unique.contains(k)) {
            self.release_unique(index, key)?;
        }
        for (index, key) in new_unique.iter().filter(|k| !old_unique.contains(k)) {
            self.claim_unique(index, key, record.id())?;
        }
        for (index, key) in old_index.iter().filter(|k| !new_index.contains(k)) {
            self.index_remove(index, key)?;
        }
        for (index, key) in new_index.iter().filter(|k| !old_index.contains(k)) {
            self.index_put(index, key, record.id())?;
        }
        self.put(record, Op::Update)
    }

    fn put<T: Record>(&mut self, record: &T, op: Op) -> Result<()> {
        self.dirty = true;
        let bytes = codec::encode(record)?;
        self.put_bytes(T::TABLE, record.id(), &bytes)?;
        if T::LOGGED {
            self.log(T::TABLE, record.id(), op)?;
        }
        Ok(())
    }

    fn put_bytes(&mut self, table: &str, id: u64, bytes: &[u8]) -> Result<()> {
        self.tables.by_id(table, |t| {
            t.insert(id, bytes)?;
            Ok(())
        })
    }

    /// For migrations: rewrites every record of a table from its old layout `Old` to the new
    /// one, moving index entries from the old keys to the new. Not logged (derived state,
    /// such as the search index, is rebuilt after a schema change).
    pub fn migrate_table<Old: Record, New: Record>(
        &mut self,
        f: impl Fn(Old) -> New,
    ) -> Result<usize> {
        self.dirty = true;
        let mut n = 0;
        let mut after = None;
        loop {
            let batch = self.raw_list(Old::TABLE, after, 1000, false)?;
            if batch.is_empty() {
                return Ok(n);
            }
            for bytes in batch {
                let old: Old = codec::decode(&bytes)?;
                let id = old.id();
                after = Some(id);
                for (index, key) in old.unique_keys() {
                    self.release_unique(index, &key)?;
                }
                for (index, key) in old.index_keys() {
                    self.index_remove(index, &key)?;
                }
                let new = f(old);
                for (index, key) in new.unique_keys() {
                    self.claim_unique(index, &key, id)?;
                }
                for (index, key) in new.index_keys() {
                    self.index_put(index, &key, id)?;
                }
                let bytes = codec::encode(&new)?;
                self.put_bytes(New::TABLE, id, &bytes)?;
                n += 1;
            }
        }
    }

    /// Removes a record and its index entries, logging the deletion, and returns what it was.
    pub fn remove<T: Record>(&mut self, id: u64) -> Result<Option<T>> {
        let Some(old) = self.get::<T>(id)? else { return Ok(None) };
        self.dirty = true;
        for (index, key) in old.unique_keys() {
            self.release_unique(index, &key)?;
        }
        for (index, key) in old.index_keys() {
            self.index_remove(index, &key)?;
        }
        self.tables.by_id(T::TABLE, |t| {
            t.remove(id)?;
            Ok(())
        })?;
        if T::LOGGED {
            self.log(T::TABLE, id, Op::Delete)?;
        }
        Ok(Some(old))
    }

    /// Claims `key` in a unique index for `id`. Returns the id that already holds it, if it
    /// is another one; then nothing is written.
    pub fn claim_unique(&mut self, index: &str, key: &str, id: u64) -> Result<Option<u64>> {
        if let Some(holder) = self.raw_unique(index, key)? {
            return Ok((holder != id).then_some(holder));
        }
        self.dirty = true;
        self.tables.by_str(&unique_name(index), |t| {
            t.insert(key, id)?;
            Ok(None)
        })
    }

    /// Frees `key` in a unique index.
    pub fn release_unique(&mut self, index: &str, key: &str) -> Result<()> {
        self.dirty = true;
        self.tables.by_str(&unique_name(index), |t| {
            t.remove(key)?;
            Ok(())
        })
    }

    /// Adds an entry to an ordered index.
    pub fn index_put(&mut self, index: &str, key: &[u8], id: u64) -> Result<()> {
        self.dirty = true;
        self.tables.by_key(&index_name(index), |t| {
            t.insert(key, id)?;
            Ok(())
        })
    }

    /// Removes an entry from an ordered index.
    pub fn index_remove(&mut self, index: &str, key: &[u8]) -> Result<()> {
        self.dirty = true;
        self.tables.by_key(&index_name(index), |t| {
            t.remove(key)?;
            Ok(())
        })
    }

    /// Stores bytes under their SHA-256 (hex) and returns it. Storing the same bytes twice
    /// keeps one copy. Blobs are not garbage-collected yet: replacing an image leaves the old
    /// bytes in the file.
    pub fn put_blob(&mut self, bytes: &[u8]) -> Result<String> {
        use sha2::Digest;
        let hash = hex::encode(sha2::Sha256::digest(bytes));
        if self.raw_blob(&hash)?.is_none() {
            self.dirty = true;
            self.tables.bytes_by_str(BLOBS_TABLE, |t| {
                t.insert(hash.as_str(), bytes)?;
                Ok(())
            })?;
        }
        Ok(hash)
    }

    pub fn set_meta(&mut self, key: &str, value: &[u8]) -> Result<()> {
        self.dirty = true;
        self.tables.bytes_by_str(META_TABLE, |t| {
            t.insert(key, value)?;
            Ok(())
        })
    }

    fn log(&mut self, kind: &str, id: u64, op: Op) -> Result<()> {
        let seq = self.next_id(CHANGELOG_SEQ)?;
        let change =
            Change { seq, kind: kind.to_owned(), id, op, actor: self.actor, at_ms: self.now_ms };
        let bytes = codec::encode(&change)?;
        self.put_bytes(Change::TABLE, seq, &bytes)
    }

    /// Removes change-log entries up to and including `upto` (once every subscriber has
    /// passed them).
    pub fn trim_changes(&mut self, upto: u64) -> Result<usize> {
        self.dirty = true;
        self.tables.by_id(Change::TABLE, |t| {
            let mut n = 0;
            for e in t.extract_from_if(..=upto, |_, _| true)? {
                e?;
                n += 1;
            }
            Ok(n)
        })
    }
}

impl Reader for WriteTx<'_> {
    fn raw_get(&self, table: &str, id: u64) -> Result<Option<Vec<u8>>> {
        self.tables.by_id(table, |t| get_in(t, id))
    }
    fn raw_list(
        &self,
        table: &str,
        after: Option<u64>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<Vec<u8>>> {
        self.tables.by_id(table, |t| list_in(t, after, limit, rev))
    }
    fn raw_unique(&self, index: &str, key: &str) -> Result<Option<u64>> {
        self.tables.by_str(&unique_name(index), |t| Ok(t.get(key)?.map(|v| v.value())))
    }
    fn raw_scan(
        &self,
        index: &str,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        rev: bool,
    ) -> Result<Vec<(Vec<u8>, u64)>> {
        self.tables.by_key(&index_name(index), |t| scan_in(t, prefix, after, limit, rev))
    }
    fn raw_meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.tables.bytes_by_str(META_TABLE, |t| Ok(t.get(key)?.map(|v| v.value().to_vec())))
    }
    fn raw_sequence(&self, name: &str) -> Result<u64> {
        self.tables.by_str(SEQUENCES_TABLE, |t| Ok(t.get(name)?.map_or(0, |v| v.value())))
    }
    fn raw_blob(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        self.tables.bytes_by_str(BLOBS_TABLE, |t| Ok(t.get(hash)?.map(|v| v.value().to_vec())))
    }
    fn raw_count(&self, table: &str) -> Result<u64> {
        self.tables.by_id(table, |t| Ok(t.len()?))
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 255]), Some(vec![2]));
        assert_eq!(prefix_end(&[255, 255]), None);
        assert_eq!(prefix_end(b""), None);
    }
}
