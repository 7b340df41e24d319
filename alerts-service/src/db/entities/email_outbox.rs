//! Rendered emails waiting for (or past) delivery.

use sea_orm::entity::prelude::*;

/// One row of `email_outbox`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// sign_in, alert, ...
    pub kind: String,
    /// The alert run that produced it; unique, so a run never sends two emails.
    #[sea_orm(unique)]
    pub run_id: Option<Uuid>,
    /// Recipient address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text part.
    pub text_body: String,
    /// HTML part.
    pub html_body: Option<String>,
    /// One-click unsubscribe link.
    pub unsubscribe_url: Option<String>,
    /// Chosen before the first attempt, so a resend after a crash carries the same id.
    pub message_id: String,
    /// queued, sending, sent, failed; held, digested or cancelled (quiet hours and digests).
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Not tried before this.
    pub next_attempt_at: DateTimeUtc,
    /// While sending, the row is leased until this time.
    pub leased_until: Option<DateTimeUtc>,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Delivery time.
    pub sent_at: Option<DateTimeUtc>,
    /// The alert an alert email or digest is about.
    pub alert_id: Option<Uuid>,
    /// A held email's notification (JSON), combined into a digest when its time comes.
    pub notification: Option<String>,
    /// The digest email that carried this held one.
    pub digest_id: Option<Uuid>,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
