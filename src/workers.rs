//! Small pools of dedicated, long-lived threads for blocking work: password hashes, search
//! queries, scans of the data file.
//!
//! tokio's blocking pool grows a thread per waiting task (up to 512) and lets idle threads go
//! after ten seconds. For work that arrives in bursts of dozens (32 clients searching at
//! once) that means dozens of threads on 2 cores, each with its own allocator cache holding
//! the memory its last task freed: a search burst left ~700 MiB resident. A pool here has a
//! fixed number of threads fed by one queue, so a burst queues instead, memory is bounded by
//! `threads × one task`, and the cores do the same work with less switching.
//!
//! Each thread may own state for its whole life (the hashing threads keep their argon2
//! memory), made once by the pool's `init` on that thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::oneshot;

type Work<S> = Box<dyn FnOnce(&mut S) + Send>;

/// A fixed set of threads, each with its own `S`, taking work from one queue.
pub struct Pool<S> {
    queue: mpsc::Sender<Work<S>>,
}

/// The task got no answer: it panicked, or the pool's threads are gone.
#[derive(Debug)]
pub struct PoolGone;

impl<S: 'static> Pool<S> {
    /// Starts `threads` threads named `name`; each first runs `init` to make its state.
    pub fn start(
        name: &str,
        threads: usize,
        init: impl Fn() -> S + Send + Sync + 'static,
    ) -> std::io::Result<Pool<S>> {
        let (queue, rx) = mpsc::channel::<Work<S>>();
        let rx = Arc::new(Mutex::new(rx));
        let init = Arc::new(init);
        for _ in 0..threads.max(1) {
            let (rx, init) = (rx.clone(), init.clone());
            std::thread::Builder::new().name(name.to_owned()).spawn(move || {
                let mut state = init();
                loop {
                    // The lock is held only while waiting: one thread waits, the others
                    // work or wait for the lock.
                    let work = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(work) = work else { return }; // the pool is gone
                    // A task that panics loses its answer (the caller gets `PoolGone`), not
                    // the thread.
                    let _ = catch_unwind(AssertUnwindSafe(|| work(&mut state)));
                }
            })?;
        }
        Ok(Pool { queue })
    }

    /// Queues `f` for one of the threads without waiting for it.
    pub fn spawn(&self, f: impl FnOnce(&mut S) + Send + 'static) -> Result<(), PoolGone> {
        self.queue.send(Box::new(f)).map_err(|_| PoolGone)
    }

    /// Runs `f` on one of the threads and waits (asynchronously) for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut S) -> T + Send + 'static,
    ) -> Result<T, PoolGone> {
        let (reply, answer) = oneshot::channel();
        let work: Work<S> = Box::new(move |state| {
            let _ = reply.send(f(state));
        });
        self.queue.send(work).map_err(|_| PoolGone)?;
        answer.await.map_err(|_| PoolGone)
    }
}

/// The machine's cores (at least one).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_work_on_its_threads_with_their_state() {
        let pool = Pool::start("test-pool", 2, || 0u32).unwrap();
        let results = futures::future::join_all((0..50).map(|i| {
            let pool = &pool;
            async move {
                pool.run(move |count: &mut u32| {
                    *count += 1;
                    (i * 2, std::thread::current().name().map(str::to_owned))
                })
                .await
                .unwrap()
            }
        }))
        .await;
        for (i, (doubled, name)) in results.into_iter().enumerate() {
            assert_eq!(doubled, i * 2);
            assert_eq!(name.as_deref(), Some("test-pool"));
        }
    }

    #[tokio::test]
    async fn a_panicking_task_fails_alone_and_keeps_its_thread() {
        let pool = Pool::start("test-pool", 1, || ()).unwrap();
        assert!(pool.run(|_| -> u32 { panic!("boom") }).await.is_err());
        assert!(pool.run(|_| -> u32 { panic!("boom") }).await.is_err());
        assert_eq!(pool.run(|_| 7).await.unwrap(), 7);
    }
}
