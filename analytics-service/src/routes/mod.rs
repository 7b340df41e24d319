//! The read API (actix-web): insights for alerts-service, and the operational endpoints.
//!
//! | route | auth | does |
//! |---|---|---|
//! | `GET /api/v1/alerts/{id}/insights?days=N` | bearer | the report, see `docs/analytics-api.md` |
//! | `GET /api/v1/alerts/{id}/insights.csv?days=N` | bearer | per day and segment, as CSV |
//! | `GET /api/v1/alerts/{id}/listings.csv?days=N` | bearer | the listings seen, as CSV |
//! | `POST /api/v1/alerts/{id}/verdicts` | bearer | deal verdicts on a run's listings |
//! | `GET /healthz` | none | the process is up |
//! | `GET /readyz` | none | the database and the broker answer |
//! | `GET /metrics` | none | Prometheus text |

use actix_web::web;

pub mod auth;
pub mod health;
pub mod insights;
pub mod metrics;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    metrics::configure(cfg);
    insights::configure(cfg);
}
