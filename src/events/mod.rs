//! Events: what happened in the shop, and who must hear about it.
//!
//! A domain that wants people to hear about something emits an [`Event`] with [`emit`]
//! inside its own write job. The event is a record like any other, so it commits atomically
//! with the change that caused it and reaches the change log; the notifier (a subscriber of
//! the change log) turns it into notifications. No domain writes notifications itself.

use serde::{Deserialize, Serialize};

use crate::store::{Record, WriteTx};

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
