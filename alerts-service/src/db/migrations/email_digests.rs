//! `m0008_email_digests` (issue #18, part 5): emails follow quiet hours and digest alerts, as
//! the other channels do.
//!
//! An alert email made in the owner's quiet hours, or for a `digest` alert, is stored `held`
//! (due at `next_attempt_at`) with the structured notification beside the rendered email, so
//! that when its time comes the held emails of one alert become one digest email. The digest
//! row is written in the transaction that marks the held rows `digested` and names it in
//! `digest_id`.

use sea_orm_migration::prelude::*;

pub(super) struct EmailDigests;

impl MigrationName for EmailDigests {
    fn name(&self) -> &str {
        "m0008_email_digests"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for EmailDigests {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per `ALTER TABLE`.
        for column in [
            // The alert an alert email (or digest) is about: digests are one per alert, so the
            // one-click unsubscribe of each stays that alert's.
            ColumnDef::new("alert_id").uuid().null().to_owned(),
            // The notification (JSON, as channels store it) of a held email.
            ColumnDef::new("notification").text().null().to_owned(),
            // The digest email that carried a held one.
            ColumnDef::new("digest_id").uuid().null().to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("email_outbox")
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
