//! Transports: how encoded events travel between the services.
//!
//! Three implementations share the [`Publisher`] and [`Subscriber`] traits:
//!
//! * [`streams`] — Redis Streams with consumer groups (the default): durable, at-least-once,
//!   acknowledged after the handler succeeds, idle messages reclaimed with `XAUTOCLAIM`.
//! * [`redis_pubsub`] — classic Redis Pub/Sub: at-most-once, nothing is kept for an absent
//!   subscriber. Chosen with `PUBSUB_TRANSPORT=pubsub` by deployments that want the original
//!   system's behaviour.
//! * [`memory`] — an in-process broker with the same semantics as Streams, for unit tests and the
//!   one-process mode (`REDIS_URL=memory://`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::event::{DecodeError, EncodeError, Event};

mod args;
pub mod memory;
pub mod redis_pubsub;
pub mod streams;

pub use args::TransportArgs;

/// One message taken off a topic, not yet decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Identifies the message for [`Subscriber::ack`] and [`Subscriber::dead_letter`].
    pub tag: DeliveryTag,
    /// The bytes as published (empty when the entry had no `event` field).
    pub payload: Vec<u8>,
    /// How many times this message has been handed to a consumer, 1 on first delivery.
    pub deliveries: u32,
}

impl Message {
    /// Decodes the payload as a CloudEvent.
    pub fn decode(&self) -> Result<Event, DecodeError> {
        Event::decode(&self.payload)
    }
}

/// Where a message came from: its topic (without key prefix) and its id there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryTag {
    /// The topic, e.g. `ebay-alerts.product-prices`.
    pub topic: String,
    /// The transport's id, e.g. a stream entry id `1732185600000-0`.
    pub id: String,
}

/// A message moved aside because it could not be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Id of the entry in the dead-letter stream.
    pub id: String,
    /// The topic it was taken from.
    pub topic: String,
    /// Its id on that topic.
    pub original_id: String,
    /// The consumer group that gave up on it.
    pub group: String,
    /// Why, as a human sentence.
    pub reason: String,
    /// How many times it had been delivered.
    pub deliveries: u32,
    /// When it was moved.
    pub failed_at: Option<DateTime<Utc>>,
    /// The bytes as published.
    pub payload: Vec<u8>,
}

/// A failure of the transport itself (not of the message).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Redis answered with an error or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer in time; the operation may or may not have happened.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    /// A reply did not have the expected shape.
    #[error("unexpected reply from redis: {0}")]
    Protocol(String),
    /// The settings cannot work (e.g. an unknown URL scheme).
    #[error("{0}")]
    Config(String),
}

/// Why an event could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The event could not be serialised.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The event's type has no topic (an unknown payload cannot be re-published by type).
    #[error("event type {0:?} has no topic")]
    NoTopic(String),
    /// The transport failed; nothing or only part of a batch may have been published.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Sends encoded events to a topic.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes already-encoded events, in order, as one round trip where the transport allows.
    ///
    /// Returns an error (never blocks forever) when the broker is unreachable; the caller keeps
    /// the events and retries.
    async fn publish_encoded(
        &self,
        topic: &str,
        payloads: &[Vec<u8>],
    ) -> Result<(), TransportError>;

    /// Publishes one event on the topic of its type.
    async fn publish(&self, event: &Event) -> Result<(), PublishError> {
        let topic = event
            .payload
            .topic()
            .ok_or_else(|| PublishError::NoTopic(event.event_type().to_owned()))?;
        let bytes = event.encode()?;
        Ok(self
            .publish_encoded(topic, std::slice::from_ref(&bytes))
            .await?)
    }

    /// Publishes many events on one topic in one batch, in order.
    async fn publish_batch(&self, topic: &str, events: &[Event]) -> Result<(), PublishError> {
        let payloads = events
            .iter()
            .map(Event::encode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.publish_encoded(topic, &payloads).await?)
    }
}

/// Takes messages off one or more topics as a member of a consumer group.
#[async_trait]
pub trait Subscriber: Send {
    /// Waits up to `wait` for messages and returns at most `max` of them: messages other
    /// consumers (or this one) left unacknowledged for too long first, then new ones.
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Message>, TransportError>;

    /// Marks messages as processed so they are never delivered again.
    async fn ack(&mut self, tags: &[DeliveryTag]) -> Result<(), TransportError>;

    /// Moves a message to its topic's dead-letter stream with the reason, and acknowledges it.
    async fn dead_letter(&mut self, message: &Message, reason: &str) -> Result<(), TransportError>;
}

/// Which Redis mechanism carries events (`PUBSUB_TRANSPORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransportKind {
    /// Redis Streams with consumer groups: durable, at-least-once (the default).
    #[default]
    Streams,
    /// Redis Pub/Sub: fire-and-forget, at-most-once.
    PubSub,
}

impl FromStr for TransportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "streams" | "stream" => Ok(Self::Streams),
            "pubsub" | "pub/sub" => Ok(Self::PubSub),
            other => Err(format!(
                "unknown transport {other:?}: use `streams` (durable, the default) or `pubsub`"
            )),
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Streams => "streams",
            Self::PubSub => "pubsub",
        })
    }
}

/// Everything needed to reach the broker.
#[derive(Clone)]
pub struct TransportSettings {
    /// `redis://…`, `rediss://…`, or `memory://` for the in-process broker.
    pub url: String,
    /// Streams or Pub/Sub (ignored for `memory://`).
    pub kind: TransportKind,
    /// Prepended to every Redis key and channel; lets tests and tenants share one Redis.
    pub key_prefix: String,
    /// Streams are trimmed to about this many entries, never dropping unacknowledged ones.
    pub max_stream_len: usize,
    /// Bound on any single Redis operation, so a dead Redis gives an error instead of a hang.
    pub op_timeout: Duration,
}

// By hand, because the URL may carry Redis's password and settings end up in log lines.
impl fmt::Debug for TransportSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportSettings")
            .field("url", &"[redacted]")
            .field("kind", &self.kind)
            .field("key_prefix", &self.key_prefix)
            .field("max_stream_len", &self.max_stream_len)
            .field("op_timeout", &self.op_timeout)
            .finish()
    }
}

impl TransportSettings {
    /// Settings with defaults for everything but the URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            kind: TransportKind::Streams,
            key_prefix: String::new(),
            max_stream_len: 10_000,
            op_timeout: Duration::from_secs(5),
        }
    }

    /// The same settings with another transport kind.
    pub fn with_kind(mut self, kind: TransportKind) -> Self {
        self.kind = kind;
        self
    }

    /// The same settings with a key prefix.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }
}

/// How a subscriber joins: its group, its own name and its topics.
#[derive(Debug, Clone)]
pub struct ConsumerGroup {
    /// Consumers in one group share the messages; each message goes to one of them.
    pub group: String,
    /// Unique per process, so a dead process's messages can be told apart and reclaimed.
    pub consumer: String,
    /// Topics to read, without key prefix.
    pub topics: Vec<String>,
    /// A message unacknowledged for this long is taken over by whichever consumer asks next.
    pub reclaim_idle: Duration,
    /// How often a consumer looks for such messages.
    pub reclaim_every: Duration,
}

impl ConsumerGroup {
    /// A group member with a unique consumer name and default reclaim timings (60 s idle).
    pub fn new(group: impl Into<String>, topics: &[&str]) -> Self {
        let short = uuid::Uuid::new_v4().simple().to_string();
        Self {
            group: group.into(),
            consumer: format!("{}-{}", std::process::id(), &short[..8]),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            reclaim_idle: Duration::from_secs(60),
            reclaim_every: Duration::from_secs(5),
        }
    }

    /// The same member with other reclaim timings.
    pub fn with_reclaim(mut self, idle: Duration, every: Duration) -> Self {
        self.reclaim_idle = idle;
        self.reclaim_every = every;
        self
    }

    /// The same member under another consumer name.
    pub fn with_consumer(mut self, consumer: impl Into<String>) -> Self {
        self.consumer = consumer.into();
        self
    }
}

/// A connected transport; cheap to clone, shared by publishers and subscribers.
#[derive(Clone)]
pub enum Transport {
    /// Redis Streams.
    Streams(streams::StreamsTransport),
    /// Redis Pub/Sub.
    PubSub(redis_pubsub::PubSubTransport),
    /// The in-process broker.
    Memory(memory::MemoryBroker),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Streams(_) => "Transport::Streams",
            Self::PubSub(_) => "Transport::PubSub",
            Self::Memory(_) => "Transport::Memory",
        })
    }
}

impl Transport {
    /// Prepares a transport from settings. Redis is connected lazily, so a service can start
    /// (and report itself not ready) while Redis is down.
    pub fn connect(settings: &TransportSettings) -> Result<Self, TransportError> {
        let url = settings.url.trim();
        if url.starts_with("memory:") {
            return Ok(Self::Memory(memory::MemoryBroker::new(
                settings.max_stream_len,
            )));
        }
        if !(url.starts_with("redis://")
            || url.starts_with("rediss://")
            || url.starts_with("unix://"))
        {
            return Err(TransportError::Config(format!(
                "REDIS_URL must start with redis://, rediss:// or memory:// (got {url:?})"
            )));
        }
        Ok(match settings.kind {
            TransportKind::Streams => Self::Streams(streams::StreamsTransport::connect(settings)?),
            TransportKind::PubSub => {
                Self::PubSub(redis_pubsub::PubSubTransport::connect(settings)?)
            }
        })
    }

    /// A publisher sharing this transport's connection.
    pub fn publisher(&self) -> Arc<dyn Publisher> {
        match self {
            Self::Streams(t) => Arc::new(t.clone()),
            Self::PubSub(t) => Arc::new(t.clone()),
            Self::Memory(t) => Arc::new(t.clone()),
        }
    }

    /// A subscriber joining `group`; it has its own connection so blocking reads never delay
    /// publishing.
    pub async fn subscriber(
        &self,
        group: &ConsumerGroup,
    ) -> Result<Box<dyn Subscriber>, TransportError> {
        Ok(match self {
            Self::Streams(t) => Box::new(t.subscriber(group).await?),
            Self::PubSub(t) => Box::new(t.subscriber(group).await?),
            Self::Memory(t) => Box::new(t.subscriber(group)),
        })
    }

    /// Checks the broker answers (for readiness probes).
    pub async fn ping(&self) -> Result<(), TransportError> {
        match self {
            Self::Streams(t) => t.ping().await,
            Self::PubSub(t) => t.ping().await,
            Self::Memory(_) => Ok(()),
        }
    }

    /// The most recent dead letters of `topic`, newest first (for operators and tests).
    pub async fn dead_letters(
        &self,
        topic: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, TransportError> {
        match self {
            Self::Streams(t) => t.dead_letters(topic, max).await,
            Self::PubSub(t) => t.dead_letters(topic, max).await,
            Self::Memory(t) => Ok(t.dead_letters(topic, max)),
        }
    }
}
