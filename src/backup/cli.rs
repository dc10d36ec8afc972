//! The maintenance commands: `backup`, `restore`, `check`, `export`, `import`.
//!
//! Each works on the data dir of a stopped server. `backup` and `export` also work while a
//! server runs: the data file is then locked by that server, so they ask it for a snapshot
//! over HTTP on this machine, proving themselves with the secret in `server.json` (see
//! `store::backup` for why).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::{LOCAL_SECRET_HEADER, ServerFile};
use crate::config::{Command, DataDir, Settings};
use crate::records;
use crate::store::StoreError;
use crate::store::backup::{self, TempFile};
use crate::store::{check, export};

/// Runs one maintenance command.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    let dir = settings.data_dir();
    match command {
        Command::Backup { out } => run_backup(&dir, &out).await,
        Command::Restore { backup } => run_restore(&dir, &backup),
        Command::Check { file, repair } => run_check(&dir, file, repair),
        Command::Export { out } => run_export(&dir, &out).await,
        Command::Import { input } => run_import(&dir, &input),
        Command::Reindex => crate::search::indexer::reindex_offline(&dir).await,
        Command::Serve | Command::User(_) | Command::Demo { .. } => {
            anyhow::bail!("not a maintenance command")
        }
    }
}

fn held_by_server(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<StoreError>(), Some(StoreError::AlreadyOpen(_)))
}

/// Whether `out` names the data file itself (renaming a backup over it would swap the file
/// from under a running server).
fn is_the_data_file(dir: &DataDir, out: &Path) -> bool {
    let canonical = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Some(parent.canonicalize().ok()?.join(p.file_name()?))
    };
    canonical(out).is_some_and(|o| Some(o) == canonical(&dir.db_path()))
}

async fn run_backup(dir: &DataDir, out: &Path) -> anyhow::Result<()> {
    if is_the_data_file(dir, out) {
        anyhow::bail!("{} is the data file itself; write the backup elsewhere", out.display());
    }
    match backup::backup_file(&dir.db_path(), out, &records::all()) {
        Ok(info) => {
            println!(
                "backup written and checked: {} ({} tables, {} entries, {} bytes; taken from the data file directly, no server was running)",
                info.path.display(),
                info.tables,
                info.entries,
                info.bytes
            );
            for f in &info.findings {
                eprintln!("warning: {f}");
            }
            Ok(())
        }
        Err(e) if held_by_server(&e) => {
            let bytes = fetch_from_server(dir, out).await?;
            println!(
                "backup written and checked: {} ({bytes} bytes; a snapshot taken by the running server)",
                out.display()
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Asks the server running on `dir` for a snapshot, writes it to `out` through a temporary
/// file, and checks it before renaming it into place. Returns its size.
async fn fetch_from_server(dir: &DataDir, out: &Path) -> anyhow::Result<u64> {
    let path = dir.server_file();
    let text = std::fs::read(&path).with_context(|| {
        format!(
            "the data file is in use by another process, but there is no {} to reach a Barrio server through",
            path.display()
        )
    })?;
    let server: ServerFile = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not readable", path.display()))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = TempFile::new(out.with_file_name(format!(
        ".{}.partial-{}",
        name.as_deref().unwrap_or("backup"),
        std::process::id()
    )));
    let bytes = download(&server, &tmp.path).await?;
    let verified = backup::verify(&tmp.path, &records::all())
        .map_err(|e| anyhow::anyhow!("the snapshot the server sent is unusable: {e}"))?;
    if let Some(r) = &verified.report {
        for f in r.findings.iter().filter(|f| f.level != check::Level::Ok) {
            eprintln!("warning: {}", f.text);
        }
    }
    tmp.persist(out)?;
    Ok(bytes)
}

/// `GET /api/admin/backup` over plain HTTP/1.1 to the local server, streamed to `to`.
async fn download(server: &ServerFile, to: &Path) -> anyhow::Result<u64> {
    let connect = tokio::net::TcpStream::connect(server.addr);
    let stream = tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .map_err(|_| anyhow::anyhow!("the server at {} does not answer", server.addr))?
        .with_context(|| {
            format!(
                "cannot reach the server at {} (is it still running? pid {})",
                server.addr, server.pid
            )
        })?;
    let mut stream = BufReader::new(stream);
    let request = format!(
        "GET /api/admin/backup HTTP/1.1\r\nHost: {}\r\n{LOCAL_SECRET_HEADER}: {}\r\nConnection: close\r\n\r\n",
        server.addr, server.secret
    );
    stream.get_mut().write_all(request.as_bytes()).await?;
    let mut status_line = String::new();
    stream.read_line(&mut status_line).await?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("the server answered {status_line:?}"))?;
    let mut length = None;
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            anyhow::bail!("the server closed the connection early");
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse::<u64>().ok();
        }
    }
    if status != 200 {
        let mut body = Vec::new();
        stream.take(64 * 1024).read_to_end(&mut body).await?;
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        anyhow::bail!("the server refused the backup ({status}): {message}");
    }
    let length = length.context("the server did not say how long the backup is")?;
    let mut file = tokio::fs::File::create(to)
        .await
        .with_context(|| format!("cannot create {}", to.display()))?;
    let copied = tokio::io::copy(&mut stream.take(length), &mut file).await?;
    if copied != length {
        anyhow::bail!("the download stopped after {copied} of {length} bytes");
    }
    file.sync_all().await?;
    Ok(copied)
}

fn run_restore(dir: &DataDir, from: &Path) -> anyhow::Result<()> {
    let done = backup::restore(&dir.db_path(), &dir.index_path(), from, &records::all())?;
    println!(
        "restored {} into {} (schema version {})",
        from.display(),
        dir.db_path().display(),
        done.schema_version
    );
    match done.replaced {
        Some(p) => println!("the replaced data file is kept as {}", p.display()),
        None => println!("there was no data file before"),
    }
    println!("the search index is rebuilt on the next start");
    Ok(())
}

fn run_check(dir: &DataDir, file: Option<PathBuf>, repair: bool) -> anyhow::Result<()> {
    let path = file.unwrap_or_else(|| dir.db_path());
    println!("checking {}", path.display());
    let report = check::check_file(&path, &records::all(), repair).map_err(|e| {
        if held_by_server(&e) {
            e.context("stop the server first, or check a backup: `barrio backup B.redb && barrio check B.redb`")
        } else {
            e
        }
    })?;
    print!("{}", report.render());
    match report.problems() {
        0 => Ok(()),
        n => anyhow::bail!("{n} problems found in {}", path.display()),
    }
}

async fn run_export(dir: &DataDir, out: &Path) -> anyhow::Result<()> {
    if is_the_data_file(dir, out) {
        anyhow::bail!("{} is the data file itself; write the export elsewhere", out.display());
    }
    let types = records::all();
    let moved = match export::export_file(&dir.db_path(), out, &types) {
        Err(e) if held_by_server(&e) => {
            // Export a snapshot the running server takes.
            let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
            let snap = TempFile::new(out.with_file_name(format!(
                ".{}.snapshot-{}.redb",
                name.as_deref().unwrap_or("export"),
                std::process::id()
            )));
            fetch_from_server(dir, &snap.path).await?;
            export::export_file(&snap.path, out, &types)?
        }
        other => other?,
    };
    println!(
        "exported {} records of {} tables and {} blobs to {}",
        moved.records,
        moved.tables,
        moved.blobs,
        out.display()
    );
    for t in moved.skipped {
        eprintln!("warning: table {t} is not registered in src/records.rs and was left out");
    }
    Ok(())
}

fn run_import(dir: &DataDir, input: &Path) -> anyhow::Result<()> {
    let moved = export::import_file(&dir.db_path(), input, &records::all())?;
    println!(
        "imported {} records of {} tables and {} blobs into {}",
        moved.records,
        moved.tables,
        moved.blobs,
        dir.db_path().display()
    );
    println!("log in again: tokens of the exported shop do not carry over");
    Ok(())
}
