//! People who signed in at least once.

use sea_orm::entity::prelude::*;

/// One row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Random UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased address; unique.
    #[sea_orm(unique)]
    pub email: String,
    /// First sign-in.
    pub created_at: DateTimeUtc,
    /// Latest sign-in.
    pub last_sign_in_at: DateTimeUtc,
    /// Where parcels go: ISO 3166 alpha-2 country.
    pub country: Option<String>,
    /// Postal code within `country`.
    pub postal_code: Option<String>,
    /// Quiet hours start, local `HH:MM` (with `quiet_end` and `quiet_time_zone`, or none).
    pub quiet_start: Option<String>,
    /// Quiet hours end, local `HH:MM`.
    pub quiet_end: Option<String>,
    /// The IANA time zone of the quiet hours and of digest hours.
    pub quiet_time_zone: Option<String>,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
