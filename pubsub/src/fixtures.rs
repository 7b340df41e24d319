//! Sample events for tests and benchmarks of this crate and of the services, behind the
//! `test-fixtures` feature so production builds do not carry them (enable it in
//! `[dev-dependencies]`).

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::event::Event;
use crate::payload::{
    AlertChanged, AlertDeleted, AlertSnapshot, BuyingOptionsFilter, ConditionFilter, InsightDeal,
    InsightGenerated, Money, ObservedItem, Payload, ProductsObserved,
};

/// A plausible alert at `revision`.
pub fn alert(id: Uuid, revision: u64) -> AlertSnapshot {
    let created = Utc
        .with_ymd_and_hms(2026, 11, 21, 10, 0, 0)
        .single()
        .unwrap_or_default();
    AlertSnapshot {
        id,
        owner_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
        owner_email: "ada@example.com".into(),
        search_phrase: "lego 42100".into(),
        frequency_minutes: 10,
        min_price: Some(Decimal::new(10_000, 2)),
        max_price: Some(Decimal::new(45_000, 2)),
        currency: "USD".into(),
        condition: ConditionFilter::New,
        buying_options: BuyingOptionsFilter::Any,
        target_price: Some(Decimal::new(29_999, 2)),
        paused: false,
        revision,
        created_at: created,
        updated_at: created + chrono::Duration::minutes(revision as i64),
        unsubscribe_url: Some(format!(
            "https://alerts.example.com/unsubscribe?token=t-{id}&kind=insights"
        )),
        conditions: vec!["new".into()],
        exclude_words: vec!["lot".into()],
        exclude_sellers: Vec::new(),
        min_seller_feedback_percent: None,
        price_basis: Some("with_shipping".into()),
        ending_within_hours: None,
        notify_on: Some("new_listings".into()),
        insight_emails: true,
        alert_emails: true,
    }
}

/// `alert.created` for a new alert.
pub fn alert_created(id: Uuid) -> Event {
    Event::new(
        "alerts-service",
        Some(id.to_string()),
        Payload::AlertCreated(AlertChanged {
            alert: alert(id, 1),
        }),
    )
}

/// `alert.updated` at `revision`.
pub fn alert_updated(id: Uuid, revision: u64) -> Event {
    Event::new(
        "alerts-service",
        Some(id.to_string()),
        Payload::AlertUpdated(AlertChanged {
            alert: alert(id, revision),
        }),
    )
}

/// `alert.deleted` at `revision`.
pub fn alert_deleted(id: Uuid, revision: u64) -> Event {
    Event::new(
        "alerts-service",
        Some(id.to_string()),
        Payload::AlertDeleted(AlertDeleted {
            alert_id: id,
            revision,
        }),
    )
}

/// A `products.observed` event with `n` listings of realistic size.
pub fn products_observed(alert_id: Uuid, n: usize) -> Event {
    let items = (0..n)
        .map(|i| ObservedItem {
            item_id: format!("v1|{}|0", 110_000_000_000u64 + i as u64),
            title: format!(
                "LEGO Technic 42100 Liebherr R 9800 Excavator - listing {i} - sealed box"
            ),
            price: Money::new(Decimal::new(39_999 + (i as i64 * 137) % 9_000, 2), "USD"),
            shipping_cost: (i % 3 != 0).then(|| Money::new(Decimal::new(1_299, 2), "USD")),
            condition: Some(if i % 2 == 0 { "New" } else { "Used" }.into()),
            buying_options: vec!["FIXED_PRICE".into(), "BEST_OFFER".into()],
            item_url: format!("https://www.ebay.com/itm/{}", 110_000_000_000u64 + i as u64),
            image_url: Some(format!("https://i.ebayimg.com/images/g/{i:06}/s-l1600.jpg")),
            seller: Some(format!("brickseller_{}", i % 17)),
            condition_id: None,
            buying_option: None,
            current_bid: None,
            bid_count: None,
            ends_at: None,
            seller_feedback_percent: None,
        })
        .collect();
    Event::new(
        "alerts-service",
        Some(alert_id.to_string()),
        Payload::ProductsObserved(ProductsObserved {
            alert_id,
            run_id: Uuid::now_v7(),
            search_phrase: "lego 42100".into(),
            marketplace: "EBAY_US".into(),
            observed_at: Utc::now(),
            items,
        }),
    )
}

/// An `insight.generated` summary: the median fell 4.2 % against the week before and one
/// listing is the lowest in 30 days.
pub fn insight_summary(alert_id: Uuid) -> InsightGenerated {
    let generated = Utc
        .with_ymd_and_hms(2026, 11, 28, 6, 0, 0)
        .single()
        .unwrap_or_default();
    InsightGenerated {
        alert_id,
        report_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_00aa),
        period_start: generated,
        days: 14,
        generated_at: generated,
        search_phrase: Some("lego 42100".into()),
        currency: "USD".into(),
        enough_data: true,
        main_segment: Some("used/fixed_price".into()),
        main_segment_label: Some("Used, fixed price".into()),
        median_now: Some(Decimal::new(38_900, 2)),
        median_before: Some(Decimal::new(40_600, 2)),
        median_change_pct: Some(Decimal::new(-42, 1)),
        compared_with: Some("the week before".into()),
        best_deal: Some(InsightDeal {
            item_id: "v1|110000000042|0".into(),
            title: "LEGO Technic 42100 Liebherr R 9800 - complete, box".into(),
            item_url: "https://www.ebay.com/itm/110000000042".into(),
            price: Decimal::new(33_500, 2),
            verdict: "Lowest in 30 days".into(),
        }),
        deals: 3,
        new_listings: 12,
        days_with_data: 14,
        insights_path: format!("/alerts/{alert_id}"),
    }
}

/// `insight.generated` from analytics-service with [`insight_summary`].
pub fn insight_generated(alert_id: Uuid) -> Event {
    Event::new(
        "analytics-service",
        Some(alert_id.to_string()),
        Payload::InsightGenerated(insight_summary(alert_id)),
    )
}
