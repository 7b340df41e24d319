//! `POST /identity/v1/oauth2/token`: the client-credentials grant, as eBay answers it.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::Serialize;

use crate::ebay_error::oauth_error;
use crate::routes::{apply_fault, fault_header};
use crate::state::{Endpoint, MockState};

/// The only scope the mock grants (eBay's public application scope).
pub const API_SCOPE: &str = "https://api.ebay.com/oauth/api_scope";

/// Configures the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/identity/v1/oauth2/token", web::post().to(token));
}

#[derive(Serialize)]
struct TokenBody {
    access_token: String,
    expires_in: u64,
    token_type: &'static str,
}

#[tracing::instrument(skip_all)]
async fn token(req: HttpRequest, body: web::Bytes, state: web::Data<MockState>) -> HttpResponse {
    state.count_request(Endpoint::Token);
    let response = respond(&req, &body, &state).await;
    state.count_status(Endpoint::Token, response.status().as_u16());
    response
}

async fn respond(req: &HttpRequest, body: &[u8], state: &MockState) -> HttpResponse {
    let header = match fault_header(req) {
        Ok(plan) => plan,
        Err(reason) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &reason),
    };
    let plan = state.plan_fault(Endpoint::Token, header);
    if let Some(status) = apply_fault(state, &plan).await {
        // The OAuth endpoint answers in RFC 6749's shape even when it fails, never with the
        // Browse API's `errors[]`.
        return if status == 429 {
            let mut response = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "The request limit has been reached for the resource.",
            );
            let retry_after = plan.retry_after_secs.unwrap_or(state.default_retry_after());
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            response
        } else if status == 401 {
            oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        } else {
            oauth_error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "server_error",
                "There was a problem with an eBay internal system or process.",
            )
        };
    }

    let form_encoded = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|mime| {
                mime.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form_encoded {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request content type must be application/x-www-form-urlencoded",
        );
    }

    let Some((client_id, _secret)) = basic_credentials(req) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    };
    if !state.client_allowed(&client_id) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }

    let Ok(form) = serde_urlencoded::from_bytes::<HashMap<String, String>>(body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request body is not valid form data",
        );
    };
    match form.get("grant_type").map(String::as_str) {
        None | Some("") => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant type in request is empty",
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant type in request is not supported by the authorization server",
            );
        }
    }
    let scopes: Vec<&str> = form
        .get("scope")
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    if scopes.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "scope in request is empty",
        );
    }
    if scopes.iter().any(|scope| *scope != API_SCOPE) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client",
        );
    }

    let (access_token, expires_in) = state.issue_token();
    HttpResponse::Ok().json(TokenBody {
        access_token,
        expires_in,
        token_type: "Application Access Token",
    })
}

/// The client id and secret from `Authorization: Basic`, both non-empty. Each half is
/// form-url-decoded as RFC 6749 §2.3.1 asks (the `oauth2` crate encodes them).
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let id = form_decode(id)?;
    let secret = form_decode(secret)?;
    if id.is_empty() || secret.is_empty() {
        return None;
    }
    Some((id, secret))
}

fn form_decode(text: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={text}"))
        .ok()?
        .into_iter()
        .next()
        .map(|(_, value)| value)
}
