//! The event relay loop and rounds: an event the broker could not take goes out without an
//! insight pass, two relays at once publish each event once (Postgres and SQLite), and
//! `/metrics` counts what was relayed and what waits.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use analytics_service::db::Db;
use analytics_service::reports::outbox;
use analytics_service::send_due_insights_once;
use analytics_service::state::AppState;
use async_trait::async_trait;
use chrono::Utc;
use pubsub::{
    ConsumerGroup, Event, Publisher, Transport, TransportError, TransportSettings, fixtures, topic,
};
use tokio::sync::Notify;
use uuid::Uuid;

use super::fixture::price_history;
use super::helpers::{TestApp, spawn_app, spawn_app_with, spawn_sqlite_app};

/// A publisher whose first publish waits until [`Gate::release`], so a test can hold a relay
/// in the middle of a round (its rows locked) while another relay runs.
struct Gate {
    inner: Arc<dyn Publisher>,
    first: AtomicBool,
    holding: Notify,
    released: Notify,
}

impl Gate {
    fn new(inner: Arc<dyn Publisher>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            first: AtomicBool::new(true),
            holding: Notify::new(),
            released: Notify::new(),
        })
    }

    /// Completes once the relay is inside its first publish.
    async fn holding(&self) {
        self.holding.notified().await;
    }

    fn release(&self) {
        self.released.notify_one();
    }
}

#[async_trait]
impl Publisher for Gate {
    async fn publish_encoded(
        &self,
        topic: &str,
        payloads: &[Vec<u8>],
    ) -> Result<(), TransportError> {
        if self.first.swap(false, Ordering::AcqRel) {
            self.holding.notify_one();
            self.released.notified().await;
        }
        self.inner.publish_encoded(topic, payloads).await
    }
}

/// Writes `n` `insight.generated` events to the outbox, as a pass would (without one).
async fn write_events(db: &Db, n: usize) -> Vec<Event> {
    let mut events = Vec::with_capacity(n);
    for _ in 0..n {
        let event = fixtures::insight_generated(Uuid::now_v7());
        outbox::insert(&db.conn, db.dialect, &event, Utc::now())
            .await
            .unwrap();
        events.push(event);
    }
    events
}

/// Every event on the insights topic so far, read by a fresh group.
async fn published(transport: &Transport) -> Vec<Event> {
    let group = ConsumerGroup::new(format!("relay-test-{}", Uuid::now_v7()), &[topic::INSIGHTS]);
    let mut subscriber = transport.subscriber(&group).await.unwrap();
    let mut events = Vec::new();
    loop {
        let batch = subscriber
            .fetch(500, Duration::from_millis(100))
            .await
            .unwrap();
        if batch.is_empty() {
            return events;
        }
        events.extend(batch.iter().map(|m| m.decode().unwrap()));
    }
}

/// Waits (generously, for the loop's poll) until `n` events are on the insights topic.
async fn wait_for_events(transport: &Transport, n: usize) -> Vec<Event> {
    let group = ConsumerGroup::new(format!("relay-wait-{}", Uuid::now_v7()), &[topic::INSIGHTS]);
    let mut subscriber = transport.subscriber(&group).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut events = Vec::new();
    while events.len() < n && std::time::Instant::now() < deadline {
        let batch = subscriber
            .fetch(100, Duration::from_millis(200))
            .await
            .unwrap();
        events.extend(batch.iter().map(|m| m.decode().unwrap()));
    }
    events
}

/// The value of one unlabelled metric in `/metrics`.
async fn metric(app: &TestApp, name: &str) -> Option<f64> {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .find_map(|value| value.parse().ok())
}

/// Polls [`metric`] until it shows `expected` or a generous deadline passes (for the loop's
/// work); returns the last value seen.
async fn eventually_metric(app: &TestApp, name: &str, expected: f64) -> Option<f64> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let value = metric(app, name).await;
        if value == Some(expected) || std::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_event_the_broker_refused_is_published_by_the_relay_loop_without_another_pass() {
    let mut app = spawn_app_with(|s| s.run_relay = true).await;
    let alert = Uuid::now_v7();
    app.publish(&price_history(alert)).await;
    app.consume().await;
    // The pass runs on a replica whose broker is unreachable (nothing listens on port 1).
    let down = Transport::connect(&TransportSettings::new("redis://127.0.0.1:1/")).unwrap();
    let offline = AppState::build((*app.ctx.settings).clone(), down)
        .await
        .unwrap();

    let outcome = send_due_insights_once(&offline).await.unwrap();

    assert_eq!((outcome.reports_created, outcome.events_published), (1, 0));
    assert_eq!(offline.metrics.event_relay_failures.get(), 1);
    // No further pass: the running service's relay loop publishes it.
    let events = wait_for_events(&app.transport, 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].subject.as_deref(),
        Some(alert.to_string().as_str())
    );
    // The event can be read a moment before the loop has marked it and counted it.
    assert_eq!(
        eventually_metric(&app, "analytics_events_relayed_total", 1.0).await,
        Some(1.0)
    );
    assert_eq!(outbox::pending(&app.ctx.db).await.unwrap(), 0);
    assert_eq!(
        metric(&app, "analytics_event_outbox_pending").await,
        Some(0.0)
    );
    assert_eq!(
        metric(&app, "analytics_event_relay_failures_total").await,
        Some(0.0)
    );
    app.shutdown().await;
}

#[tokio::test]
async fn metrics_show_the_events_waiting_in_the_outbox_and_those_relayed() {
    let app = spawn_app().await;
    write_events(&app.ctx.db, 3).await;

    let waiting = metric(&app, "analytics_event_outbox_pending").await;
    let relayed = analytics_service::workers::event_relay::relay_once(&app.ctx).await;

    assert_eq!(waiting, Some(3.0));
    assert_eq!((relayed.published, relayed.error.is_none()), (3, true));
    assert_eq!(
        metric(&app, "analytics_event_outbox_pending").await,
        Some(0.0)
    );
    assert_eq!(
        metric(&app, "analytics_events_relayed_total").await,
        Some(3.0)
    );
    app.shutdown().await;
}

#[tokio::test]
async fn two_relays_running_at_once_publish_each_event_once() {
    let app = spawn_app().await;
    let replica = app.replica().await;
    // More than one round's worth, so the relays interleave over several transactions.
    let written = write_events(&app.ctx.db, 250).await;
    let publisher = app.transport.publisher();

    let (a, b) = tokio::join!(
        outbox::relay(&app.ctx.db, publisher.as_ref(), Utc::now()),
        outbox::relay(&replica.db, publisher.as_ref(), Utc::now()),
    );

    assert!(a.error.is_none() && b.error.is_none(), "{a:?} {b:?}");
    assert_eq!(a.published + b.published, 250);
    let events = published(&app.transport).await;
    let ids: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(events.len(), 250, "no event twice");
    assert_eq!(ids, written.iter().map(|e| e.id.as_str()).collect());
    assert_eq!(outbox::pending(&app.ctx.db).await.unwrap(), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn a_relay_skips_the_events_another_replica_is_publishing() {
    let app = spawn_app().await;
    let replica = app.replica().await;
    write_events(&app.ctx.db, 3).await;
    let gate = Gate::new(app.transport.publisher());
    let held = {
        let (db, gate) = (app.ctx.db.clone(), gate.clone());
        tokio::spawn(async move { outbox::relay(&db, gate.as_ref(), Utc::now()).await })
    };
    gate.holding().await;

    // The first relay holds its round's rows; the replica finds nothing it may take.
    let other = outbox::relay(&replica.db, app.transport.publisher().as_ref(), Utc::now()).await;
    gate.release();
    let first = held.await.unwrap();

    assert!(other.error.is_none() && first.error.is_none());
    assert_eq!((first.published, other.published), (3, 0));
    assert_eq!(published(&app.transport).await.len(), 3);
    app.shutdown().await;
}

#[tokio::test]
async fn on_sqlite_a_second_process_waits_for_the_relay_holding_the_events() {
    let app = spawn_sqlite_app().await;
    // A second process on the same file: its own pool, so its own connection.
    let second = Db::connect(app.ctx.settings.database_url.expose(), 1)
        .await
        .unwrap();
    write_events(&app.ctx.db, 3).await;
    let gate = Gate::new(app.transport.publisher());
    let held = {
        let (db, gate) = (app.ctx.db.clone(), gate.clone());
        tokio::spawn(async move { outbox::relay(&db, gate.as_ref(), Utc::now()).await })
    };
    gate.holding().await;
    let other = {
        let publisher = app.transport.publisher();
        tokio::spawn(async move { outbox::relay(&second, publisher.as_ref(), Utc::now()).await })
    };
    // Lets the second relay reach the database while the first holds the write lock. The
    // assertions hold whichever comes first; only with this head start do they tell a relay
    // that waits from one that reads the rows the first is publishing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    gate.release();
    let first = held.await.unwrap();
    let other = other.await.unwrap();

    assert!(
        first.error.is_none() && other.error.is_none(),
        "{first:?} {other:?}"
    );
    assert_eq!((first.published, other.published), (3, 0));
    assert_eq!(outbox::pending(&app.ctx.db).await.unwrap(), 0);
    app.shutdown().await;
}
