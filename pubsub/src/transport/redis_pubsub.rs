//! Classic Redis Pub/Sub: fire-and-forget, at-most-once.
//!
//! Kept for deployments that want the original system's behaviour (`PUBSUB_TRANSPORT=pubsub`).
//! A message published while no subscriber is connected is gone, and acknowledging is a no-op.
//! Dead letters still go to the durable `<topic>.dead` stream so nothing rejected is silently lost.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, watch};

use super::streams::{manager, ping, read_dead_letters, with_timeout, write_dead_letter};
use super::{
    ConsumerGroup, DeadLetter, DeliveryTag, Message, Publisher, Subscriber, TransportError,
    TransportSettings,
};

/// How many received messages may wait for `fetch` before the reader stops reading.
const BUFFER: usize = 10_000;

/// A Redis Pub/Sub transport.
#[derive(Clone)]
pub struct PubSubTransport {
    client: redis::Client,
    conn: ConnectionManager,
    settings: Arc<TransportSettings>,
}

impl PubSubTransport {
    /// Prepares the transport; the connection is made on first use.
    pub fn connect(settings: &TransportSettings) -> Result<Self, TransportError> {
        let client = redis::Client::open(settings.url.as_str())?;
        let conn = manager(&client, settings, Some(settings.op_timeout))?;
        Ok(Self {
            client,
            conn,
            settings: Arc::new(settings.clone()),
        })
    }

    /// Subscribes to the group's topics. Waits (up to the operation timeout) until the
    /// subscription is active, then keeps it alive in the background, re-subscribing after
    /// connection loss.
    pub async fn subscriber(
        &self,
        group: &ConsumerGroup,
    ) -> Result<PubSubSubscriber, TransportError> {
        let (tx, rx) = mpsc::channel(BUFFER);
        let (subscribed_tx, mut subscribed_rx) = watch::channel(false);
        let channels: Vec<String> = group
            .topics
            .iter()
            .map(|t| format!("{}{t}", self.settings.key_prefix))
            .collect();
        tokio::spawn(read_forever(
            self.client.clone(),
            channels,
            self.settings.clone(),
            tx,
            subscribed_tx,
        ));
        let _ =
            tokio::time::timeout(self.settings.op_timeout, subscribed_rx.wait_for(|s| *s)).await;
        Ok(PubSubSubscriber {
            rx,
            conn: self.conn.clone(),
            settings: self.settings.clone(),
            group: group.group.clone(),
            next_id: 0,
        })
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
}

/// Keeps one subscription alive until the subscriber is dropped.
async fn read_forever(
    client: redis::Client,
    channels: Vec<String>,
    settings: Arc<TransportSettings>,
    tx: mpsc::Sender<(String, Vec<u8>)>,
    subscribed: watch::Sender<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    while !tx.is_closed() {
        let connected = with_timeout(settings.op_timeout, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channels).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        let pubsub = match connected {
            Ok(Ok(pubsub)) => pubsub,
            Ok(Err(error)) => {
                tracing::warn!(%error, "pub/sub subscribe failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "pub/sub subscribe timed out; retrying");
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        let _ = subscribed.send(true);
        let mut messages = pubsub.into_on_message();
        loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => {
                        let topic = message.get_channel_name().to_owned();
                        if tx.send((topic, message.get_payload_bytes().to_vec())).await.is_err() {
                            return;
                        }
                    }
                    None => break,
                },
                () = tx.closed() => return,
            }
        }
        let _ = subscribed.send(false);
        tracing::warn!(
            "pub/sub connection lost; re-subscribing (messages published meanwhile are lost)"
        );
    }
}

#[async_trait]
impl Publisher for PubSubTransport {
    async fn publish_encoded(
        &self,
        topic: &str,
        payloads: &[Vec<u8>],
    ) -> Result<(), TransportError> {
        if payloads.is_empty() {
            return Ok(());
        }
        let channel = format!("{}{topic}", self.settings.key_prefix);
        let mut pipe = redis::pipe();
        for payload in payloads {
            pipe.cmd("PUBLISH")
                .arg(&channel)
                .arg(payload.as_slice())
                .ignore();
        }
        let mut conn = self.conn.clone();
        with_timeout(self.settings.op_timeout, pipe.query_async::<()>(&mut conn)).await??;
        Ok(())
    }
}

/// Receives what is published while it is subscribed.
pub struct PubSubSubscriber {
    rx: mpsc::Receiver<(String, Vec<u8>)>,
    conn: ConnectionManager,
    settings: Arc<TransportSettings>,
    group: String,
    next_id: u64,
}

impl PubSubSubscriber {
    fn message(&mut self, (channel, payload): (String, Vec<u8>)) -> Message {
        self.next_id += 1;
        let topic = channel
            .strip_prefix(self.settings.key_prefix.as_str())
            .unwrap_or(&channel)
            .to_owned();
        Message {
            tag: DeliveryTag {
                topic,
                id: self.next_id.to_string(),
            },
            payload,
            deliveries: 1,
        }
    }
}

#[async_trait]
impl Subscriber for PubSubSubscriber {
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Message>, TransportError> {
        let mut out = Vec::new();
        let first = match tokio::time::timeout(wait, self.rx.recv()).await {
            Ok(Some(first)) => first,
            Ok(None) | Err(_) => return Ok(out),
        };
        out.push(self.message(first));
        while out.len() < max.max(1) {
            match self.rx.try_recv() {
                Ok(next) => {
                    let message = self.message(next);
                    out.push(message);
                }
                Err(_) => break,
            }
        }
        Ok(out)
    }

    async fn ack(&mut self, _tags: &[DeliveryTag]) -> Result<(), TransportError> {
        // At-most-once: the message left Redis when it was published.
        Ok(())
    }

    async fn dead_letter(&mut self, message: &Message, reason: &str) -> Result<(), TransportError> {
        let settings = self.settings.clone();
        write_dead_letter(
            &mut self.conn,
            &settings,
            &self.group,
            message,
            reason,
            false,
        )
        .await
    }
}
