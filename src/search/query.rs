//! Turning what someone typed into a tantivy query, running it, and showing the results.
//!
//! Hand-made rather than tantivy's QueryParser, so that every word is folded like the index,
//! tolerates typos (one edit from 5 letters, two from 9), the last word matches as a prefix
//! (search as you type), "quoted phrases" match in order, and codes (ISBN, SKU) match with or
//! without their dashes. Every word must match somewhere; title and author matches weigh
//! three times a description match.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::Search;
use super::schema::{Fields, Kind, analyzer, code, tokens};
use crate::catalog::model::Genre;
use crate::store::Reader;

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    /// None: every kind the caller may see.
    pub kinds: Vec<Kind>,
    pub genre: Option<u64>,
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// `books`, `products` or `posts`.
    pub kind: &'static str,
    pub id: u64,
    pub score: f32,
    /// The line a result list shows: a book's title, a product's name, the start of a post.
    pub title: String,
    /// HTML: the matched words in `<b>`, everything else escaped.
    pub snippet: String,
}

#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Facets {
    /// Matching documents by kind.
    pub kind: BTreeMap<String, u64>,
    /// Matching books by genre, the most frequent first.
    pub genre: Vec<GenreCount>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GenreCount {
    /// The genre's id, for the `genre` filter.
    pub id: u64,
    /// The genre's name, to show.
    pub name: String,
    /// Matching books of this genre.
    pub count: u64,
}

impl Facets {
    /// Fills in the genres' names (the index holds only their ids); drops genres that no
    /// longer exist.
    pub fn name_genres(&mut self, r: &impl Reader) -> crate::store::Result<()> {
        let mut named = Vec::with_capacity(self.genre.len());
        for mut g in std::mem::take(&mut self.genre) {
            if let Some(genre) = r.get::<Genre>(g.id)? {
                g.name = genre.name;
                named.push(g);
            }
        }
        self.genre = named;
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub hits: Vec<Hit>,
    pub facets: Facets,
    pub total: usize,
}

/// One word or phrase of the query.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// A whitespace-separated word: its folded tokens and its code form.
    Word {
        tokens: Vec<String>,
        code: String,
    },
    Phrase(Vec<String>),
}

fn parse(q: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for (i, chunk) in q.split('"').enumerate() {
        if i % 2 == 1 {
            let t = tokens(chunk);
            match t.len() {
                0 => {}
                1 => parts.push(Part::Word { code: t[0].clone(), tokens: t }),
                _ => parts.push(Part::Phrase(t)),
            }
        } else {
            for word in chunk.split_whitespace() {
                let t = tokens(word);
                if !t.is_empty() {
                    parts.push(Part::Word { code: code(word), tokens: t });
                }
            }
        }
    }
    parts
}

/// Edits a word of this length may have: one from 5 letters, two from 9.
fn distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

fn boosted(q: Box<dyn Query>, boost: Score) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON { q } else { Box::new(BoostQuery::new(q, boost)) }
}

fn term_q(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// Words so frequent in Spanish and English that alone they say little: next to other
/// words they only add to the score (they are optional), and they never match descriptions
/// or post texts.
const STOP_WORDS: [&str; 36] = [
    "a", "al", "an", "and", "at", "by", "con", "de", "del", "e", "el", "en", "for", "in", "is",
    "la", "las", "lo", "los", "o", "of", "on", "or", "para", "por", "que", "se", "su", "the", "to",
    "u", "un", "una", "unas", "unos", "y",
];

fn is_stop(t: &str) -> bool {
    STOP_WORDS.binary_search(&t).is_ok()
}

/// A single stop word (not a phrase, not part of a code).
fn is_stop_part(p: &Part) -> bool {
    matches!(p, Part::Word { tokens, .. } if tokens.len() == 1 && is_stop(&tokens[0]))
}

/// A prefix shorter than this expands in titles and authors only, not in descriptions and
/// post texts, where three letters match a large share of all words (and documents).
const BODY_PREFIX_MIN: usize = 4;

/// One folded token: exact, fuzzy, and (for the word being typed) prefix matches.
///
/// For the word being typed one automaton per field does both: a prefix within the word's
/// typo distance (`garcia marq` and `garcia mraq` both reach `marquez`), which halves the
/// term-dictionary walks of the last word, the costliest part of a query.
///
/// A stop word matches in titles and authors only: in descriptions and posts it matches
/// nearly everything, and scoring every match is what makes a query slow.
fn token_query(f: &Fields, t: &str, prefix: bool) -> Box<dyn Query> {
    let stop = is_stop(t);
    let all = [(f.title, 3.0), (f.authors, 3.0), (f.body, 1.0)];
    let weighted = if stop { &all[..2] } else { &all[..] };
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for &(field, w) in weighted {
        should.push((Occur::Should, boosted(term_q(field, t), w)));
    }
    if !stop {
        should.push((Occur::Should, term_q(f.codes, t)));
    }
    let d = distance(t);
    for &(field, w) in weighted {
        let term = Term::from_field_text(field, t);
        let q = if prefix {
            if field == f.body && t.chars().count() < BODY_PREFIX_MIN {
                continue;
            }
            FuzzyTermQuery::new_prefix(term, d, true)
        } else if d > 0 {
            FuzzyTermQuery::new(term, d, true)
        } else {
            continue;
        };
        should.push((Occur::Should, boosted(Box::new(q), w * 0.5)));
    }
    Box::new(BooleanQuery::new(should))
}

fn part_query(f: &Fields, part: &Part, last: bool) -> Box<dyn Query> {
    match part {
        Part::Phrase(t) => {
            let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, w) in [(f.title, 3.0), (f.authors, 3.0), (f.body, 1.0)] {
                let terms = t.iter().map(|t| Term::from_field_text(field, t)).collect();
                should.push((Occur::Should, boosted(Box::new(PhraseQuery::new(terms)), w)));
            }
            Box::new(BooleanQuery::new(should))
        }
        Part::Word { tokens, code } => {
            let n = tokens.len();
            let words: Box<dyn Query> = if n == 1 {
                token_query(f, &tokens[0], last)
            } else {
                Box::new(BooleanQuery::new(
                    tokens
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (Occur::Must, token_query(f, t, last && i + 1 == n)))
                        .collect(),
                ))
            };
            let mut should = vec![(Occur::Should, words)];
            if n > 1 {
                should.push((Occur::Should, boosted(term_q(f.codes, code), 3.0)));
            }
            if last && code.len() >= 4 && !is_stop_part(part) {
                let p = FuzzyTermQuery::new_prefix(Term::from_field_text(f.codes, code), 0, true);
                should.push((Occur::Should, Box::new(p)));
            }
            Box::new(BooleanQuery::new(should))
        }
    }
}

fn build(f: &Fields, req: &SearchRequest, parts: &[Part]) -> Box<dyn Query> {
    // Stop words are optional when other words are there to match.
    let only_stop = parts.iter().all(is_stop_part);
    let mut must: Vec<(Occur, Box<dyn Query>)> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let occur = if is_stop_part(p) && !only_stop { Occur::Should } else { Occur::Must };
            (occur, part_query(f, p, i + 1 == parts.len()))
        })
        .collect();
    if must.is_empty() {
        must.push((Occur::Must, Box::new(AllQuery)));
    }
    if req.kinds.len() < Kind::ALL.len() {
        let kinds = req
            .kinds
            .iter()
            .map(|k| {
                let t = Term::from_field_u64(f.kind, *k as u64);
                (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as _)
            })
            .collect();
        must.push((Occur::Must, Box::new(BooleanQuery::new(kinds))));
    }
    if let Some(g) = req.genre {
        let t = Term::from_field_u64(f.genre_ids, g);
        must.push((Occur::Must, Box::new(TermQuery::new(t, IndexRecordOption::Basic))));
    }
    if req.year_from.is_some() || req.year_to.is_some() {
        let bound = |y: Option<i64>| match y {
            Some(y) => Bound::Included(Term::from_field_i64(f.year, y)),
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(req.year_from), bound(req.year_to));
        must.push((Occur::Must, Box::new(range)));
    }
    Box::new(BooleanQuery::new(must))
}

/// Runs a search on the current reader.
pub fn search(s: &Search, req: &SearchRequest) -> tantivy::Result<SearchResult> {
    let f = &s.fields;
    let parts = parse(&req.q);
    let query = build(f, req, &parts);
    let searcher = s.reader.searcher();
    let top = TopDocs::with_limit(req.limit.max(1)).and_offset(req.offset).order_by_score();
    let (top, total, facets) = searcher
        .search(&query, &(top, Count, FacetCollector { kind: "kind", genre: "genre_ids" }))?;
    let matchers = matchers(&parts);
    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let kind = doc
            .get_first(f.kind)
            .and_then(|v| v.as_u64())
            .and_then(Kind::from_u64)
            .unwrap_or(Kind::Book);
        let id = doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0);
        let title = doc.get_first(f.title).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let text = doc.get_first(f.snippet).and_then(|v| v.as_str()).unwrap_or("");
        let snippet = highlight(text, &matchers)
            .or_else(|| highlight(&title, &matchers))
            .unwrap_or_else(|| escape(&cut(text, 0, SNIPPET_CHARS)));
        hits.push(Hit { kind: kind.name(), id, score, title, snippet });
    }
    let mut out = Facets::default();
    for kind in Kind::ALL {
        match facets.kinds.get(kind as usize) {
            Some(&n) if n > 0 => {
                out.kind.insert(kind.name().to_owned(), n);
            }
            _ => {}
        }
    }
    let genres = facets.genres.iter().enumerate().map(|(g, n)| (g as u64, *n));
    out.genre = genres
        .chain(facets.other_genres)
        .filter(|(_, n)| *n > 0)
        .map(|(id, count)| GenreCount { id, name: String::new(), count })
        .collect();
    out.genre.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    Ok(SearchResult { hits, facets: out, total })
}

/// Counts the matching documents by kind and by genre, from the fast fields.
struct FacetCollector {
    kind: &'static str,
    genre: &'static str,
}

/// Genre ids below this are counted in a vector (ids are small and dense); others in a map.
const DENSE_GENRES: u64 = 4096;

/// Counts by kind (indexed by the kind's number) and by genre id.
#[derive(Default)]
struct FacetFruit {
    kinds: [u64; 4],
    genres: Vec<u64>,
    other_genres: HashMap<u64, u64>,
}

impl FacetFruit {
    fn add_genre(&mut self, g: u64, n: u64) {
        if g < DENSE_GENRES {
            let i = g as usize;
            if self.genres.len() <= i {
                self.genres.resize(i + 1, 0);
            }
            self.genres[i] += n;
        } else {
            *self.other_genres.entry(g).or_default() += n;
        }
    }
}

struct FacetSegment {
    kind: Column<u64>,
    genre: Column<u64>,
    counts: FacetFruit,
}

impl Collector for FacetCollector {
    type Fruit = FacetFruit;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let ff = reader.fast_fields();
        Ok(FacetSegment {
            kind: ff.u64(self.kind)?,
            genre: ff.u64(self.genre)?,
            counts: Default::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut out = FacetFruit::default();
        for f in fruits {
            for (k, n) in f.kinds.iter().enumerate() {
                out.kinds[k] += n;
            }
            for (g, n) in f.genres.iter().enumerate() {
                if *n > 0 {
                    out.add_genre(g as u64, *n);
                }
            }
            for (g, n) in f.other_genres {
                out.add_genre(g, n);
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(k) = self.kind.first(doc)
            && let Some(n) = self.counts.kinds.get_mut(k as usize)
        {
            *n += 1;
        }
        for g in self.genre.values_for_doc(doc) {
            self.counts.add_genre(g, 1);
        }
    }

    fn harvest(self) -> FacetFruit {
        self.counts
    }
}

const SNIPPET_CHARS: usize = 160;

/// Which folded tokens of a text count as matched, for highlighting.
struct Matcher {
    token: String,
    prefix: bool,
    distance: u8,
}

fn matchers(parts: &[Part]) -> Vec<Matcher> {
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match p {
            Part::Phrase(t) => out.extend(t.iter().map(|t| Matcher {
                token: t.clone(),
                prefix: false,
                distance: 0,
            })),
            Part::Word { tokens, .. } => {
                let n = tokens.len();
                out.extend(tokens.iter().enumerate().map(|(j, t)| Matcher {
                    token: t.clone(),
                    prefix: last && j + 1 == n,
                    distance: distance(t),
                }))
            }
        }
    }
    out
}

impl Matcher {
    fn matches(&self, token: &str) -> bool {
        token == self.token
            || (self.prefix && token.starts_with(&self.token))
            || (self.distance > 0 && edits(token, &self.token) <= usize::from(self.distance))
    }
}

/// Optimal string alignment distance (a transposition is one edit), by chars.
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// A window of `text` around its first match, the matched words in `<b>`; None when no
/// word of the text matches.
fn highlight(text: &str, matchers: &[Matcher]) -> Option<String> {
    if matchers.is_empty() || text.is_empty() {
        return None;
    }
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut ranges = Vec::new();
    while stream.advance() {
        let t = stream.token();
        if matchers.iter().any(|m| m.matches(&t.text)) {
            ranges.push(t.offset_from..t.offset_to);
        }
    }
    let first = ranges.first()?.start;
    // Start a little before the first match, at a word boundary.
    let back = text[..first].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
    let start = if back == 0 {
        0
    } else {
        text[back..first].find(char::is_whitespace).map_or(back, |i| back + i + 1)
    };
    let end =
        text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| start + i);
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut at = start;
    for r in ranges.iter().filter(|r| r.start >= start && r.end <= end) {
        html.push_str(&escape(&text[at..r.start]));
        html.push_str("<b>");
        html.push_str(&escape(&text[r.clone()]));
        html.push_str("</b>");
        at = r.end;
    }
    html.push_str(&escape(&text[at..end]));
    if end < text.len() {
        html.push('…');
    }
    Some(html)
}

fn cut(text: &str, start: usize, chars: usize) -> String {
    let rest = &text[start..];
    match rest.char_indices().nth(chars) {
        Some((i, _)) => format!("{}…", &rest[..i]),
        None => rest.to_owned(),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_phrases_and_codes() {
        let p = parse(r#"García "cien  años" 978-84-376-0494-7"#);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], Part::Word { tokens: vec!["garcia".into()], code: "garcia".into() });
        assert_eq!(p[1], Part::Phrase(vec!["cien".into(), "anos".into()]));
        match &p[2] {
            Part::Word { code, .. } => assert_eq!(code, "9788437604947"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop("una") && is_stop("the") && !is_stop("soledad"));
    }

    #[test]
    fn typo_distances() {
        assert_eq!(distance("sol"), 0);
        assert_eq!(distance("marques"), 1);
        assert_eq!(distance("gutenberg"), 2);
        assert_eq!(edits("marques", "marquez"), 1);
        assert_eq!(edits("coronle", "coronel"), 1);
    }

    #[test]
    fn highlights_and_escapes() {
        let m = matchers(&parse("soled"));
        let h = highlight("Cien años de <soledad> & más", &m).unwrap_or_default();
        assert_eq!(h, "Cien años de &lt;<b>soledad</b>&gt; &amp; más");
    }
}
