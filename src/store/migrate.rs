//! The schema version in `meta` and the migrations that move a data file forward.
//!
//! A data file records the schema version that wrote it. At start-up, pending migrations run
//! in order inside one transaction, so a crash mid-upgrade leaves the old file as it was. A
//! file from a newer Barrio is refused before anything is written to it.
//!
//! Adding a field to a record: bump that record's `VERSION`, keep the old struct as
//! `FooV1` for decoding, add a migration here that rewrites every record, and bump
//! [`SCHEMA_VERSION`].
//!
//! # Upgrade fixtures
//! `tests/fixtures/v<N>/barrio.redb` holds a data file written by the release of schema
//! version N; the test `fixtures_of_every_released_schema_open_migrate_and_check` starts the
//! current binary on a copy of every one of them (so it migrates), logs in as its accounts
//! and runs `barrio check`. To add v2's fixture: *before* bumping the version, make sure
//! `tests/fixtures/v1/` exists (it does); after releasing v2, run `scripts/make-fixture` from
//! the v2 checkout, which writes `tests/fixtures/v2/barrio.redb` with the same three
//! accounts, and commit it. Never regenerate an older fixture with a newer binary: the point
//! is a file the old code wrote. If v2 adds data worth migrating (a new table, a new field),
//! extend the script for it in that same release so later versions migrate it too.

use redb::ReadableDatabase;

use super::tx::{ReadTx, Reader, WriteTx};
use super::{Result, StoreError};

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = 2;

const VERSION_KEY: &str = "schema_version";
const FORMAT_KEY: &str = "format";
const FORMAT: &[u8] = b"barrio";

/// One step from version `to - 1` to version `to`.
pub struct Migration {
    pub to: u32,
    pub name: &'static str,
    pub run: fn(&mut WriteTx<'_>) -> Result<()>,
}

/// Every migration since version 1, in order. The steps themselves live with the domain
/// whose records they rewrite.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    to: 2,
    name: "accounts get e-mail preferences",
    run: crate::accounts::migrate_to_v2,
}];

fn target(migrations: &[Migration]) -> u32 {
    migrations.last().map_or(1, |m| m.to)
}

/// The schema version recorded in a data file, `None` for a file Barrio never initialised.
pub(crate) fn file_version(tx: &impl Reader) -> Result<Option<u32>> {
    match tx.meta(VERSION_KEY)? {
        None => Ok(None),
        Some(b) => {
            let bytes: [u8; 4] = b
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::NotBarrio("bad schema version".into()))?;
            Ok(Some(u32::from_le_bytes(bytes)))
        }
    }
}

/// Whether this binary may open the file: it is Barrio's (or empty) and not from a newer
/// Barrio. Returns the file's schema version, `None` for an empty file.
pub(crate) fn check(rtx: &redb::ReadTransaction, migrations: &[Migration]) -> Result<Option<u32>> {
    let r = ReadTx::new(rtx);
    let found = file_version(&r)?;
    if found.is_none() && rtx.list_tables()?.next().is_some() {
        return Err(StoreError::NotBarrio("it has tables but no Barrio schema version".into()));
    }
    if found.is_some() && r.meta(FORMAT_KEY)?.as_deref() != Some(FORMAT) {
        return Err(StoreError::NotBarrio("its format marker is missing".into()));
    }
    match found {
        Some(v) if v > target(migrations) => {
            Err(StoreError::NewerSchema { file: v, binary: target(migrations) })
        }
        _ => Ok(found),
    }
}

pub(crate) fn run(db: &redb::Database, migrations: &[Migration]) -> Result<()> {
    let binary = target(migrations);
    let found = check(&db.begin_read()?, migrations)?;
    match found {
        Some(v) if v == binary => Ok(()),
        _ => {
            let from = found.unwrap_or(binary);
            let txn = db.begin_write()?;
            {
                let mut w = WriteTx::new(&txn, None, 0);
                for m in migrations.iter().filter(|m| m.to > from) {
                    tracing::info!(
                        "migrating the data file to schema version {}: {}",
                        m.to,
                        m.name
                    );
                    (m.run)(&mut w)?;
                }
                w.set_meta(FORMAT_KEY, FORMAT)?;
                w.set_meta(VERSION_KEY, &binary.to_le_bytes())?;
            }
            txn.commit()?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Record, Store};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct NoteV1 {
        id: u64,
        text: String,
    }
    impl Record for NoteV1 {
        const TABLE: &'static str = "notes";
        const VERSION: u8 = 1;
        fn id(&self) -> u64 {
            self.id
        }
    }
    #[derive(Serialize, Deserialize)]
    struct Note {
        id: u64,
        text: String,
        pinned: bool,
    }
    impl Record for Note {
        const TABLE: &'static str = "notes";
        const VERSION: u8 = 2;
        fn id(&self) -> u64 {
            self.id
        }
    }

    fn add_pinned(w: &mut WriteTx<'_>) -> Result<()> {
        w.migrate_table(|old: NoteV1| Note { id: old.id, text: old.text, pinned: false })?;
        Ok(())
    }

    const V2: &[Migration] = &[Migration { to: 2, name: "notes get pinned", run: add_pinned }];

    #[test]
    fn constant_matches_the_list() {
        assert_eq!(SCHEMA_VERSION, target(MIGRATIONS));
    }

    #[tokio::test]
    async fn migrates_old_records_and_refuses_newer_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("barrio.redb");
        {
            let store = Store::open_with(&path, &[], None).unwrap();
            store
                .write(None, |w| {
                    w.insert(&NoteV1 { id: 1, text: "hola".into() })?;
                    Ok::<_, StoreError>(())
                })
                .await
                .unwrap();
            store.shutdown().await;
        }
        {
            let store = Store::open_with(&path, V2, None).unwrap();
            let note: Note = store.read(|r| r.get(1)).unwrap().unwrap();
            assert_eq!((note.text.as_str(), note.pinned), ("hola", false));
            assert_eq!(store.read(|r| file_version(r)).unwrap(), Some(2));
            store.shutdown().await;
        }
        match Store::open_with(&path, &[], None) {
            Err(StoreError::NewerSchema { file: 2, binary: 1 }) => {}
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a newer file was opened"),
        }
    }
}
