//! Records are serde structs encoded with postcard behind a one-byte schema version.
//!
//! postcard's wire format is documented and stable, which is what a file that must outlive
//! many releases needs. The version byte lets a migration tell old records from new ones;
//! reading a record of any other version than the current one is an error, because
//! migrations run at start-up and leave only current records behind.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, StoreError};

/// A record type kept in its own table, keyed by a `u64` id from the table's sequence.
pub trait Record: Serialize + DeserializeOwned + Send + 'static {
    /// The table's name; also the `kind` of the record's change-log entries.
    const TABLE: &'static str;
    /// The schema version of the current struct layout.
    const VERSION: u8;
    /// Whether writes of this record are appended to the change log. Bookkeeping records
    /// that no subscriber cares about (revoked tokens) opt out.
    const LOGGED: bool = true;

    fn id(&self) -> u64;

    /// The unique keys this record holds, as (index, key). The store claims them on insert,
    /// moves them on update and frees them on remove, refusing with
    /// [`StoreError::Conflict`] before writing anything when another record holds one.
    /// Name indexes `<table>.<field>`: the field is what a conflict names.
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The ordered-index entries of this record, as (index, key bytes), maintained by the
    /// store like the unique keys. Keys must be unique per index (end them with the id).
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        Vec::new()
    }
}

pub(crate) fn encode<T: Record>(record: &T) -> Result<Vec<u8>> {
    let mut out = vec![T::VERSION];
    out.extend(postcard::to_stdvec(record)?);
    Ok(out)
}

pub(crate) fn decode<T: Record>(bytes: &[u8]) -> Result<T> {
    match bytes.split_first() {
        Some((&v, rest)) if v == T::VERSION => Ok(postcard::from_bytes(rest)?),
        Some((&v, _)) => {
            Err(StoreError::RecordVersion { table: T::TABLE, found: v, expected: T::VERSION })
        }
        None => Err(StoreError::RecordVersion { table: T::TABLE, found: 0, expected: T::VERSION }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Thing {
        id: u64,
        name: String,
    }
    impl Record for Thing {
        const TABLE: &'static str = "things";
        const VERSION: u8 = 3;
        fn id(&self) -> u64 {
            self.id
        }
    }

    #[test]
    fn round_trips_with_version_byte() {
        let t = Thing { id: 7, name: "Cien años".into() };
        let bytes = encode(&t).unwrap();
        assert_eq!(bytes[0], 3);
        assert_eq!(decode::<Thing>(&bytes).unwrap(), t);
    }

    #[test]
    fn refuses_other_versions_and_garbage() {
        let mut bytes = encode(&Thing { id: 1, name: "x".into() }).unwrap();
        bytes[0] = 2;
        assert!(matches!(decode::<Thing>(&bytes), Err(StoreError::RecordVersion { found: 2, .. })));
        assert!(decode::<Thing>(&[]).is_err());
        assert!(decode::<Thing>(&[3, 0xff, 0xff]).is_err());
    }
}
