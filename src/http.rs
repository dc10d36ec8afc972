//! HTTP conventions shared by every domain: JSON bodies, path and query parameters that
//! fail as our error format, list pages, and times.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{ApiError, ApiResult};

/// Request bodies above this are refused with 413 (uploads set their own limit).
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON request body. Unlike axum's, its rejections name the field at fault and use our
/// error body: malformed JSON, a wrong type, a missing or unknown field, a body too large.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    // The limit depends on the route (uploads allow more than MAX_BODY).
                    "the request body is larger than this endpoint accepts",
                )
            } else {
                ApiError::bad_request("bad_body", "the request body could not be read")
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, naming the field at fault when it fails.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let field = if path != "." && !path.is_empty() {
            Some(path)
        } else {
            // "missing field `x`" and "unknown field `x`" are reported at the parent.
            message.split('`').nth(1).map(str::to_owned)
        };
        let code = if inner.is_syntax() || inner.is_eof() { "malformed_json" } else { "invalid" };
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        let mut err = ApiError::bad_request(code, message);
        if code == "invalid" {
            err.field = field;
        }
        err
    })
}

/// Path parameters; a malformed one is a 400 naming it.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| Path(p.0)).map_err(
            |rej| {
                let field = parts_param_name(&rej.body_text());
                let e = ApiError::bad_request("invalid", "a path parameter is not valid");
                ApiError { field: Some(field), ..e }
            },
        )
    }
}

fn parts_param_name(text: &str) -> String {
    // With several parameters axum names the one at fault ("Cannot parse `id` with value
    // `abc` to a `u64`"); with one it quotes only the value, and ours is then always `id`.
    match text.split('`').collect::<Vec<_>>().as_slice() {
        [_, name, with, ..] if with.contains("with value") => (*name).to_owned(),
        _ => "id".to_owned(),
    }
}

/// Query parameters; a malformed one is a 400 naming it.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let field =
                if path != "." { Some(path) } else { message.split('`').nth(1).map(str::to_owned) };
            ApiError { field, ..ApiError::bad_request("invalid", message) }
        })
    }
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items (default 50, at most 200).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

impl PageParams {
    pub fn limit(&self) -> ApiResult<usize> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(0) => Err(ApiError::invalid("limit", "limit must be at least 1")),
            Some(n) => Ok((n as usize).min(MAX_LIMIT)),
        }
    }

    /// The cursor of an id-ordered list.
    pub fn cursor_id(&self) -> ApiResult<Option<u64>> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<u64>()
                    .map_err(|_| ApiError::invalid("cursor", "not a cursor this list gave"))
            })
            .transpose()
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of records fetched with one extra beyond `limit`: the extra one says whether
    /// there is a next page; the cursor is the key of the last item shown.
    pub fn from_overfetch<R>(
        mut rows: Vec<R>,
        limit: usize,
        key: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Page<T> {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(&key) } else { None };
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}

/// UTC milliseconds as RFC 3339, always with three decimals (so the strings sort as times).
pub fn rfc3339(ms: i64) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_default()
}

/// RFC 3339 (any offset) to UTC milliseconds.
pub fn parse_rfc3339(field: &str, s: &str) -> ApiResult<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            ApiError::invalid(field, "not an RFC 3339 time such as 2026-03-01T19:00:00-03:00")
        })
}

/// For PATCH bodies: tells "absent" (`None`) from "null" (`Some(None)`).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        age: u32,
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"name": "x", "age": "old"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("age"));
        let e = parse_json::<Body>(br#"{"name": "x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("age"));
        let e = parse_json::<Body>(br#"{"name": "x", "age": 1, "extra": 2}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("extra"));
        let e = parse_json::<Body>(br#"{"name": "#).unwrap_err();
        assert_eq!(e.code, "malformed_json");
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(parse_rfc3339("t", "2023-11-14T19:13:20.123-03:00").unwrap(), 1_700_000_000_123);
        assert!(parse_rfc3339("t", "yesterday").is_err());
    }
}
