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
    /// The broker did not take the events; they stay in the outbox for the next round.
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

/// What [`relay`] did.
#[derive(Debug, Default)]
pub struct Relayed {
    /// Events published and marked published.
    pub published: usize,
    /// What stopped the relay early, if anything; the events it did not publish stay in the
    /// outbox for the next round.
    pub error: Option<RelayError>,
}

/// Publishes every unpublished event, oldest first, and marks it published; then deletes
/// published rows past [`KEEP_PUBLISHED`].
///
/// Safe to run from several replicas (and tasks) at once: a round's rows are locked while they
/// are published, so no row is published by two relays. On Postgres the lock is
/// `FOR UPDATE SKIP LOCKED` (another relay takes the rows after them); on SQLite, where the
/// pool has one connection but several processes may share the file, the round takes the
/// database's single write lock before it reads, so a second relay waits and then finds the
/// rows published.
pub async fn relay(db: &Db, publisher: &dyn Publisher, now: DateTime<Utc>) -> Relayed {
    let mut relayed = Relayed::default();
    loop {
        match relay_round(db, publisher, now).await {
            Ok(round) => {
                relayed.published += round.published;
                if let Some(error) = round.error {
                    relayed.error = Some(error);
                    return relayed;
                }
                if (round.locked as i64) < RELAY_BATCH {
                    break;
                }
            }
            Err(error) => {
                relayed.error = Some(error.into());
                return relayed;
            }
        }
    }
    if let Err(error) = db
        .conn
        .execute_raw(db.dialect.statement(
            "DELETE FROM event_outbox WHERE published_at IS NOT NULL AND published_at < $1",
            vec![Value::from(now - KEEP_PUBLISHED)],
        ))
        .await
    {
        relayed.error = Some(error.into());
    }
    relayed
}

/// One transaction of [`relay`].
struct Round {
    /// Rows locked (and so tried) by the round.
    locked: usize,
    /// Of those, published and marked.
    published: usize,
    /// The broker's refusal that ended the round early.
    error: Option<RelayError>,
}

async fn relay_round(
    db: &Db,
    publisher: &dyn Publisher,
    now: DateTime<Utc>,
) -> Result<Round, DbErr> {
    let tx = db.conn.begin().await?;
    let lock = match db.dialect {
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => {
            // A deferred SQLite transaction only takes the write lock at its first write: two
            // processes could both read the same rows first. Writing first (changing nothing)
            // makes the round hold the lock from the start, like `BEGIN IMMEDIATE`.
            tx.execute_unprepared(
                "UPDATE event_outbox SET published_at = NULL WHERE published_at IS NULL AND 0 = 1",
            )
            .await?;
            ""
        }
    };
    let rows = tx
        .query_all_raw(db.dialect.statement(
            &format!(
                "SELECT event_id, topic, payload FROM event_outbox WHERE published_at IS NULL \
                 ORDER BY created_at, event_id LIMIT $1 {lock}"
            ),
            vec![Value::from(RELAY_BATCH)],
        ))
        .await?;
    let mut round = Round {
        locked: rows.len(),
        published: 0,
        error: None,
    };
    for row in rows {
        let event_id: String = row.try_get("", "event_id")?;
        let topic: String = row.try_get("", "topic")?;
        let payload: String = row.try_get("", "payload")?;
        if let Err(error) = publisher
            .publish_encoded(&topic, &[payload.into_bytes()])
            .await
        {
            // The rows published so far are marked (committed below), so only this one and
            // those after it go out again.
            round.error = Some(error.into());
            break;
        }
        tx.execute_raw(db.dialect.statement(
            "UPDATE event_outbox SET published_at = $2 WHERE event_id = $1",
            vec![Value::from(event_id), Value::from(now)],
        ))
        .await?;
        round.published += 1;
    }
    tx.commit().await?;
    Ok(round)
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
