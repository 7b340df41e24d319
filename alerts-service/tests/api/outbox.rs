//! The event outbox: events reach the stream in order, survive Redis outages, and are published
//! once even with two relays.

use std::time::Duration;

use pubsub::{ConsumerGroup, Event, Payload, Transport, TransportSettings, topic};
use reqwest::StatusCode;
use serde_json::json;
use testkit::{RedisServer, TestRedis};

use crate::helpers::{TestApp, alert_body, spawn_app, spawn_app_with_redis};

/// Every event on the alert-config stream, read through a fresh consumer group.
async fn stream_events(app: &TestApp) -> Vec<Event> {
    let settings = TransportSettings::new(&app.redis.url).with_key_prefix(&app.redis.prefix);
    let transport = Transport::connect(&settings).unwrap();
    let group = ConsumerGroup::new(
        format!("test-{}", testkit::unique_suffix()),
        &[topic::ALERT_CONFIG],
    );
    let mut subscriber = transport.subscriber(&group).await.unwrap();
    let mut events = Vec::new();
    loop {
        let batch = subscriber
            .fetch(100, Duration::from_millis(200))
            .await
            .unwrap();
        if batch.is_empty() {
            return events;
        }
        events.extend(batch.iter().map(|m| m.decode().unwrap()));
    }
}

fn revision(event: &Event) -> u64 {
    match &event.payload {
        Payload::AlertCreated(c) | Payload::AlertUpdated(c) => c.alert.revision,
        Payload::AlertDeleted(d) => d.revision,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn changes_reach_the_alert_config_stream_in_order_with_increasing_revisions() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());
    app.patch(&path, &ada, json!({"paused": true})).await;
    app.patch(&path, &ada, json!({"max_price": "400"})).await;
    app.delete(&path, &ada).await;

    let outcome = app.relay().await;
    let events = stream_events(&app).await;

    assert_eq!(outcome.published, 4);
    let types: Vec<&str> = events.iter().map(Event::event_type).collect();
    assert_eq!(
        types,
        [
            "alert.created",
            "alert.updated",
            "alert.updated",
            "alert.deleted"
        ]
    );
    assert_eq!(
        events.iter().map(revision).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let Payload::AlertUpdated(last_update) = &events[2].payload else {
        unreachable!()
    };
    assert_eq!(last_update.alert.owner_email, "ada@example.com");
    assert_eq!(
        last_update.alert.max_price,
        Some(rust_decimal::Decimal::new(400, 0))
    );
    assert!(last_update.alert.paused);
    assert!(
        last_update
            .alert
            .unsubscribe_url
            .as_deref()
            .unwrap()
            .starts_with("http://dashboard.test/unsubscribe?token=")
    );
    assert!(
        events
            .iter()
            .all(|e| e.subject.as_deref() == alert["id"].as_str())
    );
    assert_eq!(app.relay().await.published, 0, "nothing is published twice");
}

#[tokio::test]
async fn while_redis_is_down_the_api_answers_and_every_event_is_published_once_it_is_back() {
    let mut server = RedisServer::start().unwrap();
    let app = spawn_app_with_redis(TestRedis::on(&server.url())).await;
    let ada = app.token_for("ada@example.com").await;

    server.stop();
    let mut ids = Vec::new();
    for i in 0..3 {
        let response = app
            .post(
                "/api/v1/alerts",
                &ada,
                alert_body(&format!("during outage {i}")),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "the API keeps answering"
        );
        ids.push(
            response.json::<serde_json::Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let failed = app.relay().await;
    assert_eq!((failed.published, failed.failed), (0, 3));
    server.restart().unwrap();
    // Failed rows wait a short backoff before the next attempt.
    let mut published = 0;
    for _ in 0..50 {
        published += app.relay().await.published;
        if published >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let events = stream_events(&app).await;
    assert_eq!(published, 3);
    let subjects: Vec<String> = events.iter().filter_map(|e| e.subject.clone()).collect();
    assert_eq!(subjects, ids, "all three, in order, once");
}

#[tokio::test]
async fn two_relays_running_at_once_publish_each_event_once() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..40 {
        app.create_alert(&ada, alert_body(&format!("phrase {i}")))
            .await;
    }

    let state_a = app.state.clone();
    let state_b = app.state.clone();
    let a = tokio::spawn(async move {
        let mut n = 0;
        for _ in 0..5 {
            n += alerts_service::workers::event_relay::relay_once(&state_a)
                .await
                .unwrap()
                .published;
        }
        n
    });
    let b = tokio::spawn(async move {
        let mut n = 0;
        for _ in 0..5 {
            n += alerts_service::workers::event_relay::relay_once(&state_b)
                .await
                .unwrap()
                .published;
        }
        n
    });
    let total = a.await.unwrap() + b.await.unwrap();

    let events = stream_events(&app).await;
    assert_eq!(total, 40);
    assert_eq!(events.len(), 40);
    let unique: std::collections::HashSet<_> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(unique.len(), 40);
}
