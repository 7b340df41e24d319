//! What the Browse API's endpoints (`search` and `getItem`) share: the bearer-token check,
//! injected faults, the marketplace header, the buyer's location header, the mock clock
//! header, and the JSON shapes of amounts, sellers, pictures and categories.

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::catalogue::{Listing, ListingDetail, QueryCatalogue};
use crate::ebay_error::{
    ErrorEntry, bad_request, errors_response, ids, invalid_token, marketplace_not_supported,
    server_error, too_many_requests,
};
use crate::routes::{TIME_HEADER, apply_fault, fault_header};
use crate::shipping::{self, Destination, Quote};
use crate::state::{Endpoint, MockState};

/// The marketplace header.
pub const MARKETPLACE_HEADER: &str = "X-EBAY-C-MARKETPLACE-ID";

/// The end user's context: where parcels go (`contextualLocation=country%3DUS%2Czip%3D19406`).
pub const END_USER_CONTEXT_HEADER: &str = "X-EBAY-C-ENDUSERCTX";

/// Where the buyer is: the `X-EBAY-C-ENDUSERCTX` location, else the marketplace's country.
pub fn destination(req: &HttpRequest, marketplace: &Marketplace) -> Destination {
    Destination::from_end_user_context(
        req.headers()
            .get(END_USER_CONTEXT_HEADER)
            .and_then(|v| v.to_str().ok()),
        marketplace.country,
    )
}

/// Shipping one listing to the buyer: cost in the seller's currency, window, carrier.
pub fn shipping_quote(
    catalogue: &QueryCatalogue,
    listing: &Listing,
    marketplace: &Marketplace,
    destination: &Destination,
) -> Quote {
    let region = u8::try_from(QueryCatalogue::origin_postal_prefix(listing) / 100).unwrap_or(0);
    shipping::quote(
        listing.shipping,
        catalogue.origin_country(listing, marketplace.country),
        region,
        destination,
    )
}

/// The quoted shipping cost in the marketplace's currency, in cents (for sorting); unknown
/// (calculated, no location) counts as 0, as eBay cannot add what it does not know.
pub fn shipping_cents(listing: &Listing, quote: &Quote) -> u64 {
    let cents = quote.cost_cents.unwrap_or(0);
    match &listing.converted_from {
        Some(from) => (cents as f64 * from.rate).round() as u64,
        None => cents,
    }
}

/// A marketplace the Browse API serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    /// eBay's id, e.g. `EBAY_US`.
    pub id: &'static str,
    /// Its currency.
    pub currency: &'static str,
    /// Its web site's host.
    pub web_host: &'static str,
    /// Its eBay Partner Network rotation id, when the marketplace is in the partner network
    /// (only those get `itemAffiliateWebUrl`).
    pub affiliate_rotation: Option<&'static str>,
    /// The country code used in item locations.
    pub country: &'static str,
}

const fn marketplace(
    id: &'static str,
    currency: &'static str,
    web_host: &'static str,
    affiliate_rotation: Option<&'static str>,
    country: &'static str,
) -> Marketplace {
    Marketplace {
        id,
        currency,
        web_host,
        affiliate_rotation,
        country,
    }
}

/// The marketplaces the Browse API serves (eBay's "Buy API support by marketplace").
pub const MARKETPLACES: &[Marketplace] = &[
    marketplace(
        "EBAY_US",
        "USD",
        "www.ebay.com",
        Some("711-53200-19255-0"),
        "US",
    ),
    marketplace(
        "EBAY_AT",
        "EUR",
        "www.ebay.at",
        Some("5221-53469-19255-0"),
        "AT",
    ),
    marketplace(
        "EBAY_AU",
        "AUD",
        "www.ebay.com.au",
        Some("705-53470-19255-0"),
        "AU",
    ),
    marketplace(
        "EBAY_BE",
        "EUR",
        "www.benl.ebay.be",
        Some("1553-53471-19255-0"),
        "BE",
    ),
    marketplace(
        "EBAY_CA",
        "CAD",
        "www.ebay.ca",
        Some("706-53473-19255-0"),
        "CA",
    ),
    marketplace(
        "EBAY_CH",
        "CHF",
        "www.ebay.ch",
        Some("5222-53480-19255-0"),
        "CH",
    ),
    marketplace(
        "EBAY_DE",
        "EUR",
        "www.ebay.de",
        Some("707-53477-19255-0"),
        "DE",
    ),
    marketplace(
        "EBAY_ES",
        "EUR",
        "www.ebay.es",
        Some("1185-53479-19255-0"),
        "ES",
    ),
    marketplace(
        "EBAY_FR",
        "EUR",
        "www.ebay.fr",
        Some("709-53476-19255-0"),
        "FR",
    ),
    marketplace(
        "EBAY_GB",
        "GBP",
        "www.ebay.co.uk",
        Some("710-53481-19255-0"),
        "GB",
    ),
    marketplace("EBAY_HK", "HKD", "www.ebay.com.hk", None, "HK"),
    marketplace(
        "EBAY_IE",
        "EUR",
        "www.ebay.ie",
        Some("5282-53468-19255-0"),
        "IE",
    ),
    marketplace(
        "EBAY_IT",
        "EUR",
        "www.ebay.it",
        Some("724-53478-19255-0"),
        "IT",
    ),
    marketplace("EBAY_MY", "MYR", "www.ebay.com.my", None, "MY"),
    marketplace(
        "EBAY_NL",
        "EUR",
        "www.ebay.nl",
        Some("1346-53482-19255-0"),
        "NL",
    ),
    marketplace("EBAY_PH", "PHP", "www.ebay.ph", None, "PH"),
    marketplace("EBAY_PL", "PLN", "www.ebay.pl", None, "PL"),
    // eBay: "Currently Singapore (EBAY_SG) is not supported" by the partner network.
    marketplace("EBAY_SG", "SGD", "www.ebay.com.sg", None, "SG"),
    marketplace("EBAY_TW", "TWD", "www.ebay.com.tw", None, "TW"),
];

/// Ids of eBay's `MarketplaceIdEnum` that the Browse API does not serve: eBay answers 409
/// (12019) for them. Any other unknown value falls back to `EBAY_US`, as eBay documents.
const OTHER_EBAY_MARKETPLACES: &[&str] = &[
    "EBAY_CN", "EBAY_CZ", "EBAY_DK", "EBAY_FI", "EBAY_GR", "EBAY_HU", "EBAY_ID", "EBAY_IL",
    "EBAY_IN", "EBAY_JP", "EBAY_NO", "EBAY_NZ", "EBAY_PE", "EBAY_PR", "EBAY_PT", "EBAY_QA",
    "EBAY_RU", "EBAY_SE", "EBAY_TH", "EBAY_VN",
];

/// The marketplace a request asks for, or the 409 eBay sends for one it does not serve.
///
/// The error response is boxed: an `HttpResponse` is large, and this is not a hot path.
pub fn resolve_marketplace(req: &HttpRequest) -> Result<Marketplace, Box<HttpResponse>> {
    let requested = req
        .headers()
        .get(MARKETPLACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if let Some(found) = MARKETPLACES
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(requested))
    {
        return Ok(*found);
    }
    if let Some(other) = OTHER_EBAY_MARKETPLACES
        .iter()
        .find(|id| id.eq_ignore_ascii_case(requested))
    {
        let supported = MARKETPLACES
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Box::new(marketplace_not_supported(other, &supported)));
    }
    // "If the marketplace ID value is invalid or missing, the default value of EBAY_US is
    // used."
    Ok(MARKETPLACES[0])
}

/// Applies an injected fault (header, queue or configured rate), if one is due.
pub async fn injected_fault(
    req: &HttpRequest,
    state: &MockState,
    endpoint: Endpoint,
    internal_error_id: u32,
) -> Option<HttpResponse> {
    let header = match fault_header(req) {
        Ok(plan) => plan,
        Err(reason) => return Some(bad_request(ids::INVALID_MOCK_TIME, &reason, None)),
    };
    let plan = state.plan_fault(endpoint, header);
    let status = apply_fault(state, &plan).await?;
    Some(if status == 429 {
        too_many_requests(plan.retry_after_secs.unwrap_or(state.default_retry_after()))
    } else if status == 401 {
        invalid_token()
    } else {
        server_error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            internal_error_id,
        )
    })
}

/// Whether the request carries a token this mock issued and that has not expired.
pub fn authorised(req: &HttpRequest, state: &MockState) -> bool {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .is_some_and(|token| state.token_valid(token))
}

/// The instant to answer for: `X-Mock-Time`, or the mock clock.
pub fn request_time(
    req: &HttpRequest,
    state: &MockState,
) -> Result<DateTime<Utc>, Box<HttpResponse>> {
    let Some(value) = req.headers().get(TIME_HEADER) else {
        return Ok(state.now());
    };
    value
        .to_str()
        .ok()
        .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            Box::new(errors_response(
                StatusCode::BAD_REQUEST,
                &[ErrorEntry::request(
                    ids::INVALID_MOCK_TIME,
                    "X-Mock-Time must be an RFC 3339 timestamp such as 2026-11-21T10:00:00Z.",
                    None,
                )],
            ))
        })
}

/// `scheme://host` of the request, for the links the mock hands out.
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// The prices of a listing on a marketplace: converted from the seller's currency on
/// `EBAY_US` for sellers abroad.
pub fn priced_for(
    catalogue: &QueryCatalogue,
    mut listing: Listing,
    marketplace: &Marketplace,
    at: i64,
) -> Listing {
    if marketplace.id == "EBAY_US" {
        catalogue.convert_to_usd(&mut listing, at);
    }
    listing
}

/// eBay's `ConvertedAmount`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountOut {
    value: String,
    currency: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    converted_from_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    converted_from_currency: Option<&'static str>,
}

/// An amount with two decimals, as eBay writes them.
pub fn money(cents: u64, currency: &'static str) -> AmountOut {
    AmountOut {
        value: decimal(cents),
        currency,
        converted_from_value: None,
        converted_from_currency: None,
    }
}

/// An amount that may have been converted from `from` (the seller's cents and currency).
pub fn converted_money(
    cents: u64,
    currency: &'static str,
    from: Option<(u64, &'static str)>,
) -> AmountOut {
    AmountOut {
        converted_from_value: from.map(|(cents, _)| decimal(cents)),
        converted_from_currency: from.map(|(_, currency)| currency),
        ..money(cents, currency)
    }
}

fn decimal(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The listing's price, bid and shipping amounts on this marketplace.
pub struct ListingAmounts {
    /// `price`.
    pub price: AmountOut,
    /// `currentBidPrice`, for auctions.
    pub current_bid_price: Option<AmountOut>,
    /// The shipping cost to the buyer; `None` while calculated shipping has no destination.
    pub shipping: Option<AmountOut>,
}

/// Builds the amounts of a (possibly converted) listing shipped as `quote` says.
pub fn listing_amounts(
    listing: &Listing,
    marketplace: &Marketplace,
    quote: &Quote,
) -> ListingAmounts {
    let currency = marketplace.currency;
    let from = listing.converted_from.as_ref();
    ListingAmounts {
        price: converted_money(
            listing.price_cents,
            currency,
            from.map(|f| (f.price_cents, f.currency)),
        ),
        current_bid_price: listing.bid_cents.map(|cents| {
            converted_money(
                cents,
                currency,
                from.and_then(|f| f.bid_cents.map(|c| (c, f.currency))),
            )
        }),
        shipping: quote.cost_cents.map(|cents| {
            converted_money(
                shipping_cents(listing, quote),
                currency,
                from.map(|f| (cents, f.currency)),
            )
        }),
    }
}

/// eBay's `MarketingPrice`: the price before the seller's markdown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketingPriceOut {
    original_price: AmountOut,
    discount_percentage: String,
    discount_amount: AmountOut,
    price_treatment: &'static str,
}

/// The markdown of a listing, if its seller discounted it.
pub fn marketing_price(
    catalogue: &QueryCatalogue,
    listing: &Listing,
    marketplace: &Marketplace,
) -> Option<MarketingPriceOut> {
    let percent = u64::from(catalogue.markdown_percent(listing)?);
    let original = (listing.price_cents * 100).div_ceil(100 - percent);
    Some(MarketingPriceOut {
        original_price: money(original, marketplace.currency),
        discount_percentage: percent.to_string(),
        discount_amount: money(original - listing.price_cents, marketplace.currency),
        price_treatment: if listing.seed.is_multiple_of(2) {
            "LIST_PRICE"
        } else {
            "MARKDOWN"
        },
    })
}

/// eBay's `Seller` (summary form).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SellerOut {
    username: String,
    feedback_percentage: String,
    feedback_score: u64,
}

impl SellerOut {
    /// The seller of a listing.
    pub fn of(detail: &ListingDetail) -> Self {
        Self {
            username: detail.seller_username.clone(),
            feedback_percentage: detail.seller_feedback_percentage.clone(),
            feedback_score: detail.seller_feedback_score,
        }
    }
}

/// eBay's `Image`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageOut {
    image_url: String,
}

impl ImageOut {
    /// A picture at `url`.
    pub fn new(url: &str) -> Self {
        Self {
            image_url: url.to_owned(),
        }
    }
}

/// eBay's `ItemLocationImpl`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationOut {
    postal_code: String,
    country: &'static str,
}

impl LocationOut {
    /// Where a listing's item is: the marketplace's country, or the seller's own for sellers
    /// abroad (whose prices `EBAY_US` converts).
    pub fn of(
        detail: &ListingDetail,
        catalogue: &QueryCatalogue,
        listing: &Listing,
        marketplace: &Marketplace,
    ) -> Self {
        Self {
            postal_code: detail.postal_code.clone(),
            country: catalogue.origin_country(listing, marketplace.country),
        }
    }
}

/// A delivery date `days` days after the day of `at`, as eBay writes estimated delivery
/// dates (a day, at a fixed hour in UTC).
pub fn delivery_date(at: i64, days: i64) -> String {
    const DAY: i64 = 86_400;
    timestamp((at.div_euclid(DAY) + days) * DAY + 7 * 3_600)
}

/// eBay's `Category`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryOut {
    category_id: &'static str,
    category_name: &'static str,
}

/// The query's categories, leaf first.
pub fn categories(catalogue: &QueryCatalogue) -> Vec<CategoryOut> {
    catalogue
        .categories()
        .iter()
        .map(|(category_id, category_name)| CategoryOut {
            category_id,
            category_name,
        })
        .collect()
}

/// The listing's page on the marketplace's web site.
pub fn web_url(listing: &Listing, marketplace: &Marketplace) -> String {
    format!(
        "https://{}/itm/{}",
        marketplace.web_host, listing.item_number
    )
}

/// The same page with eBay Partner Network tracking; without a campaign in the request eBay
/// leaves its placeholders in, as in its own samples.
pub fn affiliate_web_url(listing: &Listing, marketplace: &Marketplace) -> Option<String> {
    let rotation = marketplace.affiliate_rotation?;
    Some(format!(
        "https://{}/itm/{}?mkevt=1&mkcid=1&mkrid={rotation}&campid=%253CePNCampaignId%253E&customid=%253CreferenceId%253E&toolid=10049",
        marketplace.web_host, listing.item_number
    ))
}

/// The listing's `getItem` URL, as eBay's `itemHref` gives it.
pub fn item_href(req: &HttpRequest, listing: &Listing) -> String {
    format!(
        "{}/buy/browse/v1/item/v1%7C{}%7C0",
        base_url(req),
        listing.item_number
    )
}

/// The end date eBay shows: auctions always, fixed-price listings only with a set duration.
pub fn visible_end_date(listing: &Listing) -> Option<String> {
    (listing.options.auction || listing.fixed_duration).then(|| timestamp(listing.end))
}

/// An RFC 3339 UTC timestamp with milliseconds, as eBay writes them.
pub fn timestamp(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}
