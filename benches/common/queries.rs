//! What people type into the search box, generated from the shop's own books: shared by the
//! search, load and hot-path benches (`#[path]`-included; not a bench target).

/// A small seeded xorshift RNG, so every run asks the same queries.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One typo in a word of 5+ letters (shorter words get none, as the search tolerates none
/// there): two neighbours swapped, a letter replaced, dropped or doubled.
pub fn typo(word: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = word.chars().collect();
    if c.len() < 5 {
        return word.to_owned();
    }
    let i = 1 + rng.below(c.len() - 2);
    match rng.below(4) {
        0 => c.swap(i, i + 1),
        1 => c[i] = char::from(b'a' + rng.below(26) as u8),
        2 => {
            c.remove(i);
        }
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.chars().count() >= 3)
        .collect()
}

/// `n` queries of 1–3 words about `books` (title, authors): a third title words with a typo,
/// a third an author's surname with a typo (half of them with a title word), a third title
/// words as typed so far (the last word cut to 3+ letters, an earlier one maybe misspelt).
pub fn queries(books: &[(String, Vec<String>)], n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !books.is_empty() {
        let (title, authors) = &books[rng.below(books.len())];
        let t = words(title);
        if t.is_empty() {
            continue;
        }
        let k = 1 + rng.below(3.min(t.len()));
        let start = rng.below(t.len() + 1 - k);
        let mut q: Vec<String> = t[start..start + k].iter().map(|w| w.to_string()).collect();
        match rng.below(3) {
            0 => {
                let i = rng.below(q.len());
                q[i] = typo(&q[i], &mut rng);
            }
            1 => {
                let author = authors.first().map(String::as_str).unwrap_or("");
                let surname = author.rsplit(' ').next().unwrap_or(author);
                let mut s = vec![typo(surname, &mut rng)];
                if rng.below(2) == 0 {
                    s.push(t[rng.below(t.len())].to_owned());
                }
                q = s;
            }
            _ => {
                let last = q.len() - 1;
                if last > 0 && rng.below(2) == 0 {
                    let i = rng.below(last);
                    q[i] = typo(&q[i], &mut rng);
                }
                let chars: Vec<char> = q[last].chars().collect();
                if chars.len() > 3 {
                    let keep = 3 + rng.below(chars.len() - 3);
                    q[last] = chars[..keep].iter().collect();
                }
            }
        }
        out.push(q.join(" "));
    }
    out
}

/// The `p` quantile (0–1) of `v` in milliseconds.
pub fn pct_ms(v: &mut [std::time::Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

/// The median of some figures.
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `q` for a URL query string.
pub fn url_encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
