//! `ebay-alerts`: the whole system in one process, for trying it with zero setup (DESIGN §3).
//!
//! It runs the same code as production — alerts-service and analytics-service with their HTTP
//! APIs, workers and schedules — and swaps only the adapters: SQLite files under a data
//! directory instead of Postgres, the in-memory event transport instead of Redis, an embedded
//! `ebay-mock` instead of eBay, and `.eml` files (shown at `/outbox` in the dashboard) instead of
//! an SMTP server. Setting a variable switches that part to the real thing: `ALERTS_DATABASE_URL`,
//! `ANALYTICS_DATABASE_URL`, `REDIS_URL`, `SMTP_URL`, `EBAY_ENV=production` with keys.

mod demo;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alerts_service::config::Settings as AlertsSettings;
use alerts_service::error::AppError;
use alerts_service::startup::{Application as AlertsApp, Roles, build_state};
use analytics_service::startup::Application as AnalyticsApp;
use clap::Parser;

/// Runs eBay Alerts in one process.
#[derive(Debug, Parser)]
#[command(name = "ebay-alerts", version, about)]
struct Cli {
    /// Where the databases and the email outbox live (kept between runs).
    #[arg(long, env = "EBAY_ALERTS_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Address of the dashboard and API.
    #[arg(long, env = "ALERTS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Create a demo account with alerts and 14 days of price history (on first start only).
    #[arg(long, env = "EBAY_ALERTS_DEMO")]
    demo: bool,
}

/// alerts-service's settings, parsed from the environment with embedded defaults underneath.
#[derive(Debug, Parser)]
struct AlertsArgs {
    #[command(flatten)]
    settings: AlertsSettings,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match service_kit::cli::parse::<Cli>("ebay-alerts") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    service_kit::telemetry::init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => service_kit::cli::fail("ebay-alerts", message),
    }
}

fn unset(name: &str) -> bool {
    std::env::var(name).map_or(true, |v| v.trim().is_empty())
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

async fn run(cli: Cli) -> Result<(), String> {
    let data = std::path::absolute(&cli.data_dir)
        .map_err(|e| format!("data directory {}: {e}", cli.data_dir.display()))?;
    std::fs::create_dir_all(data.join("outbox"))
        .map_err(|e| format!("cannot create the data directory {}: {e}", data.display()))?;

    // eBay: the embedded mock unless the operator chose the real one.
    let mock = if unset("EBAY_ENV")
        || std::env::var("EBAY_ENV").is_ok_and(|v| v.trim() == "mock") && unset("EBAY_BASE_URL")
    {
        let mut config = ebay_mock::MockConfig::for_tests();
        config.workers = Some(1);
        Some(ebay_mock::MockServer::start(config).map_err(|e| format!("ebay-mock: {e}"))?)
    } else {
        None
    };

    // Events: in process unless REDIS_URL points at a Redis.
    let redis_url = std::env::var("REDIS_URL")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let transport_settings =
        pubsub::TransportSettings::new(redis_url.clone().unwrap_or_else(|| "memory://".into()));
    let transport =
        pubsub::Transport::connect(&transport_settings).map_err(|e| format!("REDIS_URL: {e}"))?;

    let public_url =
        std::env::var("PUBLIC_URL").unwrap_or_else(|_| format!("http://{}", cli.listen));
    let smtp_url = std::env::var("SMTP_URL")
        .unwrap_or_else(|_| format!("file://{}", data.join("outbox").display()));
    let api_token = uuid::Uuid::new_v4().simple().to_string();

    // analytics-service first: alerts-service needs its address.
    let analytics_db = std::env::var("ANALYTICS_DATABASE_URL")
        .unwrap_or_else(|_| sqlite_url(&data.join("analytics.db")));
    let mut analytics_settings =
        analytics_service::config::Settings::new(analytics_db, transport_settings.clone());
    analytics_settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    analytics_settings.api_token =
        Some(analytics_service::config::Sensitive::new(api_token.clone()));
    analytics_settings.smtp_url = analytics_service::config::Sensitive::new(smtp_url.clone());
    analytics_settings.public_url = public_url.clone();
    let analytics = AnalyticsApp::build(analytics_settings, transport.clone())
        .await
        .map_err(|e| format!("analytics-service: {e}"))?;

    let mut args: Vec<String> = vec!["ebay-alerts".into()];
    let mut default = |var: &str, flag: &str, value: String| {
        if unset(var) {
            args.push(flag.into());
            args.push(value);
        }
    };
    default(
        "ALERTS_DATABASE_URL",
        "--database-url",
        sqlite_url(&data.join("alerts.db")),
    );
    default("REDIS_URL", "--redis-url", "memory://".into());
    default("SMTP_URL", "--smtp-url", smtp_url.clone());
    default("PUBLIC_URL", "--public-url", public_url.clone());
    default(
        "ANALYTICS_URL",
        "--analytics-url",
        format!("http://127.0.0.1:{}", analytics.port()),
    );
    default(
        "ANALYTICS_API_TOKEN",
        "--analytics-api-token",
        api_token.clone(),
    );
    default("FRONTEND_DIST", "--frontend-dist", "frontend/dist".into());
    if let Some(mock) = &mock {
        default("EBAY_ENV", "--ebay-env", "mock".into());
        default(
            "EBAY_BASE_URL",
            "--ebay-base-url",
            mock.base_url().to_owned(),
        );
    }
    args.push("--listen".into());
    args.push(cli.listen.to_string());
    if smtp_url.starts_with("file://") && unset("DEV_OUTBOX") {
        args.push("--dev-outbox".into());
    }
    let settings = AlertsArgs::try_parse_from(args)
        .map_err(|e| e.to_string().trim().to_owned())?
        .settings;
    if !settings.frontend_dist.join("index.html").is_file() {
        tracing::warn!(dist = %settings.frontend_dist.display(), "no dashboard build found; `make run` builds it (npm run build in frontend/)");
    }
    let state = build_state(settings, Some(transport.clone()))
        .await
        .map_err(|e| e.to_string())?;
    let alerts = AlertsApp::build(state.clone(), Roles::default()).await.map_err(|e| match e {
        AppError::Listen { addr, .. } => format!(
            "port {} is already in use ({addr}); stop what uses it or choose another address, e.g. ALERTS_LISTEN=127.0.0.1:8090 make run",
            cli.listen.port()
        ),
        other => other.to_string(),
    })?;

    if cli.demo {
        let created = demo::create(&state, mock.as_ref(), &transport)
            .await
            .map_err(|e| format!("demo data: {e}"))?;
        if !created.is_empty() {
            tokio::spawn(demo::send_first_insights(
                analytics.state().clone(),
                created,
            ));
        }
    }

    println!();
    println!(
        "  eBay Alerts is running (one process, data in {})",
        data.display()
    );
    println!("  Dashboard:  {public_url}");
    println!(
        "  Outbox:     {public_url}/outbox  (sign in with any address; the link lands there and in this log)"
    );
    if let Some(mock) = &mock {
        println!("  eBay:       the local mock at {}", mock.base_url());
    }
    println!("  API docs:   {public_url}/api/docs/");
    println!("  Stop with Ctrl-C; data is kept for the next start.");
    println!();

    // One signal stops both services.
    let stop = service_kit::shutdown::on_signal();
    let (alerts_result, analytics_result) = tokio::join!(
        alerts.run_until_stopped(stop.clone().cancelled_owned()),
        analytics.run_until(stop.cancelled_owned())
    );
    if let Some(mock) = mock {
        mock.stop().await;
    }
    alerts_result.map_err(|e| format!("alerts-service: {e}"))?;
    analytics_result.map_err(|e| format!("analytics-service: {e}"))?;
    println!("stopped cleanly");
    Ok(())
}
