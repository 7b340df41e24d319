//! One-click unsubscribe (RFC 8058): the link in every alert and insight email pauses that
//! alert. `POST` is what mail clients send for `List-Unsubscribe-Post`; `GET` is a person
//! clicking the link in the email body. The token in the link is the alert's own secret, so it
//! works for that alert only and needs no sign-in.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::alerts::{self, Unsubscribed};
use crate::error::ApiError;
use crate::state::AppState;

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(unsubscribe_get).service(unsubscribe_post);
}

/// Query of `/unsubscribe`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnsubscribeQuery {
    /// The token from the email.
    pub token: Option<String>,
}

/// Pauses the alert the link belongs to (from a click in the email).
#[utoipa::path(
    operation_id = "unsubscribe_by_link",tag = "alerts", params(UnsubscribeQuery), responses((status = 200, description = "paused (HTML page)"), (status = 404, description = "unknown link")))]
#[get("/unsubscribe")]
async fn unsubscribe_get(
    query: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    unsubscribe(&state, query.token.as_deref()).await
}

/// Pauses the alert the link belongs to (RFC 8058 one-click, sent by mail clients).
#[utoipa::path(
    operation_id = "unsubscribe_one_click",tag = "alerts", params(UnsubscribeQuery), responses((status = 200, description = "paused"), (status = 404, description = "unknown link")))]
#[post("/unsubscribe")]
async fn unsubscribe_post(
    query: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    unsubscribe(&state, query.token.as_deref()).await
}

async fn unsubscribe(state: &AppState, token: Option<&str>) -> Result<HttpResponse, ApiError> {
    let Some(token) = token.filter(|t| plausible_token(t)) else {
        return Ok(page(
            404,
            "This unsubscribe link is not valid",
            "It may have been copied incompletely.",
        ));
    };
    match alerts::pause_by_unsubscribe_token(state, token).await? {
        Unsubscribed::UnknownToken => Ok(page(
            404,
            "This unsubscribe link is not valid",
            "The alert may have been deleted.",
        )),
        Unsubscribed::AlreadyPaused { search_phrase } => Ok(page(
            200,
            "You are unsubscribed",
            &format!("Emails for “{search_phrase}” were already stopped."),
        )),
        Unsubscribed::Paused { search_phrase } => Ok(page(
            200,
            "You are unsubscribed",
            &format!(
                "The alert “{search_phrase}” is paused: no more emails for it. You can resume it from the dashboard."
            ),
        )),
    }
}

/// Whether `token` could be an unsubscribe token (URL-safe base64, as `Secret::generate` makes
/// them). Anything else is an unknown link without asking the database, which would refuse some
/// text outright (a NUL byte is an error in Postgres, not a miss: found by schemathesis).
fn plausible_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 100
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn page(status: u16, title: &str, message: &str) -> HttpResponse {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title></head><body style=\"font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem\">\
         <h1>{t}</h1><p>{m}</p><p><a href=\"/\">Open the dashboard</a></p></body></html>",
        t = escape(title),
        m = escape(message)
    );
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::plausible_token;
    use crate::auth::Secret;

    #[test]
    fn generated_tokens_are_plausible_and_text_postgres_would_refuse_is_not() {
        assert!(plausible_token(Secret::generate("").expose()));
        for bad in ["", "abc\0def", "a b", "tok%00", "ünïcode", &"a".repeat(101)] {
            assert!(!plausible_token(bad), "{bad:?}");
        }
    }
}
