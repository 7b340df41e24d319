//! Deal verdicts from analytics-service (`POST {ANALYTICS_URL}/api/v1/alerts/{id}/verdicts`,
//! DESIGN §6 "Wave 2"): analytics keeps the price history, so it judges whether a listing is a
//! deal against comparable listings; alerts-service only attaches the answer to listings in
//! `GET /api/v1/alerts/{id}/items` and in alert emails.
//!
//! Analytics being down must never delay or lose an alert email: a request gets at most
//! [`TIMEOUT`], and any failure (unreachable, timeout, an error status, an unreadable answer)
//! is `None` — "verdicts unavailable" — which callers treat as "no verdicts", never as an error.
//! After analytics failed to answer (unreachable, timed out, 5xx), [`Breaker`] skips asking for
//! [`PAUSE`]: a slow analytics would otherwise add [`TIMEOUT`] to every query group's run (and
//! its transaction) and a warning to the log for each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use pubsub::ObservedItem;
use pubsub::insights::{Deal, VerdictRequest, VerdictResponse};
use uuid::Uuid;

use crate::state::AppState;

/// Longest wait for analytics: an alert run waits at most this long for its verdicts.
pub const TIMEOUT: Duration = Duration::from_millis(1_500);

/// How long runs stop asking after analytics failed to answer.
pub const PAUSE: Duration = Duration::from_secs(30);

/// Verdicts by item id (only listings with a verdict are present).
pub type Deals = HashMap<String, Deal>;

/// Remembers, per process, that analytics just failed, so the next runs do not wait for it.
/// Per process on purpose: it only saves waiting; each replica finds out by itself.
#[derive(Debug, Default)]
pub struct Breaker {
    quiet_until: Mutex<Option<Instant>>,
}

impl Breaker {
    /// Whether requests are skipped at `now`.
    pub fn is_open(&self, now: Instant) -> bool {
        self.quiet_until
            .lock()
            .map(|until| until.is_some_and(|until| now < until))
            .unwrap_or(false)
    }

    /// Analytics failed at `now`: skip requests for [`PAUSE`]. Returns whether it was closed
    /// (so the failure is logged once per pause, not once per alert).
    pub fn trip(&self, now: Instant) -> bool {
        let Ok(mut until) = self.quiet_until.lock() else {
            return false;
        };
        let was_closed = until.is_none_or(|until| now >= until);
        *until = Some(now + PAUSE);
        was_closed
    }
}

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
    let breaker = &state.verdict_breaker;
    if breaker.is_open(Instant::now()) {
        return None;
    }
    let response = match request.send().await {
        Ok(response) if response.status().is_success() => response,
        Ok(response) if response.status().is_server_error() => {
            if breaker.trip(Instant::now()) {
                tracing::warn!(status = response.status().as_u16(), %alert_id, pause_secs = PAUSE.as_secs(), "analytics failed the verdict request; listings go out without verdicts until it answers again");
            }
            return None;
        }
        Ok(response) => {
            tracing::warn!(status = response.status().as_u16(), %alert_id, "analytics refused the verdict request; listings go out without verdicts");
            return None;
        }
        Err(error) => {
            if breaker.trip(Instant::now()) {
                tracing::warn!(%error, %alert_id, pause_secs = PAUSE.as_secs(), "analytics unreachable for verdicts; listings go out without verdicts until it answers again");
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_skips_requests_for_the_pause_after_a_failure() {
        let start = Instant::now();
        let breaker = Breaker::default();
        assert!(!breaker.is_open(start), "closed before any failure");
        assert!(breaker.trip(start), "the first failure is reported");
        let cases = [
            (Duration::ZERO, true),
            (PAUSE - Duration::from_millis(1), true),
            (PAUSE, false),
            (PAUSE * 3, false),
        ];
        for (after, open) in cases {
            assert_eq!(
                breaker.is_open(start + after),
                open,
                "{after:?} after the failure"
            );
        }
    }

    #[test]
    fn a_failure_during_the_pause_extends_it_without_being_reported_again() {
        let start = Instant::now();
        let breaker = Breaker::default();
        assert!(breaker.trip(start));
        assert!(!breaker.trip(start + Duration::from_secs(10)));
        assert!(breaker.is_open(start + PAUSE + Duration::from_secs(5)));
        assert!(breaker.trip(start + Duration::from_secs(10) + PAUSE));
    }
}
