//! sea-orm entities of the OLTP schema (see `migration.rs` for the tables themselves).

pub mod alert;
pub mod api_token;
pub mod email_outbox;
pub mod event_outbox;
pub mod session;
pub mod sign_in_link;
pub mod user;
