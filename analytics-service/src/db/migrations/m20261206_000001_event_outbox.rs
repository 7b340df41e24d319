//! The event outbox (issue #18): events analytics-service publishes (`insight.generated`),
//! written in the transaction that queues the insight email and relayed to the transport
//! afterwards, so an insight report never exists without its event nor the event without it.
//!
//! * `event_outbox` — one row per event: its id (the CloudEvents `id`), topic, encoded bytes,
//!   when it was written and when it was published (NULL until then).

use sea_orm_migration::prelude::*;

/// Creates the table.
#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &str = r#"
CREATE TABLE event_outbox (
    event_id      TEXT PRIMARY KEY,
    topic         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ
);
CREATE INDEX event_outbox_unpublished ON event_outbox (created_at) WHERE published_at IS NULL;
"#;

const SQLITE: &str = r#"
CREATE TABLE event_outbox (
    event_id      TEXT PRIMARY KEY,
    topic         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    published_at  TEXT
);
CREATE INDEX event_outbox_unpublished ON event_outbox (created_at) WHERE published_at IS NULL;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let sql = match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => SQLITE,
            _ => POSTGRES,
        };
        // One statement at a time: SQLite's driver runs only the first of a batch.
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            m.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
