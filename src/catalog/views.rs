//! Product views: who looked at what, recorded without making reads wait for an fsync.
//!
//! `GET /api/products/{id}` puts a view in an in-memory buffer; a background task writes the
//! buffer through the writer about once a second, as one write job (one commit) per flush,
//! and `app::serve` flushes once more after the last request and before the store closes.
//! A crash (not a clean stop) loses at most the views of the last second.
//!
//! Storage: one small [`ProductView`] record per view (product, time, viewer as a user id or
//! a 64-bit hash of the visitor id), indexed by (product, time, id). Per-view records cost
//! about 30 bytes each and are append-only, so a flush never rewrites anything; unlike daily
//! counters they answer "unique visitors" over any period exactly. Aggregates are computed by
//! scanning one product's views, which only the staff ask for.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, header};
use serde::Serialize;
use sha2::Digest;
use tokio::sync::watch;

use super::model::{ProductView, VIEWS_BY_PRODUCT, Viewer};
use crate::store::{Reader, Record, Store, StoreError};

pub const VISITOR_HEADER: &str = "x-visitor-id";
pub const VISITOR_COOKIE: &str = "barrio_visitor";
/// Views waiting beyond this (the writer is stuck) are dropped rather than eat memory.
const MAX_PENDING: usize = 200_000;
/// Views per write job when a flush is large.
const FLUSH_CHUNK: usize = 5_000;

struct Pending {
    product_id: u64,
    at_ms: i64,
    viewer: Viewer,
}

/// Views not yet written.
#[derive(Default)]
pub struct ViewBuffer {
    pending: Mutex<Vec<Pending>>,
    dropped: AtomicU64,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl ViewBuffer {
    pub fn record(&self, product_id: u64, viewer: Viewer) {
        let view = Pending { product_id, at_ms: now_ms(), viewer };
        // A poisoned lock only means a thread panicked while pushing: the Vec is still fine.
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= MAX_PENDING {
            if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                tracing::warn!("product views are arriving faster than they can be written");
            }
            return;
        }
        pending.push(view);
    }

    fn take(&self) -> Vec<Pending> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Writes every buffered view; returns how many. One step of the flusher, also called
    /// before computing aggregates so the staff see views up to now.
    pub async fn flush(&self, store: &Store) -> usize {
        let views = self.take();
        let mut written = 0;
        let mut views = views.into_iter().peekable();
        while views.peek().is_some() {
            let chunk: Vec<Pending> = views.by_ref().take(FLUSH_CHUNK).collect();
            let n = chunk.len();
            let result = store
                .write(None, move |w| {
                    for v in &chunk {
                        let id = w.next_id(ProductView::TABLE)?;
                        let view = ProductView {
                            id,
                            product_id: v.product_id,
                            at_ms: v.at_ms,
                            viewer: v.viewer,
                        };
                        w.insert(&view)?;
                    }
                    Ok::<_, StoreError>(())
                })
                .await;
            match result {
                Ok(()) => written += n,
                Err(e) => tracing::error!("{n} product views were lost: {e}"),
            }
        }
        written
    }

    /// Flushes about once a second until `stop` turns true, then once more.
    pub async fn run(&self, store: Store, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    self.flush(&store).await;
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                }
            }
        }
        self.flush(&store).await;
    }
}

fn visitor_hash(id: &str) -> u64 {
    let digest = sha2::Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// A visitor id as a client may send it: 1 to 128 visible ASCII characters.
fn valid_visitor_id(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic() && b != b';')
}

fn cookie_visitor(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == VISITOR_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| valid_visitor_id(v))
}

/// Who is viewing: the logged-in user, else the visitor named by the `X-Visitor-Id` header
/// or the `barrio_visitor` cookie. When neither is there, a fresh visitor id and the
/// `Set-Cookie` header that gives it to the browser.
pub fn identify(user: Option<u64>, headers: &HeaderMap) -> (Viewer, Option<HeaderValue>) {
    let from_header = headers
        .get(VISITOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| valid_visitor_id(v))
        .map(str::to_owned);
    let known = from_header.or_else(|| cookie_visitor(headers));
    let (visitor, set_cookie) = match known {
        Some(v) => (v, None),
        None => {
            let fresh = hex::encode(rand::random::<[u8; 16]>());
            let cookie = format!(
                "{VISITOR_COOKIE}={fresh}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
            );
            (fresh, HeaderValue::from_str(&cookie).ok())
        }
    };
    let viewer = match user {
        Some(u) => Viewer::User(u),
        None => Viewer::Visitor(visitor_hash(&visitor)),
    };
    (viewer, set_cookie)
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct DayViews {
    /// The UTC day, `YYYY-MM-DD`.
    pub day: String,
    pub views: u64,
    pub unique_visitors: u64,
    pub unique_users: u64,
}

/// A product's views. Anonymous visitors and logged-in users are counted apart: a view is
/// by a user when the viewer was logged in, else by a visitor id.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ViewStats {
    pub product_id: u64,
    pub total: u64,
    /// Distinct anonymous visitor ids.
    pub unique_visitors: u64,
    /// Distinct logged-in accounts.
    pub unique_users: u64,
    /// Oldest day first; days without views are left out.
    pub per_day: Vec<DayViews>,
}

#[derive(Default)]
struct Tally {
    views: u64,
    visitors: HashSet<u64>,
    users: HashSet<u64>,
}

impl Tally {
    fn add(&mut self, viewer: Viewer) {
        self.views += 1;
        match viewer {
            Viewer::User(u) => self.users.insert(u),
            Viewer::Visitor(v) => self.visitors.insert(v),
        };
    }
}

pub fn stats(r: &impl Reader, product_id: u64) -> crate::store::Result<ViewStats> {
    const DAY_MS: i64 = 86_400_000;
    let prefix = product_id.to_be_bytes();
    let mut all = Tally::default();
    let mut days: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let entries = r.scan(VIEWS_BY_PRODUCT, &prefix, after.as_deref(), 1024, false)?;
        for (_, id) in &entries {
            if let Some(v) = r.get::<ProductView>(*id)? {
                all.add(v.viewer);
                days.entry(v.at_ms.div_euclid(DAY_MS)).or_default().add(v.viewer);
            }
        }
        match entries.last() {
            Some((k, _)) if entries.len() == 1024 => after = Some(k.clone()),
            _ => break,
        }
    }
    Ok(ViewStats {
        product_id,
        total: all.views,
        unique_visitors: all.visitors.len() as u64,
        unique_users: all.users.len() as u64,
        per_day: days
            .into_iter()
            .map(|(day, t)| DayViews {
                day: crate::http::rfc3339(day * DAY_MS).chars().take(10).collect(),
                views: t.views,
                unique_visitors: t.visitors.len() as u64,
                unique_users: t.users.len() as u64,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_are_named_by_header_then_cookie_else_a_fresh_cookie() {
        let mut h = HeaderMap::new();
        let (v, set) = identify(None, &h);
        assert!(matches!(v, Viewer::Visitor(_)));
        let set = set.unwrap();
        assert!(set.to_str().unwrap().starts_with("barrio_visitor="));

        h.insert(header::COOKIE, HeaderValue::from_static("a=b; barrio_visitor=abc123"));
        let (v1, set) = identify(None, &h);
        assert_eq!((v1, set), (Viewer::Visitor(visitor_hash("abc123")), None));

        h.insert(VISITOR_HEADER, HeaderValue::from_static("from-header"));
        assert_eq!(identify(None, &h).0, Viewer::Visitor(visitor_hash("from-header")));
        assert_eq!(identify(Some(7), &h).0, Viewer::User(7));

        // A header that is not a plausible id is ignored.
        h.insert(VISITOR_HEADER, HeaderValue::from_static("a b"));
        assert_eq!(identify(None, &h).0, Viewer::Visitor(visitor_hash("abc123")));
    }
}
