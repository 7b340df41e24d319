//! `GET /buy/browse/v1/item_summary/search`: the deterministic catalogue behind eBay's shapes.

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::catalogue::{Listing, QueryCatalogue, normalise_query};
use crate::ebay_error::{
    ErrorEntry, bad_request, errors_response, ids, invalid_token, server_error, too_many_requests,
};
use crate::filter::SearchFilter;
use crate::routes::{TIME_HEADER, apply_fault, fault_header};
use crate::state::{Endpoint, MockState};

/// The search path.
pub const SEARCH_PATH: &str = "/buy/browse/v1/item_summary/search";

/// The marketplace header.
pub const MARKETPLACE_HEADER: &str = "X-EBAY-C-MARKETPLACE-ID";

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
const MAX_OFFSET: u32 = 9_999;

/// Configures the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(SEARCH_PATH, web::get().to(search));
}

/// Marketplaces the mock knows: id, currency, web host.
const MARKETPLACES: &[(&str, &str, &str)] = &[
    ("EBAY_US", "USD", "www.ebay.com"),
    ("EBAY_GB", "GBP", "www.ebay.co.uk"),
    ("EBAY_DE", "EUR", "www.ebay.de"),
    ("EBAY_FR", "EUR", "www.ebay.fr"),
    ("EBAY_IT", "EUR", "www.ebay.it"),
    ("EBAY_ES", "EUR", "www.ebay.es"),
    ("EBAY_AU", "AUD", "www.ebay.com.au"),
    ("EBAY_CA", "CAD", "www.ebay.ca"),
    ("EBAY_AT", "EUR", "www.ebay.at"),
    ("EBAY_CH", "CHF", "www.ebay.ch"),
    ("EBAY_IE", "EUR", "www.ebay.ie"),
    ("EBAY_NL", "EUR", "www.ebay.nl"),
    ("EBAY_PL", "PLN", "www.ebay.pl"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    BestMatch,
    Price,
    PriceDescending,
    NewlyListed,
    EndingSoonest,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    href: String,
    total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<String>,
    limit: u32,
    offset: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    item_summaries: Vec<ItemOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<ErrorEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemOut {
    item_id: String,
    title: String,
    price: AmountOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_bid_price: Option<AmountOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bid_count: Option<u32>,
    item_href: String,
    seller: SellerOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_id: Option<&'static str>,
    image: ImageOut,
    shipping_options: Vec<ShippingOut>,
    buying_options: Vec<&'static str>,
    item_web_url: String,
    item_location: LocationOut,
    item_creation_date: String,
    item_end_date: String,
    listing_marketplace_id: &'static str,
}

#[derive(Serialize)]
struct AmountOut {
    value: String,
    currency: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SellerOut {
    username: String,
    feedback_percentage: String,
    feedback_score: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageOut {
    image_url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShippingOut {
    shipping_cost_type: &'static str,
    shipping_cost: AmountOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut {
    postal_code: String,
    country: &'static str,
}

#[tracing::instrument(skip_all)]
async fn search(req: HttpRequest, state: web::Data<MockState>) -> HttpResponse {
    state.count_request(Endpoint::Search);
    let response = respond(&req, &state).await;
    state.count_status(Endpoint::Search, response.status().as_u16());
    response
}

async fn respond(req: &HttpRequest, state: &MockState) -> HttpResponse {
    let header = match fault_header(req) {
        Ok(plan) => plan,
        Err(reason) => return bad_request(ids::INVALID_MOCK_TIME, &reason, None),
    };
    let plan = state.plan_fault(Endpoint::Search, header);
    if let Some(status) = apply_fault(state, &plan).await {
        return if status == 429 {
            too_many_requests(plan.retry_after_secs.unwrap_or(state.default_retry_after()))
        } else if status == 401 {
            invalid_token()
        } else {
            server_error(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        };
    }

    let authorised = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .is_some_and(|token| state.token_valid(token));
    if !authorised {
        return invalid_token();
    }

    let marketplace_id = req
        .headers()
        .get(MARKETPLACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("EBAY_US");
    let Some(&(marketplace, currency, web_host)) = MARKETPLACES
        .iter()
        .find(|(id, _, _)| id.eq_ignore_ascii_case(marketplace_id))
    else {
        return bad_request(
            ids::INVALID_MARKETPLACE,
            &format!("The value of the {MARKETPLACE_HEADER} header is invalid."),
            Some((MARKETPLACE_HEADER, marketplace_id)),
        );
    };

    let params: Vec<(String, String)> = match serde_urlencoded::from_str(req.query_string()) {
        Ok(params) => params,
        Err(_) => {
            return bad_request(
                ids::MISSING_QUERY,
                "The query string could not be parsed.",
                None,
            );
        }
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };

    let query = normalise_query(param("q").unwrap_or(""));
    if query.is_empty() {
        return bad_request(
            ids::MISSING_QUERY,
            "The call must have a valid 'q', 'category_ids', 'epid', 'gtin', or 'charity_ids' query parameter.",
            Some(("q", param("q").unwrap_or(""))),
        );
    }
    let limit = match param("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            _ => {
                return bad_request(
                    ids::INVALID_LIMIT,
                    "The 'limit' value should be between 1 and 200 (inclusive).",
                    Some(("limit", raw)),
                );
            }
        },
    };
    let offset = match param("offset") {
        None => 0,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(offset) if offset <= MAX_OFFSET => offset,
            _ => {
                return bad_request(
                    ids::INVALID_OFFSET,
                    "The 'offset' value must be a whole number between 0 and 9999 (inclusive).",
                    Some(("offset", raw)),
                );
            }
        },
    };
    let sort = match param("sort").map(str::trim) {
        None | Some("") => Sort::BestMatch,
        Some("price") => Sort::Price,
        Some("-price") => Sort::PriceDescending,
        Some("newlyListed") => Sort::NewlyListed,
        Some("endingSoonest") => Sort::EndingSoonest,
        Some(other) => {
            return bad_request(
                ids::INVALID_SORT,
                "The 'sort' value is invalid. Valid values: price, -price, newlyListed, endingSoonest.",
                Some(("sort", other)),
            );
        }
    };
    let (filter, warnings) = match param("filter") {
        Some(raw) => SearchFilter::parse(raw),
        None => (SearchFilter::default(), Vec::new()),
    };
    let at = match req.headers().get(TIME_HEADER) {
        None => state.now(),
        Some(value) => match value
            .to_str()
            .ok()
            .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
        {
            Some(at) => at.with_timezone(&Utc),
            None => {
                return errors_response(
                    StatusCode::BAD_REQUEST,
                    &[ErrorEntry::request(
                        ids::INVALID_MOCK_TIME,
                        "X-Mock-Time must be an RFC 3339 timestamp such as 2026-11-21T10:00:00Z.",
                        None,
                    )],
                );
            }
        },
    };

    let catalogue = QueryCatalogue::new(&query);
    let mut listings: Vec<Listing> = catalogue
        .listings_at(at.timestamp())
        .into_iter()
        .filter(|listing| filter.matches(listing, |index| catalogue.seller_username(index)))
        .collect();
    sort_listings(&mut listings, sort);

    let total = listings.len();
    let page: Vec<ItemOut> = listings
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|listing| item_out(&catalogue, listing, req, marketplace, currency, web_host))
        .collect();

    let page_url = |offset: u32| search_href(req, &params, limit, offset);
    let next =
        (u64::from(offset) + u64::from(limit) < total as u64).then(|| page_url(offset + limit));
    let prev = (offset > 0).then(|| page_url(offset.saturating_sub(limit)));
    HttpResponse::Ok().json(SearchBody {
        href: page_url(offset),
        total,
        next,
        prev,
        limit,
        offset,
        item_summaries: page,
        warnings,
    })
}

fn sort_listings(listings: &mut [Listing], sort: Sort) {
    match sort {
        Sort::BestMatch => listings.sort_by_key(|l| (l.relevance, l.item_number)),
        // eBay sorts by price plus shipping.
        Sort::Price => listings.sort_by_key(|l| (l.price_cents + l.shipping_cents, l.item_number)),
        Sort::PriceDescending => listings.sort_by_key(|l| {
            (
                std::cmp::Reverse(l.price_cents + l.shipping_cents),
                l.item_number,
            )
        }),
        Sort::NewlyListed => {
            listings.sort_by_key(|l| (std::cmp::Reverse(l.start), l.item_number));
        }
        Sort::EndingSoonest => listings.sort_by_key(|l| (l.end, l.item_number)),
    }
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// The URL of a page of this search: same parameters, given offset.
fn search_href(req: &HttpRequest, params: &[(String, String)], limit: u32, offset: u32) -> String {
    let mut pairs: Vec<(&str, String)> = params
        .iter()
        .filter(|(key, _)| key != "limit" && key != "offset")
        .map(|(key, value)| (key.as_str(), value.clone()))
        .collect();
    pairs.push(("limit", limit.to_string()));
    pairs.push(("offset", offset.to_string()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}{SEARCH_PATH}?{query}", base_url(req))
}

fn money(cents: u64, currency: &'static str) -> AmountOut {
    AmountOut {
        value: format!("{}.{:02}", cents / 100, cents % 100),
        currency,
    }
}

fn timestamp(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn item_out(
    catalogue: &QueryCatalogue,
    listing: &Listing,
    req: &HttpRequest,
    marketplace: &'static str,
    currency: &'static str,
    web_host: &'static str,
) -> ItemOut {
    let detail = catalogue.detail(listing);
    let item_id = format!("v1|{}|0", listing.item_number);
    let item_href = format!(
        "{}/buy/browse/v1/item/v1%7C{}%7C0",
        base_url(req),
        listing.item_number
    );
    ItemOut {
        item_href,
        item_id,
        title: detail.title,
        price: money(listing.price_cents, currency),
        current_bid_price: listing.bid_cents.map(|cents| money(cents, currency)),
        bid_count: listing.options.auction.then_some(listing.bid_count),
        seller: SellerOut {
            username: detail.seller_username,
            feedback_percentage: detail.seller_feedback_percentage,
            feedback_score: detail.seller_feedback_score,
        },
        condition: listing.condition.label(),
        condition_id: listing.condition.id(),
        image: ImageOut {
            image_url: detail.image_url,
        },
        shipping_options: vec![ShippingOut {
            shipping_cost_type: "FIXED",
            shipping_cost: money(listing.shipping_cents, currency),
        }],
        buying_options: listing.options.names(),
        item_web_url: format!("https://{web_host}/itm/{}", listing.item_number),
        item_location: LocationOut {
            postal_code: detail.postal_code,
            country: marketplace.strip_prefix("EBAY_").unwrap_or("US"),
        },
        item_creation_date: timestamp(listing.start),
        item_end_date: timestamp(listing.end),
        listing_marketplace_id: marketplace,
    }
}
