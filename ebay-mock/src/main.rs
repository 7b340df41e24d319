//! `ebay-mock`: serves the mock on `EBAY_MOCK_LISTEN` until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ebay_mock::{FaultSettings, MockConfig, MockServer};
use tracing_subscriber::EnvFilter;

/// A local stand-in for eBay's token and Browse search endpoints.
#[derive(Debug, Parser)]
#[command(name = "ebay-mock", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "EBAY_MOCK_LISTEN", default_value = ebay_mock::DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// Lifetime of issued tokens in seconds (eBay: 7200).
    #[arg(long, env = "EBAY_MOCK_TOKEN_TTL_SECS", default_value_t = 7200)]
    token_ttl_secs: u64,

    /// Comma-separated client ids allowed to get tokens; empty allows any id/secret pair.
    #[arg(long, env = "EBAY_MOCK_ALLOWED_CLIENT_IDS", value_delimiter = ',')]
    allowed_client_ids: Vec<String>,

    /// Share of searches answered 429 (0.0–1.0).
    #[arg(long, env = "EBAY_MOCK_FAULT_429_RATE", default_value_t = 0.0)]
    fault_429_rate: f64,

    /// Share of searches answered 500 (0.0–1.0).
    #[arg(long, env = "EBAY_MOCK_FAULT_500_RATE", default_value_t = 0.0)]
    fault_500_rate: f64,

    /// Latency added to every search, in milliseconds.
    #[arg(long, env = "EBAY_MOCK_LATENCY_MS", default_value_t = 0)]
    latency_ms: u64,

    /// `Retry-After` seconds sent with injected 429s.
    #[arg(long, env = "EBAY_MOCK_RETRY_AFTER_SECS", default_value_t = 1)]
    retry_after_secs: u64,

    /// Apply the fault rates and latency to the token endpoint too.
    #[arg(long, env = "EBAY_MOCK_FAULTS_ON_TOKEN", default_value_t = false)]
    faults_on_token: bool,

    /// Start the mock clock this many seconds away from real time (negative = the past).
    #[arg(
        long,
        env = "EBAY_MOCK_CLOCK_OFFSET_SECS",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    clock_offset_secs: i64,

    /// Test mode: allows freezing the clock (`POST /mock/clock {"freeze": true}`) for
    /// simulations; never needed for development or demos.
    #[arg(long, env = "EBAY_MOCK_TEST_MODE", default_value_t = false)]
    test_mode: bool,

    /// HTTP worker threads (default: one per CPU).
    #[arg(long, env = "EBAY_MOCK_WORKERS")]
    workers: Option<usize>,
}

impl Cli {
    fn into_config(self) -> Result<MockConfig, String> {
        let allowed: Vec<String> = self
            .allowed_client_ids
            .into_iter()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .collect();
        let config = MockConfig {
            listen: self.listen,
            token_ttl: Duration::from_secs(self.token_ttl_secs),
            allowed_client_ids: (!allowed.is_empty()).then_some(allowed),
            faults: FaultSettings {
                rate_429: self.fault_429_rate,
                rate_500: self.fault_500_rate,
                latency_ms: self.latency_ms,
                retry_after_secs: self.retry_after_secs,
                apply_to_token: self.faults_on_token,
            },
            workers: self.workers,
            handle_signals: true,
            clock_offset_secs: self.clock_offset_secs,
            test_mode: self.test_mode,
        };
        config.validate()?;
        Ok(config)
    }
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("ebay-mock: {message}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) {
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
            // clap's message spans several lines; keep the first, which names the problem.
            let rendered = error.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            return fail(first.trim_start_matches("error: "));
        }
    };
    let config = match cli.into_config() {
        Ok(config) => config,
        Err(reason) => return fail(reason),
    };

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let server = match MockServer::start(config) {
        Ok(server) => server,
        Err(error) => return fail(error),
    };
    tracing::info!(base_url = server.base_url(), "ebay-mock listening");
    match server.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}
