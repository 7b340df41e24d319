//! Insight summaries to channels, end to end through real Redis: analytics-service generates
//! an alert's insight and publishes `insight.generated`; alerts-service consumes it and a local
//! webhook receiver gets the summary once, even when the event is delivered again.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alerts_service::workers::{channel_sender, insight_summaries};
use serde_json::{Value, json};
use testkit::{TestDatabase, TestRedis};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::alerts_app::{alert_body, spawn_app_on};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A webhook receiver: answers 204 to every request and keeps the JSON bodies.
async fn receiver() -> (u16, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&data).to_string();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        continue;
                    };
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        kept.lock()
                            .unwrap()
                            .push(serde_json::from_str(&body[..length]).unwrap());
                        let _ = socket
                            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                            .await;
                        return;
                    }
                }
            });
        }
    });
    (port, bodies)
}

#[tokio::test]
async fn an_insight_analytics_generates_reaches_the_alerts_webhook_once() {
    let redis = TestRedis::new();
    let analytics_db = TestDatabase::create().await.unwrap();
    let transport_settings =
        pubsub::TransportSettings::new(&redis.url).with_key_prefix(&redis.prefix);
    let mut settings = analytics_service::config::Settings::new(
        analytics_db.url.clone(),
        transport_settings.clone(),
    );
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.run_schedule = false;
    let transport = pubsub::Transport::connect(&transport_settings).unwrap();
    let analytics = analytics_service::Application::build(settings, transport.clone())
        .await
        .unwrap();
    let analytics_ctx = analytics.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(analytics.run_until(async {
        let _ = stopped.await;
    }));
    let app = spawn_app_on(redis, |s| {
        s.channels.channel_allowed_hosts = "127.0.0.1".into();
        s.channels.channel_secret_key = Some(String::from(KEY).into());
    })
    .await;
    let (port, received) = receiver().await;
    let ada = app.token_for("ada@example.com").await;
    let channel: Value = app
        .post(
            "/api/v1/channels",
            &ada,
            json!({"url": format!("json://127.0.0.1:{port}/in")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut body = alert_body("lego 42100");
    body["channels"] = json!(["email", channel["id"]]);
    let alert = app.create_alert(&ada, body).await;
    let alert_id: uuid::Uuid = alert["id"].as_str().unwrap().parse().unwrap();
    app.post(&format!("/api/v1/alerts/{alert_id}/run"), &ada, json!({}))
        .await;
    app.relay().await;

    // analytics ingests asynchronously; once it knows the alert it makes the report now.
    let mut outcome = None;
    for _ in 0..100 {
        if let Ok(o) = analytics_service::workers::insight_emails::send_insights_for_alert(
            &analytics_ctx,
            alert_id,
        )
        .await
        {
            outcome = Some(o);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let outcome = outcome.expect("analytics learnt the alert");
    // Its event is published by the pass or, if the relay loop's round came first, by the
    // loop (`events_published` 0 then): that it arrives, once, is what the rest checks.
    assert_eq!(outcome.reports_created, 1);
    assert!(outcome.events_published <= 1);

    let state = app.state().clone();
    let mut subscriber = insight_summaries::subscriber(&state).await.unwrap();
    let options = pubsub::ConsumerOptions {
        wait: Duration::from_millis(500),
        ..pubsub::ConsumerOptions::default()
    };
    let first = insight_summaries::consume_once(&state, subscriber.as_mut(), &options)
        .await
        .unwrap();
    assert_eq!((first.received, first.done), (1, 1));
    // The very same bytes again, as a relay that crashed before marking them published would.
    let group = pubsub::ConsumerGroup::new("peek", &[pubsub::topic::INSIGHTS]);
    let mut peek = transport.subscriber(&group).await.unwrap();
    let original = peek.fetch(10, Duration::from_millis(500)).await.unwrap();
    assert_eq!(original.len(), 1);
    transport
        .publisher()
        .publish_encoded(pubsub::topic::INSIGHTS, &[original[0].payload.clone()])
        .await
        .unwrap();
    let again = insight_summaries::consume_once(&state, subscriber.as_mut(), &options)
        .await
        .unwrap();
    assert_eq!((again.received, again.done), (1, 1));

    let delivered = channel_sender::deliver_due_once(&state).await.unwrap();
    let later = channel_sender::deliver_due_once(&state).await.unwrap();

    assert_eq!(
        (delivered.sent, later.sent),
        (2, 0),
        "the run's listings and the summary"
    );
    let bodies: Vec<Value> = received
        .lock()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "alert.insight")
        .cloned()
        .collect();
    assert_eq!(bodies.len(), 1, "one summary: {bodies:?}");
    let data = &bodies[0]["data"];
    assert_eq!(data["alert"]["id"], alert["id"]);
    assert_eq!(data["insight"]["enough_data"], false, "one day of prices");
    assert!(
        data["insight"]["chart_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/alerts/{alert_id}")),
        "{data}"
    );
    let _ = stop.send(());
}
