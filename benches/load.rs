//! The whole server under load over loopback HTTP, against a bare axum baseline in the same
//! run.
//!
//! `cargo bench --bench load -- [--books 20000] [--clients 32] [--seconds 10]`
//!
//! Without `--bench` in argv (as under `cargo test --all-targets`) it returns at once. It
//! fills a temp data dir with `barrio demo --books N`, starts the real `barrio` binary on
//! 127.0.0.1:0, logs in as the demo staff, and drives it with keep-alive clients (one
//! connection each) for a fixed time per scenario; each scenario also stops after
//! `MAX_REQUESTS`. Traffic goes only to 127.0.0.1. The baseline is an axum server on its own
//! 2-thread runtime in this process that answers a body of the same size without store or
//! token. Prints markdown tables; results are kept in benches/RESULTS.md.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};

#[allow(dead_code)]
#[path = "common/queries.rs"]
mod queries;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use server::{client, command, login, start_server};

/// Upper bound of requests per scenario, whatever the duration.
const MAX_REQUESTS: u64 = 5_000_000;

struct Args {
    books: usize,
    clients: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args { books: 20_000, clients: 32, seconds: 10 };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).and_then(|s| s.parse::<u64>().ok());
        match (argv[i].as_str(), v) {
            ("--books", Some(v)) => a.books = v as usize,
            ("--clients", Some(v)) => a.clients = v as usize,
            ("--seconds", Some(v)) => a.seconds = v,
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

/// `clients` tasks, each with its own keep-alive connection, send `req(worker, n)` back to
/// back for `secs` (or until `MAX_REQUESTS` in all).
async fn run<F>(name: &str, clients: usize, secs: f64, req: F) -> Stats
where
    F: Fn(&Client, usize, u64) -> RequestBuilder + Send + Sync + 'static,
{
    // `LOAD_ONLY=<part of a scenario name>` runs just the matching scenarios (and the
    // baselines), for profiling one path.
    if let Ok(only) = std::env::var("LOAD_ONLY")
        && !name.contains(only.as_str())
        && !name.starts_with("baseline")
    {
        return Stats { name: name.to_owned(), clients, secs: 1.0, ..Default::default() };
    }
    let req = Arc::new(req);
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..clients)
        .map(|w| {
            let (req, sent) = (req.clone(), sent.clone());
            tokio::spawn(async move {
                let c = client();
                let (mut lat, mut errors, mut n) = (Vec::new(), 0u64, 0u64);
                let mut raw = Vec::new();
                while Instant::now() < deadline
                    && sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS
                {
                    let t = Instant::now();
                    let ok = match req(&c, w, n).send().await {
                        Ok(r) => {
                            let ok = r.status().is_success();
                            ok & r.bytes().await.is_ok()
                        }
                        Err(_) => false,
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
/// over products. Each against a baseline of the same body size, measured just before.
async fn search_scenarios(
    c: &Client,
    base: &str,
    token: &str,
    baseline: &str,
    n: usize,
    secs: f64,
) -> Vec<(Stats, Option<f64>)> {
    let books: Vec<(String, Vec<String>)> = items(c, base, "/api/books", token, 2000)
        .await
        .iter()
        .map(|it| {
            let authors = it["authors"].as_array().into_iter().flatten();
            let authors = authors.filter_map(|a| a.as_str().map(str::to_owned)).collect();
            (it["title"].as_str().unwrap_or("").to_owned(), authors)
        })
        .collect();
    let paths: Arc<Vec<String>> = Arc::new(
        queries::queries(&books, 1000, 0x5EA2C4)
            .iter()
            .map(|q| format!("/api/search?q={}&limit=10", queries::url_encode(q)))
            .collect(),
    );
    let mut rows = Vec::new();
    for (name, anonymous) in [
        ("GET /api/search?q=… (token, every kind)", false),
        ("GET /api/search?q=…&kind=products anonymous", true),
    ] {
        let suffix = if anonymous { "&kind=products" } else { "" };
        let mut sizes = Vec::new();
        for p in paths.iter().take(50) {
            let tk = (!anonymous).then_some(token);
            sizes.push(body_len(c, format!("{base}{p}{suffix}"), tk).await);
        }
        sizes.sort_unstable();
        let len = sizes[sizes.len() / 2];
        let bl = baseline.to_owned();
        let base_search =
            run(&format!("baseline (search-size body, {len} B)"), n, secs, move |c, _, _| {
                c.get(format!("{bl}/bytes/{len}"))
            })
            .await;
        let (b, p, tk) = (base.to_owned(), paths.clone(), token.to_owned());
        let s = run(name, n, secs, move |c, w, i| {
            let path = &p[(w * 7919 + i as usize) % p.len()];
            let r = c.get(format!("{b}{path}{suffix}"));
            if anonymous { r } else { r.bearer_auth(&tk) }
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

    let mut server = start_server(&dir).await;
    let pid = server.child.id().expect("pid");
    let base = server.base.clone();
    let c = client();
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
    let baseline = start_baseline();
    eprintln!(
        "server {base} (pid {pid}), baseline {baseline}; {} products, {} books sampled; bodies {product_len}/{book_len}/{list_len} B",
        products.len(),
        books.len()
    );

    let n = a.clients;
    let mut rows: Vec<(Stats, Option<f64>)> = Vec::new();
    let mut mem_log: Vec<String> = vec![mem(pid, "start")];
    let run_id = std::process::id();

    // Baselines, one per body size, at the same client count.
    let bl = baseline.clone();
    let base_product = run("baseline (product-size body)", n, secs, move |c, _, _| {
        c.get(format!("{bl}/bytes/{product_len}"))
    })
    .await;
    let bl = baseline.clone();
    let base_book = run("baseline (book-size body)", n, secs, move |c, _, _| {
        c.get(format!("{bl}/bytes/{book_len}"))
    })
    .await;
    let bl = baseline.clone();
    let base_list = run("baseline (list-size body)", n, secs, move |c, _, _| {
        c.get(format!("{bl}/bytes/{list_len}"))
    })
    .await;

    let (b, p) = (base.clone(), products.clone());
    let s = run("GET /api/products/{id} anonymous", n, secs, move |c, w, i| {
        let id = p[(w * 7919 + i as usize) % p.len()];
        c.get(format!("{b}/api/products/{id}")).header("X-Visitor-Id", format!("load-{w}"))
    })
    .await;
    let r = s.rps() / base_product.rps();
    rows.push((base_product.clone(), None));
    rows.push((s, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    let (b, bk, tk) = (base.clone(), books.clone(), staff.clone());
    let s = run("GET /api/books/{id} with token", n, secs, move |c, w, i| {
        let id = bk[(w * 7919 + i as usize) % bk.len()];
        c.get(format!("{b}/api/books/{id}")).bearer_auth(&tk)
    })
    .await;
    let r = s.rps() / base_book.rps();
    rows.push((base_book.clone(), None));
    rows.push((s, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    let (b, tk) = (base.clone(), staff.clone());
    let s = run("GET /api/books?genre=…&sort=title&limit=20 (token)", n, secs, move |c, _, _| {
        c.get(format!("{b}{list_path}")).bearer_auth(&tk)
    })
    .await;
    let r = s.rps() / base_list.rps();
    rows.push((base_list.clone(), None));
    rows.push((s, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    if has_search {
        for row in search_scenarios(&c, &base, &staff, &baseline, n, secs).await {
            rows.push(row);
            mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));
        }
    }

    // Durable creates: 1 client, then 64 (group commit).
    let mut creates = Vec::new();
    let mut commits = Vec::new();
    for clients in [1usize, 64] {
        let before = (
            metric(&c, &base, "barrio_store_commits_total").await,
            metric(&c, &base, "barrio_store_writes_total").await,
        );
        let (b, tk) = (base.clone(), staff.clone());
        let s = run(
            &format!("POST /api/products ({clients} clients)"),
            clients,
            secs,
            move |c, w, i| {
                c.post(format!("{b}/api/products")).bearer_auth(&tk).json(&json!({
                    "sku": format!("L{run_id}-{clients}-{w}-{i}"),
                    "name": "Señalador de tela",
                    "price_cents": 150_000,
                    "stock": 10,
                }))
            },
        )
        .await;
        creates.push(s.rps());
        let after = (
            metric(&c, &base, "barrio_store_commits_total").await,
            metric(&c, &base, "barrio_store_writes_total").await,
        );
        commits.push((
            clients,
            (after.0 - before.0) as f64 / s.secs,
            (after.1 - before.1) as f64 / (after.0 - before.0).max(1) as f64,
        ));
        let r = s.rps() / base_product.rps();
        rows.push((s, Some(r)));
        mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));
    }

    // A burst of 50 concurrent logins during token reads.
    let (b, bk, tk) = (base.clone(), books.clone(), staff.clone());
    let reads =
        tokio::spawn(run("GET /api/books/{id} during 50 logins", n, 2.0 * secs, move |c, w, i| {
            let id = bk[(w * 7919 + i as usize) % bk.len()];
            c.get(format!("{b}/api/books/{id}")).bearer_auth(&tk)
        }));
    tokio::time::sleep(Duration::from_secs_f64(secs / 5.0)).await;
    let burst_start = Instant::now();
    let logins: Vec<_> = (0..50)
        .map(|k| {
            let b = base.clone();
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
    let (b, p, bk, tk) = (base.clone(), products.clone(), books.clone(), staff.clone());
    let s = run("mixed 90% reads / 10% creates", n, secs, move |c, w, i| {
        let k = (w * 7919 + i as usize) % 1000;
        match i % 10 {
            0 => c.post(format!("{b}/api/products")).bearer_auth(&tk).json(&json!({
                "sku": format!("M{run_id}-{w}-{i}"),
                "name": "Lápiz",
                "price_cents": 50_000,
            })),
            1..=4 => c.get(format!("{b}/api/products/{}", p[k % p.len()])),
            5..=8 => c.get(format!("{b}/api/books/{}", bk[k % bk.len()])).bearer_auth(&tk),
            _ => c.get(format!("{b}{list_path}")).bearer_auth(&tk),
        }
    })
    .await;
    let r = s.rps() / base_book.rps();
    rows.push((s, Some(r)));
    mem_log.push(mem(pid, rows.last().map_or("", |r| r.0.name.as_str())));

    let hwm = vm_hwm_kib(pid);
    println!("- server RSS / peak after each scenario (MiB): {}", mem_log.join("; "));
    for (clients, per_s, batch) in &commits {
        println!(
            "- writer at {clients} create clients: {per_s:.0} commits/s, {batch:.1} writes per commit (all writes, including view records)"
        );
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);

    println!(
        "\n| scenario | clients | req/s | × baseline | p50 ms | p90 ms | p99 ms | max ms | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (s, ratio) in &rows {
        println!(
            "| {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            s.name,
            s.clients,
            s.rps(),
            ratio.map_or("—".to_owned(), |r| format!("{r:.2}")),
            s.pct(0.50),
            s.pct(0.90),
            s.pct(0.99),
            s.max(),
            s.errors
        );
    }
    println!();
    if !has_search {
        println!(
            "- GET /api/search: not in /api/openapi.json yet (search has not landed); skipped."
        );
    }
    println!(
        "- durable creates/s: {:.0} at 1 client, {:.0} at 64 clients ({:.1}×)",
        creates[0],
        creates[1],
        creates[1] / creates[0]
    );
    println!(
        "- server peak RSS (VmHWM): {}",
        hwm.map_or("unknown".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    println!(
        "- data file: {:.1} MiB after the demo of {} books, {:.1} MiB at the end",
        demo_size as f64 / 1048576.0,
        a.books,
        size as f64 / 1048576.0
    );

    let _ = server.child.start_kill();
    let _ = server.child.wait().await;
}
