//! Emails: templates (tera, HTML autoescaped) rendered into the email outbox in the same
//! transaction as whatever caused them, and a sender worker that delivers the outbox.

pub mod sender;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use crate::db::entities::email_outbox;

/// The compiled templates.
pub struct Templates(tera::Tera);

impl Templates {
    /// Compiles the templates embedded in the binary.
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = tera::Tera::new();
        // `.html` templates escape every value (phrases and titles are user or eBay input).
        tera.autoescape_on([".html"]);
        tera.add_raw_templates([
            ("sign_in.html", include_str!("templates/sign_in.html")),
            ("sign_in.txt", include_str!("templates/sign_in.txt")),
            ("alert.html", include_str!("templates/alert.html")),
            ("alert.txt", include_str!("templates/alert.txt")),
        ])?;
        Ok(Self(tera))
    }

    /// Renders `<name>.txt` and `<name>.html` with the same context.
    pub fn render(
        &self,
        name: &str,
        context: &tera::Context,
    ) -> Result<(String, String), tera::Error> {
        let text = self.0.render(&format!("{name}.txt"), context)?;
        let html = self.0.render(&format!("{name}.html"), context)?;
        Ok((text, html))
    }
}

/// An email to put in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedEmail {
    /// `sign_in`, `alert`, …
    pub kind: &'static str,
    /// The run that produced it (at most one email per run).
    pub run_id: Option<Uuid>,
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
        status: Set(sender::QUEUED.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        leased_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
}
