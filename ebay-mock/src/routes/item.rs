//! `GET /buy/browse/v1/item/{item_id}` (eBay's `getItem`): one listing a search has shown,
//! recomputed from the same catalogue at the request's time, so its price has drifted exactly
//! as search shows it (condition, bid and, for the same `X-EBAY-C-ENDUSERCTX`, shipping). A
//! listing that has ended since, or an id the mock never showed, is a 404 with eBay's error
//! 11001.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::catalogue::{Listing, QueryCatalogue};
use crate::ebay_error::{ids, invalid_token, item_not_found};
use crate::routes::browse::{
    self, AmountOut, ImageOut, LocationOut, MarketingPriceOut, Marketplace, money, timestamp,
};
use crate::shipping::Destination;
use crate::state::{Endpoint, MockState};

/// The path, with eBay's RESTful item id (`v1|123456789012|0`, escaped as `v1%7C…`).
pub const ITEM_PATH: &str = "/buy/browse/v1/item/{item_id}";

/// Configures the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(ITEM_PATH, web::get().to(get_item));
}

/// eBay's `Item`, with the fields the mock fills.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody {
    item_id: String,
    title: String,
    short_description: String,
    price: AmountOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_bid_price: Option<AmountOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bid_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum_price_to_bid: Option<AmountOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_bidder_count: Option<u32>,
    category_path: String,
    category_id_path: String,
    category_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_id: Option<String>,
    item_location: LocationOut,
    image: ImageOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    marketing_price: Option<MarketingPriceOut>,
    item_creation_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_end_date: Option<String>,
    seller: SellerDetailOut,
    estimated_availabilities: Vec<AvailabilityOut>,
    shipping_options: Vec<ShippingOptionOut>,
    buying_options: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lot_size: Option<u32>,
    item_web_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_affiliate_web_url: Option<String>,
    legacy_item_id: String,
    listing_marketplace_id: &'static str,
    enabled_for_guest_checkout: bool,
    eligible_for_inline_checkout: bool,
    adult_only: bool,
}

/// eBay's `SellerDetail`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SellerDetailOut {
    username: String,
    feedback_percentage: String,
    feedback_score: u64,
}

/// eBay's `EstimatedAvailability`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AvailabilityOut {
    delivery_options: Vec<&'static str>,
    estimated_availability_status: &'static str,
    estimated_available_quantity: u32,
    estimated_sold_quantity: u32,
}

/// eBay's `ShippingOption`. Calculated shipping without a destination has only its type.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShippingOptionOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_carrier_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_service_code: Option<&'static str>,
    shipping_cost_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_cost: Option<AmountOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_estimated_delivery_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_estimated_delivery_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity_used_for_estimate: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ship_to_location_used_for_estimate: Option<ShipToLocationOut>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
}

/// eBay's `ShipToLocation`: where the estimate was made for.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShipToLocationOut {
    country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn get_item(
    req: HttpRequest,
    item_id: web::Path<String>,
    state: web::Data<MockState>,
) -> HttpResponse {
    state.count_request(Endpoint::Item);
    let response = respond(&req, &item_id, &state).await;
    state.count_status(Endpoint::Item, response.status().as_u16());
    response
}

/// The legacy item number inside `v1|<number>|<variation>`.
fn item_number(item_id: &str) -> Option<u64> {
    let mut parts = item_id.split('|');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(number), Some(_variation), None) => number.parse().ok(),
        _ => None,
    }
}

async fn respond(req: &HttpRequest, item_id: &str, state: &MockState) -> HttpResponse {
    if let Some(fault) =
        browse::injected_fault(req, state, Endpoint::Item, ids::ITEM_INTERNAL).await
    {
        return fault;
    }
    if !browse::authorised(req, state) {
        return invalid_token();
    }
    let marketplace = match browse::resolve_marketplace(req) {
        Ok(marketplace) => marketplace,
        Err(response) => return *response,
    };
    let at = match browse::request_time(req, state) {
        Ok(at) => at.timestamp(),
        Err(response) => return *response,
    };
    let Some(number) = item_number(item_id) else {
        return item_not_found(item_id);
    };
    let Some(origin) = state.item_origin(number) else {
        return item_not_found(item_id);
    };
    let catalogue = QueryCatalogue::new(&origin.query);
    // The slot now holds the same listing only while that listing is live; after it ends the
    // slot moves on to its next listing (or stays empty for a while).
    let Some(listing) = catalogue
        .listing_in_slot(origin.slot, at)
        .filter(|listing| listing.item_number == number)
    else {
        return item_not_found(item_id);
    };
    let listing = browse::priced_for(&catalogue, listing, &marketplace, at);
    let destination = browse::destination(req, &marketplace);
    HttpResponse::Ok().json(item_body(
        &catalogue,
        &listing,
        &marketplace,
        &destination,
        at,
    ))
}

/// eBay's US bid increment for a current bid (in cents): the least a next bid must add.
fn bid_increment_cents(bid_cents: u64) -> u64 {
    match bid_cents {
        0..100 => 5,
        100..500 => 25,
        500..2_500 => 50,
        2_500..10_000 => 100,
        10_000..25_000 => 250,
        25_000..50_000 => 500,
        50_000..100_000 => 1_000,
        100_000..250_000 => 2_500,
        250_000..500_000 => 5_000,
        _ => 10_000,
    }
}

fn item_body(
    catalogue: &QueryCatalogue,
    listing: &Listing,
    marketplace: &Marketplace,
    destination: &Destination,
    at: i64,
) -> ItemBody {
    let detail = catalogue.detail(listing);
    let quote = browse::shipping_quote(catalogue, listing, marketplace, destination);
    let amounts = browse::listing_amounts(listing, marketplace, &quote);
    let estimated = quote.cost_cents.is_some();
    let categories = catalogue.categories();
    let top_down = || categories.iter().rev();
    let available = if listing.options.auction {
        1
    } else {
        u32::try_from(1 + listing.seed % 12).unwrap_or(1)
    };
    ItemBody {
        item_id: format!("v1|{}|0", listing.item_number),
        short_description: format!("{}. Ships quickly and packed with care.", detail.title),
        title: detail.title.clone(),
        price: amounts.price,
        current_bid_price: amounts.current_bid_price,
        bid_count: listing.options.auction.then_some(listing.bid_count),
        // Without bids, the opening bid; after that, the current bid plus eBay's increment.
        minimum_price_to_bid: listing
            .bid_cents
            .filter(|_| listing.options.auction)
            .map(|bid| {
                let minimum = if listing.bid_count == 0 {
                    bid
                } else {
                    bid + bid_increment_cents(bid)
                };
                money(minimum, marketplace.currency)
            }),
        unique_bidder_count: listing
            .options
            .auction
            .then(|| listing.bid_count.div_ceil(2).min(listing.bid_count)),
        category_path: top_down().map(|c| c.1).collect::<Vec<_>>().join("|"),
        category_id_path: top_down().map(|c| c.0).collect::<Vec<_>>().join("|"),
        category_id: categories.first().map(|c| c.0).unwrap_or("0"),
        condition: detail.condition_name,
        condition_id: listing.condition_id.map(|id| id.to_string()),
        item_location: LocationOut::of(&detail, catalogue, listing, marketplace),
        image: ImageOut::new(&detail.image_url),
        marketing_price: browse::marketing_price(catalogue, listing, marketplace),
        item_creation_date: timestamp(listing.start),
        item_end_date: browse::visible_end_date(listing),
        seller: SellerDetailOut {
            username: detail.seller_username.clone(),
            feedback_percentage: detail.seller_feedback_percentage.clone(),
            feedback_score: detail.seller_feedback_score,
        },
        estimated_availabilities: vec![AvailabilityOut {
            delivery_options: vec!["SHIP_TO_HOME"],
            estimated_availability_status: "IN_STOCK",
            estimated_available_quantity: available,
            estimated_sold_quantity: u32::try_from(listing.seed % 40).unwrap_or(0),
        }],
        shipping_options: vec![ShippingOptionOut {
            shipping_carrier_code: estimated.then_some(quote.carrier),
            shipping_service_code: estimated.then_some(quote.service),
            shipping_cost_type: quote.cost_type,
            shipping_cost: amounts.shipping,
            min_estimated_delivery_date: quote.days.map(|(min, _)| browse::delivery_date(at, min)),
            max_estimated_delivery_date: quote.days.map(|(_, max)| browse::delivery_date(at, max)),
            quantity_used_for_estimate: estimated.then_some(1),
            // eBay: "If the header is not submitted, marketplace is used."
            ship_to_location_used_for_estimate: estimated.then(|| ShipToLocationOut {
                country: destination.country.clone(),
                postal_code: destination.postal_code.clone(),
            }),
            kind: estimated.then_some(quote.kind),
        }],
        buying_options: listing.options.names(),
        lot_size: (listing.lot > 1).then_some(listing.lot),
        item_web_url: browse::web_url(listing, marketplace),
        item_affiliate_web_url: browse::affiliate_web_url(listing, marketplace),
        legacy_item_id: listing.item_number.to_string(),
        listing_marketplace_id: marketplace.id,
        enabled_for_guest_checkout: true,
        eligible_for_inline_checkout: !listing.options.auction,
        adult_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_restful_item_ids_carry_an_item_number() {
        let cases = [
            ("v1|123456789012|0", Some(123_456_789_012)),
            ("v1|385462201428|653317790198", Some(385_462_201_428)),
            ("123456789012", None),
            ("v1|abc|0", None),
            ("v2|123|0", None),
            ("v1|123|0|9", None),
        ];
        for (id, expected) in cases {
            assert_eq!(item_number(id), expected, "{id}");
        }
    }
}
