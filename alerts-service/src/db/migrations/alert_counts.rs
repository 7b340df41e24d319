//! `m0002_alert_counts`: a per-user alert count kept by triggers, so a page of the alerts list
//! reads the total from a handful of counter rows instead of counting the owner's alerts on every
//! request (that count was half of Postgres's work per page; see BENCHMARKS.md).
//!
//! On Postgres each user's count is split over [`SHARDS`] rows picked by the writing backend,
//! because one row per user would serialise concurrent creates of the same user on its lock
//! until commit. SQLite has one writer anyway and keeps a single row per user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Counter rows per user on Postgres.
const SHARDS: i32 = 32;

pub(super) struct AlertCounts;

impl MigrationName for AlertCounts {
    fn name(&self) -> &str {
        "m0002_alert_counts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AlertCounts {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key to users: deleting a user cascades to its alerts, whose delete
        // trigger then writes here; the rows it leaves sum to zero.
        m.create_table(
            Table::create()
                .table("alert_counts")
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("shard").integer().not_null())
                .col(ColumnDef::new("alerts").big_integer().not_null())
                .primary_key(Index::create().col("user_id").col("shard"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION alert_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN
                       IF TG_OP = 'INSERT' THEN
                         INSERT INTO alert_counts (user_id, shard, alerts)
                         VALUES (NEW.user_id, pg_backend_pid() % {SHARDS}, 1)
                         ON CONFLICT (user_id, shard) DO UPDATE SET alerts = alert_counts.alerts + 1;
                       ELSE
                         INSERT INTO alert_counts (user_id, shard, alerts)
                         VALUES (OLD.user_id, pg_backend_pid() % {SHARDS}, -1)
                         ON CONFLICT (user_id, shard) DO UPDATE SET alerts = alert_counts.alerts - 1;
                       END IF;
                       RETURN NULL;
                     END $$;
                     CREATE TRIGGER alerts_counted AFTER INSERT OR DELETE ON alerts
                       FOR EACH ROW EXECUTE FUNCTION alert_counts_track();"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER alerts_counted_insert AFTER INSERT ON alerts BEGIN
                       INSERT INTO alert_counts (user_id, shard, alerts) VALUES (NEW.user_id, 0, 1)
                       ON CONFLICT (user_id, shard) DO UPDATE SET alerts = alerts + 1;
                     END;
                     CREATE TRIGGER alerts_counted_delete AFTER DELETE ON alerts BEGIN
                       INSERT INTO alert_counts (user_id, shard, alerts) VALUES (OLD.user_id, 0, -1)
                       ON CONFLICT (user_id, shard) DO UPDATE SET alerts = alerts - 1;
                     END;",
                )
                .await?;
            }
        }
        // Existing alerts, counted once; the migration runs in a transaction on Postgres, so no
        // alert is created between this and the trigger taking over.
        db.execute_unprepared(
            "INSERT INTO alert_counts (user_id, shard, alerts) \
             SELECT user_id, 0, COUNT(*) FROM alerts GROUP BY user_id",
        )
        .await?;
        Ok(())
    }
}
