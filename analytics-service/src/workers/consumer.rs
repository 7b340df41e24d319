//! The consume loop: the `analytics` consumer group on both topics, batches through the
//! [`IngestHandler`], until shutdown. Shutdown is checked between batches, so a batch in progress
//! is always committed and acknowledged before the loop ends.

use std::time::Duration;

use pubsub::consumer::{ConsumerOptions, PollReport, poll_once};
use pubsub::{ConsumerGroup, Subscriber, TransportError};
use tokio_util::sync::CancellationToken;

use super::probe::TOPICS;
use crate::config::Settings;
use crate::ingest::IngestHandler;
use crate::state::AppState;

/// The group membership of this process (a unique consumer name per subscriber).
pub fn consumer_group(settings: &Settings) -> ConsumerGroup {
    ConsumerGroup::new(settings.consumer.group.clone(), &TOPICS).with_reclaim(
        settings.consumer.reclaim_idle,
        settings.consumer.reclaim_every,
    )
}

/// The consume loop's tuning.
pub fn consumer_options(settings: &Settings) -> ConsumerOptions {
    ConsumerOptions {
        batch_size: settings.consumer.batch_size,
        wait: settings.consumer.wait,
        max_deliveries: settings.consumer.max_deliveries,
        error_backoff: Duration::from_secs(1),
    }
}

/// One fetch → ingest → acknowledge round on `subscriber` (for tests and benchmarks).
pub async fn consume_once(
    ctx: &AppState,
    subscriber: &mut dyn Subscriber,
) -> Result<PollReport, TransportError> {
    let mut handler = IngestHandler::new(ctx.ingestor.clone());
    let report = poll_once(subscriber, &mut handler, &consumer_options(&ctx.settings)).await?;
    ctx.metrics
        .events_dead_lettered
        .inc_by(report.dead_lettered as u64);
    Ok(report)
}

/// Consumes until `shutdown` is cancelled.
pub async fn run(ctx: AppState, shutdown: CancellationToken) {
    let group = consumer_group(&ctx.settings);
    let mut subscriber = loop {
        match ctx.transport.subscriber(&group).await {
            Ok(subscriber) => break subscriber,
            Err(error) => {
                tracing::warn!(%error, "cannot join the consumer group yet; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    };
    tracing::info!(group = %group.group, consumer = %group.consumer, "consuming events");
    let options = consumer_options(&ctx.settings);
    let mut handler = IngestHandler::new(ctx.ingestor.clone());
    while !shutdown.is_cancelled() {
        match poll_once(subscriber.as_mut(), &mut handler, &options).await {
            Ok(report) => ctx
                .metrics
                .events_dead_lettered
                .inc_by(report.dead_lettered as u64),
            Err(error) => {
                tracing::warn!(%error, "consumer could not reach the broker; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(options.error_backoff) => {}
                }
            }
        }
    }
    tracing::info!("consumer stopped");
}
