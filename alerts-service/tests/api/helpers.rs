//! `spawn_app()`: a running alerts-service with its own database, Redis prefix and SMTP server.

use std::sync::Arc;
use std::time::Duration;

use alerts_service::clock::{Clock, SystemClock};
use alerts_service::config::Settings;
use alerts_service::startup::{Application, Roles, build_state_with_clock};
use alerts_service::state::AppState;
use ebay_mock::{MockConfig, MockServer};
use mail_parser::MessageParser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{SmtpSink, TestDatabase, TestRedis};
use tokio::sync::oneshot;

/// The origin the dashboard is served from in tests (PUBLIC_URL).
pub const ORIGIN: &str = "http://dashboard.test";

/// How a request proves who it is.
#[derive(Clone, Debug)]
pub enum Auth {
    /// No credentials.
    None,
    /// `Authorization: Bearer`.
    Token(String),
    /// The session cookie, sent with the dashboard's Origin.
    Cookie(String),
    /// The session cookie with a chosen Origin header (or none).
    CookieFrom(String, Option<String>),
}

pub struct TestApp {
    pub address: String,
    pub state: Arc<AppState>,
    pub smtp: SmtpSink,
    pub redis: TestRedis,
    pub ebay: MockServer,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    _db: Option<TestDatabase>,
    _sqlite_dir: Option<std::path::PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(dir) = &self._sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn settings(
    database_url: &str,
    redis: &TestRedis,
    smtp: &SmtpSink,
    ebay: &MockServer,
) -> Settings {
    Settings {
        database_url: database_url.to_owned().into(),
        transport: pubsub::transport::TransportArgs {
            redis_key_prefix: redis.prefix.clone(),
            ..pubsub::transport::TransportArgs::new(redis.url.clone())
        },
        mail: mailer::MailerArgs::new(smtp.url(), "eBay Alerts <alerts@dashboard.test>"),
        public_url: ORIGIN.parse().unwrap(),
        listen: "127.0.0.1:0".parse().unwrap(),
        analytics_url: "http://127.0.0.1:9".parse().unwrap(),
        analytics_api_token: None,
        frontend_dist: "does-not-exist".into(),
        database_max_connections: 5,
        dev_outbox: false,
        ebay_env: ebay_sdk::Environment::Mock,
        ebay_base_url: Some(ebay.base_url().parse().unwrap()),
        ebay_client_id: Some("test-client".into()),
        ebay_client_secret: Some(String::from("test-secret").into()),
        ebay_marketplace: "EBAY_US".into(),
        ebay_daily_call_budget: 5_000,
        ebay_search_limit: 50,
        scheduler_tick_secs: 15,
        channels: alerts_service::channels::ChannelArgs::default(),
        scheduler_policy: alerts_service::config::SchedulerPolicy::Adaptive,
    }
}

/// On Postgres with the shared Redis.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// On Postgres with the shared Redis, with changed settings.
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create().await.unwrap();
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let ebay = MockServer::start(MockConfig::for_tests()).unwrap();
    let mut settings = settings(&db.url, &redis, &smtp, &ebay);
    change(&mut settings);
    start(settings, None, smtp, redis, ebay, Some(db), None).await
}

/// [`spawn_app_with`] on an injected clock (a `SimulatedClock` the test moves): the runner,
/// the scheduler and the senders read "now" from it.
pub async fn spawn_app_on_clock(
    change: impl FnOnce(&mut Settings),
    clock: Arc<dyn Clock>,
) -> TestApp {
    let db = TestDatabase::create().await.unwrap();
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let ebay = MockServer::start(MockConfig::for_tests()).unwrap();
    let mut settings = settings(&db.url, &redis, &smtp, &ebay);
    change(&mut settings);
    start_on_clock(settings, None, smtp, redis, ebay, Some(db), None, clock).await
}

/// On Postgres with a given Redis (e.g. a private server the test stops).
pub async fn spawn_app_with_redis(redis: TestRedis) -> TestApp {
    let db = TestDatabase::create().await.unwrap();
    let smtp = SmtpSink::start().await.unwrap();
    let ebay = MockServer::start(MockConfig::for_tests()).unwrap();
    let settings = settings(&db.url, &redis, &smtp, &ebay);
    start(settings, None, smtp, redis, ebay, Some(db), None).await
}

/// On SQLite with the in-memory transport (the one-process mode's adapters).
pub async fn spawn_sqlite_app() -> TestApp {
    spawn_sqlite_app_with(|_| {}).await
}

/// On SQLite with the in-memory transport, with changed settings.
pub async fn spawn_sqlite_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = std::env::temp_dir().join(format!("alerts-sqlite-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("alerts.db").display());
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let ebay = MockServer::start(MockConfig::for_tests()).unwrap();
    let mut settings = settings(&url, &redis, &smtp, &ebay);
    settings.transport = pubsub::transport::TransportArgs::new("memory://");
    change(&mut settings);
    let transport = pubsub::Transport::Memory(pubsub::transport::memory::MemoryBroker::new(10_000));
    start(
        settings,
        Some(transport),
        smtp,
        redis,
        ebay,
        None,
        Some(dir),
    )
    .await
}

async fn start(
    settings: Settings,
    transport: Option<pubsub::Transport>,
    smtp: SmtpSink,
    redis: TestRedis,
    ebay: MockServer,
    db: Option<TestDatabase>,
    sqlite_dir: Option<std::path::PathBuf>,
) -> TestApp {
    let clock = Arc::new(SystemClock);
    start_on_clock(
        settings, transport, smtp, redis, ebay, db, sqlite_dir, clock,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn start_on_clock(
    settings: Settings,
    transport: Option<pubsub::Transport>,
    smtp: SmtpSink,
    redis: TestRedis,
    ebay: MockServer,
    db: Option<TestDatabase>,
    sqlite_dir: Option<std::path::PathBuf>,
    clock: Arc<dyn Clock>,
) -> TestApp {
    let state = build_state_with_clock(settings, transport, clock)
        .await
        .expect("state builds");
    // Workers are driven by the tests (dispatch_emails, relay) so each step is deterministic.
    let roles = Roles {
        relay: false,
        email_sender: false,
        scheduler: false,
        insight_summaries: false,
    };
    let app = Application::build(state.clone(), roles)
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        state,
        smtp,
        redis,
        ebay,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        stop: Some(stop),
        _db: db,
        _sqlite_dir: sqlite_dir,
    }
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}{path}", self.address));
        request = match auth {
            Auth::None => request,
            Auth::Token(token) => request.bearer_auth(token),
            Auth::Cookie(cookie) => request
                .header("Cookie", format!("ea_session={cookie}"))
                .header("Origin", ORIGIN),
            Auth::CookieFrom(cookie, origin) => {
                let request = request.header("Cookie", format!("ea_session={cookie}"));
                match origin {
                    Some(origin) => request.header("Origin", origin),
                    None => request,
                }
            }
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> reqwest::Response {
        self.request(Method::GET, path, auth, None).await
    }

    /// GETs `path` and parses the body as JSON (whatever the status).
    pub async fn get_json(&self, path: &str, auth: &Auth) -> Value {
        self.get(path, auth)
            .await
            .json()
            .await
            .expect("a JSON body")
    }

    pub async fn post(&self, path: &str, auth: &Auth, body: Value) -> reqwest::Response {
        self.request(Method::POST, path, auth, Some(body)).await
    }

    pub async fn patch(&self, path: &str, auth: &Auth, body: Value) -> reqwest::Response {
        self.request(Method::PATCH, path, auth, Some(body)).await
    }

    pub async fn delete(&self, path: &str, auth: &Auth) -> reqwest::Response {
        self.request(Method::DELETE, path, auth, None).await
    }

    /// Delivers every queued email now (what the sender worker does in production).
    pub async fn dispatch_emails(&self) {
        alerts_service::workers::email_sender::deliver_due_once(&self.state)
            .await
            .unwrap();
    }

    /// Publishes the event outbox now.
    pub async fn relay(&self) -> alerts_service::workers::event_relay::RelayOutcome {
        alerts_service::workers::event_relay::relay_once(&self.state)
            .await
            .unwrap()
    }

    /// Asks for a sign-in link and returns the link's token, read from the real email.
    pub async fn request_sign_in_link(&self, email: &str) -> String {
        let before = self.smtp.messages().len();
        let response = self
            .post("/api/v1/auth/login", &Auth::None, json!({"email": email}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        self.dispatch_emails().await;
        let messages = self
            .smtp
            .wait_for(before + 1, Duration::from_secs(10))
            .await;
        let message = messages.last().expect("a sign-in email");
        let parsed = MessageParser::default().parse(&message.data).unwrap();
        let text = parsed.body_text(0).unwrap().to_string();
        let link = text
            .split_whitespace()
            .find(|w| w.contains("/auth/verify?token="))
            .expect("link in the email");
        assert!(link.starts_with(ORIGIN), "{link}");
        link.split("token=").nth(1).unwrap().to_owned()
    }

    /// Follows a sign-in link; returns the session cookie value if one was set.
    pub async fn verify(&self, token: &str) -> (reqwest::Response, Option<String>) {
        let response = self
            .get(&format!("/auth/verify?token={token}"), &Auth::None)
            .await;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("ea_session="))
            .map(|v| {
                v.trim_start_matches("ea_session=")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .filter(|v| !v.is_empty());
        (response, cookie)
    }

    /// Signs in through the emailed link and returns the session cookie.
    pub async fn sign_in(&self, email: &str) -> Auth {
        let token = self.request_sign_in_link(email).await;
        let (_, cookie) = self.verify(&token).await;
        Auth::Cookie(cookie.expect("session cookie"))
    }

    /// Signs in and creates a personal API token.
    pub async fn token_for(&self, email: &str) -> Auth {
        let session = self.sign_in(email).await;
        let created: Value = self
            .post("/api/v1/tokens", &session, json!({"name": "tests"}))
            .await
            .json()
            .await
            .unwrap();
        Auth::Token(created["token"].as_str().unwrap().to_owned())
    }

    /// POSTs `{}` to `path`, expects 200 and returns the JSON body.
    pub async fn post_json_ok(&self, path: &str, auth: &Auth) -> Value {
        let response = self.post(path, auth, json!({})).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    pub async fn create_alert(&self, auth: &Auth, body: Value) -> Value {
        let response = self.post("/api/v1/alerts", auth, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }
}

/// `{"search_phrase": …, "frequency_minutes": 10}` plus overrides.
pub fn alert_body(phrase: &str) -> Value {
    json!({"search_phrase": phrase, "frequency_minutes": 10})
}

/// Reads an error body's code and field names.
pub async fn error_of(response: reqwest::Response) -> (StatusCode, String, Vec<String>) {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON error body");
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let fields = body["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        body["error"]["message"].is_string(),
        "every error has a message: {body}"
    );
    (status, code, fields)
}
