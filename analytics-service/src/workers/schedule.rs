//! The cron schedule of `serve`: the insight pass on `INSIGHTS_CRON` and housekeeping daily,
//! both in UTC. Schedules are not persisted (tokio-cron-scheduler keeps them in memory): they
//! are re-added at every start, and what is due lives in the database, so a restart loses
//! nothing. Several replicas may run the same schedule; the database leases keep them apart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio_cron_scheduler::{Job, JobScheduler};

use super::insight_emails::send_due_insights_once;
use super::maintenance::run_maintenance_once;
use crate::error::AppError;
use crate::state::AppState;

struct ClearOnDrop(Arc<AtomicBool>);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Starts the schedule; shut it down with [`JobScheduler::shutdown`].
pub async fn start(ctx: AppState) -> Result<JobScheduler, AppError> {
    let scheduler = JobScheduler::new()
        .await
        .map_err(|e| AppError::Scheduler(e.to_string()))?;

    // A slow pass (thousands of alerts, a slow SMTP relay) must not overlap the next tick.
    let running = Arc::new(AtomicBool::new(false));
    let insights_ctx = ctx.clone();
    let insights = Job::new_async(ctx.settings.insights.cron.as_str(), move |_, _| {
        let ctx = insights_ctx.clone();
        let running = running.clone();
        Box::pin(async move {
            if running.swap(true, Ordering::AcqRel) {
                tracing::info!("previous insight pass still running; skipping this tick");
                return;
            }
            // Cleared on drop, so even a panicking pass does not block later ticks.
            let _running = ClearOnDrop(running);
            match send_due_insights_once(&ctx).await {
                Ok(outcome) => tracing::info!(?outcome, "insight pass done"),
                Err(error) => tracing::warn!(%error, "insight pass failed"),
            }
        })
    })
    .map_err(|e| AppError::Scheduler(e.to_string()))?;

    let maintenance_ctx = ctx.clone();
    let maintenance = Job::new_async(
        ctx.settings.insights.maintenance_cron.as_str(),
        move |_, _| {
            let ctx = maintenance_ctx.clone();
            Box::pin(async move {
                if let Err(error) = run_maintenance_once(&ctx).await {
                    tracing::warn!(%error, "maintenance failed");
                }
            })
        },
    )
    .map_err(|e| AppError::Scheduler(e.to_string()))?;

    for job in [insights, maintenance] {
        scheduler
            .add(job)
            .await
            .map_err(|e| AppError::Scheduler(e.to_string()))?;
    }
    scheduler
        .start()
        .await
        .map_err(|e| AppError::Scheduler(e.to_string()))?;
    Ok(scheduler)
}
