//! `analytics-service serve | migrate | send-insights [--alert ID]` (DESIGN §5).

use std::process::ExitCode;

use analytics_service::config::{Cli, Command};
use analytics_service::workers::insight_emails::{send_due_insights_once, send_insights_for_alert};
use analytics_service::{AppContext, Application, telemetry};
use clap::Parser;

fn main() -> ExitCode {
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("analytics-service: cannot read .env: {error}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("analytics-service: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let settings = match cli.settings.into_settings() {
            Ok(settings) => settings,
            Err(error) => {
                eprintln!("analytics-service: {error}");
                return ExitCode::from(2);
            }
        };
        telemetry::init();
        let result = match cli.command {
            Command::Serve(args) => {
                let mut settings = settings;
                settings.consumer.enabled = !args.no_consumer;
                settings.run_schedule = !args.no_schedule;
                match Application::build_from_settings(settings).await {
                    Ok(app) => app.run_until_stopped().await,
                    Err(error) => Err(error),
                }
            }
            Command::Migrate => {
                async {
                    let db = analytics_service::db::connect_service(
                        settings.database_url.expose(),
                        settings.database_max_connections,
                    )
                    .await?;
                    db.migrate().await?;
                    println!("migrations applied");
                    Ok(())
                }
                .await
            }
            Command::SendInsights(args) => async {
                let transport = pubsub::Transport::connect(&settings.transport)?;
                let ctx = AppContext::build(settings, transport).await?;
                let outcome = match args.alert {
                    Some(alert_id) => send_insights_for_alert(&ctx, alert_id).await?,
                    None => send_due_insights_once(&ctx).await?,
                };
                println!(
                    "reports created: {}, emails sent: {}, retrying: {}, failed: {}, cancelled: {}",
                    outcome.reports_created,
                    outcome.sent,
                    outcome.retried,
                    outcome.failed,
                    outcome.cancelled
                );
                Ok(())
            }
            .await,
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("analytics-service: {error}");
                ExitCode::FAILURE
            }
        }
    })
}
