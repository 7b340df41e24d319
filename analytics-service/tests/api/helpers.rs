//! `spawn_app()`: a running analytics-service on a free port with its own Postgres database,
//! Redis key prefix and SMTP sink; the consumer, the relay loop and the schedule are off so
//! each test drives ingestion ([`TestApp::consume`]) and emails ([`send_due_insights_once`])
//! itself, one step at a time and without sleeping.

use std::time::Duration;

use analytics_service::workers::consumer::{consume_once, consumer_group};
use analytics_service::{AppState, Application, Settings};
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use pubsub::consumer::PollReport;
use pubsub::transport::memory::MemoryBroker;
use pubsub::{
    AlertChanged, ConsumerGroup, DeadLetter, Event, Money, ObservedItem, Payload, ProductsObserved,
    Subscriber, Transport, TransportSettings, fixtures,
};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use testkit::{SmtpSink, TestDatabase, TestRedis};
use tokio::sync::oneshot;
use uuid::Uuid;

pub const TOKEN: &str = "test-token-0123456789abcdef";

pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub ctx: AppState,
    pub transport: Transport,
    pub client: reqwest::Client,
    pub smtp: SmtpSink,
    subscriber: Box<dyn Subscriber>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _database: Option<TestDatabase>,
    _redis: Option<TestRedis>,
    _dir: Option<TempDir>,
}

/// A temporary directory removed on drop (for SQLite files).
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn base_settings(database_url: &str, transport: TransportSettings, smtp: &SmtpSink) -> Settings {
    let mut settings = Settings::new(database_url, transport);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.http_workers = 1;
    settings.api_token = Some(analytics_service::config::Sensitive::new(TOKEN.to_owned()));
    settings.smtp_url = analytics_service::config::Sensitive::new(smtp.url());
    settings.mail_from = "eBay Alerts <insights@example.com>".into();
    settings.public_url = "https://alerts.example.com".into();
    settings.consumer.enabled = false;
    settings.consumer.wait = Duration::from_millis(50);
    settings.run_schedule = false;
    settings.run_relay = false;
    settings
}

/// Postgres + Redis Streams.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Postgres + Redis Streams, with settings adjusted (e.g. the background consumer on).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let transport_settings = TransportSettings::new(&redis.url).with_key_prefix(&redis.prefix);
    let transport = Transport::connect(&transport_settings).unwrap();
    let mut settings = base_settings(&database.url, transport_settings, &smtp);
    adjust(&mut settings);
    start(settings, transport, smtp, Some(database), Some(redis), None).await
}

/// SQLite + the in-memory broker: the zero-setup mode's adapters.
pub async fn spawn_sqlite_app() -> TestApp {
    let dir = std::env::temp_dir().join(format!("analytics-test-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("analytics.db").display());
    let smtp = SmtpSink::start().await.unwrap();
    let transport = Transport::Memory(MemoryBroker::new(10_000));
    let settings = base_settings(&url, TransportSettings::new("memory://"), &smtp);
    start(settings, transport, smtp, None, None, Some(TempDir(dir))).await
}

async fn start(
    settings: Settings,
    transport: Transport,
    smtp: SmtpSink,
    database: Option<TestDatabase>,
    redis: Option<TestRedis>,
    dir: Option<TempDir>,
) -> TestApp {
    let app = Application::build(settings, transport.clone())
        .await
        .unwrap();
    let address = format!("http://{}", app.address());
    let ctx = app.state().clone();
    let subscriber = transport
        .subscriber(&consumer_group(&ctx.settings))
        .await
        .unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    TestApp {
        address,
        ctx,
        transport,
        client: reqwest::Client::new(),
        smtp,
        subscriber,
        stop: Some(stop),
        server: Some(server),
        _database: database,
        _redis: redis,
        _dir: dir,
    }
}

impl TestApp {
    /// A second replica: its own context (pool, caches) on the same database and broker.
    pub async fn replica(&self) -> AppState {
        AppState::build((*self.ctx.settings).clone(), self.transport.clone())
            .await
            .unwrap()
    }

    /// Polls `sql` (`… AS n`) until it returns `expected` or a generous deadline passes; for
    /// work done by background tasks. Returns the last value seen.
    pub async fn eventually(&self, sql: &str, expected: i64) -> i64 {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let value = self.scalar(sql).await;
            if value == expected || std::time::Instant::now() > deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server (and waits for it), so the database can be dropped cleanly.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("the service stops cleanly");
        }
    }

    /// Publishes events, each on its type's topic.
    pub async fn publish(&self, events: &[Event]) {
        let publisher = self.transport.publisher();
        for event in events {
            publisher.publish(event).await.unwrap();
        }
    }

    /// Publishes raw bytes, as a buggy or hostile producer might.
    pub async fn publish_raw(&self, topic: &str, payloads: &[&[u8]]) {
        let payloads: Vec<Vec<u8>> = payloads.iter().map(|p| p.to_vec()).collect();
        self.transport
            .publisher()
            .publish_encoded(topic, &payloads)
            .await
            .unwrap();
    }

    /// Consumes until a fetch comes back empty.
    pub async fn consume(&mut self) -> PollReport {
        let mut total = PollReport::default();
        loop {
            let report = consume_once(&self.ctx, self.subscriber.as_mut())
                .await
                .unwrap();
            total += report;
            if report.received == 0 {
                return total;
            }
        }
    }

    /// Another member of the analytics group that takes over every pending message at once,
    /// as a replica would after the configured idle time.
    pub async fn rescuer(&self) -> Box<dyn Subscriber> {
        let group = ConsumerGroup::new("analytics", &analytics_service::workers::probe::TOPICS)
            .with_reclaim(Duration::ZERO, Duration::ZERO);
        self.transport.subscriber(&group).await.unwrap()
    }

    /// A bare member of the analytics group (to fetch and "crash").
    pub async fn member(&self) -> Box<dyn Subscriber> {
        self.transport
            .subscriber(&consumer_group(&self.ctx.settings))
            .await
            .unwrap()
    }

    pub async fn dead_letters(&self, topic: &str) -> Vec<DeadLetter> {
        self.transport.dead_letters(topic, 100).await.unwrap()
    }

    /// One number from SQL (`SELECT COUNT(*) AS n …`).
    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .ctx
            .db
            .conn
            .query_one_raw(Statement::from_string(self.ctx.db.dialect.backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// One text from SQL (`SELECT … AS s …`).
    pub async fn string(&self, sql: &str) -> String {
        let row = self
            .ctx
            .db
            .conn
            .query_one_raw(Statement::from_string(self.ctx.db.dialect.backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<String>("", "s").unwrap()
    }

    /// The mail server goes down.
    pub fn smtp_stop(&mut self) {
        self.smtp.stop();
    }

    /// The mail server comes back on the same port.
    pub async fn smtp_restart(&mut self) {
        self.smtp.restart().await.unwrap();
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn get_insights(&self, alert_id: Uuid, query: &str) -> reqwest::Response {
        self.get(
            &format!("/api/v1/alerts/{alert_id}/insights{query}"),
            Some(TOKEN),
        )
        .await
    }
}

/// `alert.created` with a chosen owner address and phrase.
pub fn alert_created(alert_id: Uuid) -> Event {
    fixtures::alert_created(alert_id)
}

/// `alert.updated` with paused set as given.
pub fn alert_updated(alert_id: Uuid, revision: u64, paused: bool) -> Event {
    let mut alert = fixtures::alert(alert_id, revision);
    alert.paused = paused;
    Event::new(
        "alerts-service",
        Some(alert_id.to_string()),
        Payload::AlertUpdated(AlertChanged { alert }),
    )
}

/// A time `days_ago` days before today (UTC) that is never in the future: noon plus `seconds`
/// on past days, midnight plus `seconds` today.
pub fn day_at(days_ago: i64, seconds: i64) -> DateTime<Utc> {
    let date = Utc::now().date_naive() - chrono::Duration::days(days_ago);
    let time = if days_ago == 0 {
        NaiveTime::MIN
    } else {
        NaiveTime::from_hms_opt(12, 0, 0).unwrap()
    };
    Utc.from_utc_datetime(&date.and_time(time)) + chrono::Duration::seconds(seconds)
}

/// A `products.observed` event of one run.
pub fn observed(alert_id: Uuid, at: DateTime<Utc>, items: &[(&str, Decimal)]) -> Event {
    Event::new(
        "alerts-service",
        Some(alert_id.to_string()),
        Payload::ProductsObserved(ProductsObserved {
            alert_id,
            run_id: Uuid::now_v7(),
            search_phrase: "lego 42100".into(),
            marketplace: "EBAY_US".into(),
            observed_at: at,
            items: items
                .iter()
                .map(|(id, price)| ObservedItem {
                    item_id: format!("v1|{id}|0"),
                    title: format!("LEGO 42100 listing {id}"),
                    price: Money::new(*price, "USD"),
                    // Free shipping: totals equal the item prices of the hand-computed tables.
                    shipping_cost: Some(Money::new(Decimal::ZERO, "USD")),
                    condition: Some("New".into()),
                    buying_options: vec!["FIXED_PRICE".into()],
                    item_url: format!("https://www.ebay.com/itm/{id}"),
                    image_url: Some(format!("https://i.ebayimg.com/{id}.jpg")),
                    seller: Some("seller".into()),
                    condition_id: None,
                    buying_option: None,
                    current_bid: None,
                    bid_count: None,
                    ends_at: None,
                    seller_feedback_percent: None,
                })
                .collect(),
        }),
    )
}
