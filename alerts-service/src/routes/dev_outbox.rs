//! `GET /api/v1/dev/outbox` — development only (`DEV_OUTBOX=true` with `SMTP_URL=file://DIR`):
//! the emails written to the directory, newest first, so a newcomer can open a sign-in link
//! without a mail server. Never mounted otherwise: in production it does not exist (404).

use std::time::SystemTime;

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use mail_parser::MessageParser;
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
                html: message.body_html(0).map(|h| h.into_owned()),
                created_at: modified.into(),
            })
        })
        .collect())
}
