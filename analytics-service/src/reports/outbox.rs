//! The `event_outbox` table: events analytics-service publishes (`insight.generated`), written
//! in the same transaction as the insight email's queue row and relayed to the transport by
//! [`relay`]. Publishing is at-least-once: a relay that dies between publishing and marking a
//! row published publishes it again on its next pass, with the same event id, and the consumer
//! (alerts-service) drops the repeat by that id.

use chrono::{DateTime, Utc};
use pubsub::{Event, Publisher};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait, Value};

use crate::db::{Db, Dialect};

/// Rows relayed per round.
const RELAY_BATCH: i64 = 100;
/// Published rows are kept this long (for operators), then deleted by the relay.
const KEEP_PUBLISHED: chrono::Duration = chrono::Duration::days(7);

/// Why an event could not be relayed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The broker did not take the events; they stay in the outbox for the next pass.
    #[error("could not publish outbox events: {0}")]
    Publish(#[from] pubsub::TransportError),
}

/// Writes `event` to the outbox on `conn` (the caller's transaction).
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let topic = event
        .payload
        .topic()
        .ok_or_else(|| DbErr::Custom(format!("{} has no topic", event.event_type())))?;
    let bytes = event.encode().map_err(|e| DbErr::Json(e.to_string()))?;
    let payload = String::from_utf8(bytes).map_err(|e| DbErr::Json(e.to_string()))?;
    conn.execute_raw(dialect.statement(
        "INSERT INTO event_outbox (event_id, topic, payload, created_at) VALUES ($1, $2, $3, $4)",
        vec![
            Value::from(event.id.clone()),
            Value::from(topic),
            Value::from(payload),
            Value::from(now),
        ],
    ))
    .await?;
    Ok(())
}

/// Publishes every unpublished event, oldest first, and marks it published; returns how many.
///
/// On Postgres the rows of a round are locked (`FOR UPDATE SKIP LOCKED`) while they are
/// published, so two replicas relaying at once do not both publish them.
pub async fn relay(
    db: &Db,
    publisher: &dyn Publisher,
    now: DateTime<Utc>,
) -> Result<usize, RelayError> {
    let lock = match db.dialect {
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let mut relayed = 0;
    loop {
        let tx = db.conn.begin().await?;
        let rows = tx
            .query_all_raw(db.dialect.statement(
                &format!(
                    "SELECT event_id, topic, payload FROM event_outbox WHERE published_at IS NULL \
                     ORDER BY created_at, event_id LIMIT $1 {lock}"
                ),
                vec![Value::from(RELAY_BATCH)],
            ))
            .await?;
        let round = rows.len();
        for row in rows {
            let event_id: String = row.try_get("", "event_id")?;
            let topic: String = row.try_get("", "topic")?;
            let payload: String = row.try_get("", "payload")?;
            publisher
                .publish_encoded(&topic, &[payload.into_bytes()])
                .await?;
            tx.execute_raw(db.dialect.statement(
                "UPDATE event_outbox SET published_at = $2 WHERE event_id = $1",
                vec![Value::from(event_id), Value::from(now)],
            ))
            .await?;
        }
        tx.commit().await?;
        relayed += round;
        if (round as i64) < RELAY_BATCH {
            break;
        }
    }
    db.conn
        .execute_raw(db.dialect.statement(
            "DELETE FROM event_outbox WHERE published_at IS NOT NULL AND published_at < $1",
            vec![Value::from(now - KEEP_PUBLISHED)],
        ))
        .await?;
    Ok(relayed)
}

/// Events not yet published (for tests and operators).
pub async fn pending(db: &Db) -> Result<i64, DbErr> {
    let row = db
        .conn
        .query_one_raw(db.dialect.statement(
            "SELECT COUNT(*) AS n FROM event_outbox WHERE published_at IS NULL",
            vec![],
        ))
        .await?;
    match row {
        Some(row) => row.try_get("", "n"),
        None => Ok(0),
    }
}
