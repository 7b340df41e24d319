//! [`MailerArgs`]: `SMTP_URL` and `MAIL_FROM` as both services take them from the command line
//! and the environment (DESIGN §4), defined once here and flattened into each service's settings.

use clap::Args;
use service_kit::Sensitive;

use crate::{Mailer, MailerError};

/// Where emails go and who sends them.
#[derive(Debug, Clone, Args)]
pub struct MailerArgs {
    /// Where emails go: `smtp://host:port`, `smtps://user:pass@host:465` or `file://DIR`.
    #[arg(
        long,
        env = "SMTP_URL",
        default_value = "smtp://127.0.0.1:1025",
        hide_env_values = true
    )]
    pub smtp_url: Sensitive<String>,

    /// Sender address of every email, e.g. `eBay Alerts <alerts@example.com>`.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "eBay Alerts <alerts@localhost>"
    )]
    pub mail_from: String,
}

impl MailerArgs {
    /// Arguments for an `SMTP_URL` and a sender.
    pub fn new(smtp_url: impl Into<String>, mail_from: impl Into<String>) -> Self {
        Self {
            smtp_url: Sensitive::new(smtp_url.into()),
            mail_from: mail_from.into(),
        }
    }

    /// Whether mail is written to a directory (`file://`) rather than sent.
    pub fn writes_files(&self) -> bool {
        self.smtp_url.expose().trim().starts_with("file://")
    }

    /// The configured mailer (needs a Tokio runtime for the SMTP pool); errors name the variable.
    pub fn mailer(&self) -> Result<Mailer, MailerError> {
        Mailer::new(self.smtp_url.expose().trim(), self.mail_from.trim())
    }
}
