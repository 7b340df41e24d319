//! eBay's error shapes: `{"errors":[{errorId, domain, category, message, longMessage,
//! parameters}]}` for the Browse API (and its `warnings[]`) and `{"error","error_description"}`
//! for OAuth, with the error ids eBay documents.

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

/// Error ids the mock uses: eBay's, as its OpenAPI document lists them under
/// `x-response-codes` for `item_summary/search` and `item/{item_id}`, except where noted.
pub mod ids {
    /// Invalid or expired access token (eBay's OAuth domain; not in the Browse document).
    pub const INVALID_TOKEN: u32 = 1001;
    /// Call limit reached (eBay's ACCESS domain; not in the Browse document).
    pub const TOO_MANY_REQUESTS: u32 = 2001;
    /// Internal error of `getItem` (500).
    pub const ITEM_INTERNAL: u32 = 11000;
    /// `getItem`: the specified item id was not found (sent with 404).
    pub const ITEM_NOT_FOUND: u32 = 11001;
    /// Internal error of search (500).
    pub const INTERNAL: u32 = 12000;
    /// No `q` (or other search criterion) (400).
    pub const MISSING_QUERY: u32 = 12001;
    /// A filter value is invalid and was ignored (warning with a 200).
    pub const INVALID_FILTER: u32 = 12002;
    /// The `sort` value is invalid and was ignored (warning with a 200).
    pub const INVALID_SORT: u32 = 12008;
    /// `price` without a valid `priceCurrency`, or the reverse (warning with a 200).
    pub const PRICE_NEEDS_CURRENCY: u32 = 12012;
    /// `offset` is negative (400).
    pub const NEGATIVE_OFFSET: u32 = 12004;
    /// `offset` is not an integer (400).
    pub const OFFSET_NOT_INTEGER: u32 = 12005;
    /// `limit` outside 1..=200 (400).
    pub const LIMIT_OUT_OF_RANGE: u32 = 12006;
    /// `limit` is not an integer (400).
    pub const LIMIT_NOT_INTEGER: u32 = 12007;
    /// A marketplace eBay knows but the Browse API does not serve (409).
    pub const MARKETPLACE_NOT_SUPPORTED: u32 = 12019;
    /// `offset` of 10,000 or more (400).
    pub const OFFSET_PAST_WINDOW: u32 = 12029;
    /// `offset` is neither zero nor a multiple of `limit` (400).
    pub const OFFSET_NOT_MULTIPLE_OF_LIMIT: u32 = 12515;
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

    /// Warning 12002: the value of filter `filter_name` is invalid and was ignored. The
    /// message is eBay's, with `{filterName}` filled in.
    pub fn invalid_filter(filter_name: &str) -> Self {
        let message = format!(
            "The '{filter_name}' value is invalid. For the valid values, refer to the API call documentation."
        );
        Self::request(
            ids::INVALID_FILTER,
            &message,
            Some(("filterName", filter_name)),
        )
    }

    /// Warning 12012: `price` needs `priceCurrency` (and the reverse); both were ignored.
    pub fn price_needs_currency() -> Self {
        Self::request(
            ids::PRICE_NEEDS_CURRENCY,
            "A valid 'price' filter and a valid 'priceCurrency' filter is necessary to filter based on price.",
            None,
        )
    }

    /// Warning 12008: the `sort` value is invalid; results come in best-match order.
    pub fn invalid_sort(sort: &str) -> Self {
        Self::request(
            ids::INVALID_SORT,
            "The 'sort' value is invalid. For the valid values, refer to the API call documentation.",
            Some(("sort", sort)),
        )
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

/// 409 (12019): the marketplace is one of eBay's, but the Browse API does not serve it.
pub fn marketplace_not_supported(marketplace: &str, supported: &str) -> HttpResponse {
    errors_response(
        StatusCode::CONFLICT,
        &[ErrorEntry {
            error_id: ids::MARKETPLACE_NOT_SUPPORTED,
            domain: "API_BROWSE",
            category: "BUSINESS",
            message: format!(
                "Currently, the {marketplace} marketplace is not supported. The supported Marketplaces are: {supported} ."
            ),
            long_message: None,
            parameters: vec![ErrorParameter {
                name: "marketplaceId".to_owned(),
                value: marketplace.to_owned(),
            }],
        }],
    )
}

/// 404 (11001) for a `getItem` of an id eBay does not know (any more).
pub fn item_not_found(item_id: &str) -> HttpResponse {
    errors_response(
        StatusCode::NOT_FOUND,
        &[ErrorEntry {
            error_id: ids::ITEM_NOT_FOUND,
            domain: "API_BROWSE",
            category: "REQUEST",
            message: "The specified item ID was not found.".to_owned(),
            long_message: None,
            parameters: vec![ErrorParameter {
                name: "itemId".to_owned(),
                value: item_id.to_owned(),
            }],
        }],
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

/// A Browse 429: the application's daily call quota is used up. eBay documents no
/// `Retry-After` for it; the mock still sends one, which clients should not rely on.
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

/// An injected server error (`500`, `502`, `503`, ...) of search (12000) or getItem (11000).
pub fn server_error(status: StatusCode, error_id: u32) -> HttpResponse {
    errors_response(
        status,
        &[ErrorEntry {
            error_id,
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

/// An OAuth error in RFC 6749 §5.2's shape: `invalid_client` (401) or `invalid_request`,
/// `unsupported_grant_type`, `invalid_scope` (400), and for injected faults
/// `too_many_requests` (429) and `server_error` (5xx).
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status).json(OauthErrorBody {
        error,
        error_description: description,
    })
}
