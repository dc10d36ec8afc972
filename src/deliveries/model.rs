//! Clients, locations, resources and travels: the records, their index keys, the travel
//! state machine, parsed fields and views.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::http::rfc3339;
use crate::store::Record;

/// A customer the shop delivers to, optionally linked to a member account (which then sees
/// its deliveries).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Client {
    pub id: u64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub user_id: Option<u64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// user id → client, unique: one client per member account.
pub const CLIENT_USER_UNIQUE: &str = "clients.user_id";

impl Record for Client {
    const TABLE: &'static str = "clients";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        self.user_id.map(|u| (CLIENT_USER_UNIQUE, u.to_string())).into_iter().collect()
    }
}

/// An address: a client's, or one of the shop's own places (no client).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Location {
    pub id: u64,
    pub label: String,
    pub street: Option<String>,
    pub city: Option<String>,
    pub notes: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub client_id: Option<u64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// (client, id) → id: a client's locations.
pub const LOCATION_CLIENT_INDEX: &str = "locations.client";

impl Record for Location {
    const TABLE: &'static str = "locations";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.client_id.map(|c| (LOCATION_CLIENT_INDEX, pair(c, self.id))).into_iter().collect()
    }
}

/// What a resource moves on. Postcard stores the variant index: add new ones at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Bicycle,
    Motorbike,
    Van,
    Car,
    OnFoot,
}

/// What delivers: a courier account and/or a vehicle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub id: u64,
    pub name: String,
    pub kind: ResourceKind,
    /// How much it carries (parcels), if anyone cares to say.
    pub capacity: Option<u32>,
    /// The account that rides it; it sees and moves this resource's travels.
    pub courier_id: Option<u64>,
    /// Inactive resources keep their travels but take no new ones.
    pub active: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// (courier, id) → id: the resources an account is courier of.
pub const RESOURCE_COURIER_INDEX: &str = "resources.courier";

impl Record for Resource {
    const TABLE: &'static str = "resources";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.courier_id.map(|c| (RESOURCE_COURIER_INDEX, pair(c, self.id))).into_iter().collect()
    }
}

/// Where a travel stands. Postcard stores the variant index: add new ones at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TravelStatus {
    Planned,
    Assigned,
    OnTheWay,
    Delivered,
    Cancelled,
}

impl TravelStatus {
    pub const ALL: [TravelStatus; 5] = [
        TravelStatus::Planned,
        TravelStatus::Assigned,
        TravelStatus::OnTheWay,
        TravelStatus::Delivered,
        TravelStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TravelStatus::Planned => "planned",
            TravelStatus::Assigned => "assigned",
            TravelStatus::OnTheWay => "on_the_way",
            TravelStatus::Delivered => "delivered",
            TravelStatus::Cancelled => "cancelled",
        }
    }

    /// The state machine: `planned → assigned → on_the_way → delivered`, and `cancelled`
    /// from any state before `delivered`. Nothing leaves `delivered` or `cancelled`.
    pub fn next(self) -> &'static [TravelStatus] {
        use TravelStatus::*;
        match self {
            Planned => &[Assigned, Cancelled],
            Assigned => &[OnTheWay, Cancelled],
            OnTheWay => &[Delivered, Cancelled],
            Delivered | Cancelled => &[],
        }
    }

    pub fn may_move_to(self, to: TravelStatus) -> bool {
        self.next().contains(&to)
    }

    /// A travel that is over holds its resource no longer.
    pub fn is_finished(self) -> bool {
        matches!(self, TravelStatus::Delivered | TravelStatus::Cancelled)
    }
}

/// One move of a travel: to which status, by whom, when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub status: TravelStatus,
    pub by: Option<u64>,
    pub at_ms: i64,
}

/// A delivery: from one location to another for a client, by a resource within a window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Travel {
    pub id: u64,
    pub client_id: u64,
    pub from_location_id: u64,
    pub to_location_id: u64,
    pub resource_id: Option<u64>,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    /// Items or anything else the courier should know.
    pub notes: Option<String>,
    pub status: TravelStatus,
    pub history: Vec<HistoryEntry>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// (resource, window start, id) → id: a resource's travels in time order, for the overlap
/// check and for couriers.
pub const TRAVEL_RESOURCE_INDEX: &str = "travels.resource";
/// (client, id) → id: refuses deleting a client that travels refer to.
pub const TRAVEL_CLIENT_INDEX: &str = "travels.client";
/// (location, id) → id, for both ends: refuses deleting a location that travels refer to.
pub const TRAVEL_LOCATION_INDEX: &str = "travels.location";

impl Record for Travel {
    const TABLE: &'static str = "travels";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut keys = vec![
            (TRAVEL_CLIENT_INDEX, pair(self.client_id, self.id)),
            (TRAVEL_LOCATION_INDEX, pair(self.from_location_id, self.id)),
        ];
        if self.to_location_id != self.from_location_id {
            keys.push((TRAVEL_LOCATION_INDEX, pair(self.to_location_id, self.id)));
        }
        if let Some(r) = self.resource_id {
            keys.push((TRAVEL_RESOURCE_INDEX, resource_key(r, self.window_start_ms, self.id)));
        }
        keys
    }
}

/// Two big-endian ids: an owner then the record, so an owner's records are one prefix.
pub fn pair(owner: u64, id: u64) -> Vec<u8> {
    [owner.to_be_bytes(), id.to_be_bytes()].concat()
}

/// Milliseconds that sort as bytes in time order, negative ones too.
pub fn time_bytes(ms: i64) -> [u8; 8] {
    ((ms as u64) ^ (1 << 63)).to_be_bytes()
}

pub fn time_from_bytes(b: &[u8]) -> Option<i64> {
    let b: [u8; 8] = b.try_into().ok()?;
    Some((u64::from_be_bytes(b) ^ (1 << 63)) as i64)
}

pub fn resource_key(resource_id: u64, window_start_ms: i64, id: u64) -> Vec<u8> {
    [resource_id.to_be_bytes(), time_bytes(window_start_ms), id.to_be_bytes()].concat()
}

/// A name or label: trimmed, 1–120 characters.
pub fn parse_name(field: &str, s: &str) -> ApiResult<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 120 || s.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, format!("{field} has 1 to 120 characters")));
    }
    Ok(s.to_owned())
}

pub use crate::text::text as parse_text;

/// Digits, spaces and `+ - ( ) .`, 3–40 characters; empty means none.
pub fn parse_phone(s: Option<&str>) -> ApiResult<Option<String>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    let ok = (3..=40).contains(&s.chars().count())
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !ok {
        return Err(ApiError::invalid("phone", "a phone number has digits, spaces and + - ( ) ."));
    }
    Ok(Some(s.to_owned()))
}

pub fn parse_lat(v: f64) -> ApiResult<f64> {
    if !(-90.0..=90.0).contains(&v) {
        return Err(ApiError::invalid("lat", "a latitude is between -90 and 90"));
    }
    Ok(v)
}

pub fn parse_lng(v: f64) -> ApiResult<f64> {
    if !(-180.0..=180.0).contains(&v) {
        return Err(ApiError::invalid("lng", "a longitude is between -180 and 180"));
    }
    Ok(v)
}

pub fn parse_capacity(n: i64) -> ApiResult<u32> {
    u32::try_from(n)
        .map_err(|_| ApiError::invalid("capacity", "capacity is a whole number, 0 or more"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: u64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub user_id: Option<u64>,
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        ClientView {
            id: c.id,
            name: c.name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            notes: c.notes.clone(),
            user_id: c.user_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationView {
    pub id: u64,
    pub label: String,
    pub street: Option<String>,
    pub city: Option<String>,
    pub notes: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub client_id: Option<u64>,
}

impl From<&Location> for LocationView {
    fn from(l: &Location) -> Self {
        LocationView {
            id: l.id,
            label: l.label.clone(),
            street: l.street.clone(),
            city: l.city.clone(),
            notes: l.notes.clone(),
            lat: l.lat,
            lng: l.lng,
            client_id: l.client_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceView {
    pub id: u64,
    pub name: String,
    pub kind: ResourceKind,
    pub capacity: Option<u32>,
    pub courier_id: Option<u64>,
    pub active: bool,
}

impl From<&Resource> for ResourceView {
    fn from(r: &Resource) -> Self {
        ResourceView {
            id: r.id,
            name: r.name.clone(),
            kind: r.kind,
            capacity: r.capacity,
            courier_id: r.courier_id,
            active: r.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub status: TravelStatus,
    /// The account that made the move.
    pub by: Option<u64>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TravelView {
    pub id: u64,
    pub client_id: u64,
    pub from_location_id: u64,
    pub to_location_id: u64,
    pub resource_id: Option<u64>,
    pub window_start: String,
    pub window_end: String,
    pub notes: Option<String>,
    pub status: TravelStatus,
    /// Every move, oldest first.
    pub history: Vec<HistoryView>,
}

impl From<&Travel> for TravelView {
    fn from(t: &Travel) -> Self {
        TravelView {
            id: t.id,
            client_id: t.client_id,
            from_location_id: t.from_location_id,
            to_location_id: t.to_location_id,
            resource_id: t.resource_id,
            window_start: rfc3339(t.window_start_ms),
            window_end: rfc3339(t.window_end_ms),
            notes: t.notes.clone(),
            status: t.status,
            history: t
                .history
                .iter()
                .map(|h| HistoryView { status: h.status, by: h.by, at: rfc3339(h.at_ms) })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TravelStatus::*;

    #[test]
    fn the_state_machine_table() {
        let allowed = [
            (Planned, Assigned),
            (Planned, Cancelled),
            (Assigned, OnTheWay),
            (Assigned, Cancelled),
            (OnTheWay, Delivered),
            (OnTheWay, Cancelled),
        ];
        for from in TravelStatus::ALL {
            for to in TravelStatus::ALL {
                assert_eq!(
                    from.may_move_to(to),
                    allowed.contains(&(from, to)),
                    "{} -> {}",
                    from.as_str(),
                    to.as_str()
                );
            }
        }
        // Cancelled is reachable from every state before delivered, and from no other.
        for from in TravelStatus::ALL {
            assert_eq!(from.may_move_to(Cancelled), !from.is_finished());
        }
    }

    #[test]
    fn keys_sort_in_time_order() {
        let mut keys = vec![
            resource_key(1, 5_000, 1),
            resource_key(1, -5, 2),
            resource_key(1, 300, 3),
            resource_key(0, 9_000, 4),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                resource_key(0, 9_000, 4),
                resource_key(1, -5, 2),
                resource_key(1, 300, 3),
                resource_key(1, 5_000, 1)
            ]
        );
        assert_eq!(time_from_bytes(&time_bytes(-5)), Some(-5));
        assert_eq!(time_from_bytes(&time_bytes(1_700_000_000_000)), Some(1_700_000_000_000));
    }

    #[test]
    fn fields() {
        assert!(parse_lat(90.0).is_ok());
        assert_eq!(parse_lat(90.5).unwrap_err().field.as_deref(), Some("lat"));
        assert_eq!(parse_lng(-180.1).unwrap_err().field.as_deref(), Some("lng"));
        assert_eq!(parse_capacity(-1).unwrap_err().field.as_deref(), Some("capacity"));
        assert_eq!(
            parse_phone(Some(" +54 11 4555-1234 ")).unwrap().as_deref(),
            Some("+54 11 4555-1234")
        );
        assert!(parse_phone(Some("call me")).is_err());
        assert_eq!(parse_phone(Some("")).unwrap(), None);
        assert!(parse_name("name", "  ").is_err());
    }
}
