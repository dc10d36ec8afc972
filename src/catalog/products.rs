//! `/api/products`: the priced, public side of the catalog, with soft delete, price history
//! and views.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::list::{self, Source, Verdict};
use super::model::{
    LIVE_PRODUCTS, PRICES_BY_PRODUCT, PriceChange, Product, Sku, line, parse_currency, text,
};
use super::rules::{self, CatalogAction, ProductFields, ProductPatch, require};
use super::views::{self, ViewStats};
use crate::app::AppState;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, Page, PageParams, Path, Query, double_option, rfc3339};
use crate::store::Reader;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_product, list_products))
        .routes(routes!(get_product, patch_product, delete_product))
        .routes(routes!(price_history))
        .routes(routes!(product_views))
}

/// The most a price may be: ten billion in cents.
const MAX_PRICE_CENTS: i64 = 1_000_000_000_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDetail {
    id: u64,
    sku: String,
    name: String,
    description: Option<String>,
    /// Integer cents of `currency`.
    price_cents: i64,
    currency: String,
    stock: u32,
    inventory_item_id: Option<u64>,
    created_by: Option<u64>,
    updated_by: Option<u64>,
    created_at: String,
    updated_at: String,
    /// Set once the product is deleted (only staff see deleted products).
    deleted_at: Option<String>,
}

impl From<Product> for ProductDetail {
    fn from(p: Product) -> Self {
        ProductDetail {
            id: p.id,
            sku: p.sku,
            name: p.name,
            description: p.description,
            price_cents: p.price_cents,
            currency: p.currency,
            stock: p.stock,
            inventory_item_id: p.inventory_item_id,
            created_by: p.created_by,
            updated_by: p.updated_by,
            created_at: rfc3339(p.created_at_ms),
            updated_at: rfc3339(p.updated_at_ms),
            deleted_at: p.deleted_at_ms.map(rfc3339),
        }
    }
}

/// A new product. The audit fields are set by the server.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductBody {
    /// Unique regardless of case: 1–64 of `A-Z a-z 0-9 - _ .`.
    sku: String,
    name: String,
    description: Option<String>,
    /// Integer cents, not negative.
    price_cents: i64,
    /// Default `ARS`.
    currency: Option<String>,
    /// Default 0.
    stock: Option<u32>,
    inventory_item_id: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatchBody {
    sku: Option<String>,
    name: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// A change is kept in the price history.
    price_cents: Option<i64>,
    currency: Option<String>,
    stock: Option<u32>,
    /// null unlinks it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    inventory_item_id: Option<Option<u64>>,
}

fn parse_price(cents: i64) -> ApiResult<i64> {
    if cents < 0 {
        return Err(ApiError::invalid("price_cents", "a price cannot be negative"));
    }
    if cents > MAX_PRICE_CENTS {
        return Err(ApiError::invalid("price_cents", "that price is too large"));
    }
    Ok(cents)
}

/// Create a product (staff).
#[utoipa::path(post, path = "/api/products", tag = "catalog", request_body = ProductBody,
    responses((status = 201, body = ProductDetail), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_product(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<ProductBody>,
) -> ApiResult<impl IntoResponse> {
    require(Some(&caller), CatalogAction::WriteProducts)?;
    let f = ProductFields {
        sku: Sku::parse(&b.sku)?,
        name: line("name", &b.name, 200)?,
        description: text("description", b.description.as_deref(), 10_000)?,
        price_cents: parse_price(b.price_cents)?,
        currency: b.currency.as_deref().map_or(Ok("ARS".to_owned()), parse_currency)?,
        stock: b.stock.unwrap_or(0),
        inventory_item_id: b.inventory_item_id,
    };
    let product = s.store.write(Some(caller.id()), move |w| rules::create_product(w, &f)).await?;
    Ok((StatusCode::CREATED, axum::Json(ProductDetail::from(product))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Staff only: include deleted products.
    include_deleted: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Checks `include_deleted` against the caller; true when deleted products are to be shown.
fn deleted_allowed(caller: &MaybeAuthUser, include_deleted: Option<bool>) -> ApiResult<bool> {
    if include_deleted == Some(true) {
        require(caller.0.as_ref(), CatalogAction::ReadDeletedProducts)?;
        return Ok(true);
    }
    Ok(false)
}

/// List products, by id (anyone). Deleted products only for staff, with `include_deleted`.
#[utoipa::path(get, path = "/api/products", tag = "catalog", params(ProductQuery),
    responses((status = 200, body = Page<ProductDetail>), (status = 400, body = ErrorBody)))]
async fn list_products(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Query(q): Query<ProductQuery>,
) -> ApiResult<axum::Json<Page<ProductDetail>>> {
    require(caller.0.as_ref(), CatalogAction::ReadProducts)?;
    let with_deleted = deleted_allowed(&caller, q.include_deleted)?;
    let limit = PageParams { limit: q.limit, cursor: None }.limit()?;
    // Both sources are keyed by the id alone, so a cursor works with either.
    let source = if with_deleted {
        Source::Table
    } else {
        Source::Index { name: LIVE_PRODUCTS, prefix: vec![] }
    };
    let after = list::decode_cursor(&Source::Table, q.cursor.as_deref())?;
    let (items, next_cursor) = s
        .store
        .read_blocking(move |r| {
            list::page::<Product>(r, &source, after, false, limit, |_| Verdict::Keep)
        })
        .await?;
    Ok(axum::Json(Page {
        items: items.into_iter().map(ProductDetail::from).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductRead {
    /// Staff only: show the product even if it is deleted.
    include_deleted: Option<bool>,
}

/// One product (anyone). Records a view: by the logged-in user, or by the anonymous visitor
/// named by `X-Visitor-Id` or the `barrio_visitor` cookie, which is set when absent.
#[utoipa::path(get, path = "/api/products/{id}", tag = "catalog", params(("id" = u64, Path), ProductRead),
    responses((status = 200, body = ProductDetail), (status = 404, body = ErrorBody)))]
async fn get_product(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Path(id): Path<u64>,
    Query(q): Query<ProductRead>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require(caller.0.as_ref(), CatalogAction::ReadProducts)?;
    let with_deleted = deleted_allowed(&caller, q.include_deleted)?;
    let product = s
        .store
        .read(|r| r.get::<Product>(id))?
        .filter(|p| with_deleted || p.deleted_at_ms.is_none())
        .ok_or_else(|| ApiError::not_found("product"))?;
    let (viewer, set_cookie) = views::identify(caller.0.as_ref().map(AuthUser::id), &headers);
    // Staff looking into a deleted product are not shoppers viewing it.
    if product.deleted_at_ms.is_none() {
        s.views.record(id, viewer);
    }
    let mut res = axum::Json(ProductDetail::from(product)).into_response();
    if let Some(c) = set_cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// Edit a product (staff). A new price is kept in the price history and announced.
#[utoipa::path(patch, path = "/api/products/{id}", tag = "catalog", params(("id" = u64, Path)), request_body = ProductPatchBody,
    responses((status = 200, body = ProductDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_product(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<ProductPatchBody>,
) -> ApiResult<axum::Json<ProductDetail>> {
    require(Some(&caller), CatalogAction::WriteProducts)?;
    let p = ProductPatch {
        sku: b.sku.as_deref().map(Sku::parse).transpose()?,
        name: b.name.as_deref().map(|n| line("name", n, 200)).transpose()?,
        description: b
            .description
            .map(|d| text("description", d.as_deref(), 10_000))
            .transpose()?,
        price_cents: b.price_cents.map(parse_price).transpose()?,
        currency: b.currency.as_deref().map(parse_currency).transpose()?,
        stock: b.stock,
        inventory_item_id: b.inventory_item_id,
    };
    let product =
        s.store.write(Some(caller.id()), move |w| rules::update_product(w, id, &p)).await?;
    Ok(axum::Json(product.into()))
}

/// Delete a product (staff): it is hidden, keeps its history, and frees its SKU (renamed
/// `<sku>_deleted_<unix seconds>`). Answers the deleted product.
#[utoipa::path(delete, path = "/api/products/{id}", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = ProductDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_product(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<ProductDetail>> {
    require(Some(&caller), CatalogAction::WriteProducts)?;
    let product = s.store.write(Some(caller.id()), move |w| rules::delete_product(w, id)).await?;
    Ok(axum::Json(product.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceChangeView {
    id: u64,
    product_id: u64,
    old_cents: i64,
    new_cents: i64,
    /// The account that changed it.
    by: Option<u64>,
    at: String,
}

impl From<PriceChange> for PriceChangeView {
    fn from(c: PriceChange) -> Self {
        PriceChangeView {
            id: c.id,
            product_id: c.product_id,
            old_cents: c.old_cents,
            new_cents: c.new_cents,
            by: c.by,
            at: rfc3339(c.at_ms),
        }
    }
}

/// A product's price changes, oldest first (staff; deleted products too).
#[utoipa::path(get, path = "/api/products/{id}/prices", tag = "catalog", params(("id" = u64, Path), PageParams),
    responses((status = 200, body = Page<PriceChangeView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn price_history(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<PriceChangeView>>> {
    require(Some(&caller), CatalogAction::ReadPriceHistory)?;
    if s.store.read(|r| r.get::<Product>(id))?.is_none() {
        return Err(ApiError::not_found("product"));
    }
    let limit = p.limit()?;
    let source = Source::Index { name: PRICES_BY_PRODUCT, prefix: id.to_be_bytes().to_vec() };
    let after = list::decode_cursor(&source, p.cursor.as_deref())?;
    let (items, next_cursor) = s
        .store
        .read_blocking(move |r| {
            list::page::<PriceChange>(r, &source, after, false, limit, |_| Verdict::Keep)
        })
        .await?;
    Ok(axum::Json(Page {
        items: items.into_iter().map(PriceChangeView::from).collect(),
        next_cursor,
    }))
}

/// How often a product was viewed, and by how many people (staff).
#[utoipa::path(get, path = "/api/products/{id}/views", tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = ViewStats), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn product_views(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<ViewStats>> {
    require(Some(&caller), CatalogAction::ReadViews)?;
    if s.store.read(|r| r.get::<Product>(id))?.is_none() {
        return Err(ApiError::not_found("product"));
    }
    // Write what is buffered first, so the numbers include views up to this moment.
    s.views.flush(&s.store).await;
    let stats = s.store.read_blocking(move |r| views::stats(r, id)).await?;
    Ok(axum::Json(stats))
}
