//! [`Application`]: builds everything, binds its own listener (port 0 in tests), and runs the
//! read API, the consumer, the event relay and the schedule until told to stop.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};

use actix_web::{App, HttpServer, web};
use pubsub::Transport;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::error::AppError;
use crate::routes;
use crate::state::AppState;
use crate::workers;

/// A built, not yet running, analytics-service.
pub struct Application {
    ctx: AppState,
    listener: TcpListener,
    address: SocketAddr,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Connects the broker named in the settings, then [`Application::build`].
    pub async fn build_from_settings(settings: Settings) -> Result<Self, AppError> {
        let transport = Transport::connect(&settings.transport)?;
        Self::build(settings, transport).await
    }

    /// Validates, connects the database, applies migrations and binds the listener, with a
    /// given transport (the one-process mode passes its shared in-memory broker).
    pub async fn build(settings: Settings, transport: Transport) -> Result<Self, AppError> {
        let listen = settings.listen;
        let ctx = AppState::build(settings, transport).await?;
        let listener = TcpListener::bind(listen).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot listen on {listen} (ANALYTICS_LISTEN): {e}"),
            )
        })?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        Ok(Self {
            ctx,
            listener,
            address,
        })
    }

    /// The address the read API listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The port the read API listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The shared state (for tests and embedding: ingest, send insights, …).
    pub fn state(&self) -> &AppState {
        &self.ctx
    }

    /// Runs until SIGINT or SIGTERM.
    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        self.run_until(shutdown_signal()).await
    }

    /// Runs until `shutdown` completes, then stops gracefully: the consumer finishes (commits
    /// and acknowledges) the batch in hand, the relay marks what it published, the schedule
    /// stops, HTTP requests in flight end.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), AppError> {
        let ctx = self.ctx;
        tracing::info!(
            database = ?ctx.db.dialect,
            transport = ?ctx.transport,
            consumer = ctx.settings.consumer.enabled,
            schedule = ctx.settings.run_schedule,
            relay = ctx.settings.run_relay,
            insights_cron = %ctx.settings.insights.cron,
            "analytics-service starting"
        );
        // The schedule first: if it cannot start, nothing else has been spawned yet.
        let mut scheduler = if ctx.settings.run_schedule {
            Some(workers::schedule::start(ctx.clone()).await?)
        } else {
            None
        };
        let data = web::Data::new(ctx.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .configure(routes::configure)
        })
        .workers(ctx.settings.http_workers.max(1))
        .disable_signals()
        .shutdown_timeout(10)
        .listen(self.listener)?
        .run();
        let http = server.handle();
        let mut server_task = tokio::spawn(server);
        tracing::info!(address = %self.address, "read API listening");

        let stop = CancellationToken::new();
        let consumer = ctx
            .settings
            .consumer
            .enabled
            .then(|| tokio::spawn(workers::consumer::run(ctx.clone(), stop.clone())));
        let relay = ctx
            .settings
            .run_relay
            .then(|| tokio::spawn(workers::event_relay::run(ctx.clone(), stop.clone())));
        if ctx.settings.run_schedule {
            let maintenance_ctx = ctx.clone();
            tokio::spawn(async move {
                if let Err(error) =
                    workers::maintenance::run_maintenance_once(&maintenance_ctx).await
                {
                    tracing::warn!(%error, "start-up maintenance failed");
                }
            });
        }

        let server_result = tokio::select! {
            () = shutdown => None,
            result = &mut server_task => Some(result),
        };
        tracing::info!("shutting down");
        stop.cancel();
        if let Some(scheduler) = scheduler.as_mut()
            && let Err(error) = scheduler.shutdown().await
        {
            tracing::warn!(%error, "scheduler did not stop cleanly");
        }
        if let Some(consumer) = consumer {
            let _ = consumer.await;
        }
        if let Some(relay) = relay {
            let _ = relay.await;
        }
        http.stop(true).await;
        let result = match server_result {
            Some(result) => result,
            None => server_task.await,
        };
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(AppError::Io(error)),
            Err(join) => Err(AppError::Io(std::io::Error::other(join.to_string()))),
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (the one signal both services share).
pub use service_kit::shutdown::signal as shutdown_signal;
