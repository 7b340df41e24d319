//! Insight computation at scale: 1,000 alerts with 14 days of history — 24 runs a day of 20
//! listings each (6.72 million observations) — ingested through the real ingestion path, then:
//!
//! 1. every alert's 14-day report computed from the rollups (what the read API and the insight
//!    pass do), sequentially and with 4 concurrent tasks;
//! 2. the insight pass's planning step (compute + persist 1,000 reports, no SMTP);
//! 3. how the daily series' cost grows with the window (1, 3, 7, 14 days) read from the rollups,
//!    beside the same daily statistics computed from the raw fact rows (`percentile_cont` over
//!    every observation), for a sample of alerts;
//! 4. rendering the email (chart + templates) of a report.
//!
//! `cargo bench -p analytics-service --bench insights` (Postgres at `TEST_DATABASE_ADMIN_URL`;
//! `BENCH_UNIX_SOCKET=1` to reach it through its Unix socket).
//! `BENCH_INSIGHT_ALERTS` (default 1,000), `BENCH_RUNS_PER_DAY` (24), `BENCH_LISTINGS` (20),
//! `BENCH_SAMPLE` (alerts in the growth comparison, default 200).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use analytics_service::insights::email::EmailDetails;
use analytics_service::reports;
use analytics_service::workers::insight_emails::plan_due_reports;
use analytics_service::{AppState, Settings};
use chrono::{DateTime, Utc};
use pubsub::consumer::{Disposition, Incoming};
use pubsub::{
    DeliveryTag, Event, Money, ObservedItem, Payload, ProductsObserved, Transport,
    TransportSettings, fixtures, topic,
};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement, Value};
mod common;
use common::BenchDatabase;
use uuid::Uuid;

const DAYS: i64 = 14;
/// Runs see `listings` of `listings + 5` listings, so some come and go.
const EXTRA_POOL: usize = 5;
const INGEST_BATCH: usize = 500;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn alert_id(a: usize) -> Uuid {
    Uuid::from_u128(0x0193_0000_0000_7000_8000_1000_0000_0000 | a as u128)
}

fn incoming(event: Event, n: usize) -> Incoming {
    Incoming {
        tag: DeliveryTag {
            topic: topic::PRODUCT_PRICES.into(),
            id: format!("{n}-0"),
        },
        deliveries: 1,
        event,
    }
}

/// Run `run` (0 = oldest) of alert `a`.
fn observation(a: usize, run: usize, listings: usize, at: DateTime<Utc>) -> Event {
    let alert = alert_id(a);
    let pool = listings + EXTRA_POOL;
    let day = run / 24;
    let items = (0..listings)
        .map(|k| {
            let listing = (run / 24 + k) % pool;
            let base = 10_000 + (mix((a * 1_000 + listing) as u64) % 40_000) as i64;
            // Listings get a little cheaper over the days, with noise.
            let trend = -(day as i64) * (mix(listing as u64) % 120) as i64;
            let noise = (mix((a * 31 + listing * 7 + run) as u64) % 300) as i64;
            let id = 300_000_000_000u64 + (a * pool + listing) as u64;
            // Segments as Wave 2 sees them: used and new units, for-parts units, lots.
            let (condition_id, lot) = match listing % 8 {
                0..=3 => (3000, ""),
                4 | 5 => (1000, ""),
                6 => (7000, ""),
                _ => (3000, "Lot of 3 "),
            };
            ObservedItem {
                item_id: format!("v1|{id}|0"),
                title: format!("{lot}Listing {listing} of alert {a}"),
                price: Money::new(Decimal::new((base + trend + noise).max(100), 2), "USD"),
                shipping_cost: (!listing.is_multiple_of(4))
                    .then(|| Money::new(Decimal::new(899, 2), "USD")),
                condition: Some("Used".into()),
                buying_options: vec!["FIXED_PRICE".into()],
                item_url: format!("https://www.ebay.com/itm/{id}"),
                image_url: None,
                seller: None,
                condition_id: Some(condition_id),
                buying_option: Some("fixed_price".into()),
                current_bid: None,
                bid_count: None,
                ends_at: None,
                seller_feedback_percent: None,
            }
        })
        .collect();
    Event::new(
        "alerts-service",
        Some(alert.to_string()),
        Payload::ProductsObserved(ProductsObserved {
            alert_id: alert,
            run_id: Uuid::now_v7(),
            search_phrase: format!("phrase {a}"),
            marketplace: "EBAY_US".into(),
            observed_at: at,
            items,
        }),
    )
}

async fn seed(ctx: &AppState, alerts: usize, runs_per_day: usize, listings: usize) -> Duration {
    let now = Utc::now();
    let created: Vec<Incoming> = (0..alerts)
        .map(|a| incoming(fixtures::alert_created(alert_id(a)), a))
        .collect();
    for chunk in created.chunks(INGEST_BATCH) {
        assert!(
            analytics_service::ingest_batch(ctx, chunk)
                .await
                .iter()
                .all(|d| *d == Disposition::Done)
        );
    }
    let runs = DAYS as usize * runs_per_day;
    let step = chrono::Duration::seconds(86_400 / runs_per_day as i64);
    let started = Instant::now();
    // Two tasks, each with half of the alerts, as two consumers would share the load.
    let mut tasks = Vec::new();
    for half in 0..2 {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let mut batch = Vec::with_capacity(INGEST_BATCH);
            let mut n = 0;
            for run in 0..runs {
                let at = now - step * (runs - run) as i32;
                for a in (half..alerts).step_by(2) {
                    batch.push(incoming(observation(a, run, listings, at), n));
                    n += 1;
                    if batch.len() == INGEST_BATCH {
                        let done = analytics_service::ingest_batch(&ctx, &batch).await;
                        assert!(done.iter().all(|d| *d == Disposition::Done), "{done:?}");
                        batch.clear();
                    }
                }
            }
            if !batch.is_empty() {
                analytics_service::ingest_batch(&ctx, &batch).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    ctx.db.conn.execute_unprepared("ANALYZE").await.unwrap();
    elapsed
}

async fn reports(ctx: &AppState, alerts: &[Uuid], days: u32, tasks: usize) -> Duration {
    let now = Utc::now();
    let started = Instant::now();
    let mut handles = Vec::new();
    for part in 0..tasks {
        let ctx = ctx.clone();
        let mine: Vec<Uuid> = alerts.iter().skip(part).step_by(tasks).copied().collect();
        handles.push(tokio::spawn(async move {
            for alert in mine {
                let report = reports::report(&ctx.db, alert, days, now)
                    .await
                    .unwrap()
                    .unwrap();
                assert!(!report.series.is_empty());
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    started.elapsed()
}

/// The daily series from the rollups (what reports read).
async fn series_from_rollups(ctx: &AppState, alerts: &[Uuid], days: u32) -> Duration {
    let today = Utc::now().date_naive();
    let start = today - chrono::Duration::days(i64::from(days) - 1);
    let started = Instant::now();
    for alert in alerts {
        let rows = reports::rollups(&ctx.db, *alert, "USD", start, today)
            .await
            .unwrap();
        assert!(!rows.is_empty());
    }
    started.elapsed()
}

/// The same daily statistics straight from the fact rows.
async fn raw_daily_stats(ctx: &AppState, alerts: &[Uuid], days: u32) -> (Duration, usize) {
    let start = Utc::now().date_naive() - chrono::Duration::days(i64::from(days) - 1);
    let started = Instant::now();
    let mut rows_read = 0usize;
    for alert in alerts {
        let rows = ctx
            .db
            .conn
            .query_all_raw(Statement::from_sql_and_values(
                ctx.db.dialect.backend(),
                "SELECT observed_date, COUNT(*) AS n, MIN(price) AS lo, \
                 percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY price) AS q, \
                 AVG(price) AS mean, MAX(price) AS hi \
                 FROM fact_price_observation \
                 WHERE alert_id = $1 AND currency = 'USD' AND observed_date >= $2 \
                 GROUP BY observed_date ORDER BY observed_date",
                vec![Value::from(*alert), Value::from(start)],
            ))
            .await
            .unwrap();
        for row in rows {
            rows_read += row.try_get::<i64>("", "n").unwrap() as usize;
        }
    }
    (started.elapsed(), rows_read)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let alerts = env_usize("BENCH_INSIGHT_ALERTS", 1_000);
        let runs_per_day = env_usize("BENCH_RUNS_PER_DAY", 24);
        let listings = env_usize("BENCH_LISTINGS", 20);
        let sample = env_usize("BENCH_SAMPLE", 200).min(alerts);
        let observations = alerts * DAYS as usize * runs_per_day * listings;

        let database = BenchDatabase::create().await;
        let settings = Settings::new(database.connect_url(), TransportSettings::new("memory://"));
        let transport = Transport::connect(&TransportSettings::new("memory://")).unwrap();
        let ctx = AppState::build(settings, transport).await.unwrap();

        println!(
            "{alerts} alerts x {DAYS} days x {runs_per_day} runs/day x {listings} listings = {observations} observations"
        );
        let seeding = seed(&ctx, alerts, runs_per_day, listings).await;
        println!(
            "seeded through ingest_batch (2 tasks, {INGEST_BATCH} events per batch): {:.1} s, {:.0} observations/s",
            seeding.as_secs_f64(),
            observations as f64 / seeding.as_secs_f64()
        );

        let ids: Vec<Uuid> = (0..alerts).map(alert_id).collect();
        for tasks in [1, 4] {
            let elapsed = reports(&ctx, &ids, 14, tasks).await;
            println!(
                "14-day reports for all {alerts} alerts from rollups, {tasks} task(s): {:.2} s ({:.2} ms per alert)",
                elapsed.as_secs_f64(),
                elapsed.as_secs_f64() * 1_000.0 / alerts as f64
            );
        }

        let planning = Instant::now();
        let created = plan_due_reports(&ctx, Utc::now()).await.unwrap();
        println!(
            "insight pass planning (compute + persist {created} reports, no SMTP): {:.2} s",
            planning.elapsed().as_secs_f64()
        );

        println!("growth with the window, {sample} alerts, ms per alert (series = count, min, quartiles, mean, max per day):");
        println!("| days | observations per alert | series from rollups | series from raw rows | raw / rollups | whole report |");
        println!("|---:|---:|---:|---:|---:|---:|");
        let sample_ids = &ids[..sample];
        for days in [1u32, 3, 7, 14] {
            let rollups = series_from_rollups(&ctx, sample_ids, days).await;
            let (raw, rows) = raw_daily_stats(&ctx, sample_ids, days).await;
            let whole = reports(&ctx, sample_ids, days, 1).await;
            let per = |d: Duration| d.as_secs_f64() * 1_000.0 / sample as f64;
            println!(
                "| {days} | {} | {:.2} | {:.2} | {:.1}x | {:.2} |",
                rows / sample,
                per(rollups),
                per(raw),
                raw.as_secs_f64() / rollups.as_secs_f64(),
                per(whole)
            );
        }

        let report = reports::report(&ctx.db, ids[0], 14, Utc::now())
            .await
            .unwrap()
            .unwrap();
        let renders = 50;
        let started = Instant::now();
        for _ in 0..renders {
            ctx.emails
                .render(
                    &report,
                    &EmailDetails {
                        search_phrase: "phrase 0",
                        public_url: "https://alerts.example.com",
                        unsubscribe_url: None,
                    },
                )
                .unwrap();
        }
        println!(
            "email rendering (chart PNG + HTML + text): {:.1} ms per email",
            started.elapsed().as_secs_f64() * 1_000.0 / renders as f64
        );
        ctx.db.conn.clone().close().await.ok();
        drop(database);
    });
}
