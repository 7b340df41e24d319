//! Errors: [`ApiError`], the one error of the HTTP API, and [`AppError`], why the service could
//! not start. The API's JSON shape (DESIGN §6):
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

/// Seconds a client is asked to wait while the database is unreachable.
const DATABASE_RETRY_AFTER_SECS: u64 = 5;

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        if database_unreachable(&error) {
            tracing::warn!(%error, "database unreachable");
            let mut api = Self::unavailable("The database is unreachable; try again shortly.");
            api.retry_after_secs = Some(DATABASE_RETRY_AFTER_SECS);
            return api;
        }
        Self::internal(format!("database: {error}"))
    }
}

impl From<sea_orm::TransactionError<sea_orm::DbErr>> for ApiError {
    fn from(error: sea_orm::TransactionError<sea_orm::DbErr>) -> Self {
        match error {
            sea_orm::TransactionError::Connection(error)
            | sea_orm::TransactionError::Transaction(error) => error.into(),
        }
    }
}

/// Whether `error` means the database could not be reached (down, restarting, refusing
/// connections, the pool exhausted) rather than that a statement failed: the former is a
/// 503 the client may retry, the latter a 500 to investigate.
fn database_unreachable(error: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let sqlx_error = match error {
        // Failing to get a connection at all: the pool timed out or was closed, or connecting
        // failed (refused, shutting down, not accepting connections).
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx_error.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // A pooled connection's server went away mid-statement. Class 57: operator
        // intervention (admin or crash shutdown, cannot connect now); class 08: connection
        // exception. 57014 (query_canceled, e.g. a statement timeout) is a real failure.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            (code.starts_with("57") && code != "57014") || code.starts_with("08")
        }),
        _ => false,
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

/// Why the service could not start (or a command failed before serving); one line each.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A setting is invalid.
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached or migrated.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}
