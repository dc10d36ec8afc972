//! Writer latency with and without online backups running, on one store.
//!
//! `cargo bench --bench backup_under_load` (add `-- --records N` to change the data size).
//! 8 writer tasks insert records through the group-commit writer for a few seconds, first
//! alone (the baseline, same process, same file), then while backups of the whole file run
//! back to back. Prints a table; results are kept in benches/RESULTS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use barrio::store::{Record, Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Item {
    id: u64,
    text: String,
}

impl Record for Item {
    const TABLE: &'static str = "bench_items";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
}

/// Seconds per phase; each condition runs twice.
const PHASE_S: u64 = 4;

fn pct(v: &mut [Duration], p: usize) -> Duration {
    v.sort();
    v.get((v.len() * p / 100).min(v.len().saturating_sub(1))).copied().unwrap_or_default()
}

async fn phase(store: &Store, secs: u64) -> Vec<Duration> {
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, stop) = (store.clone(), stop.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    store
                        .write(None, |w| {
                            let id = w.next_id(Item::TABLE)?;
                            w.insert(&Item { id, text: "x".repeat(400) })?;
                            Ok::<_, StoreError>(())
                        })
                        .await
                        .expect("write");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a test run is no place for a 20-second measurement.
    if !args.iter().any(|a| a == "--bench") {
        println!(
            "backup_under_load: a measurement; run it with `cargo bench --bench backup_under_load`"
        );
        return;
    }
    let records: u64 = args
        .iter()
        .position(|a| a == "--records")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("barrio.redb")).expect("open");
    for chunk in 0..records.div_ceil(5000) {
        store
            .write(None, move |w| {
                for _ in 0..5000.min(records - chunk * 5000) {
                    let id = w.next_id(Item::TABLE)?;
                    w.insert(&Item { id, text: "y".repeat(400) })?;
                }
                Ok::<_, StoreError>(())
            })
            .await
            .expect("fill");
    }
    let size = std::fs::metadata(dir.path().join("barrio.redb")).map_or(0, |m| m.len());

    // Alternate the two conditions so that drift (file growth, other load on the machine)
    // falls on both alike.
    let (mut alone, mut during, mut backup_times) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..2 {
        alone.extend(phase(&store, PHASE_S).await);
        let running = Arc::new(AtomicBool::new(true));
        let backups = {
            let (store, running, out) = (store.clone(), running.clone(), dir.path().join("b.redb"));
            tokio::task::spawn_blocking(move || {
                let mut times = Vec::new();
                while running.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    store.backup_to(&out, &barrio::records::all()).expect("backup");
                    times.push(t.elapsed());
                }
                times
            })
        };
        during.extend(phase(&store, PHASE_S).await);
        running.store(false, Ordering::Relaxed);
        backup_times.extend(backups.await.expect("backups"));
    }

    println!("data file: {records} records, {:.1} MiB", size as f64 / 1048576.0);
    println!("| writers (8) | writes/s | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    for (name, v) in [("alone", &mut alone), ("during backups", &mut during)] {
        let n = v.len();
        println!(
            "| {name} | {:.0} | {:?} | {:?} | {:?} |",
            n as f64 / (2 * PHASE_S) as f64,
            pct(v, 50),
            pct(v, 99),
            v.iter().max().copied().unwrap_or_default()
        );
    }
    let ratio = pct(&mut during, 99).as_secs_f64() / pct(&mut alone, 99).as_secs_f64().max(1e-9);
    println!(
        "backups taken meanwhile: {} (each {:?} on average); p99 during / alone: {ratio:.2}x",
        backup_times.len(),
        backup_times.iter().sum::<Duration>() / backup_times.len().max(1) as u32
    );
    store.shutdown().await;
}
