//! The consume loop: fetch a batch, decode, hand it to a handler, then acknowledge, retry or
//! dead-letter each message according to what the handler said.
//!
//! [`poll_once`] does one round and can be called directly from tests; [`run`] repeats it until
//! shutdown, backing off while the broker is unreachable.

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;

use crate::event::Event;
use crate::transport::{DeliveryTag, Subscriber, TransportError};

/// Tuning of the consume loop.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// The most messages handed to the handler at once.
    pub batch_size: usize,
    /// How long one fetch waits for messages.
    pub wait: Duration,
    /// A message that failed this many deliveries goes to the dead-letter stream.
    pub max_deliveries: u32,
    /// Pause after a transport error before trying again.
    pub error_backoff: Duration,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        Self {
            batch_size: 256,
            wait: Duration::from_secs(2),
            max_deliveries: 5,
            error_backoff: Duration::from_secs(1),
        }
    }
}

/// One decoded message given to a [`Handler`].
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Identifies the message; handlers may use `tag.topic`.
    pub tag: DeliveryTag,
    /// 1 on first delivery; more when it was redelivered after a failure or a crash.
    pub deliveries: u32,
    /// The event.
    pub event: Event,
}

/// What to do with one message after handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Processed (or deliberately ignored): acknowledge it.
    Done,
    /// A passing failure (e.g. the database is down): leave it pending to be redelivered; after
    /// [`ConsumerOptions::max_deliveries`] it is dead-lettered with this reason.
    Retry(String),
    /// It can never be processed (e.g. invalid content): dead-letter it now with this reason.
    Reject(String),
}

/// Processes batches of events.
#[async_trait]
pub trait Handler: Send {
    /// Handles a batch; returns one disposition per event, in the same order. A missing
    /// disposition counts as [`Disposition::Retry`].
    async fn handle(&mut self, batch: &[Incoming]) -> Vec<Disposition>;
}

/// What one [`poll_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Messages fetched.
    pub received: usize,
    /// Messages acknowledged after handling.
    pub done: usize,
    /// Messages left pending for another try.
    pub retried: usize,
    /// Messages moved to the dead-letter stream.
    pub dead_lettered: usize,
}

impl std::ops::AddAssign for PollReport {
    fn add_assign(&mut self, other: Self) {
        self.received += other.received;
        self.done += other.done;
        self.retried += other.retried;
        self.dead_lettered += other.dead_lettered;
    }
}

/// Fetches one batch and disposes of every message in it.
pub async fn poll_once(
    subscriber: &mut dyn Subscriber,
    handler: &mut dyn Handler,
    options: &ConsumerOptions,
) -> Result<PollReport, TransportError> {
    let messages = subscriber.fetch(options.batch_size, options.wait).await?;
    let mut report = PollReport {
        received: messages.len(),
        ..PollReport::default()
    };
    let mut batch = Vec::with_capacity(messages.len());
    let mut originals = Vec::with_capacity(messages.len());
    for message in messages {
        if message.deliveries > options.max_deliveries {
            // Delivered too often without an answer: the consumer probably crashed on it.
            let reason = format!(
                "delivered {} times without being acknowledged (a consumer may have crashed while handling it)",
                message.deliveries
            );
            subscriber.dead_letter(&message, &reason).await?;
            report.dead_lettered += 1;
            continue;
        }
        match message.decode() {
            Ok(event) => {
                batch.push(Incoming {
                    tag: message.tag.clone(),
                    deliveries: message.deliveries,
                    event,
                });
                originals.push(message);
            }
            Err(error) => {
                subscriber.dead_letter(&message, &error.to_string()).await?;
                report.dead_lettered += 1;
            }
        }
    }
    if batch.is_empty() {
        return Ok(report);
    }

    let dispositions = handler.handle(&batch).await;
    let mut done = Vec::new();
    for (index, message) in originals.iter().enumerate() {
        let disposition = dispositions
            .get(index)
            .cloned()
            .unwrap_or_else(|| Disposition::Retry("the handler gave no answer".into()));
        match disposition {
            Disposition::Done => done.push(message.tag.clone()),
            Disposition::Reject(reason) => {
                subscriber.dead_letter(message, &reason).await?;
                report.dead_lettered += 1;
            }
            Disposition::Retry(reason) if message.deliveries >= options.max_deliveries => {
                let reason = format!("failed {} times; last error: {reason}", message.deliveries);
                subscriber.dead_letter(message, &reason).await?;
                report.dead_lettered += 1;
            }
            Disposition::Retry(reason) => {
                tracing::warn!(topic = %message.tag.topic, id = %message.tag.id, %reason, "will retry message");
                report.retried += 1;
            }
        }
    }
    subscriber.ack(&done).await?;
    report.done = done.len();
    Ok(report)
}

/// Runs [`poll_once`] until `shutdown` completes. Shutdown is checked between batches, so a
/// batch in progress is always finished and acknowledged (it takes at most one fetch wait longer).
/// Transport errors are logged and retried after a pause.
pub async fn run(
    subscriber: &mut dyn Subscriber,
    handler: &mut dyn Handler,
    options: &ConsumerOptions,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    loop {
        if (&mut shutdown).now_or_never().is_some() {
            return;
        }
        if let Err(error) = poll_once(subscriber, handler, options).await {
            tracing::warn!(%error, "consumer could not reach the broker; retrying");
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(options.error_backoff) => {}
            }
        }
    }
}
