//! Scenario 2: Redis is down (killed, then restarted from its append-only file) during CRUD and
//! runs: the API keeps answering, every event is published after recovery, consumers resume.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{one_cycle, settle_and_check_with};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions};

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let stack = Stack::start(infra, "redis-outage", StackOptions::default()).await?;
    let token = stack.token("redis@example.com").await?;
    let n = scale.alerts;
    let ids = stack.create_alerts(&token, n, n / 2, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;

    infra.redis_mut(|r| r.stop());
    let down_at = Instant::now();
    // Runs are due during the outage too.
    stack.advance_mock_clock(3 * 3600).await?;
    stack.make_due().await?;
    let (mut ok, mut failed, mut created) = (0, 0, 0);
    let mut details = Vec::new();
    let base = format!("{}/api/v1/alerts", stack.alerts_url());
    let mut i = 0;
    while down_at.elapsed() < Duration::from_secs(scale.redis_down_secs) {
        let id = &ids[i % ids.len()];
        let requests =
            [
                stack.http.post(&base).bearer_auth(&token).json(
                    &json!({"search_phrase": format!("outage {i}"), "frequency_minutes": 1440}),
                ),
                stack
                    .http
                    .patch(format!("{base}/{id}"))
                    .bearer_auth(&token)
                    .json(&json!({"target_price": format!("{}.00", 10 + i)})),
                stack.http.get(format!("{base}/{id}")).bearer_auth(&token),
                stack.http.get(&base).bearer_auth(&token),
            ];
        for (k, request) in requests.into_iter().enumerate() {
            match request.send().await {
                Ok(r) if r.status().is_success() => {
                    ok += 1;
                    if k == 0 {
                        created += 1;
                    }
                }
                Ok(r) => {
                    failed += 1;
                    details.push(format!("{} → {}", k, r.status()));
                }
                Err(e) => {
                    failed += 1;
                    details.push(format!("{k} → {e}"));
                }
            }
        }
        i += 1;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let during = stack.runs().await?;
    outcome.check(
        format!(
            "API answered every CRUD request while Redis was down {} s",
            scale.redis_down_secs
        ),
        failed == 0,
        format!(
            "{ok} ok, {failed} failed {}",
            details
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let backlog_during = stack.outbox_backlog().await?;
    outcome.figure(
        "outbox backlog when Redis came back",
        backlog_during.to_string(),
    );
    infra.redis_mut(testkit::RedisServer::restart)?;
    outcome.figure("runs recorded during the outage", during.to_string());
    // Whatever the outage postponed runs now; then one clean cycle over every alert.
    let total = n + created;
    stack.make_due().await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    one_cycle(&stack, total).await?;
    // Runs that were in flight when Redis went away may finish failed after it is back; the
    // next cycle retries them (the scheduler itself would, within two minutes).
    one_cycle(&stack, total).await?;
    settle_and_check_with(stack, outcome, None, Duration::from_secs(240), true).await
}
