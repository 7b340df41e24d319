//! The boundary to eBay: which query an alert needs, the SDK client, and eBay's item summaries
//! turned into our [`Listing`]s (eBay's DTOs go no further than this module).

use ebay_sdk::{BuyingOption, EbayClient, PriceRange, SearchRequest, SortOrder};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::str::FromStr;

use crate::db::entities::alert;
use crate::domain::{AlertDraft, BuyingOptions, ConditionGroup, Conditions, PriceBasis};
use crate::runner::matching::Listing;

/// A stable key for "the same eBay search": normalised phrase, every filter sent to eBay
/// (prices as sent, condition groups, buying format, excluded sellers) and the delivery
/// location (shipping costs depend on it). Alerts with equal keys share one call per cycle;
/// what each alert filters in our code (excluded words, feedback) stays out, so more share.
pub fn query_key(draft: &AlertDraft, country: Option<&str>, postal_code: Option<&str>) -> String {
    let price = |p: Option<crate::domain::Price>| p.map(|p| p.to_canonical()).unwrap_or_default();
    let basis = draft.refinements.price_basis;
    // With shipping, the minimum is checked on the total in our code (see `search_request`).
    let min = match basis {
        PriceBasis::Item => price(draft.prices.min_price),
        PriceBasis::WithShipping => String::new(),
    };
    let canonical = [
        draft.search_phrase.normalised(),
        min,
        price(draft.prices.max_price),
        draft.prices.currency.as_str().to_owned(),
        draft.conditions.to_stored(),
        draft.buying_options.as_str().to_owned(),
        draft.refinements.exclude_sellers.as_slice().join(","),
        country.unwrap_or_default().to_owned(),
        postal_code.unwrap_or_default().to_owned(),
    ]
    .join("\u{1f}");
    Sha256::digest(canonical.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The Browse API request for an alert: newest listings first, so "new to you" sees new
/// listings before anything else.
pub fn search_request(alert: &alert::Model, limit: u32, marketplace: &str) -> SearchRequest {
    let price = |p: &Option<String>| p.as_deref().and_then(|v| Decimal::from_str(v).ok());
    let mut request = SearchRequest::new(alert.normalised_phrase.clone())
        .with_sort(SortOrder::NewlyListed)
        .with_limit(limit)
        .with_marketplace(marketplace.to_owned());
    // eBay filters on the item price. That is right for a maximum on either basis (a total is
    // never below its item price) but would wrongly drop a listing whose total reaches the
    // minimum only with shipping: with shipping, the minimum is checked in our code.
    let basis = PriceBasis::parse(&alert.price_basis).unwrap_or_default();
    let min = match basis {
        PriceBasis::Item => price(&alert.min_price),
        PriceBasis::WithShipping => None,
    };
    let max = price(&alert.max_price);
    if min.is_some() || max.is_some() {
        request = request.with_price(PriceRange::new(min, max, alert.currency.clone()));
    }
    let conditions = Conditions::parse_stored(&alert.conditions).unwrap_or_default();
    if !conditions.is_all() {
        request = request.with_condition_ids(condition_ids(&conditions));
    }
    request = match BuyingOptions::parse(&alert.buying_options).unwrap_or_default() {
        BuyingOptions::FixedPrice => request.with_buying_options([BuyingOption::FixedPrice]),
        BuyingOptions::Auction => request.with_buying_options([BuyingOption::Auction]),
        BuyingOptions::Any => {
            request.with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
        }
    };
    let sellers: Vec<String> = serde_json::from_str(&alert.exclude_sellers).unwrap_or_default();
    if !sellers.is_empty() {
        request = request.with_exclude_sellers(sellers);
    }
    if let Some(country) = &alert.delivery_country {
        request =
            request.with_delivery_location(country.clone(), alert.delivery_postal_code.clone());
    }
    request
}

/// eBay's condition ids of the wanted groups.
fn condition_ids(conditions: &Conditions) -> Vec<u32> {
    ebay_sdk::ConditionGroup::ALL
        .into_iter()
        .filter(|g| conditions.groups().any(|ours| ours.as_str() == g.as_str()))
        .flat_map(|g| g.condition_ids().iter().copied())
        .collect()
}

/// Our group of an eBay condition id, by eBay's own table.
fn group_of(condition_id: u32) -> Option<ConditionGroup> {
    ConditionGroup::parse(ebay_sdk::condition_group(condition_id).as_str()).ok()
}

/// The client, sharing its OAuth token with every replica through Redis when there is one.
pub fn client(
    config: ebay_sdk::EbayConfig,
    redis: Option<(redis::aio::ConnectionManager, &str)>,
) -> Result<EbayClient, ebay_sdk::EbayError> {
    match redis {
        Some((conn, prefix)) => EbayClient::with_shared_token_cache(config, conn, prefix),
        None => EbayClient::new(config),
    }
}

/// One eBay item summary as a [`Listing`]; `None` for an item without a price, which no alert
/// can match. An auction's price is its current bid. A price without a currency is taken to be
/// in the alert's currency.
pub fn listing(item: ebay_sdk::ItemSummary, alert_currency: &str) -> Option<Listing> {
    let is_auction = item.offers("AUCTION") && !item.offers("FIXED_PRICE");
    let price = if is_auction {
        item.current_bid_price
            .clone()
            .or_else(|| item.price.clone())?
    } else {
        item.price.clone()?
    };
    let condition_id = item
        .condition_id
        .as_deref()
        .and_then(|id| id.trim().parse::<u32>().ok());
    Some(Listing {
        shipping: item.shipping_cost().map(|a| a.value),
        item_url: item.item_web_url.clone().unwrap_or_else(|| {
            format!(
                "https://www.ebay.com/itm/{}",
                item.legacy_item_id().unwrap_or(&item.item_id)
            )
        }),
        image_url: item.image.as_ref().and_then(|i| i.image_url.clone()),
        seller: item.seller.as_ref().and_then(|s| s.username.clone()),
        // A seller nobody has rated yet comes with "0.0" %: unknown, not 0 % positive (a
        // feedback floor still leaves them out; the email says "no feedback yet").
        seller_feedback_percent: item
            .seller
            .as_ref()
            .filter(|s| s.feedback_score != Some(0))
            .and_then(|s| s.feedback_percentage),
        seller_feedback_score: item.seller.as_ref().and_then(|s| s.feedback_score),
        condition_id,
        condition_group: condition_id.and_then(group_of),
        bid_count: item.bid_count,
        ends_at: item.item_end_date,
        listed_at: item.item_creation_date.or(item.item_origin_date),
        item_id: item.item_id,
        title: item.title,
        condition: item.condition,
        price: price.value,
        currency: if price.currency.is_empty() {
            alert_currency.to_owned()
        } else {
            price.currency
        },
        buying_options: item.buying_options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(body: serde_json::Value) -> AlertDraft {
        AlertDraft::parse(&body).unwrap()
    }

    fn key(body: serde_json::Value) -> String {
        query_key(&draft(body), None, None)
    }

    #[test]
    fn alerts_that_search_the_same_thing_share_a_key() {
        let a =
            json!({"search_phrase": "LEGO  42100", "frequency_minutes": 10, "max_price": "450"});
        let same = [
            json!({"search_phrase": "lego 42100", "frequency_minutes": 60, "max_price": "450.00", "paused": true}),
            // Filters applied in our code do not split the search.
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "exclude_words": ["lot"], "min_seller_feedback_percent": 99}),
            // With shipping, the minimum is not sent to eBay.
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "min_price": "10"}),
        ];
        for other in same {
            assert_eq!(key(a.clone()), key(other.clone()), "{other}");
        }
        let different = [
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "451"}),
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "condition": "new"}),
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "conditions": ["new", "open_box", "refurbished", "used", "for_parts"]}),
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "exclude_sellers": ["x"]}),
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "min_price": "10", "price_basis": "item"}),
        ];
        for other in different {
            assert_ne!(key(a.clone()), key(other.clone()), "{other}");
        }
        let d = draft(a);
        assert_ne!(
            query_key(&d, None, None),
            query_key(&d, Some("US"), Some("94105"))
        );
        assert_ne!(
            query_key(&d, Some("US"), Some("94105")),
            query_key(&d, Some("US"), Some("10001"))
        );
    }

    #[test]
    fn a_seller_nobody_has_rated_has_no_feedback_percent_not_zero() {
        // (feedbackPercentage, feedbackScore, percent kept)
        let cases = [
            (json!("0.0"), json!(0), None),
            (
                json!("99.5"),
                json!(1200),
                Some(rust_decimal::Decimal::new(995, 1)),
            ),
            (json!("0.0"), json!(3), Some(rust_decimal::Decimal::ZERO)),
        ];
        for (percent, score, expected) in cases {
            let item: ebay_sdk::ItemSummary = serde_json::from_value(json!({
                "itemId": "v1|1|0",
                "title": "x",
                "price": {"value": "10.00", "currency": "USD"},
                "buyingOptions": ["FIXED_PRICE"],
                "seller": {"username": "s", "feedbackPercentage": percent, "feedbackScore": score}
            }))
            .unwrap();
            let l = listing(item, "USD").unwrap();
            assert_eq!(l.seller_feedback_percent, expected, "{percent} {score}");
            assert_eq!(l.seller_feedback_score, score.as_i64());
        }
    }
}
