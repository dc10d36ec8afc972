//! Customers and deliveries: clients, their locations (and the shop's own places), the
//! resources that deliver (a courier and/or a vehicle), and travels with a state machine.
//!
//! - `model`: the records, their index keys, the travel state machine, parsed fields, views.
//! - `rules`: who may do what (a table: staff, couriers, clients' members), and the writes
//!   with their invariants (no overlapping assignments, no dangling references), each run
//!   inside one writer job.
//! - `routes`: the HTTP handlers.

mod model;
mod routes;
mod rules;

pub use model::{Client, Location, Resource, ResourceKind, Travel, TravelStatus};
pub use routes::router;
pub use rules::forget_account;
