//! eBay's error shapes: `{"errors":[{errorId, domain, category, message, longMessage,
//! parameters}]}` for the Browse API and `{"error","error_description"}` for OAuth.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

/// One entry of `errors[]` or `warnings[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEntry {
    /// eBay's numeric id.
    pub error_id: u32,
    /// `API_BROWSE`, `OAuth`, `ACCESS`, ...
    pub domain: &'static str,
    /// `REQUEST` or `APPLICATION`.
    pub category: &'static str,
    /// Short text.
    pub message: String,
    /// Longer text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    /// What the entry is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ErrorParameter>,
}

/// A name/value pair of an [`ErrorEntry`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorParameter {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// Error ids the mock uses (eBay's where known; the mock's own choice otherwise).
pub mod ids {
    /// Invalid or expired access token.
    pub const INVALID_TOKEN: u32 = 1001;
    /// Rate limit reached.
    pub const TOO_MANY_REQUESTS: u32 = 2001;
    /// Internal error.
    pub const INTERNAL: u32 = 12000;
    /// No `q` (or other search criterion).
    pub const MISSING_QUERY: u32 = 12001;
    /// `limit` out of range.
    pub const INVALID_LIMIT: u32 = 12002;
    /// `offset` invalid.
    pub const INVALID_OFFSET: u32 = 12003;
    /// `sort` invalid.
    pub const INVALID_SORT: u32 = 12004;
    /// Unknown marketplace.
    pub const INVALID_MARKETPLACE: u32 = 12022;
    /// A filter was ignored (returned as a warning).
    pub const FILTER_IGNORED: u32 = 12501;
    /// `X-Mock-Time` could not be parsed (mock only).
    pub const INVALID_MOCK_TIME: u32 = 99001;
}

impl ErrorEntry {
    /// A `REQUEST` error of the Browse API.
    pub fn request(error_id: u32, message: &str, parameter: Option<(&str, &str)>) -> Self {
        Self {
            error_id,
            domain: "API_BROWSE",
            category: "REQUEST",
            message: message.to_owned(),
            long_message: Some(message.to_owned()),
            parameters: parameter
                .map(|(name, value)| ErrorParameter {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })
                .into_iter()
                .collect(),
        }
    }

    /// A warning about an ignored filter.
    pub fn filter_warning(filter: &str, message: &str) -> Self {
        Self::request(ids::FILTER_IGNORED, message, Some(("filter", filter)))
    }
}

#[derive(Serialize)]
struct ErrorsBody<'a> {
    errors: &'a [ErrorEntry],
}

/// A Browse API error response.
pub fn errors_response(status: StatusCode, errors: &[ErrorEntry]) -> HttpResponse {
    HttpResponse::build(status).json(ErrorsBody { errors })
}

/// 400 with one `REQUEST` error.
pub fn bad_request(error_id: u32, message: &str, parameter: Option<(&str, &str)>) -> HttpResponse {
    errors_response(
        StatusCode::BAD_REQUEST,
        &[ErrorEntry::request(error_id, message, parameter)],
    )
}

/// 401 for a missing, unknown or expired token.
pub fn invalid_token() -> HttpResponse {
    errors_response(
        StatusCode::UNAUTHORIZED,
        &[ErrorEntry {
            error_id: ids::INVALID_TOKEN,
            domain: "OAuth",
            category: "REQUEST",
            message: "Invalid access token".to_owned(),
            long_message: Some(
                "Invalid access token. Check the value of the Authorization HTTP request header."
                    .to_owned(),
            ),
            parameters: Vec::new(),
        }],
    )
}

/// 429 with `Retry-After`.
pub fn too_many_requests(retry_after_secs: u64) -> HttpResponse {
    let mut response = errors_response(
        StatusCode::TOO_MANY_REQUESTS,
        &[ErrorEntry {
            error_id: ids::TOO_MANY_REQUESTS,
            domain: "ACCESS",
            category: "REQUEST",
            message:
                "There are too many requests. The request limit has been reached for the resource."
                    .to_owned(),
            long_message: None,
            parameters: Vec::new(),
        }],
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

/// An injected server error (`500`, `502`, `503`, ...).
pub fn server_error(status: StatusCode) -> HttpResponse {
    errors_response(
        status,
        &[ErrorEntry {
            error_id: ids::INTERNAL,
            domain: "API_BROWSE",
            category: "APPLICATION",
            message: "There was a problem with an eBay internal system or process. Contact eBay developer support for assistance."
                .to_owned(),
            long_message: None,
            parameters: Vec::new(),
        }],
    )
}

#[derive(Serialize)]
struct OauthErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// An OAuth error: `invalid_client` (401) or `invalid_request`, `unsupported_grant_type`,
/// `invalid_scope` (400).
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status).json(OauthErrorBody {
        error,
        error_description: description,
    })
}
