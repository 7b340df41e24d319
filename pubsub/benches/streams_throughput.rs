//! End-to-end throughput of `products.observed` events (50 listings each) through Redis
//! Streams: encode → XADD (pipelined batches) → XREADGROUP → decode → handler → XACK, with a
//! publisher and a consumer running concurrently. Beside it, in the same run: raw pipelined XADD
//! of the same bytes from Rust, `redis-benchmark` XADD of the same bytes, and the in-memory
//! transport (no Redis) as the ceiling of the encode/decode work.
//!
//! `cargo bench -p pubsub` (Redis at `TEST_REDIS_URL`, default redis://127.0.0.1:6379).
//! `BENCH_EVENTS` sets the number of events (default 4,000 = 200,000 observations).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use pubsub::consumer::{self, ConsumerOptions, Disposition, Handler, Incoming};
use pubsub::transport::memory::MemoryBroker;
use pubsub::{ConsumerGroup, Payload, Transport, TransportSettings, fixtures, topic};
use testkit::TestRedis;
use uuid::Uuid;

const LISTINGS: usize = 50;
const PUBLISH_BATCH: usize = 100;

struct CountObservations(usize);

#[async_trait]
impl Handler for CountObservations {
    async fn handle(&mut self, batch: &[Incoming]) -> Vec<Disposition> {
        for incoming in batch {
            if let Payload::ProductsObserved(p) = &incoming.event.payload {
                self.0 += p.items.len();
            }
        }
        vec![Disposition::Done; batch.len()]
    }
}

/// Publishes `events` events while one consumer drains them; returns observations per second.
async fn end_to_end(transport: Transport, events: usize) -> (f64, Duration) {
    let group = ConsumerGroup::new("bench", &[topic::PRODUCT_PRICES]);
    let mut subscriber = transport.subscriber(&group).await.unwrap();
    let publisher = transport.publisher();
    let template: Vec<_> = (0..PUBLISH_BATCH)
        .map(|_| fixtures::products_observed(Uuid::now_v7(), LISTINGS))
        .collect();
    let expected = events * LISTINGS;

    let started = Instant::now();
    let producer = tokio::spawn(async move {
        let mut sent = 0;
        while sent < events {
            let n = PUBLISH_BATCH.min(events - sent);
            publisher
                .publish_batch(topic::PRODUCT_PRICES, &template[..n])
                .await
                .unwrap();
            sent += n;
        }
    });
    let mut handler = CountObservations(0);
    let options = ConsumerOptions {
        batch_size: 500,
        wait: Duration::from_millis(100),
        ..ConsumerOptions::default()
    };
    while handler.0 < expected {
        consumer::poll_once(subscriber.as_mut(), &mut handler, &options)
            .await
            .unwrap();
    }
    let elapsed = started.elapsed();
    producer.await.unwrap();
    (expected as f64 / elapsed.as_secs_f64(), elapsed)
}

/// Raw pipelined XADD of pre-encoded bytes: the ceiling for the publish side.
async fn raw_xadd(url: &str, key: &str, payload: &[u8], events: usize) -> f64 {
    let mut conn = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let started = Instant::now();
    let mut sent = 0;
    while sent < events {
        let n = PUBLISH_BATCH.min(events - sent);
        let mut pipe = redis::pipe();
        for _ in 0..n {
            pipe.cmd("XADD")
                .arg(key)
                .arg("*")
                .arg("event")
                .arg(payload)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await.unwrap();
        sent += n;
    }
    events as f64 / started.elapsed().as_secs_f64()
}

/// `redis-benchmark` XADD of the same bytes (16-deep pipeline, 50 clients), if installed.
fn redis_benchmark_xadd(key: &str, payload: &str, events: usize) -> Option<f64> {
    let out = Command::new("redis-benchmark")
        .args([
            "-n",
            &events.to_string(),
            "-P",
            "16",
            "-q",
            "XADD",
            key,
            "*",
            "event",
            payload,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The last line reads "XADD …: 12345.67 requests per second, p50=…".
    let tail = text
        .rsplit(": ")
        .find(|s| s.contains("requests per second"))?;
    tail.split_whitespace().next()?.parse().ok()
}

fn main() {
    let events: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let redis = TestRedis::new();
        let sample = fixtures::products_observed(Uuid::now_v7(), LISTINGS).encode().unwrap();
        println!(
            "products.observed with {LISTINGS} listings = {} bytes; {events} events = {} observations",
            sample.len(),
            events * LISTINGS
        );

        let mut settings = TransportSettings::new(&redis.url).with_key_prefix(&redis.prefix);
        settings.max_stream_len = 100_000;
        let streams = Transport::connect(&settings).unwrap();
        let (obs_per_s, elapsed) = end_to_end(streams.clone(), events).await;
        let raw_key = format!("{}raw-xadd", redis.prefix);
        let raw = raw_xadd(&redis.url, &raw_key, &sample, events).await;
        let rb_key = format!("{}redis-benchmark", redis.prefix);
        let rb = redis_benchmark_xadd(&rb_key, std::str::from_utf8(&sample).unwrap(), events);
        let memory = Transport::Memory(MemoryBroker::new(100_000));
        let (mem_obs_per_s, _) = end_to_end(memory, events).await;

        println!();
        println!("| measurement | events/s | observations/s |");
        println!("|---|---:|---:|");
        println!(
            "| end to end through Redis Streams (encode, XADD, XREADGROUP, decode, XACK) | {:.0} | {:.0} |",
            obs_per_s / LISTINGS as f64,
            obs_per_s
        );
        println!("| raw pipelined XADD of the same bytes from Rust (publish only) | {raw:.0} | {:.0} |", raw * LISTINGS as f64);
        match rb {
            Some(rb) => println!(
                "| `redis-benchmark` XADD of the same bytes (-P 16, 50 clients) | {rb:.0} | {:.0} |",
                rb * LISTINGS as f64
            ),
            None => println!("| `redis-benchmark` | not installed | |"),
        }
        println!(
            "| end to end through the in-memory transport (no Redis) | {:.0} | {mem_obs_per_s:.0} |",
            mem_obs_per_s / LISTINGS as f64
        );
        println!();
        println!("end to end took {:.2} s; ratio end-to-end / raw XADD = {:.2}", elapsed.as_secs_f64(), obs_per_s / LISTINGS as f64 / raw);
        println!("target: >= 100000 observations/s end to end: {}", if obs_per_s >= 100_000.0 { "met" } else { "NOT met" });
        drop(streams);
    });
}
