//! Held alert emails becoming digests (issue #18, part 5): an alert email made during its
//! owner's quiet hours, or for a `digest` alert, waits in the outbox as `held` with its
//! notification; when its time comes, every held email of that alert becomes **one** digest
//! email (listings told twice appear once, at their latest price, most important first).
//!
//! One digest per alert rather than one per account: each alert email's one-click unsubscribe
//! (`List-Unsubscribe`) turns off that alert's emails, and a digest keeps that promise.
//!
//! Exactly once: the held rows are locked (`SKIP LOCKED`, so replicas take different ones) and
//! the digest row is written in the transaction that marks them `digested`; a replica dying
//! midway leaves them held for the next pass. The digest then goes through the outbox like any
//! email. An alert whose emails were turned off (or that was deleted) while they were held gets
//! no digest: its rows end `cancelled`.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::{CANCELLED, DIGESTED, HELD};
use crate::channels::{Notification, digest, store};
use crate::db::entities::{alert, email_outbox};
use crate::db::{skip_locked, sql};
use crate::domain::Delivery;
use crate::runner::email::{DigestReason, render_digest};
use crate::state::AppState;

/// Held rows taken per pass.
const BATCH: usize = 500;

#[derive(FromQueryResult)]
struct HeldEmail {
    id: Uuid,
    alert_id: Option<Uuid>,
    recipient: String,
    notification: Option<String>,
}

/// The held emails of one alert to one address.
struct Group {
    alert_id: Option<Uuid>,
    recipient: String,
    ids: Vec<Uuid>,
    notifications: Vec<Notification>,
}

/// Turns the held emails whose time has come (by `state.clock`) into one digest email per
/// alert; returns how many digests were queued.
pub async fn release_due(state: &AppState) -> Result<usize, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let backend = txn.get_database_backend();
    let held = HeldEmail::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id, alert_id, recipient, notification FROM email_outbox \
             WHERE status = $1 AND next_attempt_at <= $2 ORDER BY created_at, id LIMIT {BATCH}{}",
            skip_locked(backend)
        ),
        [HELD.into(), now.into()],
    ))
    .all(&txn)
    .await?;
    if held.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let mut groups: Vec<Group> = Vec::new();
    for row in held {
        let parsed = row
            .notification
            .as_deref()
            .map(serde_json::from_str::<Notification>);
        if !matches!(parsed, Some(Ok(_))) {
            // Written by this code; one that does not read is carried with the others (so it
            // is not picked up forever) but adds nothing to the digest.
            tracing::error!(id = %row.id, "a held email has no readable notification");
        }
        let at = groups
            .iter()
            .position(|g| g.alert_id == row.alert_id && g.recipient == row.recipient)
            .unwrap_or_else(|| {
                groups.push(Group {
                    alert_id: row.alert_id,
                    recipient: row.recipient.clone(),
                    ids: Vec::new(),
                    notifications: Vec::new(),
                });
                groups.len() - 1
            });
        let group = &mut groups[at];
        group.ids.push(row.id);
        group.notifications.extend(parsed.and_then(Result::ok));
    }

    let alert_ids: Vec<Uuid> = groups.iter().filter_map(|g| g.alert_id).collect();
    let alerts: HashMap<Uuid, alert::Model> = alert::Entity::find()
        .filter(alert::Column::Id.is_in(alert_ids.clone()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let routes = store::routes(&txn, &alert_ids).await?;
    let mut queued = 0;
    for group in &groups {
        let emailing = group
            .alert_id
            .and_then(|id| alerts.get(&id))
            .filter(|a| a.alert_emails && routes.get(&a.id).is_none_or(|route| route.email));
        let combined = digest::combine(&group.notifications, now);
        let (Some(alert), Some(combined)) = (emailing, combined) else {
            let why = if emailing.is_none() {
                "not sent: the alert's emails were turned off, or it was deleted, while held"
            } else {
                "not sent: no held notification could be read"
            };
            mark(&txn, &group.ids, CANCELLED, None, Some(why)).await?;
            continue;
        };
        let reason = match Delivery::parse(&alert.delivery).unwrap_or_default() {
            Delivery::Digest => DigestReason::Daily,
            Delivery::Immediate => DigestReason::QuietHours,
        };
        let email = render_digest(state, alert, &combined, reason, &group.recipient, now)
            .map_err(|e| DbErr::Custom(format!("digest email template: {e}")))?;
        let digest_id = super::enqueue(&txn, &state.mailer, email).await?;
        mark(&txn, &group.ids, DIGESTED, Some(digest_id), None).await?;
        queued += 1;
    }
    txn.commit().await?;
    if queued > 0 {
        state.wake_sender.notify_one();
    }
    Ok(queued)
}

/// Ends held rows: `digested` into `digest_id`, or `cancelled` saying why.
async fn mark(
    txn: &sea_orm::DatabaseTransaction,
    ids: &[Uuid],
    status: &str,
    digest_id: Option<Uuid>,
    why: Option<&str>,
) -> Result<(), DbErr> {
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(status))
        .col_expr(email_outbox::Column::DigestId, Expr::value(digest_id))
        .col_expr(email_outbox::Column::LastError, Expr::value(why))
        .filter(email_outbox::Column::Id.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}
