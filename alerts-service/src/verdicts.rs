//! Deal verdicts from analytics-service (`POST {ANALYTICS_URL}/api/v1/alerts/{id}/verdicts`,
//! DESIGN §6 "Wave 2"): analytics keeps the price history, so it judges whether a listing is a
//! deal against comparable listings; alerts-service only attaches the answer to listings in
//! `GET /api/v1/alerts/{id}/items` and in alert emails.
//!
//! Analytics being down must never delay or lose an alert email: a request gets at most
//! [`TIMEOUT`], and any failure (unreachable, timeout, an error status, an unreadable answer)
//! is `None` — "verdicts unavailable" — which callers treat as "no verdicts", never as an error.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pubsub::ObservedItem;
use pubsub::insights::{Deal, VerdictRequest, VerdictResponse};
use uuid::Uuid;

use crate::state::AppState;

/// Longest wait for analytics: an alert run waits at most this long for its verdicts.
pub const TIMEOUT: Duration = Duration::from_millis(1_500);

/// Verdicts by item id (only listings with a verdict are present).
pub type Deals = HashMap<String, Deal>;

/// Asks analytics for verdicts on `items` as the alert's run saw them at `observed_at`;
/// `None` when analytics could not answer.
pub async fn fetch(
    state: &AppState,
    alert_id: Uuid,
    observed_at: DateTime<Utc>,
    items: Vec<ObservedItem>,
) -> Option<Deals> {
    if items.is_empty() {
        return Some(Deals::new());
    }
    let url = format!(
        "{}/api/v1/alerts/{alert_id}/verdicts",
        state.settings.analytics_url.as_str().trim_end_matches('/'),
    );
    let mut request = state
        .http
        .post(&url)
        .timeout(TIMEOUT)
        .json(&VerdictRequest { observed_at, items });
    if let Some(token) = &state.settings.analytics_api_token {
        request = request.bearer_auth(token.expose());
    }
    let response = match request.send().await {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => {
            tracing::warn!(status = response.status().as_u16(), %alert_id, "analytics refused the verdict request; listings go out without verdicts");
            return None;
        }
        Err(error) => {
            tracing::warn!(%error, %alert_id, "analytics unreachable for verdicts; listings go out without verdicts");
            return None;
        }
    };
    match response.json::<VerdictResponse>().await {
        Ok(answer) => Some(
            answer
                .verdicts
                .into_iter()
                .filter_map(|v| Some((v.item_id, v.deal?)))
                .collect(),
        ),
        Err(error) => {
            tracing::warn!(%error, %alert_id, "analytics answered verdicts unreadably");
            None
        }
    }
}
