//! Scenario 1: analytics-service is SIGKILLed while runs publish, and restarted; every
//! observation published is stored exactly once.

use std::time::Duration;

use super::{one_cycle, settle_and_check};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions, wait_for};

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let mut stack = Stack::start(infra, "analytics-kill", StackOptions::default()).await?;
    let token = stack.token("kill@example.com").await?;
    let n = scale.alerts;
    stack.create_alerts(&token, n, n / 2, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;
    let kills = if scale.full { 5 } else { 2 };
    let mut cycles = 1;
    for _ in 0..kills {
        // Start a cycle and kill analytics while its events are being published and consumed.
        let before = stack.runs().await?;
        stack.advance_mock_clock(3 * 3600).await?;
        stack.make_due().await?;
        // Kill once the cycle is under way: runs are committing and their events publishing.
        let _ = wait_for("the cycle to start", Duration::from_secs(10), || async {
            Ok((stack.runs().await? > before).then_some(()))
        })
        .await;
        stack.kill_analytics(0).await;
        stack
            .wait_runs(before + n as i64, Duration::from_secs(120))
            .await?;
        // One more cycle while analytics is down: its events wait in the stream.
        one_cycle(&stack, n).await?;
        cycles += 2;
        stack.start_analytics(0).await?;
    }
    outcome.figure(
        "kills",
        format!("{kills} SIGKILLs of analytics-service over {cycles} cycles of {n} alerts"),
    );
    settle_and_check(
        stack,
        outcome,
        Some((n * cycles) as i64),
        Duration::from_secs(180),
    )
    .await
}
