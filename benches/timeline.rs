//! Timeline designs compared on the same data file, and the served design over HTTP.
//!
//! The data: `BENCH_USERS` accounts (10,000), `BENCH_POSTS` posts (1,000,000) by random
//! authors; the reader (account 1) follows 1,000 accounts, among them the star (the last
//! account), whom 5,000 accounts follow. Timeline entries are those the real fan-out would
//! write for that graph (own, the reader's, the star's 5,000 followers), plus
//! `BENCH_EXTRA` (4) entries per post for random other readers, so the index has depth.
//!
//! - `cargo bench --bench timeline` (release): in process. Pages (first and tenth, 50 posts)
//!   by fan-out on write (served), merge on read and a hybrid (fan-out plus merging the star
//!   on read); then creating posts by the star, back to back, while the previous posts' fan-out
//!   runs: as one job per post (the old design), in chunks of `BENCH_CHUNKS` followers
//!   ("100,200,500"), and with no fan-out at all (what the hybrid costs the star).
//! - `cargo bench --bench timeline -- --http`: builds the data set in a temp data dir, starts
//!   the release binary on it (127.0.0.1:0) once per chunk size in `BENCH_CHUNKS`
//!   ("200,5000": 5,000 is one job per post, the old design), waits for the start-up work
//!   (search index build) to settle, then times `GET /api/timeline` (first and tenth page) and
//!   `POST /api/posts` by the star, back to back, while the fan-out of the previous ones runs.
//!
//! `BENCH_ROUNDS` (3) rounds per measurement, `BENCH_RUNS` (200) pages and `BENCH_CREATES`
//! (100) posts per round. Prints p50/p99 per round and the median over rounds; no assertions.
//! Without `--bench` in argv (as under `cargo test --all-targets`) it returns at once.

#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use server::Server;
use std::path::Path;
use std::time::{Duration, Instant};

use barrio::accounts::User;
use barrio::auth::Role;
use barrio::community::{
    FanOutWorker, Follow, POSTS_BY_AUTHOR, Post, PostText, create_post, timeline,
};
use barrio::error::ApiError;
use barrio::store::{ReadTx, Reader, Record, Store, StoreError, WriteTx};
use serde_json::{Value, json};

const PASSWORD: &str = "timeline-bench-password";
const FOLLOWED: u64 = 1_000;
const STAR_FOLLOWERS: u64 = 5_000;
const PAGE: usize = 50;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn env_list(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
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

fn pct(v: &[Duration], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Collects rounds of one measurement and prints each round and the median over rounds.
/// p50, p99 and max of one round, in ms.
type Round = (f64, f64, f64);

struct Rows(Vec<(String, Vec<Round>)>);

impl Rows {
    fn add(&mut self, name: &str, v: &[Duration]) {
        let got = (pct(v, 0.5), pct(v, 0.99), pct(v, 1.0));
        println!("  {name}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms", got.0, got.1, got.2);
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, rounds)) => rounds.push(got),
            None => self.0.push((name.to_owned(), vec![got])),
        }
    }

    fn print(&self) {
        println!(
            "\n| {:<62} | {:>8} | {:>8} | {:>8} |",
            "median of rounds", "p50 ms", "p99 ms", "max ms"
        );
        println!("|{}|{}|{}|{}|", "-".repeat(64), "-".repeat(10), "-".repeat(10), "-".repeat(10));
        for (name, rounds) in &self.0 {
            let col = |f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
            println!(
                "| {name:<62} | {:>8.3} | {:>8.3} | {:>8.3} |",
                col(|r| r.0),
                col(|r| r.1),
                col(|r| r.2)
            );
        }
    }
}

struct Data {
    users: u64,
    star: u64,
}

/// Fills `store` as the module doc says, in large transactions.
async fn build(store: &Store) -> Data {
    let users = env("BENCH_USERS", 10_000) as u64;
    let posts = env("BENCH_POSTS", 1_000_000);
    let extra = env("BENCH_EXTRA", 4);
    let star = users;
    let reader = 1u64;
    let t = Instant::now();
    // One cheap-to-make argon2id hash shared by every account (logins verify with the
    // parameters in the hash).
    let hash = {
        use argon2::password_hash::PasswordHasher;
        let params = argon2::Params::new(1024, 1, 1, None).expect("params");
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(PASSWORD.as_bytes())
            .expect("hash")
            .to_string()
    };
    for start in (1..=users).step_by(2_000) {
        let hash = hash.clone();
        store
            .write(None, move |w| {
                for _ in start..(start + 2_000).min(users + 1) {
                    let id = w.next_id(User::TABLE)?;
                    w.insert(&User {
                        id,
                        username: format!("u{id:05}"),
                        email: None,
                        display_name: None,
                        role: if id == reader { Role::SuperAdmin } else { Role::User },
                        password_hash: hash.clone(),
                        token_generation: 0,
                        created_at_ms: 0,
                        updated_at_ms: 0,
                        email_off: Vec::new(),
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .await
            .expect("users");
    }
    // The reader follows accounts 2..=1000 and the star; 2..=5001 follow the star.
    store
        .write(None, move |w| {
            let follow = |w: &mut WriteTx<'_>, a: u64, b: u64| {
                let id = w.next_id(Follow::TABLE)?;
                w.insert(&Follow { id, follower_id: a, followee_id: b, created_at_ms: 0 })
            };
            for b in (2..=FOLLOWED).chain([star]) {
                follow(w, reader, b)?;
            }
            for a in 2..2 + STAR_FOLLOWERS {
                follow(w, a, star)?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .expect("follows");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let chunk = 20_000;
    let mut made = 0;
    while made < posts {
        let n = chunk.min(posts - made);
        let batch: Vec<(u64, Vec<u64>)> = (0..n)
            .map(|_| {
                let author = 2 + rng.next() % (users - 1);
                let others = (0..extra).map(|_| 2 + rng.next() % (users - 1)).collect();
                (author, others)
            })
            .collect();
        store
            .write(None, move |w| {
                for (author, others) in &batch {
                    let id = w.next_id(Post::TABLE)?;
                    w.insert(&Post {
                        id,
                        author_id: *author,
                        text: format!("post {id} by {author}, about a book"),
                        image: None,
                        created_at_ms: 1_763_900_000_000 + id as i64,
                        edited_at_ms: None,
                        like_count: 0,
                    })?;
                    timeline::put_entry(w, *author, id)?;
                    if *author <= FOLLOWED || *author == star {
                        timeline::put_entry(w, reader, id)?;
                    }
                    if *author == star {
                        for f in 2..2 + STAR_FOLLOWERS {
                            timeline::put_entry(w, f, id)?;
                        }
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
    // Those posts are history: the notifier need not walk them (the search index still
    // indexes them at start).
    store
        .write(None, |w| {
            let last = w.last_change()?;
            w.set_meta("cursor:notifier", &last.to_le_bytes())
        })
        .await
        .expect("cursor");
    println!(
        "data: {users} users, {posts} posts, reader follows {FOLLOWED} (incl. the star), star has {STAR_FOLLOWERS} followers, +{extra} entries per post; built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Data { users, star }
}

type PageResult = barrio::store::Result<(Vec<Post>, Option<u64>)>;

/// Hybrid: the fanned-out timeline merged with the star's own posts read on read.
fn hybrid_page(
    r: &ReadTx<'_>,
    reader: u64,
    star: u64,
    after: Option<u64>,
    limit: usize,
) -> PageResult {
    let (mut posts, _) = timeline::home_page(r, reader, after, limit)?;
    let from = after.map(|a| barrio::community::pair(star, a));
    for (_, id) in r.scan(POSTS_BY_AUTHOR, &star.to_be_bytes(), from.as_deref(), limit + 1, true)? {
        if !posts.iter().any(|p| p.id == id)
            && let Some(p) = r.get::<Post>(id)?
        {
            posts.push(p);
        }
    }
    posts.sort_unstable_by_key(|p| std::cmp::Reverse(p.id));
    let more = posts.len() > limit;
    posts.truncate(limit);
    let next = if more { posts.last().map(|p| p.id) } else { None };
    Ok((posts, next))
}

fn page(design: &str, r: &ReadTx<'_>, star: u64, after: Option<u64>) -> PageResult {
    match design {
        "merge" => timeline::merge_page(r, 1, after, PAGE),
        "hybrid" => hybrid_page(r, 1, star, after, PAGE),
        _ => timeline::home_page(r, 1, after, PAGE),
    }
}

/// Times the first page, and the tenth (after following nine cursors untimed).
fn time_pages(
    store: &Store,
    design: &str,
    star: u64,
    runs: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut first, mut tenth) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let (posts, _) = store.read(|r| page(design, r, star, None)).expect("page");
        first.push(t.elapsed());
        assert_eq!(posts.len(), PAGE);
        let mut cursor = None;
        for _ in 0..9 {
            cursor = store.read(|r| page(design, r, star, cursor)).expect("page").1;
        }
        let t = Instant::now();
        let (posts, _) = store.read(|r| page(design, r, star, cursor)).expect("page");
        tenth.push(t.elapsed());
        assert_eq!(posts.len(), PAGE);
    }
    (first, tenth)
}

/// Creates `n` posts by the star back to back; returns each caller's latency.
async fn star_posts(store: &Store, star: u64, n: usize) -> Vec<Duration> {
    let text = PostText::parse("a new post by someone popular").expect("text");
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let txt = text.clone();
        store
            .write(Some(star), move |w| create_post(w, star, &txt, None))
            .await
            .map_err(|e: ApiError| e.message)
            .expect("create");
        out.push(t.elapsed());
    }
    out
}

async fn drain(store: &Store, chunk: usize) {
    let worker = FanOutWorker::new(store.clone(), chunk);
    while worker.step().await.expect("fan out") > 0 {}
}

async fn in_process() {
    let runs = env("BENCH_RUNS", 200);
    let rounds = env("BENCH_ROUNDS", 3);
    let creates = env("BENCH_CREATES", 100);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("bench.redb")).expect("open");
    let data = build(&store).await;
    let star = data.star;
    let mut rows = Rows(Vec::new());
    for round in 0..rounds {
        println!("round {}", round + 1);
        for (design, name, n) in [
            ("fanout", "fan-out on write (served)", runs),
            ("hybrid", "hybrid (fan-out + the star merged on read)", runs),
            ("merge", "merge on read (1,000 author scans)", runs.min(50)),
        ] {
            let (f1, f10) = time_pages(&store, design, star, n);
            rows.add(&format!("{name}: first page"), &f1);
            rows.add(&format!("{name}: tenth page"), &f10);
        }
        // What one whole fan-out job holds the writer for (the old design).
        let mut whole = Vec::new();
        for _ in 0..10 {
            let text = PostText::parse("one job").expect("text");
            let post = store
                .write(Some(star), move |w| create_post(w, star, &text, None))
                .await
                .map_err(|e: ApiError| e.message)
                .expect("create");
            let t = Instant::now();
            store
                .write(None, move |w| {
                    timeline::fan_out(w, &post)?;
                    w.index_remove(timeline::FAN_OUT_QUEUE, &post.id.to_be_bytes())
                })
                .await
                .expect("fan out");
            whole.push(t.elapsed());
        }
        rows.add("one fan-out job for 5,000 followers (writer held)", &whole);
        // Hybrid: the star's post is not fanned out; the writer is otherwise idle.
        let alone = star_posts(&store, star, creates).await;
        rows.add("create by the star, no fan-out running (hybrid)", &alone);
        drain(&store, 5_000).await;
        for chunk in env_list("BENCH_CHUNKS", "100,200,500").into_iter().chain([5_000]) {
            let (stop_tx, stop) = tokio::sync::watch::channel(false);
            let worker = tokio::spawn(FanOutWorker::new(store.clone(), chunk).run(stop));
            let t = Instant::now();
            let lat = star_posts(&store, star, creates).await;
            while store.read(|r| timeline::queued(r, 1)).expect("queued") > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let drained = t.elapsed();
            stop_tx.send_replace(true);
            worker.await.expect("worker");
            let what = if chunk >= 5_000 {
                "one job per post".to_owned()
            } else {
                format!("chunks of {chunk}")
            };
            rows.add(&format!("create by the star during fan-out, {what}"), &lat);
            println!(
                "  ({creates} posts x 5,000 followers delivered in {:.2} s)",
                drained.as_secs_f64()
            );
        }
    }
    rows.print();
    println!("users {}", data.users);
    store.shutdown().await;
}

// ---- over HTTP, against the release binary ----

async fn start_server(dir: &Path, chunk: usize) -> Server {
    server::start_server_with(dir, &[("BARRIO_FANOUT_CHUNK", chunk.to_string())]).await
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let f = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    f(11) + f(12) // utime + stime
}

/// Posts whose fan-out is not finished, from `/healthz`.
async fn fanout_queued(c: &reqwest::Client, base: &str) -> u64 {
    let h: Value =
        c.get(format!("{base}/healthz")).send().await.expect("healthz").json().await.expect("json");
    h["timeline_fanout_queued"].as_u64().expect("timeline_fanout_queued")
}

/// Waits until search answers and the server has used under 5 % of a core for 3 s.
async fn settle(c: &reqwest::Client, s: &Server) {
    let t = Instant::now();
    let pid = s.child.id().expect("pid");
    loop {
        let r = c.get(format!("{}/api/search?q=book", s.base)).send().await.expect("search");
        let queued = fanout_queued(c, &s.base).await;
        let before = cpu_ticks(pid);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let busy = cpu_ticks(pid) - before; // ticks of 10 ms
        if r.status().is_success() && queued == 0 && busy < 15 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(1800), "server did not settle");
    }
    println!("  settled after {:.1} s", t.elapsed().as_secs_f64());
}

async fn login(c: &reqwest::Client, base: &str, username: &str) -> String {
    let v: Value = c
        .post(format!("{base}/api/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("token");
    v["access_token"].as_str().unwrap_or_else(|| panic!("login {username}: {v}")).to_owned()
}

async fn get_page(c: &reqwest::Client, base: &str, token: &str, cursor: Option<&str>) -> Value {
    let mut url = format!("{base}/api/timeline?limit={PAGE}");
    if let Some(cur) = cursor {
        url.push_str(&format!("&cursor={cur}"));
    }
    let r = c.get(url).bearer_auth(token).send().await.expect("timeline");
    assert!(r.status().is_success(), "timeline: {}", r.status());
    r.json().await.expect("page")
}

async fn over_http() {
    let runs = env("BENCH_RUNS", 200);
    let rounds = env("BENCH_ROUNDS", 3);
    let creates = env("BENCH_CREATES", 100);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = {
        let store = Store::open(&dir.path().join("barrio.redb")).expect("open");
        let data = build(&store).await;
        store.shutdown().await;
        data
    };
    println!(
        "data file: {:.0} MiB",
        std::fs::metadata(dir.path().join("barrio.redb")).map_or(0, |m| m.len()) as f64 / 1048576.0
    );
    let c = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build().expect("client");
    let mut rows = Rows(Vec::new());
    for chunk in env_list("BENCH_CHUNKS", "200,5000") {
        let what = if chunk >= STAR_FOLLOWERS as usize {
            "one job per post".to_owned()
        } else {
            format!("chunks of {chunk}")
        };
        println!("server with BARRIO_FANOUT_CHUNK={chunk} ({what})");
        let mut s = start_server(dir.path(), chunk).await;
        settle(&c, &s).await;
        let reader = login(&c, &s.base, "u00001").await;
        let star = login(&c, &s.base, &format!("u{:05}", data.star)).await;
        for round in 0..rounds {
            println!(" round {}", round + 1);
            let (mut first, mut tenth) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                let t = Instant::now();
                let p = get_page(&c, &s.base, &reader, None).await;
                first.push(t.elapsed());
                assert_eq!(p["items"].as_array().map(Vec::len), Some(PAGE));
                let mut cursor = p["next_cursor"].as_str().map(str::to_owned);
                for _ in 0..8 {
                    let p = get_page(&c, &s.base, &reader, cursor.as_deref()).await;
                    cursor = p["next_cursor"].as_str().map(str::to_owned);
                }
                let t = Instant::now();
                let p = get_page(&c, &s.base, &reader, cursor.as_deref()).await;
                tenth.push(t.elapsed());
                assert_eq!(p["items"].as_array().map(Vec::len), Some(PAGE));
            }
            rows.add(&format!("GET /api/timeline first page ({what})"), &first);
            rows.add(&format!("GET /api/timeline tenth page ({what})"), &tenth);
            // A post with no fan-out behind it (the reader has no followers): what a create
            // costs when the writer is otherwise idle, i.e. what the hybrid costs the star.
            let mut idle = Vec::new();
            for i in 0..creates {
                let t = Instant::now();
                let r = c
                    .post(format!("{}/api/posts", s.base))
                    .bearer_auth(&reader)
                    .json(&json!({"text": format!("a quiet post {i}")}))
                    .send()
                    .await
                    .expect("create");
                idle.push(t.elapsed());
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
            }
            rows.add("POST /api/posts, no fan-out running (hybrid's cost for the star)", &idle);
            // The star posts back to back: each post's fan-out is still running when the
            // next arrives. A page reader runs alongside.
            let t = Instant::now();
            let reads = {
                let (c, base, reader) = (c.clone(), s.base.clone(), reader.clone());
                tokio::spawn(async move {
                    let mut v = Vec::new();
                    for _ in 0..creates {
                        let t = Instant::now();
                        get_page(&c, &base, &reader, None).await;
                        v.push(t.elapsed());
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    v
                })
            };
            let mut lat = Vec::new();
            for i in 0..creates {
                let t = Instant::now();
                let r = c
                    .post(format!("{}/api/posts", s.base))
                    .bearer_auth(&star)
                    .json(&json!({"text": format!("popular post {i}")}))
                    .send()
                    .await
                    .expect("create");
                lat.push(t.elapsed());
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
            }
            let reads = reads.await.expect("reads");
            loop {
                if fanout_queued(&c, &s.base).await == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let drained = t.elapsed();
            rows.add(&format!("POST /api/posts by the star during fan-out ({what})"), &lat);
            rows.add(&format!("GET /api/timeline first page during fan-out ({what})"), &reads);
            println!(
                "  {creates} posts x 5,000 followers posted and delivered in {:.2} s",
                drained.as_secs_f64()
            );
        }
        let pid = s.child.id().expect("pid");
        let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        let _ = tokio::time::timeout(Duration::from_secs(30), s.child.wait()).await;
    }
    rows.print();
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a test run is no place for a minute-long measurement.
    if !std::env::args().any(|a| a == "--bench") {
        println!("timeline: a measurement; run it with `cargo bench --bench timeline`");
        return;
    }
    if std::env::args().any(|a| a == "--http") {
        over_http().await;
    } else {
        in_process().await;
    }
}
