//! Ingestion throughput: `products.observed` events of 50 listings each are pushed onto the Redis
//! stream first (a backlog, as after downtime), then analytics' consumer(s) drain it through the
//! real path — XREADGROUP, decode, one transaction per batch (inbox, dimensions, facts with
//! `unnest`, alert listings, price histogram, rollup recompute, activity), commit, XACK. The clock
//! runs from the first fetch until every observation is committed.
//!
//! Beside it, in the same run and on the same Postgres: a raw `COPY … FROM STDIN` of the same
//! number of fact rows into an identical, freshly migrated fact table (same partitions and
//! indexes), and the same rows as multi-row `INSERT … SELECT FROM unnest(…)` statements of one
//! batch's size each.
//!
//! `cargo bench -p analytics-service --bench ingest_throughput`
//! (Postgres at `TEST_DATABASE_ADMIN_URL`, Redis at `TEST_REDIS_URL`).
//! `BENCH_EVENTS` (default 4,000 = 200,000 observations), `BENCH_ALERTS` (default 200),
//! `BENCH_BATCH` (events per batch, default 512), `BENCH_CONSUMERS` (consumer tasks to try,
//! default `1,2`), `BENCH_UNIX_SOCKET=1` (reach Postgres through its Unix socket instead of TCP,
//! see BENCHMARKS.md for why that matters with sqlx 0.9.0).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use analytics_service::workers::consumer::{consume_once, consumer_group};
use analytics_service::{AppState, Settings};
use chrono::{DateTime, Utc};
use pubsub::{
    Event, Money, ObservedItem, Payload, ProductsObserved, Transport, TransportSettings, topic,
};
use rust_decimal::Decimal;
use sea_orm::sqlx::postgres::PgPoolCopyExt;
use sea_orm::{ConnectionTrait, Statement, Value};
use testkit::TestRedis;

mod common;
use common::BenchDatabase;
use uuid::Uuid;

const LISTINGS: usize = 50;
/// Each alert's catalogue: runs see 50 of these 60 listings, so listings come and go.
const POOL: usize = 60;
const PUBLISH_BATCH: usize = 100;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A cheap deterministic hash for prices.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn alert_id(a: usize) -> Uuid {
    Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 | a as u128)
}

/// Event `i` is run `i / alerts` of alert `i % alerts`; all runs are in the last few hours.
fn event(i: usize, alerts: usize, now: DateTime<Utc>, total: usize) -> Event {
    let a = i % alerts;
    let run = i / alerts;
    let alert = alert_id(a);
    let items = (0..LISTINGS)
        .map(|k| {
            let listing = (run + k) % POOL;
            let base = 20_000 + (mix(a as u64 * 1_000 + listing as u64) % 30_000) as i64;
            // The price drifts a little from run to run.
            let drift = (mix((a * 7_919 + listing * 104_729 + run / 3) as u64) % 500) as i64;
            let id = 200_000_000_000u64 + (a * POOL + listing) as u64;
            // Wave 2's wider listings, spread over segments: new, used and for-parts units,
            // one listing in ten a lot, a third without a known shipping cost.
            let (condition_id, condition) = match listing % 6 {
                0 | 1 => (1000, "New"),
                2..=4 => (3000, "Used"),
                _ => (7000, "For parts or not working"),
            };
            let lot = if listing % 10 == 3 { "Lot of 2 " } else { "" };
            ObservedItem {
                item_id: format!("v1|{id}|0"),
                title: format!(
                    "{lot}LEGO Technic 42100 Liebherr R 9800 - listing {listing} of alert {a}"
                ),
                price: Money::new(Decimal::new(base + drift, 2), "USD"),
                shipping_cost: (!listing.is_multiple_of(3))
                    .then(|| Money::new(Decimal::new(1_299, 2), "USD")),
                condition: Some(condition.into()),
                buying_options: vec!["FIXED_PRICE".into()],
                item_url: format!("https://www.ebay.com/itm/{id}"),
                image_url: Some(format!("https://i.ebayimg.com/images/g/{id}/s-l1600.jpg")),
                seller: Some(format!("seller_{}", listing % 17)),
                condition_id: Some(condition_id),
                buying_option: Some("fixed_price".into()),
                current_bid: None,
                bid_count: None,
                ends_at: None,
                seller_feedback_percent: Some(Decimal::new(992, 1)),
            }
        })
        .collect();
    Event::new(
        "alerts-service",
        Some(alert.to_string()),
        Payload::ProductsObserved(ProductsObserved {
            alert_id: alert,
            run_id: Uuid::from_u128(mix(i as u64) as u128 | ((i as u128) << 64)),
            search_phrase: "lego 42100".into(),
            marketplace: "EBAY_US".into(),
            observed_at: now - chrono::Duration::seconds((total - i) as i64),
            items,
        }),
    )
}

struct Run {
    consumers: usize,
    elapsed: Duration,
    observations: u64,
    publish: Duration,
}

/// Publishes the backlog, then drains it with `consumers` tasks; returns the timing.
async fn through_analytics(events: &[Event], consumers: usize, batch_size: usize) -> Run {
    let database = BenchDatabase::create().await;
    let redis = TestRedis::new();
    let transport_settings = TransportSettings::new(&redis.url).with_key_prefix(&redis.prefix);
    let mut transport_settings = transport_settings;
    transport_settings.max_stream_len = events.len() * 2;
    let transport = Transport::connect(&transport_settings).unwrap();
    let mut settings = Settings::new(database.connect_url(), transport_settings);
    settings.consumer.batch_size = batch_size;
    settings.consumer.wait = Duration::from_millis(100);
    let ctx = AppState::build(settings, transport.clone()).await.unwrap();

    // Join the group before publishing so the backlog is kept for it.
    let mut subscribers = Vec::new();
    for _ in 0..consumers {
        subscribers.push(
            transport
                .subscriber(&consumer_group(&ctx.settings))
                .await
                .unwrap(),
        );
    }
    let publisher = transport.publisher();
    let started = Instant::now();
    for chunk in events.chunks(PUBLISH_BATCH) {
        publisher
            .publish_batch(topic::PRODUCT_PRICES, chunk)
            .await
            .unwrap();
    }
    let publish = started.elapsed();

    let expected = (events.len() * LISTINGS) as u64;
    let finished = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut subscriber in subscribers {
        let ctx = ctx.clone();
        let finished = finished.clone();
        tasks.push(tokio::spawn(async move {
            while !finished.load(Ordering::Acquire) {
                let report = consume_once(&ctx, subscriber.as_mut()).await.unwrap();
                assert_eq!(report.dead_lettered, 0);
                assert_eq!(report.retried, 0);
                if ctx.metrics.observations_ingested.get() >= expected {
                    finished.store(true, Ordering::Release);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let stored = count(&ctx, "SELECT COUNT(*) AS n FROM fact_price_observation").await;
    assert_eq!(stored as u64, expected, "every observation stored once");
    let rollup = count(
        &ctx,
        "SELECT CAST(SUM(observations) AS BIGINT) AS n FROM daily_rollup",
    )
    .await;
    assert_eq!(
        rollup as u64, expected,
        "rollups account for every observation"
    );
    ctx.db.conn.clone().close().await.ok();
    Run {
        consumers,
        elapsed,
        observations: expected,
        publish,
    }
}

async fn count(ctx: &AppState, sql: &str) -> i64 {
    ctx.db
        .conn
        .query_one_raw(Statement::from_string(ctx.db.dialect.backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The fact rows of the events, with synthetic item keys (one per listing).
struct FactRows {
    alert_ids: Vec<Uuid>,
    item_keys: Vec<i64>,
    run_ids: Vec<Uuid>,
    times: Vec<DateTime<Utc>>,
    prices: Vec<Decimal>,
}

fn fact_rows(events: &[Event]) -> FactRows {
    let mut rows = FactRows {
        alert_ids: Vec::new(),
        item_keys: Vec::new(),
        run_ids: Vec::new(),
        times: Vec::new(),
        prices: Vec::new(),
    };
    for event in events {
        let Payload::ProductsObserved(p) = &event.payload else {
            continue;
        };
        for item in &p.items {
            let id: i64 = item.item_id[3..15].parse().unwrap();
            rows.alert_ids.push(p.alert_id);
            rows.item_keys.push(id - 200_000_000_000);
            rows.run_ids.push(p.run_id);
            rows.times.push(p.observed_at);
            rows.prices.push(item.price.value);
        }
    }
    rows
}

async fn fresh_schema() -> (BenchDatabase, AppState) {
    let database = BenchDatabase::create().await;
    let settings = Settings::new(database.connect_url(), TransportSettings::new("memory://"));
    let ctx = AppState::build(
        settings,
        Transport::connect(&TransportSettings::new("memory://")).unwrap(),
    )
    .await
    .unwrap();
    (database, ctx)
}

/// Raw COPY of the rows into a freshly migrated fact table.
async fn raw_copy(rows: &FactRows) -> Duration {
    let (_database, ctx) = fresh_schema().await;
    let mut text = String::with_capacity(rows.alert_ids.len() * 120);
    for i in 0..rows.alert_ids.len() {
        use std::fmt::Write;
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}\tUSD",
            rows.alert_ids[i],
            rows.item_keys[i],
            rows.run_ids[i],
            rows.times[i].to_rfc3339(),
            rows.times[i].date_naive(),
            rows.prices[i]
        );
    }
    let pool = ctx.db.conn.get_postgres_connection_pool();
    let started = Instant::now();
    let mut copy = pool
        .copy_in_raw(
            "COPY fact_price_observation (alert_id, item_key, run_id, observed_at, observed_date, price, currency) FROM STDIN",
        )
        .await
        .unwrap();
    copy.send(text.as_bytes()).await.unwrap();
    let copied = copy.finish().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(copied as usize, rows.alert_ids.len());
    ctx.db.conn.clone().close().await.ok();
    elapsed
}

/// The same rows as `INSERT … SELECT FROM unnest(…)`, one statement per `batch` rows.
async fn raw_unnest(rows: &FactRows, batch: usize) -> Duration {
    let (_database, ctx) = fresh_schema().await;
    let started = Instant::now();
    let n = rows.alert_ids.len();
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let dates: Vec<chrono::NaiveDate> = rows.times[start..end]
            .iter()
            .map(|t| t.date_naive())
            .collect();
        ctx.db
            .conn
            .execute_raw(Statement::from_sql_and_values(
                ctx.db.dialect.backend(),
                "INSERT INTO fact_price_observation (alert_id, item_key, run_id, observed_at, observed_date, price, currency) \
                 SELECT a, k, r, t, d, p, 'USD' FROM unnest($1::uuid[], $2::int8[], $3::uuid[], $4::timestamptz[], $5::date[], $6::numeric[]) AS u(a, k, r, t, d, p)",
                vec![
                    Value::from(rows.alert_ids[start..end].to_vec()),
                    Value::from(rows.item_keys[start..end].to_vec()),
                    Value::from(rows.run_ids[start..end].to_vec()),
                    Value::from(rows.times[start..end].to_vec()),
                    Value::from(dates),
                    Value::from(rows.prices[start..end].to_vec()),
                ],
            ))
            .await
            .unwrap();
        start = end;
    }
    let elapsed = started.elapsed();
    ctx.db.conn.clone().close().await.ok();
    elapsed
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let total = env_usize("BENCH_EVENTS", 4_000);
        let alerts = env_usize("BENCH_ALERTS", 200);
        let batch_size = env_usize("BENCH_BATCH", 512);
        let consumer_counts: Vec<usize> = std::env::var("BENCH_CONSUMERS")
            .unwrap_or_else(|_| "1,2".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let now = Utc::now();
        let events: Vec<Event> = (0..total).map(|i| event(i, alerts, now, total)).collect();
        let observations = total * LISTINGS;
        let bytes: usize = events.iter().map(|e| e.encode().unwrap().len()).sum();
        println!(
            "{total} products.observed events x {LISTINGS} listings = {observations} observations, \
             {alerts} alerts, {:.1} kB per event, batches of {batch_size} events",
            bytes as f64 / total as f64 / 1_000.0
        );

        let rows = fact_rows(&events);
        let copy = raw_copy(&rows).await;
        let copy_rate = observations as f64 / copy.as_secs_f64();
        println!(
            "raw COPY into the fact table:            {:>8.2} s  {:>10.0} rows/s",
            copy.as_secs_f64(),
            copy_rate
        );
        let unnest = raw_unnest(&rows, batch_size * LISTINGS).await;
        let unnest_rate = observations as f64 / unnest.as_secs_f64();
        println!(
            "raw INSERT … unnest (one per batch):     {:>8.2} s  {:>10.0} rows/s",
            unnest.as_secs_f64(),
            unnest_rate
        );
        for consumers in consumer_counts {
            let run = through_analytics(&events, consumers, batch_size).await;
            let rate = run.observations as f64 / run.elapsed.as_secs_f64();
            println!(
                "analytics, {} consumer task(s):           {:>8.2} s  {:>10.0} observations/s  ({:.0} % of COPY, {:.0} % of unnest; publishing the backlog took {:.2} s)",
                run.consumers,
                run.elapsed.as_secs_f64(),
                rate,
                rate / copy_rate * 100.0,
                rate / unnest_rate * 100.0,
                run.publish.as_secs_f64(),
            );
        }
    });
}
