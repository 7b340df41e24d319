//! The one error type of the HTTP API and its JSON shape (DESIGN §6):
//! `{"error": {"code": "...", "message": "...", "details": [{"field": "...", "message": "..."}]}}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, e.g. `frequency_minutes` (or `body` for the whole body).
    pub field: String,
    /// A human sentence.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case, for programs.
    pub code: String,
    /// For people.
    pub message: String,
    /// Per-field problems (validation errors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

/// An API failure with its HTTP status.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<FieldError>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// 422: the body parsed but some fields are invalid.
    pub fn validation(details: Vec<FieldError>) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Some fields are not valid.",
        );
        error.details = details;
        error
    }

    /// 400: the request cannot be read at all (malformed JSON, bad query string).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 with per-field details (query strings).
    pub fn bad_query(details: Vec<FieldError>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "The query string is not valid.",
        );
        error.details = details;
        error
    }

    /// 401: no valid session or token.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign in, or send a valid API token as `Authorization: Bearer …`.",
        )
    }

    /// 403: a cookie-authenticated change without a matching Origin/Referer.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf_rejected",
            "This change did not come from the dashboard's origin; reload the dashboard and try again.",
        )
    }

    /// 404: missing, or not the caller's (the two are indistinguishable on purpose).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No such {what}."),
        )
    }

    /// 409: conflicts with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 413: the body is too large.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The body is larger than {limit} bytes."),
        )
    }

    /// 415: not JSON.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as application/json.",
        )
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests; try again later.",
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// 502: a service this one depends on failed.
    pub fn upstream(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "upstream_failed", message)
    }

    /// 503: a dependency is down.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 500: a real fault. The cause is logged, never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side; it has been logged.",
        )
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The per-field details.
    pub fn details(&self) -> &[FieldError] {
        &self.details
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        })
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::internal(format!("database: {error}"))
    }
}

impl From<sea_orm::TransactionError<sea_orm::DbErr>> for ApiError {
    fn from(error: sea_orm::TransactionError<sea_orm::DbErr>) -> Self {
        Self::internal(format!("database transaction: {error}"))
    }
}

/// Maps actix's JSON extractor failures to the error shape: unreadable bodies are 400,
/// oversized 413, wrong content type 415 — never 500.
pub fn json_error_handler(
    error: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &error {
        E::OverflowKnownLength { limit, .. } | E::Overflow { limit } => {
            ApiError::payload_too_large(*limit)
        }
        E::ContentType => ApiError::unsupported_media_type(),
        E::Deserialize(e) => {
            ApiError::bad_request("malformed_json", format!("The body is not valid JSON: {e}"))
        }
        _ => ApiError::bad_request(
            "malformed_json",
            format!("The body could not be read: {error}"),
        ),
    };
    api.into()
}

/// Maps query-string extractor failures to 400 in the error shape.
pub fn query_error_handler(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "invalid_query",
        format!("The query string is not valid: {error}"),
    )
    .into()
}

/// Maps path extractor failures (e.g. an id that is not a UUID) to 404: no such thing exists.
pub fn path_error_handler(
    _: actix_web::error::PathError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::not_found("resource").into()
}
