//! Scenario 3: the SMTP server is down during runs and comes back: every email is delivered
//! exactly once.

use std::time::Duration;

use super::{one_cycle, settle_and_check};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions};

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let mut stack = Stack::start(infra, "smtp-outage", StackOptions::default()).await?;
    stack.stop_smtp().await;
    let token = stack.token("smtp@example.com").await?;
    let n = scale.alerts;
    stack.create_alerts(&token, n, n, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;
    one_cycle(&stack, n).await?;
    let down = if scale.full { 45 } else { 4 };
    tokio::time::sleep(Duration::from_secs(down)).await;
    let failures = stack
        .alerts_count("SELECT count(*)::bigint AS n FROM email_outbox WHERE attempts > 0 AND status <> 'sent'")
        .await?;
    outcome.check(
        "emails failed while SMTP was down (the fault happened)",
        failures > 0,
        format!("{failures} emails waiting to be retried"),
    );
    stack.start_smtp().await?;
    one_cycle(&stack, n).await?;
    // Retries back off 20 s, 40 s, 80 s … : allow a few of them.
    settle_and_check(stack, outcome, Some(3 * n as i64), Duration::from_secs(300)).await
}
