//! The mock's own control endpoints under `/mock/`: clock, faults, stats, token revocation.
//! They exist for tests, demos and benchmarks; eBay has nothing like them.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::config::FaultSettings;
use crate::state::{FaultPlan, MockState};

/// Configures the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/mock/clock", web::get().to(get_clock))
        .route("/mock/clock", web::post().to(set_clock))
        .route("/mock/faults", web::get().to(get_faults))
        .route("/mock/faults", web::post().to(set_faults))
        .route("/mock/stats", web::get().to(get_stats))
        .route("/mock/stats", web::delete().to(reset_stats))
        .route("/mock/stats/reset", web::post().to(reset_stats))
        .route("/mock/tokens/revoke", web::post().to(revoke_tokens))
        .route("/mock/tokens", web::delete().to(revoke_tokens));
}

fn control_error(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": message }))
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

/// `POST /mock/clock` body: exactly one of the fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// Move the clock by this many seconds (negative goes back).
    advance_secs: Option<i64>,
    /// Set "now" to this instant.
    now: Option<DateTime<Utc>>,
    /// Back to real time (and a running clock).
    reset: Option<bool>,
    /// Stop (`true`) or restart (`false`) the clock; test mode only. May come with `now` or
    /// `advance_secs`, applied after freezing.
    freeze: Option<bool>,
}

fn clock_body(state: &MockState) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "now": state.now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "offset_secs": state.clock_offset_secs(),
        "frozen": state.is_frozen(),
    }))
}

async fn get_clock(state: web::Data<MockState>) -> HttpResponse {
    clock_body(&state)
}

async fn set_clock(body: web::Bytes, state: web::Data<MockState>) -> HttpResponse {
    let change: ClockChange = match parse_body(&body) {
        Ok(change) => change,
        Err(reason) => return control_error(&reason),
    };
    // Checked whole before anything changes, so a bad body changes nothing.
    let moves = usize::from(change.advance_secs.is_some())
        + usize::from(change.now.is_some())
        + usize::from(change.reset == Some(true));
    let valid = matches!(
        (moves, change.reset, change.freeze),
        (0, _, Some(_)) | (1, Some(true), None) | (1, None, _)
    );
    if !valid {
        return control_error(
            "send exactly one of {\"advance_secs\": N}, {\"now\": RFC3339}, {\"reset\": true}, optionally with {\"freeze\": true|false}",
        );
    }
    match change.freeze {
        Some(true) => {
            if let Err(reason) = state.freeze_clock() {
                return HttpResponse::Forbidden().json(json!({ "error": reason }));
            }
        }
        Some(false) => state.unfreeze_clock(),
        None => {}
    }
    if let Some(seconds) = change.advance_secs {
        state.advance_clock(seconds);
    } else if let Some(at) = change.now {
        state.set_clock(at);
    } else if change.reset == Some(true) {
        state.unfreeze_clock();
        state.set_clock(Utc::now());
    }
    clock_body(&state)
}

/// `POST /mock/faults` body: any subset of the settings, plus a queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultChange {
    rate_429: Option<f64>,
    rate_500: Option<f64>,
    latency_ms: Option<u64>,
    retry_after_secs: Option<u64>,
    apply_to_token: Option<bool>,
    /// Faults for the next search requests, one per request, e.g. `["429", "500"]`.
    queue: Option<Vec<String>>,
    /// Empties the queue first.
    clear_queue: Option<bool>,
    /// Resets every setting to "no faults" first.
    reset: Option<bool>,
}

fn faults_body(state: &MockState) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "settings": state.faults(),
        "queue": state.queued_faults(),
    }))
}

async fn get_faults(state: web::Data<MockState>) -> HttpResponse {
    faults_body(&state)
}

async fn set_faults(body: web::Bytes, state: web::Data<MockState>) -> HttpResponse {
    let change: FaultChange = match parse_body(&body) {
        Ok(change) => change,
        Err(reason) => return control_error(&reason),
    };
    let mut settings = if change.reset == Some(true) {
        FaultSettings::default()
    } else {
        state.faults()
    };
    if let Some(rate) = change.rate_429 {
        settings.rate_429 = rate;
    }
    if let Some(rate) = change.rate_500 {
        settings.rate_500 = rate;
    }
    if let Some(ms) = change.latency_ms {
        settings.latency_ms = ms;
    }
    if let Some(seconds) = change.retry_after_secs {
        settings.retry_after_secs = seconds;
    }
    if let Some(apply) = change.apply_to_token {
        settings.apply_to_token = apply;
    }
    if let Err(reason) = settings.validate() {
        return control_error(&reason);
    }
    let queue = match change
        .queue
        .unwrap_or_default()
        .iter()
        .map(|spec| FaultPlan::parse(spec))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(queue) => queue,
        Err(reason) => return control_error(&reason),
    };
    state.set_faults(settings);
    if change.clear_queue == Some(true) || change.reset == Some(true) {
        state.clear_fault_queue();
    }
    state.queue_faults(queue);
    faults_body(&state)
}

async fn get_stats(state: web::Data<MockState>) -> HttpResponse {
    HttpResponse::Ok().json(state.stats())
}

async fn reset_stats(state: web::Data<MockState>) -> HttpResponse {
    state.reset_stats();
    HttpResponse::Ok().json(state.stats())
}

async fn revoke_tokens(state: web::Data<MockState>) -> HttpResponse {
    let revoked = state.revoke_tokens();
    HttpResponse::Ok().json(json!({ "revoked": revoked }))
}
