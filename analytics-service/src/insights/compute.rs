//! The insight arithmetic (DESIGN §10), pure: rollups and the latest run's listings in, an
//! [`InsightReport`] out. Everything the database provides is gathered by
//! [`crate::reports`] first, so this module is tested against hand-computed fixtures.
//!
//! Definitions:
//! * The window is the `days` calendar days (UTC) ending today. Week 1 is its first half
//!   (`days / 2` days), week 2 the rest; with 14 days, 7 and 7.
//! * A week's median is the median of its daily medians, so every day weighs the same however
//!   many runs it had (an alert running every 2 minutes on Monday and hourly on Tuesday would
//!   otherwise be "mostly Monday").
//! * `median_change_pct` = (week 2 − week 1) / week 1 × 100, one decimal.
//! * The lowest price is the lowest daily minimum (the most recent day on a tie); a good deal is
//!   a listing of the latest run priced at most 5 % above it.
//! * A listing's drop compares its first price in the window with its price in the latest run.
//! * Fewer than 3 days with data: `enough_data = false`, a plain message, an empty summary.
//!
//! Wave 2 (segments, see [`super::segments`]): when the alert has segment rollups, the headline
//! figures (`series`, week medians, `lowest`, `good_deals`, `biggest_drops`) are the **main
//! segment**'s — working single items, fixed price first, the busiest such segment — and every
//! segment gets its own [`SegmentInsight`]:
//! * `lowest` is the lowest daily robust low (outliers below the fence left out);
//! * a good deal is a listing of the latest run with a deal verdict ([`super::deals`]) against
//!   the segment's last 30 days; lots, for-parts units and auction bids never are one for
//!   working fixed-price items, because they are never in that segment;
//! * the week-over-week change is explained in a sentence that also gives the first and last
//!   day's medians, so a series that fell 23 % from end to end is not only "down 6.5 %".

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pubsub::insights::{
    DailyPoint, DealListing, InsightReport, InsightSummary, ListingPrice, MIN_DAYS_WITH_DATA,
    PriceDrop, SegmentInsight, SegmentLow,
};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use super::deals::{self, HistoryDay, Typical, VERDICT_WINDOW_DAYS};
use super::segments::{Format, MeasuredPrice, Segment};
use crate::ingest::rollup::{DayStats, cents};

/// A listing of the latest run within this many percent of the window's lowest price is a good
/// deal (analytics' rule alone, so it lives here rather than in the shared wire types).
pub const GOOD_DEAL_PERCENT: u32 = 5;
/// At most this many good deals in a report.
pub const MAX_GOOD_DEALS: usize = 10;
/// At most this many price drops in a report.
pub const MAX_DROPS: usize = 5;

/// A listing as the dimension describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// eBay's item id.
    pub item_id: String,
    /// Title.
    pub title: String,
    /// Page on eBay.
    pub item_url: String,
    /// Picture.
    pub image_url: Option<String>,
}

/// One day of the rollup table as the insights read it: the day's statistics, in the one type
/// ingest computes them in, plus what a report shows beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupDay {
    /// The day.
    pub date: NaiveDate,
    /// The day's price statistics, as ingest stored them.
    pub stats: DayStats,
    /// Listings first seen that day.
    pub new_listings: u64,
    /// The listing at the day's low.
    pub lowest: Option<Listing>,
}

impl RollupDay {
    /// The day as the read API shows it. The only conversion to the wire's [`DailyPoint`], whose
    /// JSON is a contract with alerts-service and so stays its own type; prices get two decimals.
    pub fn point(&self) -> DailyPoint {
        let stats = &self.stats;
        DailyPoint {
            date: self.date,
            count: stats.count,
            min: money(stats.min),
            p25: money(stats.p25),
            median: money(stats.median),
            p75: money(stats.p75),
            mean: money(stats.mean),
            max: money(stats.max),
            new_listings: self.new_listings,
        }
    }
}

/// One day of one segment (`segment_rollup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRollupDay {
    /// The day.
    pub date: NaiveDate,
    /// The segment.
    pub segment: Segment,
    /// The day's statistics on the alert's price basis.
    pub stats: DayStats,
    /// The day's lowest comparable price.
    pub robust_low: Decimal,
    /// The listing at the robust low, when kept.
    pub low_listing: Option<Listing>,
    /// Prices without a known shipping cost.
    pub without_shipping: u64,
    /// Listings first seen that day in this segment.
    pub new_listings: u64,
}

impl SegmentRollupDay {
    fn point(&self) -> DailyPoint {
        RollupDay {
            date: self.date,
            stats: self.stats.clone(),
            new_listings: self.new_listings,
            lowest: None,
        }
        .point()
    }
}

/// A listing of the latest run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentListing {
    /// Which listing.
    pub listing: Listing,
    /// Its price in the latest run.
    pub price: Decimal,
    /// The day of the latest run.
    pub date: NaiveDate,
    /// Its first price within the window (the latest price when first seen in that run).
    pub first_price: Decimal,
    /// Its segment and price on the alert's basis (`None`: observed before segments existed,
    /// or an auction far from its end).
    pub measured: Option<(Segment, MeasuredPrice)>,
}

/// Everything a report is computed from.
#[derive(Debug, Clone)]
pub struct InsightInputs {
    /// The alert.
    pub alert_id: Uuid,
    /// Its phrase, when known.
    pub search_phrase: Option<String>,
    /// The currency of every price below.
    pub currency: String,
    /// Window length.
    pub days: u32,
    /// Last day of the window.
    pub today: NaiveDate,
    /// When the report is made.
    pub now: DateTime<Utc>,
    /// Rollup rows inside the window, any order.
    pub rollups: Vec<RollupDay>,
    /// The latest run's listings (empty when the latest run is older than the window).
    pub current: Vec<CurrentListing>,
    /// Segment rollups of the window and of the verdicts' 30 days, whichever starts earlier.
    pub segment_days: Vec<SegmentRollupDay>,
}

impl InsightInputs {
    /// First day of the window.
    pub fn window_start(&self) -> NaiveDate {
        window_start(self.today, self.days)
    }
}

/// First day of a `days`-day window ending on `today`.
pub fn window_start(today: NaiveDate, days: u32) -> NaiveDate {
    today - Duration::days(i64::from(days.max(1)) - 1)
}

/// Computes the report.
pub fn compute(inputs: &InsightInputs) -> InsightReport {
    let start = inputs.window_start();
    let mut rollups: Vec<&RollupDay> = inputs
        .rollups
        .iter()
        .filter(|r| r.date >= start && r.date <= inputs.today && r.stats.count > 0)
        .collect();
    rollups.sort_by_key(|r| r.date);

    let segments = segment_insights(inputs, start);
    let main = segments.first().filter(|s| s.comparable).cloned();
    // With a main segment its days are the report's days; before segments existed (or for an
    // alert that only saw lots and parts) every listing's.
    let main_days: Vec<RollupDay> = match &main {
        Some(main) => {
            let mut days: Vec<RollupDay> = inputs
                .segment_days
                .iter()
                .filter(|d| {
                    d.segment.key() == main.segment && d.date >= start && d.date <= inputs.today
                })
                .map(|d| RollupDay {
                    date: d.date,
                    stats: d.stats.clone(),
                    new_listings: d.new_listings,
                    lowest: d.low_listing.clone(),
                })
                .collect();
            days.sort_by_key(|d| d.date);
            days
        }
        None => Vec::new(),
    };
    let report_days: Vec<&RollupDay> = if main.is_some() {
        main_days.iter().collect()
    } else {
        rollups
    };
    let days_with_data = u32::try_from(report_days.len()).unwrap_or(u32::MAX);
    let enough_data = days_with_data >= MIN_DAYS_WITH_DATA;

    let series = report_days.iter().map(|r| r.point()).collect();

    let (summary, message) = if enough_data {
        let mut summary = summarise(inputs, start, &report_days);
        if let Some(main) = &main {
            apply_main_segment(&mut summary, main, inputs, start);
        }
        // New listings of every kind, as before.
        summary.new_listings = inputs
            .rollups
            .iter()
            .filter(|r| r.date >= start && r.date <= inputs.today)
            .map(|r| r.new_listings)
            .sum();
        (summary, None)
    } else {
        (
            InsightSummary::default(),
            Some(format!(
                "Not enough data yet: prices were seen on {days_with_data} of the last {} days; \
                 insights need at least {MIN_DAYS_WITH_DATA}.",
                inputs.days
            )),
        )
    };

    InsightReport {
        alert_id: inputs.alert_id,
        search_phrase: inputs.search_phrase.clone(),
        currency: inputs.currency.clone(),
        days: inputs.days,
        window_start: start,
        window_end: inputs.today,
        generated_at: inputs.now,
        days_with_data,
        enough_data,
        message,
        series,
        summary,
        main_segment: main.map(|m| m.segment),
        segments,
    }
}

/// Replaces the all-listings lows, deals and drops with the main segment's.
fn apply_main_segment(
    summary: &mut InsightSummary,
    main: &SegmentInsight,
    inputs: &InsightInputs,
    start: NaiveDate,
) {
    summary.lowest = main.lowest.as_ref().and_then(|low| {
        Some(ListingPrice {
            item_id: low.item_id.clone()?,
            title: low.title.clone().unwrap_or_default(),
            item_url: low.item_url.clone().unwrap_or_default(),
            image_url: None,
            price: low.price,
            date: low.date,
        })
    });
    let images: BTreeMap<&str, &Option<String>> = inputs
        .current
        .iter()
        .map(|c| (c.listing.item_id.as_str(), &c.listing.image_url))
        .collect();
    summary.good_deals = main
        .deals
        .iter()
        .map(|d| ListingPrice {
            item_id: d.item_id.clone(),
            title: d.title.clone(),
            item_url: d.item_url.clone(),
            image_url: images.get(d.item_id.as_str()).and_then(|i| (*i).clone()),
            price: d.price,
            date: inputs.current.first().map_or(inputs.today, |c| c.date),
        })
        .collect();
    summary.biggest_drops.retain(|drop| {
        inputs.current.iter().any(|c| {
            c.listing.item_id == drop.item_id
                && c.date >= start
                && c.measured.is_some_and(|(s, _)| s.key() == main.segment)
        })
    });
}

/// Every segment the alert saw in the window, the main one first, then by number of prices.
pub fn segment_insights(inputs: &InsightInputs, start: NaiveDate) -> Vec<SegmentInsight> {
    let verdict_start = inputs.today - Duration::days(i64::from(VERDICT_WINDOW_DAYS) - 1);
    let mut by_segment: BTreeMap<Segment, Vec<&SegmentRollupDay>> = BTreeMap::new();
    for day in &inputs.segment_days {
        if day.date <= inputs.today && day.stats.count > 0 {
            by_segment.entry(day.segment).or_default().push(day);
        }
    }
    let mut out: Vec<(Segment, u64, SegmentInsight)> = Vec::new();
    for (segment, mut days) in by_segment {
        days.sort_by_key(|d| d.date);
        let window: Vec<&SegmentRollupDay> =
            days.iter().copied().filter(|d| d.date >= start).collect();
        if window.is_empty() {
            continue;
        }
        let history: Vec<HistoryDay> = days
            .iter()
            .filter(|d| d.date >= verdict_start)
            .map(|d| HistoryDay {
                stats: d.stats.clone(),
                robust_low: d.robust_low,
            })
            .collect();
        let typical = Typical::of(&history);
        let count: u64 = window.iter().map(|d| d.stats.count).sum();
        let insight = segment_insight(inputs, start, segment, &window, typical.as_ref());
        out.push((segment, count, insight));
    }
    // Working single items first, fixed price before auctions, then the busiest.
    out.sort_by(|(a, an, _), (b, bn, _)| {
        b.is_working_single()
            .cmp(&a.is_working_single())
            .then((a.format == Format::Auction).cmp(&(b.format == Format::Auction)))
            .then(bn.cmp(an))
            .then(a.cmp(b))
    });
    out.into_iter().map(|(_, _, insight)| insight).collect()
}

fn segment_insight(
    inputs: &InsightInputs,
    start: NaiveDate,
    segment: Segment,
    window: &[&SegmentRollupDay],
    typical: Option<&Typical>,
) -> SegmentInsight {
    let days_with_data = u32::try_from(window.len()).unwrap_or(u32::MAX);
    let daily_medians: Vec<Decimal> = window.iter().map(|d| d.stats.median).collect();
    let typical_price = median(&daily_medians);
    // The robust low of the window; the most recent day on a tie.
    let lowest = window
        .iter()
        .min_by(|a, b| a.robust_low.cmp(&b.robust_low).then(b.date.cmp(&a.date)))
        .map(|d| SegmentLow {
            price: money(d.robust_low),
            date: d.date,
            item_id: d.low_listing.as_ref().map(|l| l.item_id.clone()),
            title: d.low_listing.as_ref().map(|l| l.title.clone()),
            item_url: d.low_listing.as_ref().map(|l| l.item_url.clone()),
        });

    let second_half = start + Duration::days(i64::from(inputs.days / 2));
    let first: Vec<Decimal> = window
        .iter()
        .filter(|d| d.date < second_half)
        .map(|d| d.stats.median)
        .collect();
    let second: Vec<Decimal> = window
        .iter()
        .filter(|d| d.date >= second_half)
        .map(|d| d.stats.median)
        .collect();
    let (first_week_median, second_week_median) = (median(&first), median(&second));
    let median_change_pct = match (first_week_median, second_week_median) {
        (Some(a), Some(b)) if !a.is_zero() => Some(percent((b - a) / a)),
        _ => None,
    };
    let change_explained = explain_change(
        inputs,
        start,
        second_half,
        first_week_median,
        second_week_median,
        median_change_pct,
        window,
    );

    let mut deals: Vec<DealListing> = if segment.is_working_single() {
        inputs
            .current
            .iter()
            .filter(|c| c.date >= start)
            .filter_map(|c| {
                let (s, measured) = c.measured?;
                if s != segment {
                    return None;
                }
                let deal = deals::verdict(segment, measured, typical)?;
                Some(DealListing {
                    item_id: c.listing.item_id.clone(),
                    title: c.listing.title.clone(),
                    item_url: c.listing.item_url.clone(),
                    price: money(measured.amount),
                    deal,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    deals.sort_by(|a, b| a.price.cmp(&b.price).then(a.item_id.cmp(&b.item_id)));
    deals.truncate(MAX_GOOD_DEALS);

    SegmentInsight {
        segment: segment.key(),
        label: segment.label(),
        comparable: segment.is_working_single(),
        days_with_data,
        count: window.iter().map(|d| d.stats.count).sum(),
        without_shipping: window.iter().map(|d| d.without_shipping).sum(),
        typical: typical_price.map(money),
        lowest,
        first_week_median: first_week_median.map(money),
        second_week_median: second_week_median.map(money),
        median_change_pct,
        change_explained,
        deals,
        series: window.iter().map(|d| d.point()).collect(),
    }
}

/// The week-over-week change in a sentence that says what it compares, plus the end-to-end move
/// of the daily median when both ends have data.
fn explain_change(
    inputs: &InsightInputs,
    start: NaiveDate,
    second_half: NaiveDate,
    first: Option<Decimal>,
    second: Option<Decimal>,
    change: Option<Decimal>,
    window: &[&SegmentRollupDay],
) -> Option<String> {
    let (first, second, change) = (first?, second?, change?);
    let day = |d: NaiveDate| d.format("%b %-d").to_string();
    let direction = if change.is_sign_negative() && !change.is_zero() {
        format!("fell {} %", change.abs())
    } else if change.is_zero() {
        "did not change".to_owned()
    } else {
        format!("rose {change} %")
    };
    let mut sentence = format!(
        "The typical price (the median of each day's median) {direction}: {} for {}–{} against {} for {}–{}.",
        money(first),
        day(start),
        day(second_half - Duration::days(1)),
        money(second),
        day(second_half),
        day(inputs.today),
    );
    if let (Some(a), Some(b)) = (window.first(), window.last())
        && a.date != b.date
        && !a.stats.median.is_zero()
    {
        let pct = percent((b.stats.median - a.stats.median) / a.stats.median);
        sentence.push_str(&format!(
            " Day by day it went from {} on {} to {} on {} ({}{pct} %).",
            money(a.stats.median),
            day(a.date),
            money(b.stats.median),
            day(b.date),
            if pct.is_sign_positive() && !pct.is_zero() {
                "+"
            } else {
                ""
            },
        ));
    }
    Some(sentence)
}

fn summarise(inputs: &InsightInputs, start: NaiveDate, rollups: &[&RollupDay]) -> InsightSummary {
    // Before segments existed the summary is every listing's (the rules in the module doc).
    let first_week_days = i64::from(inputs.days / 2);
    let second_week_starts = start + Duration::days(first_week_days);
    let week_median = |in_week: &dyn Fn(NaiveDate) -> bool| {
        let medians: Vec<Decimal> = rollups
            .iter()
            .filter(|r| in_week(r.date))
            .map(|r| r.stats.median)
            .collect();
        median(&medians)
    };
    let first_week_median = week_median(&|d| d < second_week_starts);
    let second_week_median = week_median(&|d| d >= second_week_starts);
    let median_change_pct = match (first_week_median, second_week_median) {
        (Some(first), Some(second)) if !first.is_zero() => Some(percent((second - first) / first)),
        _ => None,
    };

    // The lowest daily minimum; on a tie the most recent day, the most relevant to a buyer.
    let lowest_day = rollups
        .iter()
        .copied()
        .min_by(|a, b| a.stats.min.cmp(&b.stats.min).then(b.date.cmp(&a.date)));
    let lowest = lowest_day.and_then(|day| {
        day.lowest.as_ref().map(|listing| ListingPrice {
            item_id: listing.item_id.clone(),
            title: listing.title.clone(),
            item_url: listing.item_url.clone(),
            image_url: listing.image_url.clone(),
            price: money(day.stats.min),
            date: day.date,
        })
    });

    let good_deals = match lowest_day {
        Some(day) => {
            let ceiling = day.stats.min * (Decimal::ONE_HUNDRED + Decimal::from(GOOD_DEAL_PERCENT))
                / Decimal::ONE_HUNDRED;
            let mut deals: Vec<&CurrentListing> = inputs
                .current
                .iter()
                .filter(|c| c.date >= start && c.price <= ceiling)
                .collect();
            deals.sort_by(|a, b| {
                a.price
                    .cmp(&b.price)
                    .then(a.listing.item_id.cmp(&b.listing.item_id))
            });
            deals
                .into_iter()
                .take(MAX_GOOD_DEALS)
                .map(|c| ListingPrice {
                    item_id: c.listing.item_id.clone(),
                    title: c.listing.title.clone(),
                    item_url: c.listing.item_url.clone(),
                    image_url: c.listing.image_url.clone(),
                    price: money(c.price),
                    date: c.date,
                })
                .collect()
        }
        None => Vec::new(),
    };

    let mut drops: Vec<(&CurrentListing, Decimal)> = inputs
        .current
        .iter()
        .filter(|c| c.date >= start && c.price < c.first_price && !c.first_price.is_zero())
        .map(|c| (c, percent((c.price - c.first_price) / c.first_price)))
        .collect();
    // Largest relative drop first; then the larger absolute drop; then by id for stability.
    drops.sort_by(|(a, pa), (b, pb)| {
        pa.cmp(pb)
            .then((b.first_price - b.price).cmp(&(a.first_price - a.price)))
            .then(a.listing.item_id.cmp(&b.listing.item_id))
    });
    let biggest_drops = drops
        .into_iter()
        .take(MAX_DROPS)
        .map(|(c, change_pct)| PriceDrop {
            item_id: c.listing.item_id.clone(),
            title: c.listing.title.clone(),
            item_url: c.listing.item_url.clone(),
            image_url: c.listing.image_url.clone(),
            from: money(c.first_price),
            to: money(c.price),
            change_pct,
        })
        .collect();

    InsightSummary {
        first_week_median: first_week_median.map(money),
        second_week_median: second_week_median.map(money),
        median_change_pct,
        lowest,
        good_deals,
        biggest_drops,
        new_listings: rollups.iter().map(|r| r.new_listings).sum(),
    }
}

/// The median of some values (mean of the middle two for an even count), in cents.
pub fn median(values: &[Decimal]) -> Option<Decimal> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let middle = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / Decimal::TWO
    };
    Some(cents(middle))
}

/// A ratio as a percentage with exactly one decimal (`-15.0`, not `-15`).
pub fn percent(ratio: Decimal) -> Decimal {
    let mut pct = (ratio * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    if pct.scale() < 1 {
        pct.rescale(1);
    }
    pct
}

/// Shows amounts with at least two decimals (`10` → `10.00`) without changing their value.
pub fn money(value: Decimal) -> Decimal {
    let mut value = value.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    value
}

#[cfg(test)]
mod tests {
    use pubsub::insights::DealKind;
    use rust_decimal_macros::dec;

    use super::*;

    fn listing(id: &str) -> Listing {
        Listing {
            item_id: id.into(),
            title: format!("Listing {id}"),
            item_url: format!("https://www.ebay.com/itm/{id}"),
            image_url: None,
        }
    }

    fn day(today: NaiveDate, ago: i64, median: Decimal, min: Decimal, low_id: &str) -> RollupDay {
        RollupDay {
            date: today - Duration::days(ago),
            stats: DayStats {
                count: 10,
                min,
                p25: median - dec!(5),
                median,
                p75: median + dec!(5),
                mean: median,
                max: median + dec!(20),
            },
            new_listings: 2,
            lowest: Some(listing(low_id)),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// The hand-computed fixture (14-day window 2026-11-10 … 2026-11-23):
    ///
    /// week 1 (11-10 … 11-16) has data on 4 days with medians 100, 104, 98, 102 → sorted
    ///   98, 100, 102, 104 → median (100 + 102) / 2 = 101.00;
    /// week 2 (11-17 … 11-23) has data on 3 days with medians 95, 90, 99 → median 95.00;
    /// change = (95 − 101) / 101 = −5.9405…% → −5.9.
    /// Lowest daily min: 80 on 11-12 ("low-a") and 80 on 11-21 ("low-b") → the later, 11-21.
    /// Latest run (today, whose rollup low is d2's 81): d1 84 (first 100), d2 81 (first 90),
    ///   d3 84.01 (first 70), d4 95 (first 120).
    /// Good deals: ≤ 80 × 1.05 = 84 → "d2" at 81.00 and "d1" at 84.00 (not "d3" at 84.01).
    /// Drops: d4 120 → 95 = −20.833…% → −20.8, d1 100 → 84 = −16.0, d2 90 → 81 = −10.0; d3 rose.
    fn fixture() -> InsightInputs {
        let t = today();
        let rollups = vec![
            day(t, 13, dec!(100), dec!(85), "a"),
            day(t, 12, dec!(104), dec!(88), "b"),
            day(t, 11, dec!(98), dec!(80), "low-a"),
            day(t, 9, dec!(102), dec!(90), "c"),
            day(t, 6, dec!(95), dec!(82), "d"),
            day(t, 2, dec!(90), dec!(80), "low-b"),
            day(t, 0, dec!(99), dec!(81), "d2"),
            // Outside the window: ignored.
            day(t, 14, dec!(1), dec!(1), "old"),
        ];
        let current = |id: &str, price: Decimal, first: Decimal| CurrentListing {
            listing: listing(id),
            price,
            date: t,
            first_price: first,
            measured: None,
        };
        InsightInputs {
            alert_id: Uuid::nil(),
            search_phrase: Some("lego 42100".into()),
            currency: "USD".into(),
            days: 14,
            today: t,
            now: DateTime::<Utc>::from_naive_utc_and_offset(t.and_hms_opt(12, 0, 0).unwrap(), Utc),
            rollups,
            current: vec![
                current("d1", dec!(84), dec!(100)),
                current("d2", dec!(81), dec!(90)),
                current("d3", dec!(84.01), dec!(70)),
                current("d4", dec!(95), dec!(120)),
            ],
            segment_days: Vec::new(),
        }
    }

    #[test]
    fn the_report_matches_the_hand_computed_fixture() {
        let report = compute(&fixture());

        assert!(report.enough_data);
        assert_eq!(report.message, None);
        assert_eq!(
            report.window_start,
            NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()
        );
        assert_eq!(report.days_with_data, 7);
        assert_eq!(
            report.series.len(),
            7,
            "the day before the window is left out"
        );
        assert_eq!(report.series[0].median, dec!(100.00));
        assert!(report.series.windows(2).all(|w| w[0].date < w[1].date));

        let s = &report.summary;
        assert_eq!(s.first_week_median, Some(dec!(101.00)));
        assert_eq!(s.second_week_median, Some(dec!(95.00)));
        assert_eq!(s.median_change_pct, Some(dec!(-5.9)));

        let lowest = s.lowest.as_ref().unwrap();
        assert_eq!(lowest.item_id, "low-b");
        assert_eq!(lowest.price, dec!(80.00));
        assert_eq!(lowest.date, NaiveDate::from_ymd_opt(2026, 11, 21).unwrap());

        let deals: Vec<(&str, Decimal)> = s
            .good_deals
            .iter()
            .map(|d| (d.item_id.as_str(), d.price))
            .collect();
        assert_eq!(deals, vec![("d2", dec!(81.00)), ("d1", dec!(84.00))]);

        let drops: Vec<(&str, Decimal, Decimal, Decimal)> = s
            .biggest_drops
            .iter()
            .map(|d| (d.item_id.as_str(), d.from, d.to, d.change_pct))
            .collect();
        assert_eq!(
            drops,
            vec![
                ("d4", dec!(120.00), dec!(95.00), dec!(-20.8)),
                ("d1", dec!(100.00), dec!(84.00), dec!(-16.0)),
                ("d2", dec!(90.00), dec!(81.00), dec!(-10.0)),
            ]
        );
        assert_eq!(s.new_listings, 14, "2 per day on 7 days");
    }

    #[test]
    fn fewer_than_three_days_is_honestly_not_enough() {
        let mut inputs = fixture();
        inputs.rollups.truncate(2);

        let report = compute(&inputs);

        assert!(!report.enough_data);
        assert_eq!(report.days_with_data, 2);
        assert_eq!(report.series.len(), 2, "the data there is is still shown");
        assert_eq!(report.summary, InsightSummary::default());
        let message = report.message.unwrap();
        assert!(message.starts_with("Not enough data yet"), "{message}");
        assert!(message.contains("2 of the last 14 days"), "{message}");
    }

    #[test]
    fn a_week_without_data_gives_no_change_rather_than_a_made_up_one() {
        let mut inputs = fixture();
        inputs
            .rollups
            .retain(|r| r.date >= today() - Duration::days(6));

        let report = compute(&inputs);

        assert!(report.enough_data);
        assert_eq!(report.summary.first_week_median, None);
        assert_eq!(report.summary.second_week_median, Some(dec!(95.00)));
        assert_eq!(report.summary.median_change_pct, None);
    }

    /// The like-for-like fixture (hand-computed; window 14 days ending 2026-11-23):
    ///
    /// `used/fixed_price` on 10 days (9 … 0 days ago) with daily medians 200, 205, 210, 195,
    /// 200, 220, 230, 200, 205, 210, Q1 = median − 15, Q3 = median + 15, robust lows 170 except
    /// 160 six days ago (listing "low-u"). Typical (30 days) = 205, typical Q1 190, fence
    /// max(190 − 3 × 30, 102.5) = 102.5. Cheaper-looking segments beside it: `for_parts` (a
    /// broken unit at 26.99 every day), `lot` (a lot at 120), `used/auction` (a bid of 61 near
    /// the end on 2 days).
    ///
    /// Latest run: u1 used 165 → 19.5 % below, ≤ Q1 → below typical; u2 used 150 → ≤ 160 →
    /// lowest in 30 days (26.8 % below); u3 used 150 without shipping → none; u4 used 100 →
    /// below the fence → none; p1 for parts 26.99, l1 lot 120, a1 auction 61 → none (not in the
    /// main segment; parts and lots never get verdicts; the auction segment has 2 days only).
    ///
    /// Week 1 (11-10 … 11-16: 9, 8, 7 days ago) medians 200, 205, 210 → 205; week 2 the other
    /// seven → sorted 195 200 200 205 210 220 230 → 205: no change; end to end 200 → 210 (+5.0 %).
    fn like_for_like() -> InsightInputs {
        use super::super::segments::Group;
        let t = today();
        let seg = |group, format| Segment { group, format };
        let used = seg(Group::Used, Format::FixedPrice);
        let stats = |m: Decimal| DayStats {
            count: 20,
            min: m - dec!(40),
            p25: m - dec!(15),
            median: m,
            p75: m + dec!(15),
            mean: m,
            max: m + dec!(40),
        };
        let mut segment_days = Vec::new();
        for (i, m) in [200, 205, 210, 195, 200, 220, 230, 200, 205, 210]
            .iter()
            .enumerate()
        {
            let ago = 9 - i as i64;
            segment_days.push(SegmentRollupDay {
                date: t - Duration::days(ago),
                segment: used,
                stats: stats(Decimal::from(*m)),
                robust_low: if ago == 6 { dec!(160) } else { dec!(170) },
                low_listing: Some(listing(if ago == 6 { "low-u" } else { "u-any" })),
                without_shipping: 1,
                new_listings: 1,
            });
            segment_days.push(SegmentRollupDay {
                date: t - Duration::days(ago),
                segment: seg(Group::ForParts, Format::FixedPrice),
                stats: stats(dec!(26.99)),
                robust_low: dec!(26.99),
                low_listing: Some(listing("p1")),
                without_shipping: 0,
                new_listings: 0,
            });
            segment_days.push(SegmentRollupDay {
                date: t - Duration::days(ago),
                segment: seg(Group::Lot, Format::FixedPrice),
                stats: stats(dec!(120)),
                robust_low: dec!(120),
                low_listing: Some(listing("l1")),
                without_shipping: 0,
                new_listings: 0,
            });
        }
        for ago in [1, 0] {
            segment_days.push(SegmentRollupDay {
                date: t - Duration::days(ago),
                segment: seg(Group::Used, Format::Auction),
                stats: stats(dec!(61)),
                robust_low: dec!(61),
                low_listing: Some(listing("a1")),
                without_shipping: 0,
                new_listings: 1,
            });
        }
        let current =
            |id: &str, segment: Segment, amount: Decimal, without_shipping: bool| CurrentListing {
                listing: listing(id),
                price: amount,
                date: t,
                first_price: amount,
                measured: Some((
                    segment,
                    MeasuredPrice {
                        amount,
                        without_shipping,
                    },
                )),
            };
        let mut inputs = fixture();
        inputs.segment_days = segment_days;
        inputs.current = vec![
            current("u1", used, dec!(165), false),
            current("u2", used, dec!(150), false),
            current("u3", used, dec!(150), true),
            current("u4", used, dec!(100), false),
            current(
                "p1",
                seg(Group::ForParts, Format::FixedPrice),
                dec!(26.99),
                false,
            ),
            current("l1", seg(Group::Lot, Format::FixedPrice), dec!(120), false),
            current("a1", seg(Group::Used, Format::Auction), dec!(61), false),
        ];
        inputs
    }

    #[test]
    fn parts_lots_and_bids_never_set_the_lowest_or_a_good_deal_of_working_items() {
        let report = compute(&like_for_like());

        assert_eq!(report.main_segment.as_deref(), Some("used/fixed_price"));
        let order: Vec<&str> = report.segments.iter().map(|s| s.segment.as_str()).collect();
        assert_eq!(
            order,
            [
                "used/fixed_price",
                "used/auction",
                "for_parts/fixed_price",
                "lot/fixed_price"
            ]
        );
        let s = &report.summary;
        let lowest = s.lowest.as_ref().unwrap();
        assert_eq!(
            (lowest.item_id.as_str(), lowest.price),
            ("low-u", dec!(160.00))
        );
        assert_eq!(lowest.date, today() - Duration::days(6));
        let deals: Vec<(&str, Decimal)> = s
            .good_deals
            .iter()
            .map(|d| (d.item_id.as_str(), d.price))
            .collect();
        assert_eq!(deals, [("u2", dec!(150.00)), ("u1", dec!(165.00))]);

        let used = &report.segments[0];
        assert_eq!(used.typical, Some(dec!(205.00)));
        assert_eq!(used.without_shipping, 10);
        let verdicts: Vec<(&str, DealKind, Option<Decimal>)> = used
            .deals
            .iter()
            .map(|d| {
                (
                    d.item_id.as_str(),
                    d.deal.kind,
                    d.deal.percent_below_typical,
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                ("u2", DealKind::LowestIn30Days, Some(dec!(26.8))),
                ("u1", DealKind::BelowTypical, Some(dec!(19.5))),
            ]
        );
        for other in &report.segments[1..] {
            assert!(other.deals.is_empty(), "{}", other.segment);
        }
        assert!(!report.segments[2].comparable && !report.segments[3].comparable);

        // The chart and the week medians are the main segment's.
        assert_eq!(report.series.len(), 10);
        assert_eq!(report.series[0].median, dec!(200.00));
        assert_eq!(s.first_week_median, Some(dec!(205.00)));
        assert_eq!(s.second_week_median, Some(dec!(205.00)));
        assert_eq!(s.median_change_pct, Some(dec!(0.0)));
        assert_eq!(
            used.change_explained.as_deref(),
            Some(
                "The typical price (the median of each day's median) did not change: 205.00 for \
                 Nov 10–Nov 16 against 205.00 for Nov 17–Nov 23. Day by day it went from 200.00 \
                 on Nov 14 to 210.00 on Nov 23 (+5.0 %)."
            )
        );
    }

    #[test]
    fn a_week_without_real_deals_says_none_rather_than_showing_the_cheapest() {
        let mut inputs = like_for_like();
        inputs
            .current
            .retain(|c| !matches!(c.listing.item_id.as_str(), "u1" | "u2"));

        let report = compute(&inputs);

        assert!(report.summary.good_deals.is_empty());
        assert!(report.segments.iter().all(|s| s.deals.is_empty()));
    }

    #[test]
    fn medians_and_money_formatting() {
        assert_eq!(median(&[dec!(3), dec!(1), dec!(2)]), Some(dec!(2)));
        assert_eq!(median(&[dec!(1), dec!(2)]), Some(dec!(1.50)));
        assert_eq!(median(&[dec!(0.01), dec!(0.02)]), Some(dec!(0.02)));
        assert_eq!(median(&[]), None);
        assert_eq!(money(dec!(10)).to_string(), "10.00");
        assert_eq!(money(dec!(10.5)).to_string(), "10.50");
        assert_eq!(money(dec!(10.125)).to_string(), "10.125");
    }
}
