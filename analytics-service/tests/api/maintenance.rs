//! Partitions ahead of time and retention.

use analytics_service::workers::maintenance::run_maintenance_at;
use pubsub::fixtures;
use uuid::Uuid;

use super::helpers::{spawn_app, spawn_sqlite_app};

#[tokio::test]
async fn partitions_exist_for_this_month_and_the_next_two() {
    let app = spawn_app().await;

    let partitions = app
        .scalar(
            "SELECT COUNT(*) AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
             WHERE p.relname = 'fact_price_observation'",
        )
        .await;
    let created = run_maintenance_at(&app.ctx, chrono::Utc::now())
        .await
        .unwrap();

    assert_eq!(partitions, 3);
    assert_eq!(
        created.partitions_created, 0,
        "the migration made them already"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn retention_drops_old_observations_by_partition_and_keeps_rollups() {
    let mut app = spawn_app().await;
    let alert = Uuid::now_v7();
    app.publish(&[fixtures::products_observed(alert, 10)]).await;
    app.consume().await;

    let far_future = chrono::Utc::now() + chrono::Duration::days(400);
    let outcome = run_maintenance_at(&app.ctx, far_future).await.unwrap();

    assert!(!outcome.partitions_dropped.is_empty(), "{outcome:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM fact_price_observation")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM daily_rollup WHERE price_counts = ''")
            .await,
        1,
        "the histogram is emptied"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM daily_rollup").await,
        1,
        "rollups are kept"
    );
    assert!(
        outcome.partitions_created >= 1,
        "months ahead of the new date"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn retention_deletes_old_observations_on_sqlite() {
    let mut app = spawn_sqlite_app().await;
    let alert = Uuid::now_v7();
    app.publish(&[fixtures::products_observed(alert, 10)]).await;
    app.consume().await;

    let outcome = run_maintenance_at(&app.ctx, chrono::Utc::now() + chrono::Duration::days(400))
        .await
        .unwrap();

    assert_eq!(outcome.observations_deleted, 10);
    assert_eq!(outcome.histograms_cleared, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) AS n FROM daily_rollup").await,
        1
    );
    app.shutdown().await;
}

#[tokio::test]
async fn instances_starting_together_migrate_once_without_racing() {
    let database = testkit::TestDatabase::create().await.unwrap();
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(
            analytics_service::db::Db::connect(&database.url, 4)
                .await
                .unwrap(),
        );
    }
    let results = futures::future::join_all(instances.iter().map(|db| db.migrate())).await;
    for result in results {
        result.unwrap();
    }
}
