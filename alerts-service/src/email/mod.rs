//! Emails: [`templates`] (tera, HTML autoescaped) rendered into the email outbox in the same
//! transaction as whatever caused them. The outbox is delivered by
//! [`crate::workers::email_sender`].

pub mod digests;
pub mod templates;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use crate::db::entities::email_outbox;

/// Waiting for delivery.
pub const QUEUED: &str = "queued";
/// Leased by a sender.
pub const SENDING: &str = "sending";
/// Delivered to the SMTP server.
pub const SENT: &str = "sent";
/// Given up.
pub const FAILED: &str = "failed";
/// Held for quiet hours or a digest alert: due at `next_attempt_at`, then combined into a
/// digest email ([`digests`]).
pub const HELD: &str = "held";
/// Carried by the digest email named in `digest_id`.
pub const DIGESTED: &str = "digested";
/// Held, then not sent: the alert's emails were turned off (or it was deleted) first.
pub const CANCELLED: &str = "cancelled";

/// An email to put in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedEmail {
    /// `sign_in`, `alert`, …
    pub kind: &'static str,
    /// The run that produced it (at most one email per run).
    pub run_id: Option<Uuid>,
    /// The alert an alert email is about.
    pub alert_id: Option<Uuid>,
    /// Recipient.
    pub recipient: String,
    /// Subject (header-safe: the mailer strips control characters).
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: Option<String>,
    /// One-click unsubscribe link.
    pub unsubscribe_url: Option<String>,
    /// Held for a digest instead of sent now.
    pub hold: Option<Hold>,
}

/// An alert email held until quiet hours end or the alert's digest hour.
#[derive(Debug, Clone)]
pub struct Hold {
    /// When it is released into a digest.
    pub until: DateTime<Utc>,
    /// Its notification (JSON), what the digest is made of.
    pub notification: String,
}

/// Adds an email to the outbox inside the caller's transaction; the Message-ID is fixed now so
/// every delivery attempt carries the same one.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    mailer: &mailer::Mailer,
    email: QueuedEmail,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    outbox_row(mailer, email, id).insert(db).await?;
    Ok(id)
}

/// Adds several emails to the outbox in one statement (the runner queues a query group's emails
/// together).
pub async fn enqueue_many<C: ConnectionTrait>(
    db: &C,
    mailer: &mailer::Mailer,
    emails: Vec<QueuedEmail>,
) -> Result<(), DbErr> {
    if emails.is_empty() {
        return Ok(());
    }
    email_outbox::Entity::insert_many(
        emails
            .into_iter()
            .map(|e| outbox_row(mailer, e, Uuid::now_v7())),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The outbox row of a queued email, with its Message-ID.
fn outbox_row(mailer: &mailer::Mailer, email: QueuedEmail, id: Uuid) -> email_outbox::ActiveModel {
    let now = Utc::now();
    let (status, due, notification) = match email.hold {
        Some(hold) => (HELD, hold.until, Some(hold.notification)),
        None => (QUEUED, now, None),
    };
    email_outbox::ActiveModel {
        id: Set(id),
        kind: Set(email.kind.to_owned()),
        run_id: Set(email.run_id),
        recipient: Set(email.recipient),
        subject: Set(email.subject),
        text_body: Set(email.text),
        html_body: Set(email.html),
        unsubscribe_url: Set(email.unsubscribe_url),
        message_id: Set(mailer.new_message_id()),
        status: Set(status.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(due),
        leased_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        alert_id: Set(email.alert_id),
        notification: Set(notification),
        digest_id: Set(None),
    }
}
