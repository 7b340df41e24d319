//! `m0005_channels` (issue #18): notification channels beyond email, which channels each alert
//! notifies, and the per-(notification, channel) delivery outbox.
//!
//! Email stays the built-in channel: `alerts.email_channel` (default true) says whether an
//! alert emails, so alerts written before, or by any other path, keep emailing. Channel URLs
//! and webhook secrets are stored sealed (see `channels::secrets`), beside a masked copy for
//! display.

use sea_orm_migration::prelude::*;

use super::{text, text_null, time, time_null, uuid};

pub(super) struct Channels;

impl MigrationName for Channels {
    fn name(&self) -> &str {
        "m0005_channels"
    }
}

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Channels {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("alerts")
                .add_column(
                    ColumnDef::new("email_channel")
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("channels")
                .col(uuid("id").primary_key().to_owned())
                .col(uuid("user_id"))
                .col(text("kind"))
                .col(text("name"))
                // The URL sealed with CHANNEL_SECRET_KEY (or marked plain when none is set).
                .col(text("url_sealed"))
                // The URL with its secrets replaced by `***`, for display.
                .col(text("url_masked"))
                .col(text_null("secret_sealed"))
                .col(text_null("title_template"))
                .col(text_null("body_template"))
                .col(time("created_at"))
                .col(time("updated_at"))
                .col(time_null("last_delivery_at"))
                .col(ColumnDef::new("last_status").integer().null())
                .col(text_null("last_error"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_channels_user")
                        .from("channels", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_channels_user")
                .table("channels")
                .col("user_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("alert_channels")
                .col(uuid("alert_id"))
                .col(uuid("channel_id"))
                .primary_key(Index::create().col("alert_id").col("channel_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_alert_channels_alert")
                        .from("alert_channels", "alert_id")
                        .to("alerts", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_alert_channels_channel")
                        .from("alert_channels", "channel_id")
                        .to("channels", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_alert_channels_channel")
                .table("alert_channels")
                .col("channel_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("channel_outbox")
                // Also the Standard Webhooks `webhook-id` (`msg_` + id): fixed when the row is
                // written, so every retry carries the same idempotency key.
                .col(uuid("id").primary_key().to_owned())
                .col(uuid("channel_id"))
                .col(ColumnDef::new("run_id").uuid().null())
                .col(text("kind"))
                // The notification as JSON (alert, listings, links), rendered per channel kind
                // and template when sent.
                .col(text("payload"))
                .col(text("status"))
                .col(int("attempts"))
                .col(time("next_attempt_at"))
                .col(time_null("leased_until"))
                .col(ColumnDef::new("last_status").integer().null())
                .col(text_null("last_error"))
                .col(time("created_at"))
                .col(time_null("sent_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_channel_outbox_channel")
                        .from("channel_outbox", "channel_id")
                        .to("channels", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One notification per run and channel, however often a run is recorded.
        m.create_index(
            Index::create()
                .name("ux_channel_outbox_run_channel")
                .table("channel_outbox")
                .col("run_id")
                .col("channel_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_channel_outbox_due")
                .table("channel_outbox")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
