//! `barrio demo`: a realistic shop, generated from word lists by a seeded RNG, so that a
//! newcomer sees a living shop and the benches have data. Same seed, same shop.
//!
//! Records go in through the writer in jobs of [`BATCH`] books (with their inventory lines
//! and products, about three records and ten index entries per book). Measured here: 30,000
//! books take 10.7 s in jobs of 500 books and 5.6 s in jobs of 2,000, because every commit
//! rewrites the pages it touched in the title and genre indexes, whose keys are scattered.
//! The demo runs on a stopped server, so a long job keeps nobody waiting.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::model::{
    Book, Condition, FilmFormat, Genre, InventoryItem, Isbn, ItemKind, PriceChange, Product,
};
use crate::accounts::{AccountForm, Password, User, Username, create_account};
use crate::auth::{Passwords, Role};
use crate::store::{Reader, Record, Store, StoreError, WriteTx};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "barrio-demo";
/// Books per write job.
pub const BATCH: usize = 2000;

/// What the demo loaded.
#[derive(Debug, Default)]
pub struct Summary {
    pub accounts: Vec<(String, Role)>,
    pub genres: usize,
    pub books: usize,
    pub films: usize,
    pub inventory: usize,
    pub products: usize,
    pub price_changes: usize,
}

const GENRES: [(&str, &str); 20] = [
    ("Novela", "Narrativa de largo aliento, clásica y contemporánea."),
    ("Cuento", "Relatos breves y antologías."),
    ("Poesía", "Poemarios, antologías y obra reunida."),
    ("Ensayo", "Pensamiento, crítica y crónica."),
    ("Ciencia ficción", "Futuros posibles e imposibles."),
    ("Fantasía", "Mundos inventados, magia y épica."),
    ("Policial", "Crímenes, detectives y misterio."),
    ("Terror", "Lo que asusta, de lo gótico a lo moderno."),
    ("Romance", "Historias de amor."),
    ("Historia", "Historia argentina, latinoamericana y universal."),
    ("Biografía", "Vidas, memorias y autobiografías."),
    ("Infantil", "Para los más chicos."),
    ("Juvenil", "Para lectores adolescentes."),
    ("Filosofía", "De los presocráticos a hoy."),
    ("Ciencia", "Divulgación científica."),
    ("Cocina", "Recetas y cultura gastronómica."),
    ("Viajes", "Guías y literatura de viaje."),
    ("Arte", "Pintura, fotografía, diseño y arquitectura."),
    ("Historieta", "Cómics, novelas gráficas y humor gráfico."),
    ("Teatro", "Obras dramáticas."),
];

const ES_NOUNS_M: &[&str] = &[
    "silencio",
    "río",
    "jardín",
    "invierno",
    "viaje",
    "puerto",
    "espejo",
    "laberinto",
    "viento",
    "olvido",
    "barrio",
    "tango",
    "desierto",
    "secreto",
    "verano",
    "bosque",
    "faro",
    "regreso",
    "sueño",
    "exilio",
    "camino",
    "patio",
    "fuego",
    "mar",
    "tiempo",
    "otoño",
    "muelle",
    "horizonte",
];
const ES_NOUNS_F: &[&str] = &[
    "noche",
    "casa",
    "ciudad",
    "memoria",
    "sombra",
    "lluvia",
    "tierra",
    "frontera",
    "luz",
    "herida",
    "isla",
    "llanura",
    "promesa",
    "estación",
    "carta",
    "vuelta",
    "niebla",
    "orilla",
    "ventana",
    "montaña",
    "pampa",
    "tormenta",
    "familia",
    "soledad",
    "huella",
    "distancia",
];
const ES_ADJ_M: &[&str] = &[
    "perdido", "último", "oscuro", "infinito", "blanco", "secreto", "lejano", "dormido", "antiguo",
    "callado", "roto", "eterno", "salvaje", "breve", "quieto",
];
const ES_ADJ_F: &[&str] = &[
    "perdida", "última", "oscura", "infinita", "blanca", "secreta", "lejana", "dormida", "antigua",
    "callada", "rota", "eterna", "salvaje", "breve", "quieta",
];
const ES_PLACES: &[&str] = &[
    "Buenos Aires",
    "Rosario",
    "Córdoba",
    "Mendoza",
    "la Patagonia",
    "Montevideo",
    "Valparaíso",
    "Macondo",
    "Boedo",
    "San Telmo",
    "Tucumán",
    "Ushuaia",
    "Salta",
    "la Boca",
    "Tandil",
    "Bahía Blanca",
    "Santa Fe",
    "el Delta",
    "La Plata",
    "Mar del Plata",
];
const ES_FIRST: &[&str] = &[
    "María",
    "Juan",
    "Lucía",
    "Martín",
    "Sofía",
    "Diego",
    "Valentina",
    "Joaquín",
    "Camila",
    "Santiago",
    "Florencia",
    "Mateo",
    "Julieta",
    "Tomás",
    "Agustina",
    "Ramón",
    "Elena",
    "Andrés",
    "Carmen",
    "Ignacio",
    "Mercedes",
    "Gonzalo",
    "Inés",
    "Facundo",
    "Rocío",
    "Esteban",
    "Pilar",
    "Hernán",
    "Victoria",
    "Ernesto",
    "Silvina",
    "Horacio",
    "Guadalupe",
    "Adolfo",
    "Ana",
    "José",
];
const ES_LAST: &[&str] = &[
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Pérez",
    "Gómez",
    "Sánchez",
    "Díaz",
    "Álvarez",
    "Romero",
    "Sosa",
    "Benítez",
    "Ocampo",
    "Quiroga",
    "Sábato",
    "Cortázar",
    "Arlt",
    "Pizarnik",
    "Storni",
    "Walsh",
    "Saer",
    "Piglia",
    "Aira",
    "Guerriero",
    "Castillo",
    "Núñez",
    "Ibáñez",
    "Acuña",
    "Peñaloza",
    "Medina",
    "Herrera",
    "Aguirre",
    "Ríos",
];
const EN_NOUNS: &[&str] = &[
    "River",
    "Garden",
    "Winter",
    "Harbor",
    "Mirror",
    "Labyrinth",
    "Wind",
    "Silence",
    "House",
    "City",
    "Memory",
    "Shadow",
    "Rain",
    "Island",
    "Lighthouse",
    "Promise",
    "Letter",
    "Storm",
    "Orchard",
    "Station",
    "Frontier",
    "Forest",
    "Bridge",
    "Tide",
    "Night",
    "Summer",
    "Road",
    "Kingdom",
    "Stranger",
    "Clockmaker",
    "Daughter",
    "Winterhouse",
    "Map",
    "Harvest",
];
const EN_ADJ: &[&str] = &[
    "Lost",
    "Last",
    "Dark",
    "Silent",
    "White",
    "Hidden",
    "Distant",
    "Sleeping",
    "Ancient",
    "Broken",
    "Endless",
    "Wild",
    "Quiet",
    "Golden",
    "Burning",
    "Forgotten",
    "Secret",
    "Small",
];
const EN_PLACES: &[&str] = &[
    "London",
    "Dublin",
    "Boston",
    "the North",
    "Yorkshire",
    "Maine",
    "the Valley",
    "Brooklyn",
    "Cornwall",
    "the Sea",
    "Edinburgh",
    "Vermont",
    "the Moors",
    "Savannah",
    "the Bay",
];
const EN_FIRST: &[&str] = &[
    "Emily",
    "James",
    "Charlotte",
    "Henry",
    "Margaret",
    "Thomas",
    "Virginia",
    "George",
    "Alice",
    "William",
    "Edith",
    "Samuel",
    "Harriet",
    "Oliver",
    "Rose",
    "Arthur",
    "Grace",
    "Daniel",
    "Eleanor",
    "Jack",
    "Ruth",
    "Walter",
    "Iris",
    "Joseph",
    "Clara",
    "Patrick",
    "Hannah",
    "Ray",
];
const EN_LAST: &[&str] = &[
    "Smith",
    "Brontë",
    "Hardy",
    "Woolf",
    "Carver",
    "Atwood",
    "Baldwin",
    "Morrison",
    "Orwell",
    "Austen",
    "Dickens",
    "Munro",
    "Ishiguro",
    "Le Guin",
    "Bradbury",
    "Hughes",
    "Walker",
    "Fitzgerald",
    "Shelley",
    "Eliot",
    "Cather",
    "O'Connor",
    "Steinbeck",
    "Whitman",
    "Keller",
    "Bishop",
    "Lowell",
    "Hemingway",
    "Joyce",
    "Wells",
    "Stevenson",
    "Doyle",
    "Christie",
];
const FILM_WORDS_ES: &[&str] = &[
    "La historia oficial",
    "Nueve reinas",
    "El secreto de sus ojos",
    "Relatos salvajes",
    "La ciénaga",
    "Esperando la carroza",
    "El hijo de la novia",
    "Camila",
    "Tiempo de revancha",
    "Sur",
    "La tregua",
    "Plata dulce",
    "Luna de Avellaneda",
    "El aura",
    "Whisky",
    "Kamchatka",
];
const FILM_WORDS_EN: &[&str] = &[
    "Night", "Heat", "Harbor", "Echo", "Stranger", "Run", "Horizon", "Signal", "Ghost", "Paper",
    "Moon", "Tide", "Station", "Hunter", "Mirror", "Silence", "Crossing", "Empire",
];
const OTHER_ITEMS: &[&str] = &[
    "Señalador de cuero",
    "Bolsa de tela Barrio",
    "Lámpara de lectura",
    "Agenda 2027",
    "Taza \"Un libro más\"",
    "Funda para libros",
    "Lapicera pluma",
    "Póster de cine clásico",
];

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words.get(rng.random_range(0..words.len())).copied().unwrap_or_default()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn spanish_title(rng: &mut StdRng) -> String {
    match rng.random_range(0..9) {
        0 => format!("El {} de {}", pick(rng, ES_NOUNS_M), pick(rng, ES_PLACES)),
        1 => format!("La {} {}", pick(rng, ES_NOUNS_F), pick(rng, ES_ADJ_F)),
        2 => format!("El {} {}", pick(rng, ES_NOUNS_M), pick(rng, ES_ADJ_M)),
        3 => format!("Crónica de la {} {}", pick(rng, ES_NOUNS_F), pick(rng, ES_ADJ_F)),
        4 => format!("Cien años de {}", pick(rng, ES_NOUNS_F)),
        5 => format!("Una {} en {}", pick(rng, ES_NOUNS_F), pick(rng, ES_PLACES)),
        6 => format!("Los días del {}", pick(rng, ES_NOUNS_M)),
        7 => format!("Memorias de {}", pick(rng, ES_FIRST)),
        _ => capitalize(&format!("{} y {}", pick(rng, ES_NOUNS_M), pick(rng, ES_NOUNS_F))),
    }
}

fn english_title(rng: &mut StdRng) -> String {
    match rng.random_range(0..8) {
        0 => format!("The {} {}", pick(rng, EN_ADJ), pick(rng, EN_NOUNS)),
        1 => format!("{} of {}", pick(rng, EN_NOUNS), pick(rng, EN_PLACES)),
        2 => format!("A {} in {}", pick(rng, EN_NOUNS), pick(rng, EN_PLACES)),
        3 => format!("The {}'s {}", pick(rng, EN_NOUNS), pick(rng, EN_NOUNS)),
        4 => format!("Letters from {}", pick(rng, EN_PLACES)),
        5 => format!("{} {}s", pick(rng, EN_ADJ), pick(rng, EN_NOUNS)),
        6 => format!("The {} and the {}", pick(rng, EN_NOUNS), pick(rng, EN_NOUNS)),
        _ => format!("Notes on a {} {}", pick(rng, EN_ADJ), pick(rng, EN_NOUNS)),
    }
}

fn person(rng: &mut StdRng, spanish: bool) -> String {
    if spanish {
        if rng.random_bool(0.25) {
            format!("{} {} {}", pick(rng, ES_FIRST), pick(rng, ES_LAST), pick(rng, ES_LAST))
        } else {
            format!("{} {}", pick(rng, ES_FIRST), pick(rng, ES_LAST))
        }
    } else {
        format!("{} {}", pick(rng, EN_FIRST), pick(rng, EN_LAST))
    }
}

fn condition(rng: &mut StdRng) -> Condition {
    match rng.random_range(0..10) {
        0..=3 => Condition::New,
        4..=5 => Condition::LikeNew,
        6..=7 => Condition::Good,
        8 => Condition::Fair,
        _ => Condition::Poor,
    }
}

fn shelf(rng: &mut StdRng) -> String {
    format!("{}-{:02}", char::from(b'A' + rng.random_range(0..12u8)), rng.random_range(1..40))
}

/// Pesos rounded to 100, in cents.
fn price(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo / 100..hi / 100) * 100 * 100
}

/// A book with the inventory line and product that go with it, before ids are handed out.
struct BookPlan {
    book: Book,
    /// (quantity, condition, shelf, rentable)
    line: Option<(u32, Condition, String, bool)>,
    price_cents: i64,
}

struct FilmPlan {
    item: InventoryItem,
    price_cents: i64,
}

fn plan_book(rng: &mut StdRng, i: usize, genres: &[u64]) -> BookPlan {
    let spanish = rng.random_bool(0.6);
    let title = if spanish { spanish_title(rng) } else { english_title(rng) };
    let mut authors = vec![person(rng, spanish)];
    if rng.random_bool(0.12) {
        authors.push(person(rng, spanish));
    }
    // 978 + nine digits; multiplying by a number prime to 10^9 keeps them all distinct.
    let body = format!("978{:09}", (i as u64 * 7_919 + 12_345) % 1_000_000_000);
    let isbn = Isbn::from_body(&body).map(Isbn::into_inner).unwrap_or_default();
    let year = if rng.random_bool(0.03) {
        None
    } else if rng.random_bool(0.15) {
        Some(rng.random_range(1850..1950))
    } else {
        Some(rng.random_range(1950..2026))
    };
    let mut genre_ids = Vec::new();
    for _ in 0..rng.random_range(1..=3) {
        let g = genres.get(rng.random_range(0..genres.len().max(1))).copied();
        if let Some(g) = g.filter(|g| !genre_ids.contains(g)) {
            genre_ids.push(g);
        }
    }
    let description = if spanish {
        format!(
            "Una historia sobre {} y {}, escrita con {}.",
            pick(rng, ES_NOUNS_F),
            pick(rng, ES_NOUNS_M),
            pick(rng, &["humor", "ternura", "furia", "precisión", "nostalgia"])
        )
    } else {
        format!(
            "A story of {} and {}, told with {}.",
            pick(rng, EN_NOUNS).to_lowercase(),
            pick(rng, EN_NOUNS).to_lowercase(),
            pick(rng, &["wit", "tenderness", "fury", "precision", "longing"])
        )
    };
    let line = rng
        .random_bool(0.75)
        .then(|| (rng.random_range(0..5), condition(rng), shelf(rng), rng.random_bool(0.3)));
    BookPlan {
        book: Book {
            id: 0,
            title,
            authors,
            isbn,
            description: Some(description),
            year,
            language: Some(if spanish { "es" } else { "en" }.to_owned()),
            genre_ids,
            cover: None,
            stock: 0,
            created_at_ms: 0,
            updated_at_ms: 0,
        },
        line,
        price_cents: price(rng, 3_500, 45_000),
    }
}

fn plan_film(rng: &mut StdRng) -> FilmPlan {
    let spanish = rng.random_bool(0.5);
    let title = if spanish {
        pick(rng, FILM_WORDS_ES).to_owned()
    } else {
        format!("{} {}", pick(rng, EN_ADJ), pick(rng, FILM_WORDS_EN))
    };
    let format = match rng.random_range(0..10) {
        0..=4 => FilmFormat::Dvd,
        5..=7 => FilmFormat::BluRay,
        _ => FilmFormat::Vhs,
    };
    FilmPlan {
        item: InventoryItem {
            id: 0,
            kind: ItemKind::Film,
            book_id: None,
            title: Some(title),
            director: Some(person(rng, spanish)),
            year: Some(rng.random_range(1940..2026)),
            format: Some(format),
            condition: condition(rng),
            shelf: Some(shelf(rng)),
            quantity: rng.random_range(1..4),
            rentable: rng.random_bool(0.9),
            created_at_ms: 0,
            updated_at_ms: 0,
        },
        price_cents: price(rng, 2_000, 15_000),
    }
}

fn product(w: &WriteTx<'_>, id: u64, sku: String, name: String, price: i64, item: u64) -> Product {
    Product {
        id,
        sku,
        name,
        description: None,
        price_cents: price,
        currency: "ARS".to_owned(),
        stock: 0,
        inventory_item_id: Some(item),
        created_by: w.actor(),
        updated_by: w.actor(),
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
        deleted_at_ms: None,
    }
}

/// Writes one batch of books with their inventory lines and products. Returns
/// (books, inventory lines, products).
fn write_books(w: &mut WriteTx<'_>, plans: &[BookPlan]) -> crate::store::Result<[usize; 3]> {
    let mut n = [0; 3];
    for plan in plans {
        let mut book = plan.book.clone();
        book.id = w.next_id(Book::TABLE)?;
        (book.created_at_ms, book.updated_at_ms) = (w.now_ms(), w.now_ms());
        if let Some((quantity, ..)) = &plan.line {
            book.stock = u64::from(*quantity);
        }
        w.insert(&book)?;
        n[0] += 1;
        let Some((quantity, condition, shelf, rentable)) = &plan.line else { continue };
        let item = InventoryItem {
            id: w.next_id(InventoryItem::TABLE)?,
            kind: ItemKind::Book,
            book_id: Some(book.id),
            title: None,
            director: None,
            year: None,
            format: None,
            condition: *condition,
            shelf: Some(shelf.clone()),
            quantity: *quantity,
            rentable: *rentable,
            created_at_ms: w.now_ms(),
            updated_at_ms: w.now_ms(),
        };
        w.insert(&item)?;
        n[1] += 1;
        if *quantity > 0 {
            let id = w.next_id(Product::TABLE)?;
            let mut p = product(
                w,
                id,
                format!("LIB-{:06}", book.id),
                book.title,
                plan.price_cents,
                item.id,
            );
            p.stock = *quantity;
            w.insert(&p)?;
            n[2] += 1;
        }
    }
    Ok(n)
}

fn write_films(w: &mut WriteTx<'_>, plans: &[FilmPlan]) -> crate::store::Result<[usize; 2]> {
    let mut n = [0; 2];
    for plan in plans {
        let mut item = plan.item.clone();
        item.id = w.next_id(InventoryItem::TABLE)?;
        (item.created_at_ms, item.updated_at_ms) = (w.now_ms(), w.now_ms());
        w.insert(&item)?;
        n[0] += 1;
        let id = w.next_id(Product::TABLE)?;
        let name = item.title.clone().unwrap_or_default();
        let mut p = product(w, id, format!("PEL-{:06}", item.id), name, plan.price_cents, item.id);
        p.stock = item.quantity;
        w.insert(&p)?;
        n[1] += 1;
    }
    Ok(n)
}

/// Loads the demo shop into an empty store. Refuses a store that already has accounts or a
/// catalog: the demo is for a fresh data dir.
pub async fn load(
    store: &Store,
    passwords: &Passwords,
    books: usize,
    seed: u64,
) -> anyhow::Result<Summary> {
    let occupied = store.read(|r| {
        Ok(!r.list::<User>(None, 1, false)?.is_empty()
            || !r.list::<Genre>(None, 1, false)?.is_empty()
            || !r.list::<Book>(None, 1, false)?.is_empty())
    })?;
    if occupied {
        anyhow::bail!("the data dir already holds a shop; load the demo into an empty data dir");
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut summary = Summary::default();

    let people = [
        ("owner", Role::SuperAdmin),
        ("staff", Role::Admin),
        ("mostrador", Role::Admin),
        ("lucia", Role::User),
        ("mateo", Role::User),
        ("sofia", Role::User),
        ("joaquin", Role::User),
        ("valentina", Role::User),
    ];
    let mut owner_id = None;
    for (name, role) in people {
        let form = AccountForm {
            username: Username::parse(name).map_err(|e| anyhow::anyhow!(e.message))?,
            password: Password::parse("password", DEMO_PASSWORD.to_owned())
                .map_err(|e| anyhow::anyhow!(e.message))?,
            email: None,
            display_name: None,
            role,
        };
        let user = create_account(store, passwords, form, None, false)
            .await
            .map_err(|e| anyhow::anyhow!("creating {name}: {}", e.message))?;
        owner_id.get_or_insert(user.id);
        summary.accounts.push((name.to_owned(), role));
    }

    let genre_ids: Vec<u64> = store
        .write(owner_id, |w| {
            let mut ids = Vec::new();
            for (name, description) in GENRES {
                let genre = Genre {
                    id: w.next_id(Genre::TABLE)?,
                    name: name.to_owned(),
                    description: Some(description.to_owned()),
                    created_at_ms: w.now_ms(),
                    updated_at_ms: w.now_ms(),
                };
                w.insert(&genre)?;
                ids.push(genre.id);
            }
            Ok::<_, StoreError>(ids)
        })
        .await?;
    summary.genres = genre_ids.len();

    let mut done = 0;
    while done < books {
        let n = BATCH.min(books - done);
        let plans: Vec<BookPlan> =
            (done..done + n).map(|i| plan_book(&mut rng, i, &genre_ids)).collect();
        let [b, i, p] = store.write(owner_id, move |w| write_books(w, &plans)).await?;
        summary.books += b;
        summary.inventory += i;
        summary.products += p;
        done += n;
    }

    let films = (books / 10).max(50);
    let mut done = 0;
    while done < films {
        let n = BATCH.min(films - done);
        let plans: Vec<FilmPlan> = (0..n).map(|_| plan_film(&mut rng)).collect();
        let [i, p] = store.write(owner_id, move |w| write_films(w, &plans)).await?;
        summary.films += i;
        summary.inventory += i;
        summary.products += p;
        done += n;
    }

    // A few other things the shop sells, and some price history for the first products.
    let others: Vec<(String, i64)> = OTHER_ITEMS
        .iter()
        .map(|name| ((*name).to_owned(), price(&mut rng, 1_500, 25_000)))
        .collect();
    let bumps: Vec<i64> = (0..20).map(|_| rng.random_range(5..25)).collect();
    let [i, p, c] = store
        .write(owner_id, move |w| {
            let mut n = [0; 3];
            for (k, (name, cents)) in others.iter().enumerate() {
                let item = InventoryItem {
                    id: w.next_id(InventoryItem::TABLE)?,
                    kind: ItemKind::Other,
                    book_id: None,
                    title: Some(name.clone()),
                    director: None,
                    year: None,
                    format: None,
                    condition: Condition::New,
                    shelf: Some("Caja".to_owned()),
                    quantity: 10,
                    rentable: false,
                    created_at_ms: w.now_ms(),
                    updated_at_ms: w.now_ms(),
                };
                w.insert(&item)?;
                let id = w.next_id(Product::TABLE)?;
                let mut p =
                    product(w, id, format!("OTR-{:03}", k + 1), name.clone(), *cents, item.id);
                p.stock = 10;
                w.insert(&p)?;
                n[0] += 1;
                n[1] += 1;
            }
            let first: Vec<Product> = w.list(None, bumps.len(), false)?;
            for (mut p, pct) in first.into_iter().zip(&bumps) {
                let old = p.price_cents;
                p.price_cents = old + old * pct / 100 / 10_000 * 10_000;
                if p.price_cents == old {
                    continue;
                }
                w.update(&p)?;
                let change = PriceChange {
                    id: w.next_id(PriceChange::TABLE)?,
                    product_id: p.id,
                    old_cents: old,
                    new_cents: p.price_cents,
                    by: w.actor(),
                    at_ms: w.now_ms(),
                };
                w.insert(&change)?;
                n[2] += 1;
            }
            Ok::<_, StoreError>(n)
        })
        .await?;
    summary.inventory += i;
    summary.products += p;
    summary.price_changes = c;
    Ok(summary)
}

/// Posts per write job.
const POST_BATCH: usize = 2000;

/// `barrio demo --posts N`: community posts by the demo accounts about the demo's books, in
/// Spanish and English, in jobs of [`POST_BATCH`]. Run after [`load`]. Returns how many.
pub async fn load_posts(store: &Store, count: usize, seed: u64) -> anyhow::Result<usize> {
    if count == 0 {
        return Ok(0);
    }
    let authors: Vec<u64> =
        store.read(|r| r.list::<User>(None, 100, false))?.iter().map(|u| u.id).collect();
    if authors.is_empty() {
        anyhow::bail!("the demo posts need the demo accounts; load the demo shop first");
    }
    // Title and first author of every book (or of a sample of 50,000).
    let mut books: Vec<(String, String)> = Vec::new();
    let mut after = None;
    loop {
        let page = store.read(|r| r.list::<Book>(after, 1000, false))?;
        for b in &page {
            books.push((b.title.clone(), b.authors.first().cloned().unwrap_or_default()));
        }
        match page.last() {
            Some(b) if page.len() == 1000 && books.len() < 50_000 => after = Some(b.id),
            _ => break,
        }
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x706f_7374);
    let mut done = 0;
    while done < count {
        let n = POST_BATCH.min(count - done);
        let posts: Vec<(u64, crate::community::PostText)> = (0..n)
            .map(|_| {
                let author = authors[rng.random_range(0..authors.len())];
                let text = post_text(&mut rng, &books);
                let text = crate::community::PostText::parse(&text)
                    .or_else(|_| crate::community::PostText::parse("¡Llegaron libros nuevos!"))
                    .map_err(|e| anyhow::anyhow!(e.message))?;
                Ok((author, text))
            })
            .collect::<anyhow::Result<_>>()?;
        let owner = authors.first().copied();
        store
            .write(owner, move |w| {
                for (author, text) in &posts {
                    crate::community::create_post(w, *author, text, None)?;
                }
                Ok::<_, crate::error::ApiError>(())
            })
            .await
            .map_err(|e| anyhow::anyhow!("writing demo posts: {}", e.message))?;
        done += n;
    }
    Ok(done)
}

/// One post: about a book (its title, its author's surname) or about the shop.
fn post_text(rng: &mut StdRng, books: &[(String, String)]) -> String {
    let (title, author) = match books.get(rng.random_range(0..books.len().max(1))) {
        Some((t, a)) => (t.as_str(), a.as_str()),
        None => ("Cien años de soledad", "Gabriel García Márquez"),
    };
    let surname = author.rsplit(' ').next().unwrap_or(author);
    let noun = pick(rng, ES_NOUNS_F);
    match rng.random_range(0..10) {
        0 => format!("Terminé «{title}» de {author}. Lo recomiendo mucho."),
        1 => format!("¿Alguien leyó «{title}»? Busco algo parecido a {surname}."),
        2 => format!("Hoy en el club de lectura: «{title}». Hablamos de la {noun} y del final."),
        3 => format!("Releyendo a {surname}: «{title}» me sigue pareciendo enorme."),
        4 => format!("En la vidriera de Barrio: {title}, de {author}. ¡Quedan pocos!"),
        5 => format!("Just finished {title} by {author}. What a book."),
        6 => format!("Looking for more by {surname} after reading {title}, any tips?"),
        7 => format!("Book club tonight: {title}. Bring snacks and opinions."),
        8 => format!(
            "Tarde de {} en el barrio; empiezo «{title}».",
            pick(rng, &["lluvia", "sol", "viento", "frío", "calor"])
        ),
        _ => format!(
            "{} {} — {title} ({surname})",
            pick(rng, &["Recomendado:", "Currently reading:", "Para regalar:", "Loved it:"]),
            pick(rng, &["⭐⭐⭐⭐⭐", "⭐⭐⭐⭐", "📚", "☕"]),
        ),
    }
}
