//! `/healthz` (the process answers) and `/readyz` (the database and the broker answer too).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

#[tracing::instrument(skip(ctx))]
async fn readyz(ctx: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(CHECK_TIMEOUT, ctx.db.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database");
            "unavailable".to_owned()
        }
        Err(_) => "timeout".to_owned(),
    };
    let broker = match tokio::time::timeout(CHECK_TIMEOUT, ctx.transport.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: broker");
            "unavailable".to_owned()
        }
        Err(_) => "timeout".to_owned(),
    };
    let ready = database == "ok" && broker == "ok";
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": database,
        "broker": broker,
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
