//! Schema migrations; portable between Postgres and SQLite through sea-query's builders.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

mod alert_counts;
mod channels;
mod email_digests;
mod insight_summaries;
mod precise_alerts;
mod query_groups;
mod quiet_hours;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(AccountsAlertsOutboxes),
            Box::new(alert_counts::AlertCounts),
            Box::new(precise_alerts::PreciseAlerts),
            Box::new(query_groups::QueryGroups),
            Box::new(channels::Channels),
            Box::new(quiet_hours::QuietHours),
            Box::new(insight_summaries::InsightSummaries),
            Box::new(email_digests::EmailDigests),
        ]
    }
}

/// Users, sign-in links, sessions, API tokens, alerts, what each alert has seen and its runs,
/// and the event and email outboxes.
struct AccountsAlertsOutboxes;

impl MigrationName for AccountsAlertsOutboxes {
    fn name(&self) -> &str {
        "m0001_accounts_alerts_outboxes"
    }
}

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn uuid(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

fn time(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn time_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn owned_by_user(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_user"))
        .from(table, "user_id")
        .to("users", "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for AccountsAlertsOutboxes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("users")
                .col(id())
                .col(text("email").unique_key().to_owned())
                .col(time("created_at"))
                .col(time("last_sign_in_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sign_in_links")
                .col(id())
                .col(text("token_hash").unique_key().to_owned())
                .col(text("email"))
                .col(time("created_at"))
                .col(time("expires_at"))
                .col(time_null("used_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(id())
                .col(text("token_hash").unique_key().to_owned())
                .col(uuid("user_id"))
                .col(time("created_at"))
                .col(time("expires_at"))
                .foreign_key(&mut owned_by_user("sessions"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(id())
                .col(uuid("user_id"))
                .col(text("name"))
                .col(text("prefix"))
                .col(text("token_hash").unique_key().to_owned())
                .col(time("created_at"))
                .col(time_null("last_used_at"))
                .foreign_key(&mut owned_by_user("api_tokens"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("alerts")
                .col(id())
                .col(uuid("user_id"))
                .col(text("search_phrase"))
                .col(text("normalised_phrase"))
                .col(text("query_key"))
                .col(ColumnDef::new("frequency_minutes").integer().not_null())
                .col(text_null("min_price"))
                .col(text_null("max_price"))
                .col(text_null("target_price"))
                .col(text("currency"))
                .col(text("condition"))
                .col(text("buying_options"))
                .col(ColumnDef::new("paused").boolean().not_null())
                .col(ColumnDef::new("revision").big_integer().not_null())
                .col(text("unsubscribe_token").unique_key().to_owned())
                .col(time("created_at"))
                .col(time("updated_at"))
                .col(time_null("last_run_at"))
                .col(time("next_run_at"))
                .col(text_null("last_run_status"))
                .col(text_null("last_run_error"))
                .col(time_null("leased_until"))
                .col(
                    ColumnDef::new("effective_interval_minutes")
                        .integer()
                        .null(),
                )
                .foreign_key(&mut owned_by_user("alerts"))
                .to_owned(),
        )
        .await?;
        // The dashboard lists a user's alerts newest first.
        m.create_index(
            Index::create()
                .name("ix_alerts_user_created")
                .table("alerts")
                .col("user_id")
                .col("created_at")
                .col("id")
                .to_owned(),
        )
        .await?;
        // The scheduler looks for due alerts.
        m.create_index(
            Index::create()
                .name("ix_alerts_next_run")
                .table("alerts")
                .col("next_run_at")
                .to_owned(),
        )
        .await?;
        // Quota planning groups active alerts by the eBay query they need.
        m.create_index(
            Index::create()
                .name("ix_alerts_query_key")
                .table("alerts")
                .col("query_key")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("seen_listings")
                .col(uuid("alert_id"))
                .col(text("item_id"))
                .col(text("title"))
                .col(text("item_url"))
                .col(text_null("image_url"))
                .col(text_null("condition"))
                .col(text("currency"))
                .col(text("first_price"))
                .col(text_null("previous_price"))
                .col(text("last_price"))
                .col(text_null("last_notified_price"))
                .col(time("first_seen_at"))
                .col(time("last_seen_at"))
                .col(time_null("last_notified_at"))
                .primary_key(Index::create().col("alert_id").col("item_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_seen_listings_alert")
                        .from("seen_listings", "alert_id")
                        .to("alerts", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_seen_listings_recent")
                .table("seen_listings")
                .col("alert_id")
                .col("last_seen_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("alert_runs")
                .col(id())
                .col(uuid("alert_id"))
                .col(time("started_at"))
                .col(time("finished_at"))
                .col(text("status"))
                .col(ColumnDef::new("items_found").integer().not_null())
                .col(ColumnDef::new("new_items").integer().not_null())
                .col(ColumnDef::new("email_sent").boolean().not_null())
                .col(ColumnDef::new("shared_search").boolean().not_null())
                .col(text_null("error"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_alert_runs_alert")
                        .from("alert_runs", "alert_id")
                        .to("alerts", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_alert_runs_alert")
                .table("alert_runs")
                .col("alert_id")
                .col("started_at")
                .to_owned(),
        )
        .await?;
        for table in ["sessions", "api_tokens"] {
            m.create_index(
                Index::create()
                    .name(format!("ix_{table}_user"))
                    .table(table)
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table("event_outbox")
                .col(
                    ColumnDef::new("id")
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(text("topic"))
                .col(text("event_id"))
                .col(text("payload"))
                .col(time("created_at"))
                .col(time_null("published_at"))
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(time("next_attempt_at"))
                .col(text_null("last_error"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("email_outbox")
                .col(id())
                .col(text("kind"))
                .col(ColumnDef::new("run_id").uuid().null().unique_key())
                .col(text("recipient"))
                .col(text("subject"))
                .col(text("text_body"))
                .col(text_null("html_body"))
                .col(text_null("unsubscribe_url"))
                .col(text("message_id"))
                .col(text("status"))
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(time("next_attempt_at"))
                .col(time_null("leased_until"))
                .col(text_null("last_error"))
                .col(time("created_at"))
                .col(time_null("sent_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_email_outbox_due")
                .table("email_outbox")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        // Only unpublished rows are ever scanned by the relay; a partial index keeps that cheap
        // however many published rows are retained.
        let partial = match m.get_database_backend() {
            DbBackend::Postgres | DbBackend::Sqlite => {
                "CREATE INDEX ix_event_outbox_pending ON event_outbox (id) WHERE published_at IS NULL"
            }
            _ => "CREATE INDEX ix_event_outbox_pending ON event_outbox (published_at, id)",
        };
        m.get_connection().execute_unprepared(partial).await?;
        Ok(())
    }
}
