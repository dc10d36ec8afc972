//! `/api/clients`, `/api/locations`, `/api/resources`, `/api/travels`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{
    Client, ClientView, Location, LocationView, Resource, ResourceKind, ResourceView, Travel,
    TravelStatus, TravelView, parse_capacity, parse_lat, parse_lng, parse_name, parse_phone,
    parse_text,
};
use super::rules::{
    self, ClientForm, ClientPatch, LocationForm, LocationPatch, ResourceForm, ResourcePatch,
    TravelForm, TravelPatch, Viewer,
};
use crate::accounts::Email;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, Page, PageParams, Path, Query, double_option, parse_rfc3339};
use crate::store::{Reader, Record};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_client, list_clients))
        .routes(routes!(get_client, patch_client, delete_client))
        .routes(routes!(create_location, list_locations))
        .routes(routes!(get_location, patch_location, delete_location))
        .routes(routes!(create_resource, list_resources))
        .routes(routes!(get_resource, patch_resource, delete_resource))
        .routes(routes!(create_travel, list_travels))
        .routes(routes!(get_travel, patch_travel, delete_travel))
        .routes(routes!(move_travel))
}

const NOTES_MAX: usize = 2000;
const ADDRESS_MAX: usize = 200;

/// A page of `T` in id order that `keep` accepts, shown as `V`.
async fn page_of<T, V>(
    s: &AppState,
    page: PageParams,
    keep: impl FnMut(&T) -> bool + Send + 'static,
    view: impl Fn(&T) -> V,
) -> ApiResult<axum::Json<Page<V>>>
where
    T: Record,
{
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let rows = s.store.read_blocking(move |r| r.list_where::<T>(after, limit + 1, keep)).await?;
    Ok(axum::Json(Page::from_overfetch(rows, limit, |t| t.id().to_string(), |t| view(&t))))
}

fn viewer(s: &AppState, caller: &AuthUser) -> ApiResult<Viewer> {
    s.store.read(|r| Ok(Viewer::of(r, caller)))?
}

// --- clients -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    notes: Option<String>,
    /// A member account that then sees this client's deliveries (one client per account).
    user_id: Option<u64>,
}

fn parse_email(s: Option<&str>) -> ApiResult<Option<String>> {
    s.filter(|e| !e.trim().is_empty()).map(|e| Email::parse(e).map(Email::into_inner)).transpose()
}

/// Create a client (staff).
#[utoipa::path(post, path = "/api/clients", tag = "deliveries", request_body = NewClient,
    responses((status = 201, body = ClientView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_client(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<NewClient>,
) -> ApiResult<impl IntoResponse> {
    caller.require_staff()?;
    let form = ClientForm {
        name: parse_name("name", &b.name)?,
        phone: parse_phone(b.phone.as_deref())?,
        email: parse_email(b.email.as_deref())?,
        notes: parse_text("notes", b.notes.as_deref(), NOTES_MAX)?,
        user_id: b.user_id,
    };
    let c = s.store.write(Some(caller.id()), move |w| rules::create_client(w, &form)).await?;
    Ok((StatusCode::CREATED, axum::Json(ClientView::from(&c))))
}

/// List clients by id (staff).
#[utoipa::path(get, path = "/api/clients", tag = "deliveries", params(PageParams),
    responses((status = 200, body = Page<ClientView>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_clients(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<Page<ClientView>>> {
    caller.require_staff()?;
    page_of::<Client, _>(&s, page, |_| true, |x| ClientView::from(x)).await
}

/// One client: staff, its member, and couriers of its travels.
#[utoipa::path(get, path = "/api/clients/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 200, body = ClientView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_client(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<ClientView>> {
    let v = viewer(&s, &caller)?;
    let found = s
        .store
        .read_blocking(move |r| {
            let c = r.get::<Client>(id)?;
            Ok(c.map(|c| (v.sees_client(r, id), c)))
        })
        .await?;
    match found {
        None => Err(ApiError::not_found("client")),
        Some((ok, c)) => {
            if ok? {
                Ok(axum::Json(ClientView::from(&c)))
            } else {
                Err(ApiError::forbidden("only staff read clients"))
            }
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientChanges {
    name: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    notes: Option<Option<String>>,
    /// null unlinks the member account.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    user_id: Option<Option<u64>>,
}

/// Edit a client (staff).
#[utoipa::path(patch, path = "/api/clients/{id}", tag = "deliveries", params(("id" = u64, Path)), request_body = ClientChanges,
    responses((status = 200, body = ClientView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_client(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<ClientChanges>,
) -> ApiResult<axum::Json<ClientView>> {
    caller.require_staff()?;
    let patch = ClientPatch {
        name: b.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
        phone: b.phone.map(|p| parse_phone(p.as_deref())).transpose()?,
        email: b.email.map(|e| parse_email(e.as_deref())).transpose()?,
        notes: b.notes.map(|n| parse_text("notes", n.as_deref(), NOTES_MAX)).transpose()?,
        user_id: b.user_id,
    };
    let c = s.store.write(Some(caller.id()), move |w| rules::update_client(w, id, &patch)).await?;
    Ok(axum::Json(ClientView::from(&c)))
}

/// Delete a client and its locations (staff); refused while travels refer to them.
#[utoipa::path(delete, path = "/api/clients/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_client(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    s.store.write(Some(caller.id()), move |w| rules::delete_client(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- locations ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    label: String,
    street: Option<String>,
    city: Option<String>,
    notes: Option<String>,
    /// -90 to 90; with `lng`.
    lat: Option<f64>,
    /// -180 to 180; with `lat`.
    lng: Option<f64>,
    /// The client whose address this is; none for the shop's own places.
    client_id: Option<u64>,
}

/// Create a location (staff).
#[utoipa::path(post, path = "/api/locations", tag = "deliveries", request_body = NewLocation,
    responses((status = 201, body = LocationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_location(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<NewLocation>,
) -> ApiResult<impl IntoResponse> {
    caller.require_staff()?;
    let form = LocationForm {
        label: parse_name("label", &b.label)?,
        street: parse_text("street", b.street.as_deref(), ADDRESS_MAX)?,
        city: parse_text("city", b.city.as_deref(), ADDRESS_MAX)?,
        notes: parse_text("notes", b.notes.as_deref(), NOTES_MAX)?,
        lat: b.lat.map(parse_lat).transpose()?,
        lng: b.lng.map(parse_lng).transpose()?,
        client_id: b.client_id,
    };
    let l = s.store.write(Some(caller.id()), move |w| rules::create_location(w, &form)).await?;
    Ok((StatusCode::CREATED, axum::Json(LocationView::from(&l))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationFilter {
    /// Only this client's locations.
    client_id: Option<u64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List locations by id (staff).
#[utoipa::path(get, path = "/api/locations", tag = "deliveries", params(LocationFilter),
    responses((status = 200, body = Page<LocationView>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_locations(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(f): Query<LocationFilter>,
) -> ApiResult<axum::Json<Page<LocationView>>> {
    caller.require_staff()?;
    let client = f.client_id;
    let page = PageParams { limit: f.limit, cursor: f.cursor };
    page_of::<Location, _>(
        &s,
        page,
        move |l| client.is_none_or(|c| l.client_id == Some(c)),
        |x| LocationView::from(x),
    )
    .await
}

/// One location: staff, its client's member, and couriers of travels from or to it.
#[utoipa::path(get, path = "/api/locations/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 200, body = LocationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_location(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<LocationView>> {
    let v = viewer(&s, &caller)?;
    let found = s
        .store
        .read_blocking(move |r| {
            let l = r.get::<Location>(id)?;
            Ok(l.map(|l| (v.sees_location(r, &l), l)))
        })
        .await?;
    match found {
        None => Err(ApiError::not_found("location")),
        Some((ok, l)) => {
            if ok? {
                Ok(axum::Json(LocationView::from(&l)))
            } else {
                Err(ApiError::forbidden("only staff read locations"))
            }
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationChanges {
    label: Option<String>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    street: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    city: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    notes: Option<Option<String>>,
    /// null removes it (then `lng` too).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    lat: Option<Option<f64>>,
    /// null removes it (then `lat` too).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    lng: Option<Option<f64>>,
    /// null makes it one of the shop's places.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    client_id: Option<Option<u64>>,
}

/// Edit a location (staff).
#[utoipa::path(patch, path = "/api/locations/{id}", tag = "deliveries", params(("id" = u64, Path)), request_body = LocationChanges,
    responses((status = 200, body = LocationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_location(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<LocationChanges>,
) -> ApiResult<axum::Json<LocationView>> {
    caller.require_staff()?;
    let text = |field: &str, v: Option<Option<String>>, max| {
        v.map(|t| parse_text(field, t.as_deref(), max)).transpose()
    };
    let patch = LocationPatch {
        label: b.label.as_deref().map(|l| parse_name("label", l)).transpose()?,
        street: text("street", b.street, ADDRESS_MAX)?,
        city: text("city", b.city, ADDRESS_MAX)?,
        notes: text("notes", b.notes, NOTES_MAX)?,
        lat: b.lat.map(|v| v.map(parse_lat).transpose()).transpose()?,
        lng: b.lng.map(|v| v.map(parse_lng).transpose()).transpose()?,
        client_id: b.client_id,
    };
    let l =
        s.store.write(Some(caller.id()), move |w| rules::update_location(w, id, &patch)).await?;
    Ok(axum::Json(LocationView::from(&l)))
}

/// Delete a location (staff); refused while travels refer to it.
#[utoipa::path(delete, path = "/api/locations/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_location(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    s.store.write(Some(caller.id()), move |w| rules::delete_location(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- resources ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResource {
    name: String,
    kind: ResourceKind,
    /// 0 or more.
    capacity: Option<i64>,
    /// The courier's account.
    courier_id: Option<u64>,
    /// Default true.
    active: Option<bool>,
}

/// Create a resource (staff).
#[utoipa::path(post, path = "/api/resources", tag = "deliveries", request_body = NewResource,
    responses((status = 201, body = ResourceView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_resource(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<NewResource>,
) -> ApiResult<impl IntoResponse> {
    caller.require_staff()?;
    let form = ResourceForm {
        name: parse_name("name", &b.name)?,
        kind: b.kind,
        capacity: b.capacity.map(parse_capacity).transpose()?,
        courier_id: b.courier_id,
        active: b.active.unwrap_or(true),
    };
    let r = s.store.write(Some(caller.id()), move |w| rules::create_resource(w, &form)).await?;
    Ok((StatusCode::CREATED, axum::Json(ResourceView::from(&r))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceFilter {
    active: Option<bool>,
    courier_id: Option<u64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List resources by id (staff).
#[utoipa::path(get, path = "/api/resources", tag = "deliveries", params(ResourceFilter),
    responses((status = 200, body = Page<ResourceView>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_resources(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(f): Query<ResourceFilter>,
) -> ApiResult<axum::Json<Page<ResourceView>>> {
    caller.require_staff()?;
    let (active, courier) = (f.active, f.courier_id);
    let page = PageParams { limit: f.limit, cursor: f.cursor };
    page_of::<Resource, _>(
        &s,
        page,
        move |r| {
            active.is_none_or(|a| r.active == a) && courier.is_none_or(|c| r.courier_id == Some(c))
        },
        |x| ResourceView::from(x),
    )
    .await
}

/// One resource: staff, and its courier.
#[utoipa::path(get, path = "/api/resources/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 200, body = ResourceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_resource(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<ResourceView>> {
    let v = viewer(&s, &caller)?;
    let r: Resource =
        s.store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("resource"))?;
    if !v.sees_resource(id) {
        return Err(ApiError::forbidden("only staff and its courier read a resource"));
    }
    Ok(axum::Json(ResourceView::from(&r)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceChanges {
    name: Option<String>,
    kind: Option<ResourceKind>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    capacity: Option<Option<i64>>,
    /// null: no courier.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    courier_id: Option<Option<u64>>,
    active: Option<bool>,
}

/// Edit a resource (staff).
#[utoipa::path(patch, path = "/api/resources/{id}", tag = "deliveries", params(("id" = u64, Path)), request_body = ResourceChanges,
    responses((status = 200, body = ResourceView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_resource(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<ResourceChanges>,
) -> ApiResult<axum::Json<ResourceView>> {
    caller.require_staff()?;
    let patch = ResourcePatch {
        name: b.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
        kind: b.kind,
        capacity: b.capacity.map(|c| c.map(parse_capacity).transpose()).transpose()?,
        courier_id: b.courier_id,
        active: b.active,
    };
    let r =
        s.store.write(Some(caller.id()), move |w| rules::update_resource(w, id, &patch)).await?;
    Ok(axum::Json(ResourceView::from(&r)))
}

/// Delete a resource no travel used (staff); one with travels is deactivated instead.
#[utoipa::path(delete, path = "/api/resources/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_resource(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    s.store.write(Some(caller.id()), move |w| rules::delete_resource(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- travels -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTravel {
    client_id: u64,
    from_location_id: u64,
    to_location_id: u64,
    /// Assigns it at once (status `assigned`).
    resource_id: Option<u64>,
    /// RFC 3339.
    window_start: String,
    /// RFC 3339, after `window_start`.
    window_end: String,
    /// Items, or anything else the courier should know.
    notes: Option<String>,
}

/// Create a travel (staff): `planned`, or `assigned` if it names a free resource.
#[utoipa::path(post, path = "/api/travels", tag = "deliveries", request_body = NewTravel,
    responses((status = 201, body = TravelView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_travel(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<NewTravel>,
) -> ApiResult<impl IntoResponse> {
    caller.require_staff()?;
    let form = TravelForm {
        client_id: b.client_id,
        from_location_id: b.from_location_id,
        to_location_id: b.to_location_id,
        resource_id: b.resource_id,
        window_start_ms: parse_rfc3339("window_start", &b.window_start)?,
        window_end_ms: parse_rfc3339("window_end", &b.window_end)?,
        notes: parse_text("notes", b.notes.as_deref(), NOTES_MAX)?,
    };
    let t = s.store.write(Some(caller.id()), move |w| rules::create_travel(w, &form)).await?;
    Ok((StatusCode::CREATED, axum::Json(TravelView::from(&t))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TravelFilter {
    status: Option<TravelStatus>,
    resource_id: Option<u64>,
    client_id: Option<u64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List travels by id: all of them for staff, a courier's own, a client member's own; empty
/// for everyone else.
#[utoipa::path(get, path = "/api/travels", tag = "deliveries", params(TravelFilter),
    responses((status = 200, body = Page<TravelView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_travels(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(f): Query<TravelFilter>,
) -> ApiResult<axum::Json<Page<TravelView>>> {
    let v = viewer(&s, &caller)?;
    let page = PageParams { limit: f.limit, cursor: f.cursor };
    if !v.staff && v.courier_of.is_empty() && v.client_of.is_none() {
        page.limit()?;
        page.cursor_id()?;
        return Ok(axum::Json(Page { items: Vec::new(), next_cursor: None }));
    }
    let (status, resource, client) = (f.status, f.resource_id, f.client_id);
    page_of::<Travel, _>(
        &s,
        page,
        move |t| {
            v.sees(t)
                && status.is_none_or(|st| t.status == st)
                && resource.is_none_or(|r| t.resource_id == Some(r))
                && client.is_none_or(|c| t.client_id == c)
        },
        |x| TravelView::from(x),
    )
    .await
}

/// One travel, with its history. A travel the caller may not see answers 404.
#[utoipa::path(get, path = "/api/travels/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 200, body = TravelView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_travel(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<TravelView>> {
    let v = viewer(&s, &caller)?;
    let t: Travel = s
        .store
        .read(|r| r.get(id))?
        .filter(|t| v.sees(t))
        .ok_or_else(|| ApiError::not_found("travel"))?;
    Ok(axum::Json(TravelView::from(&t)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TravelChanges {
    client_id: Option<u64>,
    from_location_id: Option<u64>,
    to_location_id: Option<u64>,
    /// Assigns a `planned` travel (→ `assigned`) or reassigns an `assigned` one; refused (409)
    /// if the resource holds an overlapping travel, naming it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    resource_id: Option<Option<u64>>,
    window_start: Option<String>,
    window_end: Option<String>,
    /// null removes them.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    notes: Option<Option<String>>,
}

/// Edit a travel (staff); `resource_id` assigns it.
#[utoipa::path(patch, path = "/api/travels/{id}", tag = "deliveries", params(("id" = u64, Path)), request_body = TravelChanges,
    responses((status = 200, body = TravelView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_travel(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<TravelChanges>,
) -> ApiResult<axum::Json<TravelView>> {
    caller.require_staff()?;
    let resource_id = match b.resource_id {
        Some(None) => {
            return Err(ApiError::invalid(
                "resource_id",
                "a travel is not unassigned: assign another resource, or cancel it",
            ));
        }
        r => r.flatten(),
    };
    let patch = TravelPatch {
        client_id: b.client_id,
        from_location_id: b.from_location_id,
        to_location_id: b.to_location_id,
        resource_id,
        window_start_ms: b.window_start.map(|t| parse_rfc3339("window_start", &t)).transpose()?,
        window_end_ms: b.window_end.map(|t| parse_rfc3339("window_end", &t)).transpose()?,
        notes: b.notes.map(|n| parse_text("notes", n.as_deref(), NOTES_MAX)).transpose()?,
    };
    let t = s.store.write(Some(caller.id()), move |w| rules::update_travel(w, id, &patch)).await?;
    Ok(axum::Json(TravelView::from(&t)))
}

/// Delete a travel (staff), for mistakes; a real delivery that will not happen is cancelled.
#[utoipa::path(delete, path = "/api/travels/{id}", tag = "deliveries", params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_travel(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    s.store.write(Some(caller.id()), move |w| rules::delete_travel(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// The next status: `planned → assigned → on_the_way → delivered`, or `cancelled`
    /// before `delivered`.
    status: TravelStatus,
    /// Needed to move to `assigned`.
    resource_id: Option<u64>,
}

/// Move a travel to its next status (staff; its courier for `on_the_way` and `delivered`).
/// An impossible move is 409 and lists the allowed ones.
#[utoipa::path(post, path = "/api/travels/{id}/status", tag = "deliveries", params(("id" = u64, Path)), request_body = StatusChange,
    responses((status = 200, body = TravelView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn move_travel(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<StatusChange>,
) -> ApiResult<axum::Json<TravelView>> {
    let (user_id, staff) = (caller.id(), caller.user.role.is_staff());
    let t = s
        .store
        .write(Some(user_id), move |w| {
            // Who the caller is to this travel is read in the same transaction as the move.
            let v = Viewer::load(w, user_id, staff)?;
            rules::move_travel(w, id, b.status, b.resource_id, &v)
        })
        .await?;
    Ok(axum::Json(TravelView::from(&t)))
}
