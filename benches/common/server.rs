//! Starting the real `barrio` binary on a temp data dir and talking to it over loopback:
//! shared by the load and search benches (`#[path]`-included; not a bench target).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub fn barrio_bin() -> PathBuf {
    // Cargo builds the package's binaries for bench targets and says where.
    let built = PathBuf::from(env!("CARGO_BIN_EXE_barrio"));
    if built.exists() {
        return built;
    }
    // Otherwise next to this executable (target/release/deps/load-… → target/release/barrio).
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    dir.join("barrio")
}

pub fn command(dir: &Path) -> Command {
    // `BENCH_WRAP="heaptrack -o /tmp/ht"` runs the binary under a profiler (its memory
    // figures are then the wrapper's).
    let mut cmd = match std::env::var("BENCH_WRAP") {
        Ok(w) if !w.trim().is_empty() => {
            let mut parts = w.split_whitespace();
            let mut c = Command::new(parts.next().unwrap_or("env"));
            c.args(parts).arg(barrio_bin());
            c
        }
        _ => Command::new(barrio_bin()),
    };
    for (k, _) in std::env::vars() {
        if k.starts_with("BARRIO_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("BARRIO_DATA_DIR", dir).env("RUST_LOG", "warn");
    cmd
}

pub struct Server {
    pub base: String,
    pub child: Child,
}

pub async fn start_server(dir: &Path) -> Server {
    start_server_with(dir, &[]).await
}

/// Like [`start_server`], with extra environment settings (`BARRIO_…`).
pub async fn start_server_with(dir: &Path, envs: &[(&str, String)]) -> Server {
    let log = std::fs::File::create(dir.join("server.log")).expect("log");
    let mut cmd = command(dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .args(["--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        // Its own process group, so `kill_group` also reaches a BENCH_WRAP wrapper's child.
        .process_group(0)
        .spawn()
        .expect("spawn barrio");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // Generous: a big data file may take a while to open after a crash.
    // A wrapper (BENCH_WRAP) may print lines of its own first.
    let listening = async {
        loop {
            let line = lines.next_line().await.expect("read stdout");
            match line {
                Some(l) if l.contains("listening on") => break l,
                Some(_) => continue,
                None => panic!("server exited before listening"),
            }
        }
    };
    let line = tokio::time::timeout(Duration::from_secs(120), listening)
        .await
        .expect("listening line in time");
    let base = line.rsplit(' ').next().expect("address").to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "loopback only: {base}");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server { base, child }
}

pub fn client() -> Client {
    Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .build()
        .expect("client")
}

pub async fn login(c: &Client, base: &str, user: &str) -> String {
    let r = c
        .post(format!("{base}/api/login"))
        .json(&json!({"username": user, "password": barrio::catalog::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert!(r.status().is_success(), "login {user}: {}", r.status());
    let v: Value = r.json().await.expect("token");
    v["access_token"].as_str().expect("access_token").to_owned()
}

/// Kills the server and anything it runs under (a BENCH_WRAP profiler and its child: killing
/// only the wrapper once left a profiled server running into the next bench).
pub async fn kill_group(mut server: Server) {
    if let Some(pid) = server.child.id() {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status().await;
    }
    let _ = server.child.start_kill();
    let _ = server.child.wait().await;
}

/// Stops the server as an operator would (SIGTERM: it finishes requests, flushes and
/// closes the data file cleanly), and waits for it.
pub async fn stop_server(mut server: Server) {
    if let Some(pid) = server.child.id() {
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
    }
    if tokio::time::timeout(Duration::from_secs(60), server.child.wait()).await.is_err() {
        let _ = server.child.start_kill();
        let _ = server.child.wait().await;
    }
}
