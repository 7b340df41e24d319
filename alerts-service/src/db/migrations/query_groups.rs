//! `m0004_query_groups` (issue #19): what each query group's runs have shown — the weighted
//! count of new listings and the hours it was counted over (its rate), when it last ran, the
//! earliest end of an auction it showed, and how deep its last run paged. Kept in the database
//! so every replica plans with the same model and a restart forgets nothing.

use sea_orm_migration::prelude::*;

use super::time_null;

pub(super) struct QueryGroups;

impl MigrationName for QueryGroups {
    fn name(&self) -> &str {
        "m0004_query_groups"
    }
}

fn double(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .double()
        .not_null()
        .default(0.0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for QueryGroups {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key to alerts: a group is shared by many alerts and outlives any one of
        // them (an alert recreated with the same search finds its rate already known).
        m.create_table(
            Table::create()
                .table("query_groups")
                .col(ColumnDef::new("query_key").text().not_null().primary_key())
                .col(double("weighted_new"))
                .col(double("weighted_hours"))
                .col(time_null("last_run_at"))
                .col(time_null("auction_ends_at"))
                .col(
                    ColumnDef::new("last_new_listings")
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new("last_pages").integer().not_null().default(0))
                .col(
                    ColumnDef::new("updated_at")
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }
}
