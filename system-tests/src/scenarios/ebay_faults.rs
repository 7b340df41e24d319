//! Scenario 4: ebay-mock injects 20 % 429/500 and issues short-lived tokens, with two
//! alerts-service replicas: every due alert completes within the retry budget and token calls
//! stay at one per expiry across the replicas.

use std::time::{Duration, Instant};

use super::{one_cycle, settle_and_check};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions};

/// The mock's token lifetime; tokens are replaced at half of it (ebay-sdk's margin is at most
/// half the lifetime).
const TOKEN_TTL_SECS: u64 = 8;

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let env = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let options = StackOptions {
        alerts_replicas: 2,
        mock_env: vec![
            env("EBAY_MOCK_FAULT_429_RATE", "0.1"),
            env("EBAY_MOCK_FAULT_500_RATE", "0.1"),
            env("EBAY_MOCK_TOKEN_TTL_SECS", &TOKEN_TTL_SECS.to_string()),
        ],
        ..StackOptions::default()
    };
    let stack = Stack::start(infra, "ebay-faults", options).await?;
    let started = Instant::now();
    let token = stack.token("faults@example.com").await?;
    let n = scale.alerts;
    stack.create_alerts(&token, n, n, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(180)).await?;
    let cycles = if scale.full { 20 } else { 4 };
    for _ in 0..cycles {
        one_cycle(&stack, n).await?;
        // Let the token expire between some cycles.
        tokio::time::sleep(Duration::from_secs(TOKEN_TTL_SECS / 2)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = stack.mock_stats().await?;
    let issued = stats["tokens_issued"].as_i64().unwrap_or(-1);
    let token_requests = stats["token_requests"].as_i64().unwrap_or(-1);
    let searches = stats["search_requests"].as_i64().unwrap_or(-1);
    let faults = stats["faults_injected"].as_i64().unwrap_or(-1);
    outcome.check(
        "faults were injected",
        faults > 0,
        format!("{faults} faults in {searches} searches"),
    );
    // One token per refresh period (half the lifetime) over the whole run, plus the first.
    let bound = (elapsed / (TOKEN_TTL_SECS as f64 / 2.0)).ceil() as i64 + 1;
    outcome.check(
        "tokens issued ≤ one per refresh period across both replicas",
        (1..=bound).contains(&issued),
        format!("{issued} issued (≤ {bound} for {elapsed:.0} s with {TOKEN_TTL_SECS} s tokens), {token_requests} token requests"),
    );
    settle_and_check(
        stack,
        outcome,
        Some(((cycles + 1) * n) as i64),
        Duration::from_secs(180),
    )
    .await
}
