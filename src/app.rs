//! The application: its state, its router (each domain brings its own), and `serve`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{Auth, Passwords, Throttle, Tokens};
use crate::catalog::ViewBuffer;
use crate::config::Settings;
use crate::error::{ApiError, ErrorBody};
use crate::events::Events;
use crate::http::MAX_BODY;
use crate::store::{Reader, Store};

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub auth: Arc<Auth>,
    pub events: Arc<Events>,
    /// Product views waiting to be written (see `catalog::views`).
    pub views: Arc<ViewBuffer>,
    pub backups: Arc<crate::backup::Backups>,
    /// The full-text index (`search`).
    pub search: Arc<crate::search::Search>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Barrio", description = "The API of Barrio: the shop's accounts, catalog, community and more. Every response is JSON; errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`."),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
                ),
            );
        }
    }
}

/// The token-signing secret: the configured one, or the one kept in the data file
/// (generated on first start).
async fn signing_secret(store: &Store, configured: Option<&str>) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = configured {
        if s.len() < 16 {
            anyhow::bail!("BARRIO_JWT_SECRET must be at least 16 characters");
        }
        return Ok(s.as_bytes().to_vec());
    }
    const KEY: &str = "jwt_secret";
    if let Some(s) = store.read(|r| r.meta(KEY))? {
        return Ok(s);
    }
    let fresh: [u8; 32] = rand::random();
    let secret = store
        .write(None, move |w| {
            // Another start may have raced us here; keep whichever came first.
            if let Some(s) = w.meta(KEY)? {
                return Ok(s);
            }
            w.set_meta(KEY, &fresh)?;
            Ok::<_, ApiError>(fresh.to_vec())
        })
        .await
        .map_err(|e| anyhow::anyhow!("cannot store the signing secret: {}", e.message))?;
    Ok(secret)
}

/// Opens the data dir and builds the state the server runs on.
pub async fn build_state(settings: &Settings) -> anyhow::Result<AppState> {
    let dir = settings.data_dir();
    std::fs::create_dir_all(&dir.root)
        .map_err(|e| anyhow::anyhow!("cannot create the data dir {}: {e}", dir.root.display()))?;
    let store = Store::open_with_cache(&dir.db_path(), settings.cache_mib)?;
    let secret = signing_secret(&store, settings.jwt_secret.as_deref()).await?;
    let auth = Auth {
        passwords: Passwords::new(settings.argon2())?,
        tokens: Tokens::new(&secret, settings.token_ttl),
        throttle: Throttle::default(),
    };
    let events = Events::new(&store, &settings.events())?;
    let backups = crate::backup::Backups::new(settings);
    backups.clean_leftovers();
    let search = crate::search::Search::open(&dir.index_path())?;
    crate::search::indexer::prepare(&search, &store)?;
    Ok(AppState {
        store,
        auth: Arc::new(auth),
        events: Arc::new(events),
        views: Arc::default(),
        backups,
        search,
    })
}

/// The whole HTTP surface: the API (documented), health, metrics and the UI.
pub fn router(state: AppState) -> axum::Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::accounts::router())
        .merge(crate::events::router())
        .merge(crate::courses::router())
        .merge(crate::deliveries::router())
        .merge(crate::catalog::router())
        .merge(crate::backup::router())
        .merge(crate::community::router())
        .merge(crate::search::router())
        .merge(crate::settings::router())
        .split_for_parts();
    let openapi_json = openapi.to_json().unwrap_or_else(|_| "{}".into());
    api.route(
        "/api/openapi.json",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], openapi_json) }),
    )
    .route("/api/docs", get(crate::ui::api_docs))
    .route("/api/{*rest}", axum::routing::any(|| async { ApiError::not_found("route") }))
    .route("/healthz", get(healthz))
    .route("/metrics", get(metrics))
    // After every route: axum gives this to each of them, and adds the Allow header.
    .method_not_allowed_fallback(method_not_allowed)
    .fallback(crate::ui::asset)
    .layer(DefaultBodyLimit::max(MAX_BODY))
    .layer(CompressionLayer::new())
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_request(())
            .on_response(
                DefaultOnResponse::new()
                    .level(Level::INFO)
                    .latency_unit(tower_http::LatencyUnit::Micros),
            ),
    )
    .with_state(state)
}

/// axum answers a wrong method with an empty 405; ours says so in our error format (axum
/// adds the Allow header).
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

async fn healthz(State(s): State<AppState>) -> Response {
    let open = s.store.read(|r| r.last_change()).is_ok();
    let lag = s.events.lag(&s.store).unwrap_or_default();
    let body = serde_json::json!({
        "status": if open { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "data_file_open": open,
        "subscribers": lag,
        // The full-text index: ready, rebuilding, and how far behind the change log.
        "search": s.search.status(&s.store).ok(),
        // Posts whose timeline fan-out is not finished (counted up to 10,000).
        "timeline_fanout_queued": s.store.read(|r| crate::community::timeline::queued(r, 10_000)).ok(),
        // The last backup this server wrote and checked (scheduled or downloaded), or at
        // start-up the newest one in the backup dir.
        "last_backup": s.backups.last_backup_ms().map(crate::http::rfc3339),
    });
    let status = if open { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

/// Prometheus text format.
async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let w = s.store.write_stats();
    let body = format!(
        "# HELP barrio_store_commits_total Write transactions committed.\n# TYPE barrio_store_commits_total counter\nbarrio_store_commits_total {}\n\
         # HELP barrio_store_writes_total Write jobs committed (one per caller).\n# TYPE barrio_store_writes_total counter\nbarrio_store_writes_total {}\n\
         # HELP barrio_store_refused_total Write jobs refused before writing.\n# TYPE barrio_store_refused_total counter\nbarrio_store_refused_total {}\n\
         # HELP barrio_store_replays_total Batches replayed after a job failed mid-write.\n# TYPE barrio_store_replays_total counter\nbarrio_store_replays_total {}\n",
        w.commits, w.writes, w.refused, w.replays
    );
    let mut body = body;
    body.push_str("# HELP barrio_subscriber_behind Change-log entries a subscriber has not handled yet.\n# TYPE barrio_subscriber_behind gauge\n");
    let lag = s.events.lag(&s.store).unwrap_or_default();
    for l in &lag {
        body.push_str(&format!(
            "barrio_subscriber_behind{{subscriber=\"{}\"}} {}\n",
            l.name, l.behind
        ));
    }
    body.push_str("# HELP barrio_subscriber_oldest_age_seconds Age of the oldest entry a subscriber has not handled.\n# TYPE barrio_subscriber_oldest_age_seconds gauge\n");
    for l in &lag {
        body.push_str(&format!(
            "barrio_subscriber_oldest_age_seconds{{subscriber=\"{}\"}} {:.3}\n",
            l.name,
            l.oldest_age_ms as f64 / 1000.0
        ));
    }
    if let Ok(st) = s.search.status(&s.store) {
        body.push_str(&format!("# HELP barrio_search_behind Change-log entries the search index does not hold yet.\n# TYPE barrio_search_behind gauge\nbarrio_search_behind {}\n", st.behind));
        body.push_str(&format!("# HELP barrio_search_ready 1 once the search index has caught up after start-up.\n# TYPE barrio_search_ready gauge\nbarrio_search_ready {}\n", u8::from(st.ready)));
        body.push_str(&format!("# HELP barrio_search_rebuilding 1 while the search index is rebuilt from the data file.\n# TYPE barrio_search_rebuilding gauge\nbarrio_search_rebuilding {}\n", u8::from(st.rebuilding)));
    }
    let (dead, outbox) = s
        .store
        .read(|r| {
            Ok((
                r.count::<crate::events::subscriber::DeadLetter>()?,
                crate::events::outbox_pending(r)?,
            ))
        })
        .unwrap_or_default();
    let (first, last) = s
        .store
        .read(|r| Ok((r.changes_after(0, 1)?.first().map_or(0, |c| c.seq), r.last_change()?)))
        .unwrap_or_default();
    body.push_str(&format!("# HELP barrio_changelog_first_seq Oldest change-log entry kept (0: empty).\n# TYPE barrio_changelog_first_seq gauge\nbarrio_changelog_first_seq {first}\n"));
    body.push_str(&format!("# HELP barrio_changelog_last_seq Newest change-log sequence.\n# TYPE barrio_changelog_last_seq counter\nbarrio_changelog_last_seq {last}\n"));
    body.push_str(&format!("# HELP barrio_dead_letters Entries subscribers gave up on.\n# TYPE barrio_dead_letters gauge\nbarrio_dead_letters {dead}\n"));
    body.push_str(&format!("# HELP barrio_outbox_pending E-mails waiting to be sent.\n# TYPE barrio_outbox_pending gauge\nbarrio_outbox_pending {outbox}\n"));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish, writes the
/// buffered product views, and stops the writer after its last commit.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = state.store.clone();
    let events = state.events.clone();
    events.start(&store);
    crate::search::indexer::spawn(state.search.clone(), store.clone(), events.stopping());
    let (stop_views, stopped) = tokio::sync::watch::channel(false);
    let views = state.views.clone();
    let flusher = tokio::spawn({
        let store = store.clone();
        async move { views.run(store, stopped).await }
    });
    let app = router(state);
    // Live streams end when the signal comes, or they would hold the graceful shutdown open.
    let ev = events.clone();
    let signal = async move {
        shutdown.await;
        ev.signal_stop();
    };
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(signal)
        .await;
    // The flusher writes what the last requests buffered, then ends.
    let _ = stop_views.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), flusher).await;
    served?;
    // Let the workers finish their step, then close the file cleanly.
    tokio::time::timeout(Duration::from_secs(10), events.stop()).await.ok();
    tokio::time::timeout(Duration::from_secs(10), store.shutdown()).await.ok();
    Ok(())
}
