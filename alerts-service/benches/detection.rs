//! How soon new listings are reported, and how many, when the daily eBay budget is the binding
//! limit (DESIGN §13): the same alerts run under `SCHEDULER_POLICY=uniform` and then `adaptive`,
//! with the real runner against ebay-mock over HTTP, Postgres and Redis, under a simulated
//! clock (ours and the mock's, frozen and moved together one tick at a time).
//!
//! `cargo bench -p alerts-service --bench detection`. Sizes from the environment:
//! `BENCH_DETECTION_DAYS` (default 7), `BENCH_DETECTION_GROUPS` (240), `BENCH_DETECTION_BUDGET`
//! (calls a day, 2,000), `BENCH_DETECTION_TICK_MIN` (1).
//!
//! The query groups are phrases crossed with filters that keep everything, auctions only,
//! for-parts units only, or for-parts auctions only, so their rates of new matching listings
//! span far more than 100× (printed). Every alert asks for a search every 10 minutes: together
//! they ask for 17× the budget.
//!
//! What is measured, from the mock's own catalogue (the ground truth) and the alerts' seen
//! listings (what the runner recorded and emailed, in the same transaction):
//!
//! * a listing *could be caught* when it matches its alert's filters, went live after the
//!   simulation's first search, and had at least the starvation ceiling (12 h) left before the
//!   simulation ends (every listing of the mock lives longer than that);
//! * **coverage** is the share of those that an alert email reported;
//! * **delay** is from the listing's start (`itemCreationDate`) to the run that queued its
//!   email (the email is queued in the run's transaction; sending is not simulated);
//! * **calls** are the searches the mock answered, checked against the budget every day.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use alerts_service::clock::SimulatedClock;
use alerts_service::config::{SchedulerPolicy, Settings};
use alerts_service::domain::AlertDraft;
use alerts_service::startup::build_state_with_clock;
use alerts_service::{ebay, quota, runner};
use chrono::{DateTime, Duration, TimeZone, Utc};
use ebay_mock::catalogue::QueryCatalogue;
use ebay_mock::filter::SearchFilter;
use ebay_mock::{MockConfig, MockServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use testkit::{SmtpSink, TestDatabase, TestRedis};
use uuid::Uuid;

/// How a group filters, as the alert stores it and as the runner sends it to eBay.
#[derive(Clone, Copy)]
struct Variant {
    conditions: &'static [&'static str],
    buying_options: &'static str,
    /// The `filter` parameter the runner sends for it (checked against the mock's own
    /// filter to find the ground truth).
    ebay_filter: &'static str,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        conditions: &["new", "open_box", "refurbished", "used", "for_parts"],
        buying_options: "any",
        ebay_filter: "buyingOptions:{FIXED_PRICE|AUCTION}",
    },
    Variant {
        conditions: &["new", "open_box", "refurbished", "used", "for_parts"],
        buying_options: "auction",
        ebay_filter: "buyingOptions:{AUCTION}",
    },
    Variant {
        conditions: &["for_parts"],
        buying_options: "any",
        ebay_filter: "buyingOptions:{FIXED_PRICE|AUCTION},conditionIds:{7000}",
    },
    Variant {
        conditions: &["for_parts"],
        buying_options: "auction",
        ebay_filter: "buyingOptions:{AUCTION},conditionIds:{7000}",
    },
];

/// One query group (one alert) of the benchmark.
struct Group {
    phrase: String,
    variant: Variant,
    /// Item id → start of every listing that could be caught.
    catchable: HashMap<String, DateTime<Utc>>,
}

struct Config {
    days: i64,
    groups: usize,
    budget: u32,
    tick: Duration,
}

impl Config {
    fn from_env() -> Self {
        let var = |name: &str, default: i64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        Self {
            days: var("BENCH_DETECTION_DAYS", 7),
            groups: var("BENCH_DETECTION_GROUPS", 240) as usize,
            budget: var("BENCH_DETECTION_BUDGET", 2_000) as u32,
            tick: Duration::minutes(var("BENCH_DETECTION_TICK_MIN", 1)),
        }
    }
}

/// The simulation starts at an eBay midnight (Pacific), so each simulated day is one quota day.
fn simulated_start() -> DateTime<Utc> {
    quota::resets_at(Utc.with_ymd_and_hms(2027, 1, 11, 12, 0, 0).unwrap())
}

/// Every listing of `phrase` matching `filter` that went live in `(from, until]`, with its start.
fn started_between(
    phrase: &str,
    filter: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> HashMap<String, DateTime<Utc>> {
    let catalogue = QueryCatalogue::new(phrase);
    let (filter, warnings) = SearchFilter::parse(filter);
    assert!(warnings.is_empty(), "the filter parses as eBay's");
    let mut found = HashMap::new();
    // Every mock listing lives more than two and a half days: sampling every six hours sees each.
    let mut at = from.timestamp();
    while at <= until.timestamp() + 6 * 3600 {
        for listing in catalogue.listings_at(at) {
            if listing.start > from.timestamp()
                && listing.start <= until.timestamp()
                && filter.matches(&listing, |i| catalogue.seller_username(i))
            {
                found.insert(
                    format!("v1|{}|0", listing.item_number),
                    DateTime::from_timestamp(listing.start, 0).unwrap(),
                );
            }
        }
        at += 6 * 3600;
    }
    found
}

/// The groups: phrases × filter variants, measured, then every other one by rate, so the set
/// spans the whole range of rates.
fn groups(config: &Config, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Group> {
    let last_catchable = end - runner::planner::STARVATION_CEILING;
    let phrases = config.groups.div_ceil(2);
    let mut candidates: Vec<Group> = (0..phrases)
        .flat_map(|i| {
            VARIANTS.iter().map(move |variant| {
                let phrase = format!("detection bench item {i}");
                Group {
                    catchable: started_between(&phrase, variant.ebay_filter, start, last_catchable),
                    phrase,
                    variant: *variant,
                }
            })
        })
        .collect();
    candidates.sort_by_key(|g| g.catchable.len());
    candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, g)| g)
        .take(config.groups)
        .collect()
}

fn settings(
    db: &TestDatabase,
    redis: &TestRedis,
    smtp: &SmtpSink,
    mock: &MockServer,
    budget: u32,
    policy: SchedulerPolicy,
) -> Settings {
    Settings {
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
        ebay_daily_call_budget: budget,
        ebay_search_limit: 50,
        scheduler_tick_secs: 15,
        scheduler_policy: policy,
        channels: alerts_service::channels::ChannelArgs::default(),
    }
}

async fn exec(db: &impl ConnectionTrait, sql: String) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
}

/// What one policy achieved.
struct Outcome {
    coverage: f64,
    median_delay_min: f64,
    p90_delay_min: f64,
    calls: u64,
    most_calls_in_a_day: u64,
    caught: usize,
    catchable: usize,
    wall_secs: f64,
    /// The longest any alert waited between two searches (hours).
    longest_wait_hours: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

async fn simulate(config: &Config, groups: &[Group], policy: SchedulerPolicy) -> Outcome {
    let started = Instant::now();
    let db = TestDatabase::create().await.unwrap();
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let mock = MockServer::start(MockConfig::for_tests()).unwrap();
    let start = simulated_start();
    let clock = Arc::new(SimulatedClock::starting_at(start));
    let state = build_state_with_clock(
        settings(&db, &redis, &smtp, &mock, config.budget, policy),
        None,
        clock.clone(),
    )
    .await
    .unwrap();
    let backend = state.db.get_database_backend();
    let http = reqwest::Client::new();
    let mock_clock = format!("{}/mock/clock", mock.base_url());

    // Ten alerts per user, one alert per group, all due at the start.
    let users: Vec<Uuid> = (0..groups.len().div_ceil(10))
        .map(|_| Uuid::now_v7())
        .collect();
    for user in &users {
        exec(
            &state.db,
            format!(
                "INSERT INTO users (id, email, created_at, last_sign_in_at) VALUES ('{user}', 'u-{user}@bench.test', '{t}', '{t}')",
                t = start.to_rfc3339()
            ),
        )
        .await;
    }
    let mut alert_of_group = Vec::with_capacity(groups.len());
    for (i, group) in groups.iter().enumerate() {
        let draft = AlertDraft::parse(&json!({
            "search_phrase": group.phrase, "frequency_minutes": 10,
            "conditions": group.variant.conditions, "buying_options": group.variant.buying_options,
        }))
        .unwrap();
        let id = Uuid::now_v7();
        alert_of_group.push(id);
        exec(
            &state.db,
            format!(
                "INSERT INTO alerts (id, user_id, search_phrase, normalised_phrase, query_key, frequency_minutes, currency, condition, \
                 buying_options, paused, revision, unsubscribe_token, created_at, updated_at, next_run_at, conditions) \
                 VALUES ('{id}', '{user}', '{phrase}', '{phrase}', '{key}', 10, 'USD', 'any', '{buying}', false, 1, '{token}', '{t}', '{t}', '{t}', '{conditions}')",
                user = users[i / 10],
                phrase = group.phrase,
                key = ebay::query_key(&draft, None, None),
                buying = group.variant.buying_options,
                token = Uuid::new_v4().simple(),
                t = start.to_rfc3339(),
                conditions = group.variant.conditions.join(","),
            ),
        )
        .await;
    }

    let end = start + Duration::days(config.days);
    let mut most_calls_in_a_day = 0;
    let mut now = start;
    while now < end {
        clock.set(now);
        http.post(&mock_clock)
            .json(&json!({"now": now, "freeze": true}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        runner::run_due_once(&state).await.unwrap();
        let next = now + config.tick;
        if quota::ebay_day(next) != quota::ebay_day(now) || next >= end {
            let used = state.calls.used(now).await;
            most_calls_in_a_day = most_calls_in_a_day.max(used);
            // The outboxes would be drained by the relay and the sender; they are not measured.
            exec(&state.db, "DELETE FROM event_outbox".into()).await;
            exec(&state.db, "DELETE FROM email_outbox".into()).await;
            eprintln!(
                "  {policy:?}: day {} done, {used} calls, {:.0} s",
                quota::ebay_day(now),
                started.elapsed().as_secs_f64()
            );
        }
        now = next;
    }
    let calls = mock
        .state()
        .stats()
        .search_status
        .get(&200)
        .copied()
        .unwrap_or(0);

    // What each alert reported, and when.
    let rows = state
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT alert_id, item_id, first_seen_at FROM seen_listings WHERE last_notified_at IS NOT NULL"
                .to_owned(),
        ))
        .await
        .unwrap();
    let mut reported: HashMap<(Uuid, String), DateTime<Utc>> = HashMap::new();
    for row in rows {
        reported.insert(
            (
                row.try_get("", "alert_id").unwrap(),
                row.try_get("", "item_id").unwrap(),
            ),
            row.try_get("", "first_seen_at").unwrap(),
        );
    }
    let mut delays = Vec::new();
    let mut catchable = 0;
    for (group, alert) in groups.iter().zip(&alert_of_group) {
        for (item, listed) in &group.catchable {
            catchable += 1;
            if let Some(at) = reported.get(&(*alert, item.clone())) {
                delays.push((*at - *listed).num_seconds() as f64 / 60.0);
            }
        }
    }
    delays.sort_by(f64::total_cmp);
    // The starvation ceiling, checked: the longest gap between two runs of any alert.
    let runs = state
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT alert_id, started_at FROM alert_runs ORDER BY alert_id, started_at".to_owned(),
        ))
        .await
        .unwrap();
    let mut longest_wait = Duration::zero();
    let mut previous: Option<(Uuid, DateTime<Utc>)> = None;
    for row in runs {
        let alert: Uuid = row.try_get("", "alert_id").unwrap();
        let at: DateTime<Utc> = row.try_get("", "started_at").unwrap();
        if let Some((last_alert, last_at)) = previous
            && last_alert == alert
        {
            longest_wait = longest_wait.max(at - last_at);
        }
        previous = Some((alert, at));
    }
    mock.stop().await;
    Outcome {
        coverage: delays.len() as f64 / catchable.max(1) as f64,
        median_delay_min: percentile(&delays, 0.5),
        p90_delay_min: percentile(&delays, 0.9),
        calls,
        most_calls_in_a_day,
        caught: delays.len(),
        catchable,
        wall_secs: started.elapsed().as_secs_f64(),
        longest_wait_hours: longest_wait.num_minutes() as f64 / 60.0,
    }
}

fn main() {
    let config = Config::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = simulated_start();
    let end = start + Duration::days(config.days);
    let groups = groups(&config, start, end);
    let mut per_day: Vec<f64> = groups
        .iter()
        .map(|g| g.catchable.len() as f64 / (config.days as f64 - 0.5))
        .collect();
    per_day.sort_by(f64::total_cmp);
    let lowest_nonzero = per_day.iter().copied().find(|r| *r > 0.0).unwrap_or(0.0);
    let highest = per_day.last().copied().unwrap_or(0.0);
    println!(
        "{} query groups over {} simulated days, {} calls a day, ticks of {} min; new matching listings a day per group: \
         min {:.2}, median {:.1}, max {:.1} ({:.0}× between the quietest with any and the busiest; {} with none)",
        groups.len(),
        config.days,
        config.budget,
        config.tick.num_minutes(),
        per_day.first().copied().unwrap_or(0.0),
        percentile(&per_day, 0.5),
        highest,
        highest / lowest_nonzero.max(f64::MIN_POSITIVE),
        per_day.iter().filter(|r| **r == 0.0).count(),
    );
    let mut results = Vec::new();
    for policy in [SchedulerPolicy::Uniform, SchedulerPolicy::Adaptive] {
        let outcome = runtime.block_on(simulate(&config, &groups, policy));
        println!(
            "{policy:?}: caught {} of {} listings, {} calls (at most {} in one day), longest wait between two searches of an alert {:.1} h, {:.0} s wall time",
            outcome.caught,
            outcome.catchable,
            outcome.calls,
            outcome.most_calls_in_a_day,
            outcome.longest_wait_hours,
            outcome.wall_secs
        );
        assert!(
            outcome.most_calls_in_a_day <= u64::from(config.budget),
            "{policy:?} spent more than a day's budget"
        );
        results.push(outcome);
    }
    let budget = u64::from(config.budget) * config.days as u64;
    let part = |name: &str, o: &Outcome| {
        format!(
            "{name} coverage={:.3} median_delay_min={:.1} p90_delay_min={:.1} calls={}",
            o.coverage, o.median_delay_min, o.p90_delay_min, o.calls
        )
    };
    println!(
        "detection: {}; {}; budget={budget}",
        part("uniform", &results[0]),
        part("adaptive", &results[1])
    );
}
