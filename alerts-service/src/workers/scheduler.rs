//! The scheduler worker: a cron tick (every `SCHEDULER_TICK_SECS`) that runs due alerts. Schedule state
//! (next run times, leases) lives in the database, so restarts and replicas need nothing else.

use std::sync::Arc;

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::state::AppState;
use tokio_util::sync::CancellationToken;

/// Runs the tick until `shutdown` is cancelled. A tick that finds the previous pass still running
/// skips, so passes never overlap within a process (leases keep replicas apart).
pub async fn run(
    state: Arc<AppState>,
    shutdown: CancellationToken,
) -> Result<(), JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let busy = Arc::new(tokio::sync::Mutex::new(()));
    let cron = format!("*/{} * * * * *", state.settings.scheduler_tick_secs);
    let job = Job::new_async(cron.as_str(), move |_, _| {
        let state = state.clone();
        let busy = busy.clone();
        Box::pin(async move {
            let Ok(_guard) = busy.try_lock() else { return };
            match crate::runner::run_due_once(&state).await {
                Ok(outcome) if outcome.alerts_run + outcome.deferred > 0 => {
                    tracing::info!(?outcome, "scheduler pass");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "scheduler pass failed; retrying next tick"),
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    shutdown.cancelled().await;
    let mut scheduler = scheduler;
    scheduler.shutdown().await
}
