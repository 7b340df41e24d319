//! `GET /api/v1/me` and `PATCH /api/v1/me` (where the user receives parcels).

use actix_web::{HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts;
use crate::alerts::DeliveryLocation;
use crate::auth::CurrentUser;
use crate::db::entities::user;
use crate::domain::{Country, PostalCode};
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
}

impl From<user::Model> for Me {
    fn from(row: user::Model) -> Self {
        Self {
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
/// `X-EBAY-C-ENDUSERCTX`); every alert of the user searches with it from its next run.
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
    let current = accounts::delivery_location(&state.db, user.id).await?;
    let location = parse_location(&body, &current)?;
    let row = accounts::set_delivery_location(&state.db, user.id, &location).await?;
    Ok(HttpResponse::Ok().json(Me::from(row)))
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
                "is not a field of the account (fields: country, postal_code)",
            ));
        }
    }
    if object.is_empty() {
        errors.push(FieldError::new("body", "send country and/or postal_code"));
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
