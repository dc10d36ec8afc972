//! Micro-benchmarks of the hot paths, in-process (criterion).
//!
//! `cargo bench --bench hot_paths` (cargo passes `--bench`; criterion filters go after `--`, e.g.
//! `-- point_read`). Without `--bench` in argv (as under `cargo test --all-targets`)
//! it returns at once. Each bench is short (2 s, 20 samples): the whole file runs in about a
//! minute. Results are kept in benches/RESULTS.md.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use barrio::store::{Reader, Record, Store, StoreError, decode_record, encode_record};
use criterion::Criterion;
use serde::{Deserialize, Serialize};

#[allow(dead_code)]
#[path = "common/queries.rs"]
mod queries;

/// About the shape of a catalog book: a few strings, numbers and optional fields.
#[derive(Clone, Serialize, Deserialize)]
struct Book {
    id: u64,
    isbn: String,
    title: String,
    authors: Vec<String>,
    genre_id: Option<u64>,
    year: Option<i32>,
    language: String,
    description: Option<String>,
    price_cents: i64,
    created_by: Option<u64>,
    created_at_ms: i64,
    updated_at_ms: i64,
}

impl Record for Book {
    const TABLE: &'static str = "bench_books";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![("bench_books.isbn", self.isbn.clone())]
    }
}

fn book(id: u64) -> Book {
    Book {
        id,
        isbn: format!("978{id:010}"),
        title: format!("Cien años de soledad, tomo {id}"),
        authors: vec!["Gabriel García Márquez".into()],
        genre_id: Some(id % 20 + 1),
        year: Some(1967),
        language: "es".into(),
        description: Some("Una saga familiar en Macondo. ".repeat(4)),
        price_cents: 1_599_900,
        created_by: Some(1),
        created_at_ms: 1_763_900_000_000,
        updated_at_ms: 1_763_900_000_000,
    }
}

const PRELOAD: u64 = 20_000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("hot_paths: run with `cargo bench --bench hot_paths`");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&tmp.path().join("bench.redb")).expect("open");
    // Preload in batches of 1,000 per transaction.
    rt.block_on(async {
        for start in (1..=PRELOAD).step_by(1000) {
            store
                .write(None, move |w| {
                    for id in start..start + 1000 {
                        w.insert(&book(id))?;
                    }
                    Ok::<_, StoreError>(())
                })
                .await
                .expect("preload");
        }
    });

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));

    let b = book(4242);
    let bytes = encode_record(&b).expect("encode");
    c.bench_function("record_encode", |bn| bn.iter(|| encode_record(&b).expect("encode")));
    c.bench_function("record_decode", |bn| {
        bn.iter(|| decode_record::<Book>(&bytes).expect("decode"))
    });

    let mut n = 0u64;
    c.bench_function("point_read", |bn| {
        bn.iter(|| {
            n = n % PRELOAD + 1;
            store.read(|r| r.get::<Book>(n)).expect("read").expect("found")
        })
    });

    let mut n = 0u64;
    c.bench_function("indexed_lookup_unique", |bn| {
        bn.iter(|| {
            n = n % PRELOAD + 1;
            let isbn = format!("978{n:010}");
            store
                .read(|r| {
                    let id = r.unique("bench_books.isbn", &isbn)?;
                    id.map(|id| r.get::<Book>(id)).transpose()
                })
                .expect("read")
                .expect("found")
        })
    });

    // One durable commit per create (1 client: no group-commit batching).
    let mut next = PRELOAD;
    c.bench_function("create_unique_durable", |bn| {
        bn.iter(|| {
            next += 1;
            let rec = book(next);
            rt.block_on(store.write(None, move |w| {
                w.insert(&rec)?;
                Ok::<_, StoreError>(())
            }))
            .expect("create")
        })
    });

    // 64 concurrent creators: the group commit's per-write cost (time per create).
    let store64 = std::sync::Arc::new(store.clone());
    c.bench_function("create_unique_durable_64_concurrent", |bn| {
        bn.iter_custom(|iters| {
            let first = next + 1;
            next += iters;
            let store = store64.clone();
            rt.block_on(async move {
                let start = std::time::Instant::now();
                let tasks: Vec<_> = (0..64u64)
                    .map(|k| {
                        let store = store.clone();
                        tokio::spawn(async move {
                            let mut id = first + k;
                            while id < first + iters {
                                let rec = book(id);
                                store
                                    .write(None, move |w| {
                                        w.insert(&rec)?;
                                        Ok::<_, StoreError>(())
                                    })
                                    .await
                                    .expect("create");
                                id += 64;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.expect("creator");
                }
                start.elapsed()
            })
        })
    });

    // Default argon2id parameters (m = 19,456 KiB, t = 2, p = 1), as the server uses; a
    // random salt per hash, as in `Passwords::hash`.
    let argon = Argon2::default();
    c.bench_function("password_hash_argon2_default", |bn| {
        bn.iter(|| argon.hash_password(b"correct horse battery").expect("hash").to_string())
    });

    bench_search(&mut c, &rt, tmp.path());
    timeline_page(&mut c, &rt);

    c.final_summary();
    rt.block_on(store.shutdown());
}

/// A search query (issue 5): typical queries (1–3 words, typos, prefixes as typed; see
/// `common/queries.rs`) over every kind, on the index of a 10,000-book demo shop in its own
/// data file, asked one after the other in-process.
fn bench_search(c: &mut Criterion, rt: &tokio::runtime::Runtime, dir: &std::path::Path) {
    use barrio::search::query::{SearchRequest, search};
    use barrio::search::schema::Kind;
    use barrio::search::{Search, indexer};

    let store = Store::open(&dir.join("search.redb")).expect("open");
    let passwords =
        barrio::auth::Passwords::new(barrio::auth::Argon2Settings { m_kib: 64, t: 1, p: 1 })
            .expect("argon2");
    rt.block_on(barrio::catalog::demo::load(&store, &passwords, 10_000, 2026)).expect("demo");
    let books: Vec<(String, Vec<String>)> = store
        .read(|r| r.list::<barrio::catalog::model::Book>(None, 10_000, false))
        .expect("books")
        .into_iter()
        .map(|b| (b.title, b.authors))
        .collect();
    let index = Search::open(&dir.join("search-index")).expect("index");
    indexer::rebuild_now(&index, &store).expect("rebuild");
    let qs = queries::queries(&books, 1000, 0x5EA2C4);
    let mut n = 0;
    c.bench_function("search_query", |bn| {
        bn.iter(|| {
            n = (n + 1) % qs.len();
            let req = SearchRequest {
                q: qs[n].clone(),
                kinds: Kind::ALL.to_vec(),
                limit: 20,
                ..Default::default()
            };
            search(&index, &req).expect("search")
        })
    });
    drop(index);
    rt.block_on(store.shutdown());
}

/// "a timeline page" (issue 9): the first page (50 posts) of a home timeline read from the
/// fan-out index, for a reader following 100 of 1,000 authors, among 20,000 posts.
fn timeline_page(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    use barrio::community::{Follow, Post, timeline};

    let tmp = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&tmp.path().join("timeline.redb")).expect("open");
    let reader = 1u64;
    rt.block_on(async {
        store
            .write(None, move |w| {
                for b in 2..102u64 {
                    let id = w.next_id(Follow::TABLE)?;
                    w.insert(&Follow {
                        id,
                        follower_id: reader,
                        followee_id: b,
                        created_at_ms: 0,
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .await
            .expect("follows");
        for start in (0..20_000u64).step_by(2_000) {
            store
                .write(None, move |w| {
                    for n in start..start + 2_000 {
                        let id = w.next_id(Post::TABLE)?;
                        let author = 2 + (n * 7919) % 1_000;
                        w.insert(&Post {
                            id,
                            author_id: author,
                            text: format!("post {id}: what I read this week"),
                            image: None,
                            created_at_ms: id as i64,
                            edited_at_ms: None,
                            like_count: 0,
                        })?;
                        timeline::put_entry(w, author, id)?;
                        if author < 102 {
                            timeline::put_entry(w, reader, id)?;
                        }
                    }
                    Ok::<_, StoreError>(())
                })
                .await
                .expect("posts");
        }
    });
    c.bench_function("timeline_page", |bn| {
        bn.iter(|| {
            let (posts, _) =
                store.read(|r| timeline::home_page(r, reader, None, 50)).expect("page");
            assert_eq!(posts.len(), 50);
            posts
        })
    });
    rt.block_on(store.shutdown());
}
