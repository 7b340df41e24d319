//! `GET /api/v1/dev/outbox` — development only (`DEV_OUTBOX=true` with `SMTP_URL=file://DIR`):
//! the emails written to the directory, newest first, so a newcomer can open a sign-in link
//! without a mail server. Never mounted otherwise: in production it does not exist (404).

use std::time::SystemTime;

use actix_web::{HttpResponse, get, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use mail_parser::{Message, MessageParser, MimeHeaders};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// Most emails listed.
const LIMIT: usize = 50;

/// One captured email.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapturedEmail {
    /// File name without `.eml`.
    pub id: String,
    /// Recipient(s).
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// The captured emails.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outbox {
    /// Newest first.
    pub items: Vec<CapturedEmail>,
}

/// Mounts the route when the dev outbox is on.
pub fn configure(cfg: &mut web::ServiceConfig, enabled: bool) {
    if enabled {
        cfg.service(outbox);
    }
}

/// Emails captured in the development outbox, newest first.
#[utoipa::path(operation_id = "dev_outbox", tag = "operations", responses((status = 200, body = Outbox), (status = 404, description = "not in development mode")))]
#[get("/api/v1/dev/outbox")]
async fn outbox(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let Some(dir) = state.mailer.file_dir().map(std::path::Path::to_path_buf) else {
        return Err(ApiError::not_found("outbox"));
    };
    let items = web::block(move || read(&dir))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Outbox { items }))
}

fn read(dir: &std::path::Path) -> std::io::Result<Vec<CapturedEmail>> {
    let mut files: Vec<(SystemTime, std::path::PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let parser = MessageParser::default();
    Ok(files
        .into_iter()
        .take(LIMIT)
        .filter_map(|(modified, path)| {
            let bytes = std::fs::read(&path).ok()?;
            let message = parser.parse(&bytes)?;
            let to = message
                .to()
                .map(|list| {
                    list.iter()
                        .filter_map(|a| a.address())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            Some(CapturedEmail {
                id: path.file_stem()?.to_string_lossy().into_owned(),
                to,
                subject: message.subject().unwrap_or_default().to_owned(),
                text: message
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                html: message
                    .body_html(0)
                    .map(|h| inline_images(&message, h.into_owned())),
                created_at: modified.into(),
            })
        })
        .collect())
}

/// Points the HTML's `cid:` references (the insight chart) at `data:` URIs of the message's own
/// inline parts, so the dashboard's Outbox page shows the email as a mail client would.
fn inline_images(message: &Message, mut html: String) -> String {
    for part in message.attachments() {
        let (Some(id), Some(kind)) = (part.content_id(), part.content_type()) else {
            continue;
        };
        let id = id.trim_start_matches('<').trim_end_matches('>');
        let mime = match kind.subtype() {
            Some(sub) => format!("{}/{sub}", kind.ctype()),
            None => kind.ctype().to_owned(),
        };
        // Only images: anything else stays a (broken) cid: link rather than becoming inline data.
        if !mime.starts_with("image/") {
            continue;
        }
        let data = base64::engine::general_purpose::STANDARD.encode(part.contents());
        html = html.replace(&format!("cid:{id}"), &format!("data:{mime};base64,{data}"));
    }
    html
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn inline_images_become_data_uris() {
        let mailer = mailer::Mailer::new("file:///tmp", "eBay Alerts <alerts@localhost>").unwrap();
        let email = mailer::OutgoingEmail {
            to: "someone@example.com".into(),
            subject: "Price insights".into(),
            text: "chart attached".into(),
            html: Some(r#"<p><img src="cid:insight-chart" alt="chart"></p>"#.into()),
            inline_images: vec![mailer::InlineImage {
                content_id: "insight-chart".into(),
                content_type: "image/png".into(),
                bytes: vec![0x89, b'P', b'N', b'G'],
            }],
            ..Default::default()
        };
        let raw = mailer.render(&email).unwrap().formatted();
        let message = MessageParser::default().parse(&raw).unwrap();
        let html = inline_images(&message, message.body_html(0).unwrap().into_owned());
        assert!(
            html.contains(r#"src="data:image/png;base64,iVBORw==""#),
            "{html}"
        );
        assert!(!html.contains("cid:"));
    }
}
