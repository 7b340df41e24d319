//! Settings from flags, environment variables (DESIGN §4) and an optional `.env`, validated at
//! start-up so a bad value stops the process with one actionable line instead of failing later.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use mailer::MailerArgs;
use pubsub::TransportSettings;
use pubsub::transport::TransportArgs;
use service_kit::Sensitive;

/// Everything `alerts-service` needs to run.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: `postgres://user@host/db` or `sqlite://path/alerts.db?mode=rwc`.
    #[arg(long, env = "ALERTS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Sensitive<String>,

    /// The event broker (`REDIS_URL`, `PUBSUB_TRANSPORT`, `REDIS_KEY_PREFIX`); Redis also keeps
    /// the counters replicas share (eBay budget, sign-in limits).
    #[command(flatten)]
    pub transport: TransportArgs,

    /// Where emails go and who sends them (`SMTP_URL`, `MAIL_FROM`).
    #[command(flatten)]
    pub mail: MailerArgs,

    /// Notification channels (`CHANNEL_ALLOWED_HOSTS`, `TELEGRAM_API_URL`, `DISCORD_API_URL`,
    /// `SLACK_WEBHOOK_URL`, `CHANNEL_SECRET_KEY`).
    #[command(flatten)]
    pub channels: crate::channels::ChannelArgs,

    /// Base URL of the dashboard as users reach it; used in email links and the CSRF check.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: url::Url,

    /// Address the HTTP API listens on.
    #[arg(long, env = "ALERTS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Where analytics-service's read API is.
    #[arg(long, env = "ANALYTICS_URL", default_value = "http://127.0.0.1:8081")]
    pub analytics_url: url::Url,

    /// Shared secret presented to analytics-service's read API.
    #[arg(long, env = "ANALYTICS_API_TOKEN", hide_env_values = true)]
    pub analytics_api_token: Option<Sensitive<String>>,

    /// Directory of the dashboard's production build, served at `/`.
    #[arg(long, env = "FRONTEND_DIST", default_value = "frontend/dist")]
    pub frontend_dist: std::path::PathBuf,

    /// `production`, `sandbox` or `mock` (then `EBAY_BASE_URL` is the mock's address).
    #[arg(long, env = "EBAY_ENV", default_value = "production")]
    pub ebay_env: ebay_sdk::Environment,

    /// Overrides the eBay API host (required for `mock`).
    #[arg(long, env = "EBAY_BASE_URL")]
    pub ebay_base_url: Option<url::Url>,

    /// eBay application key (client id).
    #[arg(long, env = "EBAY_CLIENT_ID", hide_env_values = true)]
    pub ebay_client_id: Option<String>,

    /// eBay application secret (client secret).
    #[arg(long, env = "EBAY_CLIENT_SECRET", hide_env_values = true)]
    pub ebay_client_secret: Option<Sensitive<String>>,

    /// eBay marketplace searched.
    #[arg(long, env = "EBAY_MARKETPLACE", default_value = "EBAY_US")]
    pub ebay_marketplace: String,

    /// Browse API calls allowed per day across all replicas (eBay's default quota is 5,000).
    #[arg(long, env = "EBAY_DAILY_CALL_BUDGET", default_value_t = 5_000)]
    pub ebay_daily_call_budget: u32,

    /// Listings fetched per search (1–200).
    #[arg(long, env = "EBAY_SEARCH_LIMIT", default_value_t = 50)]
    pub ebay_search_limit: u32,

    /// Seconds between scheduler ticks looking for due alerts.
    #[arg(long, env = "SCHEDULER_TICK_SECS", default_value_t = 15)]
    pub scheduler_tick_secs: u32,

    /// How the daily eBay budget is spent when alerts ask for more: `adaptive` searches each
    /// query as often as new listings appear in it (DESIGN §13), `uniform` stretches every
    /// alert's interval by one factor.
    #[arg(long, env = "SCHEDULER_POLICY", value_enum, default_value_t = SchedulerPolicy::Adaptive)]
    pub scheduler_policy: SchedulerPolicy,

    /// Development only: expose the emails written by a `file://` SMTP_URL at
    /// `GET /api/v1/dev/outbox` (unauthenticated), so sign-in works without a mail server.
    #[arg(long, env = "DEV_OUTBOX", default_value_t = false)]
    pub dev_outbox: bool,

    /// Largest number of database connections this process opens.
    #[arg(long, env = "ALERTS_DATABASE_MAX_CONNECTIONS", default_value_t = 20)]
    pub database_max_connections: u32,
}

impl Settings {
    /// Checks what clap cannot; the error is one sentence naming the variable.
    pub fn validate(&self) -> Result<(), String> {
        let db = self.database_url.expose().trim();
        if !(db.starts_with("postgres://")
            || db.starts_with("postgresql://")
            || db.starts_with("sqlite:"))
        {
            return Err("ALERTS_DATABASE_URL must start with postgres:// or sqlite:".into());
        }
        if !matches!(self.public_url.scheme(), "http" | "https") {
            return Err(format!(
                "PUBLIC_URL must be an http(s) URL (got {})",
                self.public_url
            ));
        }
        if !matches!(self.analytics_url.scheme(), "http" | "https") {
            return Err(format!(
                "ANALYTICS_URL must be an http(s) URL (got {})",
                self.analytics_url
            ));
        }
        self.transport_settings()
            .map(|_| ())
            .map_err(|e| e.to_string())?;
        self.mail.mailer().map_err(|e| e.to_string())?;
        self.ebay_config()?;
        self.channels.validate()?;
        if self.dev_outbox && !self.mail.writes_files() {
            return Err(
                "DEV_OUTBOX needs SMTP_URL=file://DIR (the outbox shows the files written there)"
                    .into(),
            );
        }
        if !(1..=200).contains(&self.ebay_search_limit) {
            return Err("EBAY_SEARCH_LIMIT must be from 1 to 200".into());
        }
        if !(1..=59).contains(&self.scheduler_tick_secs) {
            return Err("SCHEDULER_TICK_SECS must be from 1 to 59".into());
        }
        if self.ebay_daily_call_budget == 0 {
            return Err("EBAY_DAILY_CALL_BUDGET must be at least 1".into());
        }
        if self.database_max_connections == 0 {
            return Err("ALERTS_DATABASE_MAX_CONNECTIONS must be at least 1".into());
        }
        Ok(())
    }

    /// Transport settings for `pubsub`.
    pub fn transport_settings(&self) -> Result<TransportSettings, pubsub::TransportError> {
        let settings = self.transport.settings()?;
        pubsub::Transport::connect(&settings)?;
        Ok(settings)
    }

    /// The eBay client configuration. In `mock` mode any key pair works, so missing keys get
    /// placeholders; for sandbox and production they are required.
    pub fn ebay_config(&self) -> Result<ebay_sdk::EbayConfig, String> {
        use ebay_sdk::Environment;
        let (id, secret) = match (
            &self.ebay_client_id,
            &self.ebay_client_secret,
            self.ebay_env,
        ) {
            (Some(id), Some(secret), _) if !id.is_empty() && !secret.expose().is_empty() => {
                (id.clone(), secret.expose().clone())
            }
            (_, _, Environment::Mock) => {
                ("ebay-alerts-dev".to_owned(), "ebay-alerts-dev".to_owned())
            }
            (_, _, env) => {
                return Err(format!(
                    "EBAY_CLIENT_ID and EBAY_CLIENT_SECRET are required for EBAY_ENV={env} (use EBAY_ENV=mock with EBAY_BASE_URL for a local eBay)"
                ));
            }
        };
        let mut config = ebay_sdk::EbayConfig::new(self.ebay_env, id, secret)
            .with_marketplace(self.ebay_marketplace.clone());
        if let Some(base) = &self.ebay_base_url {
            config = config.with_base_url(base.clone());
        }
        config
            .validate()
            .map_err(|e| format!("eBay settings: {e}"))?;
        Ok(config)
    }

    /// The origin (`scheme://host[:port]`) browsers send with requests from the dashboard.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// Whether cookies must be `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute URL under `PUBLIC_URL`.
    pub fn public_link(&self, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.public_url.as_str().trim_end_matches('/'),
            path_and_query
        )
    }
}

/// How the scheduler spends the daily eBay budget (`SCHEDULER_POLICY`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SchedulerPolicy {
    /// Plan per query group from how often new listings appear in it.
    #[default]
    Adaptive,
    /// Stretch every alert's interval by the same factor.
    Uniform,
}

/// Fixed policies that are not worth a setting.
pub mod policy {
    use super::Duration;

    /// How long a sign-in link works.
    pub const SIGN_IN_LINK_TTL: Duration = Duration::from_secs(15 * 60);
    /// How long a dashboard session lasts.
    pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
    /// Sign-in emails per address per window.
    pub const LOGIN_PER_ADDRESS: u32 = 5;
    /// Sign-in requests per client IP per window.
    pub const LOGIN_PER_IP: u32 = 30;
    /// The rate-limit window of sign-in requests.
    pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
    /// "Run now" requests per alert per window: enough to retry after changing a filter, not
    /// enough to spend the shared daily eBay budget by clicking.
    pub const RUN_NOW_PER_ALERT: u32 = 3;
    /// The rate-limit window of "Run now".
    pub const RUN_NOW_WINDOW: Duration = Duration::from_secs(60);
    /// Largest JSON body accepted.
    pub const MAX_JSON_BODY: usize = 16 * 1024;
    /// Published outbox rows are kept this long, for inspection.
    pub const OUTBOX_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    #[test]
    fn the_scheduler_policy_is_adaptive_unless_uniform_is_asked_for_and_nothing_else_is_accepted() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["alerts-service", "--database-url", "postgres://localhost/x"];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args).map(|cli| cli.settings.scheduler_policy)
        };
        let cases: [(&[&str], Option<SchedulerPolicy>); 4] = [
            (&[], Some(SchedulerPolicy::Adaptive)),
            (
                &["--scheduler-policy", "uniform"],
                Some(SchedulerPolicy::Uniform),
            ),
            (
                &["--scheduler-policy", "adaptive"],
                Some(SchedulerPolicy::Adaptive),
            ),
            (&["--scheduler-policy", "fastest"], None),
        ];
        for (extra, expected) in cases {
            match (parse(extra), expected) {
                (Ok(policy), Some(expected)) => assert_eq!(policy, expected, "{extra:?}"),
                (Err(error), None) => {
                    let message = error.to_string();
                    assert!(
                        message.contains("--scheduler-policy") && message.contains("uniform"),
                        "the error names the setting and its values: {message}"
                    );
                }
                (got, expected) => panic!("{extra:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }
}
