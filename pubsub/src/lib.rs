//! What crosses between the eBay Alerts services, and how it travels.
//!
//! Both services depend on this crate so there is exactly one definition of every event:
//! `alerts-service` publishes [`Event`]s through a [`Publisher`]; `analytics-service` consumes
//! them through a [`Subscriber`] driven by [`consumer::run`]. In the other direction
//! analytics-service publishes `insight.generated` ([`InsightGenerated`]) on
//! [`topic::INSIGHTS`], which alerts-service consumes the same way.
//!
//! # Layout
//!
//! * [`event_type`] — the CloudEvents `type` of each event (a leaf both modules below use).
//! * [`event`] — the CloudEvents 1.0 envelope (JSON structured mode), encoding and decoding.
//! * [`payload`] — the typed `data` of each event type and the version policy for changing them.
//! * [`topic`] — topic names and their dead-letter streams.
//! * [`transport`] — the [`Publisher`] / [`Subscriber`] traits and the Redis Streams, Redis
//!   Pub/Sub and in-memory transports.
//! * [`consumer`] — the fetch → handle → acknowledge / retry / dead-letter loop.
//! * [`insights`] — the JSON of analytics-service's insights read API (not an event, but shared
//!   by both services the same way); only the wire types, analytics keeps its own rules.
//! * `fixtures` — sample events for tests and benchmarks, only with the `test-fixtures`
//!   feature (enable it in `[dev-dependencies]`).
//!
//! # Delivery guarantees
//!
//! With Redis Streams (the default) and the in-memory broker, delivery is at-least-once: a message
//! is acknowledged only after its handler succeeded, a message left unacknowledged by a crashed
//! consumer is reclaimed by another after an idle time, and a message that keeps failing (or
//! cannot be decoded) is moved to `<topic>.dead` with the reason so it never blocks the stream.
//! Consumers must therefore be idempotent (deduplicate on [`Event::id`]). With Redis Pub/Sub,
//! delivery is at-most-once.

pub mod consumer;
pub mod event;
pub mod event_type;
#[cfg(feature = "test-fixtures")]
pub mod fixtures;
pub mod insights;
pub mod payload;
pub mod topic;
pub mod transport;

pub use consumer::{ConsumerOptions, Disposition, Handler, Incoming, PollReport};
pub use event::{DecodeError, EncodeError, Event};
pub use payload::{
    AlertChanged, AlertDeleted, AlertSnapshot, BuyingOptionsFilter, ConditionFilter, InsightDeal,
    InsightGenerated, Money, ObservedItem, Payload, ProductsObserved,
};
pub use transport::{
    ConsumerGroup, DeadLetter, DeliveryTag, Message, PublishError, Publisher, Subscriber,
    Transport, TransportError, TransportKind, TransportSettings,
};
