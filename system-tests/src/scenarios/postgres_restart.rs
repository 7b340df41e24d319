//! Scenario 6: the Postgres server (both services' databases) is restarted under load: the
//! services reconnect by themselves and nothing is lost.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{one_cycle, settle_and_check};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions, wait_for};

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let stack = Stack::start(infra, "postgres-restart", StackOptions::default()).await?;
    let token = stack.token("pg@example.com").await?;
    let n = scale.alerts * 2;
    let ids = stack.create_alerts(&token, n, n, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;
    let restarts = if scale.full { 3 } else { 1 };
    let down = Duration::from_secs(if scale.full { 20 } else { 3 });
    let mut cycles = 1;
    let mut recovered = Vec::new();
    for _ in 0..restarts {
        // Under load: a cycle is running when Postgres goes away.
        stack.advance_mock_clock(3 * 3600).await?;
        stack.make_due().await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        infra.postgres.stop("fast")?;
        let stopped = Instant::now();
        let during = stack
            .http
            .get(format!("{}/api/v1/alerts", stack.alerts_url()))
            .bearer_auth(&token)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        tokio::time::sleep(down.saturating_sub(stopped.elapsed())).await;
        infra.postgres.start()?;
        let back = Instant::now();
        let url = format!("{}/api/v1/alerts/{}", stack.alerts_url(), ids[0]);
        wait_for(
            "the API to change alerts again",
            Duration::from_secs(60),
            || async {
                let r = stack
                    .http
                    .patch(&url)
                    .bearer_auth(&token)
                    .json(&json!({"target_price": "12.34"}))
                    .send()
                    .await?;
                Ok(r.status().is_success().then_some(()))
            },
        )
        .await?;
        recovered.push(format!(
            "{during} while down, writes back after {:.1} s",
            back.elapsed().as_secs_f64()
        ));
        cycles += 1;
        one_cycle(&stack, n).await?;
        cycles += 1;
    }
    outcome.check(
        "the API recovered after every restart",
        recovered.len() == restarts,
        recovered.join("; "),
    );
    // The cycle interrupted by the restart may have run some alerts twice over its two halves;
    // count what ran, not cycles × alerts, but require every run to succeed.
    let _ = cycles;
    settle_and_check(stack, outcome, None, Duration::from_secs(240)).await
}
