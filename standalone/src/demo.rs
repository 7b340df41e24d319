//! Demo data for the one-process mode: a demo account with a few alerts and 14 days of price
//! history backfilled from the mock ("as of" past times), so charts and insight emails mean
//! something on the first start.

use alerts_service::accounts;
use alerts_service::auth::{AuthMethod, CurrentUser};
use alerts_service::db::entities::alert;
use alerts_service::domain::{AlertDraft, EmailAddress};
use alerts_service::state::AppState;
use base64::Engine;
use chrono::{Duration, Utc};
use pubsub::{Event, Payload, ProductsObserved};
use serde_json::json;

/// The demo account's address.
pub const DEMO_EMAIL: &str = "demo@example.com";
/// History hours between two backfilled runs.
const STEP_HOURS: i64 = 2;

/// Creates the demo account unless it exists; returns the ids of the alerts it created (none
/// when the account was already there).
pub async fn create(
    state: &AppState,
    mock: Option<&ebay_mock::MockServer>,
    transport: &pubsub::Transport,
) -> anyhow::Result<Vec<uuid::Uuid>> {
    if accounts::user_by_email(&state.db, DEMO_EMAIL)
        .await?
        .is_some()
    {
        tracing::info!("demo data already present");
        return Ok(Vec::new());
    }
    let demo = accounts::find_or_create_user(
        &state.db,
        &EmailAddress::parse(DEMO_EMAIL).map_err(anyhow::Error::msg)?,
    )
    .await?;
    let owner = CurrentUser {
        id: demo.id,
        email: demo.email.clone(),
        method: AuthMethod::Token,
    };
    let bodies = [
        json!({"search_phrase": "lego 42100", "frequency_minutes": 30, "max_price": "600", "target_price": "380"}),
        json!({"search_phrase": "nintendo switch oled", "frequency_minutes": 60, "condition": "used"}),
        json!({"search_phrase": "sony wh-1000xm5", "frequency_minutes": 1440, "buying_options": "any"}),
    ];
    let mut alerts = Vec::new();
    for body in bodies {
        let draft = AlertDraft::parse(&body).map_err(|e| anyhow::anyhow!("{e}"))?;
        alerts.push(
            alerts_service::alerts::create(state, &owner, &draft, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    if let Some(mock) = mock {
        backfill(state, mock, transport, &alerts).await?;
    }
    tracing::info!(
        email = DEMO_EMAIL,
        alerts = alerts.len(),
        "demo account created: sign in as {DEMO_EMAIL}"
    );
    Ok(alerts.iter().map(|a| a.id).collect())
}

/// Sends each demo alert's first insight email as soon as analytics has ingested its backfilled
/// history, so a newcomer sees one at once rather than at the next scheduled tick. Gives up on an
/// alert (with a warning; the schedule sends it later) if that takes more than two minutes.
pub async fn send_first_insights(ctx: analytics_service::AppState, alert_ids: Vec<uuid::Uuid>) {
    use analytics_service::reports::{self, AlertState};
    // The backfill ends one step before now, so today may have no data yet.
    const DAYS_EXPECTED: u32 = 13;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    for alert_id in alert_ids {
        loop {
            let known = matches!(
                reports::alert_state(&ctx.db, alert_id).await,
                Ok(AlertState::Known { alert: Some(_), .. })
            );
            let days = match reports::report(&ctx.db, alert_id, 14, Utc::now()).await {
                Ok(Some(report)) => report.days_with_data,
                _ => 0,
            };
            if known && days >= DAYS_EXPECTED {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                tracing::warn!(%alert_id, days, "demo history not ingested yet; the insight schedule will send this alert's email");
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        match analytics_service::workers::insight_emails::send_insights_for_alert(&ctx, alert_id)
            .await
        {
            Ok(outcome) => tracing::info!(%alert_id, sent = outcome.sent, "demo insight email"),
            Err(error) => tracing::warn!(%alert_id, %error, "demo insight email failed"),
        }
    }
}

async fn backfill(
    state: &AppState,
    mock: &ebay_mock::MockServer,
    transport: &pubsub::Transport,
    alerts: &[alert::Model],
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let basic =
        base64::engine::general_purpose::STANDARD.encode("ebay-alerts-demo:ebay-alerts-demo");
    let token: serde_json::Value = http
        .post(format!("{}/identity/v1/oauth2/token", mock.base_url()))
        .header("Authorization", format!("Basic {basic}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=https%3A%2F%2Fapi.ebay.com%2Foauth%2Fapi_scope")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let publisher = transport.publisher();
    let now = Utc::now();
    let mut events = 0;
    for alert in alerts {
        let request = alerts_service::ebay::search_request(
            alert,
            state.settings.ebay_search_limit,
            &state.settings.ebay_marketplace,
        );
        let mut at = now - Duration::days(14);
        while at < now - Duration::hours(STEP_HOURS) {
            let response: ebay_sdk::SearchResponse = http
                .get(format!(
                    "{}/buy/browse/v1/item_summary/search",
                    mock.base_url()
                ))
                .query(&request.query_pairs())
                .bearer_auth(&token)
                .header("X-Mock-Time", at.to_rfc3339())
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let items = response
                .item_summaries
                .into_iter()
                // The same conversion as a real run, so the demo's events carry conditions,
                // formats, bids and shipping, and insights show their segments.
                .filter_map(|item| alerts_service::ebay::listing(item, &alert.currency))
                .map(|listing| alerts_service::listings::observed_item(&listing))
                .collect();
            let event = Event::new(
                alerts_service::event_outbox::SOURCE,
                Some(alert.id.to_string()),
                Payload::ProductsObserved(ProductsObserved {
                    alert_id: alert.id,
                    run_id: uuid::Uuid::now_v7(),
                    search_phrase: alert.search_phrase.clone(),
                    marketplace: state.settings.ebay_marketplace.clone(),
                    observed_at: at,
                    items,
                }),
            );
            publisher.publish(&event).await?;
            events += 1;
            at += Duration::hours(STEP_HOURS);
        }
    }
    tracing::info!(events, "backfilled 14 days of demo price history");
    Ok(())
}
