//! Notification channels beyond email (issue #18, DESIGN §12): webhooks, ntfy, Telegram,
//! Discord and Slack, with the same guarantees as email.
//!
//! # Layout
//!
//! * [`url`] — Apprise-style URLs parsed into a typed [`ChannelUrl`] at the boundary.
//! * [`ssrf`] — the address rules, checked when a channel is saved and again inside the HTTP
//!   client's resolver on every send.
//! * [`secrets`] — sealing channel secrets at rest (`CHANNEL_SECRET_KEY`) and Standard
//!   Webhooks signatures.
//! * [`message`] — the [`Notification`] payload and its shape per service, within each
//!   service's limits.
//! * [`templates`] — bounded Tera `title_template` / `body_template`.
//! * [`send`] — one HTTP delivery and how its answer is classified (delivered, retry later,
//!   failed for good).
//! * [`store`] — all SQL: channels, the alert ↔ channel links, the channel outbox.
//!
//! Delivery: the runner writes one `channel_outbox` row per (notification, channel) in the
//! run's transaction ([`store::enqueue_for_runs`]); [`crate::workers::channel_sender`]
//! delivers them.

pub mod digest;
pub mod message;
pub mod notify;
pub mod secrets;
pub mod send;
pub mod ssrf;
pub mod store;
pub mod templates;
pub mod url;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use service_kit::Sensitive;
use tokio::sync::Semaphore;

pub use message::Notification;
pub use url::{ChannelKind, ChannelUrl, ServiceBases};

/// Channel settings (DESIGN §12), flattened into [`crate::config::Settings`].
#[derive(Debug, Clone, Args)]
pub struct ChannelArgs {
    /// Hosts channels may reach although they resolve to loopback, private, link-local or CGNAT
    /// addresses (comma-separated host names or IPs), e.g. `ntfy.lan,192.168.1.20`.
    #[arg(long, env = "CHANNEL_ALLOWED_HOSTS", default_value = "")]
    pub channel_allowed_hosts: String,

    /// Telegram Bot API base; messages go to `{base}/bot{TOKEN}/sendMessage`.
    #[arg(
        long,
        env = "TELEGRAM_API_URL",
        default_value = "https://api.telegram.org"
    )]
    pub telegram_api_url: ::url::Url,

    /// Discord base; webhooks are `{base}/api/webhooks/{ID}/{TOKEN}`.
    #[arg(long, env = "DISCORD_API_URL", default_value = "https://discord.com")]
    pub discord_api_url: ::url::Url,

    /// Slack incoming webhooks base; `{base}/{T}/{B}/{TOKEN}`.
    #[arg(
        long,
        env = "SLACK_WEBHOOK_URL",
        default_value = "https://hooks.slack.com/services"
    )]
    pub slack_webhook_url: ::url::Url,

    /// Key sealing channel secrets at rest: base64 of 32 random bytes
    /// (`openssl rand -base64 32`). Without it secrets are stored unsealed.
    #[arg(long, env = "CHANNEL_SECRET_KEY", hide_env_values = true)]
    pub channel_secret_key: Option<Sensitive<String>>,
}

impl Default for ChannelArgs {
    /// The documented defaults (what clap gives when nothing is set).
    #[allow(clippy::expect_used)] // Constant URLs, parsed by the unit test below.
    fn default() -> Self {
        let url = |u: &str| ::url::Url::parse(u).expect("a constant URL");
        Self {
            channel_allowed_hosts: String::new(),
            telegram_api_url: url("https://api.telegram.org"),
            discord_api_url: url("https://discord.com"),
            slack_webhook_url: url("https://hooks.slack.com/services"),
            channel_secret_key: None,
        }
    }
}

impl ChannelArgs {
    /// Checks the settings; the error names the variable.
    pub fn validate(&self) -> Result<(), String> {
        ssrf::AllowedHosts::parse(&self.channel_allowed_hosts)?;
        for (name, url) in [
            ("TELEGRAM_API_URL", &self.telegram_api_url),
            ("DISCORD_API_URL", &self.discord_api_url),
            ("SLACK_WEBHOOK_URL", &self.slack_webhook_url),
        ] {
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(format!("{name} must be an http(s) URL (got {url})"));
            }
        }
        secrets::SecretBox::new(
            self.channel_secret_key
                .as_ref()
                .map(|k| k.expose().as_str()),
        )?;
        Ok(())
    }

    /// The cloud services' bases.
    pub fn bases(&self) -> ServiceBases {
        ServiceBases {
            telegram: self.telegram_api_url.clone(),
            discord: self.discord_api_url.clone(),
            slack: self.slack_webhook_url.clone(),
        }
    }
}

/// Deliveries in flight to one receiver host at once: enough to keep a healthy receiver busy,
/// few enough that a slow one holds only these.
pub const PER_HOST_CONCURRENCY: usize = 8;

/// What sending needs, built once at start-up and shared.
pub struct Channels {
    /// The HTTP client: guarded resolver, no redirects, timeouts.
    pub http: reqwest::Client,
    /// Seals and opens stored secrets.
    pub secrets: secrets::SecretBox,
    /// Cloud bases.
    pub bases: ServiceBases,
    /// Hosts exempt from the address rules.
    pub allowed: Arc<ssrf::AllowedHosts>,
    /// Metrics per kind.
    pub metrics: ChannelMetrics,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Connecting to a receiver may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole delivery (connect, send, answer) may take this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl Channels {
    /// Builds the client from the settings and registers the metrics in `registry`.
    pub fn new(args: &ChannelArgs, registry: &Registry) -> Result<Self, String> {
        let mut allowed = ssrf::AllowedHosts::parse(&args.channel_allowed_hosts)?;
        let bases = args.bases();
        // The operator chose these hosts; a test or air-gapped install points them at a local
        // server.
        for base in [&bases.telegram, &bases.discord, &bases.slack] {
            if let Some(host) = base.host_str() {
                allowed.insert(host);
            }
        }
        let allowed = Arc::new(allowed);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(PER_HOST_CONCURRENCY)
            .user_agent(concat!("ebay-alerts/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(ssrf::GuardedResolver {
                allowed: allowed.clone(),
            }))
            .build()
            .map_err(|e| format!("channel HTTP client: {e}"))?;
        let secrets = secrets::SecretBox::new(
            args.channel_secret_key
                .as_ref()
                .map(|k| k.expose().as_str()),
        )?;
        Ok(Self {
            http,
            secrets,
            bases,
            allowed,
            metrics: ChannelMetrics::new(registry).map_err(|e| format!("metrics: {e}"))?,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// The concurrency gate of one receiver host.
    pub fn host_gate(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = match self.hosts.lock() {
            Ok(hosts) => hosts,
            Err(poisoned) => poisoned.into_inner(),
        };
        hosts
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST_CONCURRENCY)))
            .clone()
    }
}

/// Channel delivery metrics, labelled by kind (`json`, `ntfy`, `tgram`, `discord`, `slack`).
#[derive(Clone)]
pub struct ChannelMetrics {
    /// Delivered notifications.
    pub sent: IntCounterVec,
    /// Attempts that failed and will be retried.
    pub retried: IntCounterVec,
    /// Notifications given up on.
    pub failed: IntCounterVec,
    /// Time a delivery attempt took.
    pub latency: HistogramVec,
}

impl ChannelMetrics {
    fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let counter = |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), &["kind"]);
        let metrics = Self {
            sent: counter(
                "channel_sent_total",
                "Notifications delivered, by channel kind",
            )?,
            retried: counter(
                "channel_retried_total",
                "Delivery attempts that failed and will be retried, by channel kind",
            )?,
            failed: counter(
                "channel_failed_total",
                "Notifications given up on, by channel kind",
            )?,
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "channel_delivery_duration_seconds",
                    "Time one delivery attempt took, by channel kind",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ]),
                &["kind"],
            )?,
        };
        registry.register(Box::new(metrics.sent.clone()))?;
        registry.register(Box::new(metrics.retried.clone()))?;
        registry.register(Box::new(metrics.failed.clone()))?;
        registry.register(Box::new(metrics.latency.clone()))?;
        // Every kind appears on /metrics from the start, at zero.
        for kind in ChannelKind::ALL
            .iter()
            .filter(|k| **k != ChannelKind::Email)
        {
            metrics.sent.with_label_values(&[kind.as_str()]);
            metrics.retried.with_label_values(&[kind.as_str()]);
            metrics.failed.with_label_values(&[kind.as_str()]);
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_service_bases_and_validate() {
        let args = ChannelArgs::default();
        assert_eq!(args.telegram_api_url.as_str(), "https://api.telegram.org/");
        assert_eq!(args.discord_api_url.as_str(), "https://discord.com/");
        assert_eq!(
            args.slack_webhook_url.as_str(),
            "https://hooks.slack.com/services"
        );
        assert_eq!(args.validate(), Ok(()));
    }

    #[test]
    fn bad_channel_settings_name_their_variable() {
        let mut args = ChannelArgs {
            channel_allowed_hosts: "http://x".into(),
            ..ChannelArgs::default()
        };
        assert!(
            args.validate()
                .unwrap_err()
                .contains("CHANNEL_ALLOWED_HOSTS")
        );
        args.channel_allowed_hosts = String::new();
        args.telegram_api_url = "ftp://x".parse().unwrap();
        assert!(args.validate().unwrap_err().contains("TELEGRAM_API_URL"));
        args.telegram_api_url = "http://127.0.0.1:9".parse().unwrap();
        args.channel_secret_key = Some(String::from("short").into());
        assert!(args.validate().unwrap_err().contains("CHANNEL_SECRET_KEY"));
    }

    #[test]
    fn the_configured_service_hosts_are_trusted_by_the_guard() {
        let args = ChannelArgs {
            telegram_api_url: "http://127.0.0.1:7000".parse().unwrap(),
            ..ChannelArgs::default()
        };
        let channels = Channels::new(&args, &Registry::new()).unwrap();
        assert!(channels.allowed.contains("127.0.0.1"));
        assert!(channels.allowed.contains("discord.com"));
        assert!(!channels.allowed.contains("localhost"));
    }
}
