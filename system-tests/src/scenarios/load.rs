//! Load and scale: N alerts due at once → every alert run, every email sent and every
//! observation stored in analytics, at several sizes, with wall time, eBay calls, peak memory
//! of each process, database sizes and Redis memory; and, measured in the same run on the same
//! servers, a raw Redis XADD rate and a raw Postgres COPY rate to compare with. Counts are
//! checked exactly; figures are reported, never asserted.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgPoolCopyExt;
use sea_orm::{ConnectionTrait, Database};

use super::settle_and_check;
use crate::Scale;
use crate::infra::{Infra, peak_rss_kib};
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions};

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let load_average = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    outcome.figure("load average at start", load_average.trim().to_owned());
    let mut rows = Vec::new();
    for &n in scale.load_sizes {
        rows.push(one_size(infra, n, outcome).await?);
    }
    // After the runs, so the baseline's 400 MB of stream entries do not count in Redis's peak.
    let (xadd_per_sec, copy_per_sec) = baselines(infra, scale.full).await?;
    outcome.figure(
        "baseline: raw Redis XADD (pipelined, 20 kB events)",
        format!("{xadd_per_sec:.0} events/s"),
    );
    outcome.figure(
        "baseline: raw Postgres COPY (fact rows)",
        format!("{copy_per_sec:.0} rows/s"),
    );
    let mut table = String::from(
        "| alerts | queries | runs done | all settled | alerts/s | eBay calls | emails | observations | obs/s | events/s | peak RSS alerts / analytics / mock / redis (MiB) | DB alerts / analytics (MiB) | Redis used (MiB) | obs/s ÷ COPY rows/s | events/s ÷ XADD/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|\n",
    );
    for (row, obs_rate, event_rate) in rows {
        let _ = writeln!(
            table,
            "{row} {:.3} | {:.4} |",
            obs_rate / copy_per_sec,
            event_rate / xadd_per_sec
        );
    }
    let after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    outcome.figure("load average at end", after.trim().to_owned());
    outcome.figure("table", format!("\n{table}"));
    Ok(())
}

async fn one_size(
    infra: &Infra,
    n: usize,
    outcome: &mut Outcome,
) -> anyhow::Result<(String, f64, f64)> {
    // Alerts are created with the scheduler off, then all made due at once.
    let options = StackOptions {
        scheduler: false,
        ..StackOptions::default()
    };
    let mut stack = Stack::start(infra, "load", options).await?;
    let token = stack.token("load@example.com").await?;
    let queries = (n / 10).max(1);
    let created = Instant::now();
    stack.create_alerts(&token, n, queries, 16).await?;
    let create_secs = created.elapsed().as_secs_f64();
    stack.wait_settled(Duration::from_secs(600)).await?;
    stack.make_due().await?;
    let _ = stack
        .http
        .delete(format!("{}/mock/stats", stack.mock.url()))
        .send()
        .await?;
    let observations_before = stack.observations_stored().await?;
    let events_before = stack.events_processed().await?;

    let started = Instant::now();
    stack.restart_alerts_with(0, &["serve"]).await?;
    let timeout = Duration::from_secs(120 + n as u64 / 5);
    stack.wait_runs(n as i64, timeout).await?;
    let runs_done = started.elapsed().as_secs_f64();
    stack.wait_settled(timeout).await?;
    let settled = started.elapsed().as_secs_f64();

    let stats = stack.mock_stats().await?;
    let calls = stats["search_requests"].as_i64().unwrap_or(-1);
    let observations = stack.observations_stored().await? - observations_before;
    let events = stack.events_processed().await? - events_before;
    let (emails, _) = stack.emails_in_outbox().await?;
    let mib = |k: Option<u64>| k.map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0));
    let rss = format!(
        "{} / {} / {} / {}",
        mib(stack.alerts[0].peak_rss_kib()),
        mib(stack.analytics[0].peak_rss_kib()),
        mib(stack.mock.peak_rss_kib()),
        mib(infra.redis_mut(|r| r.pid()).and_then(peak_rss_kib)),
    );
    let mut sizes = Vec::new();
    for name in [&stack.alerts_db_name, &stack.analytics_db_name] {
        sizes.push(
            stack
                .alerts_count(&format!("SELECT pg_database_size('{name}')::bigint AS n"))
                .await
                .map(|b| format!("{:.0}", b as f64 / 1_048_576.0))
                .unwrap_or_else(|_| "?".into()),
        );
    }
    let sizes = sizes.join(" / ");
    let mut conn = stack.redis().await?;
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut conn)
        .await?;
    let redis_used = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or("?".to_owned(), |b| format!("{:.0}", b / 1_048_576.0));
    let obs_rate = observations as f64 / settled;
    let event_rate = events as f64 / settled;
    let mut row = String::new();
    let _ = write!(
        row,
        "| {n} | {queries} | {runs_done:.1} s | {settled:.1} s | {:.0} | {calls} | {emails} | {observations} | {obs_rate:.0} | {event_rate:.0} | {rss} | {sizes} | {redis_used} |",
        n as f64 / runs_done,
    );
    outcome.figure(
        format!("{n} alerts"),
        format!("created through the API in {create_secs:.1} s; {row}"),
    );
    outcome.check_eq(
        format!("{n} alerts: eBay calls = distinct queries"),
        calls,
        queries as i64,
    );
    // Every alert's first run finds listings, so every alert sends one email.
    outcome.check_eq(
        format!("{n} alerts: emails sent = alerts"),
        emails,
        n as i64,
    );
    settle_and_check(stack, outcome, Some(n as i64), timeout).await?;
    Ok((row, obs_rate, event_rate))
}

/// Raw rates of the two stores on the same private servers, measured in this run.
async fn baselines(infra: &Infra, full: bool) -> anyhow::Result<(f64, f64)> {
    // Redis: 20,000 (short: 4,000) pipelined XADDs of a 20 kB payload (a products.observed of
    // about 50 items), on the same fsync-always server the services use.
    let client = redis::Client::open(infra.redis_url())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    // A pipeline of 10 MB through an fsync-always AOF takes longer than the default timeout.
    conn.set_response_timeout(Duration::from_secs(120));
    let key = format!("soak:baseline:{}", crate::infra::random_hex(6));
    let payload = "x".repeat(20_000);
    let total = if full { 20_000 } else { 4_000 };
    let started = Instant::now();
    for _ in 0..total / 100 {
        let mut pipe = redis::pipe();
        for _ in 0..100 {
            pipe.cmd("XADD")
                .arg(&key)
                .arg("*")
                .arg("event")
                .arg(&payload)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await?;
    }
    let xadd = total as f64 / started.elapsed().as_secs_f64();
    redis::cmd("DEL")
        .arg(&key)
        .query_async::<()>(&mut conn)
        .await?;

    // Postgres: COPY of 500,000 (short: 100,000) rows shaped like fact_price_observation.
    infra
        .postgres
        .admin(&[
            "DROP DATABASE IF EXISTS baseline".into(),
            "CREATE DATABASE baseline".into(),
        ])
        .await?;
    let db = Database::connect(infra.postgres.url("baseline")).await?;
    db.execute_unprepared(
        "CREATE TABLE copy_target (alert_id UUID NOT NULL, item_key BIGINT NOT NULL, run_id UUID NOT NULL, \
         observed_at TIMESTAMPTZ NOT NULL, observed_date DATE NOT NULL, price NUMERIC NOT NULL, currency TEXT NOT NULL)",
    )
    .await?;
    let rows = if full { 500_000 } else { 100_000 };
    let mut text = String::with_capacity(rows * 120);
    let now = chrono::Utc::now();
    for i in 0..rows {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}.{:02}\tUSD",
            uuid::Uuid::from_u128(i as u128 / 50),
            i,
            uuid::Uuid::from_u128(i as u128 / 50 + 1_000_000),
            now.to_rfc3339(),
            now.date_naive(),
            10 + i % 500,
            i % 100
        );
    }
    let pool = db.get_postgres_connection_pool();
    let started = Instant::now();
    let mut copy = pool
        .copy_in_raw("COPY copy_target (alert_id, item_key, run_id, observed_at, observed_date, price, currency) FROM STDIN")
        .await?;
    copy.send(text.as_bytes()).await?;
    let copied = copy.finish().await?;
    let copy_rate = copied as f64 / started.elapsed().as_secs_f64();
    db.close().await.ok();
    infra
        .postgres
        .admin(&["DROP DATABASE IF EXISTS baseline WITH (FORCE)".into()])
        .await?;
    Ok((xadd, copy_rate))
}
