//! The mock's shared state: issued tokens, the adjustable clock, faults and counters.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;

use crate::config::{FaultSettings, MockConfig};

/// Locks a mutex, ignoring poisoning: every critical section here leaves the data consistent,
/// so a panicked holder cannot have left it half-updated.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which endpoint a counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /identity/v1/oauth2/token`
    Token,
    /// `GET /buy/browse/v1/item_summary/search`
    Search,
    /// `GET /buy/browse/v1/item/{item_id}`
    Item,
}

/// Where a listing the mock has shown lives: its query and slot. `getItem` needs them to
/// recompute the listing (the catalogue is a function of query, slot and time, not a table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOrigin {
    /// The normalised search phrase.
    pub query: Arc<str>,
    /// The slot in that query's catalogue.
    pub slot: u64,
}

/// How many listings `getItem` can find; the oldest are forgotten first. About 40 MB at most.
const ITEM_REGISTRY_CAPACITY: usize = 500_000;

#[derive(Default)]
struct ItemRegistry {
    origins: HashMap<u64, ItemOrigin>,
    /// Item numbers in the order they were first seen, for eviction.
    order: VecDeque<u64>,
}

/// A fault to apply to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FaultPlan {
    /// Answer with this status instead of serving the request.
    pub status: Option<u16>,
    /// Sleep this long first.
    pub latency_ms: Option<u64>,
    /// `Retry-After` for an injected 429.
    pub retry_after_secs: Option<u64>,
}

impl FaultPlan {
    /// Parses `401`, `429`, `500`, `503`, `latency=200`, `retry-after=2`, comma-separated
    /// (the `X-Mock-Fault` header and the fault queue use this syntax).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut plan = Self::default();
        for part in spec.split([',', ';']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if let Some((key, value)) = part.split_once('=') {
                let number: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("{part:?}: {value:?} is not a whole number"))?;
                match key.trim().to_ascii_lowercase().as_str() {
                    "latency" | "latency_ms" => plan.latency_ms = Some(number.min(60_000)),
                    "retry-after" | "retry_after" => plan.retry_after_secs = Some(number),
                    "status" => plan.status = Some(status_code(number)?),
                    other => return Err(format!("unknown fault setting {other:?}")),
                }
            } else {
                let number: u64 = part
                    .parse()
                    .map_err(|_| format!("unknown fault {part:?}; use 429, 500, latency=MS"))?;
                plan.status = Some(status_code(number)?);
            }
        }
        Ok(plan)
    }

    fn is_empty(&self) -> bool {
        self.status.is_none() && self.latency_ms.is_none()
    }
}

fn status_code(number: u64) -> Result<u16, String> {
    match u16::try_from(number) {
        Ok(code @ (401 | 429 | 500..=599)) => Ok(code),
        _ => Err(format!(
            "{number} is not an injectable status (401, 429 or 5xx)"
        )),
    }
}

/// Counters readable at `GET /mock/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Requests to the token endpoint (any outcome).
    pub token_requests: u64,
    /// Tokens issued.
    pub tokens_issued: u64,
    /// Requests to the search endpoint (any outcome).
    pub search_requests: u64,
    /// Requests to the getItem endpoint (any outcome).
    pub item_requests: u64,
    /// Requests answered with an injected fault.
    pub faults_injected: u64,
    /// Token endpoint responses by status.
    pub token_status: BTreeMap<u16, u64>,
    /// Search endpoint responses by status.
    pub search_status: BTreeMap<u16, u64>,
    /// getItem endpoint responses by status.
    pub item_status: BTreeMap<u16, u64>,
    /// Tokens currently known (issued, not revoked; may include expired ones).
    pub active_tokens: usize,
}

#[derive(Default)]
struct Stats {
    token_requests: AtomicU64,
    tokens_issued: AtomicU64,
    search_requests: AtomicU64,
    item_requests: AtomicU64,
    faults_injected: AtomicU64,
    token_status: Mutex<BTreeMap<u16, u64>>,
    search_status: Mutex<BTreeMap<u16, u64>>,
    item_status: Mutex<BTreeMap<u16, u64>>,
}

/// [`MockState::frozen_at_ms`] of a running clock.
const RUNNING: i64 = i64::MIN;

/// State shared by all workers.
pub struct MockState {
    token_ttl_ms: i64,
    allowed_client_ids: Option<Vec<String>>,
    /// Token → expiry in mock-clock milliseconds.
    tokens: Mutex<HashMap<String, i64>>,
    clock_offset_ms: AtomicI64,
    /// The instant a frozen clock stands at (Unix milliseconds); [`RUNNING`] when it runs.
    frozen_at_ms: AtomicI64,
    /// Whether the clock may be frozen (the mock's test mode).
    test_mode: bool,
    faults: RwLock<FaultSettings>,
    fault_queue: Mutex<VecDeque<FaultPlan>>,
    items: Mutex<ItemRegistry>,
    stats: Stats,
}

impl MockState {
    /// Fresh state for a configuration.
    pub fn new(config: &MockConfig) -> Self {
        Self {
            token_ttl_ms: i64::try_from(config.token_ttl.as_millis()).unwrap_or(i64::MAX),
            allowed_client_ids: config.allowed_client_ids.clone(),
            tokens: Mutex::new(HashMap::new()),
            clock_offset_ms: AtomicI64::new(0),
            frozen_at_ms: AtomicI64::new(RUNNING),
            test_mode: config.test_mode,
            faults: RwLock::new(config.faults.clone()),
            fault_queue: Mutex::new(VecDeque::new()),
            items: Mutex::new(ItemRegistry::default()),
            stats: Stats::default(),
        }
    }

    // ---- clock ----

    /// The mock's "now": the frozen instant, or real time plus the adjustable offset.
    pub fn now(&self) -> DateTime<Utc> {
        let frozen = self.frozen_at_ms.load(Ordering::SeqCst);
        if frozen != RUNNING {
            return DateTime::from_timestamp_millis(frozen).unwrap_or_default();
        }
        Utc::now() + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock by `seconds` (may be negative); a frozen clock stays frozen there.
    pub fn advance_clock(&self, seconds: i64) {
        let millis = seconds.saturating_mul(1000);
        if self.is_frozen() {
            self.frozen_at_ms.fetch_add(millis, Ordering::SeqCst);
        } else {
            self.clock_offset_ms.fetch_add(millis, Ordering::Relaxed);
        }
    }

    /// Sets the clock so that "now" is `at`; a frozen clock stays frozen there.
    pub fn set_clock(&self, at: DateTime<Utc>) {
        if self.is_frozen() {
            self.frozen_at_ms
                .store(at.timestamp_millis(), Ordering::SeqCst);
        } else {
            let offset = (at - Utc::now()).num_milliseconds();
            self.clock_offset_ms.store(offset, Ordering::Relaxed);
        }
    }

    /// Stops the clock at its current instant, so a simulation (the `detection` benchmark)
    /// decides alone when time passes. Only in test mode: a demo's clock keeps running.
    pub fn freeze_clock(&self) -> Result<(), String> {
        if !self.test_mode {
            return Err(
                "the clock can be frozen only in the mock's test mode (EBAY_MOCK_TEST_MODE=true)"
                    .to_owned(),
            );
        }
        if !self.is_frozen() {
            self.frozen_at_ms
                .store(self.now().timestamp_millis(), Ordering::SeqCst);
        }
        Ok(())
    }

    /// Lets a frozen clock run again from where it stands.
    pub fn unfreeze_clock(&self) {
        let at = self.now();
        self.frozen_at_ms.store(RUNNING, Ordering::SeqCst);
        self.set_clock(at);
    }

    /// Whether the clock stands still.
    pub fn is_frozen(&self) -> bool {
        self.frozen_at_ms.load(Ordering::SeqCst) != RUNNING
    }

    /// The current clock offset in seconds.
    pub fn clock_offset_secs(&self) -> i64 {
        (self.now() - Utc::now()).num_seconds()
    }

    // ---- tokens ----

    /// Whether `client_id` may get tokens.
    pub fn client_allowed(&self, client_id: &str) -> bool {
        self.allowed_client_ids
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| id == client_id))
    }

    /// Issues a token; returns it and its lifetime in seconds.
    pub fn issue_token(&self) -> (String, u64) {
        let mut random = [0u8; 36];
        rand::rng().fill(&mut random[..]);
        let token = format!(
            "v^1.1#i^1#p^1#r^0#I^3#f^0#t^{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, random)
        );
        let now_ms = self.now().timestamp_millis();
        let mut tokens = lock(&self.tokens);
        if tokens.len() >= 10_000 {
            tokens.retain(|_, expiry| *expiry > now_ms);
        }
        tokens.insert(token.clone(), now_ms.saturating_add(self.token_ttl_ms));
        drop(tokens);
        self.stats.tokens_issued.fetch_add(1, Ordering::Relaxed);
        let lifetime = u64::try_from(self.token_ttl_ms / 1000).unwrap_or(1).max(1);
        (token, lifetime)
    }

    /// Whether `token` was issued here, is not revoked and has not expired by the mock clock.
    pub fn token_valid(&self, token: &str) -> bool {
        let now_ms = self.now().timestamp_millis();
        lock(&self.tokens)
            .get(token)
            .is_some_and(|expiry| now_ms < *expiry)
    }

    /// Forgets every issued token (so the next search with one gets a 401); returns how many.
    pub fn revoke_tokens(&self) -> usize {
        let mut tokens = lock(&self.tokens);
        let count = tokens.len();
        tokens.clear();
        count
    }

    // ---- listings shown ----

    /// Remembers where the listings a search returned live, so `getItem` finds them.
    pub fn remember_items(&self, query: &str, listings: impl IntoIterator<Item = (u64, u64)>) {
        let query: Arc<str> = Arc::from(query);
        let mut registry = lock(&self.items);
        for (item_number, slot) in listings {
            let origin = ItemOrigin {
                query: Arc::clone(&query),
                slot,
            };
            if registry.origins.insert(item_number, origin).is_none() {
                registry.order.push_back(item_number);
            }
        }
        while registry.order.len() > ITEM_REGISTRY_CAPACITY {
            if let Some(oldest) = registry.order.pop_front() {
                registry.origins.remove(&oldest);
            }
        }
    }

    /// Where the listing with this legacy item number lives, if a search has shown it.
    pub fn item_origin(&self, item_number: u64) -> Option<ItemOrigin> {
        lock(&self.items).origins.get(&item_number).cloned()
    }

    // ---- faults ----

    /// The current fault settings.
    pub fn faults(&self) -> FaultSettings {
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the fault settings.
    pub fn set_faults(&self, faults: FaultSettings) {
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// Queues faults for the next search requests, one each.
    pub fn queue_faults(&self, plans: impl IntoIterator<Item = FaultPlan>) {
        lock(&self.fault_queue).extend(plans);
    }

    /// Faults still queued.
    pub fn queued_faults(&self) -> Vec<FaultPlan> {
        lock(&self.fault_queue).iter().cloned().collect()
    }

    /// Empties the fault queue.
    pub fn clear_fault_queue(&self) {
        lock(&self.fault_queue).clear();
    }

    /// Decides the fault for one request: the request's own header first, then (search only)
    /// the queue, then the configured rates.
    pub fn plan_fault(&self, endpoint: Endpoint, header: Option<FaultPlan>) -> FaultPlan {
        if let Some(plan) = header.filter(|p| !p.is_empty()) {
            return plan;
        }
        if endpoint == Endpoint::Search
            && let Some(plan) = lock(&self.fault_queue).pop_front()
        {
            return plan;
        }
        let settings = self.faults();
        if endpoint == Endpoint::Token && !settings.apply_to_token {
            return FaultPlan::default();
        }
        let mut plan = FaultPlan {
            latency_ms: (settings.latency_ms > 0).then_some(settings.latency_ms),
            ..FaultPlan::default()
        };
        if settings.rate_429 > 0.0 || settings.rate_500 > 0.0 {
            let roll: f64 = rand::rng().random();
            if roll < settings.rate_429 {
                plan.status = Some(429);
                plan.retry_after_secs = Some(settings.retry_after_secs);
            } else if roll < settings.rate_429 + settings.rate_500 {
                plan.status = Some(500);
            }
        }
        plan
    }

    /// The `Retry-After` to send with an injected 429 without an explicit one.
    pub fn default_retry_after(&self) -> u64 {
        self.faults().retry_after_secs
    }

    // ---- stats ----

    /// Counts a request to `endpoint`.
    pub fn count_request(&self, endpoint: Endpoint) {
        let counter = match endpoint {
            Endpoint::Token => &self.stats.token_requests,
            Endpoint::Search => &self.stats.search_requests,
            Endpoint::Item => &self.stats.item_requests,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a response status of `endpoint`.
    pub fn count_status(&self, endpoint: Endpoint, status: u16) {
        let map = match endpoint {
            Endpoint::Token => &self.stats.token_status,
            Endpoint::Search => &self.stats.search_status,
            Endpoint::Item => &self.stats.item_status,
        };
        *lock(map).entry(status).or_insert(0) += 1;
    }

    /// Counts an injected fault.
    pub fn count_fault(&self) {
        self.stats.faults_injected.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn stats(&self) -> StatsSnapshot {
        StatsSnapshot {
            token_requests: self.stats.token_requests.load(Ordering::Relaxed),
            tokens_issued: self.stats.tokens_issued.load(Ordering::Relaxed),
            search_requests: self.stats.search_requests.load(Ordering::Relaxed),
            item_requests: self.stats.item_requests.load(Ordering::Relaxed),
            faults_injected: self.stats.faults_injected.load(Ordering::Relaxed),
            token_status: lock(&self.stats.token_status).clone(),
            search_status: lock(&self.stats.search_status).clone(),
            item_status: lock(&self.stats.item_status).clone(),
            active_tokens: lock(&self.tokens).len(),
        }
    }

    /// Zeroes the counters (tokens stay valid).
    pub fn reset_stats(&self) {
        for counter in [
            &self.stats.token_requests,
            &self.stats.tokens_issued,
            &self.stats.search_requests,
            &self.stats.item_requests,
            &self.stats.faults_injected,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        lock(&self.stats.token_status).clear();
        lock(&self.stats.search_status).clear();
        lock(&self.stats.item_status).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_specs_parse_statuses_latency_and_retry_after() {
        assert_eq!(
            FaultPlan::parse("429, retry-after=3"),
            Ok(FaultPlan {
                status: Some(429),
                latency_ms: None,
                retry_after_secs: Some(3)
            })
        );
        assert_eq!(
            FaultPlan::parse("latency=200"),
            Ok(FaultPlan {
                status: None,
                latency_ms: Some(200),
                retry_after_secs: None
            })
        );
        assert!(FaultPlan::parse("404").is_err());
        assert!(FaultPlan::parse("explode").is_err());
    }
}
