//! Like-for-like insights through the real consumer (Redis Streams → Postgres): for-parts units,
//! lots, auction bids, a mispriced listing and listings without shipping never become the lowest
//! price or a good deal of working fixed-price items; verdicts and CSV exports over HTTP.

use chrono::{DateTime, Duration, Utc};
use pubsub::{Event, Money, ObservedItem, Payload, ProductsObserved};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use uuid::Uuid;

use super::helpers::{TOKEN, TestApp, alert_created, day_at, spawn_app};

/// A listing as alerts-service sends it since Wave 2.
fn listing(id: &str, title: &str, price: Decimal, shipping: Option<Decimal>) -> ObservedItem {
    ObservedItem {
        item_id: format!("v1|{id}|0"),
        title: title.into(),
        price: Money::new(price, "USD"),
        shipping_cost: shipping.map(|s| Money::new(s, "USD")),
        condition: Some("Used".into()),
        buying_options: vec!["FIXED_PRICE".into()],
        item_url: format!("https://www.ebay.com/itm/{id}"),
        image_url: None,
        seller: Some("seller".into()),
        condition_id: Some(3000),
        buying_option: Some("fixed_price".into()),
        current_bid: None,
        bid_count: None,
        ends_at: None,
        seller_feedback_percent: None,
    }
}

fn auction(id: &str, bid: Decimal, ends_at: DateTime<Utc>) -> ObservedItem {
    let mut item = listing(id, "Nintendo Switch OLED console", bid, Some(dec!(10)));
    item.buying_options = vec!["AUCTION".into()];
    item.buying_option = Some("auction".into());
    item.current_bid = Some(Money::new(bid, "USD"));
    item.bid_count = Some(3);
    item.ends_at = Some(ends_at);
    item
}

fn run(alert_id: Uuid, at: DateTime<Utc>, items: Vec<ObservedItem>) -> Event {
    Event::new(
        "alerts-service",
        Some(alert_id.to_string()),
        Payload::ProductsObserved(ProductsObserved {
            alert_id,
            run_id: Uuid::now_v7(),
            search_phrase: "nintendo switch oled".into(),
            marketplace: "EBAY_US".into(),
            observed_at: at,
            items,
        }),
    )
}

/// Eight days (9 … 2 days ago) of one run each, then today's run. Working used units W1–W5
/// at 200, 210, 220, 230, 240 + 10 shipping; beside them every day a broken unit at 26.99, a
/// lot at 120, an auction bid of 1.02 ending in three days (not measured), a listing without
/// shipping at 150, and — on one day only — a mispriced working unit at 9.99 + 10.
///
/// Working totals per day: 210, 220, 230, 240, 250 (+150 without shipping, +19.99 on one
/// day). The robust low is 210 (W1) every day: 19.99 is below the fence, 150 has no known
/// total. Today W1 is gone and D1 is listed at 165 + 10 = 175: typical (median of daily
/// medians, each day 225 — 150, 210, 220, 230, 240, 250 → 225) → (225 − 175) / 225 = 22.2 %
/// below, at most the 30-day low 210 → "lowest in 30 days" (9 days of history ≥ 7).
fn history(alert_id: Uuid) -> Vec<Event> {
    let mut events = vec![alert_created(alert_id)];
    for ago in (2..=9).rev() {
        let at = day_at(ago, 0);
        let mut items = vec![
            listing(
                "W1",
                "Nintendo Switch OLED White",
                dec!(200),
                Some(dec!(10)),
            ),
            listing("W2", "Nintendo Switch OLED Neon", dec!(210), Some(dec!(10))),
            listing(
                "W3",
                "Nintendo Switch OLED boxed",
                dec!(220),
                Some(dec!(10)),
            ),
            listing("W4", "Nintendo Switch OLED", dec!(230), Some(dec!(10))),
            listing(
                "W5",
                "Nintendo Switch OLED + case",
                dec!(240),
                Some(dec!(10)),
            ),
            {
                let mut broken = listing(
                    "P1",
                    "Nintendo Switch Oled Set - For Parts / Not Working",
                    dec!(26.99),
                    Some(dec!(0)),
                );
                broken.condition_id = Some(7000);
                broken.condition = Some("For parts or not working".into());
                broken
            },
            listing(
                "L1",
                "Lot of 3 Nintendo Switch OLED Joy-Con",
                dec!(120),
                Some(dec!(0)),
            ),
            auction("A1", dec!(1.02), at + Duration::days(3)),
            listing("M1", "Nintendo Switch OLED", dec!(150), None),
        ];
        if ago == 5 {
            items.push(listing(
                "Z1",
                "Nintendo Switch OLED",
                dec!(9.99),
                Some(dec!(10)),
            ));
        }
        events.push(run(alert_id, at, items));
    }
    let today = day_at(0, 60);
    events.push(run(
        alert_id,
        today,
        vec![
            listing(
                "D1",
                "Nintendo Switch OLED Mario Red",
                dec!(165),
                Some(dec!(10)),
            ),
            listing("W2", "Nintendo Switch OLED Neon", dec!(210), Some(dec!(10))),
            listing(
                "W3",
                "Nintendo Switch OLED boxed",
                dec!(220),
                Some(dec!(10)),
            ),
            listing("W4", "Nintendo Switch OLED", dec!(230), Some(dec!(10))),
            listing(
                "W5",
                "Nintendo Switch OLED + case",
                dec!(240),
                Some(dec!(10)),
            ),
            {
                let mut broken = listing(
                    "P1",
                    "Nintendo Switch Oled Set - For Parts / Not Working",
                    dec!(26.99),
                    Some(dec!(0)),
                );
                broken.condition_id = Some(7000);
                broken
            },
            listing(
                "L1",
                "Lot of 3 Nintendo Switch OLED Joy-Con",
                dec!(120),
                Some(dec!(0)),
            ),
            auction("A2", dec!(61), today + Duration::minutes(45)),
            listing("M1", "Nintendo Switch OLED", dec!(150), None),
        ],
    ));
    events
}

async fn ingested(alert: Uuid) -> TestApp {
    let mut app = spawn_app().await;
    app.publish(&history(alert)).await;
    app.consume().await;
    app
}

#[tokio::test]
async fn parts_lots_bids_and_outliers_never_become_the_lowest_or_a_good_deal() {
    let alert = Uuid::now_v7();
    let app = ingested(alert).await;

    let report: Value = app
        .get_insights(alert, "?days=14")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(report["main_segment"], "used/fixed_price", "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["lowest"]["price"], "175.00", "{summary:#}");
    assert_eq!(summary["lowest"]["item_id"], "v1|D1|0");
    let deals: Vec<&str> = summary["good_deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["item_id"].as_str().unwrap())
        .collect();
    assert_eq!(deals, ["v1|D1|0"]);

    let segments: Vec<&str> = report["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment"].as_str().unwrap())
        .collect();
    assert_eq!(segments[0], "used/fixed_price");
    for other in ["for_parts/fixed_price", "lot/fixed_price", "used/auction"] {
        assert!(segments.contains(&other), "{other} in {segments:?}");
    }
    let used = &report["segments"][0];
    assert_eq!(used["deals"][0]["deal"]["kind"], "lowest_in_30_days");
    assert_eq!(used["deals"][0]["deal"]["percent_below_typical"], "22.2");
    assert_eq!(used["without_shipping"], 9, "M1 on nine days");
    // On the days before today the low was W1's 210, never 19.99, 150, 120 or 26.99.
    let auction = report["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["segment"] == "used/auction")
        .unwrap();
    assert_eq!(
        auction["count"], 1,
        "only the bid near its end: {auction:#}"
    );
    assert_eq!(auction["lowest"]["price"], "71.00");
    assert_eq!(auction["deals"], json!([]));
    app.shutdown().await;
}

#[tokio::test]
async fn verdicts_judge_a_runs_listings_against_their_own_segment() {
    let alert = Uuid::now_v7();
    let app = ingested(alert).await;
    let now = Utc::now();
    let body = json!({
        "observed_at": now,
        "items": [
            listing("N1", "Nintendo Switch OLED", dec!(180), Some(dec!(10))),
            listing("N2", "Nintendo Switch OLED", dec!(225), Some(dec!(0))),
            listing("N3", "Lot of 2 Nintendo Switch OLED", dec!(100), Some(dec!(0))),
            listing("N4", "Nintendo Switch OLED", dec!(100), None),
        ],
    });

    let response = app
        .client
        .post(format!("{}/api/v1/alerts/{alert}/verdicts", app.address))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let verdicts: Value = response.json().await.unwrap();
    // Typical 225 (every day's median; today 175 … 250 + 150 → 225 too); 30-day low 175 (D1).
    // N1 190: 15.6 % below, ≤ typical Q1 → below typical. N2 225: none. N3: a lot. N4: no total.
    assert_eq!(
        verdicts,
        json!({"verdicts": [
            {"item_id": "v1|N1|0", "segment": "used/fixed_price",
             "deal": {"kind": "below_typical", "percent_below_typical": "15.6"}},
            {"item_id": "v1|N2|0", "segment": "used/fixed_price", "deal": null},
            {"item_id": "v1|N3|0", "segment": "lot/fixed_price", "deal": null},
            {"item_id": "v1|N4|0", "segment": "used/fixed_price", "deal": null},
        ]})
    );

    let bad = app
        .client
        .post(format!("{}/api/v1/alerts/{alert}/verdicts", app.address))
        .bearer_auth(TOKEN)
        .json(&json!({"observed_at": now, "items": [{"item_id": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["details"][0]["field"], "items[0]");

    let unknown = app
        .client
        .post(format!(
            "{}/api/v1/alerts/{}/verdicts",
            app.address,
            Uuid::now_v7()
        ))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert!(
        unknown["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["deal"].is_null()),
        "no history, no verdict: {unknown:#}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn insight_history_and_listings_download_as_csv() {
    let alert = Uuid::now_v7();
    let app = ingested(alert).await;

    let response = app
        .get(
            &format!("/api/v1/alerts/{alert}/insights.csv?days=14"),
            Some(TOKEN),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"insights-lego-42100-"),
        "{disposition}"
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "date,segment,count,min,p25,median,p75,max,new_listings,robust_low,without_shipping"
    );
    let nine_days_ago = (Utc::now() - Duration::days(9)).date_naive();
    // Nine days ago, working used units: 150 (no shipping), 210 … 250 → count 6, min 150,
    // p25 pos 1.25 → 212.50, median 225, p75 pos 3.75 → 237.50, max 250, 6 new listings
    // (W1–W5 and M1), robust low 210, one price without shipping.
    assert!(
        lines.contains(
            &format!(
                "{nine_days_ago},used/fixed_price,6,150.00,212.50,225.00,237.50,250.00,6,210.00,1"
            )
            .as_str()
        ),
        "{csv}"
    );
    assert!(
        lines.contains(
            &format!(
                "{nine_days_ago},for_parts/fixed_price,1,26.99,26.99,26.99,26.99,26.99,1,26.99,0"
            )
            .as_str()
        )
    );
    // A1's bid of 1.02 three days before its end is no price: no auction row that day.
    assert!(
        !csv.contains(&format!("{nine_days_ago},used/auction")),
        "{csv}"
    );

    let listings = app
        .get(
            &format!("/api/v1/alerts/{alert}/listings.csv?days=14"),
            Some(TOKEN),
        )
        .await;
    assert_eq!(listings.status(), 200);
    let csv = listings.text().await.unwrap();
    let w1 = csv
        .lines()
        .find(|l| l.starts_with("v1|W1|0,"))
        .unwrap_or_else(|| panic!("{csv}"));
    // W1: seen 9 … 2 days ago at 200 (item price, the listing's asking price).
    assert!(w1.contains(",Used,used/fixed_price,"), "{w1}");
    assert!(
        w1.ends_with(",200.00,200.00,USD,https://www.ebay.com/itm/W1"),
        "{w1}"
    );
    assert!(
        csv.contains("v1|L1|0,Lot of 3 Nintendo Switch OLED Joy-Con,Used,lot/fixed_price,"),
        "{csv}"
    );

    for bad in ["?days=0", "?days=x"] {
        let response = app
            .get(
                &format!("/api/v1/alerts/{alert}/insights.csv{bad}"),
                Some(TOKEN),
            )
            .await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let unknown = app
        .get(
            &format!("/api/v1/alerts/{}/listings.csv", Uuid::now_v7()),
            Some(TOKEN),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    app.shutdown().await;
}
