//! Alert configuration events into `dim_alert`, ordered by revision.
//!
//! The rules (DESIGN §7): a change whose revision is not newer than the one held is ignored, so
//! redelivery and reordering change nothing; a deletion is a tombstone row that no later-arriving
//! create or update can undo, whatever its revision — alert ids are never reused, so anything
//! arriving after the tombstone is a straggler. A newer revision closes the current row
//! (`valid_to`, `is_current = false`) and adds its own.
//!
//! Callers hold the per-alert lock of the batch transaction (see [`super::lock_alerts`]), so
//! two replicas never interleave changes of one alert; the partial unique index on current rows
//! would turn a mistake there into a retried batch rather than two current rows.

use chrono::{DateTime, Utc};
use pubsub::AlertSnapshot;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::db::entities::dim_alert;

/// A change to apply.
#[derive(Debug, Clone, Copy)]
pub enum AlertChange<'a> {
    /// `alert.created` / `alert.updated`: the full alert at a revision.
    Upsert(&'a AlertSnapshot),
    /// `alert.deleted`.
    Delete {
        /// The alert.
        alert_id: Uuid,
        /// The tombstone's revision.
        revision: u64,
        /// When it was deleted (the event's time).
        at: DateTime<Utc>,
    },
}

impl AlertChange<'_> {
    /// The alert concerned.
    pub fn alert_id(&self) -> Uuid {
        match self {
            Self::Upsert(snapshot) => snapshot.id,
            Self::Delete { alert_id, .. } => *alert_id,
        }
    }

    fn revision(&self) -> i64 {
        let revision = match self {
            Self::Upsert(snapshot) => snapshot.revision,
            Self::Delete { revision, .. } => *revision,
        };
        // Checked when the event was accepted; saturating keeps this total.
        i64::try_from(revision).unwrap_or(i64::MAX)
    }
}

/// What applying a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new revision (or tombstone) became current.
    Stored,
    /// Older than (or equal to) the revision held, or after a tombstone: ignored.
    Stale,
}

/// Applies one change inside the caller's transaction.
pub async fn apply<C: ConnectionTrait>(
    conn: &C,
    change: AlertChange<'_>,
    now: DateTime<Utc>,
) -> Result<Applied, DbErr> {
    let current = dim_alert::Entity::find()
        .filter(dim_alert::Column::AlertId.eq(change.alert_id()))
        .filter(dim_alert::Column::IsCurrent.eq(true))
        .one(conn)
        .await?;
    if let Some(current) = &current
        && (current.deleted || current.revision >= change.revision())
    {
        return Ok(Applied::Stale);
    }

    let row = match change {
        AlertChange::Upsert(snapshot) => from_snapshot(snapshot, now),
        AlertChange::Delete { alert_id, at, .. } => {
            tombstone(alert_id, change.revision(), at, current.as_ref(), now)
        }
    };
    let valid_from = match &row.valid_from {
        Set(t) => *t,
        _ => now,
    };
    if let Some(current) = current {
        // Never let a validity range run backwards when clocks disagree.
        let closes_at = valid_from.max(current.valid_from);
        dim_alert::Entity::update_many()
            .col_expr(dim_alert::Column::IsCurrent, Expr::value(false))
            .col_expr(dim_alert::Column::ValidTo, Expr::value(closes_at))
            .filter(dim_alert::Column::AlertKey.eq(current.alert_key))
            .exec(conn)
            .await?;
    }
    dim_alert::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    Ok(Applied::Stored)
}

fn from_snapshot(a: &AlertSnapshot, now: DateTime<Utc>) -> dim_alert::ActiveModel {
    let text = |v: Option<rust_decimal::Decimal>| v.map(|d| d.to_string());
    dim_alert::ActiveModel {
        alert_key: NotSet,
        alert_id: Set(a.id),
        revision: Set(i64::try_from(a.revision).unwrap_or(i64::MAX)),
        deleted: Set(false),
        owner_id: Set(Some(a.owner_id)),
        owner_email: Set(Some(a.owner_email.clone())),
        search_phrase: Set(Some(a.search_phrase.clone())),
        frequency_minutes: Set(i32::try_from(a.frequency_minutes).ok()),
        min_price: Set(text(a.min_price)),
        max_price: Set(text(a.max_price)),
        currency: Set(Some(a.currency.clone())),
        condition: Set(Some(enum_text(&a.condition))),
        buying_options: Set(Some(enum_text(&a.buying_options))),
        target_price: Set(text(a.target_price)),
        paused: Set(Some(a.paused)),
        unsubscribe_url: Set(a.unsubscribe_url.clone()),
        insight_emails: Set(Some(a.insight_emails)),
        price_basis: Set(a.price_basis.clone()),
        created_at: Set(Some(a.created_at)),
        valid_from: Set(a.updated_at),
        valid_to: Set(None),
        is_current: Set(true),
        recorded_at: Set(now),
    }
}

/// A tombstone keeps the last known attributes, so history still says what was deleted.
fn tombstone(
    alert_id: Uuid,
    revision: i64,
    at: DateTime<Utc>,
    current: Option<&dim_alert::Model>,
    now: DateTime<Utc>,
) -> dim_alert::ActiveModel {
    let c = current.cloned();
    let field = |f: fn(&dim_alert::Model) -> Option<String>| c.as_ref().and_then(f);
    dim_alert::ActiveModel {
        alert_key: NotSet,
        alert_id: Set(alert_id),
        revision: Set(revision),
        deleted: Set(true),
        owner_id: Set(c.as_ref().and_then(|c| c.owner_id)),
        owner_email: Set(field(|c| c.owner_email.clone())),
        search_phrase: Set(field(|c| c.search_phrase.clone())),
        frequency_minutes: Set(c.as_ref().and_then(|c| c.frequency_minutes)),
        min_price: Set(field(|c| c.min_price.clone())),
        max_price: Set(field(|c| c.max_price.clone())),
        currency: Set(field(|c| c.currency.clone())),
        condition: Set(field(|c| c.condition.clone())),
        buying_options: Set(field(|c| c.buying_options.clone())),
        target_price: Set(field(|c| c.target_price.clone())),
        paused: Set(c.as_ref().and_then(|c| c.paused)),
        unsubscribe_url: Set(field(|c| c.unsubscribe_url.clone())),
        insight_emails: Set(c.as_ref().and_then(|c| c.insight_emails)),
        price_basis: Set(field(|c| c.price_basis.clone())),
        created_at: Set(c.as_ref().and_then(|c| c.created_at)),
        valid_from: Set(at),
        valid_to: Set(None),
        is_current: Set(true),
        recorded_at: Set(now),
    }
}

/// The snake_case name serde gives an enum value (`fixed_price`, `used` …).
fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
