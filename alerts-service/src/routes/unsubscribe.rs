//! Unsubscribe links that a mail scanner cannot trigger (RFC 8058).
//!
//! Each alert email carries `/unsubscribe?token=…&kind=alerts`; each insight email (sent by
//! analytics-service, with the link alerts-service puts in the alert's events)
//! `…&kind=insights`. The token is the alert's own secret, so a link works for that alert only
//! and needs no sign-in.
//!
//! * `GET` changes nothing (link scanners and previews follow links): it shows a page saying
//!   what will stop, with a button that POSTs.
//! * `POST` (the button, or a mail client's one-click `List-Unsubscribe-Post`) stops that kind
//!   of email only; the alert keeps running and the other kind keeps coming.
//! * `POST /unsubscribe/resume` turns them back on (the page offers it, as does the dashboard).
//!
//! Links from before kinds existed have no `kind`: they were alert emails' links.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::alerts::{self, EmailKind, Subscription};
use crate::error::ApiError;
use crate::state::AppState;

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(unsubscribe_get)
        .service(unsubscribe_post)
        .service(resume_post);
}

/// Query of `/unsubscribe`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnsubscribeQuery {
    /// The token from the email.
    pub token: Option<String>,
    /// `alerts` (default) or `insights`: which emails the link is from.
    pub kind: Option<String>,
}

/// Says what the link would stop, with a button that does it (changes nothing by itself).
#[utoipa::path(
    operation_id = "unsubscribe_page", tag = "alerts", params(UnsubscribeQuery),
    responses((status = 200, description = "confirmation page (HTML)"), (status = 404, description = "unknown link (HTML)")))]
#[get("/unsubscribe")]
async fn unsubscribe_get(
    query: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some((token, kind)) = link(&query) else {
        return Ok(invalid_link("It may have been copied incompletely."));
    };
    Ok(
        match alerts::subscription_by_unsubscribe_token(&state, token, kind).await? {
            None => invalid_link("The alert may have been deleted."),
            Some(Subscription {
                search_phrase,
                on: true,
            }) => page(
                200,
                &format!("Stop {}?", what(kind)),
                &format!(
                    "You will no longer receive {} for the search “{search_phrase}”. {}",
                    what(kind),
                    other(kind)
                ),
                Some(Action::Unsubscribe(token, kind)),
            ),
            Some(Subscription {
                search_phrase,
                on: false,
            }) => page(
                200,
                "You are unsubscribed",
                &format!(
                    "{} for “{search_phrase}” are already stopped.",
                    capitalised(kind)
                ),
                Some(Action::Resume(token, kind)),
            ),
        },
    )
}

/// Stops that kind of email for the alert (RFC 8058 one-click, or the page's button).
#[utoipa::path(
    operation_id = "unsubscribe_one_click", tag = "alerts", params(UnsubscribeQuery),
    responses((status = 200, description = "stopped (HTML page offering to resume)"), (status = 404, description = "unknown link")))]
#[post("/unsubscribe")]
async fn unsubscribe_post(
    query: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set(&state, &query, false).await
}

/// Turns that kind of email back on.
#[utoipa::path(
    operation_id = "unsubscribe_resume", tag = "alerts", params(UnsubscribeQuery),
    responses((status = 200, description = "resumed (HTML page)"), (status = 404, description = "unknown link")))]
#[post("/unsubscribe/resume")]
async fn resume_post(
    query: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set(&state, &query, true).await
}

async fn set(
    state: &AppState,
    query: &UnsubscribeQuery,
    on: bool,
) -> Result<HttpResponse, ApiError> {
    let Some((token, kind)) = link(query) else {
        return Ok(invalid_link("It may have been copied incompletely."));
    };
    Ok(
        match alerts::set_emails_by_unsubscribe_token(state, token, kind, on).await? {
            None => invalid_link("The alert may have been deleted."),
            Some(Subscription { search_phrase, .. }) if on => page(
                200,
                &format!("{} resumed", capitalised(kind)),
                &format!(
                    "You will receive {} for “{search_phrase}” again.",
                    what(kind)
                ),
                Some(Action::Unsubscribe(token, kind)),
            ),
            Some(Subscription { search_phrase, .. }) => page(
                200,
                "You are unsubscribed",
                &format!(
                    "No more {} for “{search_phrase}”. {}",
                    what(kind),
                    other(kind)
                ),
                Some(Action::Resume(token, kind)),
            ),
        },
    )
}

fn link(query: &UnsubscribeQuery) -> Option<(&str, EmailKind)> {
    let token = query.token.as_deref().filter(|t| plausible_token(t))?;
    Some((token, EmailKind::parse(query.kind.as_deref())?))
}

fn what(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Alerts => "alert emails (new listings, price drops)",
        EmailKind::Insights => "insight emails (price trends)",
    }
}

fn capitalised(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Alerts => "Alert emails",
        EmailKind::Insights => "Insight emails",
    }
}

fn other(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Alerts => {
            "The alert keeps running on the dashboard; insight emails are not affected."
        }
        EmailKind::Insights => "Alert emails about new listings are not affected.",
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

/// The page's button.
enum Action<'a> {
    Unsubscribe(&'a str, EmailKind),
    Resume(&'a str, EmailKind),
}

fn invalid_link(why: &str) -> HttpResponse {
    page(404, "This unsubscribe link is not valid", why, None)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page in the dashboard's look (its colours, type and buttons; no script).
fn page(status: u16, title: &str, message: &str, action: Option<Action>) -> HttpResponse {
    let form = |path: &str, token: &str, kind: EmailKind, label: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"{path}?token={}&amp;kind={}\"><button type=\"submit\" class=\"button {class}\">{}</button></form>",
            escape(token),
            kind.as_str(),
            escape(label)
        )
    };
    let button = match action {
        Some(Action::Unsubscribe(token, kind)) => form(
            "/unsubscribe",
            token,
            kind,
            &format!("Stop {}", capitalised(kind).to_lowercase()),
            "button--danger",
        ),
        Some(Action::Resume(token, kind)) => form(
            "/unsubscribe/resume",
            token,
            kind,
            &format!("Resume {}", capitalised(kind).to_lowercase()),
            "button--primary",
        ),
        None => String::new(),
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · eBay Alerts</title><style>{STYLE}</style></head><body>\
         <header class=\"top\"><a class=\"brand\" href=\"/\">eBay Alerts</a></header>\
         <main><section class=\"card\"><h1>{t}</h1><p>{m}</p>{button}\
         <p class=\"muted\"><a href=\"/\">Open the dashboard</a></p></section></main></body></html>",
        t = escape(title),
        m = escape(message),
    );
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// The dashboard's palette and controls (`frontend/src/index.css`), for a page served without
/// the dashboard's build.
const STYLE: &str = ":root{--bg:#f5f7fb;--surface:#fff;--text:#17202e;--muted:#566073;--border:#d5dbe6;\
--primary:#1f4fd1;--primary-hover:#173ca3;--danger:#b42318;color-scheme:light;\
font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;line-height:1.5;\
color:var(--text);background:var(--bg)}body{margin:0}.top{background:var(--surface);border-bottom:1px solid var(--border);\
padding:.75rem 1.5rem}.brand{font-weight:700;color:var(--text);text-decoration:none}main{max-width:36rem;margin:2.5rem auto;\
padding:0 1rem}.card{background:var(--surface);border:1px solid var(--border);border-radius:12px;padding:1.5rem;\
box-shadow:0 1px 2px rgb(16 24 40 / 6%),0 1px 3px rgb(16 24 40 / 10%)}h1{font-size:1.4rem;margin:0 0 .75rem}\
.muted{color:var(--muted)}a{color:var(--primary)}.button{display:inline-flex;align-items:center;min-height:2.75rem;\
padding:.5rem 1rem;border-radius:8px;border:1px solid transparent;font:inherit;font-weight:600;cursor:pointer;color:#fff}\
.button--primary{background:var(--primary)}.button--primary:hover{background:var(--primary-hover)}\
.button--danger{background:var(--danger)}.button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}";

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
