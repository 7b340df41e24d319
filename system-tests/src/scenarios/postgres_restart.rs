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
    let mut stack = Stack::start(infra, "postgres-restart", StackOptions::default()).await?;
    stack.sending_in_doubt = true;
    let token = stack.token("pg@example.com").await?;
    let n = scale.alerts * 2;
    let ids = stack.create_alerts(&token, n, n, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;
    let restarts = if scale.full { 3 } else { 1 };
    let down = Duration::from_secs(if scale.full { 20 } else { 3 });
    let mut cycles = 1;
    let mut recovered = Vec::new();
    let mut stuck = Vec::new();
    for _ in 0..restarts {
        // Under load: a cycle is running when Postgres goes away.
        let before = stack.runs().await?;
        stack.advance_mock_clock(3 * 3600).await?;
        stack.make_due().await?;
        // Wait until the cycle is under way (some runs recorded, not all).
        let _ = wait_for("the cycle to start", Duration::from_secs(10), || async {
            Ok((stack.runs().await? > before).then_some(()))
        })
        .await;
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
        // Alerts leased by the interrupted pass keep their 5-minute lease (by design: the lease
        // is how a replica that is still working keeps others off). Rather than wait it out,
        // count them and expire the leases, as five minutes passing would.
        let leased = stack
            .alerts_count("SELECT count(*)::bigint AS n FROM alerts WHERE leased_until > now()")
            .await?;
        stack
            .alerts_exec("UPDATE alerts SET leased_until = now() - interval '1 second' WHERE leased_until > now()")
            .await?;
        stuck.push(leased);
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
    outcome.figure(
        "alerts left leased by the interrupted pass (would wait 5 min for their lease)",
        format!("{stuck:?}"),
    );
    // The cycle interrupted by the restart may have run some alerts twice over its two halves;
    // count what ran, not cycles × alerts, but require every run to succeed.
    let _ = cycles;
    settle_and_check(stack, outcome, None, Duration::from_secs(240)).await
}
