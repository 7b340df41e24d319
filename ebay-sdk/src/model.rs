//! Response DTOs of `item_summary/search` and `item/{item_id}`, tolerant of absent fields,
//! new ones, and single odd listings.
//!
//! eBay adds fields over time and omits most of them when empty, so every field that eBay
//! documents as optional is an `Option` or a defaulted `Vec`, unknown fields are ignored, and
//! `null` is treated like absence. Every field of eBay's `ConvertedAmount` is optional too: an
//! amount without a `value` reads as no amount at all. A listing that still cannot be read
//! (a price that is not a number, no `itemId`) is left out of its page and reported in
//! [`SearchResponse::skipped_items`] instead of failing the whole page.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiErrorDetail;

/// One page of search results (eBay's `SearchPagedCollection`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "WireSearchResponse")]
pub struct SearchResponse {
    /// The URL of this page.
    pub href: Option<String>,
    /// How many listings match in total (across all pages).
    pub total: u64,
    /// The URL of the next page, absent on the last one.
    pub next: Option<String>,
    /// The URL of the previous page, absent on the first one.
    pub prev: Option<String>,
    /// The page size eBay applied.
    pub limit: u32,
    /// The offset of this page's first listing.
    pub offset: u32,
    /// Soft problems eBay reported with a 200, e.g. an ignored filter. Callers should surface
    /// them: a silently ignored price filter means unexpected results.
    #[serde(deserialize_with = "null_as_default")]
    pub warnings: Vec<ApiErrorDetail>,
    /// The listings on this page (empty when eBay omits the field, as it does for no hits).
    pub item_summaries: Vec<ItemSummary>,
    /// Listings of this page that could not be read and were left out, with why. eBay's own
    /// data is sometimes odd (a price that is not a number); one such listing must not cost
    /// the rest of the page.
    #[serde(skip)]
    pub skipped_items: Vec<SkippedItem>,
}

/// A listing left out of a page because the SDK could not read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkippedItem {
    /// Its `itemId`, when it had a readable one.
    pub item_id: Option<String>,
    /// What was wrong with it.
    pub reason: String,
}

/// The page as it comes off the wire: listings stay raw JSON so each one is decoded on its
/// own and a bad one is skipped rather than failing the page.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireSearchResponse {
    href: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    total: u64,
    next: Option<String>,
    prev: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    limit: u32,
    #[serde(deserialize_with = "null_as_default")]
    offset: u32,
    #[serde(deserialize_with = "null_as_default")]
    warnings: Vec<ApiErrorDetail>,
    #[serde(deserialize_with = "null_as_default")]
    item_summaries: Vec<serde_json::Value>,
}

impl From<WireSearchResponse> for SearchResponse {
    fn from(wire: WireSearchResponse) -> Self {
        let mut item_summaries = Vec::with_capacity(wire.item_summaries.len());
        let mut skipped_items = Vec::new();
        for raw in wire.item_summaries {
            let item_id = raw
                .get("itemId")
                .and_then(serde_json::Value::as_str)
                .filter(|id| !id.trim().is_empty())
                .map(str::to_owned);
            match (serde_json::from_value::<ItemSummary>(raw), item_id) {
                (Ok(item), Some(_)) => item_summaries.push(item),
                (Ok(_), None) => skipped_items.push(SkippedItem {
                    item_id: None,
                    reason: "the listing has no itemId".to_owned(),
                }),
                (Err(error), item_id) => skipped_items.push(SkippedItem {
                    item_id,
                    reason: error.to_string(),
                }),
            }
        }
        Self {
            href: wire.href,
            total: wire.total,
            next: wire.next,
            prev: wire.prev,
            limit: wire.limit,
            offset: wire.offset,
            warnings: wire.warnings,
            item_summaries,
            skipped_items,
        }
    }
}

/// One listing in a search result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ItemSummary {
    /// eBay's RESTful item id, e.g. `v1|123456789012|0`.
    pub item_id: String,
    /// The listing title.
    pub title: String,
    /// The asking price (for an auction, the current bid). On some marketplaces eBay states
    /// it converted from the seller's currency; see [`Amount::converted_from`].
    #[serde(deserialize_with = "optional_amount")]
    pub price: Option<Amount>,
    /// The current bid of an auction.
    #[serde(deserialize_with = "optional_amount")]
    pub current_bid_price: Option<Amount>,
    /// Number of bids on an auction.
    pub bid_count: Option<u32>,
    /// Shipping offers; see [`ItemSummary::shipping_cost`].
    #[serde(deserialize_with = "null_as_default")]
    pub shipping_options: Vec<ShippingOption>,
    /// The condition as text, e.g. `New` or `Used`.
    pub condition: Option<String>,
    /// eBay's numeric condition id as a string, e.g. `1000` (new) or `3000` (used).
    pub condition_id: Option<String>,
    /// `FIXED_PRICE`, `AUCTION`, `BEST_OFFER`, ...
    #[serde(deserialize_with = "null_as_default")]
    pub buying_options: Vec<String>,
    /// The primary picture.
    pub image: Option<Image>,
    /// Larger pictures of the primary image, when eBay sends them.
    #[serde(deserialize_with = "null_as_default")]
    pub thumbnail_images: Vec<Image>,
    /// The listing's page on eBay's web site.
    pub item_web_url: Option<String>,
    /// The same page with eBay Partner Network tracking, on marketplaces that have it.
    pub item_affiliate_web_url: Option<String>,
    /// The listing's URL in the Browse API ([`crate::EbayClient::get_item`] reads it).
    pub item_href: Option<String>,
    /// The seller.
    pub seller: Option<Seller>,
    /// When the item was first listed; eBay's `newlyListed` sort orders by it.
    pub item_origin_date: Option<DateTime<Utc>>,
    /// When this listing went live (later than the origin date for a relisted item).
    pub item_creation_date: Option<DateTime<Utc>>,
    /// When the listing ends: auctions, and the rare fixed-price listing with a set duration.
    pub item_end_date: Option<DateTime<Utc>>,
    /// Where the item is, when eBay says.
    pub item_location: Option<ItemLocation>,
    /// eBay's legacy (Trading API) item number, e.g. `123456789012`; see
    /// [`ItemSummary::legacy_item_id`] for a fallback when eBay omits it.
    pub legacy_item_id: Option<String>,
    /// The categories the listing is in, leaf first.
    #[serde(deserialize_with = "null_as_default")]
    pub categories: Vec<Category>,
    /// The seller's markdown, when the price is discounted from an earlier one.
    pub marketing_price: Option<MarketingPrice>,
    /// The marketplace the listing was made on, e.g. `EBAY_US`.
    pub listing_marketplace_id: Option<String>,
}

impl ItemSummary {
    /// The cheapest shipping cost offered, if any option states one.
    pub fn shipping_cost(&self) -> Option<&Amount> {
        self.shipping_options
            .iter()
            .filter_map(|option| option.shipping_cost.as_ref())
            .min_by(|a, b| a.value.cmp(&b.value))
    }

    /// Whether the listing offers the given buying option (e.g. `AUCTION`).
    pub fn offers(&self, buying_option: &str) -> bool {
        self.buying_options
            .iter()
            .any(|option| option.eq_ignore_ascii_case(buying_option))
    }

    /// The legacy item number: eBay's `legacyItemId`, or else the number inside the
    /// `v1|<legacy id>|<variation>` item id.
    pub fn legacy_item_id(&self) -> Option<&str> {
        legacy_id(self.legacy_item_id.as_deref(), &self.item_id)
    }
}

/// A listing as `getItem` (`GET /buy/browse/v1/item/{item_id}`) describes it: the fields of a
/// search result the SDK uses plus the listing's state (ended or still for sale).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Item {
    /// eBay's RESTful item id, e.g. `v1|123456789012|0`.
    pub item_id: String,
    /// The listing title.
    pub title: String,
    /// The asking price (for an auction, the current bid).
    #[serde(deserialize_with = "optional_amount")]
    pub price: Option<Amount>,
    /// The current bid of an auction.
    #[serde(deserialize_with = "optional_amount")]
    pub current_bid_price: Option<Amount>,
    /// Number of bids on an auction.
    pub bid_count: Option<u32>,
    /// `FIXED_PRICE`, `AUCTION`, `BEST_OFFER`, ...
    #[serde(deserialize_with = "null_as_default")]
    pub buying_options: Vec<String>,
    /// The condition as text.
    pub condition: Option<String>,
    /// eBay's numeric condition id as a string.
    pub condition_id: Option<String>,
    /// The primary picture.
    pub image: Option<Image>,
    /// The listing's page on eBay's web site.
    pub item_web_url: Option<String>,
    /// The seller.
    pub seller: Option<Seller>,
    /// When this listing went live.
    pub item_creation_date: Option<DateTime<Utc>>,
    /// When the listing ends or ended.
    pub item_end_date: Option<DateTime<Utc>>,
    /// Where the item is.
    pub item_location: Option<ItemLocation>,
    /// eBay's legacy item number.
    pub legacy_item_id: Option<String>,
    /// The leaf category id.
    pub category_id: Option<String>,
    /// The category names from the top down, separated by `|`.
    pub category_path: Option<String>,
    /// The seller's markdown, if any.
    pub marketing_price: Option<MarketingPrice>,
    /// Shipping offers.
    #[serde(deserialize_with = "null_as_default")]
    pub shipping_options: Vec<ShippingOption>,
    /// How many are left, roughly, and whether it can still be bought.
    #[serde(deserialize_with = "null_as_default")]
    pub estimated_availabilities: Vec<EstimatedAvailability>,
}

impl Item {
    /// The legacy item number: eBay's `legacyItemId`, or the number inside the item id.
    pub fn legacy_item_id(&self) -> Option<&str> {
        legacy_id(self.legacy_item_id.as_deref(), &self.item_id)
    }

    /// Whether eBay still sells it: not past its end date (when it has one) and not marked
    /// `OUT_OF_STOCK`.
    pub fn is_available(&self, now: DateTime<Utc>) -> bool {
        let ended = self.item_end_date.is_some_and(|end| end <= now);
        let sold_out = self.estimated_availabilities.iter().any(|a| {
            a.estimated_availability_status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("OUT_OF_STOCK"))
        });
        !ended && !sold_out
    }
}

/// One entry of an [`Item`]'s `estimatedAvailabilities`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EstimatedAvailability {
    /// `IN_STOCK`, `LIMITED_STOCK` or `OUT_OF_STOCK`.
    pub estimated_availability_status: Option<String>,
    /// Roughly how many are left.
    pub estimated_available_quantity: Option<u32>,
    /// Roughly how many were sold.
    pub estimated_sold_quantity: Option<u32>,
}

/// A category a listing is in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Category {
    /// eBay's category id, e.g. `9355`.
    pub category_id: Option<String>,
    /// Its name, e.g. `Cell Phones & Smartphones`.
    pub category_name: Option<String>,
}

/// A seller's markdown: the price before it and the discount.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MarketingPrice {
    /// The price before the discount.
    #[serde(deserialize_with = "optional_amount")]
    pub original_price: Option<Amount>,
    /// The discount in percent, e.g. `20` (eBay sends it as a string).
    #[serde(deserialize_with = "optional_decimal_from_string_or_number")]
    pub discount_percentage: Option<Decimal>,
    /// The discount as an amount.
    #[serde(deserialize_with = "optional_amount")]
    pub discount_amount: Option<Amount>,
    /// `LIST_PRICE`, `MARKDOWN`, `MINIMUM_ADVERTISED_PRICE`, ...
    pub price_treatment: Option<String>,
}

fn legacy_id<'a>(legacy_item_id: Option<&'a str>, item_id: &'a str) -> Option<&'a str> {
    if let Some(id) = legacy_item_id.filter(|id| !id.trim().is_empty()) {
        return Some(id);
    }
    let mut parts = item_id.split('|');
    match (parts.next(), parts.next()) {
        (Some("v1"), Some(id)) if !id.is_empty() => Some(id),
        _ => None,
    }
}

/// A money amount (eBay's `ConvertedAmount`). eBay sends `value` as a string (`"19.99"`); it
/// is parsed into an exact decimal, never a float. A JSON number is accepted as well.
///
/// Where eBay converted the seller's price into the marketplace's currency (e.g. a Canadian
/// seller's listing on `EBAY_US`), `converted_from_value` and `converted_from_currency` carry
/// the seller's own amount: that one is stable, while `value` moves with exchange rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Amount {
    /// The amount, exactly as eBay stated it.
    #[serde(deserialize_with = "decimal_from_string_or_number")]
    pub value: Decimal,
    /// ISO 4217 code, e.g. `USD`.
    #[serde(default)]
    pub currency: String,
    /// The seller's amount before eBay converted it, if it did.
    #[serde(
        default,
        deserialize_with = "optional_decimal_from_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub converted_from_value: Option<Decimal>,
    /// The seller's currency before eBay converted it, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_from_currency: Option<String>,
}

impl Amount {
    /// An amount that eBay did not convert.
    pub fn new(value: Decimal, currency: impl Into<String>) -> Self {
        Self {
            value,
            currency: currency.into(),
            converted_from_value: None,
            converted_from_currency: None,
        }
    }

    /// The seller's own amount and currency, when eBay converted the price.
    pub fn converted_from(&self) -> Option<(Decimal, &str)> {
        match (
            self.converted_from_value,
            self.converted_from_currency.as_deref(),
        ) {
            (Some(value), Some(currency)) if !currency.is_empty() => Some((value, currency)),
            _ => None,
        }
    }
}

/// One shipping offer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ShippingOption {
    /// `FIXED`, `CALCULATED`, ...
    pub shipping_cost_type: Option<String>,
    /// The cost, absent for calculated shipping.
    #[serde(deserialize_with = "optional_amount")]
    pub shipping_cost: Option<Amount>,
}

/// A picture.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    /// The picture's URL.
    pub image_url: Option<String>,
}

/// The seller of a listing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Seller {
    /// The seller's eBay user name.
    pub username: Option<String>,
    /// Positive feedback in percent, e.g. `99.8` (eBay sends it as a string).
    #[serde(deserialize_with = "optional_decimal_from_string_or_number")]
    pub feedback_percentage: Option<Decimal>,
    /// The seller's feedback score.
    pub feedback_score: Option<i64>,
}

/// Where an item is located.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ItemLocation {
    /// Two-letter country code.
    pub country: Option<String>,
    /// Partial postal code, e.g. `951**`.
    pub postal_code: Option<String>,
}

/// Deserialises `null` as the type's default (e.g. an empty list).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a JSON string or number as a decimal. Goes through `serde_json::Value` rather than an
/// untagged enum so it also works when serde_json's `arbitrary_precision` is on.
fn parse_decimal<E: serde::de::Error>(raw: serde_json::Value) -> Result<Option<Decimal>, E> {
    let text = match raw {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => return Ok(None),
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        other => return Err(E::custom(format!("expected a decimal amount, got {other}"))),
    };
    let trimmed = text.trim();
    // `from_str` rounds digits past Decimal's 28-digit precision instead of failing, which is
    // what we want for prices like "19.990000000000000000000000001"; scientific notation is
    // accepted as a fallback.
    trimmed
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(trimmed))
        .map(Some)
        .map_err(|e| E::custom(format!("invalid decimal amount {trimmed:?}: {e}")))
}

/// Reads an optional `ConvertedAmount`: every field of it is optional in eBay's schema, and an
/// amount without a `value` is no amount (there is nothing to compare or show).
fn optional_amount<'de, D>(deserializer: D) -> Result<Option<Amount>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct WireAmount {
        #[serde(default, deserialize_with = "optional_decimal_from_string_or_number")]
        value: Option<Decimal>,
        #[serde(default)]
        currency: Option<String>,
        #[serde(default, deserialize_with = "optional_decimal_from_string_or_number")]
        converted_from_value: Option<Decimal>,
        #[serde(default)]
        converted_from_currency: Option<String>,
    }
    let Some(wire) = Option::<WireAmount>::deserialize(deserializer)? else {
        return Ok(None);
    };
    Ok(wire.value.map(|value| Amount {
        value,
        currency: wire.currency.unwrap_or_default(),
        converted_from_value: wire.converted_from_value,
        converted_from_currency: wire.converted_from_currency,
    }))
}

fn decimal_from_string_or_number<'de, D>(deserializer: D) -> Result<Decimal, D::Error>
where
    D: Deserializer<'de>,
{
    parse_decimal(serde_json::Value::deserialize(deserializer)?)?
        .ok_or_else(|| serde::de::Error::custom("the amount has no value"))
}

fn optional_decimal_from_string_or_number<'de, D>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error>
where
    D: Deserializer<'de>,
{
    parse_decimal(serde_json::Value::deserialize(deserializer)?)
}
