//! Every record type Barrio stores, in one list, for the tools that walk the whole data file:
//! `barrio check` (and `--repair`), backups' checks, `barrio export` and `barrio import`.
//!
//! Adding a domain? Register each of its record types here, one line each:
//! `RecordType::of::<T>()` when its ids come from `w.next_id(T::TABLE)`,
//! `.without_sequence()` when they do not (random ids), `.with_sequence("name")` when they
//! come from another sequence; `.invariant(rule)` adds a rule `barrio check` verifies for
//! each record (a many-to-many link is symmetric, a reference points to a live record). A
//! table found in a data file but missing here is reported by
//! `check` as a warning and left out of exports; backups copy it anyway.

use crate::store::{Change, RecordType};

pub fn all() -> Vec<RecordType> {
    vec![
        RecordType::of::<crate::accounts::User>(),
        RecordType::of::<crate::auth::RevokedToken>().without_sequence(),
        RecordType::of::<crate::events::EventRecord>(),
        RecordType::of::<crate::events::Notification>(),
        RecordType::of::<crate::events::OutboxMail>(),
        RecordType::of::<crate::events::subscriber::DeadLetter>(),
        RecordType::of::<crate::catalog::model::Genre>(),
        RecordType::of::<crate::catalog::model::Book>(),
        RecordType::of::<crate::catalog::model::InventoryItem>(),
        RecordType::of::<crate::catalog::model::Product>(),
        RecordType::of::<crate::catalog::model::PriceChange>(),
        RecordType::of::<crate::catalog::model::ProductView>(),
        RecordType::of::<crate::courses::Course>(),
        RecordType::of::<crate::courses::Enrolment>(),
        RecordType::of::<crate::deliveries::Client>(),
        RecordType::of::<crate::deliveries::Location>(),
        RecordType::of::<crate::deliveries::Resource>(),
        RecordType::of::<crate::deliveries::Travel>(),
        RecordType::of::<crate::community::Post>()
            .hand_index(crate::community::timeline::TIMELINE)
            .hand_index(crate::community::timeline::TIMELINE_BY_POST)
            .hand_index(crate::community::timeline::FAN_OUT_QUEUE),
        RecordType::of::<crate::community::Follow>(),
        RecordType::of::<crate::community::Like>(),
        RecordType::of::<crate::community::Mark>(),
        RecordType::of::<Change>(),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_table_is_registered_once() {
        let all = super::all();
        let mut tables: Vec<&str> = all.iter().map(|t| t.table).collect();
        tables.sort();
        tables.dedup();
        assert_eq!(tables.len(), all.len());
    }
}
