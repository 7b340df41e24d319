//! The star schema: dimensions, the observation fact, daily rollups, the event inbox and the
//! insight reports (DESIGN §9).

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

use crate::db::partitions;

/// Creates every table of the first release.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Postgres: the fact table is partitioned by month of `observed_date`; the unique key has to
/// include the partition key, and since one run has one `observed_at`, `(run_id, item_key,
/// observed_date)` is as strict as `(run_id, item_key)`.
/// `alert_listing_day` is the per-listing rollup: each listing's first price of each day, so a
/// report finds a listing's first price in the window among `days` rows instead of every run's.
/// Rollups and activity rows are rewritten by every batch: free space in their pages lets
/// Postgres update them in place (HOT) without touching their indexes.
/// `daily_rollup.price_counts` is the day's price histogram (`"12.99*3 13.5*1"`), merged with
/// each batch's prices to recompute exact quartiles without reading the day's facts again.
const POSTGRES: &str = r#"
CREATE TABLE dim_alert (
    alert_key          BIGSERIAL PRIMARY KEY,
    alert_id           UUID NOT NULL,
    revision           BIGINT NOT NULL,
    deleted            BOOLEAN NOT NULL DEFAULT FALSE,
    owner_id           UUID,
    owner_email        TEXT,
    search_phrase      TEXT,
    frequency_minutes  INTEGER,
    min_price          TEXT,
    max_price          TEXT,
    currency           TEXT,
    condition          TEXT,
    buying_options     TEXT,
    target_price       TEXT,
    paused             BOOLEAN,
    unsubscribe_url    TEXT,
    created_at         TIMESTAMPTZ,
    valid_from         TIMESTAMPTZ NOT NULL,
    valid_to           TIMESTAMPTZ,
    is_current         BOOLEAN NOT NULL,
    recorded_at        TIMESTAMPTZ NOT NULL,
    CONSTRAINT dim_alert_revision_unique UNIQUE (alert_id, revision)
);
CREATE UNIQUE INDEX dim_alert_one_current ON dim_alert (alert_id) WHERE is_current;

CREATE TABLE dim_item (
    item_key       BIGSERIAL PRIMARY KEY,
    item_id        TEXT NOT NULL,
    title          TEXT NOT NULL,
    item_url       TEXT NOT NULL,
    image_url      TEXT,
    seller         TEXT,
    condition      TEXT,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT dim_item_item_id_unique UNIQUE (item_id)
);

CREATE TABLE fact_price_observation (
    alert_id       UUID NOT NULL,
    item_key       BIGINT NOT NULL,
    run_id         UUID NOT NULL,
    observed_at    TIMESTAMPTZ NOT NULL,
    observed_date  DATE NOT NULL,
    price          NUMERIC NOT NULL,
    currency       TEXT NOT NULL,
    CONSTRAINT fact_price_observation_run_item_unique UNIQUE (run_id, item_key, observed_date)
) PARTITION BY RANGE (observed_date);
CREATE INDEX fact_price_observation_alert_item ON fact_price_observation (alert_id, item_key, observed_at);

CREATE TABLE daily_rollup (
    alert_id      UUID NOT NULL,
    currency      TEXT NOT NULL,
    day           DATE NOT NULL,
    observations  BIGINT NOT NULL,
    min_price     NUMERIC NOT NULL,
    p25           NUMERIC NOT NULL,
    median        NUMERIC NOT NULL,
    p75           NUMERIC NOT NULL,
    mean          NUMERIC NOT NULL,
    max_price     NUMERIC NOT NULL,
    min_item_key  BIGINT NOT NULL,
    new_listings  BIGINT NOT NULL DEFAULT 0,
    price_counts  TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, currency, day)
) WITH (fillfactor = 70);

CREATE TABLE alert_listing (
    alert_id         UUID NOT NULL,
    item_key         BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    first_seen_date  DATE NOT NULL,
    PRIMARY KEY (alert_id, item_key)
);

CREATE TABLE alert_listing_day (
    alert_id     UUID NOT NULL,
    item_key     BIGINT NOT NULL,
    day          DATE NOT NULL,
    currency     TEXT NOT NULL,
    first_price  NUMERIC NOT NULL,
    first_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, item_key, day)
);

CREATE TABLE alert_activity (
    alert_id           UUID PRIMARY KEY,
    last_run_id        UUID NOT NULL,
    last_observed_at   TIMESTAMPTZ NOT NULL,
    currency           TEXT NOT NULL,
    first_observed_at  TIMESTAMPTZ NOT NULL,
    runs               BIGINT NOT NULL
) WITH (fillfactor = 70);

CREATE TABLE inbox (
    event_id      TEXT PRIMARY KEY,
    event_type    TEXT NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX inbox_processed_at ON inbox (processed_at);

CREATE TABLE ingested_run (
    run_id       UUID PRIMARY KEY,
    alert_id     UUID NOT NULL,
    observed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ingested_run_observed_at ON ingested_run (observed_at);

CREATE TABLE insight_report (
    report_id        UUID PRIMARY KEY,
    alert_id         UUID NOT NULL,
    period_start     TIMESTAMPTZ NOT NULL,
    generated_at     TIMESTAMPTZ NOT NULL,
    days             INTEGER NOT NULL,
    enough_data      BOOLEAN NOT NULL,
    report           TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    search_phrase    TEXT NOT NULL,
    unsubscribe_url  TEXT,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    message_id       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    leased_until     TIMESTAMPTZ,
    last_error       TEXT,
    sent_at          TIMESTAMPTZ,
    CONSTRAINT insight_report_one_per_period UNIQUE (alert_id, period_start)
);
CREATE INDEX insight_report_due ON insight_report (next_attempt_at) WHERE status = 'queued';
"#;

/// SQLite: the same tables without partitions; prices as TEXT so they stay exact.
const SQLITE: &str = r#"
CREATE TABLE dim_alert (
    alert_key          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id           BLOB NOT NULL,
    revision           INTEGER NOT NULL,
    deleted            INTEGER NOT NULL DEFAULT 0,
    owner_id           BLOB,
    owner_email        TEXT,
    search_phrase      TEXT,
    frequency_minutes  INTEGER,
    min_price          TEXT,
    max_price          TEXT,
    currency           TEXT,
    condition          TEXT,
    buying_options     TEXT,
    target_price       TEXT,
    paused             INTEGER,
    unsubscribe_url    TEXT,
    created_at         TEXT,
    valid_from         TEXT NOT NULL,
    valid_to           TEXT,
    is_current         INTEGER NOT NULL,
    recorded_at        TEXT NOT NULL,
    UNIQUE (alert_id, revision)
);
CREATE UNIQUE INDEX dim_alert_one_current ON dim_alert (alert_id) WHERE is_current;

CREATE TABLE dim_item (
    item_key       INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id        TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    item_url       TEXT NOT NULL,
    image_url      TEXT,
    seller         TEXT,
    condition      TEXT,
    first_seen_at  TEXT NOT NULL
);

CREATE TABLE fact_price_observation (
    alert_id       BLOB NOT NULL,
    item_key       INTEGER NOT NULL,
    run_id         BLOB NOT NULL,
    observed_at    TEXT NOT NULL,
    observed_date  TEXT NOT NULL,
    price          TEXT NOT NULL,
    currency       TEXT NOT NULL,
    UNIQUE (run_id, item_key)
);
CREATE INDEX fact_price_observation_alert_item ON fact_price_observation (alert_id, item_key, observed_at);
CREATE INDEX fact_price_observation_date ON fact_price_observation (observed_date);

CREATE TABLE daily_rollup (
    alert_id      BLOB NOT NULL,
    currency      TEXT NOT NULL,
    day           TEXT NOT NULL,
    observations  INTEGER NOT NULL,
    min_price     TEXT NOT NULL,
    p25           TEXT NOT NULL,
    median        TEXT NOT NULL,
    p75           TEXT NOT NULL,
    mean          TEXT NOT NULL,
    max_price     TEXT NOT NULL,
    min_item_key  INTEGER NOT NULL,
    new_listings  INTEGER NOT NULL DEFAULT 0,
    price_counts  TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (alert_id, currency, day)
);

CREATE TABLE alert_listing (
    alert_id         BLOB NOT NULL,
    item_key         INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    first_seen_date  TEXT NOT NULL,
    PRIMARY KEY (alert_id, item_key)
);

CREATE TABLE alert_listing_day (
    alert_id     BLOB NOT NULL,
    item_key     INTEGER NOT NULL,
    day          TEXT NOT NULL,
    currency     TEXT NOT NULL,
    first_price  TEXT NOT NULL,
    first_at     TEXT NOT NULL,
    PRIMARY KEY (alert_id, item_key, day)
);

CREATE TABLE alert_activity (
    alert_id           BLOB PRIMARY KEY,
    last_run_id        BLOB NOT NULL,
    last_observed_at   TEXT NOT NULL,
    currency           TEXT NOT NULL,
    first_observed_at  TEXT NOT NULL,
    runs               INTEGER NOT NULL
);

CREATE TABLE inbox (
    event_id      TEXT PRIMARY KEY,
    event_type    TEXT NOT NULL,
    processed_at  TEXT NOT NULL
);
CREATE INDEX inbox_processed_at ON inbox (processed_at);

CREATE TABLE ingested_run (
    run_id       BLOB PRIMARY KEY,
    alert_id     BLOB NOT NULL,
    observed_at  TEXT NOT NULL
);
CREATE INDEX ingested_run_observed_at ON ingested_run (observed_at);

CREATE TABLE insight_report (
    report_id        BLOB PRIMARY KEY,
    alert_id         BLOB NOT NULL,
    period_start     TEXT NOT NULL,
    generated_at     TEXT NOT NULL,
    days             INTEGER NOT NULL,
    enough_data      INTEGER NOT NULL,
    report           TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    search_phrase    TEXT NOT NULL,
    unsubscribe_url  TEXT,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    message_id       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    leased_until     TEXT,
    last_error       TEXT,
    sent_at          TEXT,
    UNIQUE (alert_id, period_start)
);
CREATE INDEX insight_report_due ON insight_report (next_attempt_at) WHERE status = 'queued';
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES).await?;
                // The months ahead exist from the start; the maintenance job keeps it that way.
                for month in partitions::months_ahead(Utc::now().date_naive()) {
                    db.execute_unprepared(&partitions::create_partition_sql(month))
                        .await?;
                }
            }
            DbBackend::Sqlite => {
                db.execute_unprepared(SQLITE).await?;
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "analytics-service supports Postgres and SQLite, not {other:?}"
                )));
            }
        }
        Ok(())
    }
}
