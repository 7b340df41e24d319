//! `insight_report`: every computed report, persisted before it is emailed, with its delivery
//! state (`queued` → `sent` / `failed`, or `cancelled` when the alert was paused or deleted
//! before sending). `(alert_id, period_start)` is unique: one report per alert per period.

use sea_orm::entity::prelude::*;

/// One insight report and its email's delivery state.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "insight_report")]
pub struct Model {
    /// The report's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: Uuid,
    /// The alert.
    pub alert_id: Uuid,
    /// Start of the insight period the report belongs to.
    pub period_start: DateTimeUtc,
    /// When it was computed.
    pub generated_at: DateTimeUtc,
    /// Window length in days.
    pub days: i32,
    /// Whether there were enough days of data.
    pub enough_data: bool,
    /// The report as JSON (`pubsub::insights::InsightReport`).
    pub report: String,
    /// The recipient at the time of computing.
    pub recipient: String,
    /// The alert's phrase at the time of computing.
    pub search_phrase: String,
    /// One-click unsubscribe link.
    pub unsubscribe_url: Option<String>,
    /// `queued`, `sent`, `failed` or `cancelled`.
    pub status: String,
    /// Chosen before the first attempt, so a resend after a crash is recognisably the same email.
    pub message_id: String,
    /// Delivery attempts started.
    pub attempts: i32,
    /// When the next attempt may start.
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the row until then.
    pub leased_until: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the SMTP server accepted it.
    pub sent_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The delivery states.
pub mod status {
    /// Waiting for (another) delivery attempt.
    pub const QUEUED: &str = "queued";
    /// Accepted by the SMTP server.
    pub const SENT: &str = "sent";
    /// Given up (permanent refusal or too many attempts).
    pub const FAILED: &str = "failed";
    /// Not sent because the alert was paused or deleted meanwhile.
    pub const CANCELLED: &str = "cancelled";
}
