//! One scheduler cycle at scale: N alerts over N/10 distinct queries, all due at once, against
//! the real ebay-mock over HTTP (no injected latency), Postgres and Redis; then the email
//! sender draining every alert email into a local SMTP sink.
//!
//! `cargo bench -p alerts-service --bench runner_cycle` — sizes from `BENCH_ALERTS`
//! (default `1000,10000`; add 50000 for the growth curve).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use alerts_service::config::Settings;
use alerts_service::domain::AlertDraft;
use alerts_service::startup::build_state;
use alerts_service::{ebay, runner, workers};
use chrono::Utc;
use ebay_mock::{MockConfig, MockServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use testkit::{SmtpSink, TestDatabase, TestRedis};
use uuid::Uuid;

async fn cycle(n: usize) {
    let db = TestDatabase::create().await.unwrap();
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let mut mock_config = MockConfig::for_tests();
    mock_config.workers = Some(2);
    let mock = MockServer::start(mock_config).unwrap();
    let settings = Settings {
        database_url: db.url.clone().into(),
        transport: pubsub::transport::TransportArgs {
            redis_key_prefix: redis.prefix.clone(),
            ..pubsub::transport::TransportArgs::new(redis.url.clone())
        },
        mail: mailer::MailerArgs::new(smtp.url(), "alerts@bench.test"),
        public_url: "http://bench.test".parse().unwrap(),
        listen: "127.0.0.1:0".parse().unwrap(),
        analytics_url: "http://127.0.0.1:9".parse().unwrap(),
        analytics_api_token: None,
        frontend_dist: "none".into(),
        database_max_connections: 20,
        dev_outbox: false,
        ebay_env: ebay_sdk::Environment::Mock,
        ebay_base_url: Some(mock.base_url().parse().unwrap()),
        ebay_client_id: Some("bench".into()),
        ebay_client_secret: Some(String::from("bench").into()),
        ebay_marketplace: "EBAY_US".into(),
        ebay_daily_call_budget: 1_000_000,
        ebay_search_limit: 50,
        scheduler_tick_secs: 15,
        channels: alerts_service::channels::ChannelArgs::default(),
        scheduler_policy: alerts_service::config::SchedulerPolicy::Adaptive,
    };
    let state = build_state(settings, None).await.unwrap();
    let backend = state.db.get_database_backend();

    // Seed users (one per 10 alerts) and alerts directly: the API path is measured elsewhere.
    let queries = (n / 10).max(1);
    let now = Utc::now();
    let users: Vec<Uuid> = (0..n.div_ceil(10)).map(|_| Uuid::now_v7()).collect();
    for chunk in users.chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|id| {
                format!(
                    "('{id}', 'user-{id}@bench.test', '{now}', '{now}', 'US', '94105')",
                    now = now.to_rfc3339()
                )
            })
            .collect();
        state
            .db
            .execute_raw(Statement::from_string(
                backend,
                format!(
                    "INSERT INTO users (id, email, created_at, last_sign_in_at, country, postal_code) VALUES {}",
                    values.join(",")
                ),
            ))
            .await
            .unwrap();
    }
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let phrase = format!("bench query {}", i % queries);
            // The precise filters on (issue #16): condition groups sent to eBay, an excluded
            // seller, excluded words, a feedback floor and prices compared with shipping.
            let draft = AlertDraft::parse(&json!({
                "search_phrase": phrase, "frequency_minutes": 10,
                "conditions": ["new", "open_box", "refurbished", "used"],
                "exclude_words": ["lot", "for parts", "broken"],
                "exclude_sellers": ["bench_spammer"],
                "min_seller_feedback_percent": 97,
                "price_basis": "with_shipping"
            }))
            .unwrap();
            format!(
                "('{id}', '{user}', '{phrase}', '{phrase}', '{key}', 10, NULL, NULL, NULL, 'USD', 'any', 'fixed_price', false, 1, '{token}', '{now}', '{now}', NULL, '{now}', \
                 'new,open_box,refurbished,used', '[\"lot\",\"for parts\",\"broken\"]', '[\"bench_spammer\"]', '97', 'with_shipping', 'US', '94105')",
                id = Uuid::now_v7(),
                user = users[i / 10],
                key = ebay::query_key(&draft, Some("US"), Some("94105")),
                token = Uuid::new_v4().simple(),
                now = now.to_rfc3339(),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        state
            .db
            .execute_raw(Statement::from_string(
                backend,
                format!(
                    "INSERT INTO alerts (id, user_id, search_phrase, normalised_phrase, query_key, frequency_minutes, min_price, max_price, target_price, currency, condition, buying_options, paused, revision, unsubscribe_token, created_at, updated_at, last_run_at, next_run_at, conditions, exclude_words, exclude_sellers, min_seller_feedback_percent, price_basis, delivery_country, delivery_postal_code) VALUES {}",
                    chunk.join(",")
                ),
            ))
            .await
            .unwrap();
    }

    let searches_before = mock.state().stats().search_requests;
    let started = Instant::now();
    let outcome = runner::run_due_once(&state).await.unwrap();
    let cycle_secs = started.elapsed().as_secs_f64();
    let ebay_calls = mock.state().stats().search_requests - searches_before;

    let started = Instant::now();
    let mut sent = 0;
    loop {
        let round = workers::email_sender::deliver_due_once(&state)
            .await
            .unwrap();
        if round.sent + round.retrying + round.failed == 0 {
            break;
        }
        sent += round.sent;
    }
    let email_secs = started.elapsed().as_secs_f64();
    let outbox: i64 = state
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT count(*) FROM event_outbox".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();

    println!(
        "| {n} | {queries} | {cycle_secs:.1} | {:.0} | {ebay_calls} | {} | {outbox} | {sent} | {:.0} |",
        outcome.alerts_run as f64 / cycle_secs,
        outcome.alerts_run,
        sent as f64 / email_secs
    );
    let mut sizes = Vec::new();
    for table in [
        "seen_listings",
        "event_outbox",
        "email_outbox",
        "alert_runs",
        "alerts",
    ] {
        let bytes: i64 = state
            .db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT pg_total_relation_size('{table}')"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        sizes.push(format!("{table} {:.1} MB", bytes as f64 / 1e6));
    }
    eprintln!("  table sizes after {n} alerts: {}", sizes.join(", "));
    assert_eq!(outcome.alerts_run, n);
    assert_eq!(
        ebay_calls as usize, queries,
        "one eBay call per distinct query"
    );
    mock.stop().await;
}

fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_ALERTS")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "| alerts | distinct queries | cycle wall time (s) | alerts/s | eBay calls | alerts run | events in outbox | emails sent | emails/s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        runtime.block_on(cycle(n));
    }
}
