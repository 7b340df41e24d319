//! Just enough of alerts-service's own test helpers (`alerts-service/tests/api/helpers.rs`) to
//! drive it from here: an app with a fresh database, its own SMTP sink and eBay mock, sign-in by
//! the emailed link, and the typed requests the insights test makes. Kept minimal on purpose;
//! alerts-service's behaviour is tested in its own crate.

use std::sync::Arc;
use std::time::Duration;

use alerts_service::config::Settings;
use alerts_service::startup::{Application, Roles, build_state};
use alerts_service::state::AppState;
use clap::Parser;
use ebay_mock::{MockConfig, MockServer};
use mail_parser::MessageParser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{SmtpSink, TestDatabase, TestRedis};
use tokio::sync::oneshot;

/// The origin the dashboard is served from in tests (PUBLIC_URL).
const ORIGIN: &str = "http://dashboard.test";

/// How a request proves who it is.
#[derive(Clone, Debug)]
pub enum Auth {
    /// No credentials.
    None,
    /// `Authorization: Bearer`.
    Token(String),
    /// The session cookie, sent with the dashboard's Origin.
    Cookie(String),
}

/// A running alerts-service; stops when dropped.
pub struct AlertsApp {
    address: String,
    state: Arc<AppState>,
    smtp: SmtpSink,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    _redis: TestRedis,
    _ebay: MockServer,
    _db: TestDatabase,
}

impl Drop for AlertsApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// alerts-service's settings as its command line would give them: the flags are its public
/// contract, so this copy does not follow every change of the settings struct.
#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    settings: Settings,
}

/// An alerts-service on a fresh Postgres database and the given Redis prefix, with `change`
/// applied to its settings.
pub async fn spawn_app_on(redis: TestRedis, change: impl FnOnce(&mut Settings)) -> AlertsApp {
    let db = TestDatabase::create().await.unwrap();
    let smtp = SmtpSink::start().await.unwrap();
    let ebay = MockServer::start(MockConfig::for_tests()).unwrap();
    let flags = Flags::try_parse_from([
        "alerts-service",
        "--database-url",
        &db.url,
        "--redis-url",
        &redis.url,
        "--pubsub-transport",
        "streams",
        "--redis-key-prefix",
        &redis.prefix,
        "--smtp-url",
        &smtp.url(),
        "--mail-from",
        "eBay Alerts <alerts@dashboard.test>",
        "--public-url",
        ORIGIN,
        "--listen",
        "127.0.0.1:0",
        "--analytics-url",
        "http://127.0.0.1:9",
        "--frontend-dist",
        "does-not-exist",
        "--database-max-connections",
        "5",
        "--ebay-env",
        "mock",
        "--ebay-base-url",
        ebay.base_url(),
        "--ebay-client-id",
        "test-client",
        "--ebay-client-secret",
        "test-secret",
    ])
    .expect("alerts-service accepts these flags");
    let mut settings = flags.settings;
    change(&mut settings);

    let state = build_state(settings, None).await.expect("state builds");
    // Workers are driven by the test (dispatch_emails, relay) so each step is deterministic.
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
    AlertsApp {
        address,
        state,
        smtp,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        stop: Some(stop),
        _redis: redis,
        _ebay: ebay,
        _db: db,
    }
}

impl AlertsApp {
    async fn request(
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
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    /// The service's state (tests drive its workers with it).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, auth: &Auth) -> reqwest::Response {
        self.request(Method::GET, path, auth, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, auth: &Auth, body: Value) -> reqwest::Response {
        self.request(Method::POST, path, auth, Some(body)).await
    }

    /// Publishes the event outbox now (what the relay worker does in production).
    pub async fn relay(&self) {
        alerts_service::workers::event_relay::relay_once(&self.state)
            .await
            .unwrap();
    }

    /// Signs in through the emailed link, then creates a personal API token.
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

    /// Creates an alert and returns it.
    pub async fn create_alert(&self, auth: &Auth, body: Value) -> Value {
        let response = self.post("/api/v1/alerts", auth, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn sign_in(&self, email: &str) -> Auth {
        let before = self.smtp.messages().len();
        let response = self
            .post("/api/v1/auth/login", &Auth::None, json!({"email": email}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        alerts_service::workers::email_sender::deliver_due_once(&self.state)
            .await
            .unwrap();
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
        let token = link.split("token=").nth(1).unwrap();
        let response = self
            .get(&format!("/auth/verify?token={token}"), &Auth::None)
            .await;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("ea_session="))
            .and_then(|v| v.split(';').next())
            .filter(|v| !v.is_empty())
            .expect("session cookie");
        Auth::Cookie(cookie.to_owned())
    }
}

/// `{"search_phrase": …, "frequency_minutes": 10}`.
pub fn alert_body(phrase: &str) -> Value {
    json!({"search_phrase": phrase, "frequency_minutes": 10})
}
