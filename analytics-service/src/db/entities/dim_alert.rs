//! `dim_alert`: one row per alert revision (a type-2 slowly changing dimension).
//!
//! `alert_id` is the durable key facts refer to; each revision gets a surrogate `alert_key`,
//! a validity range and `is_current`. A deletion is a row with `deleted = true` (a tombstone)
//! that outranks every lower revision, so a late `alert.created` cannot bring the alert back.
//! Prices here are filter attributes, kept as text (never aggregated).

use sea_orm::entity::prelude::*;

/// One revision of an alert.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "dim_alert")]
pub struct Model {
    /// Surrogate key of this revision.
    #[sea_orm(primary_key)]
    pub alert_key: i64,
    /// The alert's id in alerts-service (the durable key).
    pub alert_id: Uuid,
    /// The revision this row holds.
    pub revision: i64,
    /// A tombstone: the alert was deleted at this revision.
    pub deleted: bool,
    /// Owner (absent on a tombstone for an alert never seen before).
    pub owner_id: Option<Uuid>,
    /// Where insight emails go.
    pub owner_email: Option<String>,
    /// The search phrase.
    pub search_phrase: Option<String>,
    /// Run frequency.
    pub frequency_minutes: Option<i32>,
    /// Price filter lower bound, as a decimal string.
    pub min_price: Option<String>,
    /// Price filter upper bound, as a decimal string.
    pub max_price: Option<String>,
    /// ISO 4217 currency of the alert.
    pub currency: Option<String>,
    /// `any`, `new` or `used`.
    pub condition: Option<String>,
    /// `fixed_price`, `auction` or `any`.
    pub buying_options: Option<String>,
    /// Target price, as a decimal string.
    pub target_price: Option<String>,
    /// Paused alerts get no insight emails.
    pub paused: Option<bool>,
    /// One-click unsubscribe link signed by alerts-service.
    pub unsubscribe_url: Option<String>,
    /// Whether insight emails are wanted (`None`: recorded before the field existed, so yes).
    pub insight_emails: Option<bool>,
    /// `with_shipping` or `item`: what insight figures and deal verdicts compare (`None`: a
    /// revision from before the field existed, which compared item prices).
    pub price_basis: Option<String>,
    /// When the alert was created.
    pub created_at: Option<DateTimeUtc>,
    /// When this revision became valid.
    pub valid_from: DateTimeUtc,
    /// When the next revision replaced it (`None` while current).
    pub valid_to: Option<DateTimeUtc>,
    /// The newest revision analytics knows.
    pub is_current: bool,
    /// When analytics stored the row.
    pub recorded_at: DateTimeUtc,
}

/// No relations are declared: facts refer to alerts by the durable `alert_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
