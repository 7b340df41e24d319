//! The scheduler's spending of the daily eBay budget under a simulated clock: replicas share
//! one budget, and the adaptive plan searches busy queries more often than quiet ones. The
//! real runner, Postgres, Redis and ebay-mock over HTTP.

use std::sync::Arc;

use alerts_service::clock::{Clock, SimulatedClock};
use alerts_service::config::SchedulerPolicy;
use alerts_service::runner::run_due_once;
use alerts_service::startup::build_state_with_clock;
use alerts_service::{quota, runner::planner};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, alert_body, spawn_app, spawn_app_with};

/// A simulated start an hour into the next eBay day, so the hours a test simulates stay within
/// one quota day and after the alerts' creation.
fn simulated_start() -> chrono::DateTime<Utc> {
    quota::resets_at(Utc::now()) + Duration::hours(1)
}

/// Successful searches the mock answered.
fn searches(app: &TestApp) -> u64 {
    app.ebay
        .state()
        .stats()
        .search_status
        .get(&200)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn two_scheduler_replicas_together_never_exceed_the_daily_budget() {
    const BUDGET: u32 = 25;
    let app = spawn_app_with(|s| s.ebay_daily_call_budget = BUDGET).await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..40 {
        app.create_alert(&ada, alert_body(&format!("replica query {i}")))
            .await;
    }
    let clock = Arc::new(SimulatedClock::starting_at(simulated_start()));
    let first = build_state_with_clock(app.state.settings.clone(), None, clock.clone())
        .await
        .unwrap();
    let second = build_state_with_clock(app.state.settings.clone(), None, clock.clone())
        .await
        .unwrap();

    // Ten simulated hours, both replicas running each tick at the same time.
    let mut calls = 0;
    for _ in 0..60 {
        let (a, b) = tokio::join!(run_due_once(&first), run_due_once(&second));
        calls += a.unwrap().ebay_calls + b.unwrap().ebay_calls;
        clock.advance(Duration::minutes(10));
    }

    let used = first.calls.used(clock.now()).await;
    assert_eq!(
        searches(&app),
        u64::from(BUDGET),
        "the mock saw the budget, no more"
    );
    assert_eq!(calls as u64, u64::from(BUDGET));
    assert_eq!(used, u64::from(BUDGET));
}

async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    app.state
        .db
        .query_all_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_adaptive_plan_learns_which_search_is_busy_and_searches_it_more_often() {
    // Two searches the mock fills at very different rates: every listing of a broad phrase,
    // and only for-parts auctions of another.
    let app = spawn_app_with(|s| {
        s.ebay_daily_call_budget = 150;
        s.scheduler_policy = SchedulerPolicy::Adaptive;
    })
    .await;
    let ada = app.token_for("ada@example.com").await;
    let busy = app
        .create_alert(
            &ada,
            json!({"search_phrase": "nintendo switch", "frequency_minutes": 2,
                   "conditions": ["new", "open_box", "refurbished", "used", "for_parts"],
                   "buying_options": "any"}),
        )
        .await;
    let quiet = app
        .create_alert(
            &ada,
            json!({"search_phrase": "nikon d750", "frequency_minutes": 2,
                   "conditions": ["for_parts"], "buying_options": "auction"}),
        )
        .await;
    let start = simulated_start();
    let clock = Arc::new(SimulatedClock::starting_at(start));
    let state = build_state_with_clock(app.state.settings.clone(), None, clock.clone())
        .await
        .unwrap();
    let mock_clock = format!("{}/mock/clock", app.ebay.base_url());
    let set_mock = |at: chrono::DateTime<Utc>| {
        app.http
            .post(&mock_clock)
            .json(&json!({"now": at, "freeze": true}))
            .send()
    };

    // Twenty simulated hours in five-minute ticks, the mock's clock moved with ours.
    for _ in 0..240 {
        set_mock(clock.now())
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        run_due_once(&state).await.unwrap();
        clock.advance(Duration::minutes(5));
    }

    let runs = |id: &Value| {
        format!(
            "SELECT COUNT(*) AS n FROM alert_runs WHERE alert_id = '{}' AND status <> 'error'",
            id["id"].as_str().unwrap()
        )
    };
    let count = |rows: Vec<sea_orm::QueryResult>| rows[0].try_get::<i64>("", "n").unwrap();
    let busy_runs = count(rows(&app, &runs(&busy)).await);
    let quiet_runs = count(rows(&app, &runs(&quiet)).await);
    let plan = alerts_service::runner::current_plan(&state, clock.now())
        .await
        .unwrap();
    let interval = |alert: &Value| {
        let key = rows_key(alert);
        plan.groups
            .iter()
            .find(|g| g.query_key == key)
            .map(|g| (g.interval_minutes, g.reason, g.rate_per_hour))
            .unwrap()
    };
    let (busy_every, busy_reason, busy_rate) = interval(&app_alert(&app, &busy).await);
    let (quiet_every, _, quiet_rate) = interval(&app_alert(&app, &quiet).await);

    assert!(
        busy_rate > 3.0 * quiet_rate,
        "rates learned: busy {busy_rate:.3}/h, quiet {quiet_rate:.3}/h"
    );
    assert!(
        busy_every < quiet_every,
        "busy every {busy_every} min, quiet every {quiet_every} min"
    );
    assert_eq!(busy_reason, planner::Reason::Busy);
    assert!(
        busy_runs > 2 * quiet_runs,
        "busy searched {busy_runs} times, quiet {quiet_runs}"
    );
    assert!(
        quiet_runs >= 20 / 12,
        "the quiet search still ran within the starvation ceiling: {quiet_runs}"
    );
    assert!(
        searches(&app) <= 150,
        "within the budget: {}",
        searches(&app)
    );
}

/// The stored alert (with its query key).
async fn app_alert(app: &TestApp, alert: &Value) -> Value {
    let id = alert["id"].as_str().unwrap();
    let found = rows(
        app,
        &format!("SELECT query_key FROM alerts WHERE id = '{id}'"),
    )
    .await;
    json!({"query_key": found[0].try_get::<String>("", "query_key").unwrap()})
}

fn rows_key(alert: &Value) -> String {
    alert["query_key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_quota_shows_each_alert_as_asked_when_the_budget_covers_them() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
    let bob = app.token_for("bob@example.com").await;
    app.create_alert(&bob, alert_body("not ada's")).await;

    let quota: Value = app.get("/api/v1/quota", &ada).await.json().await.unwrap();

    assert_eq!(quota["policy"], "adaptive");
    assert_eq!(quota["warning"], Value::Null);
    let alerts = quota["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "only the caller's alerts: {quota}");
    assert_eq!(alerts[0]["alert_id"], alert["id"]);
    assert_eq!(alerts[0]["effective_interval_minutes"], 10);
    assert_eq!(alerts[0]["reason"], "as_asked");
    assert_eq!(alerts[0]["explanation"], "as asked: every 10 min");
    assert_eq!(quota["asked_per_day"], 144.0);
    assert_eq!(quota["given_per_day"], 144.0);
}

#[tokio::test]
async fn the_quota_warns_when_the_alerts_ask_for_more_than_the_budget_gives() {
    for policy in [SchedulerPolicy::Adaptive, SchedulerPolicy::Uniform] {
        let app = spawn_app_with(|s| {
            s.ebay_daily_call_budget = 50;
            s.scheduler_policy = policy;
        })
        .await;
        let ada = app.token_for("ada@example.com").await;
        for i in 0..5 {
            app.create_alert(
                &ada,
                json!({"search_phrase": format!("pokemon card {i}"), "frequency_minutes": 2}),
            )
            .await;
        }
        run_due_once(&app.state).await.unwrap();

        let quota: Value = app.get("/api/v1/quota", &ada).await.json().await.unwrap();

        let warning = quota["warning"].as_str().unwrap_or_default();
        assert!(
            warning.starts_with("Your alerts ask for about 3600 searches a day"),
            "{policy:?}: {quota}"
        );
        // The rest of today's budget spread over the hours left, as a daily rate.
        let given = quota["given_per_day"].as_f64().unwrap();
        let remaining = quota["remaining"].as_f64().unwrap();
        let hours_left =
            (chrono::DateTime::parse_from_rfc3339(quota["resets_at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc)
                - Utc::now())
            .num_seconds() as f64
                / 3600.0;
        assert!(given <= remaining / hours_left * 24.0 + 1.0, "{quota}");
        for alert in quota["alerts"].as_array().unwrap() {
            let every = alert["effective_interval_minutes"].as_i64().unwrap();
            assert!(every > 2, "{alert}");
            let explanation = alert["explanation"].as_str().unwrap();
            match policy {
                SchedulerPolicy::Uniform => {
                    assert_eq!(alert["reason"], "stretched");
                    assert!(explanation.starts_with("stretched to fit the budget: every "));
                }
                SchedulerPolicy::Adaptive => {
                    assert_ne!(alert["reason"], "as_asked", "{alert}");
                    assert!(explanation.contains("every "), "{explanation}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_quota_needs_a_signed_in_caller() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/quota", &crate::helpers::Auth::None).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_search_pages_deeper_only_while_every_listing_of_a_page_is_new() {
    let app = spawn_app_with(|s| s.ebay_search_limit = 10).await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app
        .create_alert(
            &ada,
            json!({"search_phrase": "nintendo switch", "frequency_minutes": 2, "buying_options": "any",
                   "conditions": ["new", "open_box", "refurbished", "used", "for_parts"]}),
        )
        .await;
    let id = alert["id"].as_str().unwrap();
    let first = run_due_once(&app.state).await.unwrap();
    let due_again = |app: &TestApp, last_run: chrono::DateTime<Utc>| {
        let sql = format!(
            "UPDATE alerts SET next_run_at = now() - interval '1 minute' WHERE id = '{id}'; \
             UPDATE query_groups SET last_run_at = '{}'",
            last_run.to_rfc3339()
        );
        let db = app.state.db.clone();
        async move { db.execute_unprepared(&sql).await.unwrap() }
    };

    // Last searched a month ago: every listing now live is new, page after page.
    due_again(&app, Utc::now() - Duration::days(30)).await;
    let deep = run_due_once(&app.state).await.unwrap();
    // Last searched a minute ago: the first page is mostly known listings.
    due_again(&app, Utc::now() - Duration::minutes(1)).await;
    let shallow = run_due_once(&app.state).await.unwrap();

    assert_eq!(
        first.ebay_calls, 1,
        "a first search has nothing to compare with"
    );
    assert_eq!(
        deep.ebay_calls,
        planner::MAX_PAGES as usize,
        "pages of entirely new listings, up to the limit"
    );
    assert_eq!(shallow.ebay_calls, 1);
    let pages = rows(
        &app,
        "SELECT last_pages, last_new_listings FROM query_groups",
    )
    .await;
    assert_eq!(pages[0].try_get::<i32>("", "last_pages").unwrap(), 1);
    assert_eq!(searches(&app), 1 + u64::from(planner::MAX_PAGES) + 1);
}
