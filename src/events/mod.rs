//! Events: what happened in the shop, and who must hear about it.
//!
//! A domain that wants people to hear about something emits an [`Event`] with [`emit`]
//! inside its own write job. The event is a record like any other, so it commits atomically
//! with the change that caused it and reaches the change log; the notifier (a subscriber of
//! the change log) turns it into notifications. No domain writes notifications itself.

mod mail;
mod notify;
mod routes;
pub mod subscriber;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

pub use mail::{Mailer, OutboxMail, pending as outbox_pending};
pub use notify::{KINDS, Notification, Notifier, forget_account};
pub use routes::router;
use subscriber::{Lag, RetryPolicy, Subscriber, Subscribers};

use crate::store::{Change, Record, Store, WriteTx};

/// Something that happened. Postcard stores the variant index: add new variants at the
/// end, never reorder or remove.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A member signed up (or an account was created for them).
    SignedUp { user_id: u64 },
    /// A product's price changed.
    PriceChanged { product_id: u64, old_cents: i64, new_cents: i64 },
    /// A member took a seat in a course directly (not from the waiting list).
    Enrolled { course_id: u64, user_id: u64 },
    /// A member on a course's waiting list was given a freed seat.
    PromotedFromWaitlist { course_id: u64, user_id: u64 },
    /// A course was cancelled; its enrolments are kept, so its members can be found.
    CourseCancelled { course_id: u64 },
    /// A course's start moved.
    CourseRescheduled { course_id: u64, old_starts_at_ms: i64, new_starts_at_ms: i64 },
    /// A travel (delivery) moved to `status` (`assigned`, `on_the_way`, `delivered`,
    /// `cancelled`).
    TravelStatusChanged { travel_id: u64, status: String },
    /// An account started following another (not repeated within a minute for the pair).
    Followed { follower_id: u64, followee_id: u64 },
    /// A post was liked by someone other than its author (not repeated within a minute).
    Liked { post_id: u64, liker_id: u64, author_id: u64 },
}

/// An emitted event, kept in the data file until the notifier has handled it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRecord {
    pub id: u64,
    pub at_ms: i64,
    /// The account whose action caused it, if any.
    pub actor: Option<u64>,
    pub event: Event,
}

impl Record for EventRecord {
    const TABLE: &'static str = "events";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
}

/// Records `event` in the current write job; it commits (or not) with the job's other writes.
pub fn emit(w: &mut WriteTx<'_>, event: Event) -> crate::store::Result<()> {
    let id = w.next_id(EventRecord::TABLE)?;
    let record = EventRecord { id, at_ms: w.now_ms(), actor: w.actor(), event };
    w.insert(&record)
}

/// How events are delivered in this server.
#[derive(Debug, Clone)]
pub struct EventSettings {
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub max_attempts: u32,
    pub backoff: Duration,
    /// Adds a subscriber that fails on every event: for seeing dead letters and retries at
    /// work (`BARRIO_CHAOS_SUBSCRIBER=1`). Never on in a real shop.
    pub chaos: bool,
    /// The most followers one timeline fan-out job delivers to.
    pub fanout_chunk: usize,
}

/// The running event machinery: subscribers, the mailer, and the stop signal.
pub struct Events {
    pub subscribers: Subscribers,
    mailer: std::sync::Mutex<Option<Mailer>>,
    stop: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    fanout_chunk: usize,
}

/// Fails on every event: see [`EventSettings::chaos`].
struct Chaos;

impl Subscriber for Chaos {
    fn name(&self) -> &'static str {
        "chaos"
    }
    fn wants(&self, change: &Change) -> bool {
        change.kind == EventRecord::TABLE
    }
    fn handle(&self, _: &mut WriteTx<'_>, change: &Change) -> Result<(), subscriber::HandlerError> {
        Err(subscriber::HandlerError(format!("chaos subscriber refuses event {}", change.id)))
    }
}

impl Events {
    pub fn new(store: &Store, settings: &EventSettings) -> anyhow::Result<Events> {
        let mut list: Vec<Arc<dyn Subscriber>> =
            vec![Arc::new(Notifier { mail: settings.smtp_url.is_some() })];
        if settings.chaos {
            list.push(Arc::new(Chaos));
        }
        let mailer = match &settings.smtp_url {
            Some(url) => {
                Some(Mailer::new(store.clone(), url, &settings.smtp_from, settings.backoff)?)
            }
            None => None,
        };
        let policy = RetryPolicy {
            max_attempts: settings.max_attempts.max(1),
            base: settings.backoff,
            cap: settings.backoff.saturating_mul(60),
        };
        Ok(Events {
            subscribers: Subscribers { list, policy, followers: vec![crate::search::SUBSCRIBER] },
            mailer: std::sync::Mutex::new(mailer),
            stop: watch::channel(false).0,
            tasks: std::sync::Mutex::new(Vec::new()),
            fanout_chunk: settings.fanout_chunk,
        })
    }

    /// Starts the subscribers, the trimmer and the mailer.
    pub fn start(&self, store: &Store) {
        let mut tasks = self.subscribers.spawn(store, self.stop.subscribe());
        let fan_out = crate::community::FanOutWorker::new(store.clone(), self.fanout_chunk);
        tasks.push(tokio::spawn(fan_out.run(self.stop.subscribe())));
        if let Some(mailer) = self.mailer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            tasks.push(tokio::spawn(mailer.run(self.stop.subscribe())));
        }
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).extend(tasks);
    }

    /// A receiver that turns true when the server stops (live streams end on it).
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Tells every worker and live stream to stop, without waiting.
    pub fn signal_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Tells every worker to stop and waits for them.
    pub async fn stop(&self) {
        self.stop.send_replace(true);
        let tasks: Vec<_> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }

    pub fn lag(&self, store: &Store) -> crate::store::Result<Vec<Lag>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.subscribers.lag(store, now)
    }
}
