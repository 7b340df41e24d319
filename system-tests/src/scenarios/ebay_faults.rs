//! Scenario 4: ebay-mock injects 20 % 500s and issues short-lived tokens, with two
//! alerts-service replicas: due alerts complete within the retry budget (a search fails only
//! when all of its attempts draw a fault, as often as chance says, and that alert's next run
//! succeeds) and token calls stay at one per expiry across the replicas.

use std::time::{Duration, Instant};

use super::{one_cycle, settle_and_check_with};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions};

/// The mock's token lifetime; tokens are replaced at half of it (ebay-sdk's margin is at most
/// half the lifetime).
const TOKEN_TTL_SECS: u64 = 8;

/// The mock's chance that a search answers 500. No 429s: on eBay's Browse API a 429 means the
/// daily quota is used up, which ebay-sdk reports at once instead of retrying, so it is not a
/// transient fault a retry budget should absorb.
const FAULT_RATE: f64 = 0.2;

/// Attempts ebay-sdk makes per search (its default retry policy).
const ATTEMPTS: i32 = 5;

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let env = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let options = StackOptions {
        alerts_replicas: 2,
        mock_env: vec![
            env("EBAY_MOCK_FAULT_500_RATE", &FAULT_RATE.to_string()),
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
    let mut cycles = if scale.full { 20 } else { 4 };
    for _ in 0..cycles {
        one_cycle(&stack, n).await?;
        // Let the token expire between some cycles.
        tokio::time::sleep(Duration::from_secs(TOKEN_TTL_SECS / 2)).await;
    }
    // A run that failed in the last cycle is retried at the alert's next run: give it one.
    if stack.alerts_whose_latest_run_failed().await? > 0 {
        one_cycle(&stack, n).await?;
        cycles += 1;
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
    // Each attempt draws a fault with probability FAULT_RATE, independently, so a run fails
    // when all its attempts do: about 0.03 % of runs, i.e. now and then in a full run. More
    // than chance allows (mean plus four standard deviations, plus two), or any other error,
    // is a failure of the retry logic.
    let runs = ((cycles + 1) * n) as f64;
    let expected = runs * FAULT_RATE.powi(ATTEMPTS);
    let allowed = (expected + 4.0 * expected.sqrt()).floor() as i64 + 2;
    let exhausted = stack
        .alerts_count(
            "SELECT count(*)::bigint AS n FROM alert_runs WHERE status = 'error' \
             AND error LIKE 'eBay search failed: gave up after%'",
        )
        .await?;
    let other = stack.failed_runs().await? - exhausted;
    outcome.check(
        "runs failed only by drawing a fault on every attempt, no more often than chance",
        exhausted <= allowed,
        format!("{exhausted} ≤ {allowed} (expected {expected:.2} of {runs} runs)"),
    );
    outcome.check_eq("runs failed for any other reason", other, 0);
    settle_and_check_with(
        stack,
        outcome,
        Some(((cycles + 1) * n) as i64),
        Duration::from_secs(180),
        true,
    )
    .await
}
