//! Insight emails through a real SMTP server.

use std::time::Duration;

use analytics_service::send_due_insights_once;
use analytics_service::workers::insight_emails::{send_due_insights_at, send_insights_for_alert};
use mail_parser::{MessageParser, MimeHeaders};
use pubsub::fixtures;
use uuid::Uuid;

use super::fixture::price_history;
use super::helpers::{alert_updated, day_at, observed, spawn_app};

#[tokio::test]
async fn the_insight_email_arrives_with_text_html_and_a_decodable_chart() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    let outcome = send_due_insights_once(&app.ctx).await.unwrap();

    assert_eq!(
        (outcome.reports_created, outcome.sent),
        (1, 1),
        "{outcome:?}"
    );
    let received = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["ada@example.com".to_owned()]);
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    let subject = message.subject().unwrap();
    assert!(subject.contains("lego 42100"), "{subject}");
    assert!(
        subject.contains("median down 20.6 % this week"),
        "{subject}"
    );

    let text = message.body_text(0).unwrap();
    assert!(text.contains("Lowest price seen: $85.00"), "{text}");
    assert!(text.contains("$95.25 this week"), "{text}");
    assert!(text.contains("https://www.ebay.com/itm/L4"), "{text}");
    let html = message.body_html(0).unwrap();
    assert!(html.contains("cid:insight-chart"));
    assert!(html.contains("Biggest price drops"));

    let chart = message
        .attachments()
        .find(|a| a.content_id() == Some("insight-chart"))
        .expect("the chart is attached inline");
    let png = image::load_from_memory(chart.contents()).unwrap();
    assert!(png.width() > 100 && png.height() > 100);

    assert_eq!(
        message.header_raw("List-Unsubscribe").unwrap().trim(),
        format!("<https://alerts.example.com/unsubscribe?token=t-{alert}&kind=insights>")
    );
    let stored_id = app
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM insight_report WHERE status = 'sent' AND message_id = '{}'",
            message.message_id().unwrap()
        ))
        .await;
    assert_eq!(
        stored_id, 1,
        "the Message-ID was chosen and stored before sending"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn each_alert_gets_at_most_one_insight_email_per_period() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    let first = send_due_insights_once(&app.ctx).await.unwrap();
    let second = send_due_insights_once(&app.ctx).await.unwrap();
    let an_hour_later =
        send_due_insights_at(&app.ctx, chrono::Utc::now() + chrono::Duration::hours(1))
            .await
            .unwrap();
    let next_period =
        send_due_insights_at(&app.ctx, chrono::Utc::now() + chrono::Duration::hours(25))
            .await
            .unwrap();

    assert_eq!(first.sent, 1);
    assert_eq!((second.reports_created, second.sent), (0, 0));
    assert_eq!((an_hour_later.reports_created, an_hour_later.sent), (0, 0));
    assert_eq!((next_period.reports_created, next_period.sent), (1, 1));
    assert_eq!(app.smtp.wait_for(2, Duration::from_secs(10)).await.len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn with_too_little_data_the_email_says_so_plainly() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&[
        fixtures::alert_created(alert),
        observed(alert, day_at(0, 1), &[("a", rust_decimal_macros::dec!(10))]),
    ])
    .await;
    app.consume().await;

    let outcome = send_due_insights_once(&app.ctx).await.unwrap();

    assert_eq!(outcome.sent, 1);
    let received = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert!(message.subject().unwrap().ends_with("not enough data yet"));
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains("Not enough data yet: prices were seen on 1 of the last 14 days"),
        "{text}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn paused_and_deleted_alerts_get_no_insight_email() {
    let mut app = spawn_app().await;
    let paused = Uuid::now_v7();
    let deleted = Uuid::now_v7();
    let mut events = price_history(paused);
    events.push(alert_updated(paused, 2, true));
    events.extend(price_history(deleted));
    events.push(fixtures::alert_deleted(deleted, 2));
    app.publish(&events).await;
    app.consume().await;

    let outcome = send_due_insights_once(&app.ctx).await.unwrap();
    let forced = send_insights_for_alert(&app.ctx, paused).await.unwrap();
    let forced_deleted = send_insights_for_alert(&app.ctx, deleted).await;

    assert_eq!((outcome.reports_created, outcome.sent), (0, 0));
    assert_eq!(forced.sent, 0);
    assert!(
        forced_deleted.is_err(),
        "a deleted alert is an error for the operator"
    );
    assert!(app.smtp.messages().is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn an_alert_whose_owner_stopped_insight_emails_gets_none_while_it_keeps_running() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    let mut events = price_history(alert);
    let mut stopped = fixtures::alert(alert, 2);
    stopped.insight_emails = false;
    events.push(pubsub::Event::new(
        "alerts-service",
        Some(alert.to_string()),
        pubsub::Payload::AlertUpdated(pubsub::AlertChanged { alert: stopped }),
    ));
    app.publish(&events).await;
    app.consume().await;

    let outcome = send_due_insights_once(&app.ctx).await.unwrap();
    let forced = send_insights_for_alert(&app.ctx, alert).await.unwrap();

    assert_eq!((outcome.reports_created, outcome.sent), (0, 0));
    assert_eq!(forced.sent, 0);
    assert!(app.smtp.messages().is_empty());

    // Resumed (a later revision with insight emails on): emails come again.
    app.publish(&[alert_updated(alert, 3, false)]).await;
    app.consume().await;
    let resumed = send_due_insights_once(&app.ctx).await.unwrap();
    assert_eq!(resumed.sent, 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_report_queued_before_its_alert_was_paused_is_cancelled() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;
    app.smtp_stop();
    let first = send_due_insights_once(&app.ctx).await.unwrap();
    assert_eq!((first.reports_created, first.retried), (1, 1));

    app.publish(&[alert_updated(alert, 2, true)]).await;
    app.consume().await;
    app.smtp_restart().await;
    let later = send_due_insights_at(&app.ctx, chrono::Utc::now() + chrono::Duration::minutes(30))
        .await
        .unwrap();

    assert_eq!((later.sent, later.cancelled), (0, 1));
    assert!(app.smtp.messages().is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn an_email_that_failed_is_retried_with_the_same_message_id() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    app.smtp_stop();
    let failed = send_due_insights_once(&app.ctx).await.unwrap();
    let too_early = send_due_insights_once(&app.ctx).await.unwrap();
    let message_id_before = app
        .string("SELECT message_id AS s FROM insight_report")
        .await;
    app.smtp_restart().await;
    let retried =
        send_due_insights_at(&app.ctx, chrono::Utc::now() + chrono::Duration::minutes(30))
            .await
            .unwrap();

    assert_eq!(
        (failed.reports_created, failed.retried, failed.sent),
        (1, 1, 0)
    );
    assert_eq!(too_early.sent, 0, "waits for the backoff");
    assert_eq!(retried.sent, 1);
    let received = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 1);
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(message.message_id().unwrap(), message_id_before);
    assert_eq!(
        app.scalar("SELECT CAST(attempts AS BIGINT) AS n FROM insight_report")
            .await,
        2
    );
    app.shutdown().await;
}

#[tokio::test]
async fn send_insights_for_one_alert_sends_now_even_within_the_period() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;
    send_due_insights_once(&app.ctx).await.unwrap();

    let forced = send_insights_for_alert(&app.ctx, alert).await.unwrap();
    let unknown = send_insights_for_alert(&app.ctx, Uuid::now_v7()).await;

    assert_eq!((forced.reports_created, forced.sent), (1, 1));
    assert!(unknown.is_err());
    assert_eq!(app.smtp.wait_for(2, Duration::from_secs(10)).await.len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn two_replicas_sending_at_once_send_each_email_once() {
    let mut app = spawn_app().await;
    for _ in 0..3 {
        app.publish(&price_history(Uuid::now_v7())).await;
    }
    app.consume().await;
    let other = app.replica().await;

    let (a, b) = tokio::join!(
        send_due_insights_once(&app.ctx),
        send_due_insights_once(&other)
    );

    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.reports_created + b.reports_created, 3, "{a:?} {b:?}");
    assert_eq!(a.sent + b.sent, 3, "{a:?} {b:?}");
    let received = app.smtp.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 3);
    app.shutdown().await;
}
