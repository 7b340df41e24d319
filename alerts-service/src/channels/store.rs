//! The channels store: all SQL of channels, the alert ↔ channel links and the channel outbox.
//! Written with Postgres placeholders and run on SQLite through [`crate::db::sql`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, FromQueryResult,
    TransactionTrait, Value,
};
use uuid::Uuid;

use super::Notification;
use crate::db::{skip_locked, sql};

/// Waiting for delivery.
pub const QUEUED: &str = "queued";
/// Leased by a sender.
pub const SENDING: &str = "sending";
/// Delivered.
pub const SENT: &str = "sent";
/// Held for quiet hours or a digest: due at `next_attempt_at`, then combined into a digest.
pub const HELD: &str = "held";
/// Carried by the digest row named in `digest_id`.
pub const DIGESTED: &str = "digested";
/// Given up.
pub const FAILED: &str = "failed";

/// A stored channel.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ChannelRow {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// [`super::ChannelKind`] name.
    pub kind: String,
    /// Label.
    pub name: String,
    /// The sealed URL.
    pub url_sealed: String,
    /// The URL with secrets masked.
    pub url_masked: String,
    /// The sealed webhook secret (`json` channels).
    pub secret_sealed: Option<String>,
    /// Title template.
    pub title_template: Option<String>,
    /// Body template.
    pub body_template: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Last delivery attempt (or test).
    pub last_delivery_at: Option<DateTime<Utc>>,
    /// Its HTTP status, if the receiver answered.
    pub last_status: Option<i32>,
    /// Its error, if it failed.
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, user_id, kind, name, url_sealed, url_masked, secret_sealed, title_template, \
     body_template, created_at, updated_at, last_delivery_at, last_status, last_error";

fn placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts a channel.
pub async fn insert<C: ConnectionTrait>(db: &C, row: &ChannelRow) -> Result<(), DbErr> {
    db.execute_raw(sql(
        db.get_database_backend(),
        &format!(
            "INSERT INTO channels ({COLUMNS}) VALUES ({})",
            placeholders(1, 14)
        ),
        [
            row.id.into(),
            row.user_id.into(),
            row.kind.clone().into(),
            row.name.clone().into(),
            row.url_sealed.clone().into(),
            row.url_masked.clone().into(),
            row.secret_sealed.clone().into(),
            row.title_template.clone().into(),
            row.body_template.clone().into(),
            row.created_at.into(),
            row.updated_at.into(),
            row.last_delivery_at.into(),
            row.last_status.into(),
            row.last_error.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Writes a channel's editable fields back.
pub async fn update<C: ConnectionTrait>(db: &C, row: &ChannelRow) -> Result<bool, DbErr> {
    let result = db
        .execute_raw(sql(
            db.get_database_backend(),
            "UPDATE channels SET kind = $1, name = $2, url_sealed = $3, url_masked = $4, \
             secret_sealed = $5, title_template = $6, body_template = $7, updated_at = $8 \
             WHERE id = $9 AND user_id = $10",
            [
                row.kind.clone().into(),
                row.name.clone().into(),
                row.url_sealed.clone().into(),
                row.url_masked.clone().into(),
                row.secret_sealed.clone().into(),
                row.title_template.clone().into(),
                row.body_template.clone().into(),
                row.updated_at.into(),
                row.id.into(),
                row.user_id.into(),
            ],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// The user's channels, oldest first.
pub async fn list<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Vec<ChannelRow>, DbErr> {
    ChannelRow::find_by_statement(sql(
        db.get_database_backend(),
        &format!("SELECT {COLUMNS} FROM channels WHERE user_id = $1 ORDER BY created_at, id"),
        [user_id.into()],
    ))
    .all(db)
    .await
}

/// One of the user's channels.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<ChannelRow>, DbErr> {
    ChannelRow::find_by_statement(sql(
        db.get_database_backend(),
        &format!("SELECT {COLUMNS} FROM channels WHERE id = $1 AND user_id = $2"),
        [id.into(), user_id.into()],
    ))
    .one(db)
    .await
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// How many channels the user has.
pub async fn count<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<i64, DbErr> {
    Ok(Count::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT COUNT(*) AS n FROM channels WHERE user_id = $1",
        [user_id.into()],
    ))
    .one(db)
    .await?
    .map_or(0, |c| c.n))
}

/// Deletes a channel (its links and undelivered rows go with it); `false` if not the user's.
pub async fn delete<C: ConnectionTrait>(db: &C, user_id: Uuid, id: Uuid) -> Result<bool, DbErr> {
    let result = db
        .execute_raw(sql(
            db.get_database_backend(),
            "DELETE FROM channels WHERE id = $1 AND user_id = $2",
            [id.into(), user_id.into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Records the latest delivery or test on the channel (what the dashboard shows).
pub async fn record_delivery<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    at: DateTime<Utc>,
    status: Option<u16>,
    error: Option<String>,
) -> Result<(), DbErr> {
    db.execute_raw(sql(
        db.get_database_backend(),
        "UPDATE channels SET last_delivery_at = $1, last_status = $2, last_error = $3 WHERE id = $4",
        [
            at.into(),
            status.map(i32::from).into(),
            error.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Which of `ids` are the user's channels.
pub async fn owned<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let mut values: Vec<Value> = vec![user_id.into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    Ok(Id::find_by_statement(sql(
        db.get_database_backend(),
        &format!(
            "SELECT id FROM channels WHERE user_id = $1 AND id IN ({})",
            placeholders(2, ids.len())
        ),
        values,
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| r.id)
    .collect())
}

/// Where an alert's notifications go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// Whether it emails (the built-in channel).
    pub email: bool,
    /// Its other channels.
    pub channels: Vec<Uuid>,
}

/// Sets an alert's channels (the caller checked they are the owner's).
pub async fn set_route<C: ConnectionTrait>(
    db: &C,
    alert_id: Uuid,
    route: &Route,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(sql(
        backend,
        "UPDATE alerts SET email_channel = $1 WHERE id = $2",
        [route.email.into(), alert_id.into()],
    ))
    .await?;
    db.execute_raw(sql(
        backend,
        "DELETE FROM alert_channels WHERE alert_id = $1",
        [alert_id.into()],
    ))
    .await?;
    if route.channels.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..route.channels.len())
        .map(|i| format!("($1, ${})", i + 2))
        .collect();
    let mut values: Vec<Value> = vec![alert_id.into()];
    values.extend(route.channels.iter().map(|&id| Value::from(id)));
    db.execute_raw(sql(
        backend,
        &format!(
            "INSERT INTO alert_channels (alert_id, channel_id) VALUES {}",
            rows.join(", ")
        ),
        values,
    ))
    .await?;
    Ok(())
}

/// The routes of the given alerts, in two queries (the runner asks for a whole query group).
pub async fn routes<C: ConnectionTrait>(
    db: &C,
    alert_ids: &[Uuid],
) -> Result<HashMap<Uuid, Route>, DbErr> {
    if alert_ids.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(FromQueryResult)]
    struct Email {
        id: Uuid,
        email_channel: bool,
    }
    #[derive(FromQueryResult)]
    struct Link {
        alert_id: Uuid,
        channel_id: Uuid,
    }
    let backend = db.get_database_backend();
    let ids: Vec<Value> = alert_ids.iter().map(|&id| Value::from(id)).collect();
    let list = placeholders(1, alert_ids.len());
    let mut routes: HashMap<Uuid, Route> = Email::find_by_statement(sql(
        backend,
        &format!("SELECT id, email_channel FROM alerts WHERE id IN ({list})"),
        ids.clone(),
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|e| {
        (
            e.id,
            Route {
                email: e.email_channel,
                channels: Vec::new(),
            },
        )
    })
    .collect();
    let links = Link::find_by_statement(sql(
        backend,
        &format!(
            "SELECT alert_id, channel_id FROM alert_channels WHERE alert_id IN ({list}) \
             ORDER BY alert_id, channel_id"
        ),
        ids,
    ))
    .all(db)
    .await?;
    for link in links {
        routes
            .entry(link.alert_id)
            .or_default()
            .channels
            .push(link.channel_id);
    }
    Ok(routes)
}

/// A notification for a channel, to put in the outbox.
pub struct Queued {
    /// The channel.
    pub channel_id: Uuid,
    /// The run that produced it (one row per run and channel).
    pub run_id: Option<Uuid>,
    /// The notification.
    pub notification: Notification,
    /// Held until then (quiet hours, a digest alert), to go out in a digest; `None`: at once.
    pub held_until: Option<DateTime<Utc>>,
}

/// Rows per multi-row insert (9 values each).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Writes outbox rows made at `now` (the caller's clock) in the caller's transaction; a row for
/// a (run, channel) already there is kept as it is.
pub async fn enqueue_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<Queued>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        let mut tuples = Vec::with_capacity(chunk.len());
        for (i, row) in chunk.iter().enumerate() {
            let base = i * 9;
            tuples.push(format!("({})", placeholders(base + 1, 9)));
            let payload = serde_json::to_string(&row.notification)
                .map_err(|e| DbErr::Custom(format!("channel notification: {e}")))?;
            values.extend([
                Value::from(Uuid::now_v7()),
                row.channel_id.into(),
                row.run_id.into(),
                row.notification.kind.clone().into(),
                payload.into(),
                if row.held_until.is_some() {
                    HELD
                } else {
                    QUEUED
                }
                .into(),
                0i32.into(),
                row.held_until.unwrap_or(now).into(),
                now.into(),
            ]);
        }
        db.execute_raw(sql(
            db.get_database_backend(),
            &format!(
                "INSERT INTO channel_outbox (id, channel_id, run_id, kind, payload, status, attempts, \
                 next_attempt_at, created_at) VALUES {} ON CONFLICT DO NOTHING",
                tuples.join(", ")
            ),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// An outbox row leased for delivery, with its channel.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Due {
    /// Row id (the `webhook-id`).
    pub id: Uuid,
    /// Attempts including this one.
    pub attempts: i32,
    /// The notification (JSON).
    pub payload: String,
    /// The channel.
    pub channel_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// Sealed URL.
    pub url_sealed: String,
    /// Sealed webhook secret.
    pub secret_sealed: Option<String>,
    /// Title template.
    pub title_template: Option<String>,
    /// Body template.
    pub body_template: Option<String>,
}

#[derive(FromQueryResult)]
struct DueId {
    id: Uuid,
}

/// Leases up to `batch` due rows (queued and due, or leased by a sender that died) for
/// `lease`, counting the attempt.
pub async fn lease_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    batch: usize,
) -> Result<Vec<Due>, DbErr> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let ids: Vec<Uuid> = DueId::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id FROM channel_outbox WHERE (status = $1 AND next_attempt_at <= $2) \
             OR (status = $3 AND leased_until < $2) ORDER BY next_attempt_at LIMIT {batch}{}",
            skip_locked(backend)
        ),
        [QUEUED.into(), now.into(), SENDING.into()],
    ))
    .all(&txn)
    .await?
    .into_iter()
    .map(|d| d.id)
    .collect();
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(Vec::new());
    }
    let mut values: Vec<Value> = vec![SENDING.into(), (now + lease).into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    let list = placeholders(3, ids.len());
    txn.execute_raw(sql(
        backend,
        &format!(
            "UPDATE channel_outbox SET status = $1, leased_until = $2, attempts = attempts + 1 \
             WHERE id IN ({list})"
        ),
        values,
    ))
    .await?;
    let due = Due::find_by_statement(sql(
        backend,
        &format!(
            "SELECT o.id, o.attempts, o.payload, o.channel_id, c.kind, c.url_sealed, c.secret_sealed, \
             c.title_template, c.body_template FROM channel_outbox o \
             JOIN channels c ON c.id = o.channel_id WHERE o.id IN ({})",
            placeholders(1, ids.len())
        ),
        ids.into_iter().map(Value::from),
    ))
    .all(&txn)
    .await?;
    txn.commit().await?;
    Ok(due)
}

/// How a leased row ends up.
pub enum Settled {
    /// Delivered.
    Sent,
    /// Try again at the given time.
    Retry(DateTime<Utc>),
    /// Given up.
    Failed,
}

/// Writes an attempt's outcome, made at `now` (the sender's clock), on the outbox row and on
/// its channel, in one transaction.
pub async fn settle(
    db: &DatabaseConnection,
    due: &Due,
    settled: &Settled,
    status: Option<u16>,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (state, next, sent_at) = match settled {
        Settled::Sent => (SENT, now, Some(now)),
        Settled::Retry(at) => (QUEUED, *at, None),
        Settled::Failed => (FAILED, now, None),
    };
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(sql(
        backend,
        "UPDATE channel_outbox SET status = $1, next_attempt_at = $2, sent_at = $3, leased_until = NULL, \
         last_status = $4, last_error = $5 WHERE id = $6",
        [
            state.into(),
            next.into(),
            sent_at.into(),
            status.map(i32::from).into(),
            error.clone().into(),
            due.id.into(),
        ],
    ))
    .await?;
    record_delivery(&txn, due.channel_id, now, status, error).await?;
    txn.commit().await
}

/// Outbox rows by status for a channel (tests and the system suite count them).
pub async fn outbox_counts<C: ConnectionTrait>(
    db: &C,
    channel_id: Uuid,
) -> Result<HashMap<String, i64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        n: i64,
    }
    Ok(Row::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT status, COUNT(*) AS n FROM channel_outbox WHERE channel_id = $1 GROUP BY status",
        [channel_id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| (r.status, r.n))
    .collect())
}

/// Puts a leased row back in the queue without counting the attempt.
pub async fn requeue<C: ConnectionTrait>(db: &C, id: Uuid, at: DateTime<Utc>) -> Result<(), DbErr> {
    db.execute_raw(sql(
        db.get_database_backend(),
        "UPDATE channel_outbox SET status = $1, next_attempt_at = $2, leased_until = NULL, \
         attempts = attempts - 1 WHERE id = $3",
        [QUEUED.into(), at.into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// A held notification whose time has come, locked for the digest being written.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Held {
    /// Row id.
    pub id: Uuid,
    /// Its channel (the digest's destination).
    pub channel_id: Uuid,
    /// The notification's `type`.
    pub kind: String,
    /// The notification as JSON.
    pub payload: String,
}

/// Locks the held rows due by `now` (another replica skips them), oldest first.
pub async fn lock_due_held(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<Vec<Held>, DbErr> {
    let backend = txn.get_database_backend();
    Held::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id, channel_id, kind, payload FROM channel_outbox WHERE status = $1 \
             AND next_attempt_at <= $2 ORDER BY created_at, id LIMIT {batch}{}",
            skip_locked(backend)
        ),
        [HELD.into(), now.into()],
    ))
    .all(txn)
    .await
}

/// Writes a digest row (due at once) and marks the rows it carries as digested, in the
/// caller's transaction: the digest exists exactly when they stop being held.
pub async fn write_digest(
    txn: &DatabaseTransaction,
    channel_id: Uuid,
    notification: &Notification,
    carried: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let backend = txn.get_database_backend();
    let id = Uuid::now_v7();
    let payload = serde_json::to_string(notification)
        .map_err(|e| DbErr::Custom(format!("channel digest: {e}")))?;
    txn.execute_raw(sql(
        backend,
        "INSERT INTO channel_outbox (id, channel_id, run_id, kind, payload, status, attempts, \
         next_attempt_at, created_at) VALUES ($1, $2, NULL, $3, $4, $5, 0, $6, $6)",
        [
            id.into(),
            channel_id.into(),
            notification.kind.clone().into(),
            payload.into(),
            QUEUED.into(),
            now.into(),
        ],
    ))
    .await?;
    let mut values: Vec<Value> = vec![DIGESTED.into(), id.into()];
    values.extend(carried.iter().map(|&c| Value::from(c)));
    txn.execute_raw(sql(
        backend,
        &format!(
            "UPDATE channel_outbox SET status = $1, digest_id = $2 WHERE id IN ({})",
            placeholders(3, carried.len())
        ),
        values,
    ))
    .await?;
    Ok(id)
}

/// Queues held rows to go out as they are (insight summaries, which a digest does not
/// combine), in the caller's transaction.
pub async fn release_as_is(
    txn: &DatabaseTransaction,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = vec![QUEUED.into(), now.into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    txn.execute_raw(sql(
        txn.get_database_backend(),
        &format!(
            "UPDATE channel_outbox SET status = $1, next_attempt_at = $2 WHERE id IN ({})",
            placeholders(3, ids.len())
        ),
        values,
    ))
    .await?;
    Ok(())
}
