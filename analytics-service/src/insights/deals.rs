//! Deal verdicts (DESIGN §6 "Wave 2"), pure: a listing's price against its segment's last
//! [`VERDICT_WINDOW_DAYS`] days of daily figures.
//!
//! The rules, in order:
//! 1. Only working single items get a verdict: `for_parts` and `lot` segments never do (their
//!    prices are not what a buyer of one working unit pays).
//! 2. A price whose shipping is unknown while the alert compares totals gets none: its total is
//!    not known, so it cannot be called the lowest.
//! 3. A price below the segment's typical lower fence (the higher of Q1 − 3 × IQR and half the
//!    typical price, on the window's typical quartiles; see [`super::segments::lower_fence`])
//!    gets none: it is not comparable (a box, a part, a mistake) however cheap it looks.
//! 4. `lowest_in_30_days`: the segment has prices on at least [`MIN_DAYS_FOR_LOWEST`] days of
//!    the window and the price is at or below every day's robust low. Seven days, because "the
//!    lowest in 30 days" said on two days of history would be a claim the data cannot support,
//!    and one week covers the weekday/weekend swing of eBay listings.
//! 5. `below_typical`: the segment has prices on at least [`MIN_DAYS_FOR_TYPICAL`] days (the
//!    report's own minimum), and the price is at least [`BELOW_TYPICAL_PERCENT`] % below the
//!    typical price (the median of the daily medians) **and** at or below the typical first
//!    quartile. 15 %: day-to-day, a segment's median moves by a few percent and its cheaper
//!    quarter sits 5–10 % under the median, so 15 % is below ordinary price noise and below the
//!    cheap end of a normal day; the quartile condition keeps a "15 % off" in a very wide segment
//!    (where it is mid-pack) from being called a deal.
//!
//! `percent_below_typical` is filled whenever the price is below typical, also for
//! `lowest_in_30_days`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pubsub::ObservedItem;
use pubsub::insights::{Deal, DealKind, Verdict};
use rust_decimal::{Decimal, RoundingStrategy};

use super::compute::SegmentRollupDay;
use super::segments::{self, MeasuredPrice, PriceBasis, Segment};
use crate::ingest::rollup::DayStats;

/// Days of history a verdict looks at.
pub const VERDICT_WINDOW_DAYS: u32 = 30;
/// `lowest_in_30_days` needs prices on this many days of the window.
pub const MIN_DAYS_FOR_LOWEST: usize = 7;
/// `below_typical` needs prices on this many days of the window.
pub const MIN_DAYS_FOR_TYPICAL: usize = pubsub::insights::MIN_DAYS_WITH_DATA as usize;
/// `below_typical` needs the price at least this many percent below typical.
pub const BELOW_TYPICAL_PERCENT: u32 = 15;

/// One day of a segment, as verdicts need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryDay {
    /// The day's statistics.
    pub stats: DayStats,
    /// The day's lowest comparable price.
    pub robust_low: Decimal,
}

/// A segment's typical figures over a window: medians of the daily figures, so every day weighs
/// the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typical {
    /// Median of daily first quartiles.
    pub p25: Decimal,
    /// Median of daily medians: "the typical price".
    pub median: Decimal,
    /// Median of daily third quartiles.
    pub p75: Decimal,
    /// The lowest daily robust low.
    pub low: Decimal,
    /// Days with prices.
    pub days: usize,
}

impl Typical {
    /// The typical figures of some days; `None` without any.
    pub fn of(days: &[HistoryDay]) -> Option<Self> {
        let pick = |f: fn(&HistoryDay) -> Decimal| {
            super::compute::median(&days.iter().map(f).collect::<Vec<_>>())
        };
        Some(Self {
            p25: pick(|d| d.stats.p25)?,
            median: pick(|d| d.stats.median)?,
            p75: pick(|d| d.stats.p75)?,
            low: days.iter().map(|d| d.robust_low).min()?,
            days: days.len(),
        })
    }

    /// Below this, a price is not comparable.
    pub fn fence(&self) -> Decimal {
        let tukey = self.p25 - (self.p75 - self.p25) * Decimal::from(3);
        tukey.max(self.median / Decimal::TWO)
    }
}

/// The verdict on one price of one segment, given that segment's typical figures.
pub fn verdict(segment: Segment, price: MeasuredPrice, typical: Option<&Typical>) -> Option<Deal> {
    let typical = typical?;
    if !segment.is_working_single() || price.without_shipping || typical.median.is_zero() {
        return None;
    }
    let amount = price.amount;
    if amount < typical.fence() {
        return None;
    }
    let percent_below = (amount < typical.median).then(|| {
        let mut pct = ((typical.median - amount) / typical.median * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
        pct.rescale(1);
        pct
    });
    if typical.days >= MIN_DAYS_FOR_LOWEST && amount <= typical.low {
        return Some(Deal {
            kind: DealKind::LowestIn30Days,
            percent_below_typical: percent_below,
        });
    }
    let threshold = Decimal::from(BELOW_TYPICAL_PERCENT);
    if typical.days >= MIN_DAYS_FOR_TYPICAL
        && amount <= typical.p25
        && percent_below.is_some_and(|pct| pct >= threshold)
    {
        return Some(Deal {
            kind: DealKind::BelowTypical,
            percent_below_typical: percent_below,
        });
    }
    None
}

/// Each segment's typical figures over the [`VERDICT_WINDOW_DAYS`] days ending `today`.
pub fn typical_by_segment(
    history: &[SegmentRollupDay],
    today: NaiveDate,
) -> BTreeMap<Segment, Typical> {
    let start = today - Duration::days(i64::from(VERDICT_WINDOW_DAYS) - 1);
    let mut days: BTreeMap<Segment, Vec<HistoryDay>> = BTreeMap::new();
    for d in history {
        if d.date >= start && d.date <= today && d.stats.count > 0 {
            days.entry(d.segment).or_default().push(HistoryDay {
                stats: d.stats.clone(),
                robust_low: d.robust_low,
            });
        }
    }
    days.into_iter()
        .filter_map(|(segment, days)| Some((segment, Typical::of(&days)?)))
        .collect()
}

/// The verdicts on listings an alert run saw (`POST …/verdicts`): each listing in its segment,
/// measured on the alert's basis, against that segment's history. A listing in another currency
/// than the history's gets none (prices in two currencies are never compared).
pub fn judge(
    items: &[ObservedItem],
    observed_at: DateTime<Utc>,
    basis: PriceBasis,
    currency: &str,
    typical: &BTreeMap<Segment, Typical>,
) -> Vec<Verdict> {
    items
        .iter()
        .map(|item| {
            let segment = segments::segment_of(item);
            let same_currency = item.price.currency == currency
                && item
                    .shipping_cost
                    .as_ref()
                    .is_none_or(|s| s.currency == currency);
            let deal = same_currency
                .then(|| segments::measured_price(item, segment.format, basis, observed_at))
                .flatten()
                .and_then(|price| verdict(segment, price, typical.get(&segment)));
            Verdict {
                item_id: item.item_id.clone(),
                segment: segment.key(),
                deal,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::insights::segments::{Format, Group};

    fn day(p25: Decimal, median: Decimal, p75: Decimal, low: Decimal) -> HistoryDay {
        HistoryDay {
            stats: DayStats {
                count: 20,
                min: low,
                p25,
                median,
                p75,
                mean: median,
                max: p75 + dec!(50),
            },
            robust_low: low,
        }
    }

    const USED: Segment = Segment {
        group: Group::Used,
        format: Format::FixedPrice,
    };

    fn price(amount: Decimal) -> MeasuredPrice {
        MeasuredPrice {
            amount,
            without_shipping: false,
        }
    }

    /// Ten days of a used, fixed-price segment (hand-computed):
    /// daily medians 200, 205, 210, 195, 200, 220, 230, 200, 205, 210 → sorted
    /// 195 200 200 200 205 205 210 210 220 230 → typical (205 + 205) / 2 = 205;
    /// p25 = median − 15 each day → 190; p75 = median + 15 → 220; IQR 30; fence
    /// max(190 − 90, 102.5) = 102.5; robust lows 170 … (lowest 160 on one day).
    fn ten_days() -> Vec<HistoryDay> {
        [200, 205, 210, 195, 200, 220, 230, 200, 205, 210]
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let m = Decimal::from(*m);
                let low = if i == 4 { dec!(160) } else { dec!(170) };
                day(m - dec!(15), m, m + dec!(15), low)
            })
            .collect()
    }

    #[test]
    fn typical_figures_are_medians_of_daily_figures() {
        let t = Typical::of(&ten_days()).unwrap();
        assert_eq!(
            (t.p25, t.median, t.p75, t.low, t.days),
            (dec!(190), dec!(205), dec!(220), dec!(160), 10)
        );
        assert_eq!(t.fence(), dec!(102.5));
        assert!(Typical::of(&[]).is_none());
    }

    #[test]
    fn verdicts_match_the_hand_computed_table() {
        let ten = Typical::of(&ten_days()).unwrap();
        let five = Typical::of(&ten_days()[..5]).unwrap();
        let two = Typical::of(&ten_days()[..2]).unwrap();
        // five days: medians 195 200 200 205 210 → 200; p25 185; low 160.
        // two days: medians 200, 205 → 202.50; p25 187.50; low 170.
        let lowest = |pct: Decimal| {
            Some(Deal {
                kind: DealKind::LowestIn30Days,
                percent_below_typical: Some(pct),
            })
        };
        let below = |pct: Decimal| {
            Some(Deal {
                kind: DealKind::BelowTypical,
                percent_below_typical: Some(pct),
            })
        };
        let cases = [
            // (typical, price, verdict, why)
            (
                &ten,
                dec!(160),
                lowest(dec!(22.0)),
                "at the 30-day low: (205-160)/205 = 21.95 %",
            ),
            (&ten, dec!(150), lowest(dec!(26.8)), "below the 30-day low"),
            (
                &ten,
                dec!(174.25),
                below(dec!(15.0)),
                "exactly 15 % below typical and under Q1",
            ),
            (
                &ten,
                dec!(174.36),
                None,
                "(205 − 174.36) / 205 = 14.946 % → 14.9: not enough",
            ),
            (&ten, dec!(180), None, "12.2 % below: not enough"),
            (&ten, dec!(205), None, "typical"),
            (
                &ten,
                dec!(100),
                None,
                "below the fence 102.5: not comparable",
            ),
            (
                &five,
                dec!(160),
                below(dec!(20.0)),
                "5 days: too little history for the 30-day low",
            ),
            (
                &two,
                dec!(150),
                None,
                "2 days: too little history for anything",
            ),
        ];
        for (typical, amount, want, why) in cases {
            let got = verdict(USED, price(amount), Some(typical));
            assert_eq!(got, want, "{amount}: {why}");
        }
    }

    #[test]
    fn listings_are_judged_in_their_own_segment_and_currency() {
        use chrono::TimeZone;
        use pubsub::Money;
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let history: Vec<SegmentRollupDay> = ten_days()
            .into_iter()
            .enumerate()
            .map(|(i, d)| SegmentRollupDay {
                date: today - Duration::days(i as i64),
                segment: USED,
                stats: d.stats,
                robust_low: d.robust_low,
                low_listing: None,
                without_shipping: 0,
                new_listings: 0,
            })
            .collect();
        let typical = typical_by_segment(&history, today);
        let item = |id: &str, title: &str, price: Decimal, currency: &str| ObservedItem {
            item_id: id.into(),
            title: title.into(),
            price: Money::new(price, currency),
            shipping_cost: Some(Money::new(dec!(10), currency)),
            condition: Some("Used".into()),
            buying_options: vec!["FIXED_PRICE".into()],
            item_url: String::new(),
            image_url: None,
            seller: None,
            condition_id: Some(3000),
            buying_option: Some("fixed_price".into()),
            current_bid: None,
            bid_count: None,
            ends_at: None,
            seller_feedback_percent: None,
        };
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
        let items = [
            // 140 + 10 shipping = 150 ≤ the 30-day low 160.
            item("a", "Switch OLED", dec!(140), "USD"),
            // The same price as a lot: its own segment, no history, no verdict.
            item("b", "Lot of 2 Switch OLED", dec!(140), "USD"),
            // Another currency: not compared.
            item("c", "Switch OLED", dec!(140), "EUR"),
            // 195 + 10 = 205: typical.
            item("d", "Switch OLED", dec!(195), "USD"),
        ];
        let verdicts = judge(&items, at, PriceBasis::WithShipping, "USD", &typical);
        let got: Vec<(&str, &str, Option<DealKind>)> = verdicts
            .iter()
            .map(|v| {
                (
                    v.item_id.as_str(),
                    v.segment.as_str(),
                    v.deal.as_ref().map(|d| d.kind),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", "used/fixed_price", Some(DealKind::LowestIn30Days)),
                ("b", "lot/fixed_price", None),
                ("c", "used/fixed_price", None),
                ("d", "used/fixed_price", None),
            ]
        );
        // On the item basis 140 is also the lowest; 195 is still typical-ish (4.9 % below).
        let on_item = judge(&items, at, PriceBasis::Item, "USD", &typical);
        assert_eq!(
            on_item[0].deal.as_ref().map(|d| d.kind),
            Some(DealKind::LowestIn30Days)
        );
        assert_eq!(on_item[3].deal, None);
    }

    #[test]
    fn lots_parts_unknown_shipping_and_no_history_get_no_verdict() {
        let ten = Typical::of(&ten_days()).unwrap();
        for group in [Group::ForParts, Group::Lot] {
            let segment = Segment {
                group,
                format: Format::FixedPrice,
            };
            assert_eq!(verdict(segment, price(dec!(100)), Some(&ten)), None);
        }
        let unknown_shipping = MeasuredPrice {
            amount: dec!(150),
            without_shipping: true,
        };
        assert_eq!(verdict(USED, unknown_shipping, Some(&ten)), None);
        assert_eq!(verdict(USED, price(dec!(150)), None), None);
    }
}
