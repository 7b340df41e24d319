//! The `insight_report` table: reports planned for email, each row also its email's delivery
//! state (`queued` → `sent` / `failed`, or `cancelled`). Every statement the insight-email
//! worker runs is here; the worker decides what to do, this module how it is stored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use pubsub::insights::InsightReport;
use sea_orm::{ConnectionTrait, DbErr, Value};
use uuid::Uuid;

use crate::db::entities::insight_report::status;
use crate::db::{Db, Dialect};

/// A report about to be queued, with what its email needs.
#[derive(Debug)]
pub struct NewReport<'a> {
    /// The alert.
    pub alert_id: Uuid,
    /// Start of the insight period the report belongs to (one report per alert and period).
    pub period_start: DateTime<Utc>,
    /// When it was computed; also when it is first due.
    pub generated_at: DateTime<Utc>,
    /// The report itself.
    pub report: &'a InsightReport,
    /// Where the email goes (refreshed from the alert at delivery).
    pub recipient: &'a str,
    /// The alert's phrase, for the subject.
    pub search_phrase: &'a str,
    /// The alert's unsubscribe link, if it has one.
    pub unsubscribe_url: Option<&'a str>,
    /// Chosen up front so a retried email is recognisably the same message.
    pub message_id: String,
}

/// Queues a report on `conn` (the caller's transaction, so the report's `insight.generated`
/// event is written with it); its id, or `None` when the alert already has one for this period
/// (another replica planned it first).
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    new: NewReport<'_>,
) -> Result<Option<Uuid>, DbErr> {
    let json = serde_json::to_string(new.report).map_err(|e| DbErr::Json(e.to_string()))?;
    let report_id = Uuid::now_v7();
    let inserted = conn
        .execute_raw(dialect.statement(
            "INSERT INTO insight_report (report_id, alert_id, period_start, generated_at, days, \
             enough_data, report, recipient, search_phrase, unsubscribe_url, status, message_id, \
             attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $4) \
             ON CONFLICT (alert_id, period_start) DO NOTHING",
            vec![
                Value::from(report_id),
                Value::from(new.alert_id),
                Value::from(new.period_start),
                Value::from(new.generated_at),
                Value::from(i32::try_from(new.report.days).unwrap_or(14)),
                Value::from(new.report.enough_data),
                Value::from(json),
                Value::from(new.recipient.to_owned()),
                Value::from(new.search_phrase.to_owned()),
                Value::from(new.unsubscribe_url.map(str::to_owned)),
                Value::from(status::QUEUED),
                Value::from(new.message_id),
            ],
        ))
        .await?;
    Ok((inserted.rows_affected() == 1).then_some(report_id))
}

/// Per alert: the latest period with a report and when that report was made.
pub async fn last_reports(db: &Db) -> Result<HashMap<Uuid, (DateTime<Utc>, DateTime<Utc>)>, DbErr> {
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            "SELECT alert_id, MAX(period_start) AS last_period, MAX(generated_at) AS last_generated \
             FROM insight_report GROUP BY alert_id",
            vec![],
        ))
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        out.insert(
            row.try_get::<Uuid>("", "alert_id")?,
            (
                row.try_get::<DateTime<Utc>>("", "last_period")?,
                row.try_get::<DateTime<Utc>>("", "last_generated")?,
            ),
        );
    }
    Ok(out)
}

/// A queued report leased for sending.
#[derive(Debug)]
pub struct Leased {
    /// The row.
    pub report_id: Uuid,
    /// The alert.
    pub alert_id: Uuid,
    /// The report's JSON.
    pub report: String,
    /// The alert's phrase when the report was planned.
    pub search_phrase: String,
    /// The alert's unsubscribe link when the report was planned.
    pub unsubscribe_url: Option<String>,
    /// The email's Message-ID.
    pub message_id: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Leases up to `batch` due queued reports (optionally only one alert's) until `until`,
/// counting the attempt. `FOR UPDATE SKIP LOCKED` on Postgres keeps replicas apart; SQLite has
/// a single writer.
pub async fn lease(
    db: &Db,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    batch: i64,
    only_alert: Option<Uuid>,
) -> Result<Vec<Leased>, DbErr> {
    let lock = match db.dialect {
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let alert_filter = if only_alert.is_some() {
        "AND alert_id = $5"
    } else {
        ""
    };
    let mut values = vec![
        Value::from(until),
        Value::from(now),
        Value::from(batch),
        Value::from(status::QUEUED),
    ];
    if let Some(alert_id) = only_alert {
        values.push(Value::from(alert_id));
    }
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            &format!(
                "UPDATE insight_report SET leased_until = $1, attempts = attempts + 1 \
                 WHERE report_id IN (SELECT report_id FROM insight_report \
                   WHERE status = $4 AND next_attempt_at <= $2 \
                   AND (leased_until IS NULL OR leased_until <= $2) {alert_filter} \
                   ORDER BY next_attempt_at LIMIT $3 {lock}) \
                 RETURNING report_id, alert_id, report, search_phrase, unsubscribe_url, \
                   message_id, attempts"
            ),
            values,
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Leased {
                report_id: row.try_get("", "report_id")?,
                alert_id: row.try_get("", "alert_id")?,
                report: row.try_get("", "report")?,
                search_phrase: row.try_get("", "search_phrase")?,
                unsubscribe_url: row.try_get("", "unsubscribe_url")?,
                message_id: row.try_get("", "message_id")?,
                attempts: row.try_get("", "attempts")?,
            })
        })
        .collect()
}

/// Releases a leased report to be tried again at `at`, remembering why this attempt failed.
pub async fn retry_at(
    db: &Db,
    report_id: Uuid,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbErr> {
    db.conn
        .execute_raw(db.dialect.statement(
            "UPDATE insight_report SET leased_until = NULL, next_attempt_at = $2, \
             last_error = $3 WHERE report_id = $1",
            vec![
                Value::from(report_id),
                Value::from(at),
                Value::from(error.to_owned()),
            ],
        ))
        .await?;
    Ok(())
}

/// Gives a leased report its final status (`sent`, `failed` or `cancelled`).
pub async fn finish(
    db: &Db,
    report_id: Uuid,
    new_status: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let sent_at = (new_status == status::SENT).then_some(now);
    db.conn
        .execute_raw(db.dialect.statement(
            "UPDATE insight_report SET status = $2, leased_until = NULL, last_error = $3, \
             sent_at = $4 WHERE report_id = $1",
            vec![
                Value::from(report_id),
                Value::from(new_status),
                Value::from(error.map(str::to_owned)),
                Value::from(sent_at),
            ],
        ))
        .await?;
    Ok(())
}
