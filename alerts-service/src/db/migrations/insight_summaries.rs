//! `m0007_insight_summaries` (issue #18): the events alerts-service has consumed.
//!
//! `consumed_events` holds the id of every event a consumer of alerts-service handled (today
//! `insight.generated` from analytics-service), written in the transaction that acts on the
//! event, so a redelivered event is recognised and changes nothing.

use sea_orm_migration::prelude::*;

pub(super) struct InsightSummaries;

impl MigrationName for InsightSummaries {
    fn name(&self) -> &str {
        "m0007_insight_summaries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for InsightSummaries {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("consumed_events")
                .col(ColumnDef::new("event_id").text().not_null().primary_key())
                .col(ColumnDef::new("topic").text().not_null())
                .col(
                    ColumnDef::new("consumed_at")
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        // For pruning old ids.
        m.create_index(
            Index::create()
                .name("ix_consumed_events_consumed_at")
                .table("consumed_events")
                .col("consumed_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("consumed_events").to_owned())
            .await
    }
}
