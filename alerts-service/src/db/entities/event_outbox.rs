//! Events written in the same transaction as the change; the relay publishes them in id order.

use sea_orm::entity::prelude::*;

/// One row of `event_outbox`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_outbox")]
pub struct Model {
    /// Publication order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Topic to publish on.
    pub topic: String,
    /// The CloudEvent id.
    pub event_id: String,
    /// The encoded CloudEvent.
    pub payload: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Set once published.
    pub published_at: Option<DateTimeUtc>,
    /// Failed publication attempts.
    pub attempts: i32,
    /// Not retried before this.
    pub next_attempt_at: DateTimeUtc,
    /// The last publication error.
    pub last_error: Option<String>,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
