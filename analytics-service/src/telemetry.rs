//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`), as JSON lines when
//! `LOG_FORMAT=json`. Secrets never reach a log line: settings holding them are [`Sensitive`].
//!
//! [`Sensitive`]: crate::config::Sensitive

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests, embedding) is a no-op.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,actix_server=warn,tokio_cron_scheduler=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
