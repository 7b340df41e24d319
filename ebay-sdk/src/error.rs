//! The one error type of the crate, [`EbayError`], and eBay's own error entries.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One entry of eBay's `errors[]` (or `warnings[]`) array.
///
/// eBay uses the same shape for hard errors (4xx/5xx bodies) and for soft warnings returned with
/// a 200, e.g. a filter it ignored. Every field is optional on the wire, so a sparse or unusual
/// entry still parses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiErrorDetail {
    /// eBay's numeric error id, e.g. `1001` (invalid token) or `12001` (missing `q`).
    pub error_id: Option<i64>,
    /// The service area that raised it, e.g. `API_BROWSE` or `OAuth`.
    pub domain: Option<String>,
    /// A finer area within the domain, when eBay sends one.
    pub subdomain: Option<String>,
    /// `REQUEST` (the caller's fault), `APPLICATION` or `BUSINESS`.
    pub category: Option<String>,
    /// A one-line description.
    pub message: Option<String>,
    /// A longer description.
    pub long_message: Option<String>,
    /// Name/value pairs that point at what was wrong (e.g. which filter was ignored).
    #[serde(deserialize_with = "crate::model::null_as_default")]
    pub parameters: Vec<ErrorParameter>,
}

impl std::fmt::Display for ApiErrorDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.error_id {
            Some(id) => write!(f, "{id}")?,
            None => f.write_str("?")?,
        }
        if let Some(message) = self.message.as_deref().or(self.long_message.as_deref()) {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// A name/value pair inside an [`ApiErrorDetail`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorParameter {
    /// The parameter's name, e.g. `filter`.
    pub name: Option<String>,
    /// Its value.
    pub value: Option<String>,
}

/// The body eBay sends with a failed Browse API call: `{"errors": [...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ApiErrorBody {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub errors: Vec<ApiErrorDetail>,
}

/// Everything that can go wrong talking to eBay.
///
/// HTTP failures keep their status and eBay's parsed `errors[]`, so callers can tell a bad
/// request (fix the alert) from an outage (try later) with [`EbayError::status`] and
/// [`EbayError::is_retryable`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EbayError {
    /// The configuration (environment, base URL, credentials) is unusable.
    #[error("invalid eBay configuration: {0}")]
    Config(String),

    /// The search request itself is invalid and was not sent (e.g. `limit` over 200).
    #[error("invalid search request: {0}")]
    InvalidRequest(String),

    /// eBay answered with an error status and a JSON `errors[]` body.
    #[error("eBay returned HTTP {status}: {}", summarise(errors))]
    Api {
        /// The HTTP status code.
        status: u16,
        /// eBay's parsed error entries (may be empty if the body had none).
        errors: Vec<ApiErrorDetail>,
        /// The `Retry-After` delay eBay asked for, if any.
        retry_after: Option<Duration>,
    },

    /// eBay answered 429 to a Browse call. eBay's Browse limits are daily call quotas (it
    /// documents no `Retry-After` for them), so the budget is gone until eBay's daily reset:
    /// the call is not retried, and callers should stop calling until then.
    #[error(
        "eBay's daily Browse API call quota is used up (HTTP 429): {}",
        summarise(errors)
    )]
    QuotaExhausted {
        /// eBay's parsed error entries (may be empty if the body had none).
        errors: Vec<ApiErrorDetail>,
    },

    /// eBay answered with something that is not the JSON it documents: an HTML error page from
    /// a proxy, plain text, an empty body.
    #[error("eBay returned HTTP {status} with an unexpected {content_type} body: {snippet:?}")]
    UnexpectedBody {
        /// The HTTP status code.
        status: u16,
        /// The `Content-Type` header, or `unknown`.
        content_type: String,
        /// The first few hundred characters of the body, for diagnosis.
        snippet: String,
        /// The `Retry-After` delay, if the response carried one.
        retry_after: Option<Duration>,
    },

    /// A JSON body could not be decoded into the documented shape (truncated, wrong types).
    #[error("could not decode eBay's HTTP {status} response: {source}; body starts {snippet:?}")]
    Decode {
        /// The HTTP status code.
        status: u16,
        /// What serde could not parse.
        #[source]
        source: serde_json::Error,
        /// The first few hundred characters of the body.
        snippet: String,
    },

    /// The request did not complete: connection refused, reset, TLS failure or timeout.
    #[error("HTTP request to eBay failed{}: {source}", if source.is_timeout() { " (timeout)" } else { "" })]
    Transport {
        /// The underlying reqwest error.
        #[source]
        source: reqwest::Error,
    },

    /// The OAuth token endpoint refused to issue an application token.
    #[error("eBay token request failed{}: {error}{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(), description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Token {
        /// The HTTP status, when one is known.
        status: Option<u16>,
        /// The OAuth error code (`invalid_client`, ...) or a short description of the failure.
        error: String,
        /// eBay's `error_description`, when given.
        description: Option<String>,
        /// The `Retry-After` delay, if the response carried one.
        retry_after: Option<Duration>,
        /// Whether trying again later may succeed (429, 5xx, network trouble).
        retryable: bool,
    },

    /// Retries were used up (attempts or total time budget); `last` is the final failure.
    #[error("gave up after {attempts} attempts over {elapsed:?}: {last}")]
    RetriesExhausted {
        /// How many requests were sent.
        attempts: u32,
        /// Time spent including back-off sleeps.
        elapsed: Duration,
        /// The failure of the final attempt.
        #[source]
        last: Box<EbayError>,
    },
}

fn summarise(errors: &[ApiErrorDetail]) -> String {
    if errors.is_empty() {
        return "no error details".to_owned();
    }
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl EbayError {
    /// The HTTP status behind this error, looking through [`EbayError::RetriesExhausted`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. }
            | Self::UnexpectedBody { status, .. }
            | Self::Decode { status, .. } => Some(*status),
            Self::Token { status, .. } => *status,
            Self::QuotaExhausted { .. } => Some(429),
            Self::Transport { source } => source.status().map(|s| s.as_u16()),
            Self::RetriesExhausted { last, .. } => last.status(),
            Self::Config(_) | Self::InvalidRequest(_) => None,
        }
    }

    /// eBay's parsed `errors[]`, if this error carries them.
    pub fn api_errors(&self) -> &[ApiErrorDetail] {
        match self {
            Self::Api { errors, .. } | Self::QuotaExhausted { errors } => errors,
            Self::RetriesExhausted { last, .. } => last.api_errors(),
            _ => &[],
        }
    }

    /// Whether trying the same call again soon may succeed: 5xx, timeouts, connection failures
    /// and a 429 from the token endpoint. A Browse 429 ([`EbayError::QuotaExhausted`]) is not:
    /// the quota comes back at eBay's daily reset, not in seconds.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } | Self::UnexpectedBody { status, .. } => {
                is_retryable_status(*status)
            }
            Self::Transport { source } => {
                source.is_timeout()
                    || source.is_connect()
                    || source.is_request()
                    || source.is_body()
            }
            Self::Token { retryable, .. } => *retryable,
            Self::RetriesExhausted { last, .. } => last.is_retryable(),
            Self::Config(_)
            | Self::InvalidRequest(_)
            | Self::Decode { .. }
            | Self::QuotaExhausted { .. } => false,
        }
    }

    /// Whether this is eBay's "daily quota used up" answer ([`EbayError::QuotaExhausted`]).
    pub fn is_quota_exhausted(&self) -> bool {
        match self {
            Self::QuotaExhausted { .. } => true,
            Self::RetriesExhausted { last, .. } => last.is_quota_exhausted(),
            _ => false,
        }
    }

    /// The `Retry-After` delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api { retry_after, .. }
            | Self::UnexpectedBody { retry_after, .. }
            | Self::Token { retry_after, .. } => *retry_after,
            Self::RetriesExhausted { last, .. } => last.retry_after(),
            _ => None,
        }
    }
}

/// 429 and every 5xx are worth another try on the token endpoint; other statuses are final.
/// (A Browse 429 never reaches this: it becomes [`EbayError::QuotaExhausted`].)
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// The first `max` characters of a body, for error messages (never the whole page).
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 300;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}
