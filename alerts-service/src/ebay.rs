//! The boundary to eBay: which query an alert needs, the SDK client, and eBay's item summaries
//! turned into our [`Listing`]s (eBay's DTOs go no further than this module).

use ebay_sdk::{
    BuyingOption, Condition as EbayCondition, EbayClient, PriceRange, SearchRequest, SortOrder,
};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::str::FromStr;

use crate::db::entities::alert;
use crate::domain::{AlertDraft, BuyingOptions, Condition};
use crate::runner::matching::Listing;

/// A stable key for "the same eBay search": normalised phrase plus every filter. Alerts with
/// equal keys share one call per cycle.
pub fn query_key(draft: &AlertDraft) -> String {
    let price = |p: Option<crate::domain::Price>| p.map(|p| p.to_canonical()).unwrap_or_default();
    let canonical = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        draft.search_phrase.normalised(),
        price(draft.prices.min_price),
        price(draft.prices.max_price),
        draft.prices.currency.as_str(),
        draft.condition.as_str(),
        draft.buying_options.as_str(),
    );
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
    let (min, max) = (price(&alert.min_price), price(&alert.max_price));
    if min.is_some() || max.is_some() {
        request = request.with_price(PriceRange::new(min, max, alert.currency.clone()));
    }
    match Condition::parse(&alert.condition).unwrap_or_default() {
        Condition::Any => {}
        Condition::New => request = request.with_conditions([EbayCondition::New]),
        Condition::Used => request = request.with_conditions([EbayCondition::Used]),
    }
    request = match BuyingOptions::parse(&alert.buying_options).unwrap_or_default() {
        BuyingOptions::FixedPrice => request.with_buying_options([BuyingOption::FixedPrice]),
        BuyingOptions::Auction => request.with_buying_options([BuyingOption::Auction]),
        BuyingOptions::Any => {
            request.with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
        }
    };
    request
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
/// can match. A price without a currency is taken to be in the alert's currency.
pub fn listing(item: ebay_sdk::ItemSummary, alert_currency: &str) -> Option<Listing> {
    let price = item.price.clone()?;
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

    #[test]
    fn alerts_that_search_the_same_thing_share_a_key() {
        let a = draft(
            json!({"search_phrase": "LEGO  42100", "frequency_minutes": 10, "max_price": "450"}),
        );
        let b = draft(
            json!({"search_phrase": "lego 42100", "frequency_minutes": 60, "max_price": "450.00", "paused": true}),
        );
        let c = draft(
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "451"}),
        );
        let d = draft(
            json!({"search_phrase": "lego 42100", "frequency_minutes": 10, "max_price": "450", "condition": "new"}),
        );
        assert_eq!(
            query_key(&a),
            query_key(&b),
            "frequency and pause do not change the search"
        );
        assert_ne!(query_key(&a), query_key(&c));
        assert_ne!(query_key(&a), query_key(&d));
    }
}
