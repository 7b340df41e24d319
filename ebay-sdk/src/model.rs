//! Response DTOs of `item_summary/search`, tolerant of absent fields and new ones.
//!
//! eBay adds fields over time and omits most of them when empty, so every field that eBay
//! documents as optional is an `Option` or a defaulted `Vec`, unknown fields are ignored, and
//! `null` is treated like absence.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiErrorDetail;

/// One page of search results (eBay's `SearchPagedCollection`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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
    #[serde(deserialize_with = "null_as_default")]
    pub item_summaries: Vec<ItemSummary>,
}

/// One listing in a search result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ItemSummary {
    /// eBay's RESTful item id, e.g. `v1|123456789012|0`.
    pub item_id: String,
    /// The listing title.
    pub title: String,
    /// The asking price (for an auction, the current bid).
    pub price: Option<Amount>,
    /// The current bid of an auction.
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
    /// The listing's page on eBay's web site.
    pub item_web_url: Option<String>,
    /// The listing's URL in the Browse API.
    pub item_href: Option<String>,
    /// The seller.
    pub seller: Option<Seller>,
    /// When the listing went live.
    pub item_creation_date: Option<DateTime<Utc>>,
    /// When the listing ends (auctions, and fixed-price listings with a set duration).
    pub item_end_date: Option<DateTime<Utc>>,
    /// Where the item is, when eBay says.
    pub item_location: Option<ItemLocation>,
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

    /// The numeric item id inside eBay's `v1|<legacy id>|<variation>` form.
    pub fn legacy_item_id(&self) -> Option<&str> {
        let mut parts = self.item_id.split('|');
        match (parts.next(), parts.next()) {
            (Some("v1"), Some(id)) if !id.is_empty() => Some(id),
            _ => None,
        }
    }
}

/// A money amount. eBay sends `value` as a string (`"19.99"`); it is parsed into an exact
/// decimal, never a float. A JSON number is accepted as well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// The amount, exactly as eBay stated it.
    #[serde(deserialize_with = "decimal_from_string_or_number")]
    pub value: Decimal,
    /// ISO 4217 code, e.g. `USD`.
    #[serde(default)]
    pub currency: String,
}

/// One shipping offer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ShippingOption {
    /// `FIXED`, `CALCULATED`, ...
    pub shipping_cost_type: Option<String>,
    /// The cost, absent for calculated shipping.
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
