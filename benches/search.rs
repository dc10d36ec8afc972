//! Search latency and rebuild cost on the demo shop scaled up: `barrio demo` books plus
//! generated posts, the index rebuilt from the store, then 1–3 word queries with typos and
//! a prefix, as a person types them, timed in-process.
//!
//! `cargo bench --bench search` (release). Sizes from the environment: `BENCH_BOOKS`
//! (100,000), `BENCH_POSTS` (100,000), `BENCH_QUERIES` (2,000). Prints a table; no
//! assertions.

use std::time::{Duration, Instant};

use barrio::auth::{Argon2Settings, Passwords};
use barrio::catalog::model::Book;
use barrio::community::{PostText, create_post};
use barrio::error::ApiError;
use barrio::search::query::{SearchRequest, search};
use barrio::search::schema::Kind;
use barrio::search::{Search, indexer};
use barrio::store::{Reader, Store};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

/// A typo: two neighbouring letters swapped (words of 5+ letters only).
fn typo(word: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = word.chars().collect();
    if c.len() >= 5 {
        let i = 1 + rng.below(c.len() - 2);
        c.swap(i, i + 1);
    }
    c.into_iter().collect()
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("search: a measurement; run it with `cargo bench --bench search`");
        return;
    }
    let books = env("BENCH_BOOKS", 100_000);
    let posts = env("BENCH_POSTS", 100_000);
    let runs = env("BENCH_QUERIES", 2_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("barrio.redb")).expect("open");
    let passwords = Passwords::new(Argon2Settings { m_kib: 64, t: 1, p: 1 }).expect("argon2");
    let t = Instant::now();
    barrio::catalog::demo::load(&store, &passwords, books, 2026).await.expect("demo");
    eprintln!("demo with {books} books in {:.1} s", t.elapsed().as_secs_f64());

    // Posts by the demo accounts, with words from book titles.
    let sample: Vec<Book> = store.read(|r| r.list::<Book>(None, 5_000, false)).expect("books");
    let authors: Vec<u64> = store
        .read(|r| r.list::<barrio::accounts::User>(None, 100, false))
        .expect("users")
        .iter()
        .map(|u| u.id)
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut made = 0;
    while made < posts {
        let n = (posts - made).min(2_000);
        let texts: Vec<(u64, PostText)> = (0..n)
            .map(|_| {
                let b = &sample[rng.below(sample.len())];
                let text =
                    format!("Terminé «{}» de {}: lo recomiendo.", b.title, b.authors.join(", "));
                let author = authors[rng.below(authors.len())];
                (
                    author,
                    PostText::parse(&text.chars().take(280).collect::<String>()).expect("text"),
                )
            })
            .collect();
        store
            .write(None, move |w| {
                for (a, t) in &texts {
                    create_post(w, *a, t, None)?;
                }
                Ok::<_, ApiError>(())
            })
            .await
            .expect("posts");
        made += n;
    }
    eprintln!("{posts} posts written");

    let path = dir.path().join("index");
    let index = Search::open(&path).expect("index");
    let t = Instant::now();
    let (_, docs) = indexer::rebuild_now(&index, &store).expect("rebuild");
    let rebuild = t.elapsed();
    let size = indexer::dir_size(&path);

    // Queries: 1–3 words of a book's title or author, one of them with a typo, the last one
    // cut short (typed halfway) one time in three.
    let queries: Vec<String> = (0..runs)
        .map(|_| {
            let b = &sample[rng.below(sample.len())];
            let text = format!("{} {}", b.title, b.authors.join(" "));
            let words: Vec<&str> =
                text.split_whitespace().filter(|w| w.chars().count() >= 3).collect();
            let k = 1 + rng.below(3.min(words.len()).max(1));
            let start = rng.below(words.len().saturating_sub(k) + 1);
            let mut q: Vec<String> =
                words[start..(start + k).min(words.len())].iter().map(|w| w.to_string()).collect();
            let i = rng.below(q.len());
            q[i] = typo(&q[i], &mut rng);
            if rng.below(3) == 0
                && let Some(last) = q.last_mut()
                && last.chars().count() > 4
            {
                *last = last.chars().take(last.chars().count() - 2).collect();
            }
            q.join(" ")
        })
        .collect();
    let mut times = Vec::with_capacity(runs);
    let mut empty = 0;
    for q in &queries {
        let req = SearchRequest {
            q: q.clone(),
            kinds: Kind::ALL.to_vec(),
            limit: 20,
            ..Default::default()
        };
        let t = Instant::now();
        let r = search(&index, &req).expect("search");
        times.push(t.elapsed());
        if r.hits.is_empty() {
            empty += 1;
        }
    }
    println!("| measure | value |");
    println!("|---|---|");
    println!("| documents | {docs} |");
    println!("| full rebuild | {:.1} s |", rebuild.as_secs_f64());
    println!("| index size | {:.1} MiB |", size as f64 / 1048576.0);
    println!("| query p50 ({runs} queries, in-process) | {:.3} ms |", pct(times.clone(), 0.5));
    println!("| query p99 | {:.3} ms |", pct(times.clone(), 0.99));
    println!("| query max | {:.3} ms |", pct(times, 1.0));
    println!("| queries with no hit | {empty} |");
    store.shutdown().await;
}
