//! `GET /api/v1/me` and `PATCH /api/v1/me` (where the user receives parcels, quiet hours).

use actix_web::{HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts;
use crate::alerts::DeliveryLocation;
use crate::auth::CurrentUser;
use crate::db::entities::user;
use crate::domain::{Country, PostalCode, QuietHours};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: Uuid,
    /// Verified email address; alert emails go here.
    pub email: String,
    /// First sign-in.
    pub created_at: DateTime<Utc>,
    /// Where parcels go (ISO 3166 alpha-2); shipping costs in listings are to there. `null`:
    /// not said, and eBay estimates shipping to the marketplace's country.
    pub country: Option<String>,
    /// Postal code within `country`.
    pub postal_code: Option<String>,
    /// When notifications are held, then sent as one digest when the window ends (one email
    /// per alert, one message per other channel); `null`: never.
    pub quiet_hours: Option<QuietHoursView>,
}

/// An account's quiet hours: from `start` to `end` (wall-clock times in `time_zone`; `end`
/// before `start` crosses midnight). `time_zone` is also the zone of alerts' `digest_hour`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuietHoursView {
    /// `HH:MM`, 24-hour clock.
    #[schema(example = "22:00")]
    pub start: String,
    /// `HH:MM`, 24-hour clock; must differ from `start`.
    #[schema(example = "07:00")]
    pub end: String,
    /// IANA time zone name.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
}

impl From<&QuietHours> for QuietHoursView {
    fn from(q: &QuietHours) -> Self {
        Self {
            start: q.start_text(),
            end: q.end_text(),
            time_zone: q.time_zone().name().to_owned(),
        }
    }
}

impl From<user::Model> for Me {
    fn from(row: user::Model) -> Self {
        Self {
            quiet_hours: accounts::quiet_hours_of(&row)
                .as_ref()
                .map(QuietHoursView::from),
            id: row.id,
            email: row.email,
            created_at: row.created_at,
            country: row.country,
            postal_code: row.postal_code,
        }
    }
}

/// Body of `PATCH /api/v1/me`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body for OpenAPI; it is parsed field by field
pub struct MeChanges {
    /// ISO 3166 alpha-2 code, e.g. `US`; `null` forgets the location (and the postal code). A
    /// new country without `postal_code` clears the old postal code.
    #[schema(example = "US", nullable)]
    country: Option<String>,
    /// A postal code of the country's shape (e.g. `94105` for US, `SW1A 1AA` for GB); `null`
    /// clears it. Needs a country.
    #[schema(example = "94105", nullable)]
    postal_code: Option<String>,
    /// Quiet hours, e.g. `{"start": "22:00", "end": "07:00", "time_zone": "Europe/Berlin"}`;
    /// `null` removes them (notifications already held keep their release time).
    #[schema(nullable)]
    quiet_hours: Option<QuietHoursInput>,
}

/// Quiet hours as sent in `PATCH /api/v1/me`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body for OpenAPI; it is parsed field by field
pub struct QuietHoursInput {
    /// `HH:MM`, 24-hour clock.
    #[schema(example = "22:00")]
    start: String,
    /// `HH:MM`, 24-hour clock; must differ from `start` (`end` before `start` crosses midnight).
    #[schema(example = "07:00")]
    end: String,
    /// IANA time zone name, e.g. `Europe/Berlin`, `America/New_York`, `UTC`.
    #[schema(example = "Europe/Berlin")]
    time_zone: String,
}

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me).service(update_me);
}

/// The signed-in user.
#[utoipa::path(
    operation_id = "get_me",
    tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/me")]
async fn me(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let row = accounts::user_by_id(&state.db, user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(HttpResponse::Ok().json(Me::from(row)))
}

/// Sets where the user receives parcels, so eBay quotes shipping to there (sent as
/// `X-EBAY-C-ENDUSERCTX`; every alert of the user searches with it from its next run), and
/// the account's quiet hours. Every field is checked before anything is saved.
#[utoipa::path(
    operation_id = "update_me",
    tag = "account",
    request_body = MeChanges,
    responses(
        (status = 200, body = Me), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[patch("/api/v1/me")]
async fn update_me(
    user: CurrentUser,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    let quiet = body
        .as_object_mut()
        .and_then(|o| o.remove("quiet_hours"))
        .map(|value| parse_quiet_hours(&value));
    let location_sent = body.as_object().is_none_or(|o| !o.is_empty()) || quiet.is_none();
    let current = accounts::delivery_location(&state.db, user.id).await?;
    let location = location_sent.then(|| parse_location(&body, &current));
    // Every bad field at once, from both parts.
    let mut errors = Vec::new();
    if let Some(Err(e)) = &location {
        errors.extend(e.details().iter().cloned());
    }
    if let Some(Err(e)) = &quiet {
        errors.extend(e.iter().cloned());
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut row = None;
    if let Some(Ok(location)) = location {
        row = Some(accounts::set_delivery_location(&state.db, user.id, &location).await?);
    }
    if let Some(Ok(quiet)) = quiet {
        row = Some(accounts::set_quiet_hours(&state.db, user.id, quiet.as_ref()).await?);
    }
    let row = match row {
        Some(row) => row,
        None => accounts::user_by_id(&state.db, user.id)
            .await?
            .ok_or_else(ApiError::unauthenticated)?,
    };
    Ok(HttpResponse::Ok().json(Me::from(row)))
}

/// `quiet_hours` of a PATCH body: an object of `start`, `end`, `time_zone`, or null.
fn parse_quiet_hours(value: &serde_json::Value) -> Result<Option<QuietHours>, Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return if value.is_null() {
            Ok(None)
        } else {
            Err(vec![FieldError::new(
                "quiet_hours",
                "must be an object {start, end, time_zone} or null",
            )])
        };
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if !["start", "end", "time_zone"].contains(&key.as_str()) {
            errors.push(FieldError::new(
                format!("quiet_hours.{key}"),
                "is not a field of quiet hours (fields: start, end, time_zone)",
            ));
        }
    }
    let mut text = |field: &str| match object.get(field).and_then(|v| v.as_str()) {
        Some(s) => s.to_owned(),
        None => {
            errors.push(FieldError::new(
                format!("quiet_hours.{field}"),
                "is required, as a string",
            ));
            String::new()
        }
    };
    let (start, end, time_zone) = (text("start"), text("end"), text("time_zone"));
    if !errors.is_empty() {
        return Err(errors);
    }
    QuietHours::parse(&start, &end, &time_zone)
        .map(Some)
        .map_err(|bad| {
            bad.into_iter()
                .map(|(field, reason)| {
                    FieldError::new(format!("quiet_hours.{field}"), reason.to_string())
                })
                .collect()
        })
}

/// The location a PATCH body asks for, given the current one; every bad field at once.
fn parse_location(
    body: &serde_json::Value,
    current: &DeliveryLocation,
) -> Result<DeliveryLocation, ApiError> {
    let fail =
        |field: &str, message: &str| ApiError::validation(vec![FieldError::new(field, message)]);
    let object = body
        .as_object()
        .ok_or_else(|| fail("body", "must be a JSON object"))?;
    let mut errors = Vec::new();
    for key in object.keys() {
        if key != "country" && key != "postal_code" {
            errors.push(FieldError::new(
                key,
                "is not a field of the account (fields: country, postal_code, quiet_hours)",
            ));
        }
    }
    if object.is_empty() {
        errors.push(FieldError::new(
            "body",
            "send country, postal_code and/or quiet_hours",
        ));
    }
    let text = |field: &str, errors: &mut Vec<FieldError>| -> Option<Option<String>> {
        match object.get(field)? {
            serde_json::Value::Null => Some(None),
            serde_json::Value::String(s) => Some(Some(s.clone())),
            _ => {
                errors.push(FieldError::new(field, "must be a string or null"));
                None
            }
        }
    };
    let country_field = text("country", &mut errors);
    let postal_field = text("postal_code", &mut errors);
    let country = match &country_field {
        Some(Some(code)) => match Country::parse(code) {
            Ok(c) => Some(c),
            Err(reason) => {
                errors.push(FieldError::new("country", reason.to_string()));
                None
            }
        },
        Some(None) => None,
        None => current
            .country
            .as_deref()
            .and_then(|c| Country::parse(c).ok()),
    };
    let country_changed = country.as_ref().map(Country::as_str) != current.country.as_deref();
    let postal_code = match (&postal_field, &country) {
        (Some(Some(_)), None) if errors.iter().all(|e| e.field != "country") => {
            errors.push(FieldError::new(
                "postal_code",
                "needs a country (send country too)",
            ));
            None
        }
        (Some(Some(code)), Some(country)) => match PostalCode::parse(code, country) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(reason) => {
                errors.push(FieldError::new("postal_code", reason.to_string()));
                None
            }
        },
        (Some(Some(_)), None) | (Some(None), _) => None,
        // Not sent: kept, unless the country changed under it.
        (None, _) if country_changed => None,
        (None, _) => current.postal_code.clone(),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(DeliveryLocation {
        country: country.map(|c| c.as_str().to_owned()),
        postal_code: postal_code.filter(|_| country_field != Some(None)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(country: Option<&str>, postal: Option<&str>) -> DeliveryLocation {
        DeliveryLocation {
            country: country.map(str::to_owned),
            postal_code: postal.map(str::to_owned),
        }
    }

    #[test]
    fn locations_are_parsed_against_the_current_one() {
        let none = at(None, None);
        let us = at(Some("US"), Some("94105"));
        for (body, current, expected) in [
            (
                json!({"country": "us", "postal_code": "94105"}),
                &none,
                at(Some("US"), Some("94105")),
            ),
            (
                json!({"postal_code": "10001"}),
                &us,
                at(Some("US"), Some("10001")),
            ),
            (json!({"country": "DE"}), &us, at(Some("DE"), None)),
            (json!({"country": "US"}), &us, us.clone()),
            (json!({"country": null}), &us, none.clone()),
            (json!({"postal_code": null}), &us, at(Some("US"), None)),
        ] {
            assert_eq!(parse_location(&body, current).unwrap(), expected, "{body}");
        }
    }

    #[test]
    fn quiet_hours_parse_or_name_the_field() {
        let ok = parse_quiet_hours(
            &json!({"start": "22:00", "end": "07:00", "time_zone": "Europe/Berlin"}),
        )
        .unwrap()
        .unwrap();
        let view = QuietHoursView::from(&ok);
        assert_eq!(
            (
                view.start.as_str(),
                view.end.as_str(),
                view.time_zone.as_str()
            ),
            ("22:00", "07:00", "Europe/Berlin")
        );
        assert_eq!(parse_quiet_hours(&json!(null)).unwrap(), None);
        for (body, expected) in [
            (json!("22:00-07:00"), vec!["quiet_hours: must be an object"]),
            (
                json!({"start": "22:00", "end": "07:00"}),
                vec!["quiet_hours.time_zone: is required"],
            ),
            (
                json!({"start": "22:00", "end": "07:00", "time_zone": "Berlin", "days": 5}),
                vec!["quiet_hours.days: is not a field"],
            ),
            (
                json!({"start": "24:00", "end": "7:00", "time_zone": "Mars/Base"}),
                vec![
                    "quiet_hours.start: must be a time of day",
                    "quiet_hours.end: must be a time of day",
                    "quiet_hours.time_zone: must be an IANA time zone",
                ],
            ),
            (
                json!({"start": "22:00", "end": "22:00", "time_zone": "UTC"}),
                vec!["quiet_hours.end: must differ from start"],
            ),
        ] {
            let found: Vec<String> = parse_quiet_hours(&body)
                .unwrap_err()
                .iter()
                .map(|d| format!("{}: {}", d.field, d.message))
                .collect();
            assert_eq!(found.len(), expected.len(), "{body}: {found:?}");
            for (f, e) in found.iter().zip(&expected) {
                assert!(f.starts_with(e), "{body}: {found:?}");
            }
        }
    }

    #[test]
    fn bad_locations_name_the_field() {
        let none = at(None, None);
        for (body, expected) in [
            (
                json!({"country": "USA"}),
                "country: must be a two-letter ISO 3166",
            ),
            (json!({"country": "XX"}), "country: must be a two-letter"),
            (json!({"country": 1}), "country: must be a string or null"),
            (
                json!({"country": "US", "postal_code": "9410"}),
                "postal_code: is not a postal code of that country (e.g. 94105",
            ),
            (
                json!({"country": "GB", "postal_code": "12345"}),
                "postal_code: is not a postal code of that country (e.g. SW1A 1AA)",
            ),
            (
                json!({"postal_code": "94105"}),
                "postal_code: needs a country",
            ),
            (json!({"city": "Berlin"}), "city: is not a field"),
            (json!({}), "body: send country"),
            (json!([]), "body: must be a JSON object"),
        ] {
            let error = parse_location(&body, &none).unwrap_err();
            let found: Vec<String> = error
                .details()
                .iter()
                .map(|d| format!("{}: {}", d.field, d.message))
                .collect();
            assert!(
                found.iter().any(|f| f.starts_with(expected)),
                "{body}: {found:?}"
            );
        }
    }
}
