//! `/api/courses`, `/api/courses/{id}/enrolments`, `/api/users/{id}/courses`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{
    Course, CourseStatus, CourseView, Enrolment, EnrolmentView, USER_INDEX, parse_capacity,
    parse_price, parse_text, parse_title,
};
use super::rules::{self, CourseForm, CoursePatch, may_list_enrolments, may_see};
use crate::accounts::User;
use crate::app::AppState;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, Page, PageParams, Path, Query, double_option, parse_rfc3339};
use crate::store::Reader;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_course, list_courses))
        .routes(routes!(get_course, patch_course, delete_course))
        .routes(routes!(enrol, list_enrolments, leave))
        .routes(routes!(remove_enrolment))
        .routes(routes!(user_courses))
}

const DESCRIPTION_MAX: usize = 5000;
const SCHEDULE_MAX: usize = 200;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    title: String,
    description: Option<String>,
    /// An account id.
    teacher_id: Option<u64>,
    /// RFC 3339.
    starts_at: String,
    /// RFC 3339, after `starts_at`.
    ends_at: String,
    /// Free text, such as "martes 19 h".
    schedule: Option<String>,
    /// Seats, 0 or more.
    capacity: i64,
    /// Default 0.
    price_cents: Option<i64>,
    /// Default `draft`.
    status: Option<CourseStatus>,
}

/// Create a course (staff).
#[utoipa::path(post, path = "/api/courses", tag = "courses", request_body = NewCourse,
    responses((status = 201, body = CourseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_course(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<NewCourse>,
) -> ApiResult<impl IntoResponse> {
    caller.require_staff()?;
    let form = CourseForm {
        title: parse_title(&b.title)?,
        description: parse_text("description", b.description.as_deref(), DESCRIPTION_MAX)?,
        teacher_id: b.teacher_id,
        starts_at_ms: parse_rfc3339("starts_at", &b.starts_at)?,
        ends_at_ms: parse_rfc3339("ends_at", &b.ends_at)?,
        schedule: parse_text("schedule", b.schedule.as_deref(), SCHEDULE_MAX)?,
        capacity: parse_capacity(b.capacity)?,
        price_cents: parse_price(b.price_cents.unwrap_or(0))?,
        status: b.status.unwrap_or(CourseStatus::Draft),
    };
    let course = s.store.write(Some(caller.id()), move |w| rules::create(w, &form)).await?;
    Ok((StatusCode::CREATED, axum::Json(CourseView::from(&course))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseFilter {
    /// Only courses with this status. Default: all for staff, `open` for everyone else
    /// (who never see drafts).
    status: Option<CourseStatus>,
    /// Only courses this account teaches.
    teacher_id: Option<u64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List courses by id: open ones for everyone, all of them for staff.
#[utoipa::path(get, path = "/api/courses", tag = "courses", params(CourseFilter),
    responses((status = 200, body = Page<CourseView>), (status = 400, body = ErrorBody)))]
async fn list_courses(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Query(f): Query<CourseFilter>,
) -> ApiResult<axum::Json<Page<CourseView>>> {
    let page = PageParams { limit: f.limit, cursor: f.cursor };
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let staff = caller.0.as_ref().is_some_and(|c| c.user.role.is_staff());
    let status = if staff { f.status } else { Some(f.status.unwrap_or(CourseStatus::Open)) };
    let teacher = f.teacher_id;
    let courses = s
        .store
        .read_blocking(move |r| {
            r.list_where::<Course>(after, limit + 1, |c| {
                (staff || c.status != CourseStatus::Draft)
                    && status.is_none_or(|st| c.status == st)
                    && teacher.is_none_or(|t| c.teacher_id == Some(t))
            })
        })
        .await?;
    Ok(axum::Json(Page::from_overfetch(
        courses,
        limit,
        |c| c.id.to_string(),
        |c| CourseView::from(&c),
    )))
}

fn visible_course(s: &AppState, id: u64, caller: Option<&AuthUser>) -> ApiResult<Course> {
    s.store
        .read(|r| r.get::<Course>(id))?
        .filter(|c| may_see(c, caller))
        .ok_or_else(|| ApiError::not_found("course"))
}

/// One course. Drafts answer 404 to everyone but staff.
#[utoipa::path(get, path = "/api/courses/{id}", tag = "courses", params(("id" = u64, Path)),
    responses((status = 200, body = CourseView), (status = 404, body = ErrorBody)))]
async fn get_course(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<CourseView>> {
    let course = visible_course(&s, id, caller.0.as_ref())?;
    Ok(axum::Json(CourseView::from(&course)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseChanges {
    title: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    teacher_id: Option<Option<u64>>,
    /// Moving it tells the members.
    starts_at: Option<String>,
    ends_at: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    schedule: Option<Option<String>>,
    /// More seats move the waiting list up; fewer keep everyone enrolled but take nobody new
    /// until members leave.
    capacity: Option<i64>,
    price_cents: Option<i64>,
    /// `cancelled` tells the members; `open` moves the waiting list into free seats.
    status: Option<CourseStatus>,
}

/// Edit a course (staff).
#[utoipa::path(patch, path = "/api/courses/{id}", tag = "courses", params(("id" = u64, Path)), request_body = CourseChanges,
    responses((status = 200, body = CourseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_course(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<CourseChanges>,
) -> ApiResult<axum::Json<CourseView>> {
    caller.require_staff()?;
    let patch = CoursePatch {
        title: b.title.as_deref().map(parse_title).transpose()?,
        description: b
            .description
            .map(|d| parse_text("description", d.as_deref(), DESCRIPTION_MAX))
            .transpose()?,
        teacher_id: b.teacher_id,
        starts_at_ms: b.starts_at.map(|t| parse_rfc3339("starts_at", &t)).transpose()?,
        ends_at_ms: b.ends_at.map(|t| parse_rfc3339("ends_at", &t)).transpose()?,
        schedule: b
            .schedule
            .map(|d| parse_text("schedule", d.as_deref(), SCHEDULE_MAX))
            .transpose()?,
        capacity: b.capacity.map(parse_capacity).transpose()?,
        price_cents: b.price_cents.map(parse_price).transpose()?,
        status: b.status,
    };
    let course = s.store.write(Some(caller.id()), move |w| rules::update(w, id, &patch)).await?;
    Ok(axum::Json(CourseView::from(&course)))
}

/// Delete a course nobody is enrolled in (staff); one with enrolments is cancelled instead.
#[utoipa::path(delete, path = "/api/courses/{id}", tag = "courses", params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_course(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    s.store.write(Some(caller.id()), move |w| rules::delete(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrol yourself: a seat if one is free, else a place at the end of the waiting list.
#[utoipa::path(post, path = "/api/courses/{id}/enrolments", tag = "courses", params(("id" = u64, Path)),
    responses((status = 201, body = EnrolmentView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn enrol(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<impl IntoResponse> {
    let (user_id, staff) = (caller.id(), caller.user.role.is_staff());
    let (e, pos) =
        s.store.write(Some(user_id), move |w| rules::enrol(w, id, user_id, staff)).await?;
    Ok((StatusCode::CREATED, axum::Json(EnrolmentView::new(&e, pos))))
}

/// A course's enrolments (its teacher and staff): the enrolled members, then the waiting
/// list in order with each one's position.
#[utoipa::path(get, path = "/api/courses/{id}/enrolments", tag = "courses", params(("id" = u64, Path), PageParams),
    responses((status = 200, body = Page<EnrolmentView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_enrolments(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<Page<EnrolmentView>>> {
    let course = visible_course(&s, id, Some(&caller))?;
    if !may_list_enrolments(&course, &caller) {
        return Err(ApiError::forbidden("only the teacher and staff see who is enrolled"));
    }
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let all = s.store.read_blocking(move |r| Ok(rules::course_enrolments(r, id))).await??;
    // The cursor is the id of the last enrolment shown; the list's order is not by id, so
    // the page starts after wherever that enrolment stands now.
    let start = match after {
        None => 0,
        Some(a) => all.iter().position(|(e, _)| e.id == a).map_or(all.len(), |p| p + 1),
    };
    let rows: Vec<_> = all.into_iter().skip(start).take(limit + 1).collect();
    Ok(axum::Json(Page::from_overfetch(
        rows,
        limit,
        |(e, _)| e.id.to_string(),
        |(e, p)| EnrolmentView::new(&e, p),
    )))
}

/// Leave a course (yourself); your seat goes to the first member waiting.
#[utoipa::path(delete, path = "/api/courses/{id}/enrolments", tag = "courses", params(("id" = u64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn leave(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    let (user_id, staff) = (caller.id(), caller.user.role.is_staff());
    s.store.write(Some(user_id), move |w| rules::leave(w, id, user_id, staff)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a member out of a course: the member itself, or staff.
#[utoipa::path(delete, path = "/api/courses/{id}/enrolments/{user_id}", tag = "courses",
    params(("id" = u64, Path), ("user_id" = u64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn remove_enrolment(
    State(s): State<AppState>,
    caller: AuthUser,
    Path((id, user_id)): Path<(u64, u64)>,
) -> ApiResult<StatusCode> {
    let staff = caller.user.role.is_staff();
    if !staff && caller.id() != user_id {
        return Err(ApiError::forbidden("only staff take other members out of a course"));
    }
    s.store.write(Some(caller.id()), move |w| rules::leave(w, id, user_id, staff)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A course a member is in, with the member's enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberCourse {
    pub course: CourseView,
    pub enrolment: EnrolmentView,
}

/// A member's courses, newest enrolment last (that member, and staff).
#[utoipa::path(get, path = "/api/users/{id}/courses", tag = "courses", params(("id" = u64, Path), PageParams),
    responses((status = 200, body = Page<MemberCourse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn user_courses(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<Page<MemberCourse>>> {
    if caller.id() != id && !caller.user.role.is_staff() {
        return Err(ApiError::forbidden("you may only list your own courses"));
    }
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let rows =
        s.store.read_blocking(move |r| Ok(member_courses(r, id, after, limit + 1))).await??;
    Ok(axum::Json(Page::from_overfetch(
        rows,
        limit,
        |(_, e, _)| e.id.to_string(),
        |(c, e, p)| MemberCourse {
            course: CourseView::from(&c),
            enrolment: EnrolmentView::new(&e, p),
        },
    )))
}

type MemberRow = (Course, Enrolment, Option<u32>);

/// Up to `limit` of a member's enrolments after the enrolment `after`, with their courses.
fn member_courses(
    r: &impl Reader,
    user_id: u64,
    after: Option<u64>,
    limit: usize,
) -> ApiResult<Vec<MemberRow>> {
    if r.get::<User>(user_id)?.is_none() {
        return Err(ApiError::not_found("user"));
    }
    let prefix = user_id.to_be_bytes();
    let after_key = after.map(|a| [prefix, a.to_be_bytes()].concat());
    let mut out = Vec::new();
    for (_, eid) in r.scan(USER_INDEX, &prefix, after_key.as_deref(), limit, false)? {
        let Some(e) = r.get::<Enrolment>(eid)? else { continue };
        let Some(c) = r.get::<Course>(e.course_id)? else { continue };
        let pos = rules::position(r, &e)?;
        out.push((c, e, pos));
    }
    Ok(out)
}
