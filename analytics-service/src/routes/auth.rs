//! Bearer-token authentication of the read API (`ANALYTICS_API_TOKEN`).
//!
//! Tokens are compared in constant time (their SHA-256 digests, XOR-folded), so response timing
//! reveals nothing about how much of a guess was right. Without a configured token the service
//! refuses to listen beyond loopback (see [`crate::config::Settings::validate`]), so "no token"
//! means "only this machine can ask".

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// Proof that a request presented the right token (or that none is configured).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated;

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(ctx) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::Internal("application state missing".into())));
        };
        let Some(expected) = &ctx.settings.api_token else {
            return ready(Ok(Authenticated));
        };
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        ready(match presented {
            Some(token) if same_secret(token, expected.expose()) => Ok(Authenticated),
            _ => Err(ApiError::Unauthorized),
        })
    }
}

/// Compares two secrets in time independent of where they differ (and of their lengths).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret("s3cret-token-value", "s3cret-token-value"));
        assert!(!same_secret("s3cret-token-value", "s3cret-token-valuE"));
        assert!(!same_secret("s3cret", "s3cret-token-value"));
        assert!(!same_secret("", "x"));
    }
}
