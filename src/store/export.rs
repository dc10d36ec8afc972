//! `barrio export` / `barrio import`: the whole shop as plain JSON, for people who want their
//! data out, and back.
//!
//! The document (pretty-printed, keys sorted, so equal shops give equal files):
//! ```json
//! { "format": "barrio-export", "schema_version": 1,
//!   "tables":    { "<table>": [ <record as JSON>, … in id order ], … },
//!   "sequences": { "<name>": <last id handed out>, … },
//!   "meta":      { "<key>": "<base64>", … },
//!   "blobs":     { "<sha256 hex>": "<base64>", … } }
//! ```
//! Every registered record table is there (empty ones as `[]`), the change log included, so
//! that subscribers resume where they were. Indexes are not: they are derived, and import
//! rebuilds them from the records (which also re-checks uniqueness).
//!
//! Left out on purpose: the token-signing secret (`meta.jwt_secret`, a credential: the
//! imported shop generates its own on first start, so tokens of the old shop stop working
//! and everyone logs in again; passwords still work), and the schema version and format
//! marker (the importing binary writes its own). Tables that no registered type explains are
//! named on stderr and left out: export is for data a person can read.
//!
//! Import only goes into an empty data dir, through a temporary file renamed into place once
//! everything is written and checked. Only an export of this binary's schema version is
//! accepted: records change shape between versions, and the migrations work on data files,
//! so import into the Barrio that exported and let it upgrade the file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use serde::{Deserialize, Serialize};

use super::backup::{self, TempFile};
use super::check::{self, Level};
use super::migrate::{self, SCHEMA_VERSION};
use super::registry::{RecordType, TableKind, kind_of};

const FORMAT: &str = "barrio-export";
const SEQUENCES: TableDefinition<&str, u64> = TableDefinition::new("sequences");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("blobs");
/// `meta` keys that are not exported; see the module doc.
const NOT_EXPORTED: &[&str] = &["jwt_secret", "schema_version", "format"];

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    schema_version: u32,
    tables: BTreeMap<String, Vec<serde_json::Value>>,
    sequences: BTreeMap<String, u64>,
    meta: BTreeMap<String, String>,
    blobs: BTreeMap<String, String>,
}

/// What an export or import moved.
#[derive(Debug, Default)]
pub struct Moved {
    pub records: u64,
    pub tables: usize,
    pub blobs: usize,
    /// Tables left out (not registered).
    pub skipped: Vec<String>,
}

fn records_of(table: &str) -> TableDefinition<'_, u64, &'static [u8]> {
    TableDefinition::new(table)
}

/// Writes the JSON export of the data file of a stopped server to `out`.
pub fn export_file(data_file: &Path, out: &Path, types: &[RecordType]) -> anyhow::Result<Moved> {
    let source = backup::open_source(data_file)?;
    let rtx = source.begin_read()?;
    match migrate::check(&rtx, migrate::MIGRATIONS)? {
        Some(v) if v == SCHEMA_VERSION => {}
        v => anyhow::bail!(
            "the data file has schema version {v:?}; start this Barrio on it once to migrate it to version {SCHEMA_VERSION}, then export"
        ),
    }
    let mut moved = Moved::default();
    let mut doc = Document {
        format: FORMAT.into(),
        schema_version: SCHEMA_VERSION,
        tables: BTreeMap::new(),
        sequences: BTreeMap::new(),
        meta: BTreeMap::new(),
        blobs: BTreeMap::new(),
    };
    let open_err = |e: redb::TableError| -> anyhow::Result<()> {
        match e {
            redb::TableError::TableDoesNotExist(_) => Ok(()),
            e => Err(e.into()),
        }
    };
    for t in types {
        let mut rows = Vec::new();
        match rtx.open_table(records_of(t.table)) {
            Ok(table) => {
                for e in table.iter()? {
                    let (k, v) = e?;
                    let json = (t.to_json)(v.value())
                        .with_context(|| format!("{} {}", t.table, k.value()))?;
                    rows.push(json);
                }
            }
            Err(e) => open_err(e)?,
        }
        moved.records += rows.len() as u64;
        doc.tables.insert(t.table.to_owned(), rows);
    }
    moved.tables = doc.tables.len();
    for h in rtx.list_tables()? {
        let n = h.name();
        if kind_of(n) == TableKind::Records && !types.iter().any(|t| t.table == n) {
            moved.skipped.push(n.to_owned());
        }
    }
    match rtx.open_table(SEQUENCES) {
        Ok(t) => {
            for e in t.iter()? {
                let (k, v) = e?;
                doc.sequences.insert(k.value().to_owned(), v.value());
            }
        }
        Err(e) => open_err(e)?,
    }
    match rtx.open_table(META) {
        Ok(t) => {
            for e in t.iter()? {
                let (k, v) = e?;
                if !NOT_EXPORTED.contains(&k.value()) {
                    doc.meta.insert(k.value().to_owned(), B64.encode(v.value()));
                }
            }
        }
        Err(e) => open_err(e)?,
    }
    match rtx.open_table(BLOBS) {
        Ok(t) => {
            for e in t.iter()? {
                let (k, v) = e?;
                doc.blobs.insert(k.value().to_owned(), B64.encode(v.value()));
            }
        }
        Err(e) => open_err(e)?,
    }
    moved.blobs = doc.blobs.len();
    let mut json = serde_json::to_vec_pretty(&doc)?;
    json.push(b'\n');
    backup::write_atomically(out, &json)?;
    Ok(moved)
}

/// Creates the data file `data_file` (which must not exist yet, or be empty) from the JSON
/// export at `input`.
pub fn import_file(data_file: &Path, input: &Path, types: &[RecordType]) -> anyhow::Result<Moved> {
    if std::fs::metadata(data_file).is_ok_and(|m| m.len() > 0) {
        anyhow::bail!(
            "{} already exists: import only goes into an empty data dir",
            data_file.display()
        );
    }
    let text = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let doc: Document = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a Barrio export", input.display()))?;
    if doc.format != FORMAT {
        anyhow::bail!("{} is not a Barrio export (format {:?})", input.display(), doc.format);
    }
    if doc.schema_version != SCHEMA_VERSION {
        anyhow::bail!(
            "the export is of schema version {}; this Barrio imports version {SCHEMA_VERSION}: import it with the Barrio that exported it, then upgrade",
            doc.schema_version
        );
    }
    if let Some(dir) = data_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = TempFile::new(data_file.with_file_name(format!(
        ".{}.importing-{}",
        data_file.file_name().map_or("barrio.redb".into(), |n| n.to_string_lossy()),
        std::process::id()
    )));
    let _ = std::fs::remove_file(&tmp.path);
    let mut moved = Moved::default();
    {
        let db = redb::Database::create(&tmp.path)?;
        migrate::run(&db, migrate::MIGRATIONS)?;
        let mut wtx = db.begin_write()?;
        wtx.set_two_phase_commit(true);
        for (table, rows) in doc.tables {
            let t = types.iter().find(|t| t.table == table).with_context(|| {
                format!("the export has a table {table} that this Barrio does not know")
            })?;
            let mut dst = wtx.open_table(records_of(t.table))?;
            for (i, row) in rows.into_iter().enumerate() {
                let (id, bytes) =
                    (t.from_json)(row).with_context(|| format!("{table}, record #{}", i + 1))?;
                if dst.insert(id, bytes.as_slice())?.is_some() {
                    anyhow::bail!("{table}: two records have id {id}");
                }
                moved.records += 1;
            }
            moved.tables += 1;
        }
        {
            let mut seqs = wtx.open_table(SEQUENCES)?;
            for (k, v) in &doc.sequences {
                seqs.insert(k.as_str(), *v)?;
            }
            let mut meta = wtx.open_table(META)?;
            for (k, v) in &doc.meta {
                if NOT_EXPORTED.contains(&k.as_str()) {
                    anyhow::bail!("meta.{k} cannot be imported");
                }
                let bytes = B64.decode(v).with_context(|| format!("meta.{k} is not base64"))?;
                meta.insert(k.as_str(), bytes.as_slice())?;
            }
            let mut blobs = wtx.open_table(BLOBS)?;
            for (k, v) in &doc.blobs {
                let bytes = B64.decode(v).with_context(|| format!("blob {k} is not base64"))?;
                blobs.insert(k.as_str(), bytes.as_slice())?;
                moved.blobs += 1;
            }
        }
        // Indexes are derived: build them from the records, which also refuses two records
        // that claim the same unique key.
        check::repair_indexes(&wtx, types)?;
        wtx.commit()?;
        let report = check::report_of(&db.begin_read()?, types)?;
        if report.problems() > 0 {
            let list: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| f.level == Level::Problem)
                .map(|f| f.text.as_str())
                .collect();
            anyhow::bail!("the imported data does not hold together:\n{}", list.join("\n"));
        }
        db.close()?;
    }
    tmp.persist(data_file)?;
    Ok(moved)
}
