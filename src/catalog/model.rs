//! The catalog's records, their index keys, and the parsed types of their fields.
//!
//! Index keys are byte strings that sort the way the lists read: a prefix (a genre, a book,
//! a product), then the sort key, then the record's id (big-endian, so keys stay unique and
//! ties break by id). A list's cursor is the part of the key after the prefix.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::{ApiError, ApiResult};
use crate::store::Record;

pub const GENRE_NAME: &str = "genres.name";
pub const BOOK_ISBN: &str = "books.isbn";
pub const BOOKS_BY_TITLE: &str = "books.title";
pub const BOOKS_BY_YEAR: &str = "books.year";
/// (genre, book): a genre's books, newest last. With the two below, a genre filter keeps
/// every sort an index scan.
pub const BOOKS_BY_GENRE: &str = "books.genre";
pub const BOOKS_BY_GENRE_TITLE: &str = "books.genre_title";
pub const BOOKS_BY_GENRE_YEAR: &str = "books.genre_year";
/// (a folded word of an author's name, book): the candidates of an author filter.
pub const BOOKS_BY_AUTHOR: &str = "books.author";
pub const INVENTORY_BY_BOOK: &str = "inventory.book";
pub const INVENTORY_BY_KIND: &str = "inventory.kind";
pub const PRODUCT_SKU: &str = "products.sku";
/// Products that are not deleted, by id: what the public list scans.
pub const LIVE_PRODUCTS: &str = "products.live";
/// (inventory item, product) for products that are not deleted.
pub const PRODUCTS_BY_ITEM: &str = "products.inventory";
pub const PRICES_BY_PRODUCT: &str = "price_changes.product";
pub const VIEWS_BY_PRODUCT: &str = "product_views.product";

/// Lower case without diacritics and with single spaces: "  García  MÁRQUEZ" → "garcia marquez".
/// Keys for case- and accent-insensitive uniqueness, sorting and matching.
pub fn fold(s: &str) -> String {
    let folded: String =
        s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn id_key(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

fn pair_key(a: u64, b: u64) -> Vec<u8> {
    let mut k = a.to_be_bytes().to_vec();
    k.extend(b.to_be_bytes());
    k
}

fn prefixed(prefix: u64, rest: Vec<u8>) -> Vec<u8> {
    let mut k = prefix.to_be_bytes().to_vec();
    k.extend(rest);
    k
}

/// The folded words of a book's author names, each once.
pub fn author_words(authors: &[String]) -> std::collections::BTreeSet<String> {
    authors.iter().flat_map(|a| fold(a).split(' ').map(str::to_owned).collect::<Vec<_>>()).collect()
}

/// The author filter: one of `authors` has, for every word of the (folded) query, a word
/// that starts with it. "garcia marq" finds "Gabriel García Márquez".
pub fn author_matches(query: &[String], authors: &[String]) -> bool {
    authors.iter().any(|a| {
        let name = fold(a);
        let words: Vec<&str> = name.split(' ').collect();
        query.iter().all(|q| words.iter().any(|w| w.starts_with(q.as_str())))
    })
}

/// Folded title, a 0 byte (below any character, so "Ana" sorts before "Ana Karenina"), id.
pub fn title_key(title: &str, id: u64) -> Vec<u8> {
    let mut k = fold(title).into_bytes();
    k.push(0);
    k.extend(id.to_be_bytes());
    k
}

/// The year with its sign bit flipped (so negative years sort first), books without a year
/// last, then the id.
pub fn year_key(year: Option<i32>, id: u64) -> Vec<u8> {
    let mut k = year_prefix(year).to_vec();
    k.extend(id.to_be_bytes());
    k
}

pub fn year_prefix(year: Option<i32>) -> [u8; 4] {
    match year {
        Some(y) => ((y as u32) ^ 0x8000_0000).to_be_bytes(),
        None => [0xFF; 4],
    }
}

// ---------------------------------------------------------------------------------------
// Parsed field types
// ---------------------------------------------------------------------------------------

/// An ISBN, always kept as its 13 digits. Parses ISBN-10 and ISBN-13, with or without
/// dashes and spaces, and checks the check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isbn(String);

impl Isbn {
    pub fn parse(s: &str) -> ApiResult<Isbn> {
        let bad = |why: &str| ApiError::invalid("isbn", format!("not a valid ISBN: {why}"));
        let chars: Vec<char> = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
        match chars.len() {
            10 => {
                let mut sum = 0u32;
                for (i, c) in chars.iter().enumerate() {
                    let d = match c {
                        'X' | 'x' if i == 9 => 10,
                        c => c.to_digit(10).ok_or_else(|| bad("only digits (and a final X)"))?,
                    };
                    sum += (10 - i as u32) * d;
                }
                if !sum.is_multiple_of(11) {
                    return Err(bad("the check digit does not match"));
                }
                let body = format!("978{}", chars[..9].iter().collect::<String>());
                let check = isbn13_check(&body).ok_or_else(|| bad("only digits"))?;
                Ok(Isbn(format!("{body}{check}")))
            }
            13 => {
                let digits: String = chars.iter().collect();
                if !digits.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad("only digits"));
                }
                if !(digits.starts_with("978") || digits.starts_with("979")) {
                    return Err(bad("an ISBN-13 starts with 978 or 979"));
                }
                let check = isbn13_check(&digits[..12]).ok_or_else(|| bad("only digits"))?;
                if !digits.ends_with(char::from(b'0' + check)) {
                    return Err(bad("the check digit does not match"));
                }
                Ok(Isbn(digits))
            }
            _ => Err(bad("an ISBN has 10 or 13 digits")),
        }
    }

    /// Makes a valid ISBN-13 from 12 digits (for the demo data).
    pub fn from_body(body12: &str) -> Option<Isbn> {
        let check = isbn13_check(body12)?;
        (body12.len() == 12).then(|| Isbn(format!("{body12}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The ISBN-13 check digit of 12 digits.
fn isbn13_check(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in body.chars().enumerate() {
        let d = c.to_digit(10)?;
        sum += if i % 2 == 0 { d } else { 3 * d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// A stock-keeping unit: 1–64 of `A-Z a-z 0-9 - _ .`, kept as typed, unique regardless of
/// case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub fn parse(s: &str) -> ApiResult<Sku> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 {
            return Err(ApiError::invalid("sku", "a SKU has 1 to 64 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(ApiError::invalid("sku", "a SKU uses only letters, digits, - _ and ."));
        }
        Ok(Sku(s.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The key of a SKU in the unique index.
pub fn sku_key(sku: &str) -> String {
    sku.to_ascii_uppercase()
}

/// An ISO 4217-style currency code: three letters, upper case.
pub fn parse_currency(s: &str) -> ApiResult<String> {
    let s = s.trim();
    if s.len() != 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(ApiError::invalid("currency", "a currency is a three-letter code such as ARS"));
    }
    Ok(s.to_ascii_uppercase())
}

/// A language code such as `es`, `en` or `pt-BR`, kept in lower case.
pub fn parse_language(s: &str) -> ApiResult<String> {
    let s = s.trim();
    let ok = (2..=16).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !ok {
        return Err(ApiError::invalid("language", "a language is a code such as es, en or pt-BR"));
    }
    Ok(s.to_ascii_lowercase())
}

pub const MIN_YEAR: i32 = -3000;
pub const MAX_YEAR: i32 = 2100;

pub fn parse_year(year: i32) -> ApiResult<i32> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(ApiError::invalid("year", format!("a year is from {MIN_YEAR} to {MAX_YEAR}")));
    }
    Ok(year)
}

pub use crate::text::{line, text};

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Genre {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for Genre {
    const TABLE: &'static str = "genres";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(GENRE_NAME, fold(&self.name))]
    }
}

/// A book's cover: a blob in the data file, by its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cover {
    pub hash: String,
    pub mime: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Book {
    pub id: u64,
    pub title: String,
    pub authors: Vec<String>,
    /// 13 digits.
    pub isbn: String,
    pub description: Option<String>,
    pub year: Option<i32>,
    pub language: Option<String>,
    pub genre_ids: Vec<u64>,
    pub cover: Option<Cover>,
    /// Copies on the shelves: the sum of the quantities of the inventory items of this book,
    /// kept up to date by every inventory write.
    pub stock: u64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for Book {
    const TABLE: &'static str = "books";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(BOOK_ISBN, self.isbn.clone())]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let title = title_key(&self.title, self.id);
        let year = year_key(self.year, self.id);
        let mut keys = vec![(BOOKS_BY_TITLE, title.clone()), (BOOKS_BY_YEAR, year.clone())];
        for word in author_words(&self.authors) {
            let mut k = word.into_bytes();
            k.push(0);
            k.extend(self.id.to_be_bytes());
            keys.push((BOOKS_BY_AUTHOR, k));
        }
        for &g in &self.genre_ids {
            keys.push((BOOKS_BY_GENRE, pair_key(g, self.id)));
            keys.push((BOOKS_BY_GENRE_TITLE, prefixed(g, title.clone())));
            keys.push((BOOKS_BY_GENRE_YEAR, prefixed(g, year.clone())));
        }
        keys
    }
}

/// What an inventory line holds. The order is part of the data file: add at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Book,
    Film,
    Other,
}

/// A film's format. The order is part of the data file: add at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum FilmFormat {
    #[serde(rename = "DVD")]
    Dvd,
    #[serde(rename = "Blu-ray")]
    BluRay,
    #[serde(rename = "VHS")]
    Vhs,
}

/// The state of a copy. The order is part of the data file: add at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    New,
    LikeNew,
    #[default]
    Good,
    Fair,
    Poor,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InventoryItem {
    pub id: u64,
    pub kind: ItemKind,
    /// For books.
    pub book_id: Option<u64>,
    /// For films and other items.
    pub title: Option<String>,
    pub director: Option<String>,
    pub year: Option<i32>,
    pub format: Option<FilmFormat>,
    pub condition: Condition,
    pub shelf: Option<String>,
    pub quantity: u32,
    pub rentable: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for InventoryItem {
    const TABLE: &'static str = "inventory";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut kind = vec![self.kind as u8];
        kind.extend(self.id.to_be_bytes());
        let mut keys = vec![(INVENTORY_BY_KIND, kind)];
        if let Some(b) = self.book_id {
            keys.push((INVENTORY_BY_BOOK, pair_key(b, self.id)));
        }
        keys
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: u64,
    /// As typed; `<sku>_deleted_<unix seconds>` once deleted.
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub price_cents: i64,
    pub currency: String,
    pub stock: u32,
    pub inventory_item_id: Option<u64>,
    pub created_by: Option<u64>,
    pub updated_by: Option<u64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted_at_ms: Option<i64>,
}

impl Record for Product {
    const TABLE: &'static str = "products";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(PRODUCT_SKU, sku_key(&self.sku))]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        if self.deleted_at_ms.is_some() {
            return Vec::new();
        }
        let mut keys = vec![(LIVE_PRODUCTS, id_key(self.id))];
        if let Some(item) = self.inventory_item_id {
            keys.push((PRODUCTS_BY_ITEM, pair_key(item, self.id)));
        }
        keys
    }
}

/// One change of a product's price, kept for good (also after the product is deleted).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceChange {
    pub id: u64,
    pub product_id: u64,
    pub old_cents: i64,
    pub new_cents: i64,
    pub by: Option<u64>,
    pub at_ms: i64,
}

impl Record for PriceChange {
    const TABLE: &'static str = "price_changes";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(PRICES_BY_PRODUCT, pair_key(self.product_id, self.id))]
    }
}

/// Who looked at a product. Anonymous visitor ids are kept as a 64-bit hash: compact, and
/// the client's string never reaches the data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Viewer {
    User(u64),
    Visitor(u64),
}

/// One view of a product. Not in the change log: no subscriber cares, and views are the
/// most frequent write there is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductView {
    pub id: u64,
    pub product_id: u64,
    pub at_ms: i64,
    pub viewer: Viewer,
}

impl Record for ProductView {
    const TABLE: &'static str = "product_views";
    const VERSION: u8 = 1;
    const LOGGED: bool = false;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut k = self.product_id.to_be_bytes().to_vec();
        k.extend((self.at_ms.max(0) as u64).to_be_bytes());
        k.extend(self.id.to_be_bytes());
        vec![(VIEWS_BY_PRODUCT, k)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        assert_eq!(fold("  García  MÁRQUEZ "), "garcia marquez");
        assert_eq!(fold("Ciencia Ficción"), fold("ciencia ficcion"));
        assert_eq!(fold("Año"), "ano");
        assert_eq!(fold("Ünïcödé"), "unicode");
    }

    #[test]
    fn isbns() {
        // ISBN-13 as printed, with dashes or spaces, or bare.
        for ok in ["978-0-306-40615-7", "978 0 306 40615 7", "9780306406157"] {
            assert_eq!(Isbn::parse(ok).unwrap().as_str(), "9780306406157", "{ok}");
        }
        // ISBN-10 becomes its ISBN-13.
        assert_eq!(Isbn::parse("0-306-40615-2").unwrap().as_str(), "9780306406157");
        assert_eq!(Isbn::parse("0-8044-2957-X").unwrap().as_str(), "9780804429573");
        assert_eq!(Isbn::parse("080442957x").unwrap().as_str(), "9780804429573");
        for bad in [
            "978-0-306-40615-8", // check digit
            "0-306-40615-3",     // check digit
            "123",
            "97803064061577",
            "abcdefghij",
            "X-306-40615-2",
            "9770306406157", // not a book prefix
            "",
        ] {
            assert_eq!(Isbn::parse(bad).unwrap_err().field.as_deref(), Some("isbn"), "{bad}");
        }
        assert_eq!(Isbn::from_body("978030640615").unwrap().as_str(), "9780306406157");
    }

    #[test]
    fn skus() {
        assert_eq!(Sku::parse(" LIB-0001 ").unwrap().into_inner(), "LIB-0001");
        assert_eq!(sku_key("lib-0001"), sku_key("LIB-0001"));
        for bad in ["", "   ", "a b", "ñ", &"x".repeat(65), "a/b"] {
            assert_eq!(Sku::parse(bad).unwrap_err().field.as_deref(), Some("sku"), "{bad:?}");
        }
    }

    #[test]
    fn small_fields() {
        assert_eq!(parse_currency("ars").unwrap(), "ARS");
        assert!(parse_currency("peso").is_err());
        assert_eq!(parse_language("pt-BR").unwrap(), "pt-br");
        assert!(parse_language("e").is_err());
        assert!(parse_language("1a").is_err());
        assert!(parse_year(1605).is_ok());
        assert!(parse_year(99999).is_err());
        assert!(line("title", "  ", 10).is_err());
        assert!(line("title", "a\nb", 10).is_err());
        assert_eq!(text("d", Some("  "), 10).unwrap(), None);
        assert!(text("d", Some("a\nb"), 10).unwrap().is_some());
    }

    #[test]
    fn authors_match_by_word_starts() {
        let authors = vec!["Gabriel García Márquez".to_owned(), "Otro".to_owned()];
        let q = |s: &str| fold(s).split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert!(author_matches(&q("garcia MARQ"), &authors));
        assert!(author_matches(&q("márquez gabriel"), &authors));
        assert!(!author_matches(&q("arquez"), &authors));
        assert!(!author_matches(&q("gabriel otro"), &authors), "words of one author");
        assert_eq!(author_words(&authors).len(), 4);
    }

    #[test]
    fn keys_sort_as_lists_read() {
        assert!(title_key("Ana", 9) < title_key("Ana Karenina", 1));
        assert!(title_key("Álgebra", 5) < title_key("Bosque", 1));
        assert!(year_key(Some(-500), 9) < year_key(Some(1), 1));
        assert!(year_key(Some(1999), 9) < year_key(Some(2000), 1));
        assert!(year_key(Some(2100), 9) < year_key(None, 1));
    }
}
