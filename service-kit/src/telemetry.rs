//! Logging: `tracing` to stderr, filtered by `RUST_LOG`, as JSON lines when `LOG_FORMAT=json`.
//!
//! Logs go to stderr so that commands printing a result (`alerts-service token create`) keep
//! stdout clean for scripts.

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is unset: our info lines, only warnings from chatty libraries.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,actix_server=warn,tokio_cron_scheduler=warn";

/// Installs the global subscriber; a second call (tests, embedding) is a no-op.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
