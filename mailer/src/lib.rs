//! Sends the emails of both services: a plain-text part, an optional HTML part with inline images
//! (`cid:`), one-click unsubscribe headers (RFC 8058) and a Message-ID chosen by the caller, so a
//! sender can record it before sending and recognise a retry.
//!
//! Where mail goes is one URL (`SMTP_URL`):
//!
//! * `smtp://host:port` — plain SMTP, e.g. a local catcher (`?tls=required` or
//!   `?tls=opportunistic` for STARTTLS);
//! * `smtps://user:pass@host:465` — SMTP over TLS with credentials (a real relay);
//! * `file:///path/to/dir` — each message written as an `.eml` file (development, demos).
//!
//! # Layout
//!
//! * [`Mailer`] — the configured transport (an SMTP connection pool or a directory).
//! * [`OutgoingEmail`] — what to send; [`Mailer::render`] turns it into RFC 5322 bytes.
//! * [`header_safe`] — strips what could break out of a header value.
//! * [`MailerArgs`] — `SMTP_URL` and `MAIL_FROM` as the services' command lines take them.
//! * [`delivery`] — the [`RetryPolicy`] both services' email outboxes follow after an attempt.

mod args;
pub mod delivery;

pub use args::MailerArgs;
pub use delivery::{NextStep, RetryPolicy};

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// What went wrong configuring or sending.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// `SMTP_URL` or `MAIL_FROM` cannot be used.
    #[error("{0}")]
    Config(String),
    /// The message cannot be built (e.g. an invalid recipient address).
    #[error("cannot build the email: {0}")]
    Build(String),
    /// The SMTP server refused or could not be reached; worth retrying when transient.
    #[error("SMTP delivery failed: {message}")]
    Smtp {
        /// What lettre reported.
        message: String,
        /// A permanent (5xx) refusal that retrying will not fix.
        permanent: bool,
    },
    /// Writing the `.eml` file failed.
    #[error("could not write the email file: {0}")]
    File(String),
}

impl MailerError {
    /// Whether a later retry may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Smtp { permanent, .. } => !permanent,
            Self::File(_) => true,
            Self::Config(_) | Self::Build(_) => false,
        }
    }
}

/// An image shown inside the HTML part, referenced there as `cid:<content_id>`.
#[derive(Debug, Clone)]
pub struct InlineImage {
    /// The id the HTML refers to (without `cid:`).
    pub content_id: String,
    /// e.g. `image/png`.
    pub content_type: String,
    /// The image bytes.
    pub bytes: Vec<u8>,
}

/// One email to send.
#[derive(Debug, Clone, Default)]
pub struct OutgoingEmail {
    /// Recipient address.
    pub to: String,
    /// Subject line; control characters are replaced, so user text cannot add headers.
    pub subject: String,
    /// The plain-text part (always sent).
    pub text: String,
    /// The HTML part, if any.
    pub html: Option<String>,
    /// Images referenced by the HTML part.
    pub inline_images: Vec<InlineImage>,
    /// One-click unsubscribe URL: sets `List-Unsubscribe` and `List-Unsubscribe-Post`.
    pub unsubscribe_url: Option<String>,
    /// The Message-ID without angle brackets; generated when `None`.
    pub message_id: Option<String>,
}

/// Where emails go.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// The configured sender; cheap to clone (SMTP connections are pooled and shared).
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    url_for_logs: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("url", &self.url_for_logs)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for `SMTP_URL` sending as `MAIL_FROM`. Errors are one-line and name the variable.
    pub fn new(smtp_url: &str, mail_from: &str) -> Result<Self, MailerError> {
        let from: Mailbox = mail_from.parse().map_err(|e| {
            MailerError::Config(format!(
                "MAIL_FROM {mail_from:?} is not an email address: {e}"
            ))
        })?;
        let url = url::Url::parse(smtp_url)
            .map_err(|e| MailerError::Config(format!("SMTP_URL is not a URL ({e})")))?;
        let url_for_logs = redacted(&url);
        let transport = match url.scheme() {
            "smtp" | "smtps" => {
                let builder =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url).map_err(|e| {
                        MailerError::Config(format!("SMTP_URL {url_for_logs} cannot be used: {e}"))
                    })?;
                Transport::Smtp(builder.timeout(Some(Duration::from_secs(15))).build())
            }
            "file" => {
                let dir = url.to_file_path().map_err(|()| {
                    MailerError::Config(format!("SMTP_URL {smtp_url} is not a usable file path"))
                })?;
                std::fs::create_dir_all(&dir).map_err(|e| {
                    MailerError::Config(format!(
                        "SMTP_URL directory {} cannot be created: {e}",
                        dir.display()
                    ))
                })?;
                Transport::File(AsyncFileTransport::new(&dir), dir)
            }
            other => {
                return Err(MailerError::Config(format!(
                    "SMTP_URL scheme {other:?} is not supported: use smtp://, smtps:// or file://"
                )));
            }
        };
        Ok(Self {
            transport,
            from,
            url_for_logs,
        })
    }

    /// The directory `.eml` files are written to, for a `file://` mailer.
    pub fn file_dir(&self) -> Option<&std::path::Path> {
        match &self.transport {
            Transport::File(_, dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// The sender address.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// A new Message-ID (without brackets) in the sender's domain.
    pub fn new_message_id(&self) -> String {
        format!(
            "{}@{}",
            uuid::Uuid::now_v7().simple(),
            self.from.email.domain()
        )
    }

    /// Builds the message exactly as it would be sent.
    pub fn render(&self, email: &OutgoingEmail) -> Result<Message, MailerError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| MailerError::Build(format!("recipient {:?}: {e}", email.to)))?;
        let message_id = email
            .message_id
            .clone()
            .unwrap_or_else(|| self.new_message_id());
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(header_safe(&email.subject))
            .message_id(Some(format!("<{}>", header_safe(&message_id))));
        if let Some(url) = &email.unsubscribe_url {
            builder = builder
                .raw_header(raw_header(
                    "List-Unsubscribe",
                    format!("<{}>", header_safe(url)),
                )?)
                .raw_header(raw_header(
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".into(),
                )?);
        }
        let text = SinglePart::plain(email.text.clone());
        let message = match &email.html {
            None => builder.singlepart(text),
            Some(html) => {
                let html_part = SinglePart::html(html.clone());
                let body = if email.inline_images.is_empty() {
                    MultiPart::alternative()
                        .singlepart(text)
                        .singlepart(html_part)
                } else {
                    let mut related = MultiPart::related().singlepart(html_part);
                    for image in &email.inline_images {
                        let content_type =
                            ContentType::parse(&image.content_type).map_err(|e| {
                                MailerError::Build(format!(
                                    "content type {:?}: {e}",
                                    image.content_type
                                ))
                            })?;
                        related = related.singlepart(
                            Attachment::new_inline(image.content_id.clone())
                                .body(image.bytes.clone(), content_type),
                        );
                    }
                    MultiPart::alternative().singlepart(text).multipart(related)
                };
                builder.multipart(body)
            }
        };
        message.map_err(|e| MailerError::Build(e.to_string()))
    }

    /// Sends one email and returns its Message-ID (without brackets).
    pub async fn send(&self, email: &OutgoingEmail) -> Result<String, MailerError> {
        let mut email = email.clone();
        let message_id = email
            .message_id
            .get_or_insert_with(|| self.new_message_id())
            .clone();
        let message = self.render(&email)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| MailerError::Smtp {
                    permanent: e.is_permanent(),
                    message: e.to_string(),
                })?;
            }
            Transport::File(file, _) => {
                file.send(message)
                    .await
                    .map_err(|e| MailerError::File(e.to_string()))?;
            }
        }
        tracing::debug!(%message_id, via = %self.url_for_logs, "email sent");
        Ok(message_id)
    }
}

fn raw_header(name: &'static str, value: String) -> Result<HeaderValue, MailerError> {
    let name = HeaderName::new_from_ascii(name.to_owned())
        .map_err(|e| MailerError::Build(e.to_string()))?;
    Ok(HeaderValue::new(name, value))
}

/// Replaces every control character (CR and LF included) with a space and trims, so a value
/// taken from user input can never end a header line and start another.
pub fn header_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The URL with any password hidden, for logs.
fn redacted(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_lose_line_breaks_and_control_characters() {
        assert_eq!(
            header_safe("lego\r\nBcc: victim@example.com"),
            "lego  Bcc: victim@example.com"
        );
        assert_eq!(header_safe("\t tab\u{7}bell "), "tab bell");
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        let url = url::Url::parse("smtps://user:s3cret@mail.example.com:465").unwrap();
        assert!(!redacted(&url).contains("s3cret"));
    }

    #[test]
    fn bad_settings_give_one_line_errors_naming_the_variable() {
        let cases = [
            ("smtp://127.0.0.1:1025", "not an address", "MAIL_FROM"),
            ("nonsense", "alerts@example.com", "SMTP_URL is not a URL"),
            ("http://x", "alerts@example.com", "not supported"),
        ];
        for (url, from, expected) in cases {
            let error = Mailer::new(url, from).unwrap_err().to_string();
            assert!(
                error.contains(expected) && !error.contains('\n'),
                "{url}: {error}"
            );
        }
    }
}
