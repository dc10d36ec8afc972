//! Who may do what with deliveries, and the writes with their invariants.
//!
//! | action                                        | anon | user    | courier          | client's member | staff |
//! |-----------------------------------------------|------|---------|------------------|-----------------|-------|
//! | create, edit, delete, list clients, locations, resources, travels | 401 | 403 | 403 | 403   | yes   |
//! | list travels (`GET /api/travels`)             | 401  | empty   | its resources'   | its client's    | all   |
//! | read a travel                                 | 401  | 404     | its resources'   | its client's    | yes   |
//! | move a travel to `on_the_way` or `delivered`  | 401  | 404     | its resources'   | 403             | yes   |
//! | assign or cancel a travel                     | 401  | 404     | 403              | 403             | yes   |
//! | read a resource                               | 401  | 403     | its own          | 403             | yes   |
//! | read a client                                 | 401  | 403     | of its travels   | its own         | yes   |
//! | read a location                               | 401  | 403     | of its travels   | its client's    | yes   |
//!
//! A courier is any account (of any role) that a resource names as `courier_id`; a client's
//! member is the account a client names as `user_id`. A travel the caller may not see answers
//! 404, as if it did not exist; one it sees but may not change in that way answers 403.
//!
//! The invariants: a resource never holds two unfinished travels whose windows overlap
//! (windows are half-open, so back-to-back travels do not clash); travels move only along
//! [`TravelStatus::next`]; a client, location or resource that travels refer to is not
//! deleted. Every write runs inside one writer job and reads before it writes, so a check
//! and the write it guards cannot be split by a concurrent request.

use crate::accounts::User;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, emit};
use crate::http::rfc3339;
use crate::store::{Reader, Record, WriteTx};

use super::model::{
    CLIENT_USER_UNIQUE, Client, HistoryEntry, LOCATION_CLIENT_INDEX, Location,
    RESOURCE_COURIER_INDEX, Resource, ResourceKind, TRAVEL_CLIENT_INDEX, TRAVEL_LOCATION_INDEX,
    TRAVEL_RESOURCE_INDEX, Travel, TravelStatus, time_from_bytes,
};

/// The caller as deliveries see it: staff, and which resources and client it is linked to.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub staff: bool,
    /// Resources whose courier the caller is.
    pub courier_of: Vec<u64>,
    /// The client whose member account the caller is.
    pub client_of: Option<u64>,
}

impl Viewer {
    pub fn of(r: &impl Reader, caller: &AuthUser) -> ApiResult<Viewer> {
        Viewer::load(r, caller.id(), caller.user.role.is_staff())
    }

    pub fn load(r: &impl Reader, user_id: u64, staff: bool) -> ApiResult<Viewer> {
        let courier_of = r
            .scan(RESOURCE_COURIER_INDEX, &user_id.to_be_bytes(), None, usize::MAX, false)?
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        let client_of = r.unique(CLIENT_USER_UNIQUE, &user_id.to_string())?;
        Ok(Viewer { staff, courier_of, client_of })
    }

    pub fn is_courier_of(&self, t: &Travel) -> bool {
        t.resource_id.is_some_and(|r| self.courier_of.contains(&r))
    }

    pub fn sees(&self, t: &Travel) -> bool {
        self.staff || self.is_courier_of(t) || self.client_of == Some(t.client_id)
    }

    /// Whether the caller may move a travel it sees to `to`.
    pub fn may_move(&self, t: &Travel, to: TravelStatus) -> ApiResult<()> {
        if self.staff {
            return Ok(());
        }
        if self.is_courier_of(t) {
            return match to {
                TravelStatus::OnTheWay | TravelStatus::Delivered => Ok(()),
                _ => Err(ApiError::forbidden(
                    "couriers set on_the_way and delivered; staff assign and cancel",
                )),
            };
        }
        Err(ApiError::forbidden("only the courier and staff move a travel"))
    }

    /// Whether the caller may read this resource: staff, and its courier.
    pub fn sees_resource(&self, id: u64) -> bool {
        self.staff || self.courier_of.contains(&id)
    }

    /// Whether the caller may read this client: staff, its member, and couriers of its
    /// travels.
    pub fn sees_client(&self, r: &impl Reader, id: u64) -> ApiResult<bool> {
        if self.staff || self.client_of == Some(id) {
            return Ok(true);
        }
        self.courier_of_any(r, TRAVEL_CLIENT_INDEX, id)
    }

    /// Whether the caller may read this location: staff, its client's member, and couriers
    /// of travels from or to it.
    pub fn sees_location(&self, r: &impl Reader, l: &Location) -> ApiResult<bool> {
        if self.staff || (l.client_id.is_some() && self.client_of == l.client_id) {
            return Ok(true);
        }
        self.courier_of_any(r, TRAVEL_LOCATION_INDEX, l.id)
    }

    /// Whether one of the travels under `owner` in `index` goes by a resource of the caller.
    fn courier_of_any(&self, r: &impl Reader, index: &str, owner: u64) -> ApiResult<bool> {
        if self.courier_of.is_empty() {
            return Ok(false);
        }
        for (_, id) in r.scan(index, &owner.to_be_bytes(), None, usize::MAX, false)? {
            if r.get::<Travel>(id)?.is_some_and(|t| self.is_courier_of(&t)) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn check_account(r: &impl Reader, field: &str, id: Option<u64>) -> ApiResult<()> {
    match id {
        Some(id) if r.get::<User>(id)?.is_none() => {
            Err(ApiError::invalid(field, format!("there is no account {id}")))
        }
        _ => Ok(()),
    }
}

fn check_exists<T: Record>(r: &impl Reader, field: &str, id: u64, what: &str) -> ApiResult<T> {
    r.get::<T>(id)?.ok_or_else(|| ApiError::invalid(field, format!("there is no {what} {id}")))
}

/// The first travel under `owner` in `index`, if any.
fn first_travel(r: &impl Reader, index: &str, owner: u64) -> ApiResult<Option<u64>> {
    Ok(r.scan(index, &owner.to_be_bytes(), None, 1, false)?.first().map(|(_, id)| *id))
}

fn still_used(what: &str, travel: u64) -> ApiError {
    ApiError::conflict(None, format!("travel {travel} refers to this {what}; it cannot be deleted"))
}

// --- clients -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ClientForm {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub user_id: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub user_id: Option<Option<u64>>,
}

pub fn create_client(w: &mut WriteTx<'_>, f: &ClientForm) -> ApiResult<Client> {
    check_account(w, "user_id", f.user_id)?;
    let id = w.next_id(Client::TABLE)?;
    let c = Client {
        id,
        name: f.name.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
        notes: f.notes.clone(),
        user_id: f.user_id,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    // A member account already linked to another client: 409 naming user_id.
    w.insert(&c)?;
    Ok(c)
}

pub fn update_client(w: &mut WriteTx<'_>, id: u64, p: &ClientPatch) -> ApiResult<Client> {
    let mut c: Client = w.get(id)?.ok_or_else(|| ApiError::not_found("client"))?;
    if let Some(u) = p.user_id {
        check_account(w, "user_id", u)?;
        c.user_id = u;
    }
    if let Some(n) = &p.name {
        c.name = n.clone();
    }
    if let Some(v) = &p.phone {
        c.phone = v.clone();
    }
    if let Some(v) = &p.email {
        c.email = v.clone();
    }
    if let Some(v) = &p.notes {
        c.notes = v.clone();
    }
    c.updated_at_ms = w.now_ms();
    w.update(&c)?;
    Ok(c)
}

/// Deletes a client and its locations, unless travels refer to either.
pub fn delete_client(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    w.get::<Client>(id)?.ok_or_else(|| ApiError::not_found("client"))?;
    if let Some(t) = first_travel(w, TRAVEL_CLIENT_INDEX, id)? {
        return Err(still_used("client", t));
    }
    let locations: Vec<u64> = w
        .scan(LOCATION_CLIENT_INDEX, &id.to_be_bytes(), None, usize::MAX, false)?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    for &l in &locations {
        if let Some(t) = first_travel(w, TRAVEL_LOCATION_INDEX, l)? {
            return Err(ApiError::conflict(
                None,
                format!("travel {t} refers to this client's location {l}; it cannot be deleted"),
            ));
        }
    }
    for l in locations {
        w.remove::<Location>(l)?;
    }
    w.remove::<Client>(id)?;
    Ok(())
}

// --- locations ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct LocationForm {
    pub label: String,
    pub street: Option<String>,
    pub city: Option<String>,
    pub notes: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub client_id: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct LocationPatch {
    pub label: Option<String>,
    pub street: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub lat: Option<Option<f64>>,
    pub lng: Option<Option<f64>>,
    pub client_id: Option<Option<u64>>,
}

/// A point is both coordinates or neither.
fn check_point(lat: Option<f64>, lng: Option<f64>) -> ApiResult<()> {
    match (lat, lng) {
        (Some(_), None) => Err(ApiError::invalid("lng", "give lng with lat, or neither")),
        (None, Some(_)) => Err(ApiError::invalid("lat", "give lat with lng, or neither")),
        _ => Ok(()),
    }
}

fn check_client(r: &impl Reader, id: Option<u64>) -> ApiResult<()> {
    if let Some(id) = id {
        check_exists::<Client>(r, "client_id", id, "client")?;
    }
    Ok(())
}

pub fn create_location(w: &mut WriteTx<'_>, f: &LocationForm) -> ApiResult<Location> {
    check_point(f.lat, f.lng)?;
    check_client(w, f.client_id)?;
    let id = w.next_id(Location::TABLE)?;
    let l = Location {
        id,
        label: f.label.clone(),
        street: f.street.clone(),
        city: f.city.clone(),
        notes: f.notes.clone(),
        lat: f.lat,
        lng: f.lng,
        client_id: f.client_id,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    w.insert(&l)?;
    Ok(l)
}

pub fn update_location(w: &mut WriteTx<'_>, id: u64, p: &LocationPatch) -> ApiResult<Location> {
    let mut l: Location = w.get(id)?.ok_or_else(|| ApiError::not_found("location"))?;
    if let Some(c) = p.client_id {
        check_client(w, c)?;
        l.client_id = c;
    }
    if let Some(v) = &p.label {
        l.label = v.clone();
    }
    if let Some(v) = &p.street {
        l.street = v.clone();
    }
    if let Some(v) = &p.city {
        l.city = v.clone();
    }
    if let Some(v) = &p.notes {
        l.notes = v.clone();
    }
    l.lat = p.lat.unwrap_or(l.lat);
    l.lng = p.lng.unwrap_or(l.lng);
    check_point(l.lat, l.lng)?;
    l.updated_at_ms = w.now_ms();
    w.update(&l)?;
    Ok(l)
}

pub fn delete_location(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    w.get::<Location>(id)?.ok_or_else(|| ApiError::not_found("location"))?;
    if let Some(t) = first_travel(w, TRAVEL_LOCATION_INDEX, id)? {
        return Err(still_used("location", t));
    }
    w.remove::<Location>(id)?;
    Ok(())
}

// --- resources ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ResourceForm {
    pub name: String,
    pub kind: ResourceKind,
    pub capacity: Option<u32>,
    pub courier_id: Option<u64>,
    pub active: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ResourcePatch {
    pub name: Option<String>,
    pub kind: Option<ResourceKind>,
    pub capacity: Option<Option<u32>>,
    pub courier_id: Option<Option<u64>>,
    pub active: Option<bool>,
}

pub fn create_resource(w: &mut WriteTx<'_>, f: &ResourceForm) -> ApiResult<Resource> {
    check_account(w, "courier_id", f.courier_id)?;
    let id = w.next_id(Resource::TABLE)?;
    let r = Resource {
        id,
        name: f.name.clone(),
        kind: f.kind,
        capacity: f.capacity,
        courier_id: f.courier_id,
        active: f.active,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    w.insert(&r)?;
    Ok(r)
}

pub fn update_resource(w: &mut WriteTx<'_>, id: u64, p: &ResourcePatch) -> ApiResult<Resource> {
    let mut r: Resource = w.get(id)?.ok_or_else(|| ApiError::not_found("resource"))?;
    if let Some(c) = p.courier_id {
        check_account(w, "courier_id", c)?;
        r.courier_id = c;
    }
    if let Some(v) = &p.name {
        r.name = v.clone();
    }
    r.kind = p.kind.unwrap_or(r.kind);
    r.capacity = p.capacity.unwrap_or(r.capacity);
    r.active = p.active.unwrap_or(r.active);
    r.updated_at_ms = w.now_ms();
    w.update(&r)?;
    Ok(r)
}

/// Deletes a resource no travel ever used; one with travels is deactivated instead, so the
/// travels keep saying who delivered them.
pub fn delete_resource(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    w.get::<Resource>(id)?.ok_or_else(|| ApiError::not_found("resource"))?;
    if let Some(t) = first_travel(w, TRAVEL_RESOURCE_INDEX, id)? {
        return Err(ApiError::conflict(
            None,
            format!("travel {t} uses this resource; deactivate it (active false) instead"),
        ));
    }
    w.remove::<Resource>(id)?;
    Ok(())
}

// --- travels -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct TravelForm {
    pub client_id: u64,
    pub from_location_id: u64,
    pub to_location_id: u64,
    pub resource_id: Option<u64>,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TravelPatch {
    pub client_id: Option<u64>,
    pub from_location_id: Option<u64>,
    pub to_location_id: Option<u64>,
    /// Assigns (or reassigns) the travel.
    pub resource_id: Option<u64>,
    pub window_start_ms: Option<i64>,
    pub window_end_ms: Option<i64>,
    pub notes: Option<Option<String>>,
}

fn check_window(start: i64, end: i64, field: &str) -> ApiResult<()> {
    if end <= start {
        return Err(ApiError::invalid(field, "window_end must be after window_start"));
    }
    Ok(())
}

/// A resource that exists (else 400) and is active (else 409).
fn usable_resource(r: &impl Reader, id: u64) -> ApiResult<Resource> {
    let res: Resource = check_exists(r, "resource_id", id, "resource")?;
    if !res.active {
        return Err(ApiError::conflict(
            Some("resource_id"),
            format!("resource {id} is not active"),
        ));
    }
    Ok(res)
}

/// Refuses (409 naming the clashing travel) if the resource holds another unfinished travel
/// whose window overlaps `[start, end)`.
///
/// The index orders a resource's travels by window start, so the scan stops at the first
/// travel that starts at or after `end`. Travels that start earlier are all looked at (a long
/// one may still be running), which is linear in the resource's past travels; fine for a
/// shop's fleet, and the place to add an end-time bound if it ever is not.
pub fn check_overlap(
    r: &impl Reader,
    resource_id: u64,
    start: i64,
    end: i64,
    except: Option<u64>,
) -> ApiResult<()> {
    const BATCH: usize = 256;
    let prefix = resource_id.to_be_bytes();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let batch = r.scan(TRAVEL_RESOURCE_INDEX, &prefix, after.as_deref(), BATCH, false)?;
        for (key, id) in &batch {
            let other_start = key.get(8..16).and_then(time_from_bytes).unwrap_or(i64::MIN);
            if other_start >= end {
                return Ok(());
            }
            if Some(*id) == except {
                continue;
            }
            let Some(other) = r.get::<Travel>(*id)? else { continue };
            if !other.status.is_finished() && other.window_end_ms > start {
                return Err(ApiError::conflict(
                    Some("resource_id"),
                    format!(
                        "resource {resource_id} is busy with travel {} from {} to {}",
                        other.id,
                        rfc3339(other.window_start_ms),
                        rfc3339(other.window_end_ms)
                    ),
                ));
            }
        }
        if batch.len() < BATCH {
            return Ok(());
        }
        after = batch.last().map(|(k, _)| k.clone());
    }
}

fn check_refs(r: &impl Reader, client: u64, from: u64, to: u64) -> ApiResult<()> {
    check_exists::<Client>(r, "client_id", client, "client")?;
    check_exists::<Location>(r, "from_location_id", from, "location")?;
    check_exists::<Location>(r, "to_location_id", to, "location")?;
    Ok(())
}

fn record_move(w: &mut WriteTx<'_>, t: &mut Travel, to: TravelStatus) {
    t.status = to;
    t.history.push(HistoryEntry { status: to, by: w.actor(), at_ms: w.now_ms() });
}

fn emit_move(w: &mut WriteTx<'_>, t: &Travel) -> ApiResult<()> {
    emit(w, Event::TravelStatusChanged { travel_id: t.id, status: t.status.as_str().to_owned() })?;
    Ok(())
}

/// Creates a travel: `planned`, or `assigned` when it names a free resource.
pub fn create_travel(w: &mut WriteTx<'_>, f: &TravelForm) -> ApiResult<Travel> {
    check_window(f.window_start_ms, f.window_end_ms, "window_end")?;
    check_refs(w, f.client_id, f.from_location_id, f.to_location_id)?;
    if let Some(r) = f.resource_id {
        usable_resource(w, r)?;
        check_overlap(w, r, f.window_start_ms, f.window_end_ms, None)?;
    }
    let id = w.next_id(Travel::TABLE)?;
    let mut t = Travel {
        id,
        client_id: f.client_id,
        from_location_id: f.from_location_id,
        to_location_id: f.to_location_id,
        resource_id: f.resource_id,
        window_start_ms: f.window_start_ms,
        window_end_ms: f.window_end_ms,
        notes: f.notes.clone(),
        status: TravelStatus::Planned,
        history: vec![HistoryEntry {
            status: TravelStatus::Planned,
            by: w.actor(),
            at_ms: w.now_ms(),
        }],
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
    };
    if t.resource_id.is_some() {
        record_move(w, &mut t, TravelStatus::Assigned);
    }
    w.insert(&t)?;
    if t.status == TravelStatus::Assigned {
        emit_move(w, &t)?;
    }
    Ok(t)
}

/// Edits a travel. Naming a resource assigns a `planned` travel (→ `assigned`) or reassigns
/// an `assigned` one. Once on the way the resource is fixed; once finished only notes change.
pub fn update_travel(w: &mut WriteTx<'_>, id: u64, p: &TravelPatch) -> ApiResult<Travel> {
    let old: Travel = w.get(id)?.ok_or_else(|| ApiError::not_found("travel"))?;
    let only_notes = p.client_id.is_none()
        && p.from_location_id.is_none()
        && p.to_location_id.is_none()
        && p.resource_id.is_none()
        && p.window_start_ms.is_none()
        && p.window_end_ms.is_none();
    if old.status.is_finished() && !only_notes {
        return Err(ApiError::conflict(
            Some("status"),
            format!("the travel is {}; only its notes may change", old.status.as_str()),
        ));
    }
    let resource_changes = p.resource_id.is_some_and(|r| old.resource_id != Some(r));
    if old.status == TravelStatus::OnTheWay && resource_changes {
        return Err(ApiError::conflict(
            Some("resource_id"),
            "the travel is on_the_way; its resource cannot change",
        ));
    }
    let mut t = old.clone();
    t.client_id = p.client_id.unwrap_or(t.client_id);
    t.from_location_id = p.from_location_id.unwrap_or(t.from_location_id);
    t.to_location_id = p.to_location_id.unwrap_or(t.to_location_id);
    t.window_start_ms = p.window_start_ms.unwrap_or(t.window_start_ms);
    t.window_end_ms = p.window_end_ms.unwrap_or(t.window_end_ms);
    let field = if p.window_end_ms.is_some() { "window_end" } else { "window_start" };
    check_window(t.window_start_ms, t.window_end_ms, field)?;
    if let Some(n) = &p.notes {
        t.notes = n.clone();
    }
    check_refs(w, t.client_id, t.from_location_id, t.to_location_id)?;
    if resource_changes && let Some(r) = p.resource_id {
        usable_resource(w, r)?;
        t.resource_id = Some(r);
    }
    let window_changes =
        t.window_start_ms != old.window_start_ms || t.window_end_ms != old.window_end_ms;
    if let Some(r) = t.resource_id
        && (resource_changes || window_changes)
    {
        check_overlap(w, r, t.window_start_ms, t.window_end_ms, Some(id))?;
    }
    let assigns = t.status == TravelStatus::Planned && t.resource_id.is_some();
    if assigns {
        record_move(w, &mut t, TravelStatus::Assigned);
    }
    t.updated_at_ms = w.now_ms();
    w.update(&t)?;
    if assigns {
        emit_move(w, &t)?;
    }
    Ok(t)
}

/// Moves a travel to `to` along the state machine, for a caller that may. Moving to
/// `assigned` needs the resource.
pub fn move_travel(
    w: &mut WriteTx<'_>,
    id: u64,
    to: TravelStatus,
    resource_id: Option<u64>,
    viewer: &Viewer,
) -> ApiResult<Travel> {
    let mut t: Travel =
        w.get(id)?.filter(|t| viewer.sees(t)).ok_or_else(|| ApiError::not_found("travel"))?;
    viewer.may_move(&t, to)?;
    if !t.status.may_move_to(to) {
        let allowed: Vec<&str> = t.status.next().iter().map(|s| s.as_str()).collect();
        let message = if allowed.is_empty() {
            format!("the travel is {}; it moves no further", t.status.as_str())
        } else {
            format!(
                "a {} travel cannot move to {}; allowed: {}",
                t.status.as_str(),
                to.as_str(),
                allowed.join(", ")
            )
        };
        return Err(ApiError::conflict(Some("status"), message));
    }
    if to == TravelStatus::Assigned {
        let r = resource_id.ok_or_else(|| {
            ApiError::invalid("resource_id", "assigning a travel needs a resource_id")
        })?;
        usable_resource(w, r)?;
        check_overlap(w, r, t.window_start_ms, t.window_end_ms, Some(id))?;
        t.resource_id = Some(r);
    }
    record_move(w, &mut t, to);
    t.updated_at_ms = w.now_ms();
    w.update(&t)?;
    emit_move(w, &t)?;
    Ok(t)
}

/// Deletes a travel (staff tidying up a mistake; a real delivery is cancelled instead).
pub fn delete_travel(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    w.remove::<Travel>(id)?.ok_or_else(|| ApiError::not_found("travel"))?;
    Ok(())
}

/// An account is being deleted: its client record stays (the shop's customer) but loses the
/// link, and the resources it rode lose their courier. Runs inside the deletion's job.
pub fn forget_account(w: &mut WriteTx<'_>, user_id: u64) -> ApiResult<()> {
    if let Some(id) = w.unique(super::model::CLIENT_USER_UNIQUE, &user_id.to_string())?
        && let Some(mut c) = w.get::<Client>(id)?
    {
        c.user_id = None;
        w.update(&c)?;
    }
    let rides = w.scan(
        super::model::RESOURCE_COURIER_INDEX,
        &user_id.to_be_bytes(),
        None,
        usize::MAX,
        false,
    )?;
    for (_, id) in rides {
        if let Some(mut r) = w.get::<Resource>(id)? {
            r.courier_id = None;
            w.update(&r)?;
        }
    }
    Ok(())
}
