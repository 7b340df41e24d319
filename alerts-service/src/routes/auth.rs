//! Passwordless sign-in: an emailed single-use link creates a session cookie.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts;
use crate::auth::{CurrentUser, SESSION_COOKIE, Secret, hash_token, same_origin_path};
use crate::config::policy;
use crate::domain::EmailAddress;
use crate::email::{self, QueuedEmail};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login).service(verify).service(logout);
}

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Where to send the sign-in link.
    pub email: String,
    /// Where the link lands after signing in: a path on this origin such as `/alerts/42`.
    /// Anything else (another origin, `//host`, a scheme, backslashes, control characters) is
    /// ignored and the link lands on `/`.
    pub return_to: Option<String>,
}

/// Answer of `POST /api/v1/auth/login`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAccepted {
    /// What happens next.
    pub message: String,
}

/// Emails a single-use sign-in link (valid 15 minutes).
///
/// Always 202 for a well-formed address, whether or not an account exists, so addresses cannot
/// be probed. Rate-limited per address and per client IP.
#[utoipa::path(
    operation_id = "login",
    tag = "account",
    request_body = LoginRequest,
    responses(
        (status = 202, body = LoginAccepted),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)
    )
)]
#[post("/api/v1/auth/login")]
async fn login(
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let email = match body.get("email").and_then(|v| v.as_str()) {
        Some(text) => EmailAddress::parse(text).map_err(|reason| {
            ApiError::validation(vec![FieldError::new("email", reason.to_string())])
        })?,
        None => {
            return Err(ApiError::validation(vec![FieldError::new(
                "email",
                "is required",
            )]));
        }
    };
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    state
        .limiter
        .hit(
            &format!("login:ip:{ip}"),
            policy::LOGIN_PER_IP,
            policy::LOGIN_WINDOW,
        )
        .await
        .map_err(ApiError::too_many_requests)?;
    state
        .limiter
        .hit(
            &format!("login:email:{email}"),
            policy::LOGIN_PER_ADDRESS,
            policy::LOGIN_WINDOW,
        )
        .await
        .map_err(ApiError::too_many_requests)?;

    let token = Secret::generate("");
    let link = state.settings.public_link(&verify_path(
        token.expose(),
        body.get("return_to").and_then(|v| v.as_str()),
    ));
    let mut context = tera::Context::new();
    context.insert("email", email.as_str());
    context.insert("link", &link);
    let (text, html) = state
        .templates
        .render("sign_in", &context)
        .map_err(ApiError::internal)?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    accounts::issue_sign_in_link(&txn, token.hash(), &email, now).await?;
    email::enqueue(
        &txn,
        &state.mailer,
        QueuedEmail {
            kind: "sign_in",
            run_id: None,
            alert_id: None,
            recipient: email.to_string(),
            subject: "Your eBay Alerts sign-in link".into(),
            text,
            html: Some(html),
            unsubscribe_url: None,
            hold: None,
        },
    )
    .await?;
    txn.commit().await?;
    state.wake_sender.notify_one();
    if state.settings.dev_outbox {
        // Development only: the newcomer's way in without a mail server.
        tracing::info!(%link, "sign-in link (development outbox; also at /outbox)");
    } else {
        tracing::info!("sign-in link issued");
    }
    Ok(HttpResponse::Accepted().json(LoginAccepted {
        message:
            "If the address is valid, a sign-in link is on its way. It works once, for 15 minutes."
                .into(),
    }))
}

/// Query of `GET /auth/verify`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct VerifyQuery {
    /// The token from the emailed link.
    pub token: Option<String>,
    /// Where to land after signing in (checked again here: the link can be edited).
    pub return_to: Option<String>,
}

/// `/auth/verify?token=…`, with `&return_to=…` when `return_to` is a path on this origin.
fn verify_path(token: &str, return_to: Option<&str>) -> String {
    let mut path = format!("/auth/verify?token={token}");
    if let Some(target) = return_to.and_then(same_origin_path) {
        path.push_str("&return_to=");
        path.extend(url::form_urlencoded::byte_serialize(target.as_bytes()));
    }
    path
}

/// Consumes a sign-in link: creates the user on first sign-in, sets the session cookie and
/// redirects to `return_to` (a path on this origin) or the dashboard. A used, expired or unknown
/// link redirects to the sign-in page with `?error=invalid_link` (and the `return_to`, so the
/// next link goes there too) and sets nothing.
#[utoipa::path(
    operation_id = "verify_sign_in_link",
    tag = "account",
    params(VerifyQuery),
    responses((status = 303, description = "to `return_to` or the dashboard (signed in), or back to sign-in"))
)]
#[get("/auth/verify")]
async fn verify(
    query: web::Query<VerifyQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let return_to = query.return_to.as_deref().and_then(same_origin_path);
    let invalid = || {
        let mut location = "/sign-in?error=invalid_link".to_owned();
        if let Some(target) = return_to {
            location.push_str("&return_to=");
            location.extend(url::form_urlencoded::byte_serialize(target.as_bytes()));
        }
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    };
    let Some(token) = query
        .token
        .as_deref()
        .filter(|t| !t.is_empty() && t.len() < 200)
    else {
        return Ok(invalid());
    };
    // A new session id at every sign-in: a cookie planted before sign-in never becomes valid.
    let cookie_value = Secret::generate("");
    let redeemed = accounts::redeem_sign_in_link(
        &state.db,
        &hash_token(token),
        cookie_value.hash(),
        Utc::now(),
    )
    .await?;
    if redeemed.is_none() {
        return Ok(invalid());
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, return_to.unwrap_or("/")))
        .cookie(session_cookie(
            &state,
            cookie_value.expose().to_owned(),
            policy::SESSION_TTL.as_secs() as i64,
        ))
        .finish())
}

fn session_cookie(state: &AppState, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies())
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// Ends the current session (and clears the cookie). With an API token it does nothing: revoke
/// the token instead.
#[utoipa::path(
    operation_id = "logout",
    tag = "account",
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = []))
)]
#[post("/api/v1/auth/logout")]
async fn logout(
    req: HttpRequest,
    _user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        accounts::end_session(&state.db, hash_token(cookie.value())).await?;
    }
    state.credentials.forget_all();
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(&state, String::new(), 0))
        .finish())
}
