//! A small price history whose insights were computed by hand, shared by the Postgres and the
//! SQLite tests.
//!
//! Listings L1…L4 of one USD alert, on four days of the 14-day window:
//!
//! | day | runs | prices | sorted | min | p25 | median | p75 | mean | max | new |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | −13 | 2 | L1 100, L2 120, L3 140 (each run) | 100 100 120 120 140 140 | 100 | 105 | 120 | 135 | 120 | 140 | 3 |
//! | −10 | 1 | L1 90, L2 120, L3 150 | 90 120 150 | 90 | 105 | 120 | 135 | 120 | 150 | 0 |
//! | −5 | 1 | L1 90, L2 110, L3 130, L4 95 | 90 95 110 130 | 90 | 93.75 | 102.50 | 115 | 106.25 | 130 | 1 |
//! | 0 | 1 | L1 85, L2 100, L4 88 | 85 88 100 | 85 | 86.50 | 88 | 94 | 91 | 100 | 0 |
//!
//! (p25 of six values: position 1.25 → 100 + 0.25 × 20 = 105; of four: position 0.75 →
//! 90 + 0.75 × 5 = 93.75.)
//!
//! Week 1 (days −13…−7) daily medians 120, 120 → 120.00; week 2 (−6…0) 102.50, 88 → 95.25;
//! change (95.25 − 120) / 120 = −20.625 % → −20.6.
//! Lowest: 85.00 (L1, today). Every listing is "New", fixed price, free shipping: one segment,
//! `new/fixed_price`, so the headline figures are that segment's and equal the table's.
//! Good deals are deal verdicts (30 days = these 4 days): typical = median of daily medians
//! 88, 102.50, 120, 120 → 111.25; typical Q1 = median of 86.50, 93.75, 105, 105 → 99.375.
//! L1 85: (111.25 − 85) / 111.25 = 23.6 % below, ≤ Q1 → below typical; L4 88: 20.9 % → below
//! typical; L2 100: 10.1 % → none. Four days are too few for "lowest in 30 days" (seven).
//! Drops since first seen in the window: L2 120 → 100 = −16.7 %, L1 100 → 85 = −15.0 %,
//! L4 95 → 88 = −7.4 %. New listings: 4.

use rust_decimal_macros::dec;
use serde_json::Value;
use uuid::Uuid;

use super::helpers::{alert_created, day_at, observed};
use pubsub::Event;

pub fn price_history(alert_id: Uuid) -> Vec<Event> {
    vec![
        alert_created(alert_id),
        observed(
            alert_id,
            day_at(13, 0),
            &[("L1", dec!(100)), ("L2", dec!(120)), ("L3", dec!(140))],
        ),
        observed(
            alert_id,
            day_at(13, 600),
            &[("L1", dec!(100.00)), ("L2", dec!(120)), ("L3", dec!(140))],
        ),
        observed(
            alert_id,
            day_at(10, 0),
            &[("L1", dec!(90)), ("L2", dec!(120)), ("L3", dec!(150))],
        ),
        observed(
            alert_id,
            day_at(5, 0),
            &[
                ("L1", dec!(90)),
                ("L2", dec!(110)),
                ("L3", dec!(130)),
                ("L4", dec!(95)),
            ],
        ),
        observed(
            alert_id,
            day_at(0, 1),
            &[("L1", dec!(85)), ("L2", dec!(100)), ("L4", dec!(88))],
        ),
    ]
}

fn strings(values: &[&Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Checks a report (as JSON) against the hand-computed figures above.
pub fn assert_matches_hand_computed(report: &Value) {
    assert_eq!(report["currency"], "USD");
    assert_eq!(report["days"], 14);
    assert_eq!(report["enough_data"], true, "{report:#}");
    assert_eq!(report["days_with_data"], 4);
    assert_eq!(report["search_phrase"], "lego 42100");

    let series = report["series"].as_array().unwrap();
    let column = |name: &str| strings(&series.iter().map(|p| &p[name]).collect::<Vec<_>>());
    assert_eq!(column("median"), ["120.00", "120.00", "102.50", "88.00"]);
    assert_eq!(column("min"), ["100.00", "90.00", "90.00", "85.00"]);
    assert_eq!(column("p25"), ["105.00", "105.00", "93.75", "86.50"]);
    assert_eq!(column("p75"), ["135.00", "135.00", "115.00", "94.00"]);
    assert_eq!(column("mean"), ["120.00", "120.00", "106.25", "91.00"]);
    assert_eq!(column("max"), ["140.00", "150.00", "130.00", "100.00"]);
    let counts: Vec<u64> = series
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [6, 3, 4, 3]);
    let new: Vec<u64> = series
        .iter()
        .map(|p| p["new_listings"].as_u64().unwrap())
        .collect();
    assert_eq!(new, [3, 0, 1, 0]);

    let summary = &report["summary"];
    assert_eq!(summary["first_week_median"], "120.00");
    assert_eq!(summary["second_week_median"], "95.25");
    assert_eq!(summary["median_change_pct"], "-20.6");
    assert_eq!(summary["lowest"]["item_id"], "v1|L1|0");
    assert_eq!(summary["lowest"]["price"], "85.00");
    assert_eq!(summary["lowest"]["item_url"], "https://www.ebay.com/itm/L1");
    let deals: Vec<(String, String)> = summary["good_deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["item_id"].as_str().unwrap().to_owned(),
                d["price"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        deals,
        [
            ("v1|L1|0".to_owned(), "85.00".to_owned()),
            ("v1|L4|0".to_owned(), "88.00".to_owned())
        ]
    );
    assert_eq!(report["main_segment"], "new/fixed_price");
    let segment = &report["segments"][0];
    assert_eq!(segment["segment"], "new/fixed_price");
    assert_eq!(segment["label"], "New, fixed price");
    assert_eq!(segment["typical"], "111.25");
    assert_eq!(segment["lowest"]["price"], "85.00");
    assert_eq!(segment["lowest"]["item_id"], "v1|L1|0");
    let verdicts: Vec<(String, String, String)> = segment["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["item_id"].as_str().unwrap().to_owned(),
                d["deal"]["kind"].as_str().unwrap().to_owned(),
                d["deal"]["percent_below_typical"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                "v1|L1|0".to_owned(),
                "below_typical".to_owned(),
                "23.6".to_owned()
            ),
            (
                "v1|L4|0".to_owned(),
                "below_typical".to_owned(),
                "20.9".to_owned()
            ),
        ]
    );
    assert_eq!(report["segments"].as_array().unwrap().len(), 1);
    let drops: Vec<(String, String, String, String)> = summary["biggest_drops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["item_id"].as_str().unwrap().to_owned(),
                d["from"].as_str().unwrap().to_owned(),
                d["to"].as_str().unwrap().to_owned(),
                d["change_pct"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("v1|L2|0", "120.00", "100.00", "-16.7"),
        ("v1|L1|0", "100.00", "85.00", "-15.0"),
        ("v1|L4|0", "95.00", "88.00", "-7.4"),
    ];
    assert_eq!(
        drops,
        expected.map(|(a, b, c, d)| (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()))
    );
    assert_eq!(summary["new_listings"], 4);
}
