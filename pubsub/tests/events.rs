//! Encoding and decoding of every event type, and what happens to bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use pubsub::{Event, Payload, fixtures};
use rust_decimal_macros::dec;
use uuid::Uuid;

fn round_trip(event: &Event) -> Event {
    let bytes = event.encode().expect("encodes");
    Event::decode(&bytes).expect("decodes")
}

#[test]
fn every_event_type_survives_a_round_trip_unchanged() {
    let id = Uuid::now_v7();
    for event in [
        fixtures::alert_created(id),
        fixtures::alert_updated(id, 7),
        fixtures::alert_deleted(id, 8),
        fixtures::products_observed(id, 50),
        fixtures::insight_generated(id),
    ] {
        assert_eq!(round_trip(&event), event, "{}", event.event_type());
    }
}

#[test]
fn the_envelope_has_the_cloudevents_attributes_of_the_contract() {
    let id = Uuid::now_v7();
    let event = fixtures::alert_updated(id, 3);
    let json: serde_json::Value = serde_json::from_slice(&event.encode().unwrap()).unwrap();

    assert_eq!(json["specversion"], "1.0");
    assert_eq!(json["type"], "alert.updated");
    assert_eq!(json["source"], "alerts-service");
    assert_eq!(json["subject"], id.to_string());
    assert_eq!(json["datacontenttype"], "application/json");
    assert_eq!(json["id"].as_str().unwrap().len(), 36);
    assert!(json["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(json["data"]["alert"]["revision"], 3);
    assert_eq!(json["data"]["alert"]["frequency_minutes"], 10);
    assert_eq!(json["data"]["alert"]["condition"], "new");
    assert_eq!(json["data"]["alert"]["buying_options"], "any");
}

#[test]
fn prices_travel_as_decimal_strings_without_losing_digits() {
    let id = Uuid::now_v7();
    let mut event = fixtures::products_observed(id, 1);
    if let Payload::ProductsObserved(p) = &mut event.payload {
        p.items[0].price.value = dec!(1234567.8912);
    }
    let json: serde_json::Value = serde_json::from_slice(&event.encode().unwrap()).unwrap();

    assert_eq!(json["data"]["items"][0]["price"]["value"], "1234567.8912");
    assert_eq!(round_trip(&event), event);
}

#[test]
fn a_products_observed_event_written_by_hand_decodes() {
    let json = r#"{"specversion":"1.0","id":"0193a0b0-0000-7000-8000-000000000001","source":"alerts-service",
      "type":"products.observed","subject":"0193a0b0-0000-7000-8000-0000000000aa","time":"2026-11-21T10:00:00Z",
      "datacontenttype":"application/json","data":{"alert_id":"0193a0b0-0000-7000-8000-0000000000aa",
      "run_id":"0193a0b0-0000-7000-8000-0000000000bb","search_phrase":"gopro hero 12","marketplace":"EBAY_US",
      "observed_at":"2026-11-21T10:00:00Z","items":[{"item_id":"v1|1|0","title":"GoPro","price":{"value":"199.99","currency":"USD"},
      "buying_options":["FIXED_PRICE"],"item_url":"https://www.ebay.com/itm/1","a_field_from_the_future":true}]}}"#;

    let event = Event::decode(json.as_bytes()).expect("decodes");

    let Payload::ProductsObserved(p) = event.payload else {
        panic!("wrong type")
    };
    assert_eq!(p.items[0].price.value, dec!(199.99));
    assert_eq!(p.items[0].shipping_cost, None);
    assert_eq!(p.items[0].seller, None);
    // Fields added later (issue #16) default: an event from an older producer still decodes.
    assert_eq!(p.items[0].condition_id, None);
    assert_eq!(p.items[0].current_bid, None);
    assert_eq!(p.items[0].seller_feedback_percent, None);
}

#[test]
fn an_alert_event_from_before_precise_alerts_decodes_with_emails_on() {
    let mut event = fixtures::alert_created(Uuid::from_u128(7));
    let mut json: serde_json::Value = serde_json::from_slice(&event.encode().unwrap()).unwrap();
    let alert = json["data"]["alert"].as_object_mut().unwrap();
    for field in [
        "conditions",
        "exclude_words",
        "price_basis",
        "notify_on",
        "insight_emails",
        "alert_emails",
    ] {
        alert.remove(field);
    }
    let decoded = Event::decode(&serde_json::to_vec(&json).unwrap()).expect("decodes");
    let Payload::AlertCreated(changed) = decoded.payload else {
        panic!("wrong type")
    };
    assert!(changed.alert.insight_emails && changed.alert.alert_emails);
    assert!(changed.alert.conditions.is_empty());
    assert_eq!(changed.alert.price_basis, None);

    // And the new fields survive a round trip.
    if let Payload::AlertCreated(c) = &mut event.payload {
        c.alert.insight_emails = false;
    }
    assert_eq!(round_trip(&event), event);
}

#[test]
fn an_observed_auction_with_an_impossible_feedback_is_invalid() {
    let mut event = fixtures::products_observed(Uuid::from_u128(8), 2);
    if let Payload::ProductsObserved(p) = &mut event.payload {
        p.items[0].seller_feedback_percent = Some(dec!(101));
        p.items[0].current_bid = Some(pubsub::Money::new(dec!(10), "USD"));
    }
    assert!(
        event
            .payload
            .validate()
            .unwrap_err()
            .contains("seller_feedback_percent")
    );
}

#[test]
fn an_unknown_event_type_is_surfaced_not_rejected() {
    let json = br#"{"specversion":"1.0","id":"x1","source":"future-service","type":"alert.snoozed","data":{"for":"2h"}}"#;

    let event = Event::decode(json).expect("decodes");

    match &event.payload {
        Payload::Unknown { event_type, data } => {
            assert_eq!(event_type, "alert.snoozed");
            assert_eq!(data["for"], "2h");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(event.payload.topic(), None);
}

#[test]
fn bad_input_gives_a_clear_error_for_each_kind_of_fault() {
    let valid =
        String::from_utf8(fixtures::alert_deleted(Uuid::nil(), 2).encode().unwrap()).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "not json",
            "hello".into(),
            "not a CloudEvents JSON envelope",
        ),
        (
            "truncated",
            valid[..valid.len() / 2].to_owned(),
            "not a CloudEvents JSON envelope",
        ),
        ("empty", String::new(), "not a CloudEvents JSON envelope"),
        (
            "missing type",
            r#"{"specversion":"1.0","id":"1","source":"s"}"#.into(),
            "missing field `type`",
        ),
        (
            "old spec",
            valid.replace(r#""specversion":"1.0""#, r#""specversion":"0.3""#),
            "specversion",
        ),
        (
            "xml data",
            valid.replace("application/json", "application/xml"),
            "datacontenttype",
        ),
        (
            "empty id",
            r#"{"specversion":"1.0","id":"","source":"s","type":"alert.deleted","data":{}}"#.into(),
            "`id`",
        ),
        (
            "wrong data type",
            valid.replace(r#""revision":2"#, r#""revision":"two""#),
            "does not match its schema",
        ),
        (
            "missing data field",
            valid.replace(r#","revision":2"#, ""),
            "missing field `revision`",
        ),
        (
            "revision zero",
            valid.replace(r#""revision":2"#, r#""revision":0"#),
            "revision must be at least 1",
        ),
    ];
    for (name, input, expected) in cases {
        let error = Event::decode(input.as_bytes()).expect_err(name).to_string();
        assert!(
            error.contains(expected),
            "{name}: {error:?} should mention {expected:?}"
        );
    }
}

#[test]
fn absurd_prices_and_currencies_are_invalid() {
    let base = fixtures::products_observed(Uuid::nil(), 1);
    let json = String::from_utf8(base.encode().unwrap()).unwrap();
    let price = r#""price":{"value":"399.99","currency":"USD"}"#;
    assert!(json.contains(price), "{json}");
    let cases = [
        (
            r#""price":{"value":"-1.00","currency":"USD"}"#,
            "must not be negative",
        ),
        (
            r#""price":{"value":"99999999999","currency":"USD"}"#,
            "beyond any real listing",
        ),
        (r#""price":{"value":"1.00","currency":"usd"}"#, "ISO 4217"),
        (
            r#""price":{"value":"abc","currency":"USD"}"#,
            "does not match its schema",
        ),
    ];
    for (replacement, expected) in cases {
        let error = Event::decode(json.replace(price, replacement).as_bytes())
            .expect_err(replacement)
            .to_string();
        assert!(error.contains(expected), "{replacement}: {error}");
    }
}

#[test]
fn an_alert_with_min_above_max_is_invalid() {
    let mut event = fixtures::alert_created(Uuid::nil());
    if let Payload::AlertCreated(a) = &mut event.payload {
        a.alert.min_price = Some(dec!(500));
        a.alert.max_price = Some(dec!(100));
    }
    let error = Event::decode(&event.encode().unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("min_price is greater"), "{error}");
}

#[test]
fn events_are_routed_to_the_topics_of_the_contract() {
    let id = Uuid::nil();
    assert_eq!(
        fixtures::alert_created(id).payload.topic(),
        Some("ebay-alerts.alert-config")
    );
    assert_eq!(
        fixtures::alert_deleted(id, 2).payload.topic(),
        Some("ebay-alerts.alert-config")
    );
    assert_eq!(
        fixtures::products_observed(id, 1).payload.topic(),
        Some("ebay-alerts.product-prices")
    );
    assert_eq!(
        fixtures::insight_generated(id).payload.topic(),
        Some("ebay-alerts.insights")
    );
    assert_eq!(
        pubsub::topic::dead_letter("ebay-alerts.product-prices"),
        "ebay-alerts.product-prices.dead"
    );
}

#[test]
fn transport_kind_is_parsed_from_the_environment_value() {
    use pubsub::TransportKind;
    assert_eq!(
        "streams".parse::<TransportKind>(),
        Ok(TransportKind::Streams)
    );
    assert_eq!(
        " PubSub ".parse::<TransportKind>(),
        Ok(TransportKind::PubSub)
    );
    assert!(
        "kafka"
            .parse::<TransportKind>()
            .unwrap_err()
            .contains("streams")
    );
}

#[test]
fn an_insight_generated_event_written_by_hand_decodes_with_its_summary() {
    let json = br#"{"specversion":"1.0","id":"0193-x","source":"analytics-service","type":"insight.generated",
      "subject":"0193a000-0000-7000-8000-000000000001","datacontenttype":"application/json",
      "data":{"alert_id":"0193a000-0000-7000-8000-000000000001","report_id":"0193a000-0000-7000-8000-0000000000aa",
        "period_start":"2026-11-28T06:00:00Z","days":14,"generated_at":"2026-11-28T06:00:00Z",
        "currency":"EUR","enough_data":true,"median_now":"389.00","median_before":"406.00",
        "median_change_pct":"-4.2","compared_with":"the week before",
        "best_deal":{"item_id":"v1|1|0","title":"Excavator","item_url":"https://www.ebay.de/itm/1","price":"335.00","verdict":"Lowest in 30 days"},
        "deals":3,"new_listings":12,"days_with_data":14,"insights_path":"/alerts/0193a000-0000-7000-8000-000000000001",
        "a_field_from_a_newer_producer":1}}"#;

    let event = Event::decode(json).expect("decodes");

    let Payload::InsightGenerated(summary) = &event.payload else {
        panic!("expected InsightGenerated, got {:?}", event.payload);
    };
    assert_eq!(summary.currency, "EUR");
    assert_eq!(summary.median_now, Some(dec!(389.00)));
    assert_eq!(summary.median_change_pct, Some(dec!(-4.2)));
    assert_eq!(
        summary.best_deal.as_ref().unwrap().verdict,
        "Lowest in 30 days"
    );
    assert_eq!(summary.main_segment, None, "optional fields may be absent");
    assert_eq!(event.payload.topic(), Some("ebay-alerts.insights"));
}

#[test]
fn an_insight_summary_with_an_impossible_value_is_invalid_and_names_the_field() {
    type Spoil = fn(&mut pubsub::InsightGenerated);
    let cases: [(&str, Spoil); 4] = [
        ("currency", |s| s.currency = "usd".into()),
        ("median_now", |s| s.median_now = Some(dec!(-1))),
        ("best_deal.price", |s| {
            s.best_deal.as_mut().unwrap().price = dec!(2000000000)
        }),
        ("insights_path", |s| {
            s.insights_path = "https://evil.example/".into()
        }),
    ];
    for (field, spoil) in cases {
        let mut event = fixtures::insight_generated(Uuid::now_v7());
        if let Payload::InsightGenerated(s) = &mut event.payload {
            spoil(s);
        }
        let error = Event::decode(&event.encode().unwrap()).unwrap_err();
        assert!(
            error.to_string().contains(field),
            "{field}: the error says which field: {error}"
        );
    }
}
