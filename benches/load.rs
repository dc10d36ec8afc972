//! The whole server under load over loopback HTTP, against a bare axum baseline in the same
//! run.
//!
//! `cargo bench --bench load -- [--books 20000] [--clients 32] [--seconds 10] [--runs 3]`
//!
//! Without `--bench` in argv (as under `cargo test --all-targets`) it returns at once. It
//! fills a temp data dir with `barrio demo --books N`, starts the real `barrio` binary on
//! 127.0.0.1:0, waits for its search index, logs in as the demo staff, and drives it with
//! keep-alive clients (one hyper connection each, `common/h1.rs`) for a fixed time per
//! scenario; each scenario also stops after `MAX_REQUESTS`. The whole set of scenarios runs
//! `--runs` times against the same server and every figure is the median over the runs. Traffic goes only to 127.0.0.1. The baseline is an axum server on its own
//! 2-thread runtime in this process that answers a body of the same size without store or
//! token. Prints markdown tables; results are kept in benches/RESULTS.md.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Value, json};

#[path = "common/h1.rs"]
mod h1;
#[allow(dead_code)]
#[path = "common/queries.rs"]
mod queries;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use h1::{Conn, Req};
use server::{client, command, login, start_server};

/// Upper bound of requests per scenario, whatever the duration.
const MAX_REQUESTS: u64 = 5_000_000;

struct Args {
    books: usize,
    clients: usize,
    seconds: u64,
    runs: usize,
}

fn args() -> Args {
    let mut a = Args { books: 20_000, clients: 32, seconds: 10, runs: 3 };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).and_then(|s| s.parse::<u64>().ok());
        match (argv[i].as_str(), v) {
            ("--books", Some(v)) => a.books = v as usize,
            ("--clients", Some(v)) => a.clients = v as usize,
            ("--seconds", Some(v)) => a.seconds = v,
            ("--runs", Some(v)) => a.runs = (v as usize).max(1),
            _ => {}
        }
        i += 1;
    }
    a
}

async fn ids(c: &Client, base: &str, path: &str, token: &str, want: usize) -> Vec<u64> {
    items(c, base, path, token, want)
        .await
        .iter()
        .map(|it| it["id"].as_u64().expect("id"))
        .collect()
}

/// The first `want` items (or a few more) of a list endpoint, page by page.
async fn items(c: &Client, base: &str, path: &str, token: &str, want: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    while out.len() < want {
        let mut url = format!("{base}{path}?limit=200");
        if let Some(cur) = &cursor {
            url.push_str(&format!("&cursor={cur}"));
        }
        let v: Value =
            c.get(url).bearer_auth(token).send().await.expect("list").json().await.expect("json");
        out.extend(v["items"].as_array().expect("items").iter().cloned());
        match v["next_cursor"].as_str() {
            Some(cur) => cursor = Some(cur.to_owned()),
            None => break,
        }
    }
    out
}

#[derive(Default, Clone)]
struct Stats {
    name: String,
    clients: usize,
    requests: u64,
    errors: u64,
    secs: f64,
    lat_us: Vec<u64>,
    /// (start since the scenario began, latency), both µs, unsorted.
    raw: Vec<(u64, u64)>,
}

impl Stats {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.secs
    }
    fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return 0.0;
        }
        let i = ((self.lat_us.len() as f64 * p) as usize).min(self.lat_us.len() - 1);
        self.lat_us[i] as f64 / 1000.0
    }
    fn max(&self) -> f64 {
        self.lat_us.last().copied().unwrap_or(0) as f64 / 1000.0
    }
}

/// `clients` tasks, each with its own keep-alive connection to `to`, send `req(worker, n)`
/// back to back for `secs` (or until `MAX_REQUESTS` in all).
async fn run<F>(name: &str, clients: usize, secs: f64, to: &str, req: F) -> Stats
where
    F: Fn(usize, u64) -> Req + Send + Sync + 'static,
{
    // `LOAD_ONLY=<part of a scenario name>` runs just the matching scenarios (and the
    // baselines), for profiling one path.
    if let Ok(only) = std::env::var("LOAD_ONLY")
        && !name.contains(only.as_str())
        && !name.starts_with("baseline")
    {
        return Stats { name: name.to_owned(), clients, secs: 1.0, ..Default::default() };
    }
    let to = h1::addr(to);
    let req = Arc::new(req);
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..clients)
        .map(|w| {
            let (req, sent) = (req.clone(), sent.clone());
            tokio::spawn(async move {
                let (mut lat, mut errors, mut n) = (Vec::new(), 0u64, 0u64);
                let mut raw = Vec::new();
                let mut conn = Conn::open(to).await.expect("connect");
                while Instant::now() < deadline
                    && sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS
                {
                    let r = req(w, n);
                    let t = Instant::now();
                    let ok = match conn.send(&r).await {
                        Ok(status) => (200..300).contains(&status),
                        Err(_) => {
                            // A broken connection: count it and reconnect.
                            conn = Conn::open(to).await.expect("reconnect");
                            false
                        }
                    };
                    let us = t.elapsed().as_micros() as u64;
                    lat.push(us);
                    raw.push(((t - start).as_micros() as u64, us));
                    if !ok {
                        errors += 1;
                    }
                    n += 1;
                }
                (lat, errors, raw)
            })
        })
        .collect();
    let mut s = Stats { name: name.to_owned(), clients, ..Default::default() };
    for t in tasks {
        let (lat, errors, raw) = t.await.expect("worker");
        s.lat_us.extend(lat);
        s.raw.extend(raw);
        s.errors += errors;
    }
    s.secs = start.elapsed().as_secs_f64();
    s.requests = s.lat_us.len() as u64;
    s.lat_us.sort_unstable();
    eprintln!("  {name}: {:.0} req/s, p99 {:.2} ms, errors {}", s.rps(), s.pct(0.99), s.errors);
    s
}

/// The bare baseline: axum on its own 2-thread runtime, a body of `n` bytes from
/// `/bytes/{n}`, no store, no token.
fn start_baseline() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let body: &'static str = Box::leak("x".repeat(64 * 1024).into_boxed_str());
            let app = axum::Router::new().route(
                "/bytes/{n}",
                axum::routing::get(
                    move |axum::extract::Path(n): axum::extract::Path<usize>| async move {
                        ([("content-type", "application/json")], &body[..n.min(body.len())])
                    },
                ),
            );
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(format!("http://{}", l.local_addr().expect("addr"))).expect("send");
            axum::serve(l, app).await.expect("serve");
        });
    });
    rx.recv().expect("baseline address")
}

fn mem(pid: u32, after: &str) -> String {
    let mib = |f| vm_kib(pid, f).map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0));
    format!("{after}: {}/{}", mib("VmRSS:"), mib("VmHWM:"))
}

async fn metric(c: &Client, base: &str, name: &str) -> u64 {
    let text =
        c.get(format!("{base}/metrics")).send().await.expect("metrics").text().await.expect("text");
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok())).unwrap_or(0)
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    vm_kib(pid, "VmHWM:")
}

fn vm_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn body_len(c: &Client, url: String, token: Option<&str>) -> usize {
    let mut r = c.get(url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("get").bytes().await.expect("body").len()
}

/// `GET /api/search` with typical queries (1–3 words of the shop's titles and authors, typos,
/// prefixes as typed; see `common/queries.rs`): with a token over every kind, and anonymous
/// over products. Returns the paths and, per variant, the median body size.
async fn search_paths(c: &Client, base: &str, token: &str) -> SearchSetup {
    let books: Vec<(String, Vec<String>)> = items(c, base, "/api/books", token, 2000)
        .await
        .iter()
        .map(|it| {
            let authors = it["authors"].as_array().into_iter().flatten();
            let authors = authors.filter_map(|a| a.as_str().map(str::to_owned)).collect();
            (it["title"].as_str().unwrap_or("").to_owned(), authors)
        })
        .collect();
    let paths: Vec<String> = queries::queries(&books, 1000, 0x5EA2C4)
        .iter()
        .map(|q| format!("/api/search?q={}&limit=10", queries::url_encode(q)))
        .collect();
    let mut lens = [0usize; 2];
    for (k, anonymous) in [false, true].into_iter().enumerate() {
        let suffix = if anonymous { "&kind=products" } else { "" };
        let mut sizes = Vec::new();
        for p in paths.iter().take(50) {
            let tk = (!anonymous).then_some(token);
            sizes.push(body_len(c, format!("{base}{p}{suffix}"), tk).await);
        }
        sizes.sort_unstable();
        lens[k] = sizes[sizes.len() / 2];
    }
    SearchSetup { paths: Arc::new(paths), lens }
}

struct SearchSetup {
    paths: Arc<Vec<String>>,
    /// Median body size with a token over every kind, and anonymous over products.
    lens: [usize; 2],
}

/// The search scenarios, each against a baseline of the same body size measured just before.
async fn search_scenarios(
    setup: &SearchSetup,
    base: &str,
    token: &Arc<str>,
    baseline: &str,
    n: usize,
    secs: f64,
) -> Vec<(Stats, Option<f64>)> {
    let mut rows = Vec::new();
    for (k, (name, anonymous)) in [
        ("GET /api/search?q=… (token, every kind)", false),
        ("GET /api/search?q=…&kind=products anonymous", true),
    ]
    .into_iter()
    .enumerate()
    {
        let suffix = if anonymous { "&kind=products" } else { "" };
        let len = setup.lens[k];
        let base_search = run(
            &format!("baseline (search-size body, {len} B)"),
            n,
            secs,
            baseline,
            move |_, _| Req::get(format!("/bytes/{len}")),
        )
        .await;
        let (p, tk) = (setup.paths.clone(), token.clone());
        let s = run(name, n, secs, base, move |w, i| {
            let path = &p[(w * 7919 + i as usize) % p.len()];
            let r = Req::get(format!("{path}{suffix}"));
            if anonymous { r } else { r.token(&tk) }
        })
        .await;
        let r = s.rps() / base_search.rps();
        rows.push((base_search, None));
        rows.push((s, Some(r)));
    }
    rows
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("load: run with `cargo bench --bench load`");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(bench(args()));
}

/// What the scenarios need, found once before the runs.
struct Setup {
    base: String,
    baseline: String,
    staff: Arc<str>,
    products: Arc<Vec<u64>>,
    books: Arc<Vec<u64>>,
    list_path: &'static str,
    lens: (usize, usize, usize),
    search: Option<SearchSetup>,
}

/// One run of every scenario.
struct RunResult {
    rows: Vec<(Stats, Option<f64>)>,
    /// Durable creates/s at 1 and at 64 clients.
    creates: [f64; 2],
    /// (clients, commits/s, writes per commit) of the two create scenarios.
    commits: Vec<(usize, f64, f64)>,
    mem_log: Vec<String>,
}

async fn bench(a: Args) {
    let secs = a.seconds as f64;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    let t = Instant::now();
    let out = command(&dir)
        .args(["demo", "--books", &a.books.to_string()])
        .stdin(Stdio::null())
        .output()
        .await
        .expect("barrio demo");
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    let db = dir.join("barrio.redb");
    let demo_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    eprintln!("demo of {} books in {:.1} s", a.books, t.elapsed().as_secs_f64());

    let server = start_server(&dir).await;
    let pid = server.child.id().expect("pid");
    let base = server.base.clone();
    let c = client();
    wait_search_ready(&c, &base).await;
    // The first start builds the search index (the demo does not): its peak is reported on
    // its own, then the high-water mark is reset so the peak under load is the serving one.
    let start_rss = mem(pid, "ready (index built)");
    let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let staff = login(&c, &base, "staff").await;
    let products = Arc::new(ids(&c, &base, "/api/products", &staff, 2000).await);
    let books = Arc::new(ids(&c, &base, "/api/books", &staff, 4000).await);
    assert!(!products.is_empty() && !books.is_empty());
    let openapi: Value = c
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let has_search = openapi["paths"].get("/api/search").is_some();

    let product_len = body_len(&c, format!("{base}/api/products/{}", products[0]), None).await;
    let book_len = body_len(&c, format!("{base}/api/books/{}", books[0]), Some(&staff)).await;
    let genres: Value = c
        .get(format!("{base}/api/genres?limit=1"))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("genres")
        .json()
        .await
        .expect("json");
    let genre = genres["items"][0]["id"].as_u64().expect("a genre");
    let list_path: &'static str =
        Box::leak(format!("/api/books?genre={genre}&sort=title&limit=20").into_boxed_str());
    let list_len = body_len(&c, format!("{base}{list_path}"), Some(&staff)).await;
    let search = if has_search { Some(search_paths(&c, &base, &staff).await) } else { None };
    let baseline = start_baseline();
    eprintln!(
        "server {base} (pid {pid}), baseline {baseline}; {} products, {} books sampled; bodies {product_len}/{book_len}/{list_len} B",
        products.len(),
        books.len()
    );
    let setup = Setup {
        base: base.clone(),
        baseline,
        staff: Arc::from(staff.as_str()),
        products,
        books,
        list_path,
        lens: (product_len, book_len, list_len),
        search,
    };

    let mut runs = Vec::new();
    for r in 0..a.runs {
        eprintln!("run {} of {}", r + 1, a.runs);
        runs.push(one_run(&setup, &c, pid, a.clients, secs, r).await);
    }

    let hwm = vm_hwm_kib(pid);
    println!(
        "- server RSS / peak at the first start, which builds the search index (MiB): {start_rss}{}",
        if reset {
            "; peak reset before the load"
        } else {
            " (could not reset the peak: it includes the start)"
        }
    );
    for (k, run) in runs.iter().enumerate() {
        println!(
            "- run {}: server RSS / peak after each scenario (MiB): {}",
            k + 1,
            run.mem_log.join("; ")
        );
        for (clients, per_s, batch) in &run.commits {
            println!(
                "- run {}: writer at {clients} create clients: {per_s:.0} commits/s, {batch:.1} writes per commit (all writes, including view records)",
                k + 1
            );
        }
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);

    println!(
        "\n{} run(s) of {} s per scenario; each figure is the median over the runs; req/s and p99 of each run follow.\n",
        a.runs, a.seconds
    );
    println!(
        "| scenario | clients | req/s | × baseline | p50 ms | p90 ms | p99 ms | max ms | errors | runs' req/s | runs' p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let rows = runs[0].rows.len();
    for i in 0..rows {
        let of = |f: &dyn Fn(&Stats) -> f64| -> Vec<f64> {
            runs.iter().map(|r| f(&r.rows[i].0)).collect()
        };
        let s0 = &runs[0].rows[i].0;
        let ratio: Vec<f64> = runs.iter().filter_map(|r| r.rows[i].1).collect();
        let rps = of(&|s| s.rps());
        let p99 = of(&|s| s.pct(0.99));
        let list = |v: &[f64], d: usize| {
            v.iter().map(|x| format!("{x:.d$}")).collect::<Vec<_>>().join(" / ")
        };
        println!(
            "| {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
            s0.name,
            s0.clients,
            median(rps.clone()),
            if ratio.is_empty() { "—".to_owned() } else { format!("{:.2}", median(ratio)) },
            median(of(&|s| s.pct(0.50))),
            median(of(&|s| s.pct(0.90))),
            median(p99.clone()),
            median(of(&|s| s.max())),
            runs.iter().map(|r| r.rows[i].0.errors).sum::<u64>(),
            list(&rps, 0),
            list(&p99, 2),
        );
    }
    println!();
    if !has_search {
        println!(
            "- GET /api/search: not in /api/openapi.json yet (search has not landed); skipped."
        );
    }
    let one: Vec<f64> = runs.iter().map(|r| r.creates[0]).collect();
    let many: Vec<f64> = runs.iter().map(|r| r.creates[1]).collect();
    let gain: Vec<f64> = runs.iter().map(|r| r.creates[1] / r.creates[0]).collect();
    println!(
        "- durable creates/s (medians): {:.0} at 1 client, {:.0} at 64 clients ({:.1}×; runs: {})",
        median(one),
        median(many),
        median(gain.clone()),
        gain.iter().map(|g| format!("{g:.1}×")).collect::<Vec<_>>().join(", ")
    );
    println!(
        "- server peak RSS (VmHWM) under load, over all runs: {}",
        hwm.map_or("unknown".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    println!(
        "- data file: {:.1} MiB after the demo of {} books, {:.1} MiB at the end",
        demo_size as f64 / 1048576.0,
        a.books,
        size as f64 / 1048576.0
    );

    server::kill_group(server).await;
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Waits until the search index has caught up (a 100,000-book index is built at the first
/// start), so the runs measure serving, not the rebuild.
async fn wait_search_ready(c: &Client, base: &str) {
    let until = Instant::now() + Duration::from_secs(300);
    while Instant::now() < until {
        let ready = match c.get(format!("{base}/healthz")).send().await {
            Ok(r) => r.json::<Value>().await.ok().and_then(|v| v["search"]["ready"].as_bool()),
            Err(_) => None,
        };
        // `None`: no search in this build; nothing to wait for.
        if ready != Some(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn one_run(s: &Setup, c: &Client, pid: u32, n: usize, secs: f64, round: usize) -> RunResult {
    let (product_len, book_len, list_len) = s.lens;
    let (base, baseline) = (s.base.as_str(), s.baseline.as_str());
    let mut rows: Vec<(Stats, Option<f64>)> = Vec::new();
    let mut mem_log: Vec<String> = Vec::new();
    let run_id = std::process::id();

    // Baselines, one per body size, at the same client count.
    let base_product = run("baseline (product-size body)", n, secs, baseline, move |_, _| {
        Req::get(format!("/bytes/{product_len}"))
    })
    .await;
    let base_book = run("baseline (book-size body)", n, secs, baseline, move |_, _| {
        Req::get(format!("/bytes/{book_len}"))
    })
    .await;
    let base_list = run("baseline (list-size body)", n, secs, baseline, move |_, _| {
        Req::get(format!("/bytes/{list_len}"))
    })
    .await;

    let p = s.products.clone();
    let st = run("GET /api/products/{id} anonymous", n, secs, base, move |w, i| {
        let id = p[(w * 7919 + i as usize) % p.len()];
        Req::get(format!("/api/products/{id}")).visitor(format!("load-{w}"))
    })
    .await;
    let r = st.rps() / base_product.rps();
    rows.push((base_product.clone(), None));
    rows.push((st, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    let (bk, tk) = (s.books.clone(), s.staff.clone());
    let st = run("GET /api/books/{id} with token", n, secs, base, move |w, i| {
        let id = bk[(w * 7919 + i as usize) % bk.len()];
        Req::get(format!("/api/books/{id}")).token(&tk)
    })
    .await;
    let r = st.rps() / base_book.rps();
    rows.push((base_book.clone(), None));
    rows.push((st, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    let (tk, list_path) = (s.staff.clone(), s.list_path);
    let st =
        run("GET /api/books?genre=…&sort=title&limit=20 (token)", n, secs, base, move |_, _| {
            Req::get(list_path).token(&tk)
        })
        .await;
    let r = st.rps() / base_list.rps();
    rows.push((base_list.clone(), None));
    rows.push((st, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    if let Some(setup) = &s.search {
        for row in search_scenarios(setup, base, &s.staff, baseline, n, secs).await {
            rows.push(row);
            mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));
        }
    }

    // Durable creates: 1 client, then 64 (group commit).
    let mut creates = [0.0; 2];
    let mut commits = Vec::new();
    for (k, clients) in [1usize, 64].into_iter().enumerate() {
        let before = (
            metric(c, base, "barrio_store_commits_total").await,
            metric(c, base, "barrio_store_writes_total").await,
        );
        let tk = s.staff.clone();
        let st = run(
            &format!("POST /api/products ({clients} clients)"),
            clients,
            secs,
            base,
            move |w, i| {
                Req::post_json(
                    "/api/products",
                    &json!({
                        "sku": format!("L{run_id}-{round}-{clients}-{w}-{i}"),
                        "name": "Señalador de tela",
                        "price_cents": 150_000,
                        "stock": 10,
                    }),
                )
                .token(&tk)
            },
        )
        .await;
        creates[k] = st.rps();
        let after = (
            metric(c, base, "barrio_store_commits_total").await,
            metric(c, base, "barrio_store_writes_total").await,
        );
        commits.push((
            clients,
            (after.0 - before.0) as f64 / st.secs,
            (after.1 - before.1) as f64 / (after.0 - before.0).max(1) as f64,
        ));
        let r = st.rps() / base_product.rps();
        rows.push((st, Some(r)));
        mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));
    }

    // A burst of 50 concurrent logins during token reads.
    let (bk, tk) = (s.books.clone(), s.staff.clone());
    let to = base.to_owned();
    let reads = tokio::spawn(async move {
        run("GET /api/books/{id} during 50 logins", n, 2.0 * secs, &to, move |w, i| {
            let id = bk[(w * 7919 + i as usize) % bk.len()];
            Req::get(format!("/api/books/{id}")).token(&tk)
        })
        .await
    });
    tokio::time::sleep(Duration::from_secs_f64(secs / 5.0)).await;
    let burst_start = Instant::now();
    let logins: Vec<_> = (0..50)
        .map(|k| {
            let b = base.to_owned();
            tokio::spawn(async move {
                let c = client();
                let user = ["staff", "owner", "lucia", "mateo", "sofia"][k % 5];
                let t = Instant::now();
                login(&c, &b, user).await;
                t.elapsed().as_micros() as u64
            })
        })
        .collect();
    let mut login_lat = Vec::new();
    for l in logins {
        login_lat.push(l.await.expect("login"));
    }
    let burst = burst_start.elapsed().as_secs_f64();
    login_lat.sort_unstable();
    let login_stats = Stats {
        name: "POST /api/login (burst of 50)".into(),
        clients: 50,
        requests: 50,
        errors: 0,
        secs: burst,
        lat_us: login_lat,
        raw: Vec::new(),
    };
    let during = reads.await.expect("reads");
    // The reads that started while the logins ran.
    let (w0, w1) = ((secs / 5.0 * 1e6) as u64, ((secs / 5.0 + burst) * 1e6) as u64);
    let mut window: Vec<u64> =
        during.raw.iter().filter(|(t, _)| *t >= w0 && *t <= w1).map(|(_, l)| *l).collect();
    window.sort_unstable();
    let window = Stats {
        name: "GET /api/books/{id} started during the login burst".into(),
        clients: n,
        requests: window.len() as u64,
        errors: 0,
        secs: burst.min(2.0 * secs - secs / 5.0),
        lat_us: window,
        raw: Vec::new(),
    };
    let r = during.rps() / base_book.rps();
    rows.push((during, Some(r)));
    mem_log.push(mem(pid, "login burst"));
    rows.push((window, None));
    rows.push((login_stats, None));

    // Mixed: 90% reads (product anonymous, book with token, list), 10% creates.
    let (p, bk, tk) = (s.products.clone(), s.books.clone(), s.staff.clone());
    let st = run("mixed 90% reads / 10% creates", n, secs, base, move |w, i| {
        let k = (w * 7919 + i as usize) % 1000;
        match i % 10 {
            0 => Req::post_json(
                "/api/products",
                &json!({
                    "sku": format!("M{run_id}-{round}-{w}-{i}"),
                    "name": "Lápiz",
                    "price_cents": 50_000,
                }),
            )
            .token(&tk),
            1..=4 => Req::get(format!("/api/products/{}", p[k % p.len()])),
            5..=8 => Req::get(format!("/api/books/{}", bk[k % bk.len()])).token(&tk),
            _ => Req::get(list_path).token(&tk),
        }
    })
    .await;
    let r = st.rps() / base_book.rps();
    rows.push((st, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    RunResult { rows, creates, commits, mem_log }
}
