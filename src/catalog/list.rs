//! Paging over an ordered index (or a record table) with filters applied on the way.
//!
//! A list is driven by the index whose order it shows: `books.title` for "by title",
//! `books.genre_year` under a genre's prefix for "this genre, by year", the record table for
//! "newest". Filters that have no index of their own (author, language, in stock, a year
//! range under another sort) are checked on each record as the scan passes it.
//!
//! The cursor is the index key of the last item shown (after the prefix), hex-encoded: the
//! next page starts right after it, so pages neither repeat nor skip, whatever was written in
//! between. A scan reads at most [`SCAN_BUDGET`] entries per request; a very selective filter
//! may then answer a short (even empty) page whose cursor says where to go on.

use crate::error::{ApiError, ApiResult};
use crate::store::{Reader, Record};

/// The most index entries one list request reads.
pub const SCAN_BUDGET: usize = 10_000;

/// Where a list's items come from, in order.
pub enum Source {
    /// The record table, by id.
    Table,
    /// An ordered index, the entries under `prefix`.
    Index { name: &'static str, prefix: Vec<u8> },
}

/// What a filter says about one record.
pub enum Verdict {
    Keep,
    Skip,
    /// Skip this one and everything after it (the scan has passed the range it wants).
    Stop,
}

/// The cursor a client sent back: the hex key suffix of the last item it saw.
pub fn decode_cursor(source: &Source, cursor: Option<&str>) -> ApiResult<Option<Vec<u8>>> {
    let bad = || ApiError::invalid("cursor", "not a cursor this list gave");
    let Some(c) = cursor else { return Ok(None) };
    let bytes = hex::decode(c).map_err(|_| bad())?;
    if bytes.is_empty() || (matches!(source, Source::Table) && bytes.len() != 8) {
        return Err(bad());
    }
    Ok(Some(bytes))
}

/// One page: up to `limit` records passing `filter`, after `after` (in `rev` order), and the
/// cursor of the next page.
pub fn page<T: Record>(
    r: &impl Reader,
    source: &Source,
    after: Option<Vec<u8>>,
    rev: bool,
    limit: usize,
    filter: impl Fn(&T) -> Verdict,
) -> crate::store::Result<(Vec<T>, Option<String>)> {
    let chunk = (limit + 1).clamp(32, 512);
    let mut out: Vec<(Vec<u8>, T)> = Vec::new();
    let mut cursor = after;
    let mut scanned = 0;
    loop {
        let (batch, entries) = fetch::<T>(r, source, cursor.as_deref(), chunk, rev)?;
        for (key, record) in batch {
            scanned += 1;
            let verdict = match &record {
                Some(rec) => filter(rec),
                None => Verdict::Skip,
            };
            match (verdict, record) {
                (Verdict::Keep, Some(rec)) => {
                    out.push((key.clone(), rec));
                    if out.len() > limit {
                        out.truncate(limit);
                        let next = out.last().map(|(k, _)| hex::encode(k));
                        return Ok((out.into_iter().map(|(_, t)| t).collect(), next));
                    }
                }
                (Verdict::Stop, _) => return Ok((out.into_iter().map(|(_, t)| t).collect(), None)),
                _ => {}
            }
            cursor = Some(key);
        }
        if entries < chunk {
            return Ok((out.into_iter().map(|(_, t)| t).collect(), None));
        }
        if scanned >= SCAN_BUDGET {
            let next = cursor.map(hex::encode);
            return Ok((out.into_iter().map(|(_, t)| t).collect(), next));
        }
    }
}

type Batch<T> = Vec<(Vec<u8>, Option<T>)>;

/// Up to `n` entries after `after`: (key suffix, record), and how many entries were read.
fn fetch<T: Record>(
    r: &impl Reader,
    source: &Source,
    after: Option<&[u8]>,
    n: usize,
    rev: bool,
) -> crate::store::Result<(Batch<T>, usize)> {
    match source {
        Source::Table => {
            let after = after.and_then(|a| <[u8; 8]>::try_from(a).ok()).map(u64::from_be_bytes);
            let records = r.list::<T>(after, n, rev)?;
            let len = records.len();
            Ok((
                records.into_iter().map(|t| (t.id().to_be_bytes().to_vec(), Some(t))).collect(),
                len,
            ))
        }
        Source::Index { name, prefix } => {
            let full = after.map(|a| [prefix.as_slice(), a].concat());
            let entries = r.scan(name, prefix, full.as_deref(), n, rev)?;
            let len = entries.len();
            let mut out = Vec::with_capacity(len);
            for (key, id) in entries {
                let suffix = key.get(prefix.len()..).unwrap_or_default().to_vec();
                out.push((suffix, r.get::<T>(id)?));
            }
            Ok((out, len))
        }
    }
}

/// One page of rows already gathered (a small candidate set from a selective index), with
/// the same keys and cursors as [`page`] would give: sorted by key, after `after`.
pub fn page_of<T>(
    mut rows: Vec<(Vec<u8>, T)>,
    after: Option<&[u8]>,
    rev: bool,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if rev {
        rows.reverse();
    }
    rows.retain(|(k, _)| {
        after.is_none_or(|a| if rev { k.as_slice() < a } else { k.as_slice() > a })
    });
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(|(k, _)| hex::encode(k)) } else { None };
    (rows.into_iter().map(|(_, t)| t).collect(), next)
}
