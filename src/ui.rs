//! The embedded web UI: `assets/` is compiled into the binary (release builds) and served
//! with its content type, an ETag and cache headers. Unknown paths get `index.html`, so the
//! UI's own routes work on reload.

use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

fn respond(path: &str, headers: &HeaderMap) -> Option<Response> {
    let file = Assets::get(path)?;
    let etag = format!(
        "\"{}\"",
        file.metadata.sha256_hash().iter().take(12).map(|b| format!("{b:02x}")).collect::<String>()
    );
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Some((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let mime = file.metadata.mimetype().to_owned();
    // HTML must be revalidated so a new release shows at once; the rest may be cached briefly.
    let cache = if mime.starts_with("text/html") { "no-cache" } else { "public, max-age=300" };
    Some(
        (
            [
                (header::CONTENT_TYPE, mime),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
            file.data.into_owned(),
        )
            .into_response(),
    )
}

pub async fn asset(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(r) = respond(path, &headers) {
        return r;
    }
    // A path with an extension is a missing file; anything else is a route of the UI.
    if path.rsplit('/').next().is_some_and(|last| last.contains('.')) {
        return crate::error::ApiError::not_found("file").into_response();
    }
    respond("index.html", &headers).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// The readable API docs, rendered in the browser from `/api/openapi.json`.
pub async fn api_docs(headers: HeaderMap) -> Response {
    respond("api-docs.html", &headers).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}
