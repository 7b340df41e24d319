//! Event ingestion: the consumer's handler.
//!
//! A batch of events becomes one database transaction. Its first statement records the event
//! ids in the `inbox` table; ids already there were processed before (a redelivery), so they are
//! acknowledged without touching anything else. Effects and inbox rows commit together, and
//! pubsub acknowledges the messages only after [`Ingestor::ingest_batch`] returned
//! [`Disposition::Done`] — after the commit. A crash anywhere before the commit loses nothing (the
//! messages stay pending and are reclaimed); a crash after it duplicates nothing (the inbox).
//!
//! Dispositions:
//! * [`Disposition::Done`] — stored, a redelivery, or deliberately ignored (a stale revision,
//!   observations older than the retention period);
//! * [`Disposition::Reject`] — can never be processed (an unknown event type, an observation
//!   from the future, a revision beyond range): dead-lettered at once with the reason;
//! * [`Disposition::Retry`] — the database failed; pubsub redelivers, and dead-letters after
//!   `max_deliveries`.
//!
//! When a batch transaction fails for another reason than a lost connection, the events are
//! retried one per transaction, so one poisonous event cannot hold the others back.
//!
//! Observations of an alert analytics has never heard of are stored anyway: facts refer to
//! alerts by their durable id (`alert_id`), not by a dimension row, so the `alert.created` that
//! may arrive later (the two topics are not ordered with each other) simply joins them.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Duration as Days, Utc};
use pubsub::consumer::{Disposition, Handler, Incoming};
use pubsub::{Payload, ProductsObserved};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, TransactionTrait, Value};

use crate::db::bulk::{self, Column};
use crate::db::partitions::{self, Month};
use crate::db::{Db, Dialect, is_connection_error};
use crate::metrics::Metrics;

pub mod alerts;
pub mod observations;
pub mod rollup;

use alerts::{AlertChange, Applied};
use observations::Caches;

/// An observation may claim to be this far in the future (clock skew) before it is rejected.
const MAX_CLOCK_SKEW: Days = Days::hours(1);

/// Turns batches of events into rows; cheap to clone (clones share caches).
#[derive(Clone)]
pub struct Ingestor {
    db: Db,
    metrics: Metrics,
    retention_days: u32,
    caches: Arc<Mutex<Caches>>,
    partitions: Arc<Mutex<BTreeSet<Month>>>,
}

impl std::fmt::Debug for Ingestor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingestor")
            .field("retention_days", &self.retention_days)
            .finish_non_exhaustive()
    }
}

/// What a batch contained, after classification.
enum Work<'a> {
    Alert(AlertChange<'a>),
    Observation(&'a ProductsObserved),
    /// Acknowledged without effect (only the inbox row): e.g. observations past retention.
    Nothing,
}

struct Accepted<'a> {
    index: usize,
    event_id: &'a str,
    event_type: &'a str,
    work: Work<'a>,
}

/// What one transaction did.
#[derive(Default)]
struct Outcome {
    duplicates: u64,
    stale: u64,
    inserted: u64,
    skipped: u64,
    by_type: Vec<String>,
    cache: observations::CacheUpdates,
}

impl Ingestor {
    /// An ingestor writing to `db`.
    pub fn new(db: Db, metrics: Metrics, retention_days: u32) -> Self {
        Self {
            db,
            metrics,
            retention_days,
            caches: Arc::new(Mutex::new(Caches::default())),
            partitions: Arc::new(Mutex::new(BTreeSet::new())),
        }
    }

    /// Processes a batch; one disposition per event, in order.
    pub async fn ingest_batch(&self, batch: &[Incoming]) -> Vec<Disposition> {
        let started = Instant::now();
        let now = Utc::now();
        let mut dispositions = vec![Disposition::Done; batch.len()];
        let accepted = self.classify(batch, now, &mut dispositions);
        if accepted.is_empty() {
            return dispositions;
        }
        if let Err(error) = self.ensure_partitions(&accepted).await {
            let reason = format!("could not prepare fact partitions: {error}");
            for a in &accepted {
                dispositions[a.index] = Disposition::Retry(reason.clone());
            }
            return dispositions;
        }

        match self.apply(&accepted, now).await {
            Ok(outcome) => self.record(outcome),
            Err(error) if is_connection_error(&error) => {
                let reason = format!("database unavailable: {error}");
                for a in &accepted {
                    dispositions[a.index] = Disposition::Retry(reason.clone());
                }
            }
            Err(error) => {
                tracing::warn!(%error, events = accepted.len(), "batch failed; retrying its events one by one");
                for a in &accepted {
                    match self.apply(std::slice::from_ref(a), now).await {
                        Ok(outcome) => self.record(outcome),
                        Err(error) => {
                            dispositions[a.index] =
                                Disposition::Retry(format!("could not store the event: {error}"));
                        }
                    }
                }
            }
        }
        self.metrics
            .ingest_batch_seconds
            .observe(started.elapsed().as_secs_f64());
        dispositions
    }

    /// Sorts events into work, rejections and in-batch duplicates.
    fn classify<'a>(
        &self,
        batch: &'a [Incoming],
        now: DateTime<Utc>,
        dispositions: &mut [Disposition],
    ) -> Vec<Accepted<'a>> {
        let cutoff = (now - Days::days(i64::from(self.retention_days))).date_naive();
        let mut seen = HashSet::with_capacity(batch.len());
        let mut accepted = Vec::with_capacity(batch.len());
        for (index, incoming) in batch.iter().enumerate() {
            let event = &incoming.event;
            if !seen.insert(event.id.as_str()) {
                // The same event twice in one batch: the first one does the work.
                self.metrics.events_duplicate.inc();
                continue;
            }
            let work = match &event.payload {
                Payload::AlertCreated(change) | Payload::AlertUpdated(change) => {
                    if i64::try_from(change.alert.revision).is_err() {
                        dispositions[index] = Disposition::Reject(format!(
                            "alert revision {} is beyond the supported range",
                            change.alert.revision
                        ));
                        continue;
                    }
                    Work::Alert(AlertChange::Upsert(&change.alert))
                }
                Payload::AlertDeleted(deleted) => {
                    if i64::try_from(deleted.revision).is_err() {
                        dispositions[index] = Disposition::Reject(format!(
                            "alert revision {} is beyond the supported range",
                            deleted.revision
                        ));
                        continue;
                    }
                    Work::Alert(AlertChange::Delete {
                        alert_id: deleted.alert_id,
                        revision: deleted.revision,
                        at: event.time.unwrap_or(now),
                    })
                }
                Payload::ProductsObserved(observed) => {
                    if observed.observed_at > now + MAX_CLOCK_SKEW {
                        dispositions[index] = Disposition::Reject(format!(
                            "observed_at {} is in the future",
                            observed.observed_at
                        ));
                        continue;
                    }
                    if observed.observed_at.date_naive() < cutoff {
                        // It would be deleted by the next retention pass anyway.
                        self.metrics
                            .observations_skipped
                            .inc_by(observed.items.len() as u64);
                        Work::Nothing
                    } else {
                        Work::Observation(observed)
                    }
                }
                Payload::InsightGenerated(_) => {
                    // analytics' own output: it never subscribes to the insights topic, so one
                    // here was published on the wrong topic.
                    dispositions[index] = Disposition::Reject(
                        "insight.generated is analytics-service's own event; it is consumed by \
                         alerts-service on ebay-alerts.insights"
                            .into(),
                    );
                    continue;
                }
                Payload::Unknown { event_type, .. } => {
                    dispositions[index] = Disposition::Reject(format!(
                        "unknown event type {event_type:?}: analytics-service handles \
                         alert.created, alert.updated, alert.deleted and products.observed"
                    ));
                    continue;
                }
            };
            accepted.push(Accepted {
                index,
                event_id: &event.id,
                event_type: event.payload.event_type(),
                work,
            });
        }
        accepted
    }

    /// Creates missing monthly partitions before the batch transaction (DDL would otherwise
    /// take a heavy lock on the fact table for the whole batch).
    async fn ensure_partitions(&self, accepted: &[Accepted<'_>]) -> Result<(), DbErr> {
        if self.db.dialect != Dialect::Postgres {
            return Ok(());
        }
        let months: BTreeSet<Month> = accepted
            .iter()
            .filter_map(|a| match a.work {
                Work::Observation(o) if !o.items.is_empty() => {
                    Some(Month::of(o.observed_at.date_naive()))
                }
                _ => None,
            })
            .collect();
        let missing: BTreeSet<Month> = {
            let known = self.partitions.lock().map_err(poisoned)?;
            months.difference(&known).copied().collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        partitions::ensure(&self.db, &missing).await?;
        let existing = partitions::existing(&self.db).await?;
        self.partitions.lock().map_err(poisoned)?.extend(existing);
        Ok(())
    }

    /// One transaction for `accepted`.
    async fn apply(&self, accepted: &[Accepted<'_>], now: DateTime<Utc>) -> Result<Outcome, DbErr> {
        let dialect = self.db.dialect;
        let tx = self.db.conn.begin().await?;
        let mut outcome = Outcome::default();

        let fresh = record_in_inbox(&tx, dialect, accepted, now).await?;
        outcome.duplicates = (accepted.len() - fresh.len()) as u64;
        let work: Vec<&Accepted<'_>> = accepted
            .iter()
            .filter(|a| fresh.contains(a.event_id))
            .collect();

        if dialect == Dialect::Postgres {
            let alerts: BTreeSet<uuid::Uuid> = work
                .iter()
                .filter_map(|a| match &a.work {
                    Work::Alert(change) => Some(change.alert_id()),
                    Work::Observation(o) => Some(o.alert_id),
                    Work::Nothing => None,
                })
                .collect();
            lock_alerts(&tx, &alerts).await?;
        }

        let mut observed = Vec::new();
        for a in &work {
            match &a.work {
                Work::Alert(change) => {
                    if alerts::apply(&tx, *change, now).await? == Applied::Stale {
                        outcome.stale += 1;
                    }
                }
                Work::Observation(o) => observed.push(*o),
                Work::Nothing => {}
            }
            outcome.by_type.push(a.event_type.to_owned());
        }
        if !observed.is_empty() {
            let plan = {
                let caches = self.caches.lock().map_err(poisoned)?;
                observations::plan(&caches, &observed)
            };
            let stored = observations::store(&tx, dialect, plan, &observed, now).await?;
            outcome.inserted = stored.inserted;
            outcome.skipped = stored.duplicates;
            outcome.cache = stored.cache;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    fn record(&self, outcome: Outcome) {
        for event_type in &outcome.by_type {
            self.metrics
                .events_ingested
                .with_label_values(&[event_type.as_str()])
                .inc();
        }
        self.metrics.events_duplicate.inc_by(outcome.duplicates);
        self.metrics.alert_changes_stale.inc_by(outcome.stale);
        self.metrics.observations_ingested.inc_by(outcome.inserted);
        self.metrics.observations_skipped.inc_by(outcome.skipped);
        if let Ok(mut caches) = self.caches.lock() {
            caches.apply(outcome.cache);
        }
    }
}

fn poisoned<T>(_: T) -> DbErr {
    DbErr::Custom("an ingestion cache lock was poisoned by a panic".into())
}

/// Records the batch's event ids; returns those not seen before.
async fn record_in_inbox(
    tx: &DatabaseTransaction,
    dialect: Dialect,
    accepted: &[Accepted<'_>],
    now: DateTime<Utc>,
) -> Result<HashSet<String>, DbErr> {
    let rows = bulk::insert(
        tx,
        dialect,
        "inbox",
        &[
            (
                "event_id",
                Column::Text(accepted.iter().map(|a| a.event_id.to_owned()).collect()),
            ),
            (
                "event_type",
                Column::Text(accepted.iter().map(|a| a.event_type.to_owned()).collect()),
            ),
            ("processed_at", Column::Time(vec![now; accepted.len()])),
        ],
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
    )
    .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "event_id"))
        .collect()
}

/// Serialises batches touching the same alerts across replicas (Postgres advisory locks held
/// until commit), taken in key order so two batches cannot deadlock. Without it, two replicas
/// could each recompute one day's rollup without seeing the other's uncommitted prices.
async fn lock_alerts(tx: &DatabaseTransaction, alerts: &BTreeSet<uuid::Uuid>) -> Result<(), DbErr> {
    if alerts.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<i64> = alerts.iter().map(|id| lock_key(*id)).collect();
    keys.sort_unstable();
    keys.dedup();
    tx.query_all_raw(Dialect::Postgres.statement(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest($1::int8[]) AS k ORDER BY 1) AS keys",
        vec![Value::from(keys)],
    ))
    .await?;
    Ok(())
}

/// A 64-bit advisory lock key for an alert; collisions only serialise two alerts' batches.
fn lock_key(id: uuid::Uuid) -> i64 {
    let (high, low) = id.as_u64_pair();
    // A fixed tag keeps these keys apart from any other advisory lock user of the database.
    ((high ^ low) ^ 0x616e_616c_7974_6963) as i64
}

/// The pubsub [`Handler`] around an [`Ingestor`].
pub struct IngestHandler {
    ingestor: Ingestor,
}

impl IngestHandler {
    /// A handler for the consume loop.
    pub fn new(ingestor: Ingestor) -> Self {
        Self { ingestor }
    }
}

#[async_trait]
impl Handler for IngestHandler {
    async fn handle(&mut self, batch: &[Incoming]) -> Vec<Disposition> {
        self.ingestor.ingest_batch(batch).await
    }
}
