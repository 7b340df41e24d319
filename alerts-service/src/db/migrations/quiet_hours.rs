//! `m0006_quiet_hours` (issue #18, part 5): an account's quiet hours and each alert's delivery
//! (`immediate` or a daily `digest` at a chosen hour).
//!
//! Quiet hours are three nullable columns on `users`, all set or all null: wall-clock `HH:MM`
//! start and end and the IANA time zone they are in (the instants move with daylight saving, so
//! they are computed when needed, never stored). SQLite adds one column per `ALTER TABLE`.
//! `channel_outbox.digest_id` links a held notification to the digest that carried it.

use sea_orm_migration::prelude::*;

pub(super) struct QuietHours;

impl MigrationName for QuietHours {
    fn name(&self) -> &str {
        "m0006_quiet_hours"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for QuietHours {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["quiet_start", "quiet_end", "quiet_time_zone"] {
            m.alter_table(
                Table::alter()
                    .table("users")
                    .add_column(ColumnDef::new(column).text().null())
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table("alerts")
                .add_column(
                    ColumnDef::new("delivery")
                        .text()
                        .not_null()
                        .default("immediate"),
                )
                .to_owned(),
        )
        .await?;
        // 08:00 in the owner's time zone: a morning summary of the day before.
        m.alter_table(
            Table::alter()
                .table("alerts")
                .add_column(
                    ColumnDef::new("digest_hour")
                        .integer()
                        .not_null()
                        .default(8),
                )
                .to_owned(),
        )
        .await?;
        // A held channel notification (status `held`, due at `next_attempt_at`: when quiet
        // hours end or at the digest hour) names the digest row that delivered it.
        m.alter_table(
            Table::alter()
                .table("channel_outbox")
                .add_column(ColumnDef::new("digest_id").uuid().null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
