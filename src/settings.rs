//! The shop's settings: its name, address and tax id (printed on receipts), its time zone
//! (every date a person reads), its language, and the owner's switches for the domains.
//!
//! One JSON document in the data file's `meta` table (`settings`), read with defaults for
//! every missing field: a setting added later needs no migration (an older file simply lacks
//! it and reads the default), and the document travels with backups and exports like
//! everything else. `GET /api/settings` is public (a receipt or the shop window shows the
//! name and time zone to anyone); `PUT /api/settings` is the owner's (super_admin).
//!
//! Domains that add settings add a field here with `#[serde(default = …)]`, a check in
//! [`ShopSettings::validate`], and a line in the patch.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, double_option};
use crate::store::{Reader, StoreError, WriteTx};

const META_KEY: &str = "settings";

pub const DEFAULT_TIME_ZONE: &str = "America/Argentina/Cordoba";

/// The languages the UI and the server's texts (notifications, e-mails, receipts) speak.
pub const LANGUAGES: [&str; 2] = ["es", "en"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ShopSettings {
    /// The shop's name, on receipts and the shop window.
    pub shop_name: String,
    /// Street address, on receipts.
    pub address: Option<String>,
    /// Tax id (CUIT), on receipts.
    pub tax_id: Option<String>,
    pub phone: Option<String>,
    /// IANA time zone in which people read dates, e.g. `America/Argentina/Cordoba`.
    pub time_zone: String,
    /// The shop's language for texts with no reader (receipts, anonymous pages): `es` or `en`.
    pub language: String,
    /// The currency prices are in (ISO 4217).
    pub currency: String,
    /// Whether a sale may take a product's stock below zero.
    pub allow_negative_stock: bool,
}

impl Default for ShopSettings {
    fn default() -> Self {
        ShopSettings {
            shop_name: "Barrio".into(),
            address: None,
            tax_id: None,
            phone: None,
            time_zone: DEFAULT_TIME_ZONE.into(),
            language: "es".into(),
            currency: "ARS".into(),
            allow_negative_stock: false,
        }
    }
}

impl ShopSettings {
    /// The settings in a data file (defaults where it has none).
    pub fn read(r: &impl Reader) -> crate::store::Result<ShopSettings> {
        match r.meta(META_KEY)? {
            None => Ok(ShopSettings::default()),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::Document(format!("the shop settings do not read: {e}"))),
        }
    }

    pub fn write(&self, w: &mut WriteTx<'_>) -> crate::store::Result<()> {
        let bytes = serde_json::to_vec(self)
            .map_err(|e| StoreError::Document(format!("the shop settings do not encode: {e}")))?;
        w.set_meta(META_KEY, &bytes)
    }

    /// The shop's time zone (the default if the stored name is unknown to this binary).
    pub fn tz(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.time_zone)
            .or_else(|_| jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE))
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }

    fn validate(&self) -> ApiResult<()> {
        let line = |field: &str, v: &str, max: usize| -> ApiResult<()> {
            if v.trim().is_empty() {
                return Err(ApiError::invalid(field, "cannot be empty"));
            }
            if v.chars().count() > max || v.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    field,
                    format!("one line of at most {max} characters"),
                ));
            }
            Ok(())
        };
        line("shop_name", &self.shop_name, 80)?;
        for (field, v) in
            [("address", &self.address), ("tax_id", &self.tax_id), ("phone", &self.phone)]
        {
            if let Some(v) = v {
                line(field, v, 160)?;
            }
        }
        if jiff::tz::TimeZone::get(&self.time_zone).is_err() {
            return Err(ApiError::invalid(
                "time_zone",
                "not a known time zone; use an IANA name such as America/Argentina/Cordoba",
            ));
        }
        if !LANGUAGES.contains(&self.language.as_str()) {
            return Err(ApiError::invalid("language", "es or en"));
        }
        crate::catalog::model::parse_currency(&self.currency)
            .map_err(|e| e.with_field("currency"))?;
        Ok(())
    }
}

/// Formats a moment for people in the shop's time zone: `4/12/2026 14:30` (es) or
/// `12/4/2026 2:30 PM` (en).
pub fn local_date_time(ms: i64, tz: &jiff::tz::TimeZone, language: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else { return String::new() };
    let z = ts.to_zoned(tz.clone());
    if language == "en" {
        let (h, pm) = match z.hour() {
            0 => (12, "AM"),
            h @ 1..=11 => (h, "AM"),
            12 => (12, "PM"),
            h => (h - 12, "PM"),
        };
        format!("{}/{}/{} {}:{:02} {}", z.month(), z.day(), z.year(), h, z.minute(), pm)
    } else {
        format!("{}/{}/{} {:02}:{:02}", z.day(), z.month(), z.year(), z.hour(), z.minute())
    }
}

/// Formats integer cents as people read money: `$ 12.500,50` (es) or `$12,500.50` (en).
pub fn money(cents: i64, language: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (units, frac) = (abs / 100, abs % 100);
    let digits = units.to_string();
    let sep = if language == "en" { ',' } else { '.' };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    if language == "en" {
        format!("{sign}${grouped}.{frac:02}")
    } else {
        format!("{sign}$ {grouped},{frac:02}")
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings))
}

/// The shop's settings. Public: receipts and the shop window show them.
#[utoipa::path(get, path = "/api/settings", tag = "settings",
    responses((status = 200, body = ShopSettings)))]
async fn get_settings(State(s): State<AppState>) -> ApiResult<axum::Json<ShopSettings>> {
    Ok(axum::Json(s.store.read(|r| ShopSettings::read(r))?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    shop_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    tax_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    time_zone: Option<String>,
    language: Option<String>,
    currency: Option<String>,
    allow_negative_stock: Option<bool>,
}

impl SettingsPatch {
    fn apply(self, mut s: ShopSettings) -> ShopSettings {
        let trim = |v: String| v.trim().to_owned();
        if let Some(v) = self.shop_name {
            s.shop_name = trim(v);
        }
        if let Some(v) = self.address {
            s.address = v.map(trim);
        }
        if let Some(v) = self.tax_id {
            s.tax_id = v.map(trim);
        }
        if let Some(v) = self.phone {
            s.phone = v.map(trim);
        }
        if let Some(v) = self.time_zone {
            s.time_zone = trim(v);
        }
        if let Some(v) = self.language {
            s.language = trim(v);
        }
        if let Some(v) = self.currency {
            s.currency = trim(v).to_ascii_uppercase();
        }
        if let Some(v) = self.allow_negative_stock {
            s.allow_negative_stock = v;
        }
        s
    }
}

/// Change some of the shop's settings (super_admin). Fields left out keep their value.
#[utoipa::path(put, path = "/api/settings", tag = "settings", request_body = SettingsPatch,
    responses((status = 200, body = ShopSettings), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn put_settings(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(patch): Json<SettingsPatch>,
) -> ApiResult<axum::Json<ShopSettings>> {
    if caller.user.role != Role::SuperAdmin {
        return Err(ApiError::forbidden("only the owner (super_admin) changes the settings"));
    }
    let saved = s
        .store
        .write(Some(caller.id()), move |w| {
            let next = patch.clone().apply(ShopSettings::read(w)?);
            next.validate()?;
            next.write(w)?;
            Ok::<_, ApiError>(next)
        })
        .await?;
    Ok(axum::Json(saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_the_argentine_way() {
        assert_eq!(money(1_250_050, "es"), "$ 12.500,50");
        assert_eq!(money(5, "es"), "$ 0,05");
        assert_eq!(money(-100_000_000, "es"), "-$ 1.000.000,00");
        assert_eq!(money(1_250_050, "en"), "$12,500.50");
        assert_eq!(money(99_900, "en"), "$999.00");
    }

    #[test]
    fn dates_read_in_the_shop_time_zone() {
        // 2026-12-04T17:30:00Z is 14:30 in Córdoba (UTC-3, no daylight saving).
        let ms = 1_796_405_400_000;
        let tz = ShopSettings::default().tz();
        assert_eq!(local_date_time(ms, &tz, "es"), "4/12/2026 14:30");
        assert_eq!(local_date_time(ms, &tz, "en"), "12/4/2026 2:30 PM");
    }

    #[test]
    fn settings_validate() {
        let mut s = ShopSettings::default();
        assert!(s.validate().is_ok());
        s.time_zone = "Mars/Olympus".into();
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("time_zone"));
        let s = ShopSettings { language: "fr".into(), ..ShopSettings::default() };
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("language"));
        // An older document without newer fields reads with defaults.
        let old: ShopSettings = serde_json::from_str(r#"{"shop_name":"Libros"}"#).unwrap();
        assert_eq!(old.time_zone, DEFAULT_TIME_ZONE);
    }
}
