//! An in-process broker with the semantics of Redis Streams: consumer groups, acknowledgements,
//! reclaiming of idle messages, delivery counts, dead letters and trimming that keeps
//! unacknowledged messages.
//!
//! Used by unit tests and by the one-process mode (`REDIS_URL=memory://`), where both services
//! live in one process and share one broker. Nothing survives the process.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{
    ConsumerGroup, DeadLetter, DeliveryTag, Message, Publisher, Subscriber, TransportError,
};

/// The broker; clones share the same topics.
#[derive(Clone, Default)]
pub struct MemoryBroker {
    state: Arc<Mutex<State>>,
    published: Arc<Notify>,
}

#[derive(Default)]
struct State {
    max_len: usize,
    topics: HashMap<String, TopicLog>,
    dead: HashMap<String, Vec<DeadLetter>>,
}

#[derive(Default)]
struct TopicLog {
    next_seq: u64,
    entries: VecDeque<(u64, Arc<[u8]>)>,
    groups: HashMap<String, GroupState>,
}

#[derive(Default)]
struct GroupState {
    /// The highest sequence number handed to any consumer of the group.
    last_delivered: u64,
    pending: BTreeMap<u64, Pending>,
}

struct Pending {
    delivered_at: Instant,
    deliveries: u32,
}

impl MemoryBroker {
    /// An empty broker whose topics are trimmed to about `max_len` acknowledged entries.
    pub fn new(max_len: usize) -> Self {
        let broker = Self::default();
        broker.lock().max_len = max_len.max(1);
        broker
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every mutation is a single
        // step), so a poisoned lock is safe to keep using.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A consumer-group member reading the group's topics.
    pub fn subscriber(&self, group: &ConsumerGroup) -> MemorySubscriber {
        let mut state = self.lock();
        for topic in &group.topics {
            // Like `XGROUP CREATE … 0`: a new group starts at the beginning of the topic.
            state
                .topics
                .entry(topic.clone())
                .or_default()
                .groups
                .entry(group.group.clone())
                .or_default();
        }
        MemorySubscriber {
            broker: self.clone(),
            group: group.clone(),
            last_reclaim: None,
        }
    }

    /// The newest dead letters of `topic`.
    pub fn dead_letters(&self, topic: &str, max: usize) -> Vec<DeadLetter> {
        self.lock()
            .dead
            .get(topic)
            .map(|d| d.iter().rev().take(max).cloned().collect())
            .unwrap_or_default()
    }

    /// How many entries `topic` holds (acknowledged ones included, until trimmed).
    pub fn len(&self, topic: &str) -> usize {
        self.lock().topics.get(topic).map_or(0, |t| t.entries.len())
    }

    /// Whether `topic` holds no entries.
    pub fn is_empty(&self, topic: &str) -> bool {
        self.len(topic) == 0
    }

    /// Entries of `group` on `topic` delivered but not acknowledged.
    pub fn pending(&self, topic: &str, group: &str) -> usize {
        self.lock()
            .topics
            .get(topic)
            .and_then(|t| t.groups.get(group))
            .map_or(0, |g| g.pending.len())
    }
}

impl TopicLog {
    /// Drops acknowledged entries once the log is longer than `max_len`; never pending or
    /// undelivered ones (the same rule as the Redis trimming).
    fn trim(&mut self, max_len: usize) {
        if self.entries.len() <= max_len {
            return;
        }
        let floor = if self.groups.is_empty() {
            let excess = self.entries.len() - max_len;
            self.entries.get(excess).map_or(u64::MAX, |(seq, _)| *seq)
        } else {
            self.groups
                .values()
                .map(|g| {
                    g.pending
                        .keys()
                        .next()
                        .copied()
                        .unwrap_or(g.last_delivered + 1)
                        .min(g.last_delivered + 1)
                })
                .min()
                .unwrap_or(0)
        };
        while self.entries.front().is_some_and(|(seq, _)| *seq < floor) {
            self.entries.pop_front();
        }
    }

    fn payload(&self, seq: u64) -> Option<Arc<[u8]>> {
        // Entries are in sequence order, so a binary search finds one.
        let index = self.entries.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        self.entries.get(index).map(|(_, p)| p.clone())
    }
}

#[async_trait]
impl Publisher for MemoryBroker {
    async fn publish_encoded(
        &self,
        topic: &str,
        payloads: &[Vec<u8>],
    ) -> Result<(), TransportError> {
        {
            let mut state = self.lock();
            let max_len = state.max_len;
            let log = state.topics.entry(topic.to_owned()).or_default();
            for payload in payloads {
                log.next_seq += 1;
                log.entries
                    .push_back((log.next_seq, Arc::from(payload.as_slice())));
            }
            log.trim(max_len);
        }
        self.published.notify_waiters();
        Ok(())
    }
}

/// A member of a consumer group of the in-process broker.
pub struct MemorySubscriber {
    broker: MemoryBroker,
    group: ConsumerGroup,
    last_reclaim: Option<Instant>,
}

impl MemorySubscriber {
    fn take(&mut self, max: usize) -> Vec<Message> {
        let now = Instant::now();
        let reclaim_due = self
            .last_reclaim
            .is_none_or(|t| now.duration_since(t) >= self.group.reclaim_every);
        let mut state = self.broker.lock();
        let mut out = Vec::new();
        if reclaim_due {
            self.last_reclaim = Some(now);
            for topic in &self.group.topics {
                let Some(log) = state.topics.get_mut(topic) else {
                    continue;
                };
                let mut claimed = Vec::new();
                if let Some(group) = log.groups.get_mut(&self.group.group) {
                    for (seq, pending) in group.pending.iter_mut() {
                        if out.len() + claimed.len() >= max {
                            break;
                        }
                        if now.duration_since(pending.delivered_at) >= self.group.reclaim_idle {
                            pending.delivered_at = now;
                            pending.deliveries += 1;
                            claimed.push((*seq, pending.deliveries));
                        }
                    }
                }
                for (seq, deliveries) in claimed {
                    let payload = log.payload(seq).map(|p| p.to_vec()).unwrap_or_default();
                    out.push(message(topic, seq, payload, deliveries));
                }
            }
            if !out.is_empty() {
                return out;
            }
        }
        for topic in &self.group.topics {
            let Some(log) = state.topics.get_mut(topic) else {
                continue;
            };
            let group = log.groups.entry(self.group.group.clone()).or_default();
            let start = log
                .entries
                .partition_point(|(seq, _)| *seq <= group.last_delivered);
            for (seq, payload) in log.entries.range(start..) {
                if out.len() >= max {
                    break;
                }
                group.last_delivered = *seq;
                group.pending.insert(
                    *seq,
                    Pending {
                        delivered_at: now,
                        deliveries: 1,
                    },
                );
                out.push(message(topic, *seq, payload.to_vec(), 1));
            }
        }
        out
    }
}

fn message(topic: &str, seq: u64, payload: Vec<u8>, deliveries: u32) -> Message {
    Message {
        tag: DeliveryTag {
            topic: topic.to_owned(),
            id: format!("{seq}-0"),
        },
        payload,
        deliveries,
    }
}

fn seq_of(id: &str) -> Option<u64> {
    id.split_once('-').map_or(id, |(seq, _)| seq).parse().ok()
}

#[async_trait]
impl Subscriber for MemorySubscriber {
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Message>, TransportError> {
        let deadline = Instant::now() + wait;
        loop {
            // Register for the wake-up before looking, so a publish in between is not missed.
            let published = self.broker.published.clone();
            let notified = published.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let messages = self.take(max.max(1));
            if !messages.is_empty() {
                return Ok(messages);
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Ok(Vec::new());
            }
            // Also wake for reclaimable messages, which no publish announces.
            let nap = remaining.min(self.group.reclaim_every.max(Duration::from_millis(10)));
            let _ = tokio::time::timeout(nap, notified).await;
        }
    }

    async fn ack(&mut self, tags: &[DeliveryTag]) -> Result<(), TransportError> {
        let mut state = self.broker.lock();
        for tag in tags {
            if let (Some(log), Some(seq)) = (state.topics.get_mut(&tag.topic), seq_of(&tag.id))
                && let Some(group) = log.groups.get_mut(&self.group.group)
            {
                group.pending.remove(&seq);
            }
        }
        Ok(())
    }

    async fn dead_letter(&mut self, message: &Message, reason: &str) -> Result<(), TransportError> {
        {
            let mut state = self.broker.lock();
            let dead = state.dead.entry(message.tag.topic.clone()).or_default();
            dead.push(DeadLetter {
                id: format!("{}-0", dead.len() + 1),
                topic: message.tag.topic.clone(),
                original_id: message.tag.id.clone(),
                group: self.group.group.clone(),
                reason: reason.to_owned(),
                deliveries: message.deliveries,
                failed_at: Some(Utc::now()),
                payload: message.payload.clone(),
            });
        }
        tracing::warn!(topic = %message.tag.topic, id = %message.tag.id, %reason, "message dead-lettered");
        self.ack(std::slice::from_ref(&message.tag)).await
    }
}
