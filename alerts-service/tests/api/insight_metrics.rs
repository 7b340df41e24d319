//! `/metrics` of the insight summary consumer: summaries received, channel notifications
//! queued, redeliveries dropped and unreadable messages dead-lettered, each counted once.

use std::time::Duration;

use alerts_service::workers::insight_summaries;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp, alert_body, spawn_app_with};
use crate::receiver::Receiver;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

async fn consume_insights(app: &TestApp) -> pubsub::PollReport {
    let mut subscriber = insight_summaries::subscriber(&app.state).await.unwrap();
    let options = pubsub::ConsumerOptions {
        wait: Duration::from_millis(200),
        ..pubsub::ConsumerOptions::default()
    };
    insight_summaries::consume_once(&app.state, subscriber.as_mut(), &options)
        .await
        .unwrap()
}

/// The value of one unlabelled metric in `/metrics`.
async fn metric(app: &TestApp, name: &str) -> Option<u64> {
    let text = app.get("/metrics", &Auth::None).await.text().await.unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .find_map(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_count_insight_summaries_received_queued_duplicated_and_dead_lettered() {
    let app = spawn_app_with(|s| {
        s.channels.channel_allowed_hosts = "127.0.0.1".into();
        s.channels.channel_secret_key = Some(String::from(KEY).into());
    })
    .await;
    let auth = app.token_for("insight-metrics@example.com").await;
    let hook = Receiver::start().await;
    let response = app
        .post(
            "/api/v1/channels",
            &auth,
            json!({"url": format!("json://{}/in", hook.host_port())}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let channel: Value = response.json().await.unwrap();
    let mut body = alert_body("lego 42100");
    body["channels"] = json!(["email", channel["id"]]);
    let alert = app.create_alert(&auth, body).await;
    let alert_id: uuid::Uuid = alert["id"].as_str().unwrap().parse().unwrap();
    let event = pubsub::fixtures::insight_generated(alert_id);
    let publisher = app.state.transport.publisher();

    publisher.publish(&event).await.unwrap();
    consume_insights(&app).await;
    let after_first = (
        metric(&app, "alerts_insight_summaries_received_total").await,
        metric(&app, "alerts_insight_notifications_queued_total").await,
        metric(&app, "alerts_insight_summaries_duplicate_total").await,
    );
    // The same event again (a relay that crashed before marking it), and an unreadable one.
    publisher.publish(&event).await.unwrap();
    publisher
        .publish_encoded(pubsub::topic::INSIGHTS, &[b"{not json".to_vec()])
        .await
        .unwrap();
    let report = consume_insights(&app).await;

    assert_eq!(after_first, (Some(1), Some(1), Some(0)));
    assert_eq!((report.received, report.dead_lettered), (2, 1));
    assert_eq!(
        metric(&app, "alerts_insight_summaries_received_total").await,
        Some(3)
    );
    assert_eq!(
        metric(&app, "alerts_insight_notifications_queued_total").await,
        Some(1),
        "one channel besides email; the redelivery queued nothing"
    );
    assert_eq!(
        metric(&app, "alerts_insight_summaries_duplicate_total").await,
        Some(1)
    );
    assert_eq!(
        metric(&app, "alerts_insight_summaries_dead_lettered_total").await,
        Some(1)
    );
}
