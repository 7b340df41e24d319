//! The insights proxy: alerts-service checks ownership, then asks analytics-service (a real
//! instance consuming the same Redis streams) with the shared token. Moved here from
//! alerts-service's API tests so that crate does not build analytics-service.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{TestDatabase, TestRedis};

use crate::alerts_app::{alert_body, spawn_app_on};

#[tokio::test]
async fn insights_come_from_analytics_for_the_owner_only() {
    let redis = TestRedis::new();
    let analytics_db = TestDatabase::create().await.unwrap();
    let transport_settings =
        pubsub::TransportSettings::new(&redis.url).with_key_prefix(&redis.prefix);
    let mut settings = analytics_service::config::Settings::new(
        analytics_db.url.clone(),
        transport_settings.clone(),
    );
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.api_token = Some(analytics_service::config::Sensitive::new(
        "shared-secret-of-the-tests".to_owned(),
    ));
    settings.run_schedule = false;
    let analytics = analytics_service::Application::build(
        settings,
        pubsub::Transport::connect(&transport_settings).unwrap(),
    )
    .await
    .unwrap();
    let analytics_url = format!("http://127.0.0.1:{}", analytics.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(analytics.run_until(async {
        let _ = stopped.await;
    }));
    let app = spawn_app_on(redis, move |s| {
        s.analytics_url = analytics_url.parse().unwrap();
        s.analytics_api_token = Some(String::from("shared-secret-of-the-tests").into());
    })
    .await;
    let ada = app.token_for("ada@example.com").await;
    let bob = app.token_for("bob@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
    let path = format!("/api/v1/alerts/{}/insights", alert["id"].as_str().unwrap());

    app.post(
        &format!("/api/v1/alerts/{}/run", alert["id"].as_str().unwrap()),
        &ada,
        json!({}),
    )
    .await;
    app.relay().await;
    // The consumer ingests asynchronously: wait until the day's point shows up.
    let mut report = Value::Null;
    for _ in 0..100 {
        report = app.get(&path, &ada).await.json().await.unwrap();
        if report["series"].as_array().is_some_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    assert_eq!(report["alert_id"], alert["id"]);
    assert_eq!(report["days"], 14);
    assert_eq!(report["days_with_data"], 1);
    assert_eq!(
        report["enough_data"], false,
        "one day is not enough for a trend"
    );
    assert!(
        report["series"][0]["median"].is_string(),
        "prices are decimal strings: {report}"
    );
    assert_eq!(app.get(&path, &bob).await.status(), StatusCode::NOT_FOUND);
    let never_run = app.create_alert(&ada, alert_body("never run")).await;
    let empty: Value = app
        .get(
            &format!(
                "/api/v1/alerts/{}/insights",
                never_run["id"].as_str().unwrap()
            ),
            &ada,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        empty["enough_data"], false,
        "an honest empty report: {empty}"
    );
    assert_eq!(empty["series"].as_array().map(Vec::len), Some(0));
    assert!(
        empty["message"]
            .as_str()
            .unwrap()
            .contains("Not enough data"),
        "{empty}"
    );
    assert_eq!(
        app.get(&format!("{path}?days=91"), &ada).await.status(),
        StatusCode::BAD_REQUEST
    );
    let _ = stop.send(());
}
