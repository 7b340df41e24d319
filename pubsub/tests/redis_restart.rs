//! Behaviour when Redis goes away and comes back, against a private `redis-server` the test
//! starts, kills and restarts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::Duration;

use async_trait::async_trait;
use pubsub::consumer::{self, ConsumerOptions, Disposition, Handler, Incoming};
use pubsub::{
    ConsumerGroup, Event, Transport, TransportError, TransportKind, TransportSettings, fixtures,
    topic,
};
use testkit::RedisServer;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Forwards every event it handles to the test.
struct Forward(mpsc::UnboundedSender<Event>);

#[async_trait]
impl Handler for Forward {
    async fn handle(&mut self, batch: &[Incoming]) -> Vec<Disposition> {
        for incoming in batch {
            let _ = self.0.send(incoming.event.clone());
        }
        vec![Disposition::Done; batch.len()]
    }
}

fn settings(server: &RedisServer, kind: TransportKind) -> TransportSettings {
    let mut settings = TransportSettings::new(server.url()).with_kind(kind);
    settings.op_timeout = Duration::from_millis(800);
    settings
}

/// Publishes `event` until Redis takes it (it may still be coming back up).
async fn publish_eventually(transport: &Transport, event: &Event) {
    for _ in 0..100 {
        if transport.publisher().publish(event).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Redis never accepted the event again");
}

async fn next_event(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("an event arrives within 30 s")
        .expect("consumer alive")
}

async fn a_consumer_survives_a_redis_restart(kind: TransportKind) {
    let mut server = RedisServer::start().unwrap();
    let transport = Transport::connect(&settings(&server, kind)).unwrap();
    let group = ConsumerGroup::new("analytics", &[topic::ALERT_CONFIG])
        .with_reclaim(Duration::from_secs(1), Duration::from_millis(200));
    let mut subscriber = transport.subscriber(&group).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let consumer = tokio::spawn(async move {
        let options = ConsumerOptions {
            wait: Duration::from_millis(200),
            error_backoff: Duration::from_millis(100),
            ..ConsumerOptions::default()
        };
        consumer::run(subscriber.as_mut(), &mut Forward(tx), &options, async {
            let _ = stop_rx.await;
        })
        .await;
    });

    let before = fixtures::alert_created(Uuid::now_v7());
    publish_eventually(&transport, &before).await;
    assert_eq!(next_event(&mut rx).await.id, before.id);

    server.stop();
    let failed = transport
        .publisher()
        .publish(&fixtures::alert_updated(Uuid::now_v7(), 2))
        .await;
    assert!(
        failed.is_err(),
        "publishing while Redis is down reports an error the caller can act on"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.restart().unwrap();

    if kind == TransportKind::Streams {
        let after = fixtures::alert_updated(Uuid::now_v7(), 3);
        publish_eventually(&transport, &after).await;
        assert_eq!(
            next_event(&mut rx).await.id,
            after.id,
            "the same consumer receives events after the restart"
        );
    } else {
        // At-most-once: what is published before the subscriber has re-subscribed is lost, so
        // keep publishing until one arrives.
        let mut published = Vec::new();
        let received = loop {
            let event = fixtures::alert_updated(Uuid::now_v7(), 3);
            publish_eventually(&transport, &event).await;
            published.push(event.id);
            if let Ok(Some(event)) =
                tokio::time::timeout(Duration::from_millis(300), rx.recv()).await
            {
                break event;
            }
            assert!(published.len() < 100, "the subscriber never came back");
        };
        assert!(
            published.contains(&received.id),
            "the same consumer receives events after the restart"
        );
    }

    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(10), consumer)
        .await
        .expect("stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn a_streams_consumer_survives_a_redis_restart() {
    a_consumer_survives_a_redis_restart(TransportKind::Streams).await;
}

#[tokio::test]
async fn a_pubsub_consumer_survives_a_redis_restart() {
    a_consumer_survives_a_redis_restart(TransportKind::PubSub).await;
}

#[tokio::test]
async fn publishing_to_a_dead_redis_fails_promptly_instead_of_hanging() {
    let mut server = RedisServer::start().unwrap();
    let transport = Transport::connect(&settings(&server, TransportKind::Streams)).unwrap();
    server.stop();

    let result = tokio::time::timeout(
        Duration::from_secs(20),
        transport
            .publisher()
            .publish(&fixtures::alert_created(Uuid::now_v7())),
    )
    .await
    .expect("publish returns instead of blocking");

    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            pubsub::PublishError::Transport(TransportError::Redis(_) | TransportError::Timeout(_))
        ),
        "{error}"
    );
    assert!(
        transport.ping().await.is_err(),
        "readiness sees Redis is down"
    );
}
