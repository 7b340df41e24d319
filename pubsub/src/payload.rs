//! The typed `data` of each event (DESIGN §7), shared by the producer and the consumers.
//!
//! # Version policy
//!
//! A payload type is a public contract between services that are deployed independently:
//!
//! * **Additive changes** (a new optional field, a new enum value that old consumers may treat
//!   as unknown) keep the event type. Consumers never use `deny_unknown_fields`, and new fields
//!   carry `#[serde(default)]`, so old and new builds interoperate in both directions.
//! * **Breaking changes** (removing or renaming a field, changing a field's meaning or type) get
//!   a new event type with a version suffix, e.g. `alert.created.v2`. The producer publishes both
//!   types for one release so consumers can be upgraded first; old consumers see the new type as
//!   [`Payload::Unknown`] and dead-letter it instead of misreading it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event_type;
use crate::topic;

/// The largest price either service accepts; anything above is a data error, not a listing.
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// The most listings one `products.observed` event may carry.
pub const MAX_ITEMS_PER_OBSERVATION: usize = 10_000;

/// The typed `data` of an event; the variant is the CloudEvents `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `alert.created`
    AlertCreated(AlertChanged),
    /// `alert.updated`
    AlertUpdated(AlertChanged),
    /// `alert.deleted`
    AlertDeleted(AlertDeleted),
    /// `products.observed`
    ProductsObserved(ProductsObserved),
    /// `insight.generated`
    InsightGenerated(InsightGenerated),
    /// A type this build does not know (e.g. from a newer producer), kept verbatim.
    Unknown {
        /// The CloudEvents `type` as received.
        event_type: String,
        /// The `data` as received.
        data: serde_json::Value,
    },
}

impl Payload {
    /// The CloudEvents `type` of this payload.
    pub fn event_type(&self) -> &str {
        match self {
            Payload::AlertCreated(_) => event_type::ALERT_CREATED,
            Payload::AlertUpdated(_) => event_type::ALERT_UPDATED,
            Payload::AlertDeleted(_) => event_type::ALERT_DELETED,
            Payload::ProductsObserved(_) => event_type::PRODUCTS_OBSERVED,
            Payload::InsightGenerated(_) => event_type::INSIGHT_GENERATED,
            Payload::Unknown { event_type, .. } => event_type,
        }
    }

    /// The topic this payload is published on, or `None` for unknown types.
    pub fn topic(&self) -> Option<&'static str> {
        match self {
            Payload::AlertCreated(_) | Payload::AlertUpdated(_) | Payload::AlertDeleted(_) => {
                Some(topic::ALERT_CONFIG)
            }
            Payload::ProductsObserved(_) => Some(topic::PRODUCT_PRICES),
            Payload::InsightGenerated(_) => Some(topic::INSIGHTS),
            Payload::Unknown { .. } => None,
        }
    }

    /// Checks the invariants serde cannot express; the error is a human sentence.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Payload::AlertCreated(d) | Payload::AlertUpdated(d) => d.alert.validate(),
            Payload::AlertDeleted(d) => {
                if d.revision == 0 {
                    return Err("revision must be at least 1".into());
                }
                Ok(())
            }
            Payload::ProductsObserved(d) => d.validate(),
            Payload::InsightGenerated(d) => d.validate(),
            Payload::Unknown { .. } => Ok(()),
        }
    }
}

/// `data` of `alert.created` and `alert.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertChanged {
    /// The alert as it is after the change.
    pub alert: AlertSnapshot,
}

/// The full state of an alert at one revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSnapshot {
    /// The alert's id.
    pub id: Uuid,
    /// The owning user's id.
    pub owner_id: Uuid,
    /// Where the owner's emails go; analytics needs it for insight emails.
    pub owner_email: String,
    /// What the user searches for, trimmed.
    pub search_phrase: String,
    /// How often the alert runs, in minutes.
    pub frequency_minutes: u32,
    /// Lower bound of the price filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_price: Option<Decimal>,
    /// Upper bound of the price filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<Decimal>,
    /// ISO 4217 currency of the price filter and target price.
    pub currency: String,
    /// Listing condition filter.
    pub condition: ConditionFilter,
    /// Buying option filter.
    pub buying_options: BuyingOptionsFilter,
    /// Notify when a listing is at or under this price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_price: Option<Decimal>,
    /// A paused alert neither runs nor sends insight emails.
    pub paused: bool,
    /// Increases by one with every change; consumers ignore older revisions.
    pub revision: u64,
    /// When the alert was created.
    pub created_at: DateTime<Utc>,
    /// When this revision was made.
    pub updated_at: DateTime<Utc>,
    /// One-click unsubscribe link for this alert's emails, signed by alerts-service, so
    /// analytics-service can put it in insight emails without sharing a signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_url: Option<String>,
    /// Condition groups wanted (`new`, `open_box`, `refurbished`, `used`, `for_parts`); empty
    /// in events from before groups existed, which carry `condition` only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Words or phrases whose listings the alert hides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_words: Vec<String>,
    /// eBay user names whose listings the alert hides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_sellers: Vec<String>,
    /// Sellers below this positive feedback (percent) are hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seller_feedback_percent: Option<Decimal>,
    /// `with_shipping` or `item`: what the prices are compared with (absent: `item`, as every
    /// alert compared before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_basis: Option<String>,
    /// Auctions ending within this many hours are reported as ending soon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ending_within_hours: Option<u32>,
    /// `new_listings` or `deals_only` (absent: `new_listings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_on: Option<String>,
    /// Whether the owner still wants insight emails for this alert (false after unsubscribing
    /// from them; absent in older events: true).
    #[serde(default = "yes")]
    pub insight_emails: bool,
    /// Whether the owner still wants alert emails (absent in older events: true).
    #[serde(default = "yes")]
    pub alert_emails: bool,
}

fn yes() -> bool {
    true
}

impl AlertSnapshot {
    fn validate(&self) -> Result<(), String> {
        if self.revision == 0 {
            return Err("alert.revision must be at least 1".into());
        }
        if self.search_phrase.trim().is_empty() {
            return Err("alert.search_phrase must not be empty".into());
        }
        if self.frequency_minutes == 0 {
            return Err("alert.frequency_minutes must be positive".into());
        }
        if !self.owner_email.contains('@') {
            return Err("alert.owner_email is not an email address".into());
        }
        check_currency("alert.currency", &self.currency)?;
        for (field, value) in [
            ("alert.min_price", self.min_price),
            ("alert.max_price", self.max_price),
            ("alert.target_price", self.target_price),
        ] {
            if let Some(v) = value {
                check_price(field, v)?;
            }
        }
        if let (Some(min), Some(max)) = (self.min_price, self.max_price)
            && min > max
        {
            return Err("alert.min_price is greater than alert.max_price".into());
        }
        Ok(())
    }
}

/// Which listing conditions an alert wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConditionFilter {
    /// Any condition.
    #[default]
    Any,
    /// New only.
    New,
    /// Used only.
    Used,
}

/// Which buying options an alert wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BuyingOptionsFilter {
    /// Buy It Now listings only (eBay's default when no filter is given).
    #[default]
    FixedPrice,
    /// Auctions only.
    Auction,
    /// Both.
    Any,
}

/// `data` of `alert.deleted`: a tombstone that outranks every lower revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertDeleted {
    /// The deleted alert.
    pub alert_id: Uuid,
    /// The revision the deletion created (one more than the last update).
    pub revision: u64,
}

/// `data` of `products.observed`: everything one alert run saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductsObserved {
    /// The alert that ran.
    pub alert_id: Uuid,
    /// The run; with `item_id` it identifies one observation.
    pub run_id: Uuid,
    /// The phrase searched, as the alert had it during the run.
    pub search_phrase: String,
    /// eBay marketplace searched, e.g. `EBAY_US`.
    pub marketplace: String,
    /// When eBay answered.
    pub observed_at: DateTime<Utc>,
    /// All listings seen in the run, not only the new ones.
    pub items: Vec<ObservedItem>,
}

impl ProductsObserved {
    fn validate(&self) -> Result<(), String> {
        if self.items.len() > MAX_ITEMS_PER_OBSERVATION {
            return Err(format!(
                "{} items is more than the {MAX_ITEMS_PER_OBSERVATION} one observation may carry",
                self.items.len()
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            if item.item_id.trim().is_empty() {
                return Err(format!("items[{i}].item_id must not be empty"));
            }
            check_money(&format!("items[{i}].price"), &item.price)?;
            if let Some(shipping) = &item.shipping_cost {
                check_money(&format!("items[{i}].shipping_cost"), shipping)?;
            }
            if let Some(bid) = &item.current_bid {
                check_money(&format!("items[{i}].current_bid"), bid)?;
            }
            if let Some(f) = item.seller_feedback_percent
                && !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&f)
            {
                return Err(format!(
                    "items[{i}].seller_feedback_percent must be from 0 to 100 (got {f})"
                ));
            }
        }
        Ok(())
    }
}

/// One listing as seen in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedItem {
    /// eBay's item id, e.g. `v1|110012345678|0`.
    pub item_id: String,
    /// Listing title.
    pub title: String,
    /// Asking price (current bid for auctions).
    pub price: Money,
    /// Cheapest shipping option, when eBay reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_cost: Option<Money>,
    /// eBay's condition label, e.g. `New` or `Used`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// eBay's buying options, e.g. `FIXED_PRICE`, `AUCTION`, `BEST_OFFER`.
    #[serde(default)]
    pub buying_options: Vec<String>,
    /// The listing's page on eBay.
    pub item_url: String,
    /// Main picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Seller's user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<String>,
    /// eBay's numeric condition id, e.g. 3000 (used) or 7000 (for parts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_id: Option<u32>,
    /// `fixed_price` or `auction` (an auction's `price` is its current bid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buying_option: Option<String>,
    /// An auction's current bid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_bid: Option<Money>,
    /// Bids on an auction so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bid_count: Option<u32>,
    /// When the listing ends (auctions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Seller's positive feedback, percent (a decimal string, e.g. "99.2").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_feedback_percent: Option<Decimal>,
}

/// `data` of `insight.generated`: the short summary of one alert's periodic insight report,
/// published by analytics-service when it queues the report's email, so alerts-service can send
/// it to the alert's notification channels (analytics never sees channel URLs or secrets).
///
/// Every figure is the alert's main segment's, as in the report's summary. Prices are decimal
/// strings in `currency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightGenerated {
    /// The alert.
    pub alert_id: Uuid,
    /// The report this summarises (also the insight email's report).
    pub report_id: Uuid,
    /// Start of the insight period the report belongs to.
    pub period_start: DateTime<Utc>,
    /// Length of the report's window in days.
    pub days: u32,
    /// When the report was computed.
    pub generated_at: DateTime<Utc>,
    /// The alert's search phrase as analytics knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_phrase: Option<String>,
    /// ISO 4217 code of every price here.
    pub currency: String,
    /// False when the window has too few days with data; the medians are then absent.
    pub enough_data: bool,
    /// The segment the figures describe, e.g. `used/fixed_price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_segment: Option<String>,
    /// The same in plain words, e.g. "Used, fixed price".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_segment_label: Option<String>,
    /// The median now: of the daily medians of the window's second half (the last week of 14
    /// days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_now: Option<Decimal>,
    /// What `median_now` is compared with: the median of the window's first half.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_before: Option<Decimal>,
    /// Change from `median_before` to `median_now` in percent (one decimal; negative =
    /// cheaper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_change_pct: Option<Decimal>,
    /// The comparison in words, e.g. "the week before".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<String>,
    /// The cheapest listing of the latest run with a deal verdict; absent: none this period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_deal: Option<InsightDeal>,
    /// Listings with a deal verdict in the latest run.
    pub deals: u32,
    /// Listings first seen in the window.
    pub new_listings: u64,
    /// Days in the window with observations.
    pub days_with_data: u32,
    /// Path of the dashboard page with the alert's price chart and insights, `/alerts/<id>`
    /// (the insight email's link); alerts-service prefixes its public URL.
    pub insights_path: String,
}

/// The best current deal of an insight summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightDeal {
    /// eBay's item id.
    pub item_id: String,
    /// Listing title.
    pub title: String,
    /// The listing's page on eBay.
    pub item_url: String,
    /// Asking price, in the summary's currency.
    pub price: Decimal,
    /// The verdict badge, e.g. "Lowest in 30 days" or "18.0 % below typical".
    pub verdict: String,
}

impl InsightGenerated {
    /// The summary of `report` (report `report_id`, of the period starting at `period_start`).
    ///
    /// The best deal is the main segment's cheapest listing with a verdict (its deals are
    /// cheapest first); reports without segments (history from before them) have no verdicts,
    /// so no best deal, but still count their good deals.
    pub fn from_report(
        report_id: Uuid,
        period_start: DateTime<Utc>,
        report: &crate::insights::InsightReport,
    ) -> Self {
        let main = report
            .main_segment
            .as_deref()
            .and_then(|name| report.segments.iter().find(|s| s.segment == name));
        let best_deal = main
            .and_then(|segment| segment.deals.first())
            .map(|deal| InsightDeal {
                item_id: deal.item_id.clone(),
                title: deal.title.clone(),
                item_url: deal.item_url.clone(),
                price: deal.price,
                verdict: deal.deal.badge(),
            });
        let deals = main.map_or(report.summary.good_deals.len(), |s| s.deals.len());
        let summary = &report.summary;
        let compared_with = summary.first_week_median.map(|_| {
            let half = report.days / 2;
            if half == 7 {
                "the week before".to_owned()
            } else {
                format!("the {half} days before")
            }
        });
        Self {
            alert_id: report.alert_id,
            report_id,
            period_start,
            days: report.days,
            generated_at: report.generated_at,
            search_phrase: report.search_phrase.clone(),
            currency: report.currency.clone(),
            enough_data: report.enough_data,
            main_segment: report.main_segment.clone(),
            main_segment_label: main.map(|s| s.label.clone()),
            median_now: summary.second_week_median,
            median_before: summary.first_week_median,
            median_change_pct: summary.median_change_pct,
            compared_with,
            best_deal,
            deals: u32::try_from(deals).unwrap_or(u32::MAX),
            new_listings: summary.new_listings,
            days_with_data: report.days_with_data,
            insights_path: format!("/alerts/{}", report.alert_id),
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_currency("currency", &self.currency)?;
        for (field, value) in [
            ("median_now", self.median_now),
            ("median_before", self.median_before),
        ] {
            if let Some(v) = value {
                check_price(field, v)?;
            }
        }
        if let Some(deal) = &self.best_deal {
            check_price("best_deal.price", deal.price)?;
            if deal.item_id.trim().is_empty() {
                return Err("best_deal.item_id must not be empty".into());
            }
        }
        if !self.insights_path.starts_with('/') || self.insights_path.contains("://") {
            return Err(format!(
                "insights_path must be a path starting with '/' (got {:?})",
                self.insights_path
            ));
        }
        Ok(())
    }
}

/// An amount in a currency; the value travels as a decimal string, never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount, e.g. `"12.99"`.
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}

impl Money {
    /// An amount in a currency.
    pub fn new(value: Decimal, currency: impl Into<String>) -> Self {
        Self {
            value,
            currency: currency.into(),
        }
    }
}

fn check_money(field: &str, money: &Money) -> Result<(), String> {
    check_price(field, money.value)?;
    check_currency(&format!("{field}.currency"), &money.currency)
}

fn check_price(field: &str, value: Decimal) -> Result<(), String> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("{field} must not be negative (got {value})"));
    }
    if value > MAX_PRICE {
        return Err(format!("{field} of {value} is beyond any real listing"));
    }
    Ok(())
}

fn check_currency(field: &str, code: &str) -> Result<(), String> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!(
            "{field} must be a three-letter ISO 4217 code (got {code:?})"
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly by design

    use rust_decimal::Decimal;
    use serde_json::json;

    use super::InsightGenerated;
    use crate::insights::InsightReport;

    fn report(segments: serde_json::Value, days: u32) -> InsightReport {
        serde_json::from_value(json!({
            "alert_id": "0193a000-0000-7000-8000-000000000001",
            "search_phrase": "lego 42100",
            "currency": "USD", "days": days,
            "window_start": "2026-11-15", "window_end": "2026-11-28",
            "generated_at": "2026-11-28T06:00:00Z",
            "days_with_data": 9, "enough_data": true, "series": [],
            "summary": {"first_week_median": "406.00", "second_week_median": "389.00",
                        "median_change_pct": "-4.2", "new_listings": 12,
                        "good_deals": [{"item_id": "a", "title": "A", "item_url": "https://e/a",
                                        "price": "335.00", "date": "2026-11-28"}]},
            "main_segment": "used/fixed_price",
            "segments": segments,
        }))
        .unwrap()
    }

    #[test]
    fn a_summary_takes_the_main_segments_medians_and_cheapest_verdict() {
        let segments = json!([
            {"segment": "used/fixed_price", "label": "Used, fixed price", "comparable": true,
             "days_with_data": 9, "count": 80, "without_shipping": 0,
             "deals": [
                {"item_id": "a", "title": "A", "item_url": "https://e/a", "price": "335.00",
                 "deal": {"kind": "lowest_in_30_days", "percent_below_typical": "17.5"}},
                {"item_id": "b", "title": "B", "item_url": "https://e/b", "price": "350.00",
                 "deal": {"kind": "below_typical", "percent_below_typical": "13.8"}}]},
            {"segment": "new/fixed_price", "label": "New, fixed price", "comparable": true,
             "days_with_data": 9, "count": 8, "without_shipping": 0,
             "deals": [{"item_id": "c", "title": "C", "item_url": "https://e/c", "price": "99.00",
                        "deal": {"kind": "below_typical", "percent_below_typical": "40.0"}}]}
        ]);
        let id = uuid::Uuid::now_v7();
        let at = chrono::Utc::now();

        let summary = InsightGenerated::from_report(id, at, &report(segments, 14));

        assert_eq!(summary.report_id, id);
        assert_eq!(summary.period_start, at);
        assert_eq!(summary.median_now, Some(Decimal::new(38_900, 2)));
        assert_eq!(summary.median_before, Some(Decimal::new(40_600, 2)));
        assert_eq!(summary.compared_with.as_deref(), Some("the week before"));
        assert_eq!(
            summary.main_segment_label.as_deref(),
            Some("Used, fixed price")
        );
        let best = summary.best_deal.unwrap();
        assert_eq!(
            (best.item_id.as_str(), best.verdict.as_str()),
            ("a", "Lowest in 30 days")
        );
        assert_eq!(summary.deals, 2, "the main segment's deals only");
        assert_eq!(summary.new_listings, 12);
        assert_eq!(
            summary.insights_path,
            "/alerts/0193a000-0000-7000-8000-000000000001"
        );
    }

    #[test]
    fn a_report_without_segments_has_no_best_deal_but_counts_its_good_deals() {
        let summary = InsightGenerated::from_report(
            uuid::Uuid::nil(),
            chrono::Utc::now(),
            &report(json!([]), 28),
        );

        assert_eq!(summary.best_deal, None);
        assert_eq!(summary.deals, 1);
        assert_eq!(summary.main_segment_label, None);
        assert_eq!(summary.compared_with.as_deref(), Some("the 14 days before"));
    }
}
