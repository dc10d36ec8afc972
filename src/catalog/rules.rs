//! Who may do what in the catalog, and the catalog's writes with their invariants.
//!
//! | action                          | anonymous | user | admin | super_admin |
//! |---------------------------------|-----------|------|-------|-------------|
//! | read genres, books, inventory   | no (401)  | yes  | yes   | yes         |
//! | write genres, books, inventory  | no (401)  | no   | yes   | yes         |
//! | read products (not deleted)     | yes       | yes  | yes   | yes         |
//! | read deleted products           | no (401)  | no   | yes   | yes         |
//! | write products                  | no (401)  | no   | yes   | yes         |
//! | read a product's price history  | no (401)  | no   | yes   | yes         |
//! | read a product's views          | no (401)  | no   | yes   | yes         |
//!
//! Each write function runs inside one writer job and reads everything it checks before it
//! writes, so a refusal leaves the transaction untouched (see `store::writer`). Unique keys
//! (genre names, ISBNs, SKUs) are claimed by the store in the same transaction: a race is
//! decided there, and the loser gets 409 naming the field.

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, emit};
use crate::store::{Reader, Record, WriteTx};

use super::model::{
    BOOK_ISBN, BOOKS_BY_GENRE, Book, Condition, Cover, FilmFormat, Genre, INVENTORY_BY_BOOK,
    InventoryItem, Isbn, ItemKind, PRODUCT_SKU, PRODUCTS_BY_ITEM, PriceChange, Product, Sku,
    sku_key,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogAction {
    ReadCatalog,
    WriteCatalog,
    ReadProducts,
    ReadDeletedProducts,
    WriteProducts,
    ReadPriceHistory,
    ReadViews,
}

/// (action, [anonymous, user, admin, super_admin]): the table above, as the handlers and
/// the role-matrix test read it.
pub const CATALOG_RULES: &[(CatalogAction, [bool; 4])] = {
    use CatalogAction::*;
    &[
        (ReadCatalog, [false, true, true, true]),
        (WriteCatalog, [false, false, true, true]),
        (ReadProducts, [true, true, true, true]),
        (ReadDeletedProducts, [false, false, true, true]),
        (WriteProducts, [false, false, true, true]),
        (ReadPriceHistory, [false, false, true, true]),
        (ReadViews, [false, false, true, true]),
    ]
};

/// Whether `role` (`None`: anonymous) may do `action`.
pub fn may(role: Option<Role>, action: CatalogAction) -> bool {
    let column = match role {
        None => 0,
        Some(Role::User) => 1,
        Some(Role::Admin) => 2,
        Some(Role::SuperAdmin) => 3,
    };
    CATALOG_RULES.iter().find(|(a, _)| *a == action).is_some_and(|(_, allowed)| allowed[column])
}

/// 401 for an anonymous caller who would need to log in, 403 for a role that may not.
pub fn require(caller: Option<&AuthUser>, action: CatalogAction) -> ApiResult<()> {
    let role = caller.map(|c| c.user.role);
    if may(role, action) {
        return Ok(());
    }
    match role {
        None => Err(ApiError::unauthorized("log in first")),
        Some(_) => Err(ApiError::forbidden("only staff may do this")),
    }
}

// ---------------------------------------------------------------------------------------
// Genres
// ---------------------------------------------------------------------------------------

pub struct GenreFields {
    pub name: String,
    pub description: Option<String>,
}

#[derive(Default)]
pub struct GenrePatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

pub fn create_genre(w: &mut WriteTx<'_>, f: &GenreFields) -> ApiResult<Genre> {
    let genre = Genre {
        id: w.next_id(Genre::TABLE)?,
        name: f.name.clone(),
        description: f.description.clone(),
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    w.insert(&genre)?;
    Ok(genre)
}

pub fn update_genre(w: &mut WriteTx<'_>, id: u64, p: &GenrePatch) -> ApiResult<Genre> {
    let mut genre: Genre = w.get(id)?.ok_or_else(|| ApiError::not_found("genre"))?;
    if let Some(n) = &p.name {
        genre.name = n.clone();
    }
    if let Some(d) = &p.description {
        genre.description = d.clone();
    }
    genre.updated_at_ms = w.now_ms();
    w.update(&genre)?;
    Ok(genre)
}

/// Refused while books are in the genre: taking it off them is an edit of each book.
pub fn delete_genre(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    if w.get::<Genre>(id)?.is_none() {
        return Err(ApiError::not_found("genre"));
    }
    if !w.scan(BOOKS_BY_GENRE, &id.to_be_bytes(), None, 1, false)?.is_empty() {
        return Err(ApiError::conflict(
            None,
            "books are still in this genre; take it off them first",
        ));
    }
    w.remove::<Genre>(id)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Books
// ---------------------------------------------------------------------------------------

pub struct BookFields {
    pub title: String,
    pub authors: Vec<String>,
    pub isbn: Isbn,
    pub description: Option<String>,
    pub year: Option<i32>,
    pub language: Option<String>,
    pub genre_ids: Vec<u64>,
}

#[derive(Default)]
pub struct BookPatch {
    pub title: Option<String>,
    pub authors: Option<Vec<String>>,
    pub isbn: Option<Isbn>,
    pub description: Option<Option<String>>,
    pub year: Option<Option<i32>>,
    pub language: Option<Option<String>>,
    pub genre_ids: Option<Vec<u64>>,
}

/// Every id names a genre that exists (checked in the writer, so a genre deleted a moment
/// ago cannot be linked).
fn check_genres(r: &impl Reader, ids: &[u64]) -> ApiResult<()> {
    for &g in ids {
        if r.get::<Genre>(g)?.is_none() {
            return Err(ApiError::invalid("genre_ids", format!("there is no genre {g}")));
        }
    }
    Ok(())
}

pub fn create_book(w: &mut WriteTx<'_>, f: &BookFields) -> ApiResult<Book> {
    check_genres(w, &f.genre_ids)?;
    // Checked before taking an id so a duplicate ISBN costs no sequence number.
    if w.unique(BOOK_ISBN, f.isbn.as_str())?.is_some() {
        return Err(ApiError::conflict(Some("isbn"), "a book with that ISBN exists"));
    }
    let book = Book {
        id: w.next_id(Book::TABLE)?,
        title: f.title.clone(),
        authors: f.authors.clone(),
        isbn: f.isbn.as_str().to_owned(),
        description: f.description.clone(),
        year: f.year,
        language: f.language.clone(),
        genre_ids: f.genre_ids.clone(),
        cover: None,
        stock: 0,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    w.insert(&book)?;
    Ok(book)
}

pub fn update_book(w: &mut WriteTx<'_>, id: u64, p: &BookPatch) -> ApiResult<Book> {
    let mut book: Book = w.get(id)?.ok_or_else(|| ApiError::not_found("book"))?;
    if let Some(g) = &p.genre_ids {
        check_genres(w, g)?;
        book.genre_ids = g.clone();
    }
    if let Some(t) = &p.title {
        book.title = t.clone();
    }
    if let Some(a) = &p.authors {
        book.authors = a.clone();
    }
    if let Some(i) = &p.isbn {
        book.isbn = i.as_str().to_owned();
    }
    if let Some(d) = &p.description {
        book.description = d.clone();
    }
    if let Some(y) = p.year {
        book.year = y;
    }
    if let Some(l) = &p.language {
        book.language = l.clone();
    }
    book.updated_at_ms = w.now_ms();
    w.update(&book)?;
    Ok(book)
}

/// Refused while inventory refers to the book.
pub fn delete_book(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    if w.get::<Book>(id)?.is_none() {
        return Err(ApiError::not_found("book"));
    }
    let items = w.scan(INVENTORY_BY_BOOK, &id.to_be_bytes(), None, 1000, false)?;
    if !items.is_empty() {
        let ids: Vec<String> = items.iter().take(10).map(|(_, i)| i.to_string()).collect();
        return Err(ApiError::conflict(
            None,
            format!(
                "{} inventory item(s) still refer to this book (ids {}); delete them first",
                items.len(),
                ids.join(", ")
            ),
        ));
    }
    w.remove::<Book>(id)?;
    Ok(())
}

pub fn set_cover(w: &mut WriteTx<'_>, id: u64, bytes: &[u8], mime: &str) -> ApiResult<Book> {
    let mut book: Book = w.get(id)?.ok_or_else(|| ApiError::not_found("book"))?;
    let hash = w.put_blob(bytes)?;
    book.cover = Some(Cover { hash, mime: mime.to_owned(), bytes: bytes.len() as u64 });
    book.updated_at_ms = w.now_ms();
    w.update(&book)?;
    Ok(book)
}

/// Sets a book's stock to the sum of its inventory lines. Called by every inventory write
/// that touches the book, in the same job.
fn restock(w: &mut WriteTx<'_>, book_id: u64) -> ApiResult<()> {
    let Some(mut book) = w.get::<Book>(book_id)? else { return Ok(()) };
    let mut stock = 0u64;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let entries =
            w.scan(INVENTORY_BY_BOOK, &book_id.to_be_bytes(), after.as_deref(), 512, false)?;
        for (_, item_id) in &entries {
            if let Some(item) = w.get::<InventoryItem>(*item_id)? {
                stock += u64::from(item.quantity);
            }
        }
        match entries.last() {
            Some((k, _)) if entries.len() == 512 => after = Some(k.clone()),
            _ => break,
        }
    }
    if book.stock != stock {
        book.stock = stock;
        w.update(&book)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Inventory
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
pub struct ItemFields {
    pub kind: ItemKind,
    pub book_id: Option<u64>,
    pub title: Option<String>,
    pub director: Option<String>,
    pub year: Option<i32>,
    pub format: Option<FilmFormat>,
    pub condition: Condition,
    pub shelf: Option<String>,
    pub quantity: u32,
    pub rentable: bool,
}

#[derive(Default)]
pub struct ItemPatch {
    pub kind: Option<ItemKind>,
    pub book_id: Option<Option<u64>>,
    pub title: Option<Option<String>>,
    pub director: Option<Option<String>>,
    pub year: Option<Option<i32>>,
    pub format: Option<Option<FilmFormat>>,
    pub condition: Option<Condition>,
    pub shelf: Option<Option<String>>,
    pub quantity: Option<u32>,
    pub rentable: Option<bool>,
}

/// The fields that go with each kind: a book line names an existing book and nothing of a
/// film; a film has a title and a format; anything else has a title.
fn check_item(r: &impl Reader, i: &InventoryItem) -> ApiResult<()> {
    let film_field = |i: &InventoryItem| {
        if i.director.is_some() {
            Some("director")
        } else if i.format.is_some() {
            Some("format")
        } else {
            None
        }
    };
    match i.kind {
        ItemKind::Book => {
            let book = i
                .book_id
                .ok_or_else(|| ApiError::invalid("book_id", "a book line needs a book_id"))?;
            if r.get::<Book>(book)?.is_none() {
                return Err(ApiError::invalid("book_id", format!("there is no book {book}")));
            }
            if let Some(f) = film_field(i).or(i.title.as_ref().map(|_| "title")) {
                return Err(ApiError::invalid(f, "a book line takes its title from the book"));
            }
            if i.year.is_some() {
                return Err(ApiError::invalid("year", "a book line takes its year from the book"));
            }
        }
        ItemKind::Film => {
            if i.book_id.is_some() {
                return Err(ApiError::invalid("book_id", "a film line has no book_id"));
            }
            if i.title.is_none() {
                return Err(ApiError::invalid("title", "a film needs a title"));
            }
            if i.format.is_none() {
                return Err(ApiError::invalid(
                    "format",
                    "a film needs a format: DVD, Blu-ray or VHS",
                ));
            }
        }
        ItemKind::Other => {
            if i.book_id.is_some() {
                return Err(ApiError::invalid("book_id", "only book lines have a book_id"));
            }
            if i.title.is_none() {
                return Err(ApiError::invalid("title", "say what the item is in title"));
            }
            if let Some(f) = film_field(i) {
                return Err(ApiError::invalid(f, "only films have a director and a format"));
            }
        }
    }
    Ok(())
}

pub fn create_item(w: &mut WriteTx<'_>, f: &ItemFields) -> ApiResult<InventoryItem> {
    let mut item = InventoryItem {
        id: 0,
        kind: f.kind,
        book_id: f.book_id,
        title: f.title.clone(),
        director: f.director.clone(),
        year: f.year,
        format: f.format,
        condition: f.condition,
        shelf: f.shelf.clone(),
        quantity: f.quantity,
        rentable: f.rentable,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    check_item(w, &item)?;
    item.id = w.next_id(InventoryItem::TABLE)?;
    w.insert(&item)?;
    if let Some(b) = item.book_id {
        restock(w, b)?;
    }
    Ok(item)
}

pub fn update_item(w: &mut WriteTx<'_>, id: u64, p: &ItemPatch) -> ApiResult<InventoryItem> {
    let old: InventoryItem = w.get(id)?.ok_or_else(|| ApiError::not_found("inventory item"))?;
    let mut item = old.clone();
    if let Some(k) = p.kind {
        item.kind = k;
    }
    if let Some(b) = p.book_id {
        item.book_id = b;
    }
    if let Some(t) = &p.title {
        item.title = t.clone();
    }
    if let Some(d) = &p.director {
        item.director = d.clone();
    }
    if let Some(y) = p.year {
        item.year = y;
    }
    if let Some(f) = p.format {
        item.format = f;
    }
    if let Some(c) = p.condition {
        item.condition = c;
    }
    if let Some(s) = &p.shelf {
        item.shelf = s.clone();
    }
    if let Some(q) = p.quantity {
        item.quantity = q;
    }
    if let Some(r) = p.rentable {
        item.rentable = r;
    }
    check_item(w, &item)?;
    item.updated_at_ms = w.now_ms();
    w.update(&item)?;
    for b in [old.book_id, item.book_id].into_iter().flatten() {
        restock(w, b)?;
    }
    Ok(item)
}

/// Refused while a product (not deleted) sells this item.
pub fn delete_item(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    let Some(item) = w.get::<InventoryItem>(id)? else {
        return Err(ApiError::not_found("inventory item"));
    };
    if let Some((_, product)) =
        w.scan(PRODUCTS_BY_ITEM, &id.to_be_bytes(), None, 1, false)?.into_iter().next()
    {
        return Err(ApiError::conflict(
            None,
            format!("product {product} sells this item; delete it or unlink it first"),
        ));
    }
    w.remove::<InventoryItem>(id)?;
    if let Some(b) = item.book_id {
        restock(w, b)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------

pub struct ProductFields {
    pub sku: Sku,
    pub name: String,
    pub description: Option<String>,
    pub price_cents: i64,
    pub currency: String,
    pub stock: u32,
    pub inventory_item_id: Option<u64>,
}

#[derive(Default)]
pub struct ProductPatch {
    pub sku: Option<Sku>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    pub stock: Option<u32>,
    pub inventory_item_id: Option<Option<u64>>,
}

fn check_inventory_item(r: &impl Reader, id: Option<u64>) -> ApiResult<()> {
    if let Some(i) = id
        && r.get::<InventoryItem>(i)?.is_none()
    {
        return Err(ApiError::invalid(
            "inventory_item_id",
            format!("there is no inventory item {i}"),
        ));
    }
    Ok(())
}

/// A product that is not deleted.
fn live_product(r: &impl Reader, id: u64) -> ApiResult<Product> {
    r.get::<Product>(id)?
        .filter(|p| p.deleted_at_ms.is_none())
        .ok_or_else(|| ApiError::not_found("product"))
}

pub fn create_product(w: &mut WriteTx<'_>, f: &ProductFields) -> ApiResult<Product> {
    check_inventory_item(w, f.inventory_item_id)?;
    let sku = f.sku.clone().into_inner();
    if w.unique(PRODUCT_SKU, &sku_key(&sku))?.is_some() {
        return Err(ApiError::conflict(Some("sku"), "a product with that SKU exists"));
    }
    let product = Product {
        id: w.next_id(Product::TABLE)?,
        sku,
        name: f.name.clone(),
        description: f.description.clone(),
        price_cents: f.price_cents,
        currency: f.currency.clone(),
        stock: f.stock,
        inventory_item_id: f.inventory_item_id,
        created_by: w.actor(),
        updated_by: w.actor(),
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
        deleted_at_ms: None,
    };
    w.insert(&product)?;
    Ok(product)
}

/// A price change is kept as its own record and announced as an event, in the same job.
pub fn update_product(w: &mut WriteTx<'_>, id: u64, p: &ProductPatch) -> ApiResult<Product> {
    let mut product = live_product(w, id)?;
    if let Some(i) = p.inventory_item_id {
        check_inventory_item(w, i)?;
        product.inventory_item_id = i;
    }
    if let Some(s) = &p.sku {
        product.sku = s.clone().into_inner();
    }
    if let Some(n) = &p.name {
        product.name = n.clone();
    }
    if let Some(d) = &p.description {
        product.description = d.clone();
    }
    if let Some(c) = &p.currency {
        product.currency = c.clone();
    }
    if let Some(s) = p.stock {
        product.stock = s;
    }
    let old_cents = product.price_cents;
    if let Some(c) = p.price_cents {
        product.price_cents = c;
    }
    product.updated_by = w.actor();
    product.updated_at_ms = w.now_ms();
    // Refuses (409 sku) before anything is written.
    w.update(&product)?;
    if product.price_cents != old_cents {
        let change = PriceChange {
            id: w.next_id(PriceChange::TABLE)?,
            product_id: id,
            old_cents,
            new_cents: product.price_cents,
            by: w.actor(),
            at_ms: w.now_ms(),
        };
        w.insert(&change)?;
        emit(w, Event::PriceChanged { product_id: id, old_cents, new_cents: product.price_cents })?;
    }
    Ok(product)
}

/// Soft delete: the product keeps its record and price history, and gives up its SKU by
/// renaming it `<sku>_deleted_<unix seconds>` (with `_<id>` added in the rare case that
/// name is taken, say by a product of the same SKU deleted in the same second).
pub fn delete_product(w: &mut WriteTx<'_>, id: u64) -> ApiResult<Product> {
    let mut product = live_product(w, id)?;
    let mut renamed = format!("{}_deleted_{}", product.sku, w.now_ms().div_euclid(1000));
    if w.unique(PRODUCT_SKU, &sku_key(&renamed))?.is_some_and(|holder| holder != id) {
        renamed = format!("{renamed}_{id}");
    }
    product.sku = renamed;
    product.deleted_at_ms = Some(w.now_ms());
    product.updated_by = w.actor();
    product.updated_at_ms = w.now_ms();
    w.update(&product)?;
    Ok(product)
}
