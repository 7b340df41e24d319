//! `alerts-service` command line (DESIGN §5).

use std::process::ExitCode;

use alerts_service::config::Settings;
use alerts_service::startup::{Application, Roles, build_state};
use alerts_service::{accounts, db, domain::EmailAddress, routes::tokens};
use clap::{Parser, Subcommand};

/// eBay Alerts: accounts, alerts, scheduler, alert emails and event outbox.
#[derive(Debug, Parser)]
#[command(name = "alerts-service", version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and run the workers (applies pending migrations first).
    Serve {
        /// Do not publish the event outbox in this process.
        #[arg(long)]
        no_relay: bool,
        /// Do not deliver emails in this process.
        #[arg(long)]
        no_email_sender: bool,
        /// Do not run due alerts in this process.
        #[arg(long)]
        no_scheduler: bool,
        /// Do not consume analytics' insight summaries (for channels) in this process.
        #[arg(long)]
        no_insight_summaries: bool,
    },
    /// Run one scheduler pass (every due alert), deliver the emails it queued, and exit.
    RunDue,
    /// Apply pending migrations and exit.
    Migrate,
    /// Personal API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a new API token for a user (creating the user if needed).
    Create {
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// A label for the token.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match service_kit::cli::parse::<Cli>("alerts-service") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    service_kit::telemetry::init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => service_kit::cli::fail("alerts-service", message),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Migrate => {
            cli.settings.validate()?;
            let db = db::connect(cli.settings.database_url.expose(), 2)
                .await
                .map_err(|e| format!("database: {e}"))?;
            db::migrate(&db)
                .await
                .map_err(|e| format!("migrations: {e}"))?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { email, name },
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| format!("--email {e}"))?;
            let state = build_state(cli.settings, None)
                .await
                .map_err(|e| e.to_string())?;
            let user = accounts::find_or_create_user(&state.db, &email)
                .await
                .map_err(|e| format!("database: {e}"))?;
            let created = tokens::issue(&state, user.id, &name)
                .await
                .map_err(|e| format!("database: {e}"))?;
            println!("{}", created.token);
            Ok(())
        }
        Command::RunDue => {
            let state = build_state(cli.settings, None)
                .await
                .map_err(|e| e.to_string())?;
            let outcome = alerts_service::runner::run_due_once(&state)
                .await
                .map_err(|e| format!("database: {e}"))?;
            // Publish and deliver what the pass produced, so a cron-driven deployment needs
            // no long-running process.
            let relayed = alerts_service::workers::event_relay::relay_once(&state)
                .await
                .map_err(|e| format!("database: {e}"))?;
            let delivered = alerts_service::workers::email_sender::deliver_due_once(&state)
                .await
                .map_err(|e| format!("database: {e}"))?;
            let notified = alerts_service::workers::channel_sender::deliver_due_once(&state)
                .await
                .map_err(|e| format!("database: {e}"))?;
            println!(
                "{}",
                serde_json::json!({
                    "alerts_run": outcome.alerts_run,
                    "ebay_calls": outcome.ebay_calls,
                    "failed_searches": outcome.failed_searches,
                    "emails_queued": outcome.emails_queued,
                    "deferred": outcome.deferred,
                    "events_published": relayed.published,
                    "emails_sent": delivered.sent,
                    "channel_notifications_sent": notified.sent,
                })
            );
            Ok(())
        }
        Command::Serve {
            no_relay,
            no_email_sender,
            no_scheduler,
            no_insight_summaries,
        } => {
            let state = build_state(cli.settings, None)
                .await
                .map_err(|e| e.to_string())?;
            let roles = Roles {
                relay: !no_relay,
                email_sender: !no_email_sender,
                scheduler: !no_scheduler,
                insight_summaries: !no_insight_summaries,
            };
            let app = Application::build(state.clone(), roles)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(port = app.port(), public_url = %state.settings.public_url, "alerts-service listening");
            app.run_until_stopped(alerts_service::startup::shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
    }
}
