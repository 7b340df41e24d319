//! HTTP routes, one module per resource, each exposing `configure`.

pub mod alerts;
pub mod auth;
pub mod channels;
pub mod dashboard;
pub mod docs;
pub mod email_outbox;
pub mod health;
pub mod insights;
pub mod me;
pub mod precompressed;
pub mod runs;
pub mod session;
pub mod tokens;
pub mod unsubscribe;

use actix_web::web;

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    docs::configure(cfg);
    auth::configure(cfg);
    me::configure(cfg);
    session::configure(cfg);
    tokens::configure(cfg);
    channels::configure(cfg);
    alerts::configure(cfg);
    runs::configure(cfg);
    insights::configure(cfg);
    unsubscribe::configure(cfg);
}
