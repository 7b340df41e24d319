//! The event relay: publishes the event outbox ([`crate::reports::outbox`]) to the broker,
//! independently of the insight passes ([`relay_once`] for tests and the passes, [`run`] the
//! loop `serve` spawns unless `--no-relay`).
//!
//! An insight pass relays the events it made itself, at once; this loop is what publishes
//! the events a pass could not (the broker was down) without waiting for the next
//! `INSIGHTS_CRON` tick, and those of `send-insights` runs and of replicas started with
//! `--no-relay`. Several replicas may run it: [`outbox::relay`] locks the rows it publishes,
//! so no event is published twice by two relays. A relay that dies between publishing and
//! marking publishes the event again later, with the same id, which alerts-service drops.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::reports::outbox::{self, Relayed};
use crate::state::AppState;

/// How often the loop looks for waiting events while nothing wakes it.
pub const POLL: Duration = Duration::from_secs(2);
/// The first wait after the broker refused events; doubled per failed round up to
/// [`MAX_BACKOFF`], so a broker that is down is not hammered.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between rounds while the broker is down.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Publishes every waiting event once, counting what happened on `/metrics`.
pub async fn relay_once(ctx: &AppState) -> Relayed {
    let relayed = outbox::relay(&ctx.db, ctx.transport.publisher().as_ref(), Utc::now()).await;
    ctx.metrics.events_relayed.inc_by(relayed.published as u64);
    if relayed.error.is_some() {
        ctx.metrics.event_relay_failures.inc();
    }
    relayed
}

/// Relays until `shutdown`: a round at start, then whenever [`AppState::wake_relay`] is
/// notified or [`POLL`] passes, and with a growing wait while rounds fail. A round in progress
/// is finished (its published rows marked) before the loop stops.
pub async fn run(ctx: AppState, shutdown: CancellationToken) {
    let mut backoff = FIRST_BACKOFF;
    while !shutdown.is_cancelled() {
        let relayed = relay_once(&ctx).await;
        let failed = match relayed.error {
            None => {
                if relayed.published > 0 {
                    tracing::info!(events = relayed.published, "outbox events relayed");
                }
                backoff = FIRST_BACKOFF;
                false
            }
            Some(error) => {
                tracing::warn!(
                    %error,
                    published = relayed.published,
                    retry_in = ?backoff,
                    "outbox events wait for the broker"
                );
                true
            }
        };
        let wait = if failed { backoff } else { POLL };
        tokio::select! {
            () = shutdown.cancelled() => return,
            // While the broker is down a wake-up would only fail again sooner.
            () = ctx.wake_relay.notified(), if !failed => {}
            () = tokio::time::sleep(wait) => {}
        }
        if failed {
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}
