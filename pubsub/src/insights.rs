//! The JSON of analytics-service's insights read API (`GET /api/v1/alerts/{id}/insights`), shared
//! so alerts-service can proxy it to the dashboard with one definition (and, with the `openapi`
//! feature, one schema).
//!
//! Prices are decimal **strings** (`"12.99"`), as in events, never floats. Every statistic is in
//! the report's `currency`; observations in other currencies are not mixed in. The fields are
//! documented for readers in `docs/analytics-api.md`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Fewer days with observations than this and a report has `enough_data = false`.
///
/// Part of the contract rather than of analytics' arithmetic: it defines what
/// [`InsightReport::enough_data`] means, and alerts-service, which answers with an empty report
/// of its own while analytics has nothing for an alert, must quote the same threshold.
pub const MIN_DAYS_WITH_DATA: u32 = 3;

/// Price insights for one alert over its last `days` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsightReport {
    /// The alert.
    pub alert_id: Uuid,
    /// The alert's search phrase when analytics knows the alert (it may only have observations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_phrase: Option<String>,
    /// ISO 4217 code of every price in the report.
    pub currency: String,
    /// Length of the window in days (1..=90, default 14).
    pub days: u32,
    /// First day of the window (UTC).
    pub window_start: NaiveDate,
    /// Last day of the window (UTC), the day the report was made.
    pub window_end: NaiveDate,
    /// When the report was computed.
    pub generated_at: DateTime<Utc>,
    /// Days in the window with at least one observation.
    pub days_with_data: u32,
    /// False when there are fewer than three days with observations; `summary` is then empty.
    pub enough_data: bool,
    /// A sentence for people when something is missing, e.g. "Not enough data yet …".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// One point per day with observations, oldest first (days without any are left out).
    /// Since Wave 2 it is the main segment's series when the alert has one (what the chart
    /// shows); every price counted is in exactly one of [`InsightReport::segments`].
    pub series: Vec<DailyPoint>,
    /// Week-over-week change, lows, deals and drops. Since Wave 2 every figure here is the
    /// alert's **main segment**'s (see [`InsightReport::main_segment`]), like `series`.
    pub summary: InsightSummary,
    /// The segment the headline figures describe: working single items in fixed-price listings
    /// (the busiest such segment), e.g. `used/fixed_price`; absent when the alert saw none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_segment: Option<String>,
    /// Every segment the alert saw in the window, the main one first (Wave 2).
    #[serde(default)]
    pub segments: Vec<SegmentInsight>,
}

/// The figures of one segment (a condition group × a buying format) over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentInsight {
    /// `<group>/<format>`: group `new`, `open_box`, `refurbished`, `used`, `unknown`,
    /// `for_parts` or `lot`; format `fixed_price` or `auction`.
    pub segment: String,
    /// The same in plain words, e.g. "Used, fixed price".
    pub label: String,
    /// False for `for_parts` and `lot`: their figures never describe working single items.
    pub comparable: bool,
    /// Days in the window with prices in this segment.
    pub days_with_data: u32,
    /// Prices counted (one per listing per run; auctions only near their end).
    pub count: u64,
    /// Of those, prices without a known shipping cost (measured at the item price).
    pub without_shipping: u64,
    /// The median of the segment's daily medians over the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical: Option<Decimal>,
    /// The lowest comparable price: the lowest daily robust low (outliers below the fence left
    /// out), with a listing that had it when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowest: Option<SegmentLow>,
    /// Median of daily medians, first half of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_week_median: Option<Decimal>,
    /// Median of daily medians, second half of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_week_median: Option<Decimal>,
    /// `(second - first) / first` in percent, one decimal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_change_pct: Option<Decimal>,
    /// What the change compares, in a sentence ("Typical price (median of daily medians)
    /// Nov 17–23 vs Nov 10–16: …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_explained: Option<String>,
    /// Listings of the latest run with a deal verdict, best first (empty for non-comparable
    /// segments, and when nothing is really a deal: "none this week").
    #[serde(default)]
    pub deals: Vec<DealListing>,
    /// One point per day with prices, oldest first.
    #[serde(default)]
    pub series: Vec<DailyPoint>,
}

/// A segment's robust low.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentLow {
    /// The price.
    pub price: Decimal,
    /// The day it was seen.
    pub date: NaiveDate,
    /// A listing at that price that day, when analytics kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_url: Option<String>,
}

/// A current listing with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DealListing {
    /// eBay's item id.
    pub item_id: String,
    /// Listing title.
    pub title: String,
    /// The listing's page on eBay.
    pub item_url: String,
    /// Its price on the alert's basis.
    pub price: Decimal,
    /// The verdict.
    pub deal: Deal,
}

/// A deal verdict (DESIGN §6 Wave 2), computed against comparable listings only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deal {
    /// Which verdict.
    pub kind: DealKind,
    /// How far below the segment's typical price, percent with one decimal; null when not below.
    pub percent_below_typical: Option<Decimal>,
}

/// The kinds of verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DealKind {
    /// At or below the segment's lowest comparable price of the last 30 days.
    #[serde(rename = "lowest_in_30_days")]
    LowestIn30Days,
    /// Meaningfully below the segment's typical price.
    BelowTypical,
}

impl Deal {
    /// The badge shown in emails and the dashboard: "Lowest in 30 days", "18.0 % below typical".
    pub fn badge(&self) -> String {
        match (self.kind, self.percent_below_typical) {
            (DealKind::LowestIn30Days, _) => "Lowest in 30 days".to_owned(),
            (DealKind::BelowTypical, Some(pct)) => format!("{pct} % below typical"),
            (DealKind::BelowTypical, None) => "Below typical".to_owned(),
        }
    }
}

/// analytics' `POST /api/v1/alerts/{id}/verdicts` body: listings to judge, as an alert run saw
/// them (the run's own listings are not yet in analytics when its email is written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictRequest {
    /// When the listings were seen (auctions are judged near their end only).
    pub observed_at: DateTime<Utc>,
    /// The listings (at most 500).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub items: Vec<crate::ObservedItem>,
}

/// The verdicts, one per requested listing, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictResponse {
    /// One per listing.
    pub verdicts: Vec<Verdict>,
}

/// One listing's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    /// eBay's item id.
    pub item_id: String,
    /// The segment it was compared within.
    pub segment: String,
    /// The verdict, or null.
    pub deal: Option<Deal>,
}

/// The asking prices of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyPoint {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Observations that day (one per listing per run).
    pub count: u64,
    /// Lowest asking price.
    pub min: Decimal,
    /// First quartile (linear interpolation, like `percentile_cont`).
    pub p25: Decimal,
    /// Median.
    pub median: Decimal,
    /// Third quartile.
    pub p75: Decimal,
    /// Arithmetic mean, rounded to cents.
    pub mean: Decimal,
    /// Highest asking price.
    pub max: Decimal,
    /// Listings first seen by this alert that day.
    pub new_listings: u64,
}

/// The headline figures of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsightSummary {
    /// Median of the daily medians of the first half of the window (the first week of 14 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_week_median: Option<Decimal>,
    /// Median of the daily medians of the second half of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_week_median: Option<Decimal>,
    /// Change from the first to the second week in percent (one decimal; negative = cheaper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_change_pct: Option<Decimal>,
    /// The lowest price seen in the window and its listing: the main segment's robust low (see
    /// [`SegmentInsight::lowest`]), or the lowest daily minimum for reports without segments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowest: Option<ListingPrice>,
    /// Good deals of the latest run, cheapest first: the main segment's listings with a deal
    /// verdict (see [`SegmentInsight::deals`]); for reports without segments (history from
    /// before them), listings priced within 5 % of `lowest`. Empty means "none this week".
    #[serde(default)]
    pub good_deals: Vec<ListingPrice>,
    /// Listings of the latest run whose own price fell most since first seen in the window.
    #[serde(default)]
    pub biggest_drops: Vec<PriceDrop>,
    /// Listings first seen in the window.
    #[serde(default)]
    pub new_listings: u64,
}

/// One listing at one price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingPrice {
    /// eBay's item id.
    pub item_id: String,
    /// Listing title.
    pub title: String,
    /// The listing's page on eBay.
    pub item_url: String,
    /// Main picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Asking price.
    pub price: Decimal,
    /// The day it was seen at that price (UTC).
    pub date: NaiveDate,
}

/// A listing whose own asking price fell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceDrop {
    /// eBay's item id.
    pub item_id: String,
    /// Listing title.
    pub title: String,
    /// The listing's page on eBay.
    pub item_url: String,
    /// Main picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Its price when first seen in the window.
    pub from: Decimal,
    /// Its price in the latest run.
    pub to: Decimal,
    /// `(to - from) / from` in percent, one decimal (negative).
    pub change_pct: Decimal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_travel_as_decimal_strings() {
        let point = DailyPoint {
            date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            count: 3,
            min: Decimal::new(1050, 2),
            p25: Decimal::new(1100, 2),
            median: Decimal::new(1200, 2),
            p75: Decimal::new(1300, 2),
            mean: Decimal::new(1217, 2),
            max: Decimal::new(1400, 2),
            new_listings: 1,
        };
        let json = serde_json::to_value(&point).unwrap();
        assert_eq!(json["min"], "10.50");
        assert_eq!(json["date"], "2026-11-21");
        let back: DailyPoint = serde_json::from_value(json).unwrap();
        assert_eq!(back, point);
    }

    #[test]
    fn deals_travel_as_the_contract_says_and_read_as_badges() {
        let deal = Deal {
            kind: DealKind::BelowTypical,
            percent_below_typical: Some(Decimal::new(125, 1)),
        };
        let json = serde_json::to_value(&deal).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "below_typical", "percent_below_typical": "12.5"})
        );
        assert_eq!(deal.badge(), "12.5 % below typical");
        let lowest = Deal {
            kind: DealKind::LowestIn30Days,
            percent_below_typical: None,
        };
        assert_eq!(
            serde_json::to_value(&lowest).unwrap(),
            serde_json::json!({"kind": "lowest_in_30_days", "percent_below_typical": null})
        );
        assert_eq!(lowest.badge(), "Lowest in 30 days");
    }
}
