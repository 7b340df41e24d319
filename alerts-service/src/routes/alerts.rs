//! The alerts resource (DESIGN §6).

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alerts::{self, AlertView};
use crate::auth::CurrentUser;
use crate::domain::{AlertChanges, AlertDraft, BuyingOptions, Condition};
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
    /// ISO 4217 code; default USD.
    #[schema(example = "USD")]
    currency: Option<String>,
    /// Default `any`.
    condition: Option<Condition>,
    /// Default `fixed_price` (eBay's own default).
    buying_options: Option<BuyingOptions>,
    /// Notify when a listing is at or under this price.
    #[schema(example = "299.99", nullable)]
    target_price: Option<String>,
    /// Pause (true) or resume (false).
    paused: Option<bool>,
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
    let draft = AlertDraft::parse(&body)?;
    let model = alerts::create(&state, &user, &draft).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/alerts/{}", model.id)))
        .json(AlertView::from(model)))
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
    Ok(HttpResponse::Ok().json(AlertView::from(model)))
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
    let changes = AlertChanges::parse(&body)?;
    let model = alerts::update(&state, &user, id.into_inner(), &changes).await?;
    Ok(HttpResponse::Ok().json(AlertView::from(model)))
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
