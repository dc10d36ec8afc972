//! Who may do what with courses, and the writes with their invariants.
//!
//! | action                                   | anonymous | user          | staff |
//! |------------------------------------------|-----------|---------------|-------|
//! | create, edit, delete a course            | no        | no            | yes   |
//! | read open, closed, cancelled courses     | yes       | yes           | yes   |
//! | read drafts                              | no (404)  | no (404)      | yes   |
//! | enrol oneself, leave                     | no        | yes           | yes   |
//! | remove another member's enrolment        | no        | no            | yes   |
//! | list a course's enrolments               | no        | its teacher   | yes   |
//! | list a member's courses                  | no        | that member   | yes   |
//!
//! The invariants: a course never has more enrolled members than seats; a full course puts
//! newcomers on a waiting list, first come first served; when a seat frees up (a member
//! leaves, the capacity grows, the course opens) the first waiting member takes it. Every
//! function that writes runs inside one writer job and reads everything it needs before it
//! writes, so the count of seats and the write that takes one cannot be split by another
//! enrolment, and a refusal leaves the batch untouched.

use crate::accounts::User;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, emit};
use crate::store::{Reader, Record, WriteTx};

use super::model::{
    COURSE_INDEX, Course, CourseStatus, Enrolment, EnrolmentStatus, MEMBER_UNIQUE, course_prefix,
    member_key,
};

/// Staff see drafts; nobody else does (a draft answers 404 to them, as if it did not exist).
pub fn may_see(course: &Course, caller: Option<&AuthUser>) -> bool {
    course.status != CourseStatus::Draft || caller.is_some_and(|c| c.user.role.is_staff())
}

/// The course's teacher and staff may read its enrolments.
pub fn may_list_enrolments(course: &Course, caller: &AuthUser) -> bool {
    caller.user.role.is_staff() || course.teacher_id == Some(caller.id())
}

/// A new course as asked for, validated field by field.
#[derive(Debug, Clone)]
pub struct CourseForm {
    pub title: String,
    pub description: Option<String>,
    pub teacher_id: Option<u64>,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub schedule: Option<String>,
    pub capacity: u32,
    pub price_cents: i64,
    pub status: CourseStatus,
}

/// Changes to a course; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub teacher_id: Option<Option<u64>>,
    pub starts_at_ms: Option<i64>,
    pub ends_at_ms: Option<i64>,
    pub schedule: Option<Option<String>>,
    pub capacity: Option<u32>,
    pub price_cents: Option<i64>,
    pub status: Option<CourseStatus>,
}

fn check_teacher(r: &impl Reader, teacher_id: Option<u64>) -> ApiResult<()> {
    match teacher_id {
        Some(id) if r.get::<User>(id)?.is_none() => {
            Err(ApiError::invalid("teacher_id", format!("there is no account {id}")))
        }
        _ => Ok(()),
    }
}

fn check_times(starts_at_ms: i64, ends_at_ms: i64, field: &str) -> ApiResult<()> {
    if ends_at_ms <= starts_at_ms {
        return Err(ApiError::invalid(field, "ends_at must be after starts_at"));
    }
    Ok(())
}

pub fn create(w: &mut WriteTx<'_>, f: &CourseForm) -> ApiResult<Course> {
    check_times(f.starts_at_ms, f.ends_at_ms, "ends_at")?;
    check_teacher(w, f.teacher_id)?;
    let id = w.next_id(Course::TABLE)?;
    let course = Course {
        id,
        title: f.title.clone(),
        description: f.description.clone(),
        teacher_id: f.teacher_id,
        starts_at_ms: f.starts_at_ms,
        ends_at_ms: f.ends_at_ms,
        schedule: f.schedule.clone(),
        capacity: f.capacity,
        price_cents: f.price_cents,
        status: f.status,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    w.insert(&course)?;
    Ok(course)
}

pub fn update(w: &mut WriteTx<'_>, id: u64, p: &CoursePatch) -> ApiResult<Course> {
    let old: Course = w.get(id)?.ok_or_else(|| ApiError::not_found("course"))?;
    let mut c = old.clone();
    if let Some(t) = &p.title {
        c.title = t.clone();
    }
    if let Some(d) = &p.description {
        c.description = d.clone();
    }
    if let Some(t) = p.teacher_id {
        check_teacher(w, t)?;
        c.teacher_id = t;
    }
    c.starts_at_ms = p.starts_at_ms.unwrap_or(c.starts_at_ms);
    c.ends_at_ms = p.ends_at_ms.unwrap_or(c.ends_at_ms);
    let field = if p.ends_at_ms.is_some() { "ends_at" } else { "starts_at" };
    check_times(c.starts_at_ms, c.ends_at_ms, field)?;
    if let Some(s) = &p.schedule {
        c.schedule = s.clone();
    }
    c.capacity = p.capacity.unwrap_or(c.capacity);
    c.price_cents = p.price_cents.unwrap_or(c.price_cents);
    c.status = p.status.unwrap_or(c.status);
    c.updated_at_ms = w.now_ms();
    w.update(&c)?;
    if c.status == CourseStatus::Cancelled && old.status != CourseStatus::Cancelled {
        emit(w, Event::CourseCancelled { course_id: id })?;
    }
    if c.starts_at_ms != old.starts_at_ms {
        emit(
            w,
            Event::CourseRescheduled {
                course_id: id,
                old_starts_at_ms: old.starts_at_ms,
                new_starts_at_ms: c.starts_at_ms,
            },
        )?;
    }
    // More seats, or the course (re)opened: the waiting list moves up.
    fill_seats(w, &c)?;
    Ok(c)
}

/// Deletes a course that nobody is enrolled in or waiting for. A course with enrolments is
/// cancelled instead, so its members hear of it and its history stays.
pub fn delete(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    w.get::<Course>(id)?.ok_or_else(|| ApiError::not_found("course"))?;
    if !w.scan(COURSE_INDEX, &course_prefix(id, None), None, 1, false)?.is_empty() {
        return Err(ApiError::conflict(
            None,
            "the course has enrolments: cancel it (status cancelled) instead of deleting it",
        ));
    }
    w.remove::<Course>(id)?;
    Ok(())
}

/// How many members hold a seat, counting at most to `upto`.
pub fn enrolled_count(r: &impl Reader, course_id: u64, upto: usize) -> ApiResult<usize> {
    let prefix = course_prefix(course_id, Some(EnrolmentStatus::Enrolled));
    Ok(r.scan(COURSE_INDEX, &prefix, None, upto, false)?.len())
}

/// The ids of the waiting list, first in line first.
pub fn waiting_ids(r: &impl Reader, course_id: u64) -> ApiResult<Vec<u64>> {
    let prefix = course_prefix(course_id, Some(EnrolmentStatus::Waiting));
    Ok(r.scan(COURSE_INDEX, &prefix, None, usize::MAX, false)?
        .into_iter()
        .map(|(_, id)| id)
        .collect())
}

/// The place of an enrolment in its course's waiting list (1 is next), if it waits.
pub fn position(r: &impl Reader, e: &Enrolment) -> ApiResult<Option<u32>> {
    if e.status != EnrolmentStatus::Waiting {
        return Ok(None);
    }
    let ids = waiting_ids(r, e.course_id)?;
    Ok(ids.iter().position(|&id| id == e.id).map(|p| p as u32 + 1))
}

/// Every enrolment of a course, enrolled first (by id) then the waiting list in order, each
/// with its position while waiting.
pub fn course_enrolments(
    r: &impl Reader,
    course_id: u64,
) -> ApiResult<Vec<(Enrolment, Option<u32>)>> {
    let entries = r.scan(COURSE_INDEX, &course_prefix(course_id, None), None, usize::MAX, false)?;
    let mut out = Vec::with_capacity(entries.len());
    let mut waiting = 0u32;
    for (_, id) in entries {
        let Some(e) = r.get::<Enrolment>(id)? else { continue };
        let pos = match e.status {
            EnrolmentStatus::Waiting => {
                waiting += 1;
                Some(waiting)
            }
            EnrolmentStatus::Enrolled => None,
        };
        out.push((e, pos));
    }
    Ok(out)
}

/// Enrols `user_id` in a course: a seat if one is free and nobody waits for it, else the end
/// of the waiting list. Returns the enrolment and its waiting position.
pub fn enrol(
    w: &mut WriteTx<'_>,
    course_id: u64,
    user_id: u64,
    staff: bool,
) -> ApiResult<(Enrolment, Option<u32>)> {
    let course: Course = w
        .get(course_id)?
        .filter(|c: &Course| staff || c.status != CourseStatus::Draft)
        .ok_or_else(|| ApiError::not_found("course"))?;
    if course.status != CourseStatus::Open {
        return Err(ApiError::conflict(
            None,
            format!("the course is {}; it takes no enrolments", status_name(course.status)),
        ));
    }
    if let Some(existing) = w.unique(MEMBER_UNIQUE, &member_key(course_id, user_id))? {
        let waiting = w
            .get::<Enrolment>(existing)?
            .is_some_and(|e: Enrolment| e.status == EnrolmentStatus::Waiting);
        return Err(ApiError::conflict(
            None,
            if waiting {
                "you are already on this course's waiting list"
            } else {
                "you are already enrolled in this course"
            },
        ));
    }
    let seats = course.capacity as usize;
    let has_seat = enrolled_count(w, course_id, seats)? < seats
        && w.scan(
            COURSE_INDEX,
            &course_prefix(course_id, Some(EnrolmentStatus::Waiting)),
            None,
            1,
            false,
        )?
        .is_empty();
    let id = w.next_id(Enrolment::TABLE)?;
    let status = if has_seat { EnrolmentStatus::Enrolled } else { EnrolmentStatus::Waiting };
    let e = Enrolment {
        id,
        course_id,
        user_id,
        status,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    w.insert(&e)?;
    let pos = if has_seat {
        emit(w, Event::Enrolled { course_id, user_id })?;
        None
    } else {
        // The newest id is the last in line.
        Some(waiting_ids(w, course_id)?.len() as u32)
    };
    Ok((e, pos))
}

/// Takes `user_id` out of a course (enrolled or waiting); a freed seat goes to the first
/// waiting member in the same transaction.
pub fn leave(w: &mut WriteTx<'_>, course_id: u64, user_id: u64, staff: bool) -> ApiResult<()> {
    let course: Course = w
        .get(course_id)?
        .filter(|c: &Course| staff || c.status != CourseStatus::Draft)
        .ok_or_else(|| ApiError::not_found("course"))?;
    let id = w
        .unique(MEMBER_UNIQUE, &member_key(course_id, user_id))?
        .ok_or_else(|| ApiError::not_found("enrolment"))?;
    let Some(e) = w.remove::<Enrolment>(id)? else {
        return Err(ApiError::not_found("enrolment"));
    };
    if e.status == EnrolmentStatus::Enrolled {
        fill_seats(w, &course)?;
    }
    Ok(())
}

/// Moves waiting members into free seats, first in line first, while the course is open.
fn fill_seats(w: &mut WriteTx<'_>, course: &Course) -> ApiResult<()> {
    if course.status != CourseStatus::Open {
        return Ok(());
    }
    let seats = course.capacity as usize;
    let free = seats.saturating_sub(enrolled_count(w, course.id, seats)?);
    if free == 0 {
        return Ok(());
    }
    let prefix = course_prefix(course.id, Some(EnrolmentStatus::Waiting));
    for (_, id) in w.scan(COURSE_INDEX, &prefix, None, free, false)? {
        let Some(mut e) = w.get::<Enrolment>(id)? else { continue };
        e.status = EnrolmentStatus::Enrolled;
        e.updated_at_ms = w.now_ms();
        w.update(&e)?;
        emit(w, Event::PromotedFromWaitlist { course_id: course.id, user_id: e.user_id })?;
    }
    Ok(())
}

pub fn status_name(s: CourseStatus) -> &'static str {
    match s {
        CourseStatus::Draft => "draft",
        CourseStatus::Open => "open",
        CourseStatus::Closed => "closed",
        CourseStatus::Cancelled => "cancelled",
    }
}

/// An account is being deleted: it leaves every course (freed seats go to the waiting list)
/// and stops being anyone's teacher. Runs inside the deletion's job.
pub fn forget_account(w: &mut WriteTx<'_>, user_id: u64) -> ApiResult<()> {
    let enrolments =
        w.scan(super::model::USER_INDEX, &user_id.to_be_bytes(), None, usize::MAX, false)?;
    for (_, id) in enrolments {
        if let Some(e) = w.get::<Enrolment>(id)? {
            leave(w, e.course_id, user_id, true)?;
        }
    }
    let mut after = None;
    loop {
        let courses: Vec<Course> = w.list(after, 500, false)?;
        let Some(last) = courses.last().map(|c| c.id) else { break };
        after = Some(last);
        for mut c in courses.into_iter().filter(|c| c.teacher_id == Some(user_id)) {
            c.teacher_id = None;
            w.update(&c)?;
        }
    }
    Ok(())
}
