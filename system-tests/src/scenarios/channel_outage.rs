//! Scenario: a notification channel's receiver is down, then failing (500, then 429 with
//! `Retry-After: 1`), then back, while a second channel of the same alerts stays healthy.
//! Every channel outbox row reaches its receiver exactly once (by `webhook-id`), the healthy
//! receiver gets all of its notifications before the failing one recovers, nothing is left
//! queued or failed, and email is unaffected.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{cycles, one_cycle, settle_and_check};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions, wait_for};
use crate::webhook::{Answer, WebhookReceiver};

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    // Both receivers listen on loopback, which the SSRF rules refuse unless allowed.
    let options = StackOptions {
        alerts_env: vec![("CHANNEL_ALLOWED_HOSTS".into(), "127.0.0.1".into())],
        ..StackOptions::default()
    };
    let stack = Stack::start(infra, "channel-outage", options).await?;
    let mut flaky = WebhookReceiver::start(Answer::Accept)?;
    flaky.down().await?;
    let healthy = WebhookReceiver::start(Answer::Accept)?;
    let token = stack.token("channels@example.com").await?;
    let flaky_id = create_channel(&stack, &token, &flaky.channel_url()).await?;
    let healthy_id = create_channel(&stack, &token, &healthy.channel_url()).await?;
    let n = scale.alerts;
    let (down_cycles, errors_each) = if scale.full { (3, 4 * n) } else { (1, 3) };
    let routed = json!({"channels": ["email", flaky_id.to_string(), healthy_id.to_string()]});
    stack.create_alerts_with(&token, n, n, 4, &routed).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;

    // Down: connections refused; the rows wait for their retries.
    cycles(&stack, n, down_cycles).await?;
    let refused = wait_for(
        "a refused delivery to the receiver that is down",
        Duration::from_secs(60),
        || async {
            let n = stack
                .alerts_count(&format!(
                    "SELECT count(*)::bigint AS n FROM channel_outbox \
                     WHERE channel_id = '{flaky_id}' AND attempts > 0 AND status = 'queued'"
                ))
                .await?;
            Ok((n > 0).then_some(n))
        },
    )
    .await?;
    outcome.check(
        "deliveries refused while the receiver was down (the fault happened)",
        refused > 0,
        format!("{refused} notifications waiting to be retried"),
    );

    // Up but failing: 500s, then 429s asking for a second's pause; a cycle runs meanwhile.
    flaky.up().await?;
    flaky.answer(Answer::ServerError);
    one_cycle(&stack, n).await?;
    wait_answered(&flaky, 500, errors_each).await?;
    flaky.answer(Answer::TooManyRequests);
    wait_answered(&flaky, 429, errors_each).await?;

    // Before it recovers, the healthy channel has delivered everything the runs queued for it.
    let healthy_rows = stack
        .alerts_count(&format!(
            "SELECT count(*)::bigint AS n FROM channel_outbox WHERE channel_id = '{healthy_id}'"
        ))
        .await?;
    let delivered = wait_for(
        "the healthy channel's deliveries",
        Duration::from_secs(60),
        || async {
            let sent = sent_rows(&stack, healthy_id).await?;
            Ok((sent >= healthy_rows).then_some(sent))
        },
    )
    .await;
    let delivered = delivered.unwrap_or(-1);
    let accepted_by_flaky = flaky.answered(200);
    outcome.check(
        "the healthy receiver had all its notifications before the failing one recovered",
        delivered == healthy_rows && healthy_rows > 0 && accepted_by_flaky == 0,
        format!(
            "{delivered} of {healthy_rows} delivered; the failing receiver had accepted {accepted_by_flaky}"
        ),
    );
    let slowest = stack
        .alerts_text(&format!(
            "SELECT round(extract(epoch FROM max(sent_at - created_at))::numeric, 1)::text AS t \
             FROM channel_outbox WHERE channel_id = '{healthy_id}'"
        ))
        .await?;
    outcome.figure(
        "slowest healthy delivery (queued → sent)",
        format!("{slowest} s"),
    );

    // Back: everything it missed arrives once, and a normal cycle after it.
    flaky.answer(Answer::Accept);
    one_cycle(&stack, n).await?;
    let drain = Duration::from_secs(if scale.full { 900 } else { 120 });
    let left = wait_for("the failing channel's backlog", drain, || async {
        let left = stack
            .alerts_count(&format!(
                "SELECT count(*)::bigint AS n FROM channel_outbox \
                 WHERE channel_id = '{flaky_id}' AND status IN ('queued', 'sending', 'held')"
            ))
            .await?;
        Ok((left == 0).then_some(left))
    })
    .await;
    if let Err(error) = &left {
        outcome.check(
            "the failing channel's backlog drained",
            false,
            format!("{error:#}"),
        );
    }

    let flaky_rows = check_receiver(&stack, outcome, "failing receiver", &flaky, flaky_id).await?;
    let healthy_rows =
        check_receiver(&stack, outcome, "healthy receiver", &healthy, healthy_id).await?;
    let healthy_requests = healthy.received().len();
    outcome.check_eq(
        "healthy receiver: requests = notifications (none repeated)",
        healthy_requests as i64,
        healthy_rows,
    );
    let emails = stack
        .alerts_count("SELECT count(*)::bigint AS n FROM email_outbox")
        .await?;
    outcome.check(
        "one notification per run with notices on each channel, as many as the alert emails",
        flaky_rows == healthy_rows && flaky_rows == emails && emails > 0,
        format!("failing {flaky_rows}, healthy {healthy_rows}, emails {emails}"),
    );
    let retried = stack
        .metric(&stack.alerts_url(), "alerts_channel_retried_total")
        .await?;
    outcome.figure(
        "failing receiver's attempts",
        format!(
            "{} answered 500, {} answered 429, {} accepted; {retried} retries counted in all",
            flaky.answered(500),
            flaky.answered(429),
            flaky.answered(200)
        ),
    );
    let runs = (1 + down_cycles + 2) * n;
    settle_and_check(stack, outcome, Some(runs as i64), Duration::from_secs(180)).await
}

/// Creates a channel through the API; returns its id.
async fn create_channel(stack: &Stack<'_>, token: &str, url: &str) -> anyhow::Result<Uuid> {
    let response = stack
        .http
        .post(format!("{}/api/v1/channels", stack.alerts_url()))
        .bearer_auth(token)
        .json(&json!({"url": url}))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status != reqwest::StatusCode::CREATED {
        bail!("creating channel {url}: {status} {body}");
    }
    body["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .context("no id in the created channel")
}

/// Waits until `receiver` answered `status` at least `count` times.
async fn wait_answered(
    receiver: &WebhookReceiver,
    status: u16,
    count: usize,
) -> anyhow::Result<()> {
    wait_for(
        &format!("{count} attempts answered {status}"),
        Duration::from_secs(300),
        || async { Ok((receiver.answered(status) >= count).then_some(())) },
    )
    .await
}

async fn sent_rows(stack: &Stack<'_>, channel: Uuid) -> anyhow::Result<i64> {
    stack
        .alerts_count(&format!(
            "SELECT count(*)::bigint AS n FROM channel_outbox WHERE channel_id = '{channel}' AND status = 'sent'"
        ))
        .await
}

/// The exact checks of one receiver against its channel's outbox rows; returns the rows.
async fn check_receiver(
    stack: &Stack<'_>,
    outcome: &mut Outcome,
    name: &str,
    receiver: &WebhookReceiver,
    channel: Uuid,
) -> anyhow::Result<i64> {
    let rows = stack
        .alerts_db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT 'msg_' || id::text AS id, status FROM channel_outbox WHERE channel_id = '{channel}'"
            ),
        ))
        .await?;
    let mut statuses: HashMap<String, i64> = HashMap::new();
    let mut sent_ids = HashSet::new();
    for row in &rows {
        let status: String = row.try_get("", "status")?;
        if status == "sent" {
            sent_ids.insert(row.try_get::<String>("", "id")?);
        }
        *statuses.entry(status).or_default() += 1;
    }
    let total = rows.len() as i64;
    outcome.check(
        format!("{name}: every outbox row sent (none queued, sending or failed)"),
        sent_ids.len() as i64 == total && total > 0,
        format!("{} sent of {total}: {statuses:?}", sent_ids.len()),
    );

    let received = receiver.received();
    let mut accepted: HashMap<String, usize> = HashMap::new();
    let mut after_acceptance = 0;
    let mut without_id = 0;
    for request in &received {
        let Some(id) = request.webhook_id.clone() else {
            without_id += 1;
            continue;
        };
        if accepted.contains_key(&id) {
            // Sent again although it was answered 200: a duplicate delivery.
            after_acceptance += 1;
        }
        if request.status == 200 {
            *accepted.entry(id).or_default() += 1;
        }
    }
    let twice = accepted.values().filter(|&&c| c > 1).count();
    outcome.check(
        format!("{name}: each webhook-id accepted once, never sent again after its 200"),
        twice == 0 && after_acceptance == 0 && without_id == 0,
        format!(
            "{} ids accepted, {twice} accepted twice, {after_acceptance} requests after a 200, {without_id} without an id, {} requests in all",
            accepted.len(),
            received.len()
        ),
    );
    let accepted_ids: HashSet<String> = accepted.into_keys().collect();
    let seen_ids: HashSet<&str> = received
        .iter()
        .filter_map(|r| r.webhook_id.as_deref())
        .collect();
    let strangers = seen_ids
        .iter()
        .filter(|id| !sent_ids.contains(**id))
        .count();
    outcome.check(
        format!("{name}: distinct webhook-ids accepted = outbox rows sent (the same ids)"),
        accepted_ids == sent_ids && strangers == 0,
        format!(
            "{} = {} ({} missing, {strangers} not sent rows of the channel)",
            accepted_ids.len(),
            sent_ids.len(),
            sent_ids.difference(&accepted_ids).count()
        ),
    );
    let kinds: HashSet<&str> = received
        .iter()
        .filter_map(|r| r.body["type"].as_str())
        .collect();
    outcome.check(
        format!("{name}: every body is an alert.listings notification"),
        kinds.len() == 1 && kinds.contains("alert.listings"),
        format!("{kinds:?}"),
    );
    Ok(total)
}
