//! Subscribers of the change log: the broker this shop no longer needs.
//!
//! Each subscriber has a name and a cursor kept in the data file (`meta` key
//! `cursor:<name>`, u64 little-endian: the last change-log sequence it has handled). Its
//! runner reads the entries after the cursor and handles them inside one write job that also
//! advances the cursor, so whatever a handler writes to the store happens exactly once, even
//! across a crash. Effects outside the store (e-mail) go through an outbox instead.
//!
//! A failing entry is retried with capped exponential backoff; after `max_attempts` it is
//! moved to the dead-letter list (in the same job that moves the cursor past it), where the
//! super_admin can see and retry it, and the subscriber moves on.
//!
//! The change log is trimmed once every subscriber's cursor has passed an entry.
//!
//! Workers expose one step ([`Runner::step`]) so tests and shutdown can drive them without
//! sleeping.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::store::{Change, Reader, Record, Store, StoreError, WriteTx};

/// Why a handler failed. Internal: shown to the super_admin in the dead-letter list.
#[derive(Debug)]
pub struct HandlerError(pub String);

impl From<StoreError> for HandlerError {
    fn from(e: StoreError) -> Self {
        HandlerError(e.to_string())
    }
}

impl From<ApiError> for HandlerError {
    fn from(e: ApiError) -> Self {
        HandlerError(e.message)
    }
}

pub trait Subscriber: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Whether this subscriber acts on `change`; the others only move its cursor.
    fn wants(&self, change: &Change) -> bool;
    /// Handles one change inside the job that advances the cursor. May run more than once
    /// if the job is replayed, but commits once.
    fn handle(&self, w: &mut WriteTx<'_>, change: &Change) -> Result<(), HandlerError>;
}

/// A change a subscriber gave up on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadLetter {
    pub id: u64,
    pub subscriber: String,
    pub change: Change,
    pub error: String,
    pub attempts: u32,
    pub at_ms: i64,
}

impl Record for DeadLetter {
    const TABLE: &'static str = "dead_letters";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
}

fn cursor_key(name: &str) -> String {
    format!("cursor:{name}")
}

/// The last change-log sequence `name` has handled.
pub fn cursor(r: &impl Reader, name: &str) -> crate::store::Result<u64> {
    Ok(r.meta(&cursor_key(name))?
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map_or(0, u64::from_le_bytes))
}

fn set_cursor(w: &mut WriteTx<'_>, name: &str, seq: u64) -> crate::store::Result<()> {
    w.set_meta(&cursor_key(name), &seq.to_le_bytes())
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl RetryPolicy {
    fn delay(&self, attempts: u32) -> Duration {
        let factor = 1u32.checked_shl(attempts.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }
}

/// How far behind a subscriber is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lag {
    pub name: String,
    pub cursor: u64,
    /// Change-log entries not yet handled.
    pub behind: u64,
    /// Age of the oldest entry not yet handled, in milliseconds (0 when caught up).
    pub oldest_age_ms: i64,
}

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do.
    Idle,
    /// Handled (or skipped) this many entries.
    Advanced(usize),
    /// An entry failed; wait this long before the next step.
    Backoff(Duration),
    /// An entry was moved to the dead-letter list.
    DeadLettered(u64),
}

const BATCH: usize = 256;

/// Runs one subscriber.
pub struct Runner {
    store: Store,
    sub: Arc<dyn Subscriber>,
    policy: RetryPolicy,
    /// Failed attempts of the entry at the head, by sequence number.
    attempts: HashMap<u64, u32>,
}

impl Runner {
    pub fn new(store: Store, sub: Arc<dyn Subscriber>, policy: RetryPolicy) -> Runner {
        Runner { store, sub, policy, attempts: HashMap::new() }
    }

    /// Handles what is pending, once: a whole batch in one job when it goes through; entry by
    /// entry when one of them fails, so the ones before it still commit.
    pub async fn step(&mut self) -> Result<Step, StoreError> {
        let name = self.sub.name();
        let changes = self.store.read(|r| {
            let at = cursor(r, name)?;
            r.changes_after(at, BATCH)
        })?;
        let Some(last) = changes.last().map(|c| c.seq) else { return Ok(Step::Idle) };
        let sub = self.sub.clone();
        let batch = changes.clone();
        let whole = self
            .store
            .write(None, move |w| {
                for c in &batch {
                    if sub.wants(c) {
                        sub.handle(w, c)?;
                    }
                }
                set_cursor(w, sub.name(), last)?;
                Ok::<_, HandlerError>(())
            })
            .await;
        if whole.is_ok() {
            self.attempts.clear();
            return Ok(Step::Advanced(changes.len()));
        }
        let mut done = 0;
        for change in changes {
            let sub = self.sub.clone();
            let c = change.clone();
            let one = self
                .store
                .write(None, move |w| {
                    if sub.wants(&c) {
                        sub.handle(w, &c)?;
                    }
                    set_cursor(w, sub.name(), c.seq)?;
                    Ok::<_, HandlerError>(())
                })
                .await;
            match one {
                Ok(()) => {
                    done += 1;
                    self.attempts.remove(&change.seq);
                }
                Err(e) => {
                    let n = self.attempts.entry(change.seq).or_insert(0);
                    *n += 1;
                    tracing::warn!(
                        subscriber = name,
                        seq = change.seq,
                        attempt = *n,
                        "handler failed: {}",
                        e.0
                    );
                    if *n < self.policy.max_attempts {
                        return Ok(if done > 0 {
                            Step::Advanced(done)
                        } else {
                            Step::Backoff(self.policy.delay(*n))
                        });
                    }
                    let attempts = *n;
                    self.attempts.remove(&change.seq);
                    let id = self.dead_letter(change, e.0, attempts).await?;
                    return Ok(Step::DeadLettered(id));
                }
            }
        }
        Ok(Step::Advanced(done))
    }

    async fn dead_letter(
        &self,
        change: Change,
        error: String,
        attempts: u32,
    ) -> Result<u64, StoreError> {
        let subscriber = self.sub.name().to_owned();
        tracing::error!(
            subscriber,
            seq = change.seq,
            "giving up after {attempts} attempts: {error}"
        );
        self.store
            .write(None, move |w| {
                let id = w.next_id(DeadLetter::TABLE)?;
                let seq = change.seq;
                let dl = DeadLetter {
                    id,
                    subscriber: subscriber.clone(),
                    change: change.clone(),
                    error: error.clone(),
                    attempts,
                    at_ms: w.now_ms(),
                };
                w.insert(&dl)?;
                set_cursor(w, &subscriber, seq)?;
                Ok(id)
            })
            .await
    }

    /// Runs until `stop` fires: steps while there is work, sleeps on backoff, and otherwise
    /// waits for the next commit (or a second, whichever comes first).
    pub async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut changes = self.store.changes();
        loop {
            if *stop.borrow() {
                return;
            }
            let wait = match self.step().await {
                Ok(Step::Advanced(_)) | Ok(Step::DeadLettered(_)) => continue,
                Ok(Step::Idle) => None,
                Ok(Step::Backoff(d)) => Some(d),
                Err(e) => {
                    tracing::error!(
                        subscriber = self.sub.name(),
                        "cannot read the change log: {e}"
                    );
                    Some(Duration::from_secs(1))
                }
            };
            match wait {
                Some(d) => {
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = stop.changed() => {}
                    }
                }
                None => {
                    tokio::select! {
                        _ = changes.changed() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
    }
}

/// The subscribers of this server and their shared settings.
#[derive(Clone)]
pub struct Subscribers {
    pub list: Vec<Arc<dyn Subscriber>>,
    pub policy: RetryPolicy,
    /// Followers of the change log that run elsewhere (the search indexer) but keep a
    /// `cursor:<name>` too, so the trimmer never trims what they have not handled.
    pub followers: Vec<&'static str>,
}

impl Subscribers {
    pub fn find(&self, name: &str) -> Option<Arc<dyn Subscriber>> {
        self.list.iter().find(|s| s.name() == name).cloned()
    }

    /// Each subscriber's position and lag.
    pub fn lag(&self, store: &Store, now_ms: i64) -> crate::store::Result<Vec<Lag>> {
        store.read(|r| {
            let last = r.last_change()?;
            self.list
                .iter()
                .map(|s| {
                    let at = cursor(r, s.name())?;
                    let oldest =
                        r.changes_after(at, 1)?.first().map_or(0, |c| (now_ms - c.at_ms).max(0));
                    Ok(Lag {
                        name: s.name().to_owned(),
                        cursor: at,
                        behind: last.saturating_sub(at),
                        oldest_age_ms: oldest,
                    })
                })
                .collect()
        })
    }

    /// Trims the change log up to the slowest subscriber. Returns how many entries went.
    pub async fn trim(&self, store: &Store) -> Result<usize, StoreError> {
        let names: Vec<&'static str> =
            self.list.iter().map(|s| s.name()).chain(self.followers.iter().copied()).collect();
        let upto = store.read(|r| {
            let mut min = r.last_change()?;
            for n in &names {
                min = min.min(cursor(r, n)?);
            }
            Ok(min)
        })?;
        let first = store.read(|r| r.changes_after(0, 1))?.first().map(|c| c.seq);
        match first {
            Some(f) if f <= upto => store.write(None, move |w| w.trim_changes(upto)).await,
            _ => Ok(0),
        }
    }

    /// Re-handles a dead letter; on success it leaves the list.
    pub async fn retry(&self, store: &Store, id: u64) -> Result<(), ApiError> {
        let dl: DeadLetter =
            store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("dead letter"))?;
        let sub = self.find(&dl.subscriber).ok_or_else(|| {
            ApiError::conflict(
                None,
                format!("no subscriber named {} runs in this server", dl.subscriber),
            )
        })?;
        let change = dl.change.clone();
        let outcome = store
            .write(None, move |w| {
                sub.handle(w, &change)?;
                w.remove::<DeadLetter>(id)?;
                Ok::<_, HandlerError>(())
            })
            .await;
        match outcome {
            Ok(()) => Ok(()),
            Err(e) => {
                let msg = e.0.clone();
                store
                    .write(None, move |w| {
                        if let Some(mut dl) = w.get::<DeadLetter>(id)? {
                            dl.attempts += 1;
                            dl.error = msg.clone();
                            w.update(&dl)?;
                        }
                        Ok::<_, ApiError>(())
                    })
                    .await?;
                Err(ApiError::conflict(None, format!("the handler failed again: {}", e.0)))
            }
        }
    }

    /// Starts a runner per subscriber and the trimmer; they stop when `stop` turns true.
    pub fn spawn(
        &self,
        store: &Store,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks: Vec<_> = self
            .list
            .iter()
            .map(|s| {
                tokio::spawn(Runner::new(store.clone(), s.clone(), self.policy).run(stop.clone()))
            })
            .collect();
        let (this, store, mut stop) = (self.clone(), store.clone(), stop);
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = this.trim(&store).await {
                    tracing::warn!("trimming the change log failed: {e}");
                }
            }
        }));
        tasks
    }
}
