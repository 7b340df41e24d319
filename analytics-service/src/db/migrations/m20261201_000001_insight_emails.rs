//! `dim_alert.insight_emails` (issue #16): whether the owner still wants insight emails for the
//! alert. An insight email's unsubscribe link stops those only (alert emails go on), so it is no
//! longer enough to look at `paused`. NULL — revisions recorded before the field existed —
//! means yes.

use sea_orm_migration::prelude::*;

/// Adds the column.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE dim_alert ADD COLUMN insight_emails BOOLEAN")
            .await?;
        Ok(())
    }
}
