//! Courses and reading clubs the shop hosts, with enrolment and a waiting list.
//!
//! - `model`: the `Course` and `Enrolment` records, their index keys, parsed fields, views.
//! - `rules`: who may do what (a table), and the writes with the seat and waiting-list
//!   invariants, each run inside one writer job.
//! - `routes`: the HTTP handlers.

mod model;
mod routes;
mod rules;

pub use model::{COURSE_INDEX, Course, CourseStatus, Enrolment, EnrolmentStatus, course_prefix};
pub use routes::router;
pub use rules::forget_account;
