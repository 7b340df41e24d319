//! Errors: [`ApiError`] for the read API (mapped to the JSON error body of DESIGN §6) and
//! [`AppError`] for starting and running the service.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A failure of a read API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a query parameter is out of range or malformed.
    #[error("{message}")]
    BadRequest {
        /// A human sentence.
        message: String,
        /// Which field is wrong and why.
        details: Vec<FieldError>,
    },
    /// 401: missing or wrong bearer token.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// 404: no such alert (or it was deleted).
    #[error("no insights for this alert")]
    NotFound,
    /// 503: the database is unreachable; worth retrying.
    #[error("the analytics database is unavailable")]
    Unavailable,
    /// 500: anything else; the cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

/// One field's problem in a 400 answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// The parameter, e.g. `days`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ApiError {
    /// A 400 about one field.
    pub fn invalid_field(field: &str, message: &str) -> Self {
        Self::BadRequest {
            message: format!("{field} {message}"),
            details: vec![FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            }],
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "validation_failed",
            Self::Unauthorized => "unauthenticated",
            Self::NotFound => "not_found",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        if crate::db::is_connection_error(&error) {
            tracing::warn!(%error, "database unavailable");
            Self::Unavailable
        } else {
            Self::Internal(error.to_string())
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorInner<'a>,
}

#[derive(Serialize)]
struct ErrorInner<'a> {
    code: &'a str,
    message: String,
    details: &'a [FieldError],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(%cause, "read API request failed");
        }
        let details: &[FieldError] = match self {
            Self::BadRequest { details, .. } => details,
            _ => &[],
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unauthorized) {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(ErrorBody {
            error: ErrorInner {
                code: self.code(),
                message: self.to_string(),
                details,
            },
        })
    }
}

/// Why the service could not start or a job failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A setting cannot work.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The database cannot be reached at start-up.
    #[error("cannot connect to the database at ANALYTICS_DATABASE_URL ({target}): {cause}")]
    DatabaseUnreachable {
        /// Scheme, host and database name, without credentials.
        target: String,
        /// What the driver said.
        cause: String,
    },
    /// The broker failed.
    #[error("event transport: {0}")]
    Transport(#[from] pubsub::TransportError),
    /// Email could not be configured or rendered.
    #[error("email: {0}")]
    Email(String),
    /// Binding the listener or another I/O failure.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The cron scheduler failed.
    #[error("scheduler: {0}")]
    Scheduler(String),
    /// `send-insights --alert` named an alert analytics does not know (or that was deleted).
    #[error("alert {0} is unknown to analytics-service or was deleted")]
    UnknownAlert(uuid::Uuid),
}

impl From<mailer::MailerError> for AppError {
    fn from(error: mailer::MailerError) -> Self {
        Self::Email(error.to_string())
    }
}
