//! `/metrics`: Prometheus text, with the consumer-lag gauges and the event outbox backlog
//! refreshed on every scrape.

use actix_web::{HttpResponse, web};

use crate::reports::outbox;
use crate::state::AppState;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

async fn metrics(ctx: web::Data<AppState>) -> HttpResponse {
    ctx.probe.sample(&ctx.metrics).await;
    match outbox::pending(&ctx.db).await {
        Ok(pending) => ctx.metrics.event_outbox_pending.set(pending),
        // The last value stays; the database's trouble shows on /readyz.
        Err(error) => tracing::warn!(%error, "cannot count the event outbox for /metrics"),
    }
    match ctx.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(error) => {
            tracing::error!(%error, "cannot render metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}
