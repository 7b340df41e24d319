//! The scenarios, one module each, named by what they do. Each starts its own [`Stack`] (fresh
//! databases, Redis prefix, mail directory) on the shared private infrastructure, so a failure
//! in one leaves nothing behind for the next.

mod analytics_kill;
mod channel_outage;
mod dead_letters;
mod ebay_faults;
mod fuzz;
mod load;
mod postgres_restart;
mod redis_outage;
mod replicas;
mod security;
mod smtp_outage;

use std::time::Duration;

use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::Stack;

/// Every scenario, in the order they run.
pub const NAMES: &[&str] = &[
    "analytics-kill",
    "redis-outage",
    "smtp-outage",
    "channel-outage",
    "ebay-faults",
    "replicas",
    "postgres-restart",
    "dead-letters",
    "security",
    "fuzz",
    "load",
];

/// Runs scenario `name`; a harness error becomes the outcome's error.
pub async fn run(name: &'static str, infra: &Infra, scale: Scale) -> Outcome {
    let mut outcome = Outcome::new(name);
    let result = match name {
        "analytics-kill" => analytics_kill::run(infra, scale, &mut outcome).await,
        "redis-outage" => redis_outage::run(infra, scale, &mut outcome).await,
        "smtp-outage" => smtp_outage::run(infra, scale, &mut outcome).await,
        "channel-outage" => channel_outage::run(infra, scale, &mut outcome).await,
        "ebay-faults" => ebay_faults::run(infra, scale, &mut outcome).await,
        "replicas" => replicas::run(infra, scale, &mut outcome).await,
        "postgres-restart" => postgres_restart::run(infra, scale, &mut outcome).await,
        "dead-letters" => dead_letters::run(infra, scale, &mut outcome).await,
        "security" => security::run(infra, scale, &mut outcome).await,
        "fuzz" => fuzz::run(infra, scale, &mut outcome).await,
        "load" => load::run(infra, scale, &mut outcome).await,
        other => Err(anyhow::anyhow!("unknown scenario {other}")),
    };
    if let Err(error) = result {
        outcome.error = Some(format!("{error:#}"));
    }
    outcome
}

/// Runs `cycles` scheduler cycles over `alerts` alerts: each advances the mock's clock (so
/// listings change and emails have something new), makes every alert due and waits until all
/// ran. `between` runs after each cycle is started (faults go there).
pub async fn cycles(stack: &Stack<'_>, alerts: usize, cycles: usize) -> anyhow::Result<()> {
    for _ in 0..cycles {
        one_cycle(stack, alerts).await?;
    }
    Ok(())
}

/// One cycle of [`cycles`].
pub async fn one_cycle(stack: &Stack<'_>, alerts: usize) -> anyhow::Result<()> {
    let before = stack.runs().await?;
    stack.advance_mock_clock(3 * 3600).await?;
    stack.make_due().await?;
    stack
        .wait_runs(before + alerts as i64, Duration::from_secs(300))
        .await?;
    Ok(())
}

/// The checks every scenario ends with: nothing lost or doubled between the outbox, Redis and
/// analytics; every email delivered once; no service died or panicked. Then stops the stack.
pub async fn settle_and_check(
    stack: Stack<'_>,
    outcome: &mut Outcome,
    expected_runs: Option<i64>,
    timeout: Duration,
) -> anyhow::Result<()> {
    settle_and_check_with(stack, outcome, expected_runs, timeout, false).await
}

/// [`settle_and_check`] for a scenario whose fault makes some runs fail on purpose (they are
/// recorded and retried): then every alert's latest run must have succeeded instead.
pub async fn settle_and_check_with(
    mut stack: Stack<'_>,
    outcome: &mut Outcome,
    expected_runs: Option<i64>,
    timeout: Duration,
    runs_may_fail: bool,
) -> anyhow::Result<()> {
    let settled = stack.wait_settled(timeout).await;
    if let Err(error) = &settled {
        outcome.check("system settled", false, format!("{error:#}"));
    }
    if let Some(expected) = expected_runs {
        outcome.check_eq(
            "alert runs = alerts × cycles (none twice, none missed)",
            stack.runs().await?,
            expected,
        );
    }
    let failed = stack.failed_runs().await?;
    if runs_may_fail {
        outcome.figure(
            "runs that failed during the fault (recorded, retried)",
            failed.to_string(),
        );
    } else {
        outcome.check_eq("failed runs", failed, 0);
    }
    if failed > 0 {
        let errors = stack
            .alerts_text(
                "SELECT string_agg(e, ' | ') AS t FROM (SELECT left(error, 200) || ' (×' || count(*) || ')' AS e                  FROM alert_runs WHERE status = 'error' GROUP BY left(error, 200) ORDER BY count(*) DESC LIMIT 5) x",
            )
            .await
            .unwrap_or_default();
        outcome.note(format!("errors of the failed runs: {errors}"));
    }
    let latest_failed = stack.alerts_whose_latest_run_failed().await?;
    let errors = if latest_failed > 0 {
        stack
            .alerts_text(
                "SELECT string_agg(DISTINCT left(last_run_error, 300), ' | ') AS t FROM alerts WHERE last_run_status = 'error'",
            )
            .await
            .unwrap_or_default()
    } else {
        String::new()
    };
    outcome.check(
        "alerts whose latest run failed",
        latest_failed == 0,
        format!("{latest_failed} = 0 {errors}"),
    );
    let written = stack.outbox_events().await?;
    outcome.check_eq(
        "events published (outbox backlog)",
        stack.outbox_backlog().await?,
        0,
    );
    outcome.check_eq(
        "events processed by analytics = events written",
        stack.events_processed().await?,
        written,
    );
    let published = stack.observations_published().await?;
    let stored = stack.observations_stored().await?;
    outcome.check_eq(
        "observations stored = observations published",
        stored,
        published,
    );
    outcome.check_eq(
        "observations stored once (distinct run, listing)",
        stack.observations_distinct().await?,
        stored,
    );
    let (mut sent, queued) = stack.emails_in_outbox().await?;
    if stack.sending_in_doubt {
        let in_doubt = stack
            .alerts_count("SELECT count(*)::bigint AS n FROM email_outbox WHERE status = 'sending'")
            .await?;
        outcome.figure(
            "emails handed to SMTP but not recorded as sent when Postgres went away (sent again after their 5-min lease: a duplicate, see docs/system-tests.md)",
            in_doubt.to_string(),
        );
        sent += in_doubt;
    }
    let (files, ids) = stack.mail_received()?;
    outcome.check_eq("emails sent = emails queued", sent, queued);
    outcome.check_eq("emails received = emails sent", files as i64, sent);
    outcome.check_eq(
        "distinct Message-IDs = emails received (no duplicates)",
        ids as i64,
        files as i64,
    );
    outcome.figure(
        "counts",
        format!(
            "{written} events, {published} observations, {sent} emails, {} runs",
            stack.runs().await?
        ),
    );
    let casualties = stack.casualties();
    outcome.check(
        "every service still running, no panic",
        casualties.is_empty(),
        if casualties.is_empty() {
            "all up".to_owned()
        } else {
            casualties.join("\n")
        },
    );
    if !outcome.passed() {
        stack.show_logs();
    }
    stack.stop().await;
    Ok(())
}
