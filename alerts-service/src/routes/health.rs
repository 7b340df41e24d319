//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get, web};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::state::AppState;
use crate::workers::event_relay as relay;

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The process is up.
#[utoipa::path(
    operation_id = "healthz",tag = "operations", responses((status = 200, description = "alive")))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database and the event broker answer.
#[utoipa::path(
    operation_id = "readyz",tag = "operations", responses((status = 200, description = "ready"), (status = 503, description = "a dependency is down")))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db.execute_unprepared("SELECT 1").await.is_ok();
    let broker = state.transport.ping().await.is_ok();
    let body = json!({
        "status": if database && broker { "ready" } else { "not_ready" },
        "checks": {"database": database, "redis": broker},
    });
    if database && broker {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text exposition.
#[utoipa::path(
    operation_id = "metrics",tag = "operations", responses((status = 200, description = "Prometheus text format")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    if let Ok(backlog) = relay::backlog(&state).await {
        state
            .metrics
            .outbox_backlog
            .set(i64::try_from(backlog).unwrap_or(i64::MAX));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
