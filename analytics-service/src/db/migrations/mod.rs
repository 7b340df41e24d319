//! Schema migrations (sea-orm-migration), applied by `serve` and `migrate` before anything else.
//!
//! The DDL is written per dialect rather than through the schema builder because the fact table
//! is partitioned on Postgres, which the builder cannot express, and because spelling out the
//! SQL keeps both schemas readable side by side.

use sea_orm_migration::prelude::*;

mod m20261123_000001_star_schema;
mod m20261201_000001_insight_emails;
mod m20261205_000001_segments;
mod m20261206_000001_event_outbox;

/// Every migration of analytics-service, oldest first.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_star_schema::Migration),
            Box::new(m20261201_000001_insight_emails::Migration),
            Box::new(m20261205_000001_segments::Migration),
            Box::new(m20261206_000001_event_outbox::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        // Its own name, so analytics can share a database with another service in a pinch.
        "analytics_migrations".into_iden()
    }
}
