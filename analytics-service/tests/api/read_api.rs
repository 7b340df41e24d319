//! The read API: authentication, validation, 404s, and the insight math end to end.

use pubsub::fixtures;
use serde_json::Value;
use uuid::Uuid;

use super::fixture::{assert_matches_hand_computed, price_history};
use super::helpers::{TOKEN, spawn_app};

#[tokio::test]
async fn insights_match_the_hand_computed_fixture() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    let response = app.get_insights(alert, "?days=14").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let report: Value = response.json().await.unwrap();
    assert_matches_hand_computed(&report);
    let default: Value = app.get_insights(alert, "").await.json().await.unwrap();
    assert_eq!(default["days"], 14, "14 days by default");
    app.shutdown().await;
}

#[tokio::test]
async fn a_short_window_with_too_few_days_says_not_enough_data_yet() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    let report: Value = app
        .get_insights(alert, "?days=7")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(report["enough_data"], false);
    assert_eq!(report["days_with_data"], 2);
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .starts_with("Not enough data yet"),
        "{report:#}"
    );
    assert_eq!(report["series"].as_array().unwrap().len(), 2);
    assert!(report["summary"]["median_change_pct"].is_null());
    assert_eq!(report["summary"]["good_deals"], serde_json::json!([]));
    app.shutdown().await;
}

#[tokio::test]
async fn requests_without_the_right_token_are_unauthorized() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&[fixtures::alert_created(alert)]).await;
    app.consume().await;
    let path = format!("/api/v1/alerts/{alert}/insights");

    for token in [None, Some("wrong-token-0123456789"), Some("")] {
        let response = app.get(&path, token).await;
        assert_eq!(response.status(), 401, "token {token:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
    let basic = app
        .client
        .get(format!("{}{path}", app.address))
        .basic_auth("user", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401, "only the Bearer scheme");
    assert_eq!(app.get(&path, Some(TOKEN)).await.status(), 200);
    app.shutdown().await;
}

#[tokio::test]
async fn unknown_and_deleted_alerts_are_not_found() {
    let mut app = spawn_app().await;
    let deleted = Uuid::now_v7();
    app.publish(&[
        fixtures::alert_created(deleted),
        fixtures::alert_deleted(deleted, 2),
    ])
    .await;
    app.consume().await;

    for path in [
        format!("/api/v1/alerts/{}/insights", Uuid::now_v7()),
        format!("/api/v1/alerts/{deleted}/insights"),
        "/api/v1/alerts/not-a-uuid/insights".to_owned(),
    ] {
        let response = app.get(&path, Some(TOKEN)).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn bad_days_values_are_rejected_with_a_json_error() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&[fixtures::alert_created(alert)]).await;
    app.consume().await;

    for days in ["0", "91", "abc", "-1", "7.5", ""] {
        let response = app.get_insights(alert, &format!("?days={days}")).await;
        assert_eq!(response.status(), 400, "days={days}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["details"][0]["field"], "days");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("1 to 90")
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;

    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["broker"], "ok");
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    for name in [
        "analytics_observations_ingested_total",
        "analytics_events_dead_lettered_total",
        "analytics_insight_emails_sent_total",
        "analytics_insight_emails_failed_total",
        "analytics_consumer_pending",
        "analytics_consumer_lag",
    ] {
        assert!(text.contains(name), "{name} missing from {text}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn rollups_merged_batch_by_batch_give_the_same_insights() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();

    for event in price_history(alert) {
        app.publish(&[event]).await;
        app.consume().await;
    }

    let report: Value = app.get_insights(alert, "").await.json().await.unwrap();
    assert_matches_hand_computed(&report);
    app.shutdown().await;
}
