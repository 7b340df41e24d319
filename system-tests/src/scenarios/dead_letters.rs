//! Malformed, truncated, oversized and wrongly-typed events thrown straight into both streams:
//! every one is dead-lettered, the consumer keeps going, and later good events are processed.

use std::time::Duration;

use redis::AsyncCommands;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use super::{one_cycle, settle_and_check};
use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{ALERT_CONFIG_TOPIC, PRODUCT_PRICES_TOPIC, Stack, StackOptions, wait_for};

/// The bad messages for a stream, built from a real event of that stream.
fn bad_messages(real: &Value) -> Vec<(&'static str, Vec<u8>)> {
    let text = real.to_string();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = real.clone();
        v["id"] = Value::String(uuid::Uuid::now_v7().to_string());
        f(&mut v);
        v.to_string().into_bytes()
    };
    vec![
        ("not JSON", b"this is not json {".to_vec()),
        ("empty", Vec::new()),
        ("truncated", text.as_bytes()[..text.len() / 2].to_vec()),
        ("binary", vec![0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96]),
        ("JSON array", b"[1,2,3]".to_vec()),
        (
            "oversized (4 MiB)",
            with(&|v| v["data"] = Value::String("x".repeat(4 << 20))),
        ),
        ("data is a number", with(&|v| v["data"] = Value::from(42))),
        (
            "unsupported specversion",
            with(&|v| v["specversion"] = Value::from("0.3")),
        ),
        (
            "id missing",
            with(&|v| {
                if let Some(o) = v.as_object_mut() {
                    o.remove("id");
                }
            }),
        ),
        (
            "time not a time",
            with(&|v| v["time"] = Value::from("yesterday")),
        ),
        (
            "unknown type",
            with(&|v| v["type"] = Value::from("alert.exploded")),
        ),
    ]
}

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let stack = Stack::start(infra, "dead-letters", StackOptions::default()).await?;
    let token = stack.token("dlq@example.com").await?;
    let n = scale.alerts;
    stack.create_alerts(&token, n, n, 4).await?;
    stack.wait_runs(n as i64, Duration::from_secs(120)).await?;
    stack.wait_settled(Duration::from_secs(120)).await?;

    let mut conn = stack.redis().await?;
    let mut thrown = Vec::new();
    for (topic, event_type) in [
        (ALERT_CONFIG_TOPIC, "alert.created"),
        (PRODUCT_PRICES_TOPIC, "products.observed"),
    ] {
        let payload: String = stack
            .alerts_db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT payload AS p FROM event_outbox WHERE payload::jsonb->>'type' = '{event_type}' LIMIT 1"),
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no {event_type} event to start from"))?
            .try_get("", "p")?;
        let real: Value = serde_json::from_str(&payload)?;
        let mut bad = bad_messages(&real);
        // Wrong shapes specific to the stream.
        let mut wrong = real.clone();
        wrong["id"] = Value::String(uuid::Uuid::now_v7().to_string());
        if event_type == "products.observed" {
            wrong["data"]["items"] = Value::from("not a list");
        } else {
            wrong["data"]["alert"] = Value::from(42);
        }
        bad.push(("wrongly typed field", wrong.to_string().into_bytes()));
        let key = format!("{}{topic}", stack.prefix);
        for (_, bytes) in &bad {
            let _: String = conn.xadd(&key, "*", &[("event", bytes.as_slice())]).await?;
        }
        // A message without the event field at all.
        let _: String = conn.xadd(&key, "*", &[("something", "else")]).await?;
        thrown.push((topic, key, bad.len() + 1));
    }
    for (topic, key, count) in &thrown {
        let dead_key = format!("{key}.dead");
        let dead = wait_for("dead letters", Duration::from_secs(60), || {
            let mut conn = conn.clone();
            let dead_key = dead_key.clone();
            async move {
                let len: i64 = conn.xlen(&dead_key).await?;
                Ok((len >= *count as i64).then_some(len))
            }
        })
        .await
        .unwrap_or(-1);
        outcome.check_eq(
            format!("bad events dead-lettered on {topic}"),
            dead,
            *count as i64,
        );
    }
    // Good events after the bad ones.
    one_cycle(&stack, n).await?;
    stack.create_alerts(&token, 2, 2, 2).await?;
    stack.wait_settled(Duration::from_secs(120)).await?;
    for (topic, key, _) in &thrown {
        let pending: redis::Value = redis::cmd("XPENDING")
            .arg(key)
            .arg("analytics")
            .query_async(&mut conn)
            .await?;
        let count = match &pending {
            redis::Value::Array(items) => match items.first() {
                Some(redis::Value::Int(n)) => *n,
                _ => -1,
            },
            _ => -1,
        };
        outcome.check_eq(format!("nothing left pending on {topic}"), count, 0);
    }
    settle_and_check(stack, outcome, None, Duration::from_secs(120)).await
}
