//! Timeline designs compared on the same data file: fan-out on write (what Barrio serves)
//! against merge on read over per-author indexes, for a reader following 1,000 accounts;
//! and what creating a post costs an author with 5,000 followers.
//!
//! `cargo bench --bench timeline` (release). Sizes from the environment:
//! `BENCH_USERS` (10,000), `BENCH_POSTS` (200,000; the issue asks 1,000,000, which takes
//! several minutes to generate here), `BENCH_RUNS` (200). Prints a table; no assertions.

use std::time::{Duration, Instant};

use barrio::community::{Follow, Post, PostText, create_post, timeline};
use barrio::error::ApiError;
use barrio::store::{ReadTx, Record, Store, StoreError};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (xorshift64*): no dependency, same data every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

fn row(name: &str, v: Vec<Duration>) {
    println!("| {name:<52} | {:>8.3} | {:>8.3} |", pct(v.clone(), 0.5), pct(v, 0.99));
}

type PageResult = barrio::store::Result<(Vec<Post>, Option<u64>)>;

fn page(merge: bool, r: &ReadTx<'_>, reader: u64, after: Option<u64>, limit: usize) -> PageResult {
    if merge {
        timeline::merge_page(r, reader, after, limit)
    } else {
        timeline::home_page(r, reader, after, limit)
    }
}

/// Times the first page, and the tenth (after following nine cursors untimed).
fn time_pages(
    store: &Store,
    reader: u64,
    runs: usize,
    merge: bool,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut first, mut tenth) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let (posts, _) = store.read(|r| page(merge, r, reader, None, 50)).expect("page");
        first.push(t.elapsed());
        assert_eq!(posts.len(), 50);
        let mut cursor = None;
        for _ in 0..9 {
            cursor = store.read(|r| page(merge, r, reader, cursor, 50)).expect("page").1;
        }
        let t = Instant::now();
        let (posts, _) = store.read(|r| page(merge, r, reader, cursor, 50)).expect("page");
        tenth.push(t.elapsed());
        assert_eq!(posts.len(), 50);
    }
    (first, tenth)
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a test run is no place for a minute-long measurement.
    if !std::env::args().any(|a| a == "--bench") {
        println!("timeline: a measurement; run it with `cargo bench --bench timeline`");
        return;
    }
    let users = env("BENCH_USERS", 10_000) as u64;
    let posts = env("BENCH_POSTS", 200_000);
    let runs = env("BENCH_RUNS", 200);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("bench.redb")).expect("open");
    let reader = 1u64;
    let followed = 1_000u64;
    let star = users; // the author with 5,000 followers

    let t = Instant::now();
    // The reader follows accounts 2..=1001; 5,000 accounts follow the star.
    store
        .write(None, move |w| {
            let follow = |w: &mut barrio::store::WriteTx<'_>, a: u64, b: u64| {
                let id = w.next_id(Follow::TABLE)?;
                w.insert(&Follow { id, follower_id: a, followee_id: b, created_at_ms: 0 })
            };
            for b in 2..2 + followed {
                follow(w, reader, b)?;
            }
            for a in 2..5_002 {
                follow(w, a, star)?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .expect("follows");
    // Posts by random authors. Fan-out entries are written for the reader (the only timeline
    // measured) and for 20 other readers per post, so the index has realistic depth.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let chunk = 20_000;
    let mut made = 0;
    while made < posts {
        let n = chunk.min(posts - made);
        let authors: Vec<(u64, Vec<u64>)> = (0..n)
            .map(|_| {
                let author = 2 + rng.next() % (users - 2);
                let others = (0..20).map(|_| 1_002 + rng.next() % (users - 1_002)).collect();
                (author, others)
            })
            .collect();
        store
            .write(None, move |w| {
                for (author, others) in &authors {
                    let id = w.next_id(Post::TABLE)?;
                    w.insert(&Post {
                        id,
                        author_id: *author,
                        text: format!("post {id} by {author}, about a book"),
                        image: None,
                        created_at_ms: id as i64,
                        edited_at_ms: None,
                        like_count: 0,
                    })?;
                    timeline::put_entry(w, *author, id)?;
                    if *author < 2 + followed {
                        timeline::put_entry(w, reader, id)?;
                    }
                    for o in others {
                        timeline::put_entry(w, *o, id)?;
                    }
                }
                Ok::<_, StoreError>(())
            })
            .await
            .expect("posts");
        made += n;
    }
    let generated = t.elapsed();

    println!(
        "users {users}, posts {posts}, reader follows {followed}, star has 5000 followers; generated in {:.1} s",
        generated.as_secs_f64()
    );
    println!("| {:<52} | {:>8} | {:>8} |", "operation (page = 50 posts)", "p50 ms", "p99 ms");
    println!("|{}|{}|{}|", "-".repeat(54), "-".repeat(10), "-".repeat(10));
    let (f1, f10) = time_pages(&store, reader, runs, false);
    row("fan-out on write: first page", f1);
    row("fan-out on write: tenth page", f10);
    let (m1, m10) = time_pages(&store, reader, runs.min(50), true);
    row("merge on read (1,000 author scans): first page", m1);
    row("merge on read (1,000 author scans): tenth page", m10);

    // Creating a post by the star: the caller's write (one commit), then the fan-out job the
    // subscriber runs afterwards (5,000 followers, one commit).
    let text = PostText::parse("a new post by someone popular").expect("text");
    let (mut create, mut fan) = (Vec::new(), Vec::new());
    for _ in 0..runs.min(100) {
        let t = Instant::now();
        let txt = text.clone();
        let post = store
            .write(Some(star), move |w| create_post(w, star, &txt, None))
            .await
            .map_err(|e: ApiError| e.message)
            .expect("create");
        create.push(t.elapsed());
        let t = Instant::now();
        store.write(None, move |w| timeline::fan_out(w, &post).map(|_| ())).await.expect("fan out");
        fan.push(t.elapsed());
    }
    row("create a post, 5,000 followers (caller's write)", create);
    row("fan-out of that post to 5,000 timelines (subscriber)", fan);
    store.shutdown().await;
}
