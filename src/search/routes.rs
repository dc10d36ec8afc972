//! `GET /api/search`.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::query::{Facets, Hit, SearchRequest, search as run};
use super::schema::Kind;
use crate::app::AppState;
use crate::auth::MaybeAuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::Query;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
const MAX_OFFSET: usize = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What was typed: words (folded, typo-tolerant, the last one a prefix), "quoted
    /// phrases", ISBNs and SKUs with or without dashes. Empty: everything.
    q: Option<String>,
    /// `books`, `products`, `posts` or `all` (the default). Books need a token.
    kind: Option<String>,
    /// Only books of this genre id.
    genre: Option<u64>,
    /// Only books published in or after this year.
    year_from: Option<i64>,
    /// Only books published in or before this year.
    year_to: Option<i64>,
    /// 1–100, default 20.
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    hits: Vec<Hit>,
    facets: Facets,
    /// How many documents match in all.
    total: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// False while the index is being built or caught up at start-up: the results may be
    /// incomplete.
    ready: bool,
}

#[utoipa::path(get, path = "/api/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security((), ("bearer" = [])))]
/// Full-text search over books (with a token), products and posts, with facet counts by
/// kind and genre.
async fn search(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Query(p): Query<SearchParams>,
) -> ApiResult<axum::Json<SearchResponse>> {
    let signed_in = caller.0.is_some();
    let kinds = match p.kind.as_deref().unwrap_or("all") {
        "all" if signed_in => Kind::ALL.to_vec(),
        "all" => vec![Kind::Product, Kind::Post],
        k => match Kind::parse(k) {
            Some(Kind::Book) if !signed_in => {
                return Err(ApiError::unauthorized("searching books needs a token"));
            }
            Some(k) => vec![k],
            None => {
                return Err(ApiError::invalid("kind", "use books, products, posts or all"));
            }
        },
    };
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("between 1 and {MAX_LIMIT}")));
    }
    let offset = match p.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| ApiError::invalid("cursor", "not a cursor of this search"))?,
    };
    let q = p.q.unwrap_or_default();
    if q.chars().count() > 500 {
        return Err(ApiError::invalid("q", "at most 500 characters"));
    }
    let req = SearchRequest {
        q,
        kinds,
        genre: p.genre,
        year_from: p.year_from,
        year_to: p.year_to,
        limit,
        offset,
    };
    let index = s.search.clone();
    let store = s.store.clone();
    let result = s
        .search
        .queries
        .run(move |_| {
            let mut result = run(&index, &req).map_err(ApiError::internal)?;
            store.read(|r| result.facets.name_genres(r))?;
            Ok::<_, ApiError>(result)
        })
        .await
        .map_err(|_| ApiError::internal("a search query failed"))??;
    let next = offset + limit;
    Ok(axum::Json(SearchResponse {
        next_cursor: (next < result.total && next <= MAX_OFFSET).then(|| next.to_string()),
        total: result.total,
        hits: result.hits,
        facets: result.facets,
        ready: s.search.is_ready(),
    }))
}
