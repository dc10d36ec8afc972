//! One schema for books, products and posts; the folding analyzer; record → document.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, TantivyDocument};

use crate::accounts::User;
use crate::catalog::model::{Book, Genre, Product};
use crate::community::Post;
use crate::store::Reader;

/// The analyzer of every text field: words, lower-cased, accents folded (García → garcia,
/// años → anos).
pub const ANALYZER: &str = "barrio_fold";

/// The kinds of document, as the `kind` field stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Book = 1,
    Product = 2,
    Post = 3,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Book, Kind::Product, Kind::Post];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Book => "books",
            Kind::Product => "products",
            Kind::Post => "posts",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn from_u64(n: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| *k as u64 == n)
    }

    /// The unique key of a document: `books:42`.
    pub fn key(self, id: u64) -> String {
        format!("{}:{id}", self.name())
    }
}

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Splits and folds text exactly as the index does.
pub fn tokens(text: &str) -> Vec<String> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// A code (ISBN, SKU) as one token: letters and digits only, lower-cased.
pub fn code(text: &str) -> String {
    tokens(text).concat()
}

pub fn build() -> Schema {
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { o.set_stored() } else { o }
    };
    let mut b = Schema::builder();
    b.add_text_field("key", STRING);
    b.add_u64_field("kind", INDEXED | FAST | STORED);
    b.add_u64_field("id", FAST | STORED);
    b.add_text_field("title", text(true));
    b.add_text_field("authors", text(false));
    b.add_text_field("body", text(false));
    b.add_text_field("codes", text(false));
    b.add_u64_field("genre_ids", INDEXED | FAST);
    b.add_i64_field("year", INDEXED | FAST);
    b.add_text_field("snippet", TextOptions::default().set_stored());
    b.build()
}

pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub key: Field,
    pub kind: Field,
    pub id: Field,
    pub title: Field,
    pub authors: Field,
    pub body: Field,
    pub codes: Field,
    pub genre_ids: Field,
    pub year: Field,
    pub snippet: Field,
}

impl Fields {
    pub fn of(s: &Schema) -> tantivy::Result<Fields> {
        Ok(Fields {
            key: s.get_field("key")?,
            kind: s.get_field("kind")?,
            id: s.get_field("id")?,
            title: s.get_field("title")?,
            authors: s.get_field("authors")?,
            body: s.get_field("body")?,
            codes: s.get_field("codes")?,
            genre_ids: s.get_field("genre_ids")?,
            year: s.get_field("year")?,
            snippet: s.get_field("snippet")?,
        })
    }

    fn doc(&self, kind: Kind, id: u64) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.key, kind.key(id));
        d.add_u64(self.kind, kind as u64);
        d.add_u64(self.id, id);
        d
    }

    pub fn book(&self, r: &impl Reader, b: &Book) -> crate::store::Result<TantivyDocument> {
        let mut d = self.doc(Kind::Book, b.id);
        d.add_text(self.title, &b.title);
        d.add_text(self.authors, b.authors.join(", "));
        let mut body = b.description.clone().unwrap_or_default();
        for g in &b.genre_ids {
            d.add_u64(self.genre_ids, *g);
            if let Some(genre) = r.get::<Genre>(*g)? {
                body.push_str(" \n");
                body.push_str(&genre.name);
            }
        }
        if let Some(l) = &b.language {
            body.push_str(" \n");
            body.push_str(l);
        }
        d.add_text(self.body, &body);
        let mut codes = code(&b.isbn);
        if let Some(ten) = isbn10(&b.isbn) {
            codes.push(' ');
            codes.push_str(&ten);
        }
        d.add_text(self.codes, codes);
        if let Some(y) = b.year {
            d.add_i64(self.year, i64::from(y));
        }
        d.add_text(self.snippet, b.description.as_deref().unwrap_or(""));
        Ok(d)
    }

    /// None for a deleted product: it is not searchable.
    pub fn product(&self, p: &Product) -> Option<TantivyDocument> {
        if p.deleted_at_ms.is_some() {
            return None;
        }
        let mut d = self.doc(Kind::Product, p.id);
        d.add_text(self.title, &p.name);
        d.add_text(self.body, p.description.as_deref().unwrap_or(""));
        d.add_text(self.codes, format!("{} {}", code(&p.sku), p.sku));
        d.add_text(self.snippet, p.description.as_deref().unwrap_or(""));
        Some(d)
    }

    /// None when the author is gone: a deleted account's posts are not searchable.
    pub fn post(&self, r: &impl Reader, p: &Post) -> crate::store::Result<Option<TantivyDocument>> {
        let Some(author) = r.get::<User>(p.author_id)? else { return Ok(None) };
        let mut d = self.doc(Kind::Post, p.id);
        d.add_text(self.title, post_title(&p.text));
        d.add_text(self.authors, &author.username);
        d.add_text(self.body, &p.text);
        d.add_text(self.snippet, &p.text);
        Ok(Some(d))
    }
}

/// The line a result list shows for a post: its start, cut at a word.
pub fn post_title(text: &str) -> String {
    const MAX: usize = 80;
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= MAX {
        return line.to_owned();
    }
    let cut: String = line.chars().take(MAX).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > MAX / 2 => cut[..i].to_owned(),
        _ => cut,
    };
    format!("{}…", cut.trim_end())
}

/// The ISBN-10 of a 978 ISBN-13, so a code typed from an older book matches too.
pub fn isbn10(isbn13: &str) -> Option<String> {
    let digits: Vec<u32> = isbn13.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if digits.len() != 13 || digits[..3] != [9, 7, 8] {
        return None;
    }
    let body = &digits[3..12];
    let sum: u32 = body.iter().enumerate().map(|(i, d)| (10 - i as u32) * d).sum();
    let check = (11 - sum % 11) % 11;
    let mut s: String = body.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    s.push(if check == 10 { 'x' } else { char::from(b'0' + check as u8) });
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(tokens("García Márquez, Cien AÑOS"), ["garcia", "marquez", "cien", "anos"]);
    }

    #[test]
    fn codes_and_isbn10() {
        assert_eq!(code("978-84-376-0494-7"), "9788437604947");
        assert_eq!(isbn10("9788437604947").as_deref(), Some("843760494x"));
        assert_eq!(isbn10("9780306406157").as_deref(), Some("0306406152"));
    }
}
