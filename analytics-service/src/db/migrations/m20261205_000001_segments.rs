//! Segments (issue #17): every figure per condition group × buying format, on the alert's price
//! basis.
//!
//! * `dim_alert.price_basis` — `with_shipping` or `item` (NULL: a revision from before the field,
//!   which compared item prices).
//! * `fact_price_observation.segment` / `.measured_price` / `.shipping_known` — the listing's
//!   segment (`used/fixed_price` …; NULL when the sighting sets no figure, e.g. an auction far
//!   from its end), the price it was measured at on the alert's basis, and whether shipping was
//!   known. NULL on rows from before this migration, which simply have no segment.
//! * `segment_rollup` — `daily_rollup` per segment: the day's statistics, its robust low (the
//!   lowest price at or above the lower fence), the lowest few prices with a listing each
//!   (`low_items`, `price:item_key …`, to name the listing at the robust low), prices without
//!   known shipping, new listings, and the histogram the statistics are recomputed from.

use sea_orm_migration::prelude::*;

/// Adds the columns and the table.
#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &str = r#"
ALTER TABLE dim_alert ADD COLUMN price_basis TEXT;
ALTER TABLE fact_price_observation ADD COLUMN segment TEXT;
ALTER TABLE fact_price_observation ADD COLUMN measured_price NUMERIC;
ALTER TABLE fact_price_observation ADD COLUMN shipping_known BIGINT;
CREATE TABLE segment_rollup (
    alert_id          UUID NOT NULL,
    currency          TEXT NOT NULL,
    day               DATE NOT NULL,
    segment           TEXT NOT NULL,
    observations      BIGINT NOT NULL,
    without_shipping  BIGINT NOT NULL DEFAULT 0,
    min_price         NUMERIC NOT NULL,
    p25               NUMERIC NOT NULL,
    median            NUMERIC NOT NULL,
    p75               NUMERIC NOT NULL,
    mean              NUMERIC NOT NULL,
    max_price         NUMERIC NOT NULL,
    robust_low        NUMERIC NOT NULL,
    low_items         TEXT NOT NULL DEFAULT '',
    new_listings      BIGINT NOT NULL DEFAULT 0,
    price_counts      TEXT NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, currency, day, segment)
) WITH (fillfactor = 70);
"#;

const SQLITE: &str = r#"
ALTER TABLE dim_alert ADD COLUMN price_basis TEXT;
ALTER TABLE fact_price_observation ADD COLUMN segment TEXT;
ALTER TABLE fact_price_observation ADD COLUMN measured_price TEXT;
ALTER TABLE fact_price_observation ADD COLUMN shipping_known INTEGER;
CREATE TABLE segment_rollup (
    alert_id          BLOB NOT NULL,
    currency          TEXT NOT NULL,
    day               TEXT NOT NULL,
    segment           TEXT NOT NULL,
    observations      INTEGER NOT NULL,
    without_shipping  INTEGER NOT NULL DEFAULT 0,
    min_price         TEXT NOT NULL,
    p25               TEXT NOT NULL,
    median            TEXT NOT NULL,
    p75               TEXT NOT NULL,
    mean              TEXT NOT NULL,
    max_price         TEXT NOT NULL,
    robust_low        TEXT NOT NULL,
    low_items         TEXT NOT NULL DEFAULT '',
    new_listings      INTEGER NOT NULL DEFAULT 0,
    price_counts      TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (alert_id, currency, day, segment)
);
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
