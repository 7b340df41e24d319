//! Redis Streams: durable, at-least-once delivery through consumer groups.
//!
//! * Publishing pipelines one `XADD` per event (a batch is one round trip).
//! * Consumers read with `XREADGROUP … >`, acknowledge with `XACK` only after their handler
//!   succeeded, and take over messages another (possibly dead) consumer left pending for longer
//!   than [`ConsumerGroup::reclaim_idle`] with `XAUTOCLAIM`.
//! * Streams are trimmed with `XTRIM MINID` below the oldest entry any group still needs, so
//!   trimming bounds memory without ever dropping an unacknowledged message.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamInfoGroupsReply,
    StreamPendingCountReply, StreamPendingReply, StreamRangeReply, StreamReadOptions,
    StreamReadReply,
};
use redis::{AsyncCommands, Value};
use tokio::time::Instant;

use super::{
    ConsumerGroup, DeadLetter, DeliveryTag, Message, Publisher, Subscriber, TransportError,
    TransportSettings,
};
use crate::topic;

/// The field of a stream entry that holds the encoded event.
pub const EVENT_FIELD: &str = "event";
/// Dead-letter streams keep about this many entries (they are for people to inspect).
const DEAD_LETTER_MAX_LEN: usize = 10_000;

/// A Redis Streams transport; clones share one multiplexed connection.
#[derive(Clone)]
pub struct StreamsTransport {
    client: redis::Client,
    conn: ConnectionManager,
    settings: Arc<TransportSettings>,
    published: Arc<AtomicU64>,
}

impl StreamsTransport {
    /// Prepares the transport; the connection is made on first use and re-made after failures.
    pub fn connect(settings: &TransportSettings) -> Result<Self, TransportError> {
        let client = redis::Client::open(settings.url.as_str())?;
        let conn = manager(&client, settings, Some(settings.op_timeout))?;
        Ok(Self {
            client,
            conn,
            settings: Arc::new(settings.clone()),
            published: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Joins a consumer group on its own connection (blocking reads must not hold up publishes).
    pub async fn subscriber(
        &self,
        group: &ConsumerGroup,
    ) -> Result<StreamsSubscriber, TransportError> {
        // No response timeout on this connection: reads block on purpose; every call is bounded
        // by `with_timeout` instead.
        let conn = manager(&self.client, &self.settings, None)?;
        let mut subscriber = StreamsSubscriber {
            conn,
            settings: self.settings.clone(),
            keys: group
                .topics
                .iter()
                .map(|t| format!("{}{t}", self.settings.key_prefix))
                .collect(),
            group: group.clone(),
            last_reclaim: None,
            groups_ready: false,
        };
        // Create the groups now when Redis is up, so events published before the first fetch are
        // kept for this group; if Redis is down, `fetch` retries.
        if subscriber.ensure_groups().await.is_ok() {
            subscriber.groups_ready = true;
        }
        Ok(subscriber)
    }

    /// Checks Redis answers.
    pub async fn ping(&self) -> Result<(), TransportError> {
        ping(&self.conn, &self.settings).await
    }

    /// The newest dead letters of `topic`.
    pub async fn dead_letters(
        &self,
        topic: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, TransportError> {
        read_dead_letters(&self.conn, &self.settings, topic, max).await
    }

    /// Trims `topic` now (publishing does this by itself every so often); returns entries removed.
    pub async fn trim(&self, topic: &str) -> Result<usize, TransportError> {
        let key = format!("{}{topic}", self.settings.key_prefix);
        let mut conn = self.conn.clone();
        with_timeout(
            self.settings.op_timeout,
            trim(&mut conn, &key, self.settings.max_stream_len),
        )
        .await?
    }

    /// How often publishing trims: roughly every tenth of the cap, at least every 1,000 events.
    fn trim_interval(&self) -> u64 {
        (self.settings.max_stream_len as u64 / 10).clamp(1, 1_000)
    }
}

#[async_trait]
impl Publisher for StreamsTransport {
    async fn publish_encoded(
        &self,
        topic: &str,
        payloads: &[Vec<u8>],
    ) -> Result<(), TransportError> {
        if payloads.is_empty() {
            return Ok(());
        }
        let key = format!("{}{topic}", self.settings.key_prefix);
        let mut pipe = redis::pipe();
        for payload in payloads {
            pipe.cmd("XADD")
                .arg(&key)
                .arg("*")
                .arg(EVENT_FIELD)
                .arg(payload.as_slice())
                .ignore();
        }
        let mut conn = self.conn.clone();
        with_timeout(self.settings.op_timeout, pipe.query_async::<()>(&mut conn)).await??;

        let n = payloads.len() as u64;
        let before = self.published.fetch_add(n, Ordering::Relaxed);
        let every = self.trim_interval();
        if before / every != (before + n) / every {
            // Trimming is housekeeping: a failure here must not turn a successful publish into an
            // error the caller would retry (and so duplicate).
            let trimmed = with_timeout(
                self.settings.op_timeout,
                trim(&mut conn, &key, self.settings.max_stream_len),
            )
            .await
            .and_then(|r| r);
            if let Err(error) = trimmed {
                tracing::warn!(%error, stream = %key, "could not trim stream");
            }
        }
        Ok(())
    }
}

/// A member of a consumer group reading one or more streams.
pub struct StreamsSubscriber {
    conn: ConnectionManager,
    settings: Arc<TransportSettings>,
    group: ConsumerGroup,
    keys: Vec<String>,
    last_reclaim: Option<Instant>,
    groups_ready: bool,
}

impl StreamsSubscriber {
    async fn ensure_groups(&mut self) -> Result<(), TransportError> {
        for key in &self.keys {
            // Start at 0 so a group created after events were published still receives them.
            let created: Result<(), redis::RedisError> = with_timeout(
                self.settings.op_timeout,
                self.conn
                    .xgroup_create_mkstream(key, &self.group.group, "0"),
            )
            .await?;
            match created {
                Ok(()) => {}
                Err(e) if e.code() == Some("BUSYGROUP") => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn topic_of<'a>(&self, key: &'a str) -> &'a str {
        key.strip_prefix(self.settings.key_prefix.as_str())
            .unwrap_or(key)
    }

    fn message(&self, key: &str, entry: StreamId, deliveries: u32) -> Message {
        let payload = match entry.map.get(EVENT_FIELD) {
            Some(Value::BulkString(bytes)) => bytes.clone(),
            Some(Value::SimpleString(s)) => s.clone().into_bytes(),
            _ => Vec::new(),
        };
        Message {
            tag: DeliveryTag {
                topic: self.topic_of(key).to_owned(),
                id: entry.id,
            },
            payload,
            deliveries,
        }
    }

    /// Takes over messages left pending too long by any consumer of the group.
    async fn reclaim(&mut self, max: usize) -> Result<Vec<Message>, TransportError> {
        let min_idle = self.group.reclaim_idle.as_millis() as u64;
        let mut out = Vec::new();
        for key in self.keys.clone() {
            if out.len() >= max {
                break;
            }
            let reply: StreamAutoClaimReply = with_timeout(
                self.settings.op_timeout,
                self.conn.xautoclaim_options(
                    &key,
                    &self.group.group,
                    &self.group.consumer,
                    min_idle,
                    "0-0",
                    StreamAutoClaimOptions::default().count(max - out.len()),
                ),
            )
            .await??;
            if reply.claimed.is_empty() {
                continue;
            }
            // XAUTOCLAIM does not report delivery counts; ask the pending list for each id.
            let mut pipe = redis::pipe();
            for entry in &reply.claimed {
                pipe.cmd("XPENDING")
                    .arg(&key)
                    .arg(&self.group.group)
                    .arg(&entry.id)
                    .arg(&entry.id)
                    .arg(1)
                    .arg(&self.group.consumer);
            }
            let counts: Vec<StreamPendingCountReply> =
                with_timeout(self.settings.op_timeout, pipe.query_async(&mut self.conn)).await??;
            let counts: HashMap<String, usize> = counts
                .into_iter()
                .flat_map(|r| r.ids)
                .map(|p| (p.id, p.times_delivered))
                .collect();
            for entry in reply.claimed {
                let deliveries = counts.get(&entry.id).copied().unwrap_or(2);
                let message =
                    self.message(&key, entry, u32::try_from(deliveries).unwrap_or(u32::MAX));
                out.push(message);
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Subscriber for StreamsSubscriber {
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Message>, TransportError> {
        let max = max.max(1);
        if !self.groups_ready {
            self.ensure_groups().await?;
            self.groups_ready = true;
        }
        let reclaim_due = self
            .last_reclaim
            .is_none_or(|t| t.elapsed() >= self.group.reclaim_every);
        if reclaim_due {
            self.last_reclaim = Some(Instant::now());
            let reclaimed = self.reclaim(max).await?;
            if !reclaimed.is_empty() {
                return Ok(reclaimed);
            }
        }

        let options = StreamReadOptions::default()
            .group(&self.group.group, &self.group.consumer)
            .count(max)
            .block(wait.as_millis().max(1) as usize);
        let ids = vec![">"; self.keys.len()];
        let read: Result<Option<StreamReadReply>, redis::RedisError> = with_timeout(
            wait + self.settings.op_timeout,
            self.conn.xread_options(&self.keys, &ids, &options),
        )
        .await?;
        let reply = match read {
            Ok(reply) => reply,
            // The stream or group vanished (e.g. Redis restarted without persistence): recreate.
            Err(e) if e.code() == Some("NOGROUP") => {
                self.groups_ready = false;
                return Ok(Vec::new());
            }
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for stream in reply.map(|r| r.keys).unwrap_or_default() {
            for entry in stream.ids {
                out.push(self.message(&stream.key, entry, 1));
            }
        }
        Ok(out)
    }

    async fn ack(&mut self, tags: &[DeliveryTag]) -> Result<(), TransportError> {
        if tags.is_empty() {
            return Ok(());
        }
        let mut by_topic: HashMap<&str, Vec<&str>> = HashMap::new();
        for tag in tags {
            by_topic.entry(&tag.topic).or_default().push(&tag.id);
        }
        let mut pipe = redis::pipe();
        for (topic, ids) in by_topic {
            pipe.cmd("XACK")
                .arg(format!("{}{topic}", self.settings.key_prefix))
                .arg(&self.group.group)
                .arg(ids)
                .ignore();
        }
        with_timeout(
            self.settings.op_timeout,
            pipe.query_async::<()>(&mut self.conn),
        )
        .await??;
        Ok(())
    }

    async fn dead_letter(&mut self, message: &Message, reason: &str) -> Result<(), TransportError> {
        let settings = self.settings.clone();
        write_dead_letter(
            &mut self.conn,
            &settings,
            &self.group.group,
            message,
            reason,
            true,
        )
        .await
    }
}

/// A connection manager that reconnects by itself and gives up quickly while Redis is down.
pub(crate) fn manager(
    client: &redis::Client,
    settings: &TransportSettings,
    response_timeout: Option<Duration>,
) -> Result<ConnectionManager, TransportError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(settings.op_timeout.min(Duration::from_secs(2))))
        .set_response_timeout(response_timeout)
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    Ok(ConnectionManager::new_lazy_with_config(
        client.clone(),
        config,
    )?)
}

/// Bounds a Redis call so a dead server gives an error instead of a hang.
pub(crate) async fn with_timeout<T, F>(limit: Duration, fut: F) -> Result<T, TransportError>
where
    F: Future<Output = T>,
{
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| TransportError::Timeout(limit))
}

pub(crate) async fn ping(
    conn: &ConnectionManager,
    settings: &TransportSettings,
) -> Result<(), TransportError> {
    let mut conn = conn.clone();
    let pong: String = with_timeout(
        settings.op_timeout,
        redis::cmd("PING").query_async(&mut conn),
    )
    .await??;
    if pong == "PONG" {
        Ok(())
    } else {
        Err(TransportError::Protocol(format!("PING answered {pong:?}")))
    }
}

/// Appends `message` to its topic's dead-letter stream (and acknowledges it, for Streams) in one
/// MULTI, so a crash cannot lose it between the two.
pub(crate) async fn write_dead_letter(
    conn: &mut ConnectionManager,
    settings: &TransportSettings,
    group: &str,
    message: &Message,
    reason: &str,
    acknowledge: bool,
) -> Result<(), TransportError> {
    let dead_key = format!(
        "{}{}",
        settings.key_prefix,
        topic::dead_letter(&message.tag.topic)
    );
    let mut pipe = redis::pipe();
    pipe.atomic();
    pipe.cmd("XADD")
        .arg(&dead_key)
        .arg("MAXLEN")
        .arg("~")
        .arg(DEAD_LETTER_MAX_LEN)
        .arg("*")
        .arg(EVENT_FIELD)
        .arg(message.payload.as_slice())
        .arg("reason")
        .arg(reason)
        .arg("topic")
        .arg(&message.tag.topic)
        .arg("original_id")
        .arg(&message.tag.id)
        .arg("group")
        .arg(group)
        .arg("deliveries")
        .arg(message.deliveries)
        .arg("failed_at")
        .arg(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true))
        .ignore();
    if acknowledge {
        pipe.cmd("XACK")
            .arg(format!("{}{}", settings.key_prefix, message.tag.topic))
            .arg(group)
            .arg(&message.tag.id)
            .ignore();
    }
    with_timeout(settings.op_timeout, pipe.query_async::<()>(conn)).await??;
    tracing::warn!(topic = %message.tag.topic, id = %message.tag.id, %reason, "message dead-lettered");
    Ok(())
}

pub(crate) async fn read_dead_letters(
    conn: &ConnectionManager,
    settings: &TransportSettings,
    topic: &str,
    max: usize,
) -> Result<Vec<DeadLetter>, TransportError> {
    let dead_key = format!("{}{}", settings.key_prefix, topic::dead_letter(topic));
    let mut conn = conn.clone();
    let reply: StreamRangeReply = with_timeout(
        settings.op_timeout,
        conn.xrevrange_count(&dead_key, "+", "-", max),
    )
    .await??;
    Ok(reply
        .ids
        .into_iter()
        .map(|entry| {
            let text = |field: &str| match entry.map.get(field) {
                Some(Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
                Some(Value::SimpleString(s)) => s.clone(),
                _ => String::new(),
            };
            DeadLetter {
                topic: text("topic"),
                original_id: text("original_id"),
                group: text("group"),
                reason: text("reason"),
                deliveries: text("deliveries").parse().unwrap_or(0),
                failed_at: DateTime::parse_from_rfc3339(&text("failed_at"))
                    .ok()
                    .map(|t| t.with_timezone(&Utc)),
                payload: match entry.map.get(EVENT_FIELD) {
                    Some(Value::BulkString(b)) => b.clone(),
                    _ => Vec::new(),
                },
                id: entry.id,
            }
        })
        .collect())
}

/// A stream entry id, ordered as Redis orders them.
fn parse_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// Trims `key` once it is longer than `max_len`, removing only entries every consumer group has
/// acknowledged. Without groups (nobody consumes yet) it keeps the newest `max_len`.
pub(crate) async fn trim(
    conn: &mut ConnectionManager,
    key: &str,
    max_len: usize,
) -> Result<usize, TransportError> {
    let len: usize = conn.xlen(key).await?;
    if len <= max_len {
        return Ok(0);
    }
    let groups: StreamInfoGroupsReply = conn.xinfo_groups(key).await?;
    if groups.groups.is_empty() {
        let removed: usize = redis::cmd("XTRIM")
            .arg(key)
            .arg("MAXLEN")
            .arg("=")
            .arg(max_len)
            .query_async(conn)
            .await?;
        return Ok(removed);
    }
    // The oldest entry some group still needs: its first pending entry, or the first entry after
    // the last one it was given.
    let mut floor: Option<(u64, u64)> = None;
    for group in &groups.groups {
        let needed = if group.pending > 0 {
            let pending: StreamPendingReply = conn.xpending(key, &group.name).await?;
            match pending {
                StreamPendingReply::Data(data) => parse_id(&data.start_id),
                _ => parse_id(&group.last_delivered_id).map(|(ms, seq)| (ms, seq + 1)),
            }
        } else {
            parse_id(&group.last_delivered_id).map(|(ms, seq)| (ms, seq + 1))
        };
        let needed = needed.ok_or_else(|| {
            TransportError::Protocol(format!("group {} reports an unreadable id", group.name))
        })?;
        floor = Some(floor.map_or(needed, |f| f.min(needed)));
    }
    let Some((ms, seq)) = floor else { return Ok(0) };
    let removed: usize = redis::cmd("XTRIM")
        .arg(key)
        .arg("MINID")
        .arg("=")
        .arg(format!("{ms}-{seq}"))
        .query_async(conn)
        .await?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn stream_ids_parse_and_order_like_redis() {
        assert_eq!(parse_id("1732185600000-7"), Some((1_732_185_600_000, 7)));
        assert_eq!(parse_id("5"), Some((5, 0)));
        assert_eq!(parse_id("x-1"), None);
        assert!(parse_id("10-2") < parse_id("10-10"));
        assert!(parse_id("9-99") < parse_id("10-0"));
    }
}
