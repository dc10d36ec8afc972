//! `barrio check`: redb's integrity check plus the application's invariants, and `--repair`.
//!
//! What is checked, table by table (the store maintains indexes from each record's declared
//! `unique_keys()` / `index_keys()`, which is what makes a generic check possible):
//! - every record of a registered type decodes, and is stored under its own id;
//! - every unique key and index entry a record declares is in its index, pointing to it;
//! - every entry of an index that a registered type owns (it produced the index, or the index
//!   is named `<table>.<field>`) points to a live record that declares that very entry;
//! - every sequence is at or above the highest id of the table it numbers (else the next
//!   insert would overwrite a record);
//! - every subscriber cursor (`meta` key `cursor:<name>`, u64 little-endian) is within the
//!   change log;
//! - every blob is stored under the SHA-256 of its bytes;
//! - the rules a domain registers for its records with [`RecordType::invariant`] (many-to-many
//!   links being symmetric, references pointing to live records).
//!
//! Tables no registered type explains are reported as warnings: backups still copy them.
//!
//! `--repair` rebuilds what is derived and safe to rebuild: it drops the indexes of
//! registered types and rebuilds them from the records, and raises sequences to the highest
//! id. It refuses (changing nothing) when records cannot be decoded or two records claim the
//! same unique key: those need a person. Cursors beyond the log are reported, not guessed.
//! Repair holds every index entry of the registered tables in memory while it rebuilds, which
//! is fine for a shop (a million entries is tens of MB) and runs on a stopped server only.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use redb::{MultimapTableHandle, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use super::StoreError;
use super::migrate::{self, SCHEMA_VERSION};
use super::registry::{Keys, RecordType, TableKind, kind_of};
use super::tx::ReadTx;

fn records_of(table: &str) -> TableDefinition<'_, u64, &'static [u8]> {
    TableDefinition::new(table)
}
const SEQUENCES: TableDefinition<&str, u64> = TableDefinition::new("sequences");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("blobs");
/// The change log's sequence (see `tx.rs`).
const CHANGELOG: &str = "changelog";
/// Subscribers keep their cursor in `meta` under this prefix.
pub const CURSOR_PREFIX: &str = "cursor:";

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warning,
    Problem,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub level: Level,
    pub text: String,
    /// Whether `--repair` can fix it.
    pub repairable: bool,
}

/// What a check found, in the order it found it.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// What `--repair` did, if it ran.
    pub repaired: Vec<String>,
}

impl Report {
    pub(crate) fn ok(&mut self, text: impl Into<String>) {
        self.findings.push(Finding { level: Level::Ok, text: text.into(), repairable: false });
    }
    pub(crate) fn warn(&mut self, text: impl Into<String>) {
        self.findings.push(Finding { level: Level::Warning, text: text.into(), repairable: false });
    }
    pub(crate) fn problem(&mut self, text: impl Into<String>, repairable: bool) {
        self.findings.push(Finding { level: Level::Problem, text: text.into(), repairable });
    }

    pub fn problems(&self) -> usize {
        self.findings.iter().filter(|f| f.level == Level::Problem).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.level == Level::Warning).count()
    }

    fn repairable(&self) -> usize {
        self.findings.iter().filter(|f| f.level == Level::Problem && f.repairable).count()
    }

    /// The report as people read it; at most 50 problems are listed one by one.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut shown = 0;
        for f in &self.findings {
            let tag = match f.level {
                Level::Ok => "ok     ",
                Level::Warning => "warning",
                Level::Problem => "PROBLEM",
            };
            if f.level == Level::Problem {
                shown += 1;
                if shown > 50 {
                    continue;
                }
            }
            let _ = writeln!(out, "{tag}  {}", f.text);
        }
        if shown > 50 {
            let _ = writeln!(out, "PROBLEM  … and {} more", shown - 50);
        }
        for r in &self.repaired {
            let _ = writeln!(out, "repaired {r}");
        }
        let (p, w) = (self.problems(), self.warnings());
        if p == 0 {
            let _ = writeln!(out, "result: no problems ({w} warnings)");
        } else {
            let fixable = self.repairable();
            let _ = write!(out, "result: {p} problems, {w} warnings");
            if fixable > 0 && self.repaired.is_empty() {
                let _ = write!(out, "; {fixable} of them can be fixed with --repair");
            }
            let _ = writeln!(out);
        }
        out
    }
}

/// Opens a data file and verifies every page of it (redb's integrity check on open), without
/// waiting for a server that holds it and without letting a damaged file crash the process
/// (a plain open may panic on a file altered behind redb's back).
///
/// Returns the database and whether redb had to roll back a last commit that does not verify
/// (a commit torn by a crash: it was never acknowledged). With `allow_rollback` false that
/// refuses the file instead, which is right for backups: a finished backup has no torn commit.
pub(crate) fn open_checked(
    path: &Path,
    allow_rollback: bool,
) -> Result<(redb::Database, bool), redb::DatabaseError> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let rolled_back = Arc::new(AtomicBool::new(false));
    let flag = rolled_back.clone();
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        redb::Database::builder()
            .set_check_integrity_on_open(true)
            .set_repair_callback(move |session| {
                // redb reports 0.3 only when the last commit failed to verify and it is about
                // to fall back to the one before.
                let p = session.progress();
                if p > 0.2 && p < 0.5 {
                    flag.store(true, Ordering::Relaxed);
                    if !allow_rollback {
                        session.abort();
                    }
                }
            })
            .open(path)
    }));
    match opened {
        Ok(Ok(db)) => Ok((db, rolled_back.load(Ordering::Relaxed))),
        Ok(Err(redb::DatabaseError::RepairAborted)) => {
            Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(
                "its last commit does not verify (a torn or altered file)".into(),
            )))
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(
            "reading it crashed the storage engine".into(),
        ))),
    }
}

/// Opens a data file read-only (a shared lock: no server can open it meanwhile), turning a
/// panic of redb on a damaged file into an error.
pub(crate) fn open_read_only(path: &Path) -> Result<redb::ReadOnlyDatabase, redb::DatabaseError> {
    std::panic::catch_unwind(|| redb::ReadOnlyDatabase::open(path)).unwrap_or_else(|_| {
        Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(
            "reading it crashed the storage engine".into(),
        )))
    })
}

/// Checks the data file at `path` and, with `repair`, fixes what is safe to fix. Errors are
/// for files that cannot be looked at at all (missing, held by a running server).
pub fn check_file(path: &Path, types: &[RecordType], repair: bool) -> anyhow::Result<Report> {
    if !path.is_file() {
        anyhow::bail!("there is no data file at {}", path.display());
    }
    let mut report = Report::default();
    let db = match open_checked(path, true) {
        Ok((db, rolled_back)) => {
            report.ok("redb integrity check: every page verifies");
            if rolled_back {
                report.warn(
                    "the file was not closed cleanly: redb rolled back a last commit that was never finished",
                );
            }
            db
        }
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            return Err(StoreError::AlreadyOpen(path.display().to_string()).into());
        }
        Err(e) => {
            report.problem(format!("redb integrity check failed: {e}"), false);
            return Ok(report);
        }
    };
    if !barrio_file(&db, &mut report)? {
        return Ok(report);
    }
    invariants(&db.begin_read()?, types, &mut report)?;
    if repair && report.repairable() > 0 {
        let wtx = db.begin_write()?;
        let done = repair_indexes(&wtx, types)?;
        wtx.commit()?;
        let mut after = Report::default();
        after.ok("redb integrity check: every page verifies");
        barrio_file(&db, &mut after)?;
        invariants(&db.begin_read()?, types, &mut after)?;
        after.repaired = done;
        return Ok(after);
    }
    Ok(report)
}

/// Whether the file is a Barrio data file of this binary's schema version (the application
/// checks need records in their current layout).
fn barrio_file(db: &redb::Database, report: &mut Report) -> anyhow::Result<bool> {
    let rtx = db.begin_read()?;
    match migrate::check(&rtx, migrate::MIGRATIONS) {
        Ok(Some(v)) if v == SCHEMA_VERSION => {
            report.ok(format!("Barrio data file, schema version {v}"));
            Ok(true)
        }
        Ok(Some(v)) => {
            report.warn(format!(
                "Barrio data file of schema version {v}, older than this binary's {SCHEMA_VERSION}: start the server once to migrate it; application checks skipped"
            ));
            Ok(false)
        }
        Ok(None) => {
            report.problem("the file is empty: not a Barrio data file yet", false);
            Ok(false)
        }
        Err(e) => {
            report.problem(e.to_string(), false);
            Ok(false)
        }
    }
}

fn show_key(key: &[u8]) -> String {
    hex::encode(key)
}

/// Opens a table for reading; a table that does not exist is `None`.
fn open<K: redb::Key + 'static, V: redb::Value + 'static>(
    rtx: &redb::ReadTransaction,
    def: TableDefinition<K, V>,
) -> anyhow::Result<Option<redb::ReadOnlyTable<K, V>>> {
    match rtx.open_table(def) {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot open table {}", def.name())),
    }
}

/// Looks an index entry up, opening (and caching) the index table on first use.
struct Indexes<'a> {
    rtx: &'a redb::ReadTransaction,
    unique: HashMap<String, Option<redb::ReadOnlyTable<&'static str, u64>>>,
    ordered: HashMap<String, Option<redb::ReadOnlyTable<&'static [u8], u64>>>,
}

impl Indexes<'_> {
    fn unique(&mut self, index: &str, key: &str) -> anyhow::Result<Option<u64>> {
        if !self.unique.contains_key(index) {
            let name = format!("uniq:{index}");
            let t = open(self.rtx, TableDefinition::<&str, u64>::new(&name))?;
            self.unique.insert(index.to_owned(), t);
        }
        match self.unique.get(index).and_then(Option::as_ref) {
            Some(t) => Ok(t.get(key)?.map(|v| v.value())),
            None => Ok(None),
        }
    }

    fn ordered(&mut self, index: &str, key: &[u8]) -> anyhow::Result<Option<u64>> {
        if !self.ordered.contains_key(index) {
            let name = format!("idx:{index}");
            let t = open(self.rtx, TableDefinition::<&[u8], u64>::new(&name))?;
            self.ordered.insert(index.to_owned(), t);
        }
        match self.ordered.get(index).and_then(Option::as_ref) {
            Some(t) => Ok(t.get(key)?.map(|v| v.value())),
            None => Ok(None),
        }
    }
}

/// The application's invariants over one snapshot. See the module doc.
pub(crate) fn invariants(
    rtx: &redb::ReadTransaction,
    types: &[RecordType],
    report: &mut Report,
) -> anyhow::Result<()> {
    let names: Vec<String> = rtx.list_tables()?.map(|h| h.name().to_owned()).collect();
    for m in rtx.list_multimap_tables()? {
        report.warn(format!("multimap table {} is not something Barrio writes", m.name()));
    }
    let sequences: BTreeMap<String, u64> = match open(rtx, SEQUENCES)? {
        None => BTreeMap::new(),
        Some(t) => t
            .iter()?
            .map(|e| e.map(|(k, v)| (k.value().to_owned(), v.value())))
            .collect::<Result<_, _>>()?,
    };
    for n in &names {
        if kind_of(n) == TableKind::Records && !types.iter().any(|t| t.table == n) {
            report.warn(format!(
                "table {n} is not registered in src/records.rs: backups copy it, check and export do not look inside"
            ));
        }
    }

    // Records, and the entries they declare.
    let mut indexes = Indexes { rtx, unique: HashMap::new(), ordered: HashMap::new() };
    let mut produced: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (ti, t) in types.iter().enumerate() {
        let Some(table) = open(rtx, records_of(t.table))? else { continue };
        let (mut n, mut max_id, mut bad) = (0u64, 0u64, 0usize);
        for e in table.iter()? {
            let (k, v) = e?;
            let id = k.value();
            n += 1;
            max_id = max_id.max(id);
            let keys = match (t.keys)(v.value()) {
                Ok(keys) => keys,
                Err(e) => {
                    bad += 1;
                    report.problem(
                        format!("{} {id}: the record cannot be decoded: {e}", t.table),
                        false,
                    );
                    continue;
                }
            };
            if !t.invariants.is_empty() {
                let r = ReadTx::new(rtx);
                for rule in &t.invariants {
                    for p in rule(&r, v.value())? {
                        bad += 1;
                        report.problem(format!("{} {id}: {p}", t.table), false);
                    }
                }
            }
            if keys.id != id {
                bad += 1;
                report.problem(
                    format!(
                        "{} {id}: the record is stored under id {id} but says it is {}",
                        t.table, keys.id
                    ),
                    false,
                );
            }
            for (index, key) in &keys.unique {
                produced.entry((*index).to_owned()).or_default().insert(ti);
                match indexes.unique(index, key)? {
                    Some(holder) if holder == id => {}
                    Some(holder) => {
                        bad += 1;
                        report.problem(
                            format!(
                                "uniq:{index}: {key:?} points to {holder}, but {} {id} holds it",
                                t.table
                            ),
                            true,
                        );
                    }
                    None => {
                        bad += 1;
                        report.problem(
                            format!("uniq:{index}: {key:?} of {} {id} is missing", t.table),
                            true,
                        );
                    }
                }
            }
            for (index, key) in &keys.index {
                produced.entry((*index).to_owned()).or_default().insert(ti);
                if indexes.ordered(index, key)? != Some(id) {
                    bad += 1;
                    report.problem(
                        format!(
                            "idx:{index}: entry {} of {} {id} is missing or points elsewhere",
                            show_key(key),
                            t.table
                        ),
                        true,
                    );
                }
            }
        }
        if bad == 0 {
            report.ok(format!("{}: {n} records and their index entries", t.table));
        }
        if let Some(seq) = t.sequence {
            let at = sequences.get(seq).copied().unwrap_or(0);
            if max_id > at {
                report.problem(
                    format!("sequence {seq} is at {at}, below the highest id of {} ({max_id}): the next insert would overwrite a record", t.table),
                    true,
                );
            }
        }
    }

    // Index entries, each pointing to a record that declares it.
    let mut records: HashMap<&str, Option<redb::ReadOnlyTable<u64, &'static [u8]>>> =
        HashMap::new();
    for n in &names {
        let (kind, index) = match (n.strip_prefix("uniq:"), n.strip_prefix("idx:")) {
            (Some(i), _) => (TableKind::Unique, i),
            (_, Some(i)) => (TableKind::Index, i),
            _ => continue,
        };
        let owners: Vec<&RecordType> = types
            .iter()
            .enumerate()
            .filter(|(ti, t)| {
                t.owns_index_by_name(index) || produced.get(index).is_some_and(|s| s.contains(ti))
            })
            .map(|(_, t)| t)
            .collect();
        if owners.is_empty() {
            match types.iter().find(|t| t.hand_indexes.contains(&index)) {
                Some(t) => report.ok(format!(
                    "index {n}: kept by hand next to {} (not checked entry by entry)",
                    t.table
                )),
                None => {
                    report.warn(format!("index {n} belongs to no registered table: not checked"))
                }
            }
            continue;
        }
        for t in &owners {
            if !records.contains_key(t.table) {
                records.insert(t.table, open(rtx, records_of(t.table))?);
            }
        }
        let declares =
            |records: &HashMap<&str, Option<redb::ReadOnlyTable<u64, &'static [u8]>>>,
             id: u64,
             matches: &dyn Fn(&Keys) -> bool|
             -> anyhow::Result<bool> {
                for t in &owners {
                    let Some(Some(table)) = records.get(t.table) else { continue };
                    let Some(bytes) = table.get(id)? else { continue };
                    if let Ok(keys) = (t.keys)(bytes.value())
                        && matches(&keys)
                    {
                        return Ok(true);
                    }
                }
                Ok(false)
            };
        let (mut n_entries, mut stale) = (0u64, 0usize);
        if kind == TableKind::Unique {
            let t = rtx.open_table(TableDefinition::<&str, u64>::new(n))?;
            for e in t.iter()? {
                let (k, v) = e?;
                let (key, id) = (k.value(), v.value());
                n_entries += 1;
                let held = |keys: &Keys| keys.unique.iter().any(|(i, k)| *i == index && k == key);
                if !declares(&records, id, &held)? {
                    stale += 1;
                    report.problem(
                        format!("{n}: {key:?} points to {id}, which does not hold it"),
                        true,
                    );
                }
            }
        } else {
            let t = rtx.open_table(TableDefinition::<&[u8], u64>::new(n))?;
            for e in t.iter()? {
                let (k, v) = e?;
                let (key, id) = (k.value(), v.value());
                n_entries += 1;
                let held = |keys: &Keys| keys.index.iter().any(|(i, k)| *i == index && k == key);
                if !declares(&records, id, &held)? {
                    stale += 1;
                    report.problem(
                        format!(
                            "{n}: entry {} points to {id}, which does not declare it",
                            show_key(key)
                        ),
                        true,
                    );
                }
            }
        }
        if stale == 0 {
            report.ok(format!("{n}: {n_entries} entries, each held by its record"));
        }
    }

    // Cursors within the change log.
    let last = sequences.get(CHANGELOG).copied().unwrap_or(0);
    if let Some(meta) = open(rtx, META)? {
        for e in meta.range(CURSOR_PREFIX..)? {
            let (k, v) = e?;
            let Some(name) = k.value().strip_prefix(CURSOR_PREFIX) else { break };
            match <[u8; 8]>::try_from(v.value()) {
                Ok(b) if u64::from_le_bytes(b) <= last => {
                    report.ok(format!("cursor {name} is within the change log"))
                }
                Ok(b) => report.problem(
                    format!(
                        "cursor {name} is at {}, beyond the last change {last}",
                        u64::from_le_bytes(b)
                    ),
                    false,
                ),
                Err(_) => report.problem(format!("cursor {name} is not a u64"), false),
            }
        }
    }

    // Blobs under their content hash.
    if let Some(blobs) = open(rtx, BLOBS)? {
        use sha2::Digest;
        let (mut n, mut bad) = (0u64, 0usize);
        for e in blobs.iter()? {
            let (k, v) = e?;
            n += 1;
            if hex::encode(sha2::Sha256::digest(v.value())) != k.value() {
                bad += 1;
                report.problem(format!("blob {} does not match its hash", k.value()), false);
            }
        }
        if bad == 0 {
            report.ok(format!("blobs: {n}, each under its hash"));
        }
    }
    Ok(())
}

/// Drops the indexes of registered types and rebuilds them from the records, and raises
/// sequences to the highest id. Returns what it did; refuses (with nothing written yet, the
/// caller drops the transaction) when a person must decide.
pub(crate) fn repair_indexes(
    wtx: &redb::WriteTransaction,
    types: &[RecordType],
) -> anyhow::Result<Vec<String>> {
    struct Entry {
        unique: bool,
        index: &'static str,
        key: Vec<u8>,
        table: &'static str,
        id: u64,
    }
    let mut entries = Vec::new();
    let mut max_ids = Vec::new();
    let existing: Vec<String> = wtx.list_tables()?.map(|h| h.name().to_owned()).collect();
    for t in types.iter().filter(|t| existing.iter().any(|n| n == t.table)) {
        let table = match wtx.open_table(records_of(t.table)) {
            Ok(t) => t,
            Err(e) => return Err(e).with_context(|| format!("cannot open table {}", t.table)),
        };
        let mut max_id = 0;
        for e in table.iter()? {
            let (k, v) = e?;
            let id = k.value();
            max_id = max_id.max(id);
            let keys = (t.keys)(v.value()).with_context(|| {
                format!(
                    "cannot repair: {} {id} cannot be decoded, so its index entries are unknown",
                    t.table
                )
            })?;
            for (index, key) in keys.unique {
                entries.push(Entry {
                    unique: true,
                    index,
                    key: key.into_bytes(),
                    table: t.table,
                    id,
                });
            }
            for (index, key) in keys.index {
                entries.push(Entry { unique: false, index, key, table: t.table, id });
            }
        }
        if let Some(seq) = t.sequence {
            max_ids.push((seq, max_id));
        }
    }
    let produced: BTreeSet<&str> = entries.iter().map(|e| e.index).collect();
    let mut done = Vec::new();
    for n in &existing {
        let index = match (n.strip_prefix("uniq:"), n.strip_prefix("idx:")) {
            (Some(i), _) | (_, Some(i)) => i,
            _ => continue,
        };
        if produced.contains(index) || types.iter().any(|t| t.owns_index_by_name(index)) {
            let handle = wtx.list_tables()?.find(|h| h.name() == n);
            if let Some(h) = handle {
                wtx.delete_table(h)?;
            }
        }
    }
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for e in &entries {
        if e.unique {
            let name = format!("uniq:{}", e.index);
            let mut t = wtx.open_table(TableDefinition::<&str, u64>::new(&name))?;
            let key = std::str::from_utf8(&e.key)?;
            if let Some(holder) = t.get(key)?.map(|v| v.value())
                && holder != e.id
            {
                anyhow::bail!(
                    "cannot repair: {} {holder} and {} {} both claim {key:?} in {}; change one of them by hand",
                    e.table,
                    e.table,
                    e.id,
                    e.index
                );
            }
            t.insert(key, e.id)?;
            *counts.entry(name).or_default() += 1;
        } else {
            let name = format!("idx:{}", e.index);
            let mut t = wtx.open_table(TableDefinition::<&[u8], u64>::new(&name))?;
            t.insert(e.key.as_slice(), e.id)?;
            *counts.entry(name).or_default() += 1;
        }
    }
    for (name, n) in counts {
        done.push(format!("{name}: rebuilt with {n} entries"));
    }
    let mut seqs = wtx.open_table(SEQUENCES)?;
    for (seq, max_id) in max_ids {
        let at = seqs.get(seq)?.map_or(0, |v| v.value());
        if at < max_id {
            seqs.insert(seq, max_id)?;
            done.push(format!("sequence {seq}: raised from {at} to {max_id}"));
        }
    }
    Ok(done)
}

/// Re-exported for `backup`: checks a snapshot and returns the findings.
pub(crate) fn report_of(
    rtx: &redb::ReadTransaction,
    types: &[RecordType],
) -> anyhow::Result<Report> {
    let mut r = Report::default();
    invariants(rtx, types, &mut r)?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Reader, Record, Store, codec};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Tag {
        id: u64,
        name: String,
        parent: Option<u64>,
    }
    impl Record for Tag {
        const TABLE: &'static str = "tags";
        const VERSION: u8 = 1;
        fn id(&self) -> u64 {
            self.id
        }
        fn unique_keys(&self) -> Vec<(&'static str, String)> {
            vec![("tags.name", self.name.clone())]
        }
        fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
            vec![("tags.by_name", [self.name.as_bytes(), &self.id.to_be_bytes()].concat())]
        }
    }

    fn parent_exists(r: &ReadTx<'_>, t: &Tag) -> crate::store::Result<Vec<String>> {
        Ok(match t.parent {
            Some(p) if r.get::<Tag>(p)?.is_none() => vec![format!("its parent {p} does not exist")],
            _ => Vec::new(),
        })
    }

    fn types() -> Vec<RecordType> {
        vec![
            RecordType::of::<Tag>().invariant(parent_exists),
            RecordType::of::<crate::store::Change>(),
        ]
    }

    async fn file_with_tags(names: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("barrio.redb");
        let store = Store::open(&path).unwrap();
        for name in names {
            let name = name.to_string();
            store
                .write(None, move |w| {
                    let id = w.next_id(Tag::TABLE)?;
                    w.insert(&Tag { id, name: name.clone(), parent: None })?;
                    Ok::<_, StoreError>(())
                })
                .await
                .unwrap();
        }
        store.shutdown().await;
        (dir, path)
    }

    fn raw_write(path: &Path, f: impl FnOnce(&redb::WriteTransaction)) {
        let db = redb::Database::open(path).unwrap();
        let tx = db.begin_write().unwrap();
        f(&tx);
        tx.commit().unwrap();
    }

    #[tokio::test]
    async fn finds_broken_indexes_and_repair_rebuilds_them() {
        let (_dir, path) = file_with_tags(&["novela", "poesía", "ensayo"]).await;
        assert_eq!(check_file(&path, &types(), false).unwrap().problems(), 0);
        raw_write(&path, |tx| {
            let mut u = tx.open_table(TableDefinition::<&str, u64>::new("uniq:tags.name")).unwrap();
            u.remove("poesía").unwrap();
            u.insert("teatro", 3).unwrap();
            let mut i =
                tx.open_table(TableDefinition::<&[u8], u64>::new("idx:tags.by_name")).unwrap();
            i.remove([b"novela".as_slice(), &1u64.to_be_bytes()].concat().as_slice()).unwrap();
        });
        let report = check_file(&path, &types(), false).unwrap();
        assert_eq!(report.problems(), 3, "{}", report.render());
        assert!(report.render().contains("--repair"));
        let repaired = check_file(&path, &types(), true).unwrap();
        assert_eq!(repaired.problems(), 0, "{}", repaired.render());
        assert!(!repaired.repaired.is_empty());
        let store = Store::open(&path).unwrap();
        assert_eq!(store.read(|r| r.unique("tags.name", "poesía")).unwrap(), Some(2));
        assert_eq!(store.read(|r| r.unique("tags.name", "teatro")).unwrap(), None);
        store.shutdown().await;
    }

    #[tokio::test]
    async fn repair_refuses_two_records_claiming_one_key() {
        let (_dir, path) = file_with_tags(&["cine"]).await;
        let twin = codec::encode(&Tag { id: 9, name: "cine".into(), parent: None }).unwrap();
        raw_write(&path, |tx| {
            tx.open_table(records_of("tags")).unwrap().insert(9, twin.as_slice()).unwrap();
            tx.open_table(SEQUENCES).unwrap().insert("tags", 9).unwrap();
        });
        let before = check_file(&path, &types(), false).unwrap().render();
        let err = check_file(&path, &types(), true).unwrap_err().to_string();
        assert!(err.contains("both claim \"cine\""), "{err}");
        // Nothing was committed.
        assert_eq!(check_file(&path, &types(), false).unwrap().render(), before);
    }

    #[tokio::test]
    async fn registered_invariants_and_unregistered_tables_are_reported() {
        let (_dir, path) = file_with_tags(&["música"]).await;
        let orphan = codec::encode(&Tag { id: 2, name: "jazz".into(), parent: Some(77) }).unwrap();
        raw_write(&path, |tx| {
            tx.open_table(records_of("tags")).unwrap().insert(2, orphan.as_slice()).unwrap();
            tx.open_table(SEQUENCES).unwrap().insert("tags", 2).unwrap();
            tx.open_table(records_of("mystery")).unwrap().insert(1, [1u8].as_slice()).unwrap();
        });
        let text = check_file(&path, &types(), false).unwrap().render();
        assert!(text.contains("tags 2: its parent 77 does not exist"), "{text}");
        assert!(text.contains("table mystery is not registered"), "{text}");
        assert!(text.contains("\"jazz\" of tags 2 is missing"), "{text}");
    }

    #[tokio::test]
    async fn a_backup_taken_while_writing_holds_what_was_acknowledged_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("barrio.redb")).unwrap();
        let write = |n: u64| {
            let store = store.clone();
            async move {
                store
                    .write(None, move |w| {
                        let id = w.next_id(Tag::TABLE)?;
                        w.insert(&Tag { id, name: format!("t{n}"), parent: None })?;
                        Ok::<_, StoreError>(id)
                    })
                    .await
                    .unwrap()
            }
        };
        for n in 0..50 {
            write(n).await;
        }
        let writers: Vec<_> = (50..400).map(|n| tokio::spawn(write(n))).collect();
        let out = dir.path().join("copy.redb");
        let (s, o) = (store.clone(), out.clone());
        let info =
            tokio::task::spawn_blocking(move || s.backup_to(&o, &types())).await.unwrap().unwrap();
        assert!(info.findings.is_empty(), "{:?}", info.findings);
        for w in writers {
            w.await.unwrap();
        }
        store.shutdown().await;
        let report = check_file(&out, &types(), false).unwrap();
        assert_eq!(report.problems(), 0, "{}", report.render());
        let copy = Store::open(&out).unwrap();
        let tags: Vec<Tag> = copy.read(|r| r.list(None, 1000, false)).unwrap();
        assert!(tags.len() >= 50 && tags.iter().take(50).all(|t| t.id <= 50));
        copy.shutdown().await;
    }
}
