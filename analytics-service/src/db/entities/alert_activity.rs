//! `alert_activity`: per alert, its latest run (for "current listings") and the currency its
//! listings came in (for alerts analytics has observations of but no `alert.created` yet).

use sea_orm::entity::prelude::*;

/// What analytics last saw of an alert's runs.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_activity")]
pub struct Model {
    /// The alert.
    #[sea_orm(primary_key, auto_increment = false)]
    pub alert_id: Uuid,
    /// The run with the latest `observed_at`.
    pub last_run_id: Uuid,
    /// When that run saw its listings.
    pub last_observed_at: DateTimeUtc,
    /// Currency of the latest run's first listing.
    pub currency: String,
    /// The earliest observation.
    pub first_observed_at: DateTimeUtc,
    /// Runs ingested.
    pub runs: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
