//! Event ingestion against real Postgres and Redis Streams.

use pubsub::consumer::Disposition;
use pubsub::{Incoming, fixtures, topic};
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::fixture::{assert_matches_hand_computed, price_history};
use super::helpers::{alert_updated, day_at, observed, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_event_type_is_ingested_into_the_star_schema() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let other = Uuid::now_v7();

    app.publish(&[
        fixtures::alert_created(alert),
        alert_updated(alert, 2, false),
        fixtures::alert_created(other),
        fixtures::alert_deleted(other, 2),
        fixtures::products_observed(alert, 50),
    ])
    .await;
    let report = app.consume().await;

    assert_eq!(report.done, 5);
    assert_eq!(report.dead_lettered, 0);
    let id = |u: Uuid| format!("'{u}'");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) AS n FROM dim_alert WHERE alert_id = {}",
            id(alert)
        ))
        .await,
        2,
        "one row per revision"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT revision AS n FROM dim_alert WHERE alert_id = {} AND is_current",
            id(alert)
        ))
        .await,
        2
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) AS n FROM dim_alert WHERE alert_id = {} AND NOT is_current AND valid_to IS NOT NULL",
            id(alert)
        ))
        .await,
        1,
        "the replaced revision is closed"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) AS n FROM dim_alert WHERE alert_id = {} AND is_current AND deleted",
            id(other)
        ))
        .await,
        1,
        "a deletion is a current tombstone"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        50
    );
    assert_eq!(app.scalar("SELECT COUNT(*) AS n FROM dim_item").await, 50);
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM daily_rollup").await,
        1
    );
    assert_eq!(
        app.scalar("SELECT observations AS n FROM daily_rollup")
            .await,
        50
    );
    assert_eq!(
        app.scalar("SELECT new_listings AS n FROM daily_rollup")
            .await,
        50
    );
    assert_eq!(app.scalar("SELECT COUNT(*) AS n FROM inbox").await, 5);
    app.shutdown().await;
}

#[tokio::test]
async fn the_same_event_delivered_twice_changes_nothing() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let event = fixtures::products_observed(alert, 20);
    app.publish(&[fixtures::alert_created(alert), event.clone()])
        .await;
    app.consume().await;
    let rollup = "SELECT observations AS n FROM daily_rollup";
    let before = (
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        app.scalar(rollup).await,
        app.scalar("SELECT CAST(LENGTH(price_counts) AS BIGINT) AS n FROM daily_rollup")
            .await,
        app.scalar("SELECT runs AS n FROM alert_activity").await,
    );

    // Redelivered in a later batch, and twice within one batch.
    app.publish(std::slice::from_ref(&event)).await;
    app.consume().await;
    app.publish(&[event.clone(), event]).await;
    let report = app.consume().await;

    assert_eq!(report.done, 2, "duplicates are acknowledged");
    let after = (
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        app.scalar(rollup).await,
        app.scalar("SELECT CAST(LENGTH(price_counts) AS BIGINT) AS n FROM daily_rollup")
            .await,
        app.scalar("SELECT runs AS n FROM alert_activity").await,
    );
    assert_eq!((before.0, before.1, before.3), (20, 20, 1));
    assert_eq!(after, before);
    app.shutdown().await;
}

#[tokio::test]
async fn a_run_republished_under_a_new_event_id_is_not_counted_twice() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let first = fixtures::products_observed(alert, 10);
    let mut again = first.clone();
    again.id = Uuid::now_v7().to_string();

    app.publish(&[first, again]).await;
    app.consume().await;

    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        10
    );
    assert_eq!(
        app.scalar("SELECT observations AS n FROM daily_rollup")
            .await,
        10
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_delete_before_its_create_keeps_the_alert_deleted() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();

    app.publish(&[
        fixtures::alert_deleted(alert, 3),
        fixtures::alert_created(alert),
        alert_updated(alert, 2, false),
    ])
    .await;
    app.consume().await;
    // Even a later revision cannot bring it back: ids are never reused.
    app.publish(&[alert_updated(alert, 7, false)]).await;
    app.consume().await;

    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) AS n FROM dim_alert WHERE alert_id = '{alert}' AND is_current AND deleted"
        ))
        .await,
        1
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) AS n FROM dim_alert WHERE alert_id = '{alert}'"
        ))
        .await,
        1,
        "the stale changes left no rows"
    );
    let response = app.get_insights(alert, "").await;
    assert_eq!(response.status(), 404);
    app.shutdown().await;
}

#[tokio::test]
async fn older_revisions_arriving_late_are_ignored() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();

    app.publish(&[
        alert_updated(alert, 3, true),
        alert_updated(alert, 2, false),
    ])
    .await;
    app.consume().await;

    assert_eq!(
        app.scalar(&format!(
            "SELECT revision AS n FROM dim_alert WHERE alert_id = '{alert}' AND is_current"
        ))
        .await,
        3
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) AS n FROM dim_alert WHERE alert_id = '{alert}' AND paused"
        ))
        .await,
        1,
        "revision 3 (paused) stays in force"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn bad_events_are_dead_lettered_with_a_reason_and_later_events_still_flow() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let valid = observed(alert, day_at(0, 1), &[("ok", dec!(10))]);

    app.publish_raw(
        topic::PRODUCT_PRICES,
        &[
            b"{not json",
            br#"{"specversion":"1.0","id":"u1","source":"t","type":"alert.exploded","data":{}}"#,
            br#"{"specversion":"1.0","id":"m1","source":"t","type":"products.observed","data":{"alert_id":"0193a000-0000-7000-8000-000000000001"}}"#,
            br#"{"specversion":"1.0","id":"p1","source":"t","type":"products.observed","data":{"alert_id":"0193a000-0000-7000-8000-000000000001","run_id":"0193a000-0000-7000-8000-000000000002","search_phrase":"x","marketplace":"EBAY_US","observed_at":"2026-11-21T10:00:00Z","items":[{"item_id":"v1|1|0","title":"t","price":{"value":"99999999999","currency":"USD"},"buying_options":[],"item_url":"u"}]}}"#,
            br#"{"specversion":"1.0","id":"f1","source":"t","type":"products.observed","data":{"alert_id":"0193a000-0000-7000-8000-000000000001","run_id":"0193a000-0000-7000-8000-000000000003","search_phrase":"x","marketplace":"EBAY_US","observed_at":"2100-01-01T00:00:00Z","items":[]}}"#,
        ],
    )
    .await;
    app.publish_raw(topic::ALERT_CONFIG, &[br#"{"specversion":"1.0","id":"n1","source":"t","type":"alert.created","data":{"alert":{"id":"nope"}}}"#])
        .await;
    app.publish(&[valid]).await;
    let report = app.consume().await;

    assert_eq!(report.dead_lettered, 6);
    assert_eq!(report.done, 1);
    let reasons: Vec<String> = app
        .dead_letters(topic::PRODUCT_PRICES)
        .await
        .into_iter()
        .map(|d| d.reason)
        .collect();
    let expect = [
        "not a CloudEvents JSON envelope",
        "unknown event type \"alert.exploded\"",
        "does not match its schema",
        "beyond any real listing",
        "in the future",
    ];
    for fragment in expect {
        assert!(
            reasons.iter().any(|r| r.contains(fragment)),
            "no dead letter says {fragment:?}: {reasons:#?}"
        );
    }
    assert_eq!(app.dead_letters(topic::ALERT_CONFIG).await.len(), 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        1
    );

    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("analytics_events_dead_lettered_total 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "analytics_dead_letter_stream_length{topic=\"ebay-alerts.product-prices\"} 5"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("analytics_observations_ingested_total 1"),
        "{metrics}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_consumer_killed_before_acknowledging_has_its_events_redelivered_and_stored_once() {
    let app = spawn_app().await;
    let alert = Uuid::now_v7();
    let crash_before_commit = fixtures::products_observed(alert, 5);
    let crash_after_commit = fixtures::products_observed(alert, 7);
    app.publish(&[crash_before_commit]).await;

    // A consumer takes the message and dies before doing anything with it.
    let mut doomed = app.member().await;
    let taken = doomed
        .fetch(10, std::time::Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    drop(doomed);

    // Another takes the next message, commits it, and dies before acknowledging.
    app.publish(&[crash_after_commit]).await;
    let mut doomed = app.member().await;
    let taken = doomed
        .fetch(10, std::time::Duration::from_millis(500))
        .await
        .unwrap();
    let batch: Vec<Incoming> = taken
        .iter()
        .map(|m| Incoming {
            tag: m.tag.clone(),
            deliveries: m.deliveries,
            event: m.decode().unwrap(),
        })
        .collect();
    assert_eq!(
        analytics_service::ingest_batch(&app.ctx, &batch).await,
        vec![Disposition::Done]
    );
    drop(doomed);

    // A surviving replica reclaims both.
    let mut rescuer = app.rescuer().await;
    let mut handled = 0;
    loop {
        let report = analytics_service::workers::consumer::consume_once(&app.ctx, rescuer.as_mut())
            .await
            .unwrap();
        handled += report.done;
        if report.received == 0 {
            break;
        }
    }

    assert_eq!(
        handled, 2,
        "both messages were redelivered and acknowledged"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        5 + 7,
        "each stored exactly once"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) AS n FROM inbox").await, 2);
    app.shutdown().await;
}

#[tokio::test]
async fn observations_of_an_alert_not_yet_known_are_kept_and_joined_later() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let mut history = price_history(alert);
    let created = history.remove(0);

    app.publish(&history).await;
    app.consume().await;
    let before = app.get_insights(alert, "").await;
    app.publish(&[created]).await;
    app.consume().await;
    let after: serde_json::Value = app.get_insights(alert, "").await.json().await.unwrap();

    assert_eq!(before.status(), 200, "served from observations alone");
    let before: serde_json::Value = before.json().await.unwrap();
    assert_eq!(before["currency"], "USD");
    assert!(before.get("search_phrase").is_none());
    assert_matches_hand_computed(&after);
    app.shutdown().await;
}

#[tokio::test]
async fn serve_consumes_events_in_the_background_and_stops_cleanly() {
    let app = spawn_app_with(|settings| settings.consumer.enabled = true).await;
    let alert = Uuid::now_v7();

    app.publish(&[
        fixtures::alert_created(alert),
        fixtures::products_observed(alert, 30),
    ])
    .await;

    assert_eq!(
        app.eventually("SELECT COUNT(*) AS n FROM fact_price_observation", 30)
            .await,
        30
    );
    assert_eq!(app.get_insights(alert, "").await.status(), 200);
    // Shutting down waits for the consumer to finish its batch; `shutdown` asserts it is clean.
    app.shutdown().await;
}
