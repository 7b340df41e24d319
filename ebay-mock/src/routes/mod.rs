//! HTTP routes: eBay's endpoints (token, search, getItem), the mock's control endpoints and
//! the health check.

pub mod browse;
pub mod control;
pub mod item;
pub mod search;
pub mod token;

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::state::{FaultPlan, MockState};

/// The per-request fault header, e.g. `X-Mock-Fault: 429` or `latency=200`.
pub const FAULT_HEADER: &str = "X-Mock-Fault";

/// The per-request clock header, e.g. `X-Mock-Time: 2026-11-21T10:00:00Z`.
pub const TIME_HEADER: &str = "X-Mock-Time";

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(health));
    token::configure(cfg);
    search::configure(cfg);
    item::configure(cfg);
    control::configure(cfg);
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "service": "ebay-mock"}))
}

/// Reads `X-Mock-Fault`, if present.
pub(crate) fn fault_header(req: &HttpRequest) -> Result<Option<FaultPlan>, String> {
    match req.headers().get(FAULT_HEADER) {
        None => Ok(None),
        Some(value) => {
            let text = value
                .to_str()
                .map_err(|_| format!("{FAULT_HEADER} is not ASCII"))?;
            FaultPlan::parse(text)
                .map(Some)
                .map_err(|e| format!("invalid {FAULT_HEADER}: {e}"))
        }
    }
}

/// Sleeps for the plan's latency and returns the status to fail with, if any.
pub(crate) async fn apply_fault(state: &MockState, plan: &FaultPlan) -> Option<u16> {
    if let Some(ms) = plan.latency_ms.filter(|ms| *ms > 0) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if plan.status.is_some() {
        state.count_fault();
    }
    plan.status
}
