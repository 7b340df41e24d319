//! `analytics-service serve [--no-consumer] [--no-schedule] [--no-relay] | migrate |
//! send-insights [--alert ID]` (DESIGN §5).

use std::process::ExitCode;

use analytics_service::config::{Cli, Command};
use analytics_service::workers::insight_emails::{send_due_insights_once, send_insights_for_alert};
use analytics_service::{AppState, Application};

fn main() -> ExitCode {
    let cli = match service_kit::cli::parse::<Cli>("analytics-service") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return service_kit::cli::fail(
                "analytics-service",
                format!("cannot start the async runtime: {error}"),
            );
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
        service_kit::telemetry::init();
        let result = match cli.command {
            Command::Serve(args) => {
                let mut settings = settings;
                settings.consumer.enabled = !args.no_consumer;
                settings.run_schedule = !args.no_schedule;
                settings.run_relay = !args.no_relay;
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
                let ctx = AppState::build(settings, transport).await?;
                let outcome = match args.alert {
                    Some(alert_id) => send_insights_for_alert(&ctx, alert_id).await?,
                    None => send_due_insights_once(&ctx).await?,
                };
                println!(
                    "reports created: {}, emails sent: {}, retrying: {}, failed: {}, cancelled: {}, events published: {}",
                    outcome.reports_created,
                    outcome.sent,
                    outcome.retried,
                    outcome.failed,
                    outcome.cancelled,
                    outcome.events_published
                );
                Ok(())
            }
            .await,
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => service_kit::cli::fail("analytics-service", error),
        }
    })
}
