//! A webhook receiver inside the soak process, standing in for a notification channel's
//! endpoint (a `json://` channel): it records every request it answers — its `webhook-id`, its
//! body and the status it answered with — and answers as the scenario tells it: 200, 500, or
//! 429 with `Retry-After: 1`. It can also be taken down (connections refused) and brought back
//! on the same port, which the channel's URL names: while down, the port stays bound but not
//! listening, so no other process can take it meanwhile.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;

/// How the receiver answers while it is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200: accepted.
    Accept,
    /// 500: a failing receiver (the sender retries with backoff).
    ServerError,
    /// 429 with `Retry-After: 1`: a receiver shedding load (the sender waits at least that).
    TooManyRequests,
}

impl Answer {
    /// The status this answer has.
    pub fn status(self) -> u16 {
        match self {
            Self::Accept => 200,
            Self::ServerError => 500,
            Self::TooManyRequests => 429,
        }
    }
}

/// One request the receiver answered.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `webhook-id` header (`msg_` + the outbox row's id), if present.
    pub webhook_id: Option<String>,
    /// The status it was answered with.
    pub status: u16,
    /// The body, parsed (`Null` when it was not JSON).
    pub body: serde_json::Value,
}

/// What the request handler shares with the scenario.
struct Shared {
    answer: Mutex<Answer>,
    received: Mutex<Vec<Received>>,
}

/// A running (or stopped) receiver. Dropping it stops the server.
pub struct WebhookReceiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Option<(ServerHandle, tokio::task::JoinHandle<std::io::Result<()>>)>,
    /// While down: the port, bound and not listening (the kernel refuses connections).
    reserved: Option<tokio::net::TcpSocket>,
}

/// The largest body accepted: a notification carries at most 25 listings, far below this.
const MAX_BODY: usize = 4 << 20;

impl WebhookReceiver {
    /// Starts on a free loopback port, answering `answer`.
    pub fn start(answer: Answer) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding a webhook receiver")?;
        let mut receiver = Self {
            addr: listener.local_addr()?,
            shared: Arc::new(Shared {
                answer: Mutex::new(answer),
                received: Mutex::new(Vec::new()),
            }),
            server: None,
            reserved: None,
        };
        receiver.serve(listener)?;
        Ok(receiver)
    }

    /// The URL of a `json://` channel delivering here.
    pub fn channel_url(&self) -> String {
        format!("json://{}/hook", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) -> anyhow::Result<()> {
        let shared = web::Data::from(self.shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .default_service(web::to(record))
        })
        .listen(listener)?
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .run();
        let handle = server.handle();
        self.server = Some((handle, tokio::spawn(server)));
        Ok(())
    }

    /// From now on answers `answer`.
    pub fn answer(&self, answer: Answer) {
        *self
            .shared
            .answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = answer;
    }

    /// Stops listening: connections are refused until [`up`](Self::up). Connections the
    /// sender keeps alive are closed too.
    pub async fn down(&mut self) -> anyhow::Result<()> {
        if let Some((handle, task)) = self.server.take() {
            handle.stop(false).await;
            let _ = task.await;
        }
        if self.reserved.is_none() {
            self.reserved = Some(self.bind().await?);
        }
        Ok(())
    }

    /// Listens again on the same port.
    pub async fn up(&mut self) -> anyhow::Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        let socket = match self.reserved.take() {
            Some(socket) => socket,
            None => self.bind().await?,
        };
        let listener = socket.listen(1024)?.into_std()?;
        self.serve(listener)
    }

    /// Binds the receiver's address without listening. The stopped server's socket may take a
    /// moment to close: a few tries, then an error naming the port.
    async fn bind(&self) -> anyhow::Result<tokio::net::TcpSocket> {
        let mut tries = 0;
        loop {
            let socket = tokio::net::TcpSocket::new_v4()?;
            // Connections the stopped server accepted linger in TIME_WAIT.
            socket.set_reuseaddr(true)?;
            match socket.bind(self.addr) {
                Ok(()) => return Ok(socket),
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => {
                    return Err(error).with_context(|| format!("binding {} again", self.addr));
                }
            }
        }
    }

    /// Every request answered so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Requests answered with `status` so far.
    pub fn answered(&self, status: u16) -> usize {
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|r| r.status == status)
            .count()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some((handle, _)) = self.server.take() {
            // Sends the stop command now; the returned future only waits for completion.
            drop(handle.stop(false));
        }
    }
}

/// Records the request and answers as told.
async fn record(request: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let answer = *shared.answer.lock().unwrap_or_else(PoisonError::into_inner);
    shared
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Received {
            webhook_id: request
                .headers()
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            status: answer.status(),
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
    match answer {
        Answer::Accept => HttpResponse::Ok().body("ok"),
        Answer::ServerError => HttpResponse::InternalServerError().body("down for maintenance"),
        Answer::TooManyRequests => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "1"))
            .body("slow down"),
    }
}
