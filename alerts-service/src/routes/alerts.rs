//! The alerts resource (DESIGN §6).

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alerts::{self, AlertView};
use crate::auth::CurrentUser;
use crate::domain::{
    AlertChanges, AlertDraft, BuyingOptions, Condition, ConditionGroup, Delivery, NotifyOn,
    PriceBasis,
};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove);
}

/// Body of `POST /api/v1/alerts` (and, all fields optional, of `PATCH`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body for OpenAPI; bodies are parsed field by field
pub struct AlertInput {
    /// 1–200 characters after trimming, no control characters.
    #[schema(example = "lego 42100")]
    search_phrase: String,
    /// One of 2, 10, 30, 60, 1440.
    #[schema(example = 10)]
    frequency_minutes: i32,
    /// Decimal string, ≥ 0, at most two decimals; `null` clears it in a PATCH.
    #[schema(example = "100.00", nullable)]
    min_price: Option<String>,
    /// Decimal string; must not be below `min_price`.
    #[schema(example = "450.00", nullable)]
    max_price: Option<String>,
    /// ISO 4217 code from the standard's list; default USD.
    #[schema(example = "USD")]
    currency: Option<String>,
    /// The old single condition; `any` means the default `conditions`, `new` and `used` one
    /// group each. Send either this or `conditions`.
    condition: Option<Condition>,
    /// Condition groups wanted (at least one); default every group but `for_parts`. Sent to
    /// eBay as its `conditionIds` filter and checked again on the results.
    #[schema(example = json!(["used", "refurbished"]))]
    conditions: Option<Vec<ConditionGroup>>,
    /// Default `fixed_price` (eBay's own default).
    buying_options: Option<BuyingOptions>,
    /// Notify when a listing is at or under this price (on the `price_basis`); must not be above
    /// `max_price`. Auctions (bids) never count as target hits.
    #[schema(example = "299.99", nullable)]
    target_price: Option<String>,
    /// Up to 20 words or phrases (1–50 characters each): a listing whose title contains one, as
    /// whole words and ignoring case and accents, is hidden. `[]` clears.
    #[schema(example = json!(["lot", "for parts", "case only"]))]
    exclude_words: Option<Vec<String>>,
    /// Up to 50 eBay user names whose listings are hidden (sent to eBay as `excludeSellers`,
    /// checked again on the results). `[]` clears.
    exclude_sellers: Option<Vec<String>>,
    /// 0–100 (one decimal): sellers below this positive feedback, or without a known one, are
    /// hidden; `null` clears.
    #[schema(example = 98.5, nullable)]
    min_seller_feedback_percent: Option<f64>,
    /// What `min_price`, `max_price` and `target_price` compare: `with_shipping` (default: price
    /// plus the cheapest shipping to the account's location; a listing whose shipping eBay does
    /// not state cannot be within a maximum or at a target) or `item` (price alone).
    price_basis: Option<PriceBasis>,
    /// 1–72, with `buying_options` `auction` or `any`: auctions ending within this many hours
    /// whose bid is within the price range are reported as "ending soon", once each (and no
    /// longer as new); `null` clears.
    #[schema(example = 6, nullable)]
    ending_within_hours: Option<i32>,
    /// `new_listings` (default) or `deals_only`. Deal verdicts are not computed yet, so a
    /// `deals_only` alert records its runs and listings but sends no alert email until they are.
    notify_on: Option<NotifyOn>,
    /// Pause (true) or resume (false).
    paused: Option<bool>,
    /// Alert emails on (default) or off; an alert email's unsubscribe link turns them off.
    alert_emails: Option<bool>,
    /// Insight emails on (default) or off; an insight email's unsubscribe link turns them off.
    insight_emails: Option<bool>,
    /// `immediate` (default: at once, held only during the account's quiet hours) or
    /// `digest` (notifications collected into one message a day at `digest_hour` on each
    /// channel: one email, one webhook call, …).
    delivery: Option<Delivery>,
    /// 0–23, the hour of the account's quiet-hours time zone (UTC when none is set) at which a
    /// digest alert's daily message goes out; default 8.
    #[schema(example = 8, minimum = 0, maximum = 23)]
    digest_hour: Option<i32>,
    /// Where notifications go: `"email"` (the built-in channel) and ids of the caller's
    /// channels; default `["email"]`. `[]` notifies nowhere (runs are still recorded).
    #[schema(example = json!(["email", "0193b2c4-8d1e-7c3a-9f00-5a1b2c3d4e5f"]))]
    channels: Option<Vec<String>>,
}

/// A page of alerts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPage {
    /// This page's alerts, newest first.
    pub items: Vec<AlertView>,
    /// 1-based page number.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// All of the caller's alerts.
    pub total: u64,
}

/// Largest page size.
pub const MAX_PER_PAGE: u64 = 100;

fn page_param(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
    max: u64,
    errors: &mut Vec<FieldError>,
) -> u64 {
    match query.get(name) {
        None => default,
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    name,
                    format!("must be a whole number from 1 to {max}"),
                ));
                default
            }
        },
    }
}

/// The caller's alerts, newest first.
#[utoipa::path(
    operation_id = "list_alerts",
    tag = "alerts",
    params(
        ("page" = Option<u64>, Query, description = "1-based page, default 1"),
        ("per_page" = Option<u64>, Query, description = "1–100, default 20")
    ),
    responses((status = 200, body = AlertPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/alerts")]
async fn list(
    user: CurrentUser,
    query: web::Query<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let page = page_param(&query, "page", 1, 1_000_000, &mut errors);
    let per_page = page_param(&query, "per_page", 20, MAX_PER_PAGE, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::bad_query(errors));
    }
    // Each alert's channels come with it (`alerts::list`).
    let (items, total) = alerts::list(&state, &user, page, per_page).await?;
    Ok(HttpResponse::Ok().json(AlertPage {
        items,
        page,
        per_page,
        total,
    }))
}

/// Creates an alert; its first run is due at once.
#[utoipa::path(
    operation_id = "create_alert",
    tag = "alerts",
    request_body = AlertInput,
    responses(
        (status = 201, body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/api/v1/alerts")]
async fn create(
    user: CurrentUser,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    let route = take_channels(&state, &user, &mut body).await;
    let draft = AlertDraft::parse(&body);
    let (draft, route) = combine(draft, route)?;
    let model = alerts::create(&state, &user, &draft, route.as_ref()).await?;
    let mut view = AlertView::from(model);
    // What was just written; without `channels`, email only (the view's default).
    if let Some(route) = &route {
        view.channels = alerts::route_channels(route);
    }
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/alerts/{}", view.id)))
        .json(view))
}

/// One alert.
#[utoipa::path(
    operation_id = "get_alert",
    tag = "alerts",
    params(("id" = Uuid, Path, description = "alert id")),
    responses((status = 200, body = AlertView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/alerts/{id}")]
async fn get_one(
    user: CurrentUser,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let model = alerts::find(&state.db, &user, id.into_inner()).await?;
    let mut view = AlertView::from(model);
    fill_channels(&state, std::slice::from_mut(&mut view)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes some fields (`{"paused": true}` pauses, `{"paused": false}` resumes).
#[utoipa::path(
    operation_id = "update_alert",
    tag = "alerts",
    params(("id" = Uuid, Path, description = "alert id")),
    request_body = AlertInput,
    responses(
        (status = 200, body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[patch("/api/v1/alerts/{id}")]
async fn update(
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    let route = take_channels(&state, &user, &mut body).await;
    // `{"channels": …}` alone is a change of the alert too (a new revision), with no field
    // of its own changed.
    let only_channels =
        body.as_object().is_some_and(|o| o.is_empty()) && matches!(route, Ok(Some(_)));
    let changes = if only_channels {
        Ok(AlertChanges::default())
    } else {
        AlertChanges::parse(&body)
    };
    let (changes, route) = combine(changes, route)?;
    let model = alerts::update(&state, &user, id.into_inner(), &changes, route.as_ref()).await?;
    let mut view = AlertView::from(model);
    fill_channels(&state, std::slice::from_mut(&mut view)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes an alert.
#[utoipa::path(
    operation_id = "delete_alert",
    tag = "alerts",
    params(("id" = Uuid, Path, description = "alert id")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[delete("/api/v1/alerts/{id}")]
async fn remove(
    user: CurrentUser,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    alerts::delete(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes `channels` out of an alert body (the alert's own fields are parsed by the domain) and
/// checks it: `"email"` or ids of the caller's channels, no repeats. `Ok(None)` when absent.
async fn take_channels(
    state: &AppState,
    user: &CurrentUser,
    body: &mut serde_json::Value,
) -> Result<Option<crate::channels::store::Route>, ApiError> {
    let Some(value) = body.as_object_mut().and_then(|o| o.remove("channels")) else {
        return Ok(None);
    };
    let invalid = |message: &str| ApiError::validation(vec![FieldError::new("channels", message)]);
    let items = value
        .as_array()
        .ok_or_else(|| invalid("must be a list of channel ids, e.g. [\"email\"]"))?;
    let mut route = crate::channels::store::Route::default();
    for item in items {
        let text = item
            .as_str()
            .ok_or_else(|| invalid("must be a list of strings"))?;
        let repeated = if text == crate::routes::channels::EMAIL_ID {
            std::mem::replace(&mut route.email, true)
        } else {
            let id = Uuid::parse_str(text).map_err(|_| {
                invalid(&format!(
                    "{text:?} is not a channel id (\"email\" or an id from /api/v1/channels)"
                ))
            })?;
            let seen = route.channels.contains(&id);
            if !seen {
                route.channels.push(id);
            }
            seen
        };
        if repeated {
            return Err(invalid("must not name a channel twice"));
        }
    }
    let owned = crate::channels::store::owned(&state.db, user.id, &route.channels).await?;
    if let Some(unknown) = route.channels.iter().find(|id| !owned.contains(id)) {
        return Err(invalid(&format!("has no channel {unknown}")));
    }
    Ok(Some(route))
}

/// Both parts of a body parsed: every field problem reported at once.
fn combine<T>(
    fields: Result<T, ApiError>,
    route: Result<Option<crate::channels::store::Route>, ApiError>,
) -> Result<(T, Option<crate::channels::store::Route>), ApiError> {
    match (fields, route) {
        (Ok(fields), Ok(route)) => Ok((fields, route)),
        (Err(a), Err(b)) if a.code() == "validation_failed" && b.code() == "validation_failed" => {
            let mut details = a.details().to_vec();
            details.extend_from_slice(b.details());
            Err(ApiError::validation(details))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// Sets each view's `channels` from its stored route.
async fn fill_channels(state: &AppState, views: &mut [AlertView]) -> Result<(), ApiError> {
    let ids: Vec<Uuid> = views.iter().map(|v| v.id).collect();
    let routes = crate::channels::store::routes(&state.db, &ids).await?;
    for view in views {
        if let Some(route) = routes.get(&view.id) {
            view.channels = alerts::route_channels(route);
        }
    }
    Ok(())
}
