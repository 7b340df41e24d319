//! The zero-setup mode's adapters: SQLite and the in-memory broker, same code paths.

use pubsub::fixtures;
use uuid::Uuid;

use super::fixture::{assert_matches_hand_computed, price_history};
use super::helpers::spawn_sqlite_app;

#[tokio::test]
async fn ingestion_and_insights_work_on_sqlite_with_the_in_memory_broker() {
    let mut app = spawn_sqlite_app().await;
    let alert = Uuid::now_v7();
    let events = price_history(alert);

    app.publish(&events).await;
    app.consume().await;
    // Redelivery changes nothing here either.
    app.publish(&events).await;
    app.consume().await;

    let report: serde_json::Value = app.get_insights(alert, "").await.json().await.unwrap();
    assert_matches_hand_computed(&report);
    // The exports read the same tables on SQLite (text dates and prices).
    let listings = app
        .get(
            &format!("/api/v1/alerts/{alert}/listings.csv"),
            Some(super::helpers::TOKEN),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        listings.contains("v1|L1|0,LEGO 42100 listing L1,New,new/fixed_price,"),
        "{listings}"
    );
    let history = app
        .get(
            &format!("/api/v1/alerts/{alert}/insights.csv"),
            Some(super::helpers::TOKEN),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        history.lines().count(),
        5,
        "a header and four days: {history}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        16
    );
    app.shutdown().await;
}

#[tokio::test]
async fn revisions_and_tombstones_hold_on_sqlite() {
    let mut app = spawn_sqlite_app().await;
    let alert = Uuid::now_v7();

    app.publish(&[
        fixtures::alert_deleted(alert, 2),
        fixtures::alert_created(alert),
    ])
    .await;
    app.consume().await;

    assert_eq!(app.get_insights(alert, "").await.status(), 404);
    app.shutdown().await;
}

#[tokio::test]
async fn insight_emails_are_sent_from_sqlite_too() {
    let mut app = spawn_sqlite_app().await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;

    let outcome = analytics_service::send_due_insights_once(&app.ctx)
        .await
        .unwrap();
    let again = analytics_service::send_due_insights_once(&app.ctx)
        .await
        .unwrap();

    assert_eq!((outcome.reports_created, outcome.sent), (1, 1));
    assert_eq!(again.sent, 0);
    assert_eq!(
        app.smtp
            .wait_for(1, std::time::Duration::from_secs(10))
            .await
            .len(),
        1
    );
    app.shutdown().await;
}
