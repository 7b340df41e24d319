//! Builds the application: database, transport, mailer, HTTP server and background workers.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Server, Service};
use actix_web::{App, HttpServer, web};
use futures::FutureExt;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::auth::RateLimiter;
use crate::config::{Settings, policy};
use crate::error::AppError;
use crate::error::{json_error_handler, path_error_handler, query_error_handler};
use crate::state::AppState;
use crate::{db, routes, workers};

/// Which background workers this process runs (so operators can scale API and workers apart).
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    /// Publish the event outbox.
    pub relay: bool,
    /// Deliver the email and channel outboxes.
    pub email_sender: bool,
    /// Run due alerts on the scheduler's tick.
    pub scheduler: bool,
    /// Consume analytics' insight summaries into the channel outbox.
    pub insight_summaries: bool,
}

impl Default for Roles {
    fn default() -> Self {
        Self {
            relay: true,
            email_sender: true,
            scheduler: true,
            insight_summaries: true,
        }
    }
}

/// Builds the shared state from settings: connects, migrates, prepares transport and mailer.
pub async fn build_state(
    settings: Settings,
    transport: Option<pubsub::Transport>,
) -> Result<Arc<AppState>, AppError> {
    build_state_with_clock(settings, transport, Arc::new(crate::clock::SystemClock)).await
}

/// [`build_state`] with the scheduler and runner reading time from `clock` (a simulated one
/// in tests and the `detection` benchmark).
pub async fn build_state_with_clock(
    settings: Settings,
    transport: Option<pubsub::Transport>,
    clock: Arc<dyn crate::clock::Clock>,
) -> Result<Arc<AppState>, AppError> {
    settings.validate().map_err(AppError::Config)?;
    let db = db::connect(
        settings.database_url.expose(),
        settings.database_max_connections,
    )
    .await?;
    db::migrate(&db).await?;
    let transport = match transport {
        Some(t) => t,
        None => {
            let transport_settings = settings
                .transport_settings()
                .map_err(|e| AppError::Config(e.to_string()))?;
            pubsub::Transport::connect(&transport_settings)
                .map_err(|e| AppError::Config(e.to_string()))?
        }
    };
    let ebay_config = settings.ebay_config().map_err(AppError::Config)?;
    let (limiter, ebay, calls) = if settings.transport.is_memory() {
        let ebay = crate::ebay::client(ebay_config, None)
            .map_err(|e| AppError::Config(format!("eBay: {e}")))?;
        (
            RateLimiter::local(),
            ebay,
            crate::quota::CallCounter::local(),
        )
    } else {
        let client = redis::Client::open(settings.transport.redis_url.expose().trim())
            .map_err(|e| AppError::Config(format!("REDIS_URL: {e}")))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(std::time::Duration::from_secs(2)))
            .set_response_timeout(Some(std::time::Duration::from_secs(2)))
            .set_number_of_retries(1);
        let conn = redis::aio::ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| AppError::Config(format!("REDIS_URL: {e}")))?;
        let prefix = settings.transport.redis_key_prefix.clone();
        let ebay = crate::ebay::client(ebay_config, Some((conn.clone(), &prefix)))
            .map_err(|e| AppError::Config(format!("eBay: {e}")))?;
        (
            RateLimiter::Redis {
                conn: conn.clone(),
                prefix: prefix.clone(),
            },
            ebay,
            crate::quota::CallCounter::Redis { conn, prefix },
        )
    };
    let mailer = settings
        .mail
        .mailer()
        .map_err(|e| AppError::Config(e.to_string()))?;
    let state =
        AppState::new(settings, db, transport, mailer, limiter, ebay, calls)?.with_clock(clock);
    Ok(Arc::new(state))
}

/// A running application: HTTP server plus workers, stoppable as one.
pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
    stop_workers: CancellationToken,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and starts the workers named in `roles`.
    pub async fn build(state: Arc<AppState>, roles: Roles) -> Result<Self, AppError> {
        let addr = state.settings.listen;
        let listener = TcpListener::bind(addr).map_err(|source| AppError::Listen {
            addr: addr.to_string(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| AppError::Listen {
                addr: addr.to_string(),
                source,
            })?
            .port();
        let data = web::Data::from(state.clone());
        let dist = state.settings.frontend_dist.clone();
        let dev_outbox = state.settings.dev_outbox;
        let server = HttpServer::new(move || {
            App::new()
                .wrap_fn(|req, srv| {
                    // Record by route pattern (not raw path) so ids don't explode label sets.
                    let started = Instant::now();
                    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                    let method = req.method().to_string();
                    let state = req.app_data::<web::Data<AppState>>().cloned();
                    srv.call(req).map(move |result| {
                        if let (Some(state), Ok(response)) = (state, &result) {
                            let metrics = &state.metrics;
                            let status = response.status().as_u16().to_string();
                            metrics
                                .requests
                                .with_label_values(&[
                                    route.as_str(),
                                    method.as_str(),
                                    status.as_str(),
                                ])
                                .inc();
                            metrics
                                .latency
                                .with_label_values(&[route.as_str()])
                                .observe(started.elapsed().as_secs_f64());
                        }
                        result
                    })
                })
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(policy::MAX_JSON_BODY)
                        .error_handler(json_error_handler),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error_handler))
                .app_data(web::PathConfig::default().error_handler(path_error_handler))
                .configure(routes::configure)
                .configure(|cfg| routes::email_outbox::configure(cfg, dev_outbox))
                .configure(|cfg| routes::dashboard::configure(cfg, &dist))
        })
        .listen(listener)
        .map_err(|source| AppError::Listen {
            addr: addr.to_string(),
            source,
        })?
        .shutdown_timeout(20)
        .disable_signals()
        .run();

        let stop_workers = CancellationToken::new();
        let mut spawned = Vec::new();
        if roles.relay {
            let (state, stop) = (state.clone(), stop_workers.clone());
            spawned.push(tokio::spawn(async move {
                workers::event_relay::run(&state, stop).await;
            }));
        }
        if roles.email_sender {
            let (sender_state, stop) = (state.clone(), stop_workers.clone());
            spawned.push(tokio::spawn(async move {
                workers::email_sender::run(&sender_state, stop).await;
            }));
            // Channels are delivered by the same role as emails: both are the run's outboxes.
            let (state, stop) = (state.clone(), stop_workers.clone());
            spawned.push(tokio::spawn(async move {
                workers::channel_sender::run(state, stop).await;
            }));
        }
        if roles.insight_summaries {
            let (state, stop) = (state.clone(), stop_workers.clone());
            spawned.push(tokio::spawn(async move {
                workers::insight_summaries::run(state, stop).await;
            }));
        }
        if roles.scheduler {
            let (state, stop) = (state.clone(), stop_workers.clone());
            spawned.push(tokio::spawn(async move {
                if let Err(error) = workers::scheduler::run(state, stop).await {
                    tracing::error!(%error, "the scheduler stopped");
                }
            }));
        }
        Ok(Self {
            port,
            server,
            state,
            stop_workers,
            workers: spawned,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use it to drive workers directly).
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish and stops workers.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.stop(true).await;
        self.stop_workers.cancel();
        for worker in self.workers {
            let _ = worker.await;
        }
        server.await.map_err(std::io::Error::other)?
    }
}

/// Resolves on Ctrl-C or SIGTERM (the one signal both services share).
pub use service_kit::shutdown::signal as shutdown_signal;
