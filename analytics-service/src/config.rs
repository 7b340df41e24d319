//! Settings from flags, environment variables (DESIGN §4) and an optional `.env`, validated at
//! start-up so a bad value stops the process with one actionable line instead of failing later.
//!
//! [`Cli`] is what clap parses; [`SettingsArgs::into_settings`] turns the raw strings into typed,
//! checked [`Settings`]. Embedders (the one-process mode, tests) build [`Settings`] directly with
//! [`Settings::new`] and adjust fields.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use mailer::MailerArgs;
use pubsub::TransportSettings;
use pubsub::transport::TransportArgs;
use uuid::Uuid;

pub use service_kit::Sensitive;

/// The consumer group analytics-service joins on both topics.
pub const CONSUMER_GROUP: &str = "analytics";

/// `analytics-service`: event consumer, star schema, insights, insight emails, read API.
#[derive(Debug, Parser)]
#[command(name = "analytics-service", version, about)]
pub struct Cli {
    /// Settings shared by every subcommand.
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands (DESIGN §5).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Consumer, insight schedule, event relay and read API. Applies migrations first.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Compute and send insight emails now, then exit.
    SendInsights(SendInsightsArgs),
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Do not consume events (run only the read API and/or the schedule).
    #[arg(long)]
    pub no_consumer: bool,
    /// Do not run the insight email schedule and the maintenance job.
    #[arg(long)]
    pub no_schedule: bool,
    /// Do not run the event relay loop (insight passes still publish the events they make).
    #[arg(long)]
    pub no_relay: bool,
}

/// Flags of `send-insights`.
#[derive(Debug, Args)]
pub struct SendInsightsArgs {
    /// Only this alert, and even if it already had its email this period.
    #[arg(long)]
    pub alert: Option<Uuid>,
}

/// The raw settings as clap parses them.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Database: `postgres://user@host/db` or `sqlite://path/analytics.db?mode=rwc`.
    #[arg(long, env = "ANALYTICS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Largest number of database connections (Postgres; SQLite always uses one).
    #[arg(long, env = "ANALYTICS_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,

    /// The event broker (`REDIS_URL`, `PUBSUB_TRANSPORT`, `REDIS_KEY_PREFIX`).
    #[command(flatten)]
    pub transport: TransportArgs,

    /// Where emails go and who sends them (`SMTP_URL`, `MAIL_FROM`).
    #[command(flatten)]
    pub mail: MailerArgs,

    /// Base URL of the dashboard, for links in emails.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// Address of the read API.
    #[arg(long, env = "ANALYTICS_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: String,

    /// Bearer token the read API requires; without one it only listens on loopback.
    #[arg(long, env = "ANALYTICS_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,

    /// When insight emails go out: six-field cron (seconds first), UTC.
    #[arg(long, env = "INSIGHTS_CRON", default_value = "0 */30 * * * *")]
    pub insights_cron: String,

    /// At most one insight email per alert per this many hours.
    #[arg(long, env = "INSIGHTS_PERIOD_HOURS", default_value_t = 24)]
    pub insights_period_hours: u32,

    /// Observations older than this many days are dropped (daily rollups are kept).
    #[arg(long, env = "ANALYTICS_RETENTION_DAYS", default_value_t = 180)]
    pub retention_days: u32,

    /// A message left unacknowledged this long by a dead consumer is taken over.
    #[arg(long, env = "ANALYTICS_RECLAIM_IDLE_SECS", default_value_t = 60)]
    pub reclaim_idle_secs: u64,

    /// Events handed to one ingestion transaction.
    #[arg(long, env = "ANALYTICS_BATCH_SIZE", default_value_t = 512)]
    pub batch_size: usize,
}

/// Everything the service needs, typed and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `postgres://…` or `sqlite://…`.
    pub database_url: Sensitive<String>,
    /// Pool size on Postgres.
    pub database_max_connections: u32,
    /// How to reach the broker.
    pub transport: TransportSettings,
    /// `SMTP_URL` (may hold credentials).
    pub smtp_url: Sensitive<String>,
    /// `MAIL_FROM`.
    pub mail_from: String,
    /// `PUBLIC_URL`, without a trailing slash.
    pub public_url: String,
    /// Where the read API listens (port 0 picks a free one).
    pub listen: SocketAddr,
    /// HTTP worker threads of the read API.
    pub http_workers: usize,
    /// Bearer token of the read API.
    pub api_token: Option<Sensitive<String>>,
    /// The insight emails.
    pub insights: InsightSettings,
    /// Observations older than this are dropped.
    pub retention_days: u32,
    /// The event consumer.
    pub consumer: ConsumerSettings,
    /// Whether `serve` runs the insight schedule and the maintenance job.
    pub run_schedule: bool,
    /// Whether `serve` runs the event relay loop.
    pub run_relay: bool,
}

/// Settings of the insight emails.
#[derive(Debug, Clone)]
pub struct InsightSettings {
    /// Six-field cron (UTC) of the insight pass.
    pub cron: String,
    /// At most one email per alert per period.
    pub period: Duration,
    /// Window of the emailed report, in days.
    pub days: u32,
    /// Delivery attempts before a report email is marked failed.
    pub max_attempts: u32,
    /// Six-field cron (UTC) of the partition and retention job.
    pub maintenance_cron: String,
}

/// Settings of the event consumer.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// Whether `serve` consumes events.
    pub enabled: bool,
    /// Consumer group name (shared by every replica).
    pub group: String,
    /// Events per ingestion transaction.
    pub batch_size: usize,
    /// How long one fetch waits for events.
    pub wait: Duration,
    /// Failed deliveries before an event is dead-lettered.
    pub max_deliveries: u32,
    /// Unacknowledged this long, a message is taken over by another consumer.
    pub reclaim_idle: Duration,
    /// How often a consumer looks for such messages.
    pub reclaim_every: Duration,
}

impl Default for InsightSettings {
    fn default() -> Self {
        Self {
            cron: "0 */30 * * * *".into(),
            period: Duration::from_secs(24 * 3600),
            days: 14,
            max_attempts: 5,
            maintenance_cron: "0 17 3 * * *".into(),
        }
    }
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            group: CONSUMER_GROUP.into(),
            // Larger batches amortise each statement's round trip; 512 events of 50 listings
            // are ~10 MB of JSON and a transaction of well under a second.
            batch_size: 512,
            wait: Duration::from_secs(2),
            max_deliveries: 5,
            reclaim_idle: Duration::from_secs(60),
            reclaim_every: Duration::from_secs(5),
        }
    }
}

impl Settings {
    /// Defaults for everything but the database and the broker (for embedding and tests).
    pub fn new(database_url: impl Into<String>, transport: TransportSettings) -> Self {
        Self {
            database_url: Sensitive::new(database_url.into()),
            database_max_connections: 10,
            transport,
            smtp_url: Sensitive::new("smtp://127.0.0.1:1025".into()),
            mail_from: "eBay Alerts <alerts@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            http_workers: 2,
            api_token: None,
            insights: InsightSettings::default(),
            retention_days: 180,
            consumer: ConsumerSettings::default(),
            run_schedule: true,
            run_relay: true,
        }
    }

    /// Checks what the types cannot: the error is one sentence naming the variable. Call it
    /// inside a Tokio runtime (building the mailer's SMTP pool needs one).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let db = self.database_url.expose().trim();
        if !(db.starts_with("postgres://")
            || db.starts_with("postgresql://")
            || db.starts_with("sqlite:"))
        {
            return Err(ConfigError(
                "ANALYTICS_DATABASE_URL must start with postgres:// or sqlite: (e.g. sqlite://analytics.db?mode=rwc)".into(),
            ));
        }
        if self.api_token.is_none() && !self.listen.ip().is_loopback() {
            return Err(ConfigError(format!(
                "ANALYTICS_API_TOKEN must be set when ANALYTICS_LISTEN ({}) is not a loopback address",
                self.listen
            )));
        }
        if let Some(token) = &self.api_token
            && token.expose().len() < 16
        {
            return Err(ConfigError(
                "ANALYTICS_API_TOKEN must be at least 16 characters long".into(),
            ));
        }
        check_cron("INSIGHTS_CRON", &self.insights.cron)?;
        check_cron("the maintenance schedule", &self.insights.maintenance_cron)?;
        if self.insights.period < Duration::from_secs(3600) {
            return Err(ConfigError(
                "INSIGHTS_PERIOD_HOURS must be at least 1".into(),
            ));
        }
        if !(1..=90).contains(&self.insights.days) {
            return Err(ConfigError(
                "the insight window must be 1 to 90 days".into(),
            ));
        }
        if self.retention_days < 14 {
            return Err(ConfigError(format!(
                "ANALYTICS_RETENTION_DAYS must be at least 14 so two-week insights have data (got {})",
                self.retention_days
            )));
        }
        if !(1..=10_000).contains(&self.consumer.batch_size) {
            return Err(ConfigError(
                "ANALYTICS_BATCH_SIZE must be between 1 and 10000".into(),
            ));
        }
        let public = url::Url::parse(&self.public_url).map_err(|e| {
            ConfigError(format!(
                "PUBLIC_URL is not a URL ({e}): {}",
                self.public_url
            ))
        })?;
        if !matches!(public.scheme(), "http" | "https") {
            return Err(ConfigError(format!(
                "PUBLIC_URL must be an http(s) URL (got {})",
                self.public_url
            )));
        }
        check_redis_url(&self.transport.url)?;
        mailer::Mailer::new(self.smtp_url.expose(), &self.mail_from)
            .map_err(|e| ConfigError(e.to_string()))?;
        Ok(())
    }
}

impl SettingsArgs {
    /// Typed, validated settings (inside a Tokio runtime, see [`Settings::validate`]).
    pub fn into_settings(self) -> Result<Settings, ConfigError> {
        let database_url = self
            .database_url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                ConfigError(
                    "ANALYTICS_DATABASE_URL is not set: use postgres://… or sqlite://analytics.db?mode=rwc".into(),
                )
            })?;
        let transport = self
            .transport
            .settings()
            .map_err(|e| ConfigError(e.to_string()))?;
        let listen: SocketAddr = self.listen.trim().parse().map_err(|_| {
            ConfigError(format!(
                "ANALYTICS_LISTEN must be an IP address and port such as 127.0.0.1:8081 (got {:?})",
                self.listen
            ))
        })?;
        if self.database_max_connections == 0 {
            return Err(ConfigError(
                "ANALYTICS_DATABASE_MAX_CONNECTIONS must be at least 1".into(),
            ));
        }
        if self.reclaim_idle_secs == 0 {
            return Err(ConfigError(
                "ANALYTICS_RECLAIM_IDLE_SECS must be at least 1".into(),
            ));
        }
        let mut settings = Settings::new(database_url.trim(), transport);
        settings.database_max_connections = self.database_max_connections;
        settings.smtp_url = Sensitive::new(self.mail.smtp_url.expose().trim().to_owned());
        settings.mail_from = self.mail.mail_from.trim().to_owned();
        settings.public_url = self.public_url.trim().trim_end_matches('/').to_owned();
        settings.listen = listen;
        settings.api_token = self
            .api_token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(Sensitive::new);
        settings.insights.cron = self.insights_cron.trim().to_owned();
        settings.insights.period =
            Duration::from_secs(u64::from(self.insights_period_hours) * 3600);
        settings.retention_days = self.retention_days;
        settings.consumer.batch_size = self.batch_size;
        settings.consumer.reclaim_idle = Duration::from_secs(self.reclaim_idle_secs);
        settings.validate()?;
        Ok(settings)
    }
}

/// A setting that cannot work; the message is one actionable sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The checks `pubsub::Transport::connect` makes, without needing a runtime.
fn check_redis_url(url: &str) -> Result<(), ConfigError> {
    let url = url.trim();
    if url.starts_with("memory:") {
        return Ok(());
    }
    if !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://"))
    {
        return Err(ConfigError(format!(
            "REDIS_URL must start with redis://, rediss:// or memory:// (got {url:?})"
        )));
    }
    redis::Client::open(url)
        .map(|_| ())
        .map_err(|e| ConfigError(format!("REDIS_URL cannot be used: {e}")))
}

fn check_cron(name: &str, expression: &str) -> Result<(), ConfigError> {
    let fields = expression.split_whitespace().count();
    if fields != 6 {
        return Err(ConfigError(format!(
            "{name} must have six fields, seconds first, e.g. \"0 */30 * * * *\" (got {expression:?})"
        )));
    }
    tokio_cron_scheduler::Job::new_async(expression, |_, _| Box::pin(async {})).map_err(|e| {
        ConfigError(format!(
            "{name} {expression:?} is not a valid cron expression: {e}"
        ))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Settings, ConfigError> {
        let mut argv = vec!["analytics-service"];
        argv.extend_from_slice(args);
        argv.push("migrate");
        Cli::try_parse_from(argv)
            .map_err(|e| ConfigError(e.to_string()))?
            .settings
            .into_settings()
    }

    #[tokio::test]
    async fn a_token_is_required_to_listen_beyond_loopback() {
        let error = parse(&[
            "--database-url",
            "sqlite::memory:",
            "--listen",
            "0.0.0.0:8081",
        ])
        .unwrap_err();
        assert!(error.0.contains("ANALYTICS_API_TOKEN"), "{error}");
        assert!(!error.0.contains('\n'));

        let ok = parse(&[
            "--database-url",
            "sqlite::memory:",
            "--listen",
            "0.0.0.0:8081",
            "--api-token",
            "a-long-enough-secret",
        ])
        .unwrap();
        assert!(ok.api_token.is_some());
        assert_eq!(format!("{:?}", ok.api_token), "Some([redacted])");
    }

    #[tokio::test]
    async fn bad_values_are_rejected_with_one_line_naming_the_variable() {
        let cases: &[(&[&str], &str)] = &[
            (&["--database-url", "mysql://x"], "ANALYTICS_DATABASE_URL"),
            (
                &[
                    "--database-url",
                    "sqlite::memory:",
                    "--insights-cron",
                    "*/5 * * * *",
                ],
                "INSIGHTS_CRON",
            ),
            (
                &[
                    "--database-url",
                    "sqlite::memory:",
                    "--insights-cron",
                    "0 99 * * * *",
                ],
                "INSIGHTS_CRON",
            ),
            (
                &["--database-url", "sqlite::memory:", "--listen", "localhost"],
                "ANALYTICS_LISTEN",
            ),
            (
                &[
                    "--database-url",
                    "sqlite::memory:",
                    "--pubsub-transport",
                    "kafka",
                ],
                "PUBSUB_TRANSPORT",
            ),
            (
                &[
                    "--database-url",
                    "sqlite::memory:",
                    "--redis-url",
                    "http://x",
                ],
                "REDIS_URL",
            ),
            (
                &[
                    "--database-url",
                    "sqlite::memory:",
                    "--mail-from",
                    "not an address",
                ],
                "MAIL_FROM",
            ),
            (
                &["--database-url", "sqlite::memory:", "--smtp-url", "ftp://x"],
                "SMTP_URL",
            ),
            (
                &["--database-url", "sqlite::memory:", "--retention-days", "3"],
                "ANALYTICS_RETENTION_DAYS",
            ),
            (
                &[
                    "--database-url",
                    "sqlite::memory:",
                    "--insights-period-hours",
                    "0",
                ],
                "INSIGHTS_PERIOD_HOURS",
            ),
        ];
        for (args, variable) in cases {
            let error = parse(args).unwrap_err();
            assert!(error.0.contains(variable), "{args:?}: {error}");
            assert!(!error.0.contains('\n'), "{args:?}: {error}");
        }
    }

    #[tokio::test]
    async fn defaults_match_the_design() {
        let settings = parse(&["--database-url", "sqlite::memory:"]).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8081");
        assert_eq!(settings.insights.cron, "0 */30 * * * *");
        assert_eq!(settings.insights.period, Duration::from_secs(86_400));
        assert_eq!(settings.retention_days, 180);
        assert_eq!(settings.consumer.group, "analytics");
    }
}
