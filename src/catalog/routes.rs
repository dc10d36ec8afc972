//! `/api/genres`, `/api/books` (with covers) and `/api/inventory`: the shop's stock, read by
//! anyone logged in and written by the staff.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::list::{self, Source, Verdict};
use super::model::{
    BOOKS_BY_AUTHOR, BOOKS_BY_GENRE, BOOKS_BY_GENRE_TITLE, BOOKS_BY_GENRE_YEAR, BOOKS_BY_TITLE,
    BOOKS_BY_YEAR, Book, Condition, FilmFormat, Genre, INVENTORY_BY_BOOK, INVENTORY_BY_KIND,
    InventoryItem, Isbn, ItemKind, author_matches, fold, id_key, line, parse_language, parse_year,
    text, title_key, year_key, year_prefix,
};
use super::rules::{
    self, BookFields, BookPatch, CatalogAction, GenreFields, GenrePatch, ItemFields, ItemPatch,
    require,
};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, Page, PageParams, Path, Query, double_option, rfc3339};
use crate::store::Reader;

/// Covers are sent raw; the route takes a little more than the largest image so that an
/// image just over the limit is answered by `media::parse_image` (413, naming the field).
const COVER_BODY_LIMIT: usize = 6 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    let covers = OpenApiRouter::new()
        .routes(routes!(put_cover, get_cover))
        .layer(axum::extract::DefaultBodyLimit::max(COVER_BODY_LIMIT));
    OpenApiRouter::new()
        .routes(routes!(create_genre, list_genres))
        .routes(routes!(get_genre, patch_genre, delete_genre))
        .routes(routes!(genre_books))
        .routes(routes!(create_book, list_books))
        .routes(routes!(get_book, patch_book, delete_book))
        .routes(routes!(create_item, list_items))
        .routes(routes!(get_item, patch_item, delete_item))
        .merge(covers)
}

// ---------------------------------------------------------------------------------------
// Genres
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct GenreView {
    id: u64,
    name: String,
    description: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<Genre> for GenreView {
    fn from(g: Genre) -> Self {
        GenreView {
            id: g.id,
            name: g.name,
            description: g.description,
            created_at: rfc3339(g.created_at_ms),
            updated_at: rfc3339(g.updated_at_ms),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenreBody {
    /// Unique, regardless of case and accents.
    name: String,
    description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenrePatchBody {
    name: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
}

/// Create a genre (staff).
#[utoipa::path(post, path = "/api/genres", tag = "catalog", request_body = GenreBody,
    responses((status = 201, body = GenreView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_genre(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<GenreBody>,
) -> ApiResult<impl IntoResponse> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let f = GenreFields {
        name: line("name", &b.name, 80)?,
        description: text("description", b.description.as_deref(), 2000)?,
    };
    let genre = s.store.write(Some(caller.id()), move |w| rules::create_genre(w, &f)).await?;
    Ok((StatusCode::CREATED, axum::Json(GenreView::from(genre))))
}

/// List genres, by id.
#[utoipa::path(get, path = "/api/genres", tag = "catalog", params(PageParams),
    responses((status = 200, body = Page<GenreView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_genres(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<GenreView>>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    let limit = p.limit()?;
    let after = list::decode_cursor(&Source::Table, p.cursor.as_deref())?;
    let (items, next_cursor) = s
        .store
        .read_blocking(move |r| {
            list::page::<Genre>(r, &Source::Table, after, false, limit, |_| Verdict::Keep)
        })
        .await?;
    Ok(axum::Json(Page { items: items.into_iter().map(GenreView::from).collect(), next_cursor }))
}

/// One genre.
#[utoipa::path(get, path = "/api/genres/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = GenreView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_genre(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<GenreView>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    let genre: Genre = s.store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("genre"))?;
    Ok(axum::Json(genre.into()))
}

/// Edit a genre (staff).
#[utoipa::path(patch, path = "/api/genres/{id}", tag = "catalog", params(("id" = u64, Path)), request_body = GenrePatchBody,
    responses((status = 200, body = GenreView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_genre(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<GenrePatchBody>,
) -> ApiResult<axum::Json<GenreView>> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let p = GenrePatch {
        name: b.name.as_deref().map(|n| line("name", n, 80)).transpose()?,
        description: b.description.map(|d| text("description", d.as_deref(), 2000)).transpose()?,
    };
    let genre = s.store.write(Some(caller.id()), move |w| rules::update_genre(w, id, &p)).await?;
    Ok(axum::Json(genre.into()))
}

/// Delete a genre (staff); refused (409) while books are in it.
#[utoipa::path(delete, path = "/api/genres/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_genre(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    s.store.write(Some(caller.id()), move |w| rules::delete_genre(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A genre's books, with the same filters and sorts as `/api/books`.
#[utoipa::path(get, path = "/api/genres/{id}/books", tag = "catalog", params(("id" = u64, Path), BookQuery),
    responses((status = 200, body = Page<BookView>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn genre_books(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Query(mut q): Query<BookQuery>,
) -> ApiResult<axum::Json<Page<BookView>>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    if s.store.read(|r| r.get::<Genre>(id))?.is_none() {
        return Err(ApiError::not_found("genre"));
    }
    q.genre = Some(id);
    books_page(&s, q).await
}

// ---------------------------------------------------------------------------------------
// Books
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverView {
    /// Where to fetch it (with a token).
    url: String,
    mime: String,
    bytes: u64,
    /// Its content hash, also the `ETag` it is served with.
    etag: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookView {
    id: u64,
    title: String,
    authors: Vec<String>,
    /// 13 digits.
    isbn: String,
    description: Option<String>,
    year: Option<i32>,
    language: Option<String>,
    genre_ids: Vec<u64>,
    cover: Option<CoverView>,
    /// Copies in the inventory.
    stock: u64,
    created_at: String,
    updated_at: String,
}

impl From<Book> for BookView {
    fn from(b: Book) -> Self {
        BookView {
            cover: b.cover.map(|c| CoverView {
                url: format!("/api/books/{}/cover", b.id),
                mime: c.mime,
                bytes: c.bytes,
                etag: c.hash,
            }),
            id: b.id,
            title: b.title,
            authors: b.authors,
            isbn: b.isbn,
            description: b.description,
            year: b.year,
            language: b.language,
            genre_ids: b.genre_ids,
            stock: b.stock,
            created_at: rfc3339(b.created_at_ms),
            updated_at: rfc3339(b.updated_at_ms),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    title: String,
    /// At least one.
    authors: Vec<String>,
    /// ISBN-10 or ISBN-13, with or without dashes; kept as ISBN-13.
    isbn: String,
    description: Option<String>,
    year: Option<i32>,
    /// A code such as `es` or `en`.
    language: Option<String>,
    #[serde(default)]
    genre_ids: Vec<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookPatchBody {
    title: Option<String>,
    authors: Option<Vec<String>>,
    isbn: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    year: Option<Option<i32>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    language: Option<Option<String>>,
    /// Replaces the book's genres.
    genre_ids: Option<Vec<u64>>,
}

fn parse_authors(authors: &[String]) -> ApiResult<Vec<String>> {
    if authors.is_empty() || authors.len() > 20 {
        return Err(ApiError::invalid("authors", "a book has 1 to 20 authors"));
    }
    authors.iter().map(|a| line("authors", a, 200)).collect()
}

fn parse_genre_ids(ids: &[u64]) -> ApiResult<Vec<u64>> {
    let mut out: Vec<u64> = Vec::new();
    for &g in ids {
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.len() > 20 {
        return Err(ApiError::invalid("genre_ids", "a book has at most 20 genres"));
    }
    Ok(out)
}

fn parse_book(b: BookBody) -> ApiResult<BookFields> {
    Ok(BookFields {
        title: line("title", &b.title, 300)?,
        authors: parse_authors(&b.authors)?,
        isbn: Isbn::parse(&b.isbn)?,
        description: text("description", b.description.as_deref(), 10_000)?,
        year: b.year.map(parse_year).transpose()?,
        language: b.language.as_deref().map(parse_language).transpose()?,
        genre_ids: parse_genre_ids(&b.genre_ids)?,
    })
}

/// Create a book (staff).
#[utoipa::path(post, path = "/api/books", tag = "catalog", request_body = BookBody,
    responses((status = 201, body = BookView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_book(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<BookBody>,
) -> ApiResult<impl IntoResponse> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let f = parse_book(b)?;
    let book = s.store.write(Some(caller.id()), move |w| rules::create_book(w, &f)).await?;
    Ok((StatusCode::CREATED, axum::Json(BookView::from(book))))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookSort {
    /// A to Z, ignoring case and accents (the default).
    #[default]
    Title,
    /// Oldest first; books without a year last.
    Year,
    /// Most recently added first.
    Newest,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookQuery {
    /// Only books in this genre.
    genre: Option<u64>,
    /// Only books with an author whose name has words starting with each word of this
    /// (ignoring case and accents): `garcia marq` finds "Gabriel García Márquez".
    author: Option<String>,
    /// Only books published in or after this year.
    year_from: Option<i32>,
    /// Only books published in or before this year.
    year_to: Option<i32>,
    /// Only books in this language (a code such as `es`).
    language: Option<String>,
    /// true: only books with copies in the inventory; false: only books without.
    in_stock: Option<bool>,
    sort: Option<BookSort>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List books, filtered and sorted.
#[utoipa::path(get, path = "/api/books", tag = "catalog", params(BookQuery),
    responses((status = 200, body = Page<BookView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_books(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(q): Query<BookQuery>,
) -> ApiResult<axum::Json<Page<BookView>>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    books_page(&s, q).await
}

async fn books_page(s: &AppState, q: BookQuery) -> ApiResult<axum::Json<Page<BookView>>> {
    let limit = PageParams { limit: q.limit, cursor: None }.limit()?;
    let sort = q.sort.unwrap_or_default();
    let author: Vec<String> = q
        .author
        .as_deref()
        .map(fold)
        .unwrap_or_default()
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let language = q.language.as_deref().map(parse_language).transpose()?;
    let (from, to) = (q.year_from, q.year_to);
    let (source, rev) = match (q.genre, sort) {
        (None, BookSort::Title) => (Source::Index { name: BOOKS_BY_TITLE, prefix: vec![] }, false),
        (None, BookSort::Year) => (Source::Index { name: BOOKS_BY_YEAR, prefix: vec![] }, false),
        (None, BookSort::Newest) => (Source::Table, true),
        (Some(g), sort) => {
            let name = match sort {
                BookSort::Title => BOOKS_BY_GENRE_TITLE,
                BookSort::Year => BOOKS_BY_GENRE_YEAR,
                BookSort::Newest => BOOKS_BY_GENRE,
            };
            (Source::Index { name, prefix: g.to_be_bytes().to_vec() }, sort == BookSort::Newest)
        }
    };
    let mut after = list::decode_cursor(&source, q.cursor.as_deref())?;
    // Sorted by year, a range starts where its first year does and ends after its last.
    if sort == BookSort::Year
        && let Some(from) = from
    {
        let start = year_prefix(Some(from)).to_vec();
        if after.as_ref().is_none_or(|a| *a < start) {
            after = Some(start);
        }
    }
    let (in_stock, genre) = (q.in_stock, q.genre);
    let author_query = author.clone();
    let filter = move |b: &Book| {
        if sort == BookSort::Year && to.is_some_and(|to| b.year.is_none_or(|y| y > to)) {
            return Verdict::Stop;
        }
        let year_ok = match (from, to, b.year) {
            (None, None, _) => true,
            (_, _, None) => false,
            (f, t, Some(y)) => f.is_none_or(|f| y >= f) && t.is_none_or(|t| y <= t),
        };
        let keep = year_ok
            && (author_query.is_empty() || author_matches(&author_query, &b.authors))
            && genre.is_none_or(|g| b.genre_ids.contains(&g))
            && language.as_ref().is_none_or(|l| b.language.as_ref() == Some(l))
            && in_stock.is_none_or(|want| (b.stock > 0) == want);
        if keep { Verdict::Keep } else { Verdict::Skip }
    };
    let sort_key = move |b: &Book| match sort {
        BookSort::Title => title_key(&b.title, b.id),
        BookSort::Year => year_key(b.year, b.id),
        BookSort::Newest => id_key(b.id),
    };
    let (items, next_cursor) = s
        .store
        .read_blocking(move |r| {
            // An author is selective: gather the books that have a word starting with the
            // query's longest word, and sort those, unless there are too many.
            if let Some(word) = author.iter().max_by_key(|w| w.len()) {
                let hits =
                    r.scan(BOOKS_BY_AUTHOR, word.as_bytes(), None, AUTHOR_CANDIDATES + 1, false)?;
                if hits.len() <= AUTHOR_CANDIDATES {
                    let mut ids: Vec<u64> = hits.into_iter().map(|(_, id)| id).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let mut rows = Vec::new();
                    for id in ids {
                        if let Some(b) = r.get::<Book>(id)?
                            && matches!(filter(&b), Verdict::Keep)
                        {
                            rows.push((sort_key(&b), b));
                        }
                    }
                    return Ok(list::page_of(rows, after.as_deref(), rev, limit));
                }
            }
            list::page::<Book>(r, &source, after, rev, limit, filter)
        })
        .await?;
    Ok(axum::Json(Page { items: items.into_iter().map(BookView::from).collect(), next_cursor }))
}

/// Above this many index entries for an author word, the author filter is checked while
/// scanning in sort order instead.
const AUTHOR_CANDIDATES: usize = 2_000;

/// One book.
#[utoipa::path(get, path = "/api/books/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = BookView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_book(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<BookView>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    let book: Book = s.store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("book"))?;
    Ok(axum::Json(book.into()))
}

/// Edit a book (staff).
#[utoipa::path(patch, path = "/api/books/{id}", tag = "catalog", params(("id" = u64, Path)), request_body = BookPatchBody,
    responses((status = 200, body = BookView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_book(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<BookPatchBody>,
) -> ApiResult<axum::Json<BookView>> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let p = BookPatch {
        title: b.title.as_deref().map(|t| line("title", t, 300)).transpose()?,
        authors: b.authors.as_deref().map(parse_authors).transpose()?,
        isbn: b.isbn.as_deref().map(Isbn::parse).transpose()?,
        description: b
            .description
            .map(|d| text("description", d.as_deref(), 10_000))
            .transpose()?,
        year: b.year.map(|y| y.map(parse_year).transpose()).transpose()?,
        language: b.language.map(|l| l.as_deref().map(parse_language).transpose()).transpose()?,
        genre_ids: b.genre_ids.as_deref().map(parse_genre_ids).transpose()?,
    };
    let book = s.store.write(Some(caller.id()), move |w| rules::update_book(w, id, &p)).await?;
    Ok(axum::Json(book.into()))
}

/// Delete a book (staff); refused (409) while inventory refers to it.
#[utoipa::path(delete, path = "/api/books/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_book(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    s.store.write(Some(caller.id()), move |w| rules::delete_book(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a book's cover (staff): the raw bytes of a PNG, JPEG or WebP image of at most 5 MiB,
/// recognised by content (the Content-Type header is not trusted).
#[utoipa::path(put, path = "/api/books/{id}/cover", tag = "catalog", params(("id" = u64, Path)),
    request_body = Vec<u8>,
    responses((status = 200, body = BookView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
async fn put_cover(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<BookView>> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let bytes = body.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("an image may be at most {} MiB", crate::media::MAX_IMAGE / 1024 / 1024),
            )
            .with_field("cover")
        } else {
            ApiError::bad_request("bad_body", "the request body could not be read")
        }
    })?;
    let mime = crate::media::parse_image("cover", &bytes)?;
    let book =
        s.store.write(Some(caller.id()), move |w| rules::set_cover(w, id, &bytes, mime)).await?;
    Ok(axum::Json(book.into()))
}

/// A book's cover image, with its hash as ETag (answers 304 to a matching If-None-Match).
#[utoipa::path(get, path = "/api/books/{id}/cover", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, description = "the image, as PNG, JPEG or WebP", content_type = "image/*"),
        (status = 304, description = "not modified"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_cover(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    let book: Book = s.store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("book"))?;
    let cover = book.cover.ok_or_else(|| ApiError::not_found("cover"))?;
    let etag = format!("\"{}\"", cover.hash);
    let etag_value = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    // Covers sit behind a token: shared caches must not keep them; browsers may, and
    // revalidate each time (a 304 costs one read of the book record).
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        });
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value), cache]).into_response());
    }
    let hash = cover.hash.clone();
    let bytes = s
        .store
        .read_blocking(move |r| r.blob(&hash))
        .await?
        .ok_or_else(|| ApiError::internal(format!("cover blob {} missing", cover.hash)))?;
    let mime = HeaderValue::from_str(&cover.mime).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, mime), (header::ETAG, etag_value), cache], bytes).into_response())
}

// ---------------------------------------------------------------------------------------
// Inventory
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    id: u64,
    kind: ItemKind,
    book_id: Option<u64>,
    title: Option<String>,
    director: Option<String>,
    year: Option<i32>,
    format: Option<FilmFormat>,
    condition: Condition,
    shelf: Option<String>,
    quantity: u32,
    rentable: bool,
    created_at: String,
    updated_at: String,
}

impl From<InventoryItem> for ItemView {
    fn from(i: InventoryItem) -> Self {
        ItemView {
            id: i.id,
            kind: i.kind,
            book_id: i.book_id,
            title: i.title,
            director: i.director,
            year: i.year,
            format: i.format,
            condition: i.condition,
            shelf: i.shelf,
            quantity: i.quantity,
            rentable: i.rentable,
            created_at: rfc3339(i.created_at_ms),
            updated_at: rfc3339(i.updated_at_ms),
        }
    }
}

/// A line of the inventory: a book (by `book_id`), a film (`title`, `format`, optionally
/// `director` and `year`), or anything else (`title`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    kind: ItemKind,
    book_id: Option<u64>,
    title: Option<String>,
    director: Option<String>,
    year: Option<i32>,
    format: Option<FilmFormat>,
    /// Default `good`.
    condition: Option<Condition>,
    shelf: Option<String>,
    /// Default 1.
    quantity: Option<u32>,
    /// Default false.
    rentable: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemPatchBody {
    kind: Option<ItemKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    book_id: Option<Option<u64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    director: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<FilmFormat>)]
    format: Option<Option<FilmFormat>>,
    condition: Option<Condition>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    shelf: Option<Option<String>>,
    quantity: Option<u32>,
    rentable: Option<bool>,
}

fn opt_line(field: &str, s: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    s.map(|s| line(field, s, max)).transpose()
}

/// Create an inventory line (staff).
#[utoipa::path(post, path = "/api/inventory", tag = "catalog", request_body = ItemBody,
    responses((status = 201, body = ItemView), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_item(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<ItemBody>,
) -> ApiResult<impl IntoResponse> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let f = ItemFields {
        kind: b.kind,
        book_id: b.book_id,
        title: opt_line("title", b.title.as_deref(), 300)?,
        director: opt_line("director", b.director.as_deref(), 200)?,
        year: b.year.map(parse_year).transpose()?,
        format: b.format,
        condition: b.condition.unwrap_or_default(),
        shelf: opt_line("shelf", b.shelf.as_deref(), 32)?,
        quantity: b.quantity.unwrap_or(1),
        rentable: b.rentable.unwrap_or(false),
    };
    let item = s.store.write(Some(caller.id()), move |w| rules::create_item(w, &f)).await?;
    Ok((StatusCode::CREATED, axum::Json(ItemView::from(item))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Only lines of this kind.
    kind: Option<ItemKind>,
    /// Only the lines of this book.
    book_id: Option<u64>,
    /// Only rentable (true) or only not rentable (false) lines.
    rentable: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List the inventory, by id.
#[utoipa::path(get, path = "/api/inventory", tag = "catalog", params(ItemQuery),
    responses((status = 200, body = Page<ItemView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_items(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(q): Query<ItemQuery>,
) -> ApiResult<axum::Json<Page<ItemView>>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    let limit = PageParams { limit: q.limit, cursor: None }.limit()?;
    let source = match (q.book_id, q.kind) {
        (Some(b), _) => Source::Index { name: INVENTORY_BY_BOOK, prefix: b.to_be_bytes().to_vec() },
        (None, Some(k)) => Source::Index { name: INVENTORY_BY_KIND, prefix: vec![k as u8] },
        (None, None) => Source::Table,
    };
    let after = list::decode_cursor(&source, q.cursor.as_deref())?;
    let (kind, rentable) = (q.kind, q.rentable);
    let filter = move |i: &InventoryItem| {
        let keep = kind.is_none_or(|k| i.kind == k) && rentable.is_none_or(|r| i.rentable == r);
        if keep { Verdict::Keep } else { Verdict::Skip }
    };
    let (items, next_cursor) = s
        .store
        .read_blocking(move |r| {
            list::page::<InventoryItem>(r, &source, after, false, limit, filter)
        })
        .await?;
    Ok(axum::Json(Page { items: items.into_iter().map(ItemView::from).collect(), next_cursor }))
}

/// One inventory line.
#[utoipa::path(get, path = "/api/inventory/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = ItemView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_item(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<ItemView>> {
    require(Some(&caller), CatalogAction::ReadCatalog)?;
    let item: InventoryItem =
        s.store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("inventory item"))?;
    Ok(axum::Json(item.into()))
}

/// Edit an inventory line (staff).
#[utoipa::path(patch, path = "/api/inventory/{id}", tag = "catalog", params(("id" = u64, Path)), request_body = ItemPatchBody,
    responses((status = 200, body = ItemView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_item(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<ItemPatchBody>,
) -> ApiResult<axum::Json<ItemView>> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    let p = ItemPatch {
        kind: b.kind,
        book_id: b.book_id,
        title: b.title.map(|t| opt_line("title", t.as_deref(), 300)).transpose()?,
        director: b.director.map(|d| opt_line("director", d.as_deref(), 200)).transpose()?,
        year: b.year.map(|y| y.map(parse_year).transpose()).transpose()?,
        format: b.format,
        condition: b.condition,
        shelf: b.shelf.map(|v| opt_line("shelf", v.as_deref(), 32)).transpose()?,
        quantity: b.quantity,
        rentable: b.rentable,
    };
    let item = s.store.write(Some(caller.id()), move |w| rules::update_item(w, id, &p)).await?;
    Ok(axum::Json(item.into()))
}

/// Delete an inventory line (staff); refused (409) while a product sells it.
#[utoipa::path(delete, path = "/api/inventory/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_item(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    require(Some(&caller), CatalogAction::WriteCatalog)?;
    s.store.write(Some(caller.id()), move |w| rules::delete_item(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
