//! [`MockServer`]: binds its own listener and runs the mock on the current Tokio runtime, so
//! tests (port 0) and a one-process mode can embed it.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};

use crate::config::MockConfig;
use crate::routes;
use crate::state::MockState;

/// Why the mock could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A setting is out of range.
    #[error("invalid mock configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `start` was called outside a Tokio runtime.
    #[error("the mock must be started from inside a Tokio runtime")]
    NoRuntime,
    /// The HTTP server failed.
    #[error("the mock server failed: {0}")]
    Server(#[from] std::io::Error),
}

/// A running mock. Dropping it stops the server.
pub struct MockServer {
    addr: SocketAddr,
    base_url: String,
    state: web::Data<MockState>,
    handle: ServerHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Binds `config.listen` and starts serving on the current Tokio runtime.
    pub fn start(config: MockConfig) -> Result<Self, MockError> {
        config.validate().map_err(MockError::Config)?;
        let listener = TcpListener::bind(config.listen).map_err(|source| MockError::Bind {
            addr: config.listen,
            source,
        })?;
        Self::start_on(listener, config)
    }

    /// Starts serving on an already bound listener (`config.listen` is ignored).
    pub fn start_on(listener: TcpListener, config: MockConfig) -> Result<Self, MockError> {
        config.validate().map_err(MockError::Config)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(MockError::NoRuntime);
        }
        let addr = listener.local_addr()?;
        let state = web::Data::new(MockState::new(&config));
        state.advance_clock(config.clock_offset_secs);
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .configure(routes::configure)
        })
        .listen(listener)?
        .shutdown_timeout(2);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        if !config.handle_signals {
            server = server.disable_signals();
        }
        let server = server.run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        Ok(Self {
            addr,
            base_url: format!("http://{addr}"),
            state,
            handle,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, to use as `EBAY_BASE_URL`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state, for in-process tests (the same data `/mock/stats` etc. expose).
    pub fn state(&self) -> &MockState {
        &self.state
    }

    /// Stops the server (gracefully: in-flight requests finish) and waits for it.
    pub async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the server stops (a signal, when `handle_signals` is set).
    pub async fn run_until_stopped(mut self) -> Result<(), MockError> {
        match self.task.take() {
            Some(task) => match task.await {
                Ok(result) => result.map_err(MockError::Server),
                Err(join) => Err(MockError::Server(std::io::Error::other(join.to_string()))),
            },
            None => Ok(()),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if self.task.is_some() {
            // Sends the stop command now; the returned future only waits for completion.
            drop(self.handle.stop(false));
        }
    }
}
