//! Course and enrolment records, the parsed types of their fields, and how they are shown.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::http::rfc3339;
use crate::store::Record;

/// Where a course stands. Postcard stores the variant index: add new ones at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    /// Being prepared: only staff see it.
    Draft,
    /// Anyone sees it; members enrol.
    Open,
    /// Visible, but takes no new enrolments and moves nobody from the waiting list.
    Closed,
    /// Called off; members are told.
    Cancelled,
}

/// A course or reading club the shop hosts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Course {
    pub id: u64,
    pub title: String,
    pub description: Option<String>,
    /// The account that teaches it; it may read the enrolments.
    pub teacher_id: Option<u64>,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// Free text, such as "martes 19 h".
    pub schedule: Option<String>,
    /// Seats; enrolments beyond it wait.
    pub capacity: u32,
    pub price_cents: i64,
    pub status: CourseStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for Course {
    const TABLE: &'static str = "courses";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
}

/// Whether a member has a seat or waits for one. The discriminant is the middle part of the
/// course index key, so a course's enrolled members sort before its waiting ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Enrolled = 0,
    Waiting = 1,
}

/// One member in one course. Its id is also its place in the queue: ids grow in the order
/// the single writer handles enrolments, so the waiting list is the course's `Waiting`
/// entries in id order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrolment {
    pub id: u64,
    pub course_id: u64,
    pub user_id: u64,
    pub status: EnrolmentStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// (course, status, id) → id: the enrolled members, then the waiting list in order.
pub const COURSE_INDEX: &str = "enrolments.course";
/// (user, id) → id: a member's courses.
pub const USER_INDEX: &str = "enrolments.user";
/// "course:user", unique: one enrolment per member and course. Named after the field a
/// conflict is about.
pub const MEMBER_UNIQUE: &str = "enrolments.user_id";

impl Record for Enrolment {
    const TABLE: &'static str = "enrolments";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(MEMBER_UNIQUE, member_key(self.course_id, self.user_id))]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut by_user = self.user_id.to_be_bytes().to_vec();
        by_user.extend(self.id.to_be_bytes());
        vec![
            (COURSE_INDEX, course_key(self.course_id, self.status, self.id)),
            (USER_INDEX, by_user),
        ]
    }
}

pub fn member_key(course_id: u64, user_id: u64) -> String {
    format!("{course_id}:{user_id}")
}

pub fn course_key(course_id: u64, status: EnrolmentStatus, id: u64) -> Vec<u8> {
    let mut k = course_prefix(course_id, Some(status));
    k.extend(id.to_be_bytes());
    k
}

/// The prefix of a course's entries, or of one status of them.
pub fn course_prefix(course_id: u64, status: Option<EnrolmentStatus>) -> Vec<u8> {
    let mut k = course_id.to_be_bytes().to_vec();
    if let Some(s) = status {
        k.push(s as u8);
    }
    k
}

/// A title: trimmed, 1–200 characters.
pub fn parse_title(s: &str) -> ApiResult<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 200 || s.chars().any(char::is_control) {
        return Err(ApiError::invalid("title", "a title has 1 to 200 characters"));
    }
    Ok(s.to_owned())
}

pub use crate::text::text as parse_text;

/// Seats: 0 or more (0 makes everyone wait).
pub fn parse_capacity(n: i64) -> ApiResult<u32> {
    u32::try_from(n).map_err(|_| {
        ApiError::invalid("capacity", "capacity is a whole number of seats, 0 or more")
    })
}

pub fn parse_price(n: i64) -> ApiResult<i64> {
    if n < 0 {
        return Err(ApiError::invalid("price_cents", "a price is 0 or more cents"));
    }
    Ok(n)
}

/// A course as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseView {
    pub id: u64,
    pub title: String,
    pub description: Option<String>,
    pub teacher_id: Option<u64>,
    pub starts_at: String,
    pub ends_at: String,
    pub schedule: Option<String>,
    pub capacity: u32,
    pub price_cents: i64,
    pub status: CourseStatus,
}

impl From<&Course> for CourseView {
    fn from(c: &Course) -> Self {
        CourseView {
            id: c.id,
            title: c.title.clone(),
            description: c.description.clone(),
            teacher_id: c.teacher_id,
            starts_at: rfc3339(c.starts_at_ms),
            ends_at: rfc3339(c.ends_at_ms),
            schedule: c.schedule.clone(),
            capacity: c.capacity,
            price_cents: c.price_cents,
            status: c.status,
        }
    }
}

/// An enrolment as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentView {
    pub id: u64,
    pub course_id: u64,
    pub user_id: u64,
    pub status: EnrolmentStatus,
    /// 1 for the first in the waiting list; absent while enrolled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    pub created_at: String,
}

impl EnrolmentView {
    pub fn new(e: &Enrolment, position: Option<u32>) -> Self {
        EnrolmentView {
            id: e.id,
            course_id: e.course_id,
            user_id: e.user_id,
            status: e.status,
            position,
            created_at: rfc3339(e.created_at_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolled_sort_before_waiting_and_waiting_by_id() {
        let mut keys = vec![
            course_key(7, EnrolmentStatus::Waiting, 3),
            course_key(7, EnrolmentStatus::Enrolled, 9),
            course_key(7, EnrolmentStatus::Waiting, 2),
            course_key(8, EnrolmentStatus::Enrolled, 1),
            course_key(7, EnrolmentStatus::Waiting, 256),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                course_key(7, EnrolmentStatus::Enrolled, 9),
                course_key(7, EnrolmentStatus::Waiting, 2),
                course_key(7, EnrolmentStatus::Waiting, 3),
                course_key(7, EnrolmentStatus::Waiting, 256),
                course_key(8, EnrolmentStatus::Enrolled, 1),
            ]
        );
        assert!(
            course_key(7, EnrolmentStatus::Waiting, 2)
                .starts_with(&course_prefix(7, Some(EnrolmentStatus::Waiting)))
        );
    }

    #[test]
    fn fields() {
        assert_eq!(parse_capacity(0).unwrap(), 0);
        assert_eq!(parse_capacity(-1).unwrap_err().field.as_deref(), Some("capacity"));
        assert!(parse_capacity(i64::MAX).is_err());
        assert_eq!(parse_price(-5).unwrap_err().field.as_deref(), Some("price_cents"));
        assert_eq!(parse_title("  Taller  ").unwrap(), "Taller");
        assert!(parse_title(" ").is_err());
        assert_eq!(parse_text("schedule", Some(" "), 10).unwrap(), None);
        assert!(parse_text("schedule", Some(&"x".repeat(11)), 10).is_err());
    }
}
