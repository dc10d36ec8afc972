//! The single writer and its group commit.
//!
//! redb allows one write transaction at a time, and a durable commit costs one fsync (about
//! 0.3 ms here). So one thread owns writing: it takes every job waiting at that moment, runs
//! them one after another inside one transaction, commits once, and then answers each caller
//! with its own result. The fsync is paid once per batch instead of once per write.
//!
//! One job's failure must not fail its neighbours. redb's savepoints cannot help here (they
//! can only be taken before the transaction opens a table), so jobs validate before they
//! write: a job that refuses before writing anything is simply left out. A job that fails
//! after it wrote (rare: a bug, or an invariant that can only be checked late) makes the
//! writer abort the transaction and replay the batch without it. That is why a job is an
//! `FnMut` without effects outside the transaction.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::{Mutex, mpsc, oneshot, watch};

use super::StoreError;
use super::tx::{Reader, WriteTx};

/// The most jobs one transaction takes; more wait for the next one.
const MAX_BATCH: usize = 512;

type Boxed = Box<dyn Any + Send>;
type JobFn = Box<dyn FnMut(&mut WriteTx<'_>) -> Result<Boxed, Boxed> + Send>;

struct Job {
    actor: Option<u64>,
    run: JobFn,
    reply: oneshot::Sender<Reply>,
}

enum Reply {
    Done(Boxed),
    Refused(Boxed),
    Failed(StoreError),
}

enum Msg {
    Job(Job),
    Shutdown(oneshot::Sender<()>),
}

/// Counters of the writer, for `/metrics` and for tests that show the batching.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct WriteStats {
    /// Transactions committed.
    pub commits: u64,
    /// Jobs committed (a job is one caller's write).
    pub writes: u64,
    /// Jobs that refused (validation, conflicts) and wrote nothing.
    pub refused: u64,
    /// Times a batch was replayed because a job failed after writing.
    pub replays: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    writes: AtomicU64,
    refused: AtomicU64,
    replays: AtomicU64,
}

pub(crate) struct Writer {
    queue: mpsc::Sender<Msg>,
    counters: Arc<Counters>,
    stopped: Mutex<bool>,
}

impl Writer {
    pub(crate) fn start(db: Arc<redb::Database>, changes: watch::Sender<u64>) -> Writer {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        std::thread::Builder::new()
            .name("barrio-writer".into())
            .spawn(move || run(db, rx, c, changes))
            .map_err(|e| tracing::error!("cannot start the writer thread: {e}"))
            .ok();
        Writer { queue, counters, stopped: Mutex::new(false) }
    }

    pub(crate) async fn submit<T, E, F>(&self, actor: Option<u64>, mut f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnMut(&mut WriteTx<'_>) -> Result<T, E> + Send + 'static,
    {
        let run: JobFn = Box::new(move |tx| match f(tx) {
            Ok(v) => Ok(Box::new(v) as Boxed),
            Err(e) => Err(Box::new(e) as Boxed),
        });
        let (reply, answer) = oneshot::channel();
        if self.queue.send(Msg::Job(Job { actor, run, reply })).await.is_err() {
            return Err(StoreError::WriterGone.into());
        }
        match answer.await {
            Ok(Reply::Done(v)) => {
                v.downcast::<T>().map(|v| *v).map_err(|_| StoreError::WriterGone.into())
            }
            Ok(Reply::Refused(e)) => {
                Err(e.downcast::<E>().map(|e| *e).unwrap_or_else(|_| StoreError::WriterGone.into()))
            }
            Ok(Reply::Failed(e)) => Err(e.into()),
            Err(_) => Err(StoreError::WriterGone.into()),
        }
    }

    pub(crate) fn stats(&self) -> WriteStats {
        let c = &self.counters;
        WriteStats {
            commits: c.commits.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            replays: c.replays.load(Ordering::Relaxed),
        }
    }

    pub(crate) async fn shutdown(&self) {
        let mut stopped = self.stopped.lock().await;
        if *stopped {
            return;
        }
        let (ack, done) = oneshot::channel();
        if self.queue.send(Msg::Shutdown(ack)).await.is_ok() {
            let _ = done.await;
        }
        *stopped = true;
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn run(
    db: Arc<redb::Database>,
    mut rx: mpsc::Receiver<Msg>,
    counters: Arc<Counters>,
    changes: watch::Sender<u64>,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = Vec::new();
        let mut shutdown = None;
        match first {
            Msg::Job(job) => batch.push(job),
            Msg::Shutdown(ack) => shutdown = Some(ack),
        }
        while shutdown.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(job)) => batch.push(job),
                Ok(Msg::Shutdown(ack)) => shutdown = Some(ack),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit_batch(&db, batch, &counters, &changes);
        }
        if let Some(ack) = shutdown {
            // Let go of the file before saying so, so that whoever waits can reopen it.
            drop(db);
            let _ = ack.send(());
            return;
        }
    }
}

fn commit_batch(
    db: &redb::Database,
    mut batch: Vec<Job>,
    counters: &Counters,
    changes: &watch::Sender<u64>,
) {
    let now = now_ms();
    let mut left_out = vec![false; batch.len()];
    let mut values: Vec<Option<Boxed>> = Vec::new();
    let (txn, last_change) = 'attempt: loop {
        let txn = match db.begin_write() {
            Ok(t) => t,
            Err(e) => return fail_all(batch, &left_out, e.into()),
        };
        values.clear();
        values.resize_with(batch.len(), || None);
        // One `WriteTx` for the whole batch: it keeps the tables it opened open for the next
        // jobs. It must be dropped before the transaction commits or aborts.
        let mut w = WriteTx::new(&txn, None, now);
        for (i, job) in batch.iter_mut().enumerate() {
            if left_out[i] {
                continue;
            }
            w.begin_job(job.actor);
            let outcome = catch_unwind(AssertUnwindSafe(|| (job.run)(&mut w)));
            let dirty = w.is_dirty();
            match outcome {
                Ok(Ok(v)) => values[i] = Some(v),
                Ok(Err(e)) => {
                    left_out[i] = true;
                    counters.refused.fetch_add(1, Ordering::Relaxed);
                    let (reply, _) = oneshot::channel();
                    let reply = std::mem::replace(&mut job.reply, reply);
                    let _ = reply.send(Reply::Refused(e));
                }
                Err(_) => {
                    tracing::error!("a write job panicked; it was rolled back");
                    left_out[i] = true;
                    let (reply, _) = oneshot::channel();
                    let reply = std::mem::replace(&mut job.reply, reply);
                    let _ = reply.send(Reply::Failed(StoreError::JobPanicked));
                }
            }
            if left_out[i] && dirty {
                counters.replays.fetch_add(1, Ordering::Relaxed);
                drop(w);
                if let Err(e) = txn.abort() {
                    return fail_all(batch, &left_out, e.into());
                }
                continue 'attempt;
            }
        }
        let last = match w.last_change() {
            Ok(l) => l,
            Err(e) => return fail_all(batch, &left_out, e),
        };
        drop(w);
        break (txn, last);
    };
    if let Err(e) = txn.commit() {
        return fail_all(batch, &left_out, e.into());
    }
    let committed = values.iter().filter(|v| v.is_some()).count() as u64;
    if committed > 0 {
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters.writes.fetch_add(committed, Ordering::Relaxed);
    }
    changes.send_if_modified(|seen| {
        let newer = last_change > *seen;
        *seen = last_change.max(*seen);
        newer
    });
    for (job, value) in batch.into_iter().zip(values) {
        if let Some(v) = value {
            let _ = job.reply.send(Reply::Done(v));
        }
    }
}

fn fail_all(batch: Vec<Job>, left_out: &[bool], error: StoreError) {
    tracing::error!("write transaction failed: {error}");
    let msg = error.to_string();
    for (job, out) in batch.into_iter().zip(left_out) {
        if !out {
            let _ = job.reply.send(Reply::Failed(StoreError::CommitFailed(msg.clone())));
        }
    }
}
