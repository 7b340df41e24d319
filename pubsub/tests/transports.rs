//! One behavioural suite run against every transport where its semantics allow:
//! Redis Streams and the in-memory broker (at-least-once) share all of it; Redis Pub/Sub
//! (at-most-once) shares what does not depend on acknowledgements.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use pubsub::consumer::{self, ConsumerOptions, Disposition, Handler, Incoming};
use pubsub::transport::memory::MemoryBroker;
use pubsub::{
    ConsumerGroup, Event, Payload, Transport, TransportKind, TransportSettings, fixtures, topic,
};
use testkit::TestRedis;
use uuid::Uuid;

const WAIT: Duration = Duration::from_millis(200);

#[derive(Clone, Copy, Debug)]
enum Kind {
    Streams,
    PubSub,
    Memory,
}

/// A transport with its own key prefix (cleaned up on drop).
struct Fixture {
    transport: Transport,
    redis: Option<TestRedis>,
}

impl Fixture {
    fn new(kind: Kind) -> Self {
        Self::with_max_len(kind, 10_000)
    }

    fn with_max_len(kind: Kind, max_len: usize) -> Self {
        match kind {
            Kind::Memory => Self {
                transport: Transport::Memory(MemoryBroker::new(max_len)),
                redis: None,
            },
            Kind::Streams | Kind::PubSub => {
                let redis = TestRedis::new();
                let mut settings = TransportSettings::new(&redis.url)
                    .with_kind(if matches!(kind, Kind::Streams) {
                        TransportKind::Streams
                    } else {
                        TransportKind::PubSub
                    })
                    .with_key_prefix(&redis.prefix);
                settings.max_stream_len = max_len;
                Self {
                    transport: Transport::connect(&settings).expect("settings are valid"),
                    redis: Some(redis),
                }
            }
        }
    }

    fn group(&self, name: &str, topics: &[&str]) -> ConsumerGroup {
        ConsumerGroup::new(name, topics)
            .with_reclaim(Duration::from_millis(300), Duration::from_millis(50))
    }

    async fn raw(&self) -> redis::aio::MultiplexedConnection {
        let redis = self.redis.as_ref().expect("a Redis fixture");
        redis::Client::open(redis.url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    fn key(&self, topic: &str) -> String {
        format!(
            "{}{topic}",
            self.redis.as_ref().map_or("", |r| r.prefix.as_str())
        )
    }
}

/// Records every event it sees and answers with a fixed disposition.
struct Recorder {
    seen: Vec<Incoming>,
    answer: Disposition,
}

impl Recorder {
    fn accepting() -> Self {
        Self {
            seen: Vec::new(),
            answer: Disposition::Done,
        }
    }
    fn answering(answer: Disposition) -> Self {
        Self {
            seen: Vec::new(),
            answer,
        }
    }
    fn ids(&self) -> Vec<String> {
        self.seen.iter().map(|i| i.event.id.clone()).collect()
    }
}

#[async_trait]
impl Handler for Recorder {
    async fn handle(&mut self, batch: &[Incoming]) -> Vec<Disposition> {
        self.seen.extend_from_slice(batch);
        vec![self.answer.clone(); batch.len()]
    }
}

fn options() -> ConsumerOptions {
    ConsumerOptions {
        batch_size: 64,
        wait: WAIT,
        max_deliveries: 3,
        error_backoff: Duration::from_millis(50),
    }
}

/// Polls until `handler` has seen `n` events or `rounds` polls passed.
async fn drain(sub: &mut dyn pubsub::Subscriber, handler: &mut Recorder, n: usize, rounds: usize) {
    for _ in 0..rounds {
        if handler.seen.len() >= n {
            break;
        }
        consumer::poll_once(sub, handler, &options())
            .await
            .expect("poll");
    }
}

fn all_event_types() -> Vec<Event> {
    let id = Uuid::now_v7();
    vec![
        fixtures::alert_created(id),
        fixtures::alert_updated(id, 2),
        fixtures::alert_deleted(id, 3),
        fixtures::products_observed(id, 50),
    ]
}

// ---------------------------------------------------------------- shared behaviour

async fn every_event_type_published_is_consumed_once_in_order(kind: Kind) {
    let fx = Fixture::new(kind);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::ALERT_CONFIG, topic::PRODUCT_PRICES]))
        .await
        .unwrap();
    let publisher = fx.transport.publisher();
    let events = all_event_types();

    for event in &events {
        publisher.publish(event).await.unwrap();
    }
    let mut recorder = Recorder::accepting();
    drain(sub.as_mut(), &mut recorder, events.len(), 20).await;
    drain(sub.as_mut(), &mut recorder, usize::MAX, 2).await;

    let received: Vec<Event> = recorder.seen.iter().map(|i| i.event.clone()).collect();
    let config: Vec<&Event> = received
        .iter()
        .filter(|e| e.payload.topic() == Some(topic::ALERT_CONFIG))
        .collect();
    assert_eq!(
        config,
        events[..3].iter().collect::<Vec<_>>(),
        "alert-config events in publish order"
    );
    assert_eq!(received.len(), events.len(), "each event exactly once");
    assert!(received.contains(&events[3]));
}

async fn a_malformed_message_is_dead_lettered_and_the_consumer_carries_on(kind: Kind) {
    let fx = Fixture::new(kind);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::PRODUCT_PRICES]))
        .await
        .unwrap();
    let publisher = fx.transport.publisher();
    let good = fixtures::products_observed(Uuid::now_v7(), 3);

    publisher
        .publish_encoded(
            topic::PRODUCT_PRICES,
            &[b"{not json".to_vec(), br#"{"specversion":"1.0"}"#.to_vec()],
        )
        .await
        .unwrap();
    publisher.publish(&good).await.unwrap();
    let mut recorder = Recorder::accepting();
    drain(sub.as_mut(), &mut recorder, 1, 20).await;

    assert_eq!(recorder.ids(), vec![good.id.clone()]);
    let dead = fx
        .transport
        .dead_letters(topic::PRODUCT_PRICES, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter()
            .all(|d| d.reason.contains("not a CloudEvents JSON envelope")),
        "{dead:?}"
    );
    assert!(dead.iter().any(|d| d.payload == b"{not json"));
    assert!(
        dead.iter()
            .all(|d| d.group == "analytics" && d.topic == topic::PRODUCT_PRICES)
    );
}

async fn a_rejected_event_is_dead_lettered_with_the_handlers_reason(kind: Kind) {
    let fx = Fixture::new(kind);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::ALERT_CONFIG]))
        .await
        .unwrap();
    fx.transport
        .publisher()
        .publish(&fixtures::alert_created(Uuid::now_v7()))
        .await
        .unwrap();

    let mut recorder = Recorder::answering(Disposition::Reject("alert owner unknown".into()));
    drain(sub.as_mut(), &mut recorder, 1, 20).await;

    let dead = fx
        .transport
        .dead_letters(topic::ALERT_CONFIG, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "alert owner unknown");
    assert!(
        Event::decode(&dead[0].payload).is_ok(),
        "the original bytes are kept"
    );
}

// ------------------------------------------------------- at-least-once behaviour

async fn two_consumers_in_one_group_share_the_load_without_overlap(kind: Kind) {
    let fx = Fixture::new(kind);
    let group = fx.group("analytics", &[topic::PRODUCT_PRICES]);
    let mut a = fx
        .transport
        .subscriber(&group.clone().with_consumer("a"))
        .await
        .unwrap();
    let mut b = fx
        .transport
        .subscriber(&group.with_consumer("b"))
        .await
        .unwrap();
    let events: Vec<Event> = (0..40)
        .map(|_| fixtures::products_observed(Uuid::now_v7(), 2))
        .collect();
    fx.transport
        .publisher()
        .publish_batch(topic::PRODUCT_PRICES, &events)
        .await
        .unwrap();

    let mut seen_a = Recorder::accepting();
    let mut seen_b = Recorder::accepting();
    let small = ConsumerOptions {
        batch_size: 5,
        ..options()
    };
    for _ in 0..40 {
        if seen_a.seen.len() + seen_b.seen.len() >= events.len() {
            break;
        }
        consumer::poll_once(a.as_mut(), &mut seen_a, &small)
            .await
            .unwrap();
        consumer::poll_once(b.as_mut(), &mut seen_b, &small)
            .await
            .unwrap();
    }

    let ids_a: HashSet<String> = seen_a.ids().into_iter().collect();
    let ids_b: HashSet<String> = seen_b.ids().into_iter().collect();
    assert!(
        !ids_a.is_empty() && !ids_b.is_empty(),
        "both consumers got work: {} / {}",
        ids_a.len(),
        ids_b.len()
    );
    assert!(ids_a.is_disjoint(&ids_b), "no message handled twice");
    assert_eq!(
        ids_a.len() + ids_b.len(),
        events.len(),
        "every message handled"
    );
    assert_eq!(seen_a.seen.len() + seen_b.seen.len(), events.len());
}

async fn a_message_left_unacknowledged_by_a_dead_consumer_goes_to_another(kind: Kind) {
    let fx = Fixture::new(kind);
    let group = fx.group("analytics", &[topic::PRODUCT_PRICES]);
    let event = fixtures::products_observed(Uuid::now_v7(), 5);
    let mut doomed = fx
        .transport
        .subscriber(&group.clone().with_consumer("doomed"))
        .await
        .unwrap();
    fx.transport.publisher().publish(&event).await.unwrap();

    // The doomed consumer takes the message and dies without acknowledging it.
    let taken = doomed.fetch(10, WAIT).await.unwrap();
    assert_eq!(taken.len(), 1);
    drop(doomed);

    let mut survivor = fx
        .transport
        .subscriber(&group.with_consumer("survivor"))
        .await
        .unwrap();
    let mut recorder = Recorder::accepting();
    for _ in 0..30 {
        if !recorder.seen.is_empty() {
            break;
        }
        consumer::poll_once(survivor.as_mut(), &mut recorder, &options())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!(recorder.ids(), vec![event.id.clone()]);
    assert_eq!(
        recorder.seen[0].deliveries, 2,
        "the second delivery is counted"
    );
    // Acknowledged now: nothing more comes.
    tokio::time::sleep(Duration::from_millis(400)).await;
    drain(survivor.as_mut(), &mut recorder, usize::MAX, 3).await;
    assert_eq!(recorder.seen.len(), 1);
}

async fn a_message_that_keeps_failing_is_dead_lettered_after_the_limit(kind: Kind) {
    let fx = Fixture::new(kind);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::ALERT_CONFIG]))
        .await
        .unwrap();
    let bad = fixtures::alert_created(Uuid::now_v7());
    let good = fixtures::alert_updated(Uuid::now_v7(), 2);
    fx.transport.publisher().publish(&bad).await.unwrap();

    let mut failing = Recorder::answering(Disposition::Retry("database unavailable".into()));
    for _ in 0..60 {
        if failing.seen.len() >= 3 {
            break;
        }
        consumer::poll_once(sub.as_mut(), &mut failing, &options())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    fx.transport.publisher().publish(&good).await.unwrap();
    let mut ok = Recorder::accepting();
    drain(sub.as_mut(), &mut ok, 1, 20).await;

    assert_eq!(
        failing
            .seen
            .iter()
            .map(|i| i.deliveries)
            .collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let dead = fx
        .transport
        .dead_letters(topic::ALERT_CONFIG, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0]
            .reason
            .contains("failed 3 times; last error: database unavailable"),
        "{}",
        dead[0].reason
    );
    assert_eq!(ok.ids(), vec![good.id.clone()], "later events still flow");
}

async fn trimming_keeps_every_unacknowledged_message(kind: Kind) {
    let fx = Fixture::with_max_len(kind, 10);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::PRODUCT_PRICES]))
        .await
        .unwrap();
    let publisher = fx.transport.publisher();
    let events: Vec<Event> = (0..60)
        .map(|_| fixtures::products_observed(Uuid::now_v7(), 1))
        .collect();

    // Nobody has read anything yet: all 60 must survive although the cap is 10.
    for chunk in events.chunks(6) {
        publisher
            .publish_batch(topic::PRODUCT_PRICES, chunk)
            .await
            .unwrap();
    }
    let mut recorder = Recorder::accepting();
    drain(sub.as_mut(), &mut recorder, events.len(), 20).await;
    assert_eq!(
        recorder.seen.len(),
        events.len(),
        "nothing unread was trimmed"
    );

    // Everything is acknowledged now, so the next publishes may trim down to the cap.
    for chunk in events.chunks(6).take(3) {
        publisher
            .publish_batch(topic::PRODUCT_PRICES, chunk)
            .await
            .unwrap();
    }
    let len = stream_len(&fx, topic::PRODUCT_PRICES).await;
    assert!(
        len <= 20,
        "acknowledged entries were trimmed (length {len})"
    );
    drain(sub.as_mut(), &mut recorder, events.len() + 18, 20).await;
    assert_eq!(
        recorder.seen.len(),
        events.len() + 18,
        "the unread tail survived trimming"
    );
}

async fn stream_len(fx: &Fixture, topic: &str) -> usize {
    match &fx.transport {
        Transport::Memory(broker) => broker.len(topic),
        _ => {
            let mut conn = fx.raw().await;
            redis::cmd("XLEN")
                .arg(fx.key(topic))
                .query_async(&mut conn)
                .await
                .unwrap()
        }
    }
}

macro_rules! suite {
    ($kind:ident: $($test:ident),* $(,)?) => {
        #[allow(non_snake_case)]
        mod $kind {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(Kind::$kind).await;
                }
            )*
        }
    };
}

suite!(Streams:
    every_event_type_published_is_consumed_once_in_order,
    a_malformed_message_is_dead_lettered_and_the_consumer_carries_on,
    a_rejected_event_is_dead_lettered_with_the_handlers_reason,
    two_consumers_in_one_group_share_the_load_without_overlap,
    a_message_left_unacknowledged_by_a_dead_consumer_goes_to_another,
    a_message_that_keeps_failing_is_dead_lettered_after_the_limit,
    trimming_keeps_every_unacknowledged_message,
);
suite!(Memory:
    every_event_type_published_is_consumed_once_in_order,
    a_malformed_message_is_dead_lettered_and_the_consumer_carries_on,
    a_rejected_event_is_dead_lettered_with_the_handlers_reason,
    two_consumers_in_one_group_share_the_load_without_overlap,
    a_message_left_unacknowledged_by_a_dead_consumer_goes_to_another,
    a_message_that_keeps_failing_is_dead_lettered_after_the_limit,
    trimming_keeps_every_unacknowledged_message,
);
// Pub/Sub has no acknowledgements, redelivery or retention: only the shared behaviour applies.
suite!(PubSub:
    every_event_type_published_is_consumed_once_in_order,
    a_malformed_message_is_dead_lettered_and_the_consumer_carries_on,
    a_rejected_event_is_dead_lettered_with_the_handlers_reason,
);

// ------------------------------------------------------------- transport specifics

#[tokio::test]
async fn streams_acknowledge_only_after_the_handler_succeeded() {
    let fx = Fixture::new(Kind::Streams);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::ALERT_CONFIG]))
        .await
        .unwrap();
    fx.transport
        .publisher()
        .publish(&fixtures::alert_created(Uuid::now_v7()))
        .await
        .unwrap();
    let mut conn = fx.raw().await;
    let pending = |conn: &mut redis::aio::MultiplexedConnection| {
        let key = fx.key(topic::ALERT_CONFIG);
        let mut conn = conn.clone();
        async move {
            let reply: redis::streams::StreamPendingReply =
                redis::AsyncCommands::xpending(&mut conn, key, "analytics")
                    .await
                    .unwrap();
            reply.count()
        }
    };

    let mut failing = Recorder::answering(Disposition::Retry("not yet".into()));
    consumer::poll_once(sub.as_mut(), &mut failing, &options())
        .await
        .unwrap();
    assert_eq!(
        pending(&mut conn).await,
        1,
        "a failed message stays pending in the group"
    );

    tokio::time::sleep(Duration::from_millis(350)).await;
    let mut ok = Recorder::accepting();
    drain(sub.as_mut(), &mut ok, 1, 20).await;
    assert_eq!(ok.seen.len(), 1);
    assert_eq!(pending(&mut conn).await, 0, "XACK removed it after success");
}

#[tokio::test]
async fn pubsub_does_not_keep_messages_for_absent_subscribers() {
    let fx = Fixture::new(Kind::PubSub);
    let before = fixtures::alert_created(Uuid::now_v7());
    fx.transport.publisher().publish(&before).await.unwrap();
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::ALERT_CONFIG]))
        .await
        .unwrap();
    let after = fixtures::alert_updated(Uuid::now_v7(), 2);
    fx.transport.publisher().publish(&after).await.unwrap();

    let mut recorder = Recorder::accepting();
    drain(sub.as_mut(), &mut recorder, 1, 20).await;
    drain(sub.as_mut(), &mut recorder, usize::MAX, 2).await;

    assert_eq!(
        recorder.ids(),
        vec![after.id.clone()],
        "at-most-once: the earlier event is gone"
    );
}

#[tokio::test]
async fn an_unknown_redis_url_scheme_is_a_configuration_error() {
    let error = Transport::connect(&TransportSettings::new("http://127.0.0.1:6379")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("REDIS_URL must start with redis://"),
        "{error}"
    );
}

#[tokio::test]
async fn unknown_event_types_reach_the_handler_as_unknown() {
    let fx = Fixture::new(Kind::Memory);
    let mut sub = fx
        .transport
        .subscriber(&fx.group("analytics", &[topic::ALERT_CONFIG]))
        .await
        .unwrap();
    let future = br#"{"specversion":"1.0","id":"f1","source":"alerts-service","type":"alert.created.v2","data":{"x":1}}"#;
    fx.transport
        .publisher()
        .publish_encoded(topic::ALERT_CONFIG, &[future.to_vec()])
        .await
        .unwrap();

    let mut recorder = Recorder::accepting();
    drain(sub.as_mut(), &mut recorder, 1, 5).await;

    assert!(
        matches!(&recorder.seen[0].event.payload, Payload::Unknown { event_type, .. } if event_type == "alert.created.v2")
    );
}
