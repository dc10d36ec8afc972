//! The catalog: genres, books (with covers), inventory, and the products the shop sells,
//! with soft delete, audit fields, price history and product views.
//!
//! - `model`: the records, their index keys, and parsed field types (`Isbn`, `Sku`, `fold`).
//! - `rules`: who may do what (one table), and the writes with their invariants.
//! - `list`: paging over an ordered index with filters, and its cursors.
//! - `routes`: `/api/genres`, `/api/books`, `/api/inventory`.
//! - `products`: `/api/products`, its price history and view counts.
//! - `views`: the buffer that batches product views into the writer, and their aggregates.
//! - `demo`: `barrio demo`, a realistic shop generated from word lists.

pub mod demo;
mod list;
pub mod model;
mod products;
mod routes;
pub mod rules;
mod views;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub use model::Product;
pub use views::ViewBuffer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(routes::router()).merge(products::router())
}
