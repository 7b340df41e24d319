//! `insight.generated`: written with the insight email's queue row, relayed to the insights
//! topic through real Redis, once per report, and kept in the outbox while the broker is down.

use std::time::Duration;

use analytics_service::reports::outbox;
use analytics_service::send_due_insights_once;
use analytics_service::state::AppState;
use pubsub::{ConsumerGroup, Payload, Transport, TransportSettings, fixtures, topic};
use uuid::Uuid;

use super::fixture::price_history;
use super::helpers::{TestApp, spawn_app};

async fn insight_events(app: &TestApp) -> Vec<pubsub::Event> {
    let group = ConsumerGroup::new("alerts-service-test", &[topic::INSIGHTS]);
    let mut subscriber = app.transport.subscriber(&group).await.unwrap();
    let messages = subscriber
        .fetch(100, Duration::from_millis(200))
        .await
        .unwrap();
    messages.iter().map(|m| m.decode().unwrap()).collect()
}

#[tokio::test]
async fn an_insight_report_publishes_one_summary_event_with_the_main_segments_figures() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    let first = send_due_insights_once(&app.ctx).await.unwrap();
    let second = send_due_insights_once(&app.ctx).await.unwrap();

    assert_eq!((first.reports_created, first.events_published), (1, 1));
    assert_eq!((second.reports_created, second.events_published), (0, 0));
    let events = insight_events(&app).await;
    assert_eq!(events.len(), 1, "one event per report");
    let event = &events[0];
    assert_eq!(event.source, "analytics-service");
    assert_eq!(event.subject.as_deref(), Some(alert.to_string().as_str()));
    let Payload::InsightGenerated(summary) = &event.payload else {
        panic!("expected insight.generated, got {:?}", event.payload);
    };
    assert_eq!(summary.alert_id, alert);
    assert_eq!(summary.currency, "USD");
    assert_eq!(summary.median_now, Some(rust_decimal_macros::dec!(95.25)));
    assert_eq!(summary.compared_with.as_deref(), Some("the week before"));
    assert_eq!(summary.insights_path, format!("/alerts/{alert}"));
    let report_id = app
        .string(&format!(
            "SELECT CAST(report_id AS TEXT) AS s FROM insight_report WHERE alert_id = '{alert}'"
        ))
        .await;
    assert_eq!(summary.report_id.to_string(), report_id);
    assert_eq!(outbox::pending(&app.ctx.db).await.unwrap(), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn an_alert_without_insight_emails_publishes_no_summary() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let mut events = price_history(alert);
    let mut stopped = fixtures::alert(alert, 2);
    stopped.insight_emails = false;
    events.push(pubsub::Event::new(
        "alerts-service",
        Some(alert.to_string()),
        Payload::AlertUpdated(pubsub::AlertChanged { alert: stopped }),
    ));
    app.publish(&events).await;
    app.consume().await;

    let outcome = send_due_insights_once(&app.ctx).await.unwrap();

    assert_eq!(outcome.events_published, 0);
    assert!(insight_events(&app).await.is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn while_the_broker_is_down_the_summary_waits_in_the_outbox_and_goes_out_later() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;
    // A replica whose broker is unreachable (nothing listens on port 1).
    let down = Transport::connect(&TransportSettings::new("redis://127.0.0.1:1/")).unwrap();
    let offline = AppState::build((*app.ctx.settings).clone(), down)
        .await
        .unwrap();

    let outcome = send_due_insights_once(&offline).await.unwrap();

    assert_eq!(
        (
            outcome.reports_created,
            outcome.sent,
            outcome.events_published
        ),
        (1, 1, 0),
        "the email goes out; the event waits"
    );
    assert_eq!(outbox::pending(&app.ctx.db).await.unwrap(), 1);
    assert!(insight_events(&app).await.is_empty());

    let later = send_due_insights_once(&app.ctx).await.unwrap();

    assert_eq!((later.reports_created, later.events_published), (0, 1));
    assert_eq!(insight_events(&app).await.len(), 1);
    assert_eq!(outbox::pending(&app.ctx.db).await.unwrap(), 0);
    app.shutdown().await;
}
