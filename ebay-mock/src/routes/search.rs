//! `GET /buy/browse/v1/item_summary/search`: the deterministic catalogue behind eBay's shapes,
//! with eBay's documented parameter rules: limit 1..=200 (12006, 12007), offset 0..=9,999
//! (12004, 12005, 12029) and a multiple of an explicit limit (12515), an unknown sort or an
//! unusable filter ignored with a warning (12008, 12002, 12012). Shipping costs are the
//! buyer's when `X-EBAY-C-ENDUSERCTX` says where the buyer is.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::catalogue::{Listing, QueryCatalogue, normalise_query};
use crate::ebay_error::{ErrorEntry, bad_request, ids, invalid_token};
use crate::filter::SearchFilter;
use crate::routes::browse::{
    self, AmountOut, CategoryOut, ImageOut, LocationOut, MarketingPriceOut, Marketplace, SellerOut,
    timestamp,
};
use crate::shipping::Destination;
use crate::state::{Endpoint, MockState};

/// The search path.
pub const SEARCH_PATH: &str = "/buy/browse/v1/item_summary/search";

/// The marketplace header.
pub use crate::routes::browse::MARKETPLACE_HEADER;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
/// eBay serves the first 10,000 results of a search, so offsets stop at 9,999.
const MAX_OFFSET: i64 = 9_999;

/// Configures the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(SEARCH_PATH, web::get().to(search));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    BestMatch,
    Price,
    PriceDescending,
    NewlyListed,
    EndingSoonest,
    Distance,
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

/// eBay's `ItemSummary`, with the fields the mock fills.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemOut {
    item_id: String,
    title: String,
    leaf_category_ids: Vec<&'static str>,
    categories: Vec<CategoryOut>,
    price: AmountOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_bid_price: Option<AmountOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bid_count: Option<u32>,
    item_href: String,
    seller: SellerOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    marketing_price: Option<MarketingPriceOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_id: Option<String>,
    image: ImageOut,
    thumbnail_images: Vec<ImageOut>,
    shipping_options: Vec<ShippingOut>,
    buying_options: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_affiliate_web_url: Option<String>,
    item_web_url: String,
    item_location: LocationOut,
    item_origin_date: String,
    item_creation_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_end_date: Option<String>,
    legacy_item_id: String,
    listing_marketplace_id: &'static str,
}

/// eBay's `ShippingOptionSummary`. Calculated shipping without a destination has only its
/// type: no cost, no delivery window.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShippingOut {
    shipping_cost_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_cost: Option<AmountOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_estimated_delivery_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_estimated_delivery_date: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn search(req: HttpRequest, state: web::Data<MockState>) -> HttpResponse {
    state.count_request(Endpoint::Search);
    let response = respond(&req, &state).await;
    state.count_status(Endpoint::Search, response.status().as_u16());
    response
}

/// The paging parameters, checked in eBay's order and with eBay's error ids.
fn paging(param: &dyn Fn(&str) -> Option<String>) -> Result<(u32, u32), Box<HttpResponse>> {
    let limit_given = param("limit");
    let limit = match limit_given.as_deref().map(str::trim) {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<i64>() {
            Err(_) => {
                return Err(Box::new(bad_request(
                    ids::LIMIT_NOT_INTEGER,
                    "The 'limit' value must be an integer value.",
                    Some(("limit", raw)),
                )));
            }
            Ok(limit) => match u32::try_from(limit) {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
                _ => {
                    return Err(Box::new(bad_request(
                        ids::LIMIT_OUT_OF_RANGE,
                        "The 'limit' value should be between 1 and 200 (inclusive).",
                        Some(("limit", raw)),
                    )));
                }
            },
        },
    };
    let offset = match param("offset").as_deref().map(str::trim) {
        None => 0,
        Some(raw) => match raw.parse::<i64>() {
            Err(_) => {
                return Err(Box::new(bad_request(
                    ids::OFFSET_NOT_INTEGER,
                    "The 'offset' value must be an integer.",
                    Some(("offset", raw)),
                )));
            }
            Ok(offset) if offset < 0 => {
                return Err(Box::new(bad_request(
                    ids::NEGATIVE_OFFSET,
                    "The 'offset' value cannot be negative.",
                    Some(("offset", raw)),
                )));
            }
            Ok(offset) if offset > MAX_OFFSET => {
                return Err(Box::new(bad_request(
                    ids::OFFSET_PAST_WINDOW,
                    "The maximum number of listings that can be retrieved is 10,000, so your offset value must be less than 10,000. If 10,000 or more listings are matching your search criteria, consider narrowing the scope of your search.",
                    Some(("offset", raw)),
                )));
            }
            Ok(offset) => u32::try_from(offset).unwrap_or(0),
        },
    };
    // eBay: "If a value is set in the limit field, the value of offset must be either zero or
    // a multiple of the limit value."
    if limit_given.is_some() && !offset.is_multiple_of(limit) {
        return Err(Box::new(bad_request(
            ids::OFFSET_NOT_MULTIPLE_OF_LIMIT,
            "The 'offset' value must be either zero or a multiple of the 'limit' value.",
            Some(("offset", &offset.to_string())),
        )));
    }
    Ok((limit, offset))
}

async fn respond(req: &HttpRequest, state: &MockState) -> HttpResponse {
    if let Some(fault) = browse::injected_fault(req, state, Endpoint::Search, ids::INTERNAL).await {
        return fault;
    }
    if !browse::authorised(req, state) {
        return invalid_token();
    }
    let marketplace = match browse::resolve_marketplace(req) {
        Ok(marketplace) => marketplace,
        Err(response) => return *response,
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
            .map(|(_, value)| value.clone())
    };

    let query = normalise_query(param("q").as_deref().unwrap_or(""));
    if query.is_empty() {
        return bad_request(
            ids::MISSING_QUERY,
            "The call must have a valid 'q', 'category_ids', 'epid' or 'gtin' query parameter.",
            Some(("q", param("q").as_deref().unwrap_or(""))),
        );
    }
    let (limit, offset) = match paging(&param) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let mut warnings = Vec::new();
    let sort = match param("sort").as_deref().map(str::trim) {
        None | Some("") => Sort::BestMatch,
        Some("price") => Sort::Price,
        Some("-price") => Sort::PriceDescending,
        Some("newlyListed") => Sort::NewlyListed,
        Some("endingSoonest") => Sort::EndingSoonest,
        Some("distance") => Sort::Distance,
        Some(other) => {
            // eBay ignores an unknown sort with a warning and returns best match.
            warnings.push(ErrorEntry::invalid_sort(other));
            Sort::BestMatch
        }
    };
    let filter = match param("filter") {
        Some(raw) => {
            let (filter, filter_warnings) = SearchFilter::parse(&raw);
            warnings.extend(filter_warnings);
            filter
        }
        None => SearchFilter::default(),
    };
    let at = match browse::request_time(req, state) {
        Ok(at) => at.timestamp(),
        Err(response) => return *response,
    };

    let destination = browse::destination(req, &marketplace);
    let catalogue = QueryCatalogue::new(&query);
    let mut listings: Vec<Listing> = catalogue
        .listings_at(at)
        .into_iter()
        .map(|listing| browse::priced_for(&catalogue, listing, &marketplace, at))
        .filter(|listing| filter.matches(listing, |index| catalogue.seller_username(index)))
        .collect();
    sort_listings(&mut listings, sort, |listing| {
        let quote = browse::shipping_quote(&catalogue, listing, &marketplace, &destination);
        browse::shipping_cents(listing, &quote)
    });

    let total = listings.len();
    let shown: Vec<&Listing> = listings
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    state.remember_items(
        &query,
        shown
            .iter()
            .map(|listing| (listing.item_number, listing.slot)),
    );
    let page: Vec<ItemOut> = shown
        .into_iter()
        .map(|listing| item_out(&catalogue, listing, req, &marketplace, &destination, at))
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

/// Orders the listings; `shipping_cents` is what shipping costs the buyer (for the price
/// sorts, which eBay orders by price plus shipping).
fn sort_listings(listings: &mut [Listing], sort: Sort, shipping_cents: impl Fn(&Listing) -> u64) {
    match sort {
        Sort::BestMatch => listings.sort_by_key(|l| (l.relevance, l.item_number)),
        Sort::Price => {
            listings.sort_by_cached_key(|l| (l.price_cents + shipping_cents(l), l.item_number));
        }
        Sort::PriceDescending => listings.sort_by_cached_key(|l| {
            (
                std::cmp::Reverse(l.price_cents + shipping_cents(l)),
                l.item_number,
            )
        }),
        // By itemOriginDate, which the mock's listings share with itemCreationDate.
        Sort::NewlyListed => {
            listings.sort_by_key(|l| (std::cmp::Reverse(l.start), l.item_number));
        }
        Sort::EndingSoonest => listings.sort_by_key(|l| (l.end, l.item_number)),
        // The mock has no buyer location: a stable per-listing distance stands in for it.
        Sort::Distance => listings.sort_by_key(|l| (l.seed % 5_000, l.item_number)),
    }
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
    format!("{}{SEARCH_PATH}?{query}", browse::base_url(req))
}

fn item_out(
    catalogue: &QueryCatalogue,
    listing: &Listing,
    req: &HttpRequest,
    marketplace: &Marketplace,
    destination: &Destination,
    at: i64,
) -> ItemOut {
    let detail = catalogue.detail(listing);
    let quote = browse::shipping_quote(catalogue, listing, marketplace, destination);
    let amounts = browse::listing_amounts(listing, marketplace, &quote);
    let categories = browse::categories(catalogue);
    ItemOut {
        item_href: browse::item_href(req, listing),
        item_id: format!("v1|{}|0", listing.item_number),
        title: detail.title.clone(),
        leaf_category_ids: catalogue.categories().iter().take(1).map(|c| c.0).collect(),
        categories,
        price: amounts.price,
        current_bid_price: amounts.current_bid_price,
        bid_count: listing.options.auction.then_some(listing.bid_count),
        seller: SellerOut::of(&detail),
        marketing_price: browse::marketing_price(catalogue, listing, marketplace),
        condition: detail.condition_name,
        condition_id: listing.condition_id.map(|id| id.to_string()),
        image: ImageOut::new(&detail.image_url),
        thumbnail_images: vec![ImageOut::new(&detail.thumbnail_url)],
        shipping_options: vec![ShippingOut {
            shipping_cost_type: quote.cost_type,
            shipping_cost: amounts.shipping,
            min_estimated_delivery_date: quote.days.map(|(min, _)| browse::delivery_date(at, min)),
            max_estimated_delivery_date: quote.days.map(|(_, max)| browse::delivery_date(at, max)),
        }],
        buying_options: listing.options.names(),
        item_affiliate_web_url: browse::affiliate_web_url(listing, marketplace),
        item_web_url: browse::web_url(listing, marketplace),
        item_location: LocationOut::of(&detail, catalogue, listing, marketplace),
        item_origin_date: timestamp(listing.start),
        item_creation_date: timestamp(listing.start),
        item_end_date: browse::visible_end_date(listing),
        legacy_item_id: listing.item_number.to_string(),
        listing_marketplace_id: marketplace.id,
    }
}
