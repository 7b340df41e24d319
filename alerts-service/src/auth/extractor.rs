use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;
use uuid::Uuid;

use super::hash_token;
use crate::accounts;
use crate::error::ApiError;
use crate::state::AppState;

/// Name of the HttpOnly session cookie.
pub const SESSION_COOKIE: &str = "ea_session";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// The dashboard's session cookie (CSRF-checked on changes).
    Session,
    /// `Authorization: Bearer` with a personal API token.
    Token,
}

/// The signed-in user; extracting it fails with 401 (or 403 for a cross-site change).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// User id.
    pub id: Uuid,
    /// Verified address (they clicked a link sent there).
    pub email: String,
    /// Cookie or token.
    pub method: AuthMethod,
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("AppState missing"))?
                .clone();
            if let Some(token) = bearer(&req) {
                return by_token(&state, &token).await;
            }
            let Some(cookie) = req.cookie(SESSION_COOKIE) else {
                return Err(ApiError::unauthenticated());
            };
            let user = by_session(&state, cookie.value()).await?;
            if !is_safe(req.method()) && !same_origin(&req, &state) {
                return Err(ApiError::csrf());
            }
            Ok(user)
        })
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn by_token(state: &AppState, token: &str) -> Result<CurrentUser, ApiError> {
    let hash = hash_token(token);
    let key = format!("t:{hash}");
    if let Some((id, email)) = state.credentials.cached(&key) {
        state.credentials.token_used(&state.db, hash);
        return Ok(CurrentUser {
            id,
            email,
            method: AuthMethod::Token,
        });
    }
    let row = accounts::token_holder(&state.db, hash.clone())
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    state.credentials.token_used(&state.db, hash);
    state.credentials.remember(key, row.id, row.email.clone());
    Ok(CurrentUser {
        id: row.id,
        email: row.email,
        method: AuthMethod::Token,
    })
}

async fn by_session(state: &AppState, cookie: &str) -> Result<CurrentUser, ApiError> {
    let hash = hash_token(cookie);
    let key = format!("s:{hash}");
    if let Some((id, email)) = state.credentials.cached(&key) {
        return Ok(CurrentUser {
            id,
            email,
            method: AuthMethod::Session,
        });
    }
    let row = accounts::session_holder(&state.db, hash, Utc::now())
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    state.credentials.remember(key, row.id, row.email.clone());
    Ok(CurrentUser {
        id: row.id,
        email: row.email,
        method: AuthMethod::Session,
    })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A cookie-authenticated change must come from the dashboard's own origin: browsers send
/// `Origin` on cross-site POST/PATCH/DELETE, and `Referer` when they don't send `Origin`.
/// Missing both is refused too, since a browser always sends one of them for these methods.
fn same_origin(req: &HttpRequest, state: &AppState) -> bool {
    let allowed = state.settings.public_origin();
    let own = format!(
        "{}://{}",
        req.connection_info().scheme(),
        req.connection_info().host()
    );
    let header_origin = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url::Url::parse(v).ok())
            .map(|u| u.origin().ascii_serialization())
    };
    match header_origin(header::ORIGIN).or_else(|| header_origin(header::REFERER)) {
        Some(origin) => origin == allowed || origin == own,
        None => false,
    }
}
