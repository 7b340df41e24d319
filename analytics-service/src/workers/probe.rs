//! Reads how far the consumer group is behind, for `/metrics`: pending and undelivered entries
//! per topic (`XINFO GROUPS`) and the length of each dead-letter stream (`XLEN`).
//!
//! pubsub's transports do not expose these numbers, so the probe keeps its own small Redis
//! connection; with the in-memory broker it asks the broker directly.

use std::time::Duration;

use pubsub::{Transport, TransportKind, topic};
use redis::streams::StreamInfoGroupsReply;
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::error::AppError;
use crate::metrics::Metrics;

/// The topics analytics consumes.
pub const TOPICS: [&str; 2] = [topic::ALERT_CONFIG, topic::PRODUCT_PRICES];

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the numbers come from.
pub struct ConsumerProbe {
    source: Source,
    group: String,
}

enum Source {
    Redis(Box<RedisSource>),
    Memory(pubsub::transport::memory::MemoryBroker),
}

struct RedisSource {
    client: redis::Client,
    connection: Mutex<Option<redis::aio::MultiplexedConnection>>,
    prefix: String,
    streams: bool,
}

impl std::fmt::Debug for ConsumerProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsumerProbe")
    }
}

impl ConsumerProbe {
    /// A probe for the transport the service consumes from.
    pub fn new(transport: &Transport, settings: &Settings) -> Result<Self, AppError> {
        let source = match transport {
            Transport::Memory(broker) => Source::Memory(broker.clone()),
            Transport::Streams(_) | Transport::PubSub(_) => Source::Redis(Box::new(RedisSource {
                client: redis::Client::open(settings.transport.url.as_str())
                    .map_err(|e| AppError::Transport(e.into()))?,
                connection: Mutex::new(None),
                prefix: settings.transport.key_prefix.clone(),
                streams: settings.transport.kind == TransportKind::Streams,
            })),
        };
        Ok(Self {
            source,
            group: settings.consumer.group.clone(),
        })
    }

    /// Updates the gauges; a failure (Redis down) leaves them as they were.
    pub async fn sample(&self, metrics: &Metrics) {
        match &self.source {
            Source::Memory(broker) => {
                for topic in TOPICS {
                    metrics
                        .consumer_pending
                        .with_label_values(&[topic])
                        .set(broker.pending(topic, &self.group) as i64);
                    metrics
                        .dead_letter_stream_length
                        .with_label_values(&[topic])
                        .set(broker.dead_letters(topic, usize::MAX).len() as i64);
                }
            }
            Source::Redis(redis) => {
                let sampled = tokio::time::timeout(
                    PROBE_TIMEOUT,
                    sample_redis(
                        &redis.client,
                        &redis.connection,
                        &redis.prefix,
                        redis.streams,
                        &self.group,
                        metrics,
                    ),
                )
                .await;
                if !matches!(sampled, Ok(Ok(()))) {
                    // Reconnect next time.
                    *redis.connection.lock().await = None;
                    tracing::debug!("could not read consumer lag from Redis");
                }
            }
        }
    }
}

async fn sample_redis(
    client: &redis::Client,
    connection: &Mutex<Option<redis::aio::MultiplexedConnection>>,
    prefix: &str,
    streams: bool,
    group: &str,
    metrics: &Metrics,
) -> Result<(), redis::RedisError> {
    let mut guard = connection.lock().await;
    if guard.is_none() {
        *guard = Some(client.get_multiplexed_async_connection().await?);
    }
    let Some(conn) = guard.as_mut() else {
        return Ok(());
    };
    for topic in TOPICS {
        let key = format!("{prefix}{topic}");
        let dead: i64 = redis::cmd("XLEN")
            .arg(format!("{prefix}{}", topic::dead_letter(topic)))
            .query_async(conn)
            .await?;
        metrics
            .dead_letter_stream_length
            .with_label_values(&[topic])
            .set(dead);
        if !streams {
            continue;
        }
        let exists: bool = redis::cmd("EXISTS").arg(&key).query_async(conn).await?;
        if !exists {
            continue;
        }
        let groups: StreamInfoGroupsReply = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&key)
            .query_async(conn)
            .await?;
        if let Some(info) = groups.groups.iter().find(|g| g.name == group) {
            metrics
                .consumer_pending
                .with_label_values(&[topic])
                .set(info.pending as i64);
            if let Some(lag) = info.lag {
                metrics
                    .consumer_lag
                    .with_label_values(&[topic])
                    .set(lag as i64);
            }
        }
    }
    Ok(())
}
