//! What the tools (check, repair, export, import) need to know about a record type, captured
//! once per type through generic functions, so that they can walk every table of the file
//! without knowing the domains. The list of registered types lives in `crate::records`.
//!
//! Also the naming convention that says what kind each table is: backup copies a table by its
//! kind, check and export look at the record tables of registered types.

use std::sync::Arc;

use anyhow::Context;

use super::codec::{self, Record};
use super::tx::ReadTx;

/// A rule about one record that the generic checks cannot know (a many-to-many link is
/// symmetric, a reference points to a live record, …): returns the problems it finds.
pub(crate) type Invariant =
    Arc<dyn Fn(&ReadTx<'_>, &[u8]) -> anyhow::Result<Vec<String>> + Send + Sync>;

/// The kinds of tables in a data file, told apart by name (see `tx.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableKind {
    /// `uniq:<index>`: `&str` → `u64`.
    Unique,
    /// `idx:<index>`: `&[u8]` → `u64`.
    Index,
    /// `sequences`: `&str` → `u64`.
    Sequences,
    /// `meta` and `blobs`: `&str` → `&[u8]`.
    Bytes,
    /// Everything else: a record table, `u64` → version byte + postcard.
    Records,
}

pub(crate) fn kind_of(table: &str) -> TableKind {
    if table.starts_with("uniq:") {
        TableKind::Unique
    } else if table.starts_with("idx:") {
        TableKind::Index
    } else if table == "sequences" {
        TableKind::Sequences
    } else if table == "meta" || table == "blobs" {
        TableKind::Bytes
    } else {
        TableKind::Records
    }
}

/// The keys a stored record declares, as the store maintains them.
pub(crate) struct Keys {
    pub id: u64,
    pub unique: Vec<(&'static str, String)>,
    pub index: Vec<(&'static str, Vec<u8>)>,
}

/// One registered record type: its table, the sequence its ids come from, and how to decode
/// it, list its keys and move it to and from JSON.
#[derive(Clone)]
pub struct RecordType {
    pub table: &'static str,
    /// The sequence that hands out this table's ids (`WriteTx::next_id`), if any.
    pub sequence: Option<&'static str>,
    pub(crate) keys: fn(&[u8]) -> anyhow::Result<Keys>,
    pub(crate) to_json: fn(&[u8]) -> anyhow::Result<serde_json::Value>,
    pub(crate) from_json: fn(serde_json::Value) -> anyhow::Result<(u64, Vec<u8>)>,
    pub(crate) invariants: Vec<Invariant>,
    /// Ordered indexes the domain writes by hand next to these records (not declared by
    /// them, so check cannot verify them entry by entry, and repair leaves them alone).
    pub(crate) hand_indexes: Vec<&'static str>,
}

impl std::fmt::Debug for RecordType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordType")
            .field("table", &self.table)
            .field("sequence", &self.sequence)
            .field("invariants", &self.invariants.len())
            .finish()
    }
}

fn keys<T: Record>(bytes: &[u8]) -> anyhow::Result<Keys> {
    let r: T = codec::decode(bytes)?;
    Ok(Keys { id: r.id(), unique: r.unique_keys(), index: r.index_keys() })
}

fn to_json<T: Record>(bytes: &[u8]) -> anyhow::Result<serde_json::Value> {
    let r: T = codec::decode(bytes)?;
    Ok(serde_json::to_value(&r)?)
}

fn from_json<T: Record>(value: serde_json::Value) -> anyhow::Result<(u64, Vec<u8>)> {
    let r: T = serde_json::from_value(value)
        .with_context(|| format!("a record of {} does not have the expected fields", T::TABLE))?;
    Ok((r.id(), codec::encode(&r)?))
}

impl RecordType {
    /// A record type whose ids come from the sequence named like its table (the usual
    /// `w.next_id(T::TABLE)`).
    pub fn of<T: Record>() -> RecordType {
        RecordType {
            table: T::TABLE,
            sequence: Some(T::TABLE),
            keys: keys::<T>,
            to_json: to_json::<T>,
            from_json: from_json::<T>,
            invariants: Vec::new(),
            hand_indexes: Vec::new(),
        }
    }

    /// Names an ordered index the domain maintains by hand next to this type (a home
    /// timeline, a work queue): `barrio check` lists it as known instead of warning about an
    /// index that belongs to no table.
    pub fn hand_index(mut self, index: &'static str) -> RecordType {
        self.hand_indexes.push(index);
        self
    }

    /// Adds a rule `barrio check` verifies for every record of this type, e.g. that the
    /// other side of a many-to-many link exists: `|r, follow: &Follow| …` returns one
    /// sentence per problem (reported as such; `--repair` does not touch them).
    ///
    /// Panics if `T` is not the type registered with [`RecordType::of`]: a programming
    /// error, caught by the unit test of `crate::records`.
    pub fn invariant<T: Record>(
        mut self,
        rule: fn(&ReadTx<'_>, &T) -> super::Result<Vec<String>>,
    ) -> RecordType {
        assert_eq!(
            T::TABLE,
            self.table,
            "an invariant of {} registered on {}",
            T::TABLE,
            self.table
        );
        self.invariants.push(Arc::new(move |r: &ReadTx<'_>, bytes: &[u8]| {
            let record: T = codec::decode(bytes)?;
            Ok(rule(r, &record)?)
        }));
        self
    }

    /// For a type whose ids do not come from a sequence (e.g. random token ids).
    pub fn without_sequence(mut self) -> RecordType {
        self.sequence = None;
        self
    }

    /// For a type whose ids come from a sequence with another name.
    pub fn with_sequence(mut self, sequence: &'static str) -> RecordType {
        self.sequence = Some(sequence);
        self
    }

    /// Whether the index `index` (a `uniq:`/`idx:` table without its prefix) belongs to this
    /// type by the naming convention `<table>.<field>`.
    pub(crate) fn owns_index_by_name(&self, index: &str) -> bool {
        index.split_once('.').is_some_and(|(t, _)| t == self.table)
    }
}
